"""The service characters in force and the syntax identifier, read before anything is decoded (parsers layer).

The UNA service string advice, when the file opens with one (after an optional UTF-8 BOM and line breaks),
gives the six service characters; otherwise ISO 9735 defaults apply (level B's information separators when
the UNB is written with them). The UNB syntax identifier and version are then peeked from the raw bytes, as
they decide the decoding and whether `*` is a repetition separator (syntax 4). UNA problems are values:
cut short (code 1), a decimal mark other than `.`/`,` (19), service characters that are alphanumeric, space
or not distinct (20; the file is then read with the default characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers import codes
from parsers.model import ServiceStringAdvice

DEFAULT_ADVICE = ServiceStringAdvice()
# ISO 9735 level B default service characters when no UNA is sent: IS1, IS3 and IS4, no release character.
LEVEL_B_ADVICE = ServiceStringAdvice(
    component_separator="\x1f", element_separator="\x1d", release_character=None, segment_terminator="\x1c"
)
SYNTAX_4_REPETITION = "*"  # ISO 9735-1:2002 default repetition separator
_LEADING_BREAKS = re.compile(rb"[\r\n]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnaProblem:
    """Something wrong with the UNA service string advice (codes 1, 19, 20)."""

    code: codes.SyntaxErrorCode
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    """What the start of the file says about how to read the rest."""

    advice: ServiceStringAdvice
    has_una: bool
    body: int  # byte offset where segments begin (after the UNA)
    syntax_identifier: str  # UNB S001/0001 ("" when the file does not start with a UNB)
    syntax_version: str  # UNB S001/0002
    problems: tuple[UnaProblem, ...]


def read_advice(data: bytes, begin: int) -> Advice:
    """Read the UNA (if any) at `begin`, else pick the defaults; then peek at the UNB syntax identifier."""
    begin = _skip_breaks(data, begin)
    advice, has_una, problems, body = _read_una(data, begin)
    if not has_una and data.startswith(b"UNB\x1d", body):
        advice = LEVEL_B_ADVICE
    syntax_identifier, version = _peek_syntax(data, body, advice)
    return Advice(
        advice=_with_repetition(advice, has_una=has_una, version=version),
        has_una=has_una,
        body=body,
        syntax_identifier=syntax_identifier,
        syntax_version=version,
        problems=tuple(problems),
    )


def _skip_breaks(data: bytes, position: int) -> int:
    match = _LEADING_BREAKS.match(data, position)
    return position if match is None else match.end()


def _read_una(data: bytes, begin: int) -> tuple[ServiceStringAdvice, bool, list[UnaProblem], int]:
    if not data.startswith(b"UNA", begin):
        return DEFAULT_ADVICE, False, [], begin
    chars = data[begin + 3 : begin + 9].decode("latin_1")
    if len(chars) < 6:
        problem = UnaProblem(code=codes.SyntaxErrorCode.UNA_NOT_SUPPORTED, text="UNA is cut short")
        return DEFAULT_ADVICE, True, [problem], len(data)
    advice = ServiceStringAdvice(
        component_separator=chars[0],
        element_separator=chars[1],
        decimal_mark=chars[2],
        release_character=None if chars[3] == " " else chars[3],
        repetition_separator=None if chars[4] == " " else chars[4],
        segment_terminator=chars[5],
    )
    problems = _una_problems(advice)
    if any(problem.code == codes.SyntaxErrorCode.INVALID_SERVICE_CHARACTER_ADVICE for problem in problems):
        # Alphanumeric, blank or repeated service characters cannot be read unambiguously (a tag could hold
        # a separator); the UNA is rejected and the rest read with the defaults, so findings stay coherent.
        return DEFAULT_ADVICE, True, problems, begin + 9
    return advice, True, problems, begin + 9


def _una_problems(advice: ServiceStringAdvice) -> list[UnaProblem]:
    problems = []
    if advice.decimal_mark not in ".,":  # ISO 9735: decimal mark is comma or full stop
        text = f"decimal mark {advice.decimal_mark!r} in UNA is neither '.' nor ','"
        problems.append(UnaProblem(code=codes.SyntaxErrorCode.INVALID_DECIMAL_NOTATION, text=text))
    chars = service_characters(advice)
    unusable = [c for c in chars if c.isalnum() or c == " "]
    if len(set(chars)) != len(chars) or unusable:
        text = f"UNA service characters {''.join(chars)!r} are not distinct non-alphanumeric characters"
        problems.append(UnaProblem(code=codes.SyntaxErrorCode.INVALID_SERVICE_CHARACTER_ADVICE, text=text))
    return problems


def service_characters(advice: ServiceStringAdvice) -> str:
    """The separators, release and repetition characters in force, as one string."""
    optional = (advice.release_character, advice.repetition_separator)
    mandatory = advice.component_separator + advice.element_separator + advice.segment_terminator
    return mandatory + "".join(c for c in optional if c)


def _peek_syntax(data: bytes, body: int, advice: ServiceStringAdvice) -> tuple[str, str]:
    """UNB S001 (syntax identifier, version) read from the raw bytes, to choose the decoding."""
    start = _skip_breaks(data, body)
    element = advice.element_separator.encode("latin_1")
    if not data.startswith(b"UNB" + element, start):
        return "", ""
    head = data[start + 4 : start + 64]
    for stop in (element, advice.segment_terminator.encode("latin_1")):
        head = head.split(stop, 1)[0]
    parts = head.decode("latin_1").split(advice.component_separator)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _with_repetition(advice: ServiceStringAdvice, *, has_una: bool, version: str) -> ServiceStringAdvice:
    # UNA position 5 is reserved (space) in syntax 3 and is the repetition separator in syntax 4, whose
    # default is '*'; a non-space reserved character under syntax 3 is ignored, as ISO 9735 v3 says nothing
    # of repetitions.
    if version != "4":
        return replace(advice, repetition_separator=None)
    if not has_una:
        return replace(advice, repetition_separator=SYNTAX_4_REPETITION)
    return advice
