"""The envelope checks of MIG.md §1, each on a tiny hand-written interchange, with its UNSL 0085 code and the
exact position CONTRL will report."""

from __future__ import annotations

import pytest

from parsers.envelope import parse_interchange, raise_for_findings
from parsers.errors import InterchangeRejected, InterchangeUnreadable
from tests.parsers.interchanges import SENDER, all_findings, codes, interchange, message, only, parse


def test_a_valid_interchange_is_accepted_with_its_envelope_values() -> None:
    result = parse(interchange(message("1"), message("2")))
    assert result.accepted and all(m.accepted for m in result.messages)
    assert (result.syntax_identifier, result.syntax_version) == ("UNOC", "3")
    assert (result.sender_id, result.sender_qualifier) == (SENDER, "ZZZ")
    assert (result.recipient_id, result.recipient_qualifier) == ("CARM", "ZZZ")
    assert (result.prepared, result.control_reference, result.application_reference) == (
        "261120:1430",
        "REF1",
        "CAD",
    )
    assert not result.test_indicator and result.readable and not result.is_contrl
    first = result.messages[0]
    assert (first.reference, first.message_type, first.version, first.release) == ("1", "CUSDEC", "D", "16A")
    assert (first.agency, first.association_code) == ("UN", "CAD10")
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "LOC", "FTX", "UNT"]
    assert first.segments[3].elements[3] == ("MEN'S SHIRTS",)


def test_the_test_indicator_1_in_unb_element_11_marks_a_test_interchange() -> None:
    assert parse(interchange(tail="++CAD++++1")).test_indicator
    assert not parse(interchange(tail="++CAD++++")).test_indicator


def test_a_test_indicator_other_than_1_is_code_12() -> None:
    finding = only(parse(interchange(tail="++CAD++++2")).findings, "12")
    assert (finding.segment_tag, finding.element_position) == ("UNB", 11)


def test_an_interchange_of_contrl_messages_is_recognised_so_it_is_never_answered_with_a_contrl() -> None:
    contrl = message("1", "UCI+REF9+CARM:ZZZ+BROKER01:ZZZ+7", type_="CONTRL:D:3:UN")
    result = parse(interchange(contrl))
    assert result.is_contrl and result.messages[0].is_contrl


def test_a_missing_unb_is_code_13_and_leaves_nobody_to_acknowledge() -> None:
    data = interchange().replace(b"UNB+UNOC:3+BROKER01:ZZZ+CARM:ZZZ+261120:1430+REF1++CAD'\n", b"")
    result = parse(data)
    assert not result.readable
    finding = only(result.findings, "13")
    assert (finding.segment_tag, finding.segment_position, finding.interchange_index) == ("UNB", None, None)
    with pytest.raises(InterchangeUnreadable):
        raise_for_findings(result)


def test_a_missing_unz_is_code_13_at_interchange_level() -> None:
    result = parse(interchange().replace(b"UNZ+1+REF1'\n", b""))
    assert only(result.findings, "13").segment_tag == "UNZ"
    assert result.messages[0].accepted


def test_a_missing_unt_rejects_only_its_message_with_code_13() -> None:
    data = interchange(message("1"), message("2")).replace(b"UNT+5+1'\n", b"", 1)
    result = parse(data)
    first, second = result.messages
    finding = only(first.findings, "13")
    assert (finding.message_ref, finding.segment_tag, finding.segment_position) == ("1", "UNT", None)
    assert second.accepted and result.accepted
    assert [s.tag for s in first.segments][-1] == "FTX"


def test_unz_count_must_equal_the_number_of_messages_code_29() -> None:
    result = parse(interchange(message("1"), message("2")).replace(b"UNZ+2+", b"UNZ+3+"))
    finding = only(result.findings, "29")
    assert (finding.segment_tag, finding.element_position, finding.interchange_index) == ("UNZ", 1, 12)


def test_unz_reference_must_equal_the_unb_reference_code_28() -> None:
    result = parse(interchange().replace(b"UNZ+1+REF1", b"UNZ+1+REF2"))
    finding = only(result.findings, "28")
    assert (finding.segment_tag, finding.element_position) == ("UNZ", 2)


def test_unt_count_must_count_the_segments_from_unh_to_unt_inclusive_code_29() -> None:
    result = parse(interchange(message("1"), message("2")).replace(b"UNT+5+2", b"UNT+4+2"))
    assert result.accepted and result.messages[0].accepted
    finding = only(result.messages[1].findings, "29")
    assert (finding.message_ref, finding.segment_tag, finding.segment_position) == ("2", "UNT", 5)
    assert (finding.element_position, finding.component_position, finding.interchange_index) == (1, None, 11)


def test_unt_reference_must_equal_the_unh_reference_code_28() -> None:
    result = parse(interchange().replace(b"UNT+5+1", b"UNT+5+9"))
    finding = only(result.messages[0].findings, "28")
    assert (finding.segment_position, finding.element_position) == (5, 2)


def test_a_message_reference_used_twice_is_code_26_on_the_second_message() -> None:
    result = parse(interchange(message("7"), message("7")))
    assert result.messages[0].accepted
    finding = only(result.messages[1].findings, "26")
    assert (finding.segment_tag, finding.segment_position, finding.element_position) == ("UNH", 1, 1)


def test_data_after_unz_is_code_33_as_a_file_holds_one_interchange() -> None:
    data = interchange() + interchange()
    finding = only(parse(data).findings, "33")
    assert (finding.interchange_index, finding.segment_tag) == (8, None)


def test_segments_between_messages_are_code_33() -> None:
    data = interchange(message("1"), message("2")).replace(b"UNH+2", b"FTX+STRAY'\nUNH+2")
    finding = only(parse(data).findings, "33")
    assert finding.interchange_index == 7 and finding.message_ref is None


def test_an_interchange_without_messages_is_code_32() -> None:
    data = b"UNB+UNOC:3+BROKER01:ZZZ+CARM:ZZZ+261120:1430+REF1'UNZ+0+REF1'"
    assert codes(parse(data)) == {"32"}


def test_functional_groups_are_code_15_as_the_mig_envelope_has_none() -> None:
    data = (
        interchange()
        .replace(b"UNH", b"UNG+CUSDEC+A+B+261120:1430+1+UN+D:16A'UNH")
        .replace(b"UNZ", b"UNE+1+1'UNZ")
    )
    assert [f.segment_tag for f in parse(data).findings if f.code == "15"] == ["UNG", "UNE"]


@pytest.mark.parametrize("syntax", ["UNOA:3", "UNOB:3", "UNOC:3"])
def test_unoa_unob_and_unoc_version_3_are_accepted(syntax: str) -> None:
    assert parse(interchange(syntax=syntax)).accepted


def test_unoc_version_4_is_accepted_with_a_ccyymmdd_date() -> None:
    assert parse(interchange(syntax="UNOC:4", prepared="20261120:1430")).accepted


@pytest.mark.parametrize(
    ("syntax", "component"),
    [("UNOD:3", 1), ("IATB:1", 1), ("XXXX:3", 1), ("UNOA:4", 2), ("UNOB:4", 2), ("UNOA:2", 2), ("UNOC:1", 2)],
)
def test_other_syntax_identifiers_and_versions_are_code_2(syntax: str, component: int) -> None:
    prepared = "20261120:1430" if syntax.endswith(":4") else "261120:1430"
    finding = only(parse(interchange(syntax=syntax, prepared=prepared)).findings, "2")
    assert (finding.segment_tag, finding.element_position, finding.component_position) == (
        "UNB",
        1,
        component,
    )


def test_a_syntax_identifier_without_version_is_code_13() -> None:
    finding = only(parse(interchange(syntax="UNOC")).findings, "13")
    assert (finding.element_position, finding.component_position) == (1, 2)


@pytest.mark.parametrize(
    ("syntax", "prepared", "code"),
    [("UNOC:3", "20261120:1430", "39"), ("UNOC:4", "261120:1430", "40"), ("UNOC:3", "19101:1430", "40")],
)
def test_the_date_is_yymmdd_in_syntax_3_and_ccyymmdd_in_syntax_4(
    syntax: str, prepared: str, code: str
) -> None:
    finding = only(parse(interchange(syntax=syntax, prepared=prepared)).findings, code)
    assert (finding.element_position, finding.component_position) == (4, 1)


@pytest.mark.parametrize(
    ("prepared", "component"), [("261320:1430", 1), ("260230:1430", 1), ("261120:2460", 2)]
)
def test_an_impossible_date_or_time_of_preparation_is_code_12(prepared: str, component: int) -> None:
    finding = only(parse(interchange(prepared=prepared)).findings, "12")
    assert (finding.element_position, finding.component_position) == (4, component)


def test_an_unknown_sender_is_code_23_and_the_check_can_be_skipped() -> None:
    finding = only(parse(interchange(), sender="SOMEONE").findings, "23")
    assert (finding.segment_tag, finding.element_position, finding.component_position) == ("UNB", 2, 1)
    assert parse(interchange(), sender=None).accepted


def test_a_recipient_other_than_carm_is_code_7() -> None:
    data = interchange().replace(b"CARM:ZZZ", b"CBSA:ZZZ")
    finding = only(parse(data).findings, "7")
    assert (finding.element_position, finding.component_position) == (3, 1)
    assert parse(data, recipient=None).accepted


def test_a_missing_control_reference_is_code_13_at_unb_element_5_and_unz_element_2() -> None:
    findings = parse(interchange(reference="")).findings
    assert [(f.code, f.segment_tag, f.element_position) for f in findings] == [
        ("13", "UNB", 5),
        ("13", "UNZ", 2),
    ]


def test_a_control_reference_longer_than_14_is_code_39() -> None:
    findings = parse(interchange(reference="R" * 15)).findings
    assert [(f.code, f.segment_tag, f.element_position) for f in findings] == [
        ("39", "UNB", 5),
        ("39", "UNZ", 2),
    ]


def test_too_many_elements_or_components_in_a_service_segment_are_code_16() -> None:
    too_many_elements = parse(interchange().replace(b"UNT+5+1", b"UNT+5+1+X"))
    finding = only(too_many_elements.messages[0].findings, "16")
    assert (finding.segment_tag, finding.element_position, finding.component_position) == ("UNT", 3, None)
    too_many_components = parse(interchange(message("1", type_="CUSDEC:D:16A:UN:CAD10:X:Y")))
    finding = only(too_many_components.messages[0].findings, "16")
    assert (finding.segment_tag, finding.element_position, finding.component_position) == ("UNH", 2, 6)


def test_a_non_numeric_unt_count_is_code_37() -> None:
    finding = only(parse(interchange().replace(b"UNT+5+1", b"UNT+FIVE+1")).messages[0].findings, "37")
    assert (finding.segment_tag, finding.element_position) == ("UNT", 1)


def test_a_missing_message_type_is_code_13_in_that_message() -> None:
    finding = only(parse(interchange(message("1", type_=":D:16A:UN"))).messages[0].findings, "13")
    assert (finding.segment_position, finding.element_position, finding.component_position) == (1, 2, 1)


def test_lower_case_is_code_21_under_unoa_but_allowed_under_unob() -> None:
    body = ("BGM+929", "FTX+AAA+++Shirts:COTTON")
    unoa = parse(interchange(message("1", *body), syntax="UNOA:3"))
    finding = only(unoa.messages[0].findings, "21")
    assert (finding.segment_tag, finding.segment_position, finding.element_position) == ("FTX", 3, 4)
    assert (finding.component_position, finding.interchange_index) == (1, 4)
    assert parse(interchange(message("1", *body), syntax="UNOB:3")).accepted


@pytest.mark.parametrize("character", [*" .,-()/='+:?!\"%&*;<>", "A", "Z", "0", "9"])
def test_every_iso_9735_level_a_character_is_allowed_under_unoa(character: str) -> None:
    released = "?" + character if character in "'+:?" else character
    assert parse(interchange(message("1", f"FTX+AAA+++{released}"), syntax="UNOA:3")).accepted


@pytest.mark.parametrize("character", ["$", "#", "@", "[", "_", "~", "a", "\t", "\x7f", "é"])
def test_characters_outside_level_a_are_code_21_under_unoa(character: str) -> None:
    result = parse(interchange(message("1", f"FTX+AAA+++X{character}"), syntax="UNOA:3"))
    assert only(result.messages[0].findings, "21").element_position == 4


def test_latin_1_letters_are_allowed_under_unoc_but_controls_are_code_21() -> None:
    assert parse(interchange(message("1", "FTX+AAA+++CAFÉ CRÈME ÀÇ"))).accepted
    result = parse(interchange(message("1", "FTX+AAA+++BELL\x07")))
    assert only(result.messages[0].findings, "21").segment_position == 2


def test_utf8_encoded_text_declared_unoc_is_code_21_at_its_element_and_component() -> None:
    data = interchange(message("1", "FTX+AAA+++CAFE:DECAF")).replace(b"DECAF", "DÉCAF".encode())
    finding = only(parse(data).messages[0].findings, "21")
    assert (finding.segment_position, finding.element_position, finding.component_position) == (2, 4, 2)
    assert "UTF-8" in finding.text


def test_a_line_break_inside_a_segment_is_code_21_at_its_position() -> None:
    data = interchange(message("1", "FTX+AAA+++SHIRTS", "LOC+22+0497")).replace(b"SHIRTS", b"SHI\r\nRTS")
    finding = only(parse(data).messages[0].findings, "21")
    assert (finding.segment_tag, finding.segment_position, finding.element_position) == ("FTX", 2, 4)


@pytest.mark.parametrize("newline", ["", "\n", "\r\n", "\r"])
def test_line_breaks_between_segments_and_a_bom_are_tolerated(newline: str) -> None:
    assert parse(b"\xef\xbb\xbf" + interchange(newline=newline)).accepted


def test_a_malformed_segment_tag_is_code_12() -> None:
    result = parse(interchange(message("1", "BGM+929", "  FTX+AAA")))
    finding = only(result.messages[0].findings, "12")
    assert (finding.segment_position, finding.segment_tag, finding.element_position) == (3, "  FTX", None)


def test_a_missing_final_terminator_is_code_13() -> None:
    finding = only(parse(interchange().rstrip(b"'\n")).findings, "13")
    assert (finding.segment_tag, finding.interchange_index) == ("UNZ", 7)


@pytest.mark.parametrize(("una", "code"), [("A+.? '", "20"), ("++.? '", "20"), (":+;? '", "19"), (":+", "1")])
def test_an_unusable_una_is_code_20_19_or_1(una: str, code: str) -> None:
    data = f"UNA{una}".encode() if len(una) < 6 else interchange(una=una)
    finding = only(parse(data).findings, code)
    assert finding.segment_tag == "UNA"


def test_findings_are_capped_per_message_with_a_last_code_18() -> None:
    body = [f"FTX+AAA+++x{k}" for k in range(150)]
    findings = parse(interchange(message("1", *body), syntax="UNOA:3")).messages[0].findings
    assert len(findings) == 101
    assert findings[-1].code == "18" and findings[-1].message_ref == "1"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xef\xbb\xbf",
        b"UNA",
        b"UNA:+.? '",
        b"'''''",
        b"\x00\xff" * 500,
        b"MSH|^~\\&|LAB|HOSP|||20250101||ORU^R01|1|P|2.5\rPID|1||123\r",
        b"STX=ANA:1+5000000000000:X+5010000000000:Y+070315:130233+000007+PASSW+ORDHDR+B'",
        b"UNB+UNOC:3+" + b"?" * 1000,
        b"UNH+1+CUSDEC:D:16A:UN'UNT+2+1'",
        b"UNB'UNH'UNT'UNZ'",
        b"UNB+:::+:+:+:+'",
    ],
)
def test_parse_interchange_never_raises_and_says_what_is_wrong(data: bytes) -> None:
    result = parse_interchange(data, expected_sender=SENDER)
    assert all_findings(result)


def test_raise_for_findings_returns_an_accepted_interchange_and_raises_for_a_rejected_one() -> None:
    accepted = parse(interchange())
    assert raise_for_findings(accepted) is accepted
    with pytest.raises(InterchangeRejected) as raised:
        raise_for_findings(parse(interchange().replace(b"UNT+5+1", b"UNT+6+1")))
    assert [f.code for f in raised.value.findings] == ["29"]
