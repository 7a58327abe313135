"""Tiny hand-written interchanges for the parser tests (test helper).

`interchange()` writes a valid MIG.md §1 envelope around CAD messages built by `message()`; tests then break
one thing with a plain `bytes.replace`, so each test shows exactly what it changes.
"""

from __future__ import annotations

from parsers.envelope import parse_interchange
from parsers.model import Interchange, SyntaxFinding

SENDER = "BROKER01"
BODY = ("BGM+929:::AB+12345678901234:00001+9", "LOC+22+0497", "FTX+AAA+++MEN?'S SHIRTS")


def message(reference: str = "1", *body: str, type_: str = "CUSDEC:D:16A:UN:CAD10") -> list[str]:
    """UNH, the body (a CAD header by default) and a UNT with the right count."""
    segments = list(body or BODY)
    return [f"UNH+{reference}+{type_}", *segments, f"UNT+{len(segments) + 2}+{reference}"]


def interchange(
    *messages: list[str],
    syntax: str = "UNOC:3",
    prepared: str = "261120:1430",
    reference: str = "REF1",
    una: str | None = ":+.? '",
    tail: str = "++CAD",
    newline: str = "\n",
) -> bytes:
    """A whole interchange; `una=None` leaves the UNA out; `tail` follows the UNB control reference."""
    bodies = messages or (message(),)
    segments = [
        f"UNB+{syntax}+{SENDER}:ZZZ+CARM:ZZZ+{prepared}+{reference}{tail}",
        *(segment for body in bodies for segment in body),
        f"UNZ+{len(bodies)}+{reference}",
    ]
    head = f"UNA{una}" + newline if una is not None else ""
    return (head + "".join(f"{segment}'{newline}" for segment in segments)).encode("latin_1")


def parse(data: bytes, *, sender: str | None = SENDER, recipient: str | None = "CARM") -> Interchange:
    return parse_interchange(data, expected_sender=sender, expected_recipient=recipient)


def all_findings(result: Interchange) -> list[SyntaxFinding]:
    return [*result.findings, *(finding for m in result.messages for finding in m.findings)]


def codes(result: Interchange) -> set[str]:
    return {finding.code for finding in all_findings(result)}


def only(findings: tuple[SyntaxFinding, ...] | list[SyntaxFinding], code: str) -> SyntaxFinding:
    """The single finding with `code` (fails when there are none or several)."""
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, f"expected one finding {code}, got {findings}"
    return matching[0]
