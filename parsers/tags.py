"""Segment tags as the tokenizer sees them: service tags, malformed tags, released terminators (parsers).

Compiled byte searches, one set per combination of service characters: a service tag (UNA, UNB, UNG, UNH,
UNT, UNE, UNZ) followed by an element separator or the end of its segment; a segment start (after a
terminator and any line breaks) not followed by a well-formed tag, i.e. three upper-case letters or digits
then an element separator or the segment's end; a release character right before a terminator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.codes import UNA, UNB, UNE, UNG, UNH, UNT, UNZ

SERVICE_ORDER = (UNA, UNB, UNG, UNH, UNT, UNE, UNZ)
SERVICE_CODES = {tag: code for code, tag in enumerate(SERVICE_ORDER)}


@dataclass(frozen=True, slots=True)
class Patterns:
    escape: re.Pattern[bytes]  # a release character right before a terminator
    service: re.Pattern[bytes]  # a service tag followed by an element separator or the segment's end
    bad_tag: re.Pattern[bytes]  # a terminator (and line breaks) not followed by a well-formed tag
    tag: re.Pattern[bytes]  # a well-formed tag prefix: three upper-case letters or digits, then `+` or end


@lru_cache(maxsize=16)
def patterns_for(terminator: bytes, element: bytes, release: bytes, breaks: bytes) -> Patterns:
    t, e = re.escape(terminator), re.escape(element)
    end = b"(?:" + e + b"|" + t + rb"|\Z)"
    skipped = b"[" + re.escape(breaks) + b"]*+" if breaks else b""
    return Patterns(
        escape=re.compile(re.escape(release) + t),
        service=re.compile(rb"UN[ABEGHTZ](?=" + end + b")"),
        bad_tag=re.compile(t + skipped + rb"(?![A-Z0-9]{3}" + end + b")"),
        tag=re.compile(rb"[A-Z0-9]{3}(?:" + e + b")?"),
    )


def kind_of(patterns: Patterns, prefix: bytes) -> str:
    """Classify a segment by `prefix`, its first four bytes (fewer when it is shorter): the tag for a service
    segment, "?" for a malformed tag, "" for any other."""
    if not patterns.tag.fullmatch(prefix):
        return "?"
    tag = prefix[:3].decode("ascii")
    return tag if tag in SERVICE_CODES else ""
