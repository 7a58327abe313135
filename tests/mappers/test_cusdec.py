"""The CUSDEC mapper turns a MIG.md §2 message into a Cad, or into every finding that stops it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.cad import Cad, CadFunction, CadLine
from mappers import codes
from mappers.cusdec import MappingResult, map_cusdec
from mappers.cusdec_layout import READ_POSITIONS
from parsers.cusdec_table import CAD10, CUSDEC_D16A
from parsers.model import Message, Segment
from parsers.structure import GroupEntry, check_structure
from tests.cad10_example import MIG_EXAMPLE, example, message_from_text

TORONTO = ZoneInfo("America/Toronto")

EXPECTED = Cad(
    transaction_number="10207003502332",
    version=2,
    function=CadFunction.REPLACE,
    cad_type="AB",
    office="0453",
    sub_location="1234",
    release_date=date(2026, 11, 18),
    document_datetime=datetime(2026, 11, 18, 14, 30, tzinfo=TORONTO),
    cargo_control_numbers=("8000ABC123456", "8000ABC-123457"),
    broker_reference="FILE-2026-0042",
    previous_transaction="10207003000585",
    transport_mode="3",
    importer="123456782RM0001",
    declarant="987654324RM0001",
    lines=(
        CadLine(
            line_number=1,
            classification="6109100011",
            description="T-shirts, of cotton, for men or boys",
            adjustment_reasons=("R2-74-1-TT", "R2-32-2.TC"),
            origin_country="US",
            origin_state="NY",
            export_country="US",
            shipment_date=date(2026, 11, 15),
            quantity=Decimal("1200"),
            unit="NMB",
            value=Decimal("30000.00"),
            currency="USD",
            invoice_number="INV-77",
            invoice_line="1",
            tariff_treatment="10",
            declared_duty_cents=0,
            declared_gst_cents=203751,
        ),
        CadLine(
            line_number=2,
            classification="0406909900",
            chapter99_classification="9903000000",
            description="Other cheese, over access commitment",
            origin_country="FR",
            shipment_date=date(2026, 11, 10),
            quantity=Decimal("250.125"),
            unit="KGM",
            value=Decimal("1500.50"),
            currency="EUR",
            invoice_number="INV-78",
            invoice_line="3",
            tariff_treatment="31",
            declared_duty_cents=367858,
            gst_code="80",
            declared_gst_cents=30000,
            excise_code="E1",
            sima_code="S",
            sima_amount_cents=12500,
            surtax_code="X",
        ),
    ),
    declared_line_count=2,
    declared_total_duty_cents=367858,
    declared_total_gst_cents=233751,
    message_reference="1",
)


def findings_of(message: Message, decimal_mark: str = ".") -> list[tuple[str, str]]:
    result = map_cusdec(message, decimal_mark=decimal_mark)
    assert result.cad is None
    return [(finding.code, str(finding.pointer)) for finding in result.findings]


def test_the_mig_example_maps_field_by_field() -> None:
    result = map_cusdec(example(), decimal_mark=".")
    assert result.findings == ()
    assert result.mapped and result.cad == EXPECTED


def test_amounts_and_quantities_follow_a_decimal_comma() -> None:
    text = MIG_EXAMPLE
    for amount in (
        "30000.00",
        "1500.50",
        "250.125",
        "3678.58",
        "300.00",
        "125.00",
        "2037.51",
        "2337.51",
        "0.00",
    ):
        text = text.replace(amount, amount.replace(".", ","))
    result = map_cusdec(message_from_text(text), decimal_mark=",")
    assert result.cad == EXPECTED


def test_with_a_decimal_comma_a_full_stop_is_not_a_decimal_mark() -> None:
    assert findings_of(example(), decimal_mark=",")[0] == ("CAD019", "line 1, MOA+40/1:2")


def test_segments_and_qualifiers_d16a_allows_but_the_guide_does_not_use_are_ignored() -> None:
    message = example(
        (
            "DTM+137:202611181430:203'",
            "DTM+137:202611181430:203'\nDTM+3:20261101:102'\nGEI+1'\nFTX+ABC+++note'",
        ),
        ("RFF+ACE:10207003000585'", "RFF+ACE:10207003000585'\nDTM+171:20261101:102'\nRFF+AAQ:X1'"),
        ("NAD+DT+987654324RM0001::ZZZ'", "NAD+DT+987654324RM0001::ZZZ'\nNAD+CZ+ACME'\nCTA+IC'"),
        ("MEA+AAE++NMB:1200'", "MEA+AAE++NMB:1200'\nMEA+WT++KGM:80'\nNAD+SE+ACME'"),
        ("RFF+IV:INV-77:1'", "RFF+IV:INV-77:1'\nDTM+3:20261101:102'\nRFF+AAQ:X2'"),
        ("TAX+5+SUR+++X'", "TAX+5+SUR+++X'\nGIR+1+X'"),
    )
    assert check_structure(message, CUSDEC_D16A) == ()
    assert map_cusdec(message, decimal_mark=".").cad == EXPECTED


def test_a_cancellation_may_carry_no_lines() -> None:
    text = "UNH+1+CUSDEC:D:16A:UN:CAD10'" + MIG_EXAMPLE.split("UNH+1+CUSDEC:D:16A:UN:CAD10'")[1]
    header, rest = text.split("UNS+D'")
    summary = "UNS+S'CNT+5:0'UNT+{count}+1'"
    cancel = header.replace("00002+5'", "00002+1'") + "UNS+D'" + summary
    result = map_cusdec(message_from_text(cancel), decimal_mark=".")
    assert result.cad is not None and result.cad.is_cancellation and result.cad.lines == ()
    assert rest  # the example had lines, which the cancellation left out
    original = header.replace("00002+5'", "00001+9'") + "UNS+D'" + summary
    assert findings_of(message_from_text(original)) == [("CAD028", "detail, CST")]


HEADER_CASES = [
    ([("BGM+929:::AB+10207003502332:00002+5'", "")], "CAD002", "header, BGM"),
    ([("LOC+22+0453'", "")], "CAD002", "header, LOC+22"),
    ([("DTM+204:20261118:102'", "")], "CAD002", "header, DTM+204"),
    ([("RFF+CN:8000ABC123456'", ""), ("RFF+CN:8000ABC-123457'", "")], "CAD002", "header, RFF+CN"),
    ([("NAD+IM+123456782RM0001::ZZZ'", "")], "CAD002", "header, NAD+IM"),
    ([("NAD+DT+987654324RM0001::ZZZ'", "")], "CAD002", "header, NAD+DT"),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+929+10207003502332:00002+5'")],
        "CAD003",
        "header, BGM/1:4",
    ),
    ([("BGM+929:::AB+10207003502332:00002+5'", "BGM+929:::AB+:00002+5'")], "CAD003", "header, BGM/2"),
    ([("LOC+18+1234'", "LOC+18+1234'\nLOC+22+0454'")], "CAD004", "header, LOC+22"),
    (
        [("RFF+CN:8000ABC123456'", "\n".join(f"RFF+CN:8000ABC12345{n}'" for n in range(9)))],
        "CAD004",
        "header, RFF+CN",
    ),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+830:::AB+10207003502332:00002+5'")],
        "CAD005",
        "header, BGM/1",
    ),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+929:::AB+10207003502333:00002+5'")],
        "CAD006",
        "header, BGM/2",
    ),
    ([("RFF+ACE:10207003000585'", "RFF+ACE:1020700300058'")], "CAD006", "header, RFF+ACE/1:2"),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+929:::AB+10207003502332:2+5'")],
        "CAD007",
        "header, BGM/2:2",
    ),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+929:::AB+10207003502332:00000+5'")],
        "CAD007",
        "header, BGM/2:2",
    ),
    (
        [("BGM+929:::AB+10207003502332:00002+5'", "BGM+929:::AB+10207003502332:00002+4'")],
        "CAD008",
        "header, BGM/3",
    ),
    ([("DTM+204:20261118:102'", "DTM+204:20261131:102'")], "CAD009", "header, DTM+204/1:2"),
    ([("DTM+137:202611181430:203'", "DTM+137:202611182430:203'")], "CAD009", "header, DTM+137/1:2"),
    ([("DTM+204:20261118:102'", "DTM+204:20261118'")], "CAD010", "header, DTM+204/1:3"),
    ([("DTM+137:202611181430:203'", "DTM+137:202611181430:102'")], "CAD010", "header, DTM+137/1:3"),
    ([("LOC+22+0453'", "LOC+22+453'")], "CAD011", "header, LOC+22/2"),
    ([("LOC+18+1234'", "LOC+18+12345'")], "CAD011", "header, LOC+18/2"),
    ([("RFF+CN:8000ABC123456'", "RFF+CN:80A'")], "CAD012", "header, RFF+CN/1:2"),
    ([("NAD+IM+123456782RM0001::ZZZ'", "NAD+IM+123456789RM0001::ZZZ'")], "CAD013", "header, NAD+IM/2"),
    ([("NAD+IM+123456782RM0001::ZZZ'", "NAD+IM+123456782RT0001::ZZZ'")], "CAD013", "header, NAD+IM/2"),
    ([("NAD+DT+987654324RM0001::ZZZ'", "NAD+DT+987654324RM0001'")], "CAD014", "header, NAD+DT/2:3"),
    ([("TDT+20++3'", "TDT+20++X'")], "CAD015", "header, TDT+20/3"),
    ([("RFF+ABE:FILE-2026-0042'", "RFF+ABE:" + "F" * 36 + "'")], "CAD029", "header, RFF+ABE/1:2"),
]

LINE_CASES = [
    ([("FTX+AAA+++T-shirts, of cotton, for men or boys'", "")], "CAD002", "line 1, FTX+AAA"),
    ([("LOC+27+FR'", "")], "CAD002", "line 2, LOC+27"),
    ([("DTM+11:20261110:102'", "")], "CAD002", "line 2, DTM+11"),
    ([("MOA+40:1500.50:EUR'", "")], "CAD002", "line 2, MOA+40"),
    ([("RFF+IV:INV-78:3'", "")], "CAD002", "line 2, RFF+IV"),
    ([("TAX+5+CUD+++31'", ""), ("MOA+55:3678.58'", "")], "CAD002", "line 2, TAX+5+CUD"),
    ([("MOA+55:125.00'", "")], "CAD002", "line 2, MOA+55 after TAX+5+ADD"),
    ([("CST+1+6109100011'", "CST+1'")], "CAD003", "line 1, CST/2"),
    ([("FTX+AAA+++T-shirts, of cotton, for men or boys'", "FTX+AAA+++'")], "CAD003", "line 1, FTX+AAA/4"),
    ([("RFF+IV:INV-77:1'", "RFF+IV:INV-77'")], "CAD003", "line 1, RFF+IV/1:3"),
    ([("TAX+5+EXC+++E1'", "TAX+5+EXC'")], "CAD003", "line 2, TAX+5+EXC/5"),
    ([("MEA+AAE++KGM:250.125'", "MEA+AAE++KGM'")], "CAD003", "line 2, MEA+AAE/3:2"),
    (
        [("FTX+AAA+++Other cheese:, over access commitment'", "FTX+AAA+++Other cheese'\nFTX+AAA+++Brie'")],
        "CAD004",
        "line 2, FTX+AAA",
    ),
    ([("TAX+5+SUR+++X'", "TAX+5+SUR+++X'\nTAX+5+SUR+++Y'")], "CAD004", "line 2, TAX+5+SUR"),
    ([("CST+2+0406909900+9903000000'", "CST+3+0406909900+9903000000'")], "CAD016", "line 2, CST/1"),
    ([("CST+1+6109100011'", "CST+A1+6109100011'")], "CAD016", "line 1, CST/1"),
    ([("CST+1+6109100011'", "CST+1+61091000'")], "CAD017", "line 1, CST/2"),
    ([("CST+2+0406909900+9903000000'", "CST+2+0406909900+99030000XX'")], "CAD017", "line 2, CST/3"),
    ([("LOC+27+US+NY'", "LOC+27+USA+NY'")], "CAD018", "line 1, LOC+27/2"),
    ([("LOC+27+US+NY'", "LOC+27+US+New York'")], "CAD018", "line 1, LOC+27/3"),
    ([("LOC+35+US'", "LOC+35+us'")], "CAD018", "line 1, LOC+35/2"),
    ([("DTM+11:20261115:102'", "DTM+11:20260229:102'")], "CAD009", "line 1, DTM+11/1:2"),
    ([("MOA+40:30000.00:USD'", "MOA+40:30,000.00:USD'")], "CAD019", "line 1, MOA+40/1:2"),
    ([("MOA+40:30000.00:USD'", "MOA+40:3E4:USD'")], "CAD019", "line 1, MOA+40/1:2"),
    ([("MOA+40:30000.00:USD'", "MOA+40:.50:USD'")], "CAD019", "line 1, MOA+40/1:2"),
    ([("MEA+AAE++NMB:1200'", "MEA+AAE++NMB:1 200'")], "CAD019", "line 1, MEA+AAE/3:2"),
    ([("MOA+55:0.00'", "MOA+55:-5.00'")], "CAD020", "line 1, MOA+55/1:2"),
    ([("MEA+AAE++NMB:1200'", "MEA+AAE++NMB:-1200'")], "CAD020", "line 1, MEA+AAE/3:2"),
    ([("MOA+40:30000.00:USD'", "MOA+40:30000.001:USD'")], "CAD021", "line 1, MOA+40/1:2"),
    ([("MEA+AAE++KGM:250.125'", "MEA+AAE++KGM:250.1255'")], "CAD021", "line 2, MEA+AAE/3:2"),
    ([("MOA+124:300.00'", "MOA+124:300.005'")], "CAD021", "line 2, MOA+124/1:2"),
    ([("MOA+40:30000.00:USD'", "MOA+40:30000.00:usd'")], "CAD022", "line 1, MOA+40/1:3"),
    ([("MOA+55:0.00'", "MOA+55:0.00:USD'")], "CAD022", "line 1, MOA+55/1:3"),
    ([("MEA+AAE++NMB:1200'", "MEA+AAE++PIECES:1200'")], "CAD023", "line 1, MEA+AAE/3"),
    ([("TAX+5+CUD+++31'", "TAX+5+CUD+++310'")], "CAD024", "line 2, TAX+5+CUD/5"),
    ([("TAX+5+SUR+++X'", "TAX+5+VAT+++X'")], "CAD025", "line 2, TAX+5+VAT/2"),
    ([("TAX+7+GST+++80'", "TAX+5+GST+++80'")], "CAD025", "line 2, TAX+5+GST/2"),
    ([("TAX+5+ADD+++S'", "TAX+5+ADD+++X'")], "CAD026", "line 2, TAX+5+ADD/5"),
    (
        [("FTX+AAA+++T-shirts, of cotton, for men or boys'", "FTX+AAA+++" + "T" * 513 + "'")],
        "CAD029",
        "line 1, FTX+AAA/4",
    ),
]

SUMMARY_CASES = [
    ([("CNT+5:2'", "")], "CAD002", "summary, CNT+5"),
    ([("MOA+161:3678.58'", "")], "CAD002", "summary, MOA+161 after TAX+9+CUD"),
    ([("CNT+5:2'", "CNT+5:'")], "CAD003", "summary, CNT+5/1:2"),
    ([("TAX+9+GST'", "TAX+9+CUD'")], "CAD004", "summary, TAX+9+CUD"),
    ([("CNT+5:2'", "CNT+5:two'")], "CAD019", "summary, CNT+5/1:2"),
    ([("MOA+161:2337.51'", "MOA+161:2337.51:USD'")], "CAD022", "summary, MOA+161/1:3"),
    ([("TAX+9+GST'", "TAX+9+EXC'")], "CAD025", "summary, TAX+9+EXC/2"),
    ([("CNT+5:2'", "CNT+5:3'")], "CAD027", "summary, CNT+5/1:2"),
]


@pytest.mark.parametrize(("replacements", "code", "pointer"), HEADER_CASES + LINE_CASES + SUMMARY_CASES)
def test_each_problem_is_a_finding_with_its_code_and_pointer(
    replacements: list[tuple[str, str]], code: str, pointer: str
) -> None:
    assert findings_of(example(*replacements)) == [(code, pointer)]


def test_a_message_that_is_not_cad10_is_refused() -> None:
    message = message_from_text(MIG_EXAMPLE, association_code="CAD11")
    assert findings_of(message) == [("CAD001", "header, UNH/2")]


def test_every_finding_is_reported_not_only_the_first() -> None:
    message = example(
        ("LOC+22+0453'", "LOC+22+453'"),
        ("DTM+11:20261115:102'", "DTM+11:20261315:102'"),
        ("MOA+40:1500.50:EUR'", "MOA+40:1.500,50:EUR'"),
        ("CNT+5:2'", "CNT+5:1'"),
    )
    assert findings_of(message) == [
        ("CAD011", "header, LOC+22/2"),
        ("CAD009", "line 1, DTM+11/1:2"),
        ("CAD019", "line 2, MOA+40/1:2"),
        ("CAD027", "summary, CNT+5/1:2"),
    ]


def test_a_finding_message_says_what_was_wrong() -> None:
    (finding,) = map_cusdec(
        example(("DTM+204:20261118:102'", "DTM+204:20261131:102'")), decimal_mark="."
    ).findings
    assert finding.message == "release date '20261131' is not a real CCYYMMDD"


def test_every_catalogue_code_is_exercised_by_a_test() -> None:
    tested = {code for _, code, _ in HEADER_CASES + LINE_CASES + SUMMARY_CASES} | {"CAD001", "CAD028"}
    assert tested == {entry.code for entry in codes.CUSDEC_MAPPING}
    assert [entry.code for entry in codes.CUSDEC_MAPPING] == sorted(tested)


def test_a_catalogue_refuses_a_code_defined_twice() -> None:
    with pytest.raises(ValueError, match="CAD001"):
        codes.CUSDEC_MAPPING.extended([codes.NOT_CAD10])


def test_the_mapper_reads_exactly_the_positions_of_the_cad10_table() -> None:
    def positions(entries: tuple[object, ...]) -> set[str]:
        found: set[str] = set()
        for entry in entries:
            if isinstance(entry, GroupEntry):
                found |= positions(entry.children)
            else:
                found.add(entry.position)  # type: ignore[attr-defined]
        return found

    assert positions(CAD10.entries) - {"00010", "00480", "02080", "02170"} == READ_POSITIONS  # UNH, UNS, UNT


def test_a_result_holds_a_cad_or_findings_never_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        MappingResult()


TAGS = [
    "UNH",
    "BGM",
    "LOC",
    "DTM",
    "RFF",
    "TDT",
    "NAD",
    "UNS",
    "CST",
    "FTX",
    "MEA",
    "MOA",
    "TAX",
    "CNT",
    "UNT",
]
TEXT = st.sampled_from(
    ["", "5", "9", "22", "27", "CN", "IM", "AAA", "40", "CUD", "GST", "ADD", "102", "-1", "1,5"]
)
ELEMENTS = st.lists(st.lists(TEXT | st.text(max_size=6), max_size=4).map(tuple), max_size=5).map(tuple)
SEGMENTS = st.builds(lambda tag, elements: (tag, elements), st.sampled_from(TAGS), ELEMENTS)


@settings(max_examples=400)
@given(st.lists(SEGMENTS, max_size=40), st.sampled_from([".", ","]))
def test_any_segment_list_maps_to_a_result_without_raising(
    segments: list[tuple[str, tuple[tuple[str, ...], ...]]], decimal_mark: str
) -> None:
    message = Message(
        reference="1",
        message_type="CUSDEC",
        version="D",
        release="16A",
        agency="UN",
        association_code="CAD10",
        segments=tuple(
            Segment(tag=tag, elements=elements, index=n + 1, offset=0)
            for n, (tag, elements) in enumerate(segments)
        ),
    )
    result = map_cusdec(message, decimal_mark=decimal_mark)
    assert (result.cad is None) != (result.findings == ())


@settings(max_examples=200)
@given(st.lists(st.sampled_from(MIG_EXAMPLE.strip().split("\n")), max_size=60))
def test_any_shuffle_of_the_example_segments_maps_without_raising(lines: list[str]) -> None:
    result = map_cusdec(message_from_text("\n".join(lines)), decimal_mark=".")
    assert isinstance(result, MappingResult)


def test_a_tariff_treatment_with_a_leading_zero_is_the_treatment_the_tariff_names() -> None:
    text = MIG_EXAMPLE.replace("TAX+5+CUD+++10'", "TAX+5+CUD+++02'")
    result = map_cusdec(message_from_text(text), decimal_mark=".")
    assert result.cad is not None
    assert result.cad.lines[0].tariff_treatment == "2"
