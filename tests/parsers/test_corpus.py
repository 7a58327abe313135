"""Every EDIFACT sample of the external corpus is classified: accepted, or rejected with the expected codes.

`EXPECTED` is the verdict of `parse_interchange` with the party checks off (no sender or recipient is
expected of files nobody sent us). SOURCES.md's `findings` column, the verdict of an independent strict
check, is the yardstick: each defect it lists must show up with its UNSL 0085 code (`DEFECT_CODES`), and a
file it finds clean must be accepted unless its syntax level is not one the MIG accepts (code 2) or a check
stricter than that column applies (`STRICTER`). Where a listed defect is reported under another code, or
not at all, `DIFFERENT` says why.
"""

from __future__ import annotations

import re

import pytest

from parsers.envelope import parse_interchange
from parsers.model import Interchange
from tests.parsers.corpus import edifact_files, read, samples
from tests.parsers.interchanges import codes, only

MIG_SYNTAX = {"UNOA:3", "UNOB:3", "UNOC:3", "UNOC:4"}
NOT_DEFECTS = {"UNA", "BOM"}  # a UNA is a feature; a leading BOM is tolerated by MIG.md §1
DEFECT_CODES = {
    "UNB": {"33"},  # "2 UNB", a second UNB: one interchange per file
    "S001-no-version": {"13"},
    "UNG-groups": {"15"},
    "UNT-count-mismatch": {"29"},
    "UNT-ref-mismatch": {"28"},
    "UNZ-count": {"29"},
    "UNZ-ref-mismatch": {"28"},
    "UTF-8-bytes-declared-UNOC(Latin-1)": {"21"},
    "data segs outside UNH..UNT": {"33"},
    "last-UNH-not-closed": {"13"},
    "leading-whitespace-before-tag": {"12"},  # the tag is then malformed
    "lowercase-in-UNOA": {"21"},
    "newline-inside-segment": {"21", "12", "13"},  # 12 when the break is in the tag, 13 when in a cut tail
    "no-UNB": {"13"},
    "no-UNZ": {"13"},
    "non-ASCII-in-UNOA": {"21"},
    "unterminated-tail": {"13"},
    "v1-but-8-digit-date": {"39"},
    "v3-but-5-digit-date": {"40"},
    "v3-but-7-digit-date": {"39"},
    "v3-but-8-digit-date": {"39"},
    "v4-but-6-digit-date": {"40"},
}
_EMPTY_REFERENCE = "its reference is empty: reported as missing (13), not as a mismatch (28)"
DIFFERENT = {
    ("indice-co__EDI.Net/samples/edifact.Issue121.ElementList.edi", "UNT-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue121.ElementList.edi", "UNZ-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue170.ElementList.edi", "UNT-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue170.ElementList.edi", "UNZ-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue174.edi", "UNT-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue174.edi", "UNZ-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue98.edi", "UNT-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue98.edi", "UNZ-ref-mismatch"): _EMPTY_REFERENCE,
    ("indice-co__EDI.Net/samples/edifact.Issue203.edi", "UNT-ref-mismatch"): (
        "its UNH is indented ('    UNH'), a malformed tag (12): there is no message to hold the UNT against"
    ),
}
STRICTER = {
    "xlate__staedi/samples/invoic_d97b_bad.edi": "'$' (in '$1.179') is not in the UNOA repertoire (21)",
    "BerryWorksSoftware__edireader/samples/tiny-UNOE.edi": "UNB 0031 'a' and 0035 't' are not numeric (37)",
    "BerryWorksSoftware__edireader/samples/tiny-syntaxVariants-UNOE.edi": "UNB 0031, 0035 not numeric (37)",
    "BerryWorksSoftware__edireader/samples/tiny-withUNA-UNOE.edi": "UNB 0031, 0035 not numeric (37)",
}
_NO_UNB = "13"
EXPECTED = {
    "Apfelfrisch__Edifact/samples/custom-una.txt": "12 13 33",  # only a UNA whose terminator is '#'
    "Apfelfrisch__Edifact/samples/edifact.txt": _NO_UNB,
    "BerryWorksSoftware__edireader/samples/ORDERS-D01B-UNOC.edi": "",
    "BerryWorksSoftware__edireader/samples/ORDERS-D01B-UNOD.edi": "2",
    "BerryWorksSoftware__edireader/samples/ORDERS-D01B-UNOE.edi": "2",
    "BerryWorksSoftware__edireader/samples/tiny-UNOA.edi": "2 21 37",
    "BerryWorksSoftware__edireader/samples/tiny-UNOE.edi": "2 37",
    "BerryWorksSoftware__edireader/samples/tiny-syntaxVariants-UNOA.edi": "2 21 37",
    "BerryWorksSoftware__edireader/samples/tiny-syntaxVariants-UNOE.edi": "2 37",
    "BerryWorksSoftware__edireader/samples/tiny-withUNA-UNOA.edi": "2 21 37",
    "BerryWorksSoftware__edireader/samples/tiny-withUNA-UNOE.edi": "2 37",
    "Chemaclass__edifact-parser/samples/edifact-sample.edi": "29 40",  # date 19101, time 118
    "DE-TUM__EDIFACT-VAL/samples/Anonymized.edi": "21 29",
    "chrishumphreys__edifact-cuscar-tools/samples/simple.edi": "2 29",
    "estratocloud__edifact/samples/multibyte.edi": "2 29",
    "estratocloud__edifact/samples/order.edi": _NO_UNB,
    "estratocloud__edifact/samples/tradacoms.edi": "12 13 33",  # STX=... tags are not EDIFACT tags
    "estratocloud__edifact/samples/wikipedia.edi": "2",
    "hupe1980__edifact-rs/fixtures/d01b_invoic_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d01b_invoic_malformed.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d01b_orders_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d01b_orders_malformed.edi": "13 29 33",
    "hupe1980__edifact-rs/fixtures/d11a_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d11a_malformed.edi": "13 29 33",
    "hupe1980__edifact-rs/fixtures/d11a_malformed_component.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d96a_invoic_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d96a_invoic_malformed.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d96a_orders_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/d96a_orders_malformed.edi": "13 29 33",
    "hupe1980__edifact-rs/fixtures/invoic_conforming.edi": _NO_UNB,
    "hupe1980__edifact-rs/fixtures/orders_conforming.edi": _NO_UNB,
    "indice-co__EDI.Net/samples/Apperak_edi_out_issue235.edi": "13 33",  # UNB+++++4 then a second UNB
    "indice-co__EDI.Net/samples/edifact.01.edi": "12 28 29",
    "indice-co__EDI.Net/samples/edifact.D01B.IFCSUM.EDI": "2 21 29",
    "indice-co__EDI.Net/samples/edifact.D01B.IFCSUM.NewLines.EDI": "2 12 13 16 21 32 37 39",  # one segment
    "indice-co__EDI.Net/samples/edifact.D95B.CUSCAR.EDI": "2 12 13 21 29 39",  # 13: empty UNH message type
    "indice-co__EDI.Net/samples/edifact.D95B.Issue137.EDI": "12 13 29",
    "indice-co__EDI.Net/samples/edifact.Issue121.ElementList.edi": "2 13 29",
    "indice-co__EDI.Net/samples/edifact.Issue149.SegmentGroups.edi": "12 15 29",
    "indice-co__EDI.Net/samples/edifact.Issue157.Wikipedia.edi": "2",
    "indice-co__EDI.Net/samples/edifact.Issue170.ElementList.edi": "2 13 29",
    "indice-co__EDI.Net/samples/edifact.Issue174.edi": "2 13 29",
    "indice-co__EDI.Net/samples/edifact.Issue188.edi": "26 28 29",  # 26: message reference 44 twice
    "indice-co__EDI.Net/samples/edifact.Issue196.edi": "2 12 29",
    "indice-co__EDI.Net/samples/edifact.Issue203.edi": "2 12 18 29 32 33",  # 18: more than 100 findings
    "indice-co__EDI.Net/samples/edifact.Issue98.edi": "2 12 13",
    "indice-co__EDI.Net/samples/edifact.ORDRSP.edi": "28 29",
    "indice-co__EDI.Net/samples/edifact.Paiement.Issue139.EDI": "2 15 29",
    "jacobemcken__edifact/samples/contrl_d3_nordea_example.edi": "2 13 28",
    "nerdocs__pydifact/tests_data/hl7.lab": "2 12 13 32 33",
    "nerdocs__pydifact/tests_data/invoice1.edi": "2",
    "nerdocs__pydifact/tests_data/invoice_with_colon_at_end.edi": "2",
    "nerdocs__pydifact/tests_data/messages/v3/aperak.edi": "21 29",
    "nerdocs__pydifact/tests_data/messages/v3/aperak_rejected.edi": "21 29",
    "nerdocs__pydifact/tests_data/messages/v4/aperak.edi": "2 21 29 40",
    "nerdocs__pydifact/tests_data/messages/v4/aperak_rejected.edi": "2 21 29 40",
    "nerdocs__pydifact/tests_data/order.edi": "2 13 40",
    "nerdocs__pydifact/tests_data/order2.edi": "13",
    "nerdocs__pydifact/tests_data/patient1.edi": "2 13 21 28",
    "nerdocs__pydifact/tests_data/patient2.edi": "2 13 21 28",
    "nerdocs__pydifact/tests_data/patient3.edi": "2 13 21",
    "nerdocs__pydifact/tests_data/sage_coala.ped": "2 12 15 29 33",  # DOC header and a UNA after it
    "nerdocs__pydifact/tests_data/wikipedia_de.edi": "28",
    "nerdocs__pydifact/tests_data/wikipedia_en.edi": "2",
    "php-edifact__edifact/samples/D95BBAPLIE.edi": "2",
    "php-edifact__edifact/samples/D95BCOARRI.edi": "2",
    "php-edifact__edifact/samples/D96ADESADV.edi": "2",
    "php-edifact__edifact/samples/example.edi": "2",
    "php-edifact__edifact/samples/exampleMulti.edi": "2",
    "php-edifact__edifact/samples/example_multiline.edi": "2 12 21 29 40",  # date 999818, time 999
    "php-edifact__edifact/samples/example_order_error.edi": "21",
    "php-edifact__edifact/samples/example_order_ok.edi": "21",
    "php-edifact__edifact/samples/example_release_character.edi": "2 29",
    "php-edifact__edifact/samples/example_utf8.edi": "2 21",
    "php-edifact__edifact/samples/example_wrapped.edi": "2",
    "sapstern__edifactconverter/samples/PARTIN_01B_UNA_ERROR.edi": "2",
    "smooks__smooks-edi-cartridge/samples/BAD_ORDERS_D.03B_Interchange.txt": "2 21 29",
    "smooks__smooks-edi-cartridge/samples/ORDERS_D.03B_Interchange.txt": "2 21",
    "smooks__smooks-edi-cartridge/samples/bad-paxlst.txt": "2 15 29 40",
    "smooks__smooks-edi-cartridge/samples/paxlst.txt": "2 15 40",
    "smooks__smooks-edi-cartridge/samples/test_escape_character.edi-input.txt": "12 13 33",  # SEG1.. tags
    "smooks__smooks-edi-cartridge/samples/unedifact_no_ung/unedifact-msg-01.edi": "12 21 26 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_no_ung/unedifact-msg-02.edi": "12 21 26 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-01.edi": "12 15 21 26 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-02.edi": "12 15 21 26 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-03.edi": "12 15 21 26 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-04.edi": "12 15 21 28 29 39",
    "smooks__smooks-edi-cartridge/samples/unedifact_with_ung/unedifact-msg-05.edi": "12 15 21 28 29 33 39",
    "xlate__staedi/samples/empty-segment-example.edi": "2",
    "xlate__staedi/samples/empty-segment-loop-example.edi": "2",
    "xlate__staedi/samples/invoic_d93a_una.edi": "2 21",
    "xlate__staedi/samples/invoic_d97b.edi": "21",
    "xlate__staedi/samples/invoic_d97b_bad.edi": "21",
    "xlate__staedi/samples/invoic_d97b_una.edi": "",
    "xlate__staedi/samples/issue106/null-pointer-example.edi": "2",
    "xlate__staedi/samples/issue122/baplie-test.edi": "2",
    "xlate__staedi/samples/issue128/wrapped_invoic_d97b.edi": "12 21 28 39",
    "xlate__staedi/samples/issue128/wrapped_invoic_d97b_una.edi": "2 12 21 28 29 32 33 37 39",
    "xlate__staedi/samples/issue174/other_dialect_term_segments.edi": "",
    "xlate__staedi/samples/orders-with-group.edi": "15 29 39",  # 39: UNH 0057 'EAN008B' is an..6
    "xlate__staedi/samples/pnrgov.edi": "2",
}


def parsed(path: str) -> Interchange:
    return parse_interchange(read(path), expected_sender=None, expected_recipient=None)


def defects(path: str) -> list[str]:
    """SOURCES.md's findings for the file, counts stripped, features (UNA, BOM) left out."""
    tokens = [re.sub(r" x\d+$|=.*|^\d+ | \d+!=\d+$", "", token) for token in samples()[path].findings]
    return [token for token in tokens if token not in NOT_DEFECTS]


def test_the_edifact_rule_selects_exactly_the_files_of_the_sources_sample_tables() -> None:
    assert edifact_files() == sorted(samples())


def test_every_sample_has_an_expected_verdict() -> None:
    assert sorted(EXPECTED) == edifact_files()


@pytest.mark.parametrize("path", edifact_files())
def test_every_corpus_sample_is_accepted_or_rejected_with_the_expected_codes(path: str) -> None:
    result = parsed(path)
    expected = set(EXPECTED[path].split())
    assert codes(result) == expected
    accepted = result.accepted and all(message.accepted for message in result.messages)
    assert accepted == (not expected)


@pytest.mark.parametrize("path", edifact_files())
def test_each_defect_sources_md_lists_is_reported_with_its_code(path: str) -> None:
    ours = codes(parsed(path))
    missed = [
        token for token in defects(path) if not DEFECT_CODES[token] & ours and (path, token) not in DIFFERENT
    ]
    assert not missed


@pytest.mark.parametrize("path", [path for path in edifact_files() if not defects(path)])
def test_a_file_sources_md_finds_clean_is_rejected_only_for_its_syntax_level_or_a_stricter_check(
    path: str,
) -> None:
    ours = codes(parsed(path))
    allowed = set() if samples()[path].syntax in MIG_SYNTAX else {"2"}
    assert ours <= allowed or path in STRICTER


def test_the_reasons_given_for_differences_concern_files_of_the_corpus() -> None:
    assert {path for path, _ in DIFFERENT} | set(STRICTER) <= set(EXPECTED)


def test_positions_in_corpus_files_point_at_the_faulty_segment_element_and_component() -> None:
    wikipedia = only(parsed("nerdocs__pydifact/tests_data/wikipedia_de.edi").findings, "28")
    assert (wikipedia.segment_tag, wikipedia.interchange_index, wikipedia.element_position) == ("UNZ", 11, 2)
    anonymized = parsed("DE-TUM__EDIFACT-VAL/samples/Anonymized.edi")
    utf8 = anonymized.messages[0].findings[0]
    assert (utf8.code, utf8.message_ref, utf8.segment_tag, utf8.segment_position) == ("21", "1", "IMD", 21)
    assert (utf8.element_position, utf8.component_position) == (3, 4)
    count = only(parsed("indice-co__EDI.Net/samples/edifact.Issue188.edi").findings, "29")
    assert (count.segment_tag, count.element_position, count.interchange_index) == ("UNZ", 1, 14)
