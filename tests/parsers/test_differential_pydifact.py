"""Our segments against pydifact 0.2.3's on every EDIFACT sample of the external corpus.

pydifact's `Parser.parse` (the segment stream under `Interchange.from_str`) reads each file decoded as
ISO 8859-1, as its `from_file` does; a leading UTF-8 BOM is removed first, since pydifact takes it for part of
the first tag and stops. Segments are compared as tag and components, after both sides are normalised the
way pydifact writes them: trailing empty components dropped, an all-empty element as one empty string, and
syntax 4 repetitions joined back with `*` (pydifact does not know them). Where pydifact is right the two must
be equal; `KNOWN` lists every file where it is not, with the kind of difference, and each kind is checked
precisely: we must agree with pydifact on everything it did read.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser

from parsers.model import Segment
from parsers.segments import SegmentSequence, SegmentStore
from parsers.tokenizer import UTF8_BOM, tokenize
from tests.parsers.corpus import edifact_files, read

pytestmark = pytest.mark.filterwarnings("ignore")  # pydifact warns that its XML directories are absent

Normalised = tuple[str, tuple[tuple[str, ...], ...]]

UNTERMINATED = "the last segment has no terminator: pydifact raises 'Unexpected end', we keep it (code 13)"
MALFORMED_TAG = (
    "a malformed tag (tab or line break in it, 4 letters, TRADACOMS '='): pydifact raises, we go on (12)"
)
SPACE_INDENT = "spaces before a tag: pydifact skips them after a terminator, we keep them (malformed tag, 12)"
MID_FILE_UNA = "pydifact finds the 'UNA after a proprietary header and drops every segment before it"
EMPTY_S001 = "pydifact raises IndexError on an empty UNB S001 ('UNB+++++4')"

KNOWN = {
    "Apfelfrisch__Edifact/samples/custom-una.txt": UNTERMINATED,
    "estratocloud__edifact/samples/tradacoms.edi": MALFORMED_TAG,
    "indice-co__EDI.Net/samples/Apperak_edi_out_issue235.edi": EMPTY_S001,
    "indice-co__EDI.Net/samples/edifact.01.edi": MALFORMED_TAG,
    "indice-co__EDI.Net/samples/edifact.D01B.IFCSUM.NewLines.EDI": UNTERMINATED,
    "indice-co__EDI.Net/samples/edifact.D95B.CUSCAR.EDI": MALFORMED_TAG,
    "indice-co__EDI.Net/samples/edifact.D95B.Issue137.EDI": MALFORMED_TAG,
    "indice-co__EDI.Net/samples/edifact.Issue149.SegmentGroups.edi": SPACE_INDENT,
    "indice-co__EDI.Net/samples/edifact.Issue196.edi": SPACE_INDENT,
    "indice-co__EDI.Net/samples/edifact.Issue203.edi": SPACE_INDENT,
    "indice-co__EDI.Net/samples/edifact.Issue98.edi": SPACE_INDENT,
    "jacobemcken__edifact/samples/contrl_d3_nordea_example.edi": UNTERMINATED,
    "nerdocs__pydifact/tests_data/hl7.lab": MALFORMED_TAG,
    "nerdocs__pydifact/tests_data/patient3.edi": UNTERMINATED,
    "nerdocs__pydifact/tests_data/sage_coala.ped": MID_FILE_UNA,
    "smooks__smooks-edi-cartridge/samples/test_escape_character.edi-input.txt": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_no_ung/unedifact-msg-01.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_no_ung/unedifact-msg-02.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-01.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-02.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-03.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-04.edi": MALFORMED_TAG,
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-05.edi": MALFORMED_TAG,
    "xlate__staedi/samples/issue128/wrapped_invoic_d97b.edi": MALFORMED_TAG,
    "xlate__staedi/samples/issue128/wrapped_invoic_d97b_una.edi": MALFORMED_TAG,
}


def ours(data: bytes) -> list[Normalised]:
    tokens = tokenize(data)
    store = SegmentStore(
        data=data, starts=tokens.starts, ends=tokens.ends, codec="latin_1", advice=tokens.advice
    )
    advice = tokens.advice
    return [
        _ours(segment, advice.component_separator, advice.repetition_separator)
        for segment in SegmentSequence(store, 0, len(store))
    ]


def _ours(segment: Segment, component: str, repetition: str | None) -> Normalised:
    elements = list(segment.elements)
    for position, occurrences in segment.repetitions:
        joined = (repetition or "").join(component.join(occurrence) for occurrence in occurrences)
        elements[position - 1] = tuple(joined.split(component))
    return segment.tag, tuple(_trimmed(element) for element in elements)


def theirs(data: bytes) -> tuple[list[Normalised], Exception | None]:
    """pydifact's segments (its UNA left out) up to where it stops, and what stopped it."""
    text = data.removeprefix(UTF8_BOM).decode("latin_1")
    found: list[Normalised] = []
    try:
        for segment in Parser().parse(text):
            if segment.tag != "UNA":
                elements = ((e,) if isinstance(e, str) else tuple(e) for e in segment.elements)
                found.append((segment.tag, tuple(_trimmed(element) for element in elements)))
    except (EDISyntaxError, ValueError, IndexError) as error:  # what pydifact raises on these files
        return found, error
    return found, None


def _trimmed(element: tuple[str, ...]) -> tuple[str, ...]:
    kept = list(element)
    while len(kept) > 1 and kept[-1] == "":
        kept.pop()
    return tuple(kept) if any(kept) else ("",)


def _same(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert error is None
    assert mine == other


def _unterminated(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert "Unexpected end" in str(error)
    assert mine[: len(other)] == other and len(mine) == len(other) + 1


def _malformed_tag(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert (error is not None and "tag" in str(error).lower()) or "segment name" in str(error)
    assert mine[: len(other)] == other
    tag = mine[len(other)][0]
    assert len(tag) != 3 or not (tag.isascii() and tag.isalnum() and tag.upper() == tag)


def _space_indent(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert error is None
    assert [(tag.lstrip(" "), elements) for tag, elements in mine] == other
    assert any(tag.startswith(" ") for tag, _ in mine)


def _mid_file_una(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert error is None
    dropped = len(mine) - len(other)
    assert mine[dropped:] == other and dropped > 0
    assert mine[dropped - 1][0].startswith("UNA")  # the UNA itself, after the header pydifact lost


def _empty_s001(mine: list[Normalised], other: list[Normalised], error: Exception | None) -> None:
    assert isinstance(error, IndexError) and other == []
    assert mine[0] == ("UNB", (("",), ("",), ("",), ("",), ("4",)))


CHECKS: dict[str, Callable[[list[Normalised], list[Normalised], Exception | None], None]] = {
    UNTERMINATED: _unterminated,
    MALFORMED_TAG: _malformed_tag,
    SPACE_INDENT: _space_indent,
    MID_FILE_UNA: _mid_file_una,
    EMPTY_S001: _empty_s001,
}


@pytest.mark.parametrize("path", edifact_files())
def test_our_segments_agree_with_pydifact_wherever_pydifact_is_right(path: str) -> None:
    data = read(path)
    found, error = theirs(data)
    CHECKS.get(KNOWN.get(path, ""), _same)(ours(data), found, error)


def test_the_known_differences_concern_corpus_files() -> None:
    assert set(KNOWN) <= set(edifact_files())


def test_pydifact_drops_the_data_before_a_released_terminator_followed_by_una_and_we_do_not() -> None:
    data = b"UNB+UNOC:3+A'FTX+SEE?'UNA:+.? 'FTX+NEXT'"
    found, _ = theirs(data)
    assert [tag for tag, _ in found] == ["FTX"]  # UNB and the first FTX are gone
    assert [tag for tag, _ in ours(data)] == ["UNB", "FTX", "FTX"]
