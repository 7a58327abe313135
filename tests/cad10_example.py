"""A CAD as MIG.md §2 writes it, and a small reader of segment text into `Message` values, for the tests.

The example uses every segment and qualifier the guide defines at least once. `message_from_text` builds the
parser's `Segment` values directly (split on ' + and :, no release character), so that structure and mapping
tests do not depend on the interchange parser.
"""

from __future__ import annotations

from parsers.model import Message, Segment

MIG_EXAMPLE = """\
UNH+1+CUSDEC:D:16A:UN:CAD10'
BGM+929:::AB+10207003502332:00002+5'
LOC+22+0453'
LOC+18+1234'
DTM+204:20261118:102'
DTM+137:202611181430:203'
RFF+CN:8000ABC123456'
RFF+CN:8000ABC-123457'
RFF+ABE:FILE-2026-0042'
RFF+ACE:10207003000585'
TDT+20++3'
NAD+IM+123456782RM0001::ZZZ'
NAD+DT+987654324RM0001::ZZZ'
UNS+D'
CST+1+6109100011'
FTX+AAA+++T-shirts, of cotton, for men or boys'
FTX+ACD+++R2-74-1-TT'
FTX+ACD+++R2-32-2.TC'
LOC+27+US+NY'
LOC+35+US'
DTM+11:20261115:102'
MEA+AAE++NMB:1200'
MOA+40:30000.00:USD'
RFF+IV:INV-77:1'
TAX+5+CUD+++10'
MOA+55:0.00'
MOA+124:2037.51'
CST+2+0406909900+9903000000'
FTX+AAA+++Other cheese:, over access commitment'
LOC+27+FR'
DTM+11:20261110:102'
MEA+AAE++KGM:250.125'
MOA+40:1500.50:EUR'
RFF+IV:INV-78:3'
TAX+5+CUD+++31'
MOA+55:3678.58'
TAX+7+GST+++80'
MOA+124:300.00'
TAX+5+EXC+++E1'
TAX+5+ADD+++S'
MOA+55:125.00'
TAX+5+SUR+++X'
UNS+S'
CNT+5:2'
TAX+9+CUD'
MOA+161:3678.58'
TAX+9+GST'
MOA+161:2337.51'
UNT+{count}+1'
"""


def segments_from_text(text: str) -> tuple[Segment, ...]:
    """Segments of EDIFACT text with the default separators and no release characters."""
    pieces = [piece.strip() for piece in text.replace("\n", "").split("'")]
    segments = []
    for number, piece in enumerate(filter(None, pieces), start=1):
        tag, *elements = piece.split("+")
        components = tuple(tuple(element.split(":")) for element in elements)
        segments.append(Segment(tag=tag, elements=components, index=number + 1, offset=0))
    return tuple(segments)


def message_from_text(text: str, *, reference: str = "1", association_code: str = "CAD10") -> Message:
    """A CUSDEC D.16A message of the given segment text (UNH to UNT, UNT's count filled in)."""
    segments = segments_from_text(text.replace("{count}", str(text.count("'"))))
    return Message(
        reference=reference,
        message_type="CUSDEC",
        version="D",
        release="16A",
        agency="UN",
        association_code=association_code,
        segments=segments,
    )


def example(*replacements: tuple[str, str]) -> Message:
    """The MIG example with each (old, new) segment text replaced once (new "" removes the segment)."""
    text = MIG_EXAMPLE
    for old, new in replacements:
        assert old in text, f"{old!r} is not in the example"
        text = text.replace(old + "\n", new + "\n" if new else "", 1)
    return message_from_text(text)
