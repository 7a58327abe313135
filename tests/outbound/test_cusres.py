"""CUSRES D.16A: the exact text of MIG.md §4 responses, read back by our parser and checked against D.16A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain.assessment import Assessment, assess_cad
from domain.cad import Cad, CadFunction, CadLine
from domain.findings import Finding, Level, Pointer
from domain.postings import difference
from domain.tariff import Rate, ReferenceSnapshot, TariffEdition, TariffItem, Treatment
from outbound.cusres import (
    AcceptedCad,
    CadReference,
    CadResponse,
    CusresEnvelope,
    RejectedCad,
    cad_reference,
    free_text,
    render_cusres,
)
from parsers.envelope import parse_interchange
from parsers.generate_cusdec_table import parse_segment_table
from parsers.structure import MessageTable, check_structure

REPO = Path(__file__).resolve().parents[2]
CUSRES_TEXT = REPO.parent / "shared/ext/smooks__smooks-edi-cartridge/unece/d16a/CUSRES_D.16A"
D = Decimal
BROKER = "BROKER01"
# 19:05 UTC is 15:05 in Toronto (EDT): DTM+148 is written in Eastern time, the UNB as the envelope gives it.
ENVELOPE = CusresEnvelope(
    recipient=BROKER,
    control_reference="R000000042",
    prepared=dt.datetime(2025, 3, 17, 19, 5, tzinfo=dt.UTC),
    their_control_reference="B0000017",
)
RELEASE = dt.date(2025, 3, 17)
DUE = dt.date(2025, 4, 1)
# Two real lines of the fixture tariff (tariff-T2026-2-backdated.xml) and the Bank of Canada USD rate of
# 2025-03-14 (exchange-rates-2025.csv), so the writer's tests do not depend on loading the whole fixture.
SNAPSHOT = ReferenceSnapshot(
    editions=(
        TariffEdition(
            edition="T2026-2-FIXTURE",
            sequence=1,
            effective=dt.date(2024, 1, 1),
            treatments=(Treatment(code="2", name="MFN"),),
            items=(
                TariffItem(
                    number="1901903100",
                    uom="KGM",
                    description="Ice cream mixes, within access commitment",
                    effective=dt.date(2024, 1, 1),
                    rates=(Rate(treatment="2", ad_valorem=D("6.5")),),
                ),
                TariffItem(
                    number="0406209120",
                    uom="KGM",
                    description="Grated or powdered cheese, Romano, within access commitment",
                    effective=dt.date(2024, 1, 1),
                    rates=(Rate(treatment="2", specific=D("0.0332")),),
                ),
            ),
        ),
    ),
    exchange_rates={("USD", dt.date(2025, 3, 14)): D("1.4388")},
)


def line(number: int = 1, **changes: Any) -> CadLine:
    values: dict[str, Any] = {
        "line_number": number,
        "classification": "1901903100",
        "description": "Ice cream mixes",
        "origin_country": "FR",
        "shipment_date": dt.date(2025, 3, 14),
        "value": D("30000.00"),
        "invoice_number": "INV-1",
        "invoice_line": str(number),
        "tariff_treatment": "2",
    }
    return CadLine(**(values | changes))


def cad(*lines: CadLine, version: int = 1, function: CadFunction = CadFunction.ORIGINAL) -> Cad:
    return Cad(
        transaction_number="10207003502332",
        version=version,
        function=function,
        cad_type="AB",
        office="0453",
        release_date=RELEASE,
        cargo_control_numbers=("8000ABC123456",),
        broker_reference="FILE-2026-0042",
        importer="123456782RM0001",
        declarant="987654324RM0001",
        lines=lines,
        declared_line_count=len(lines),
        message_reference="1",
    )


def assessed(declaration: Cad) -> Assessment:
    result = assess_cad(declaration, snapshot=SNAPSHOT, due_date=DUE)
    assert isinstance(result, Assessment), str(result)
    return result


def accepted(
    declaration: Cad, previous: Assessment | None = None, *, under_review: bool = False
) -> AcceptedCad:
    assessment = assessed(declaration)
    return AcceptedCad(
        cad=cad_reference(declaration),
        assessment=assessment,
        posted=difference(previous, assessment),
        under_review=under_review,
    )


THREE_FINDINGS = RejectedCad(
    cad=CadReference(transaction_number="10207003000585", version=2, message_reference="2"),
    findings=(
        Finding(
            code="CAD002", message="Required segment missing: NAD+IM", pointer=Pointer(level=Level.HEADER)
        ),
        Finding(
            code="VAL104",
            message="Tariff item 9999999999 is not in force on 2025-03-17",
            pointer=Pointer(level=Level.DETAIL, line_number=2, segment="CST", element="2"),
        ),
        Finding(
            code="VAL301",
            message="The declared total duty 1950.01 isn't the assessed 1950.00",
            pointer=Pointer(level=Level.SUMMARY),
        ),
    ),
)


def text(data: bytes) -> list[str]:
    return data.decode("latin_1").split("'")[:-1]


@cache
def cusres_table() -> MessageTable:
    return parse_segment_table(CUSRES_TEXT.read_text(encoding="latin_1"))


def test_the_worked_example_is_answered_with_its_assessment_and_due_date() -> None:
    assert text(render_cusres([accepted(cad(line()))], ENVELOPE)) == [
        "UNB+UNOC:3+CARM:ZZZ+BROKER01:ZZZ+250317:1905+R000000042",
        "UNH+1+CUSRES:D:16A:UN:CAD10",
        "BGM+962+10207003502332:00001+9+AP",
        "DTM+148:202503171505:203",
        "DTM+265:20250401:102",
        "RFF+ACE:B0000017:1",
        "RFF+ABE:FILE-2026-0042",
        "TAX+9+CUD",
        "MOA+161:1950.00:CAD",
        "TAX+9+GST",
        "MOA+161:1597.50:CAD",
        "TAX+9+TOT",
        "MOA+128:3547.50:CAD",
        "DOC+929+10207003502332",
        "CST+1+1901903100",
        "FTX+ACB++XRT+CAD:1",
        "TAX+1+CUD+++:::6.5",
        "MOA+40:30000.00",
        "MOA+161:1950.00",
        "TAX+1+GST+++:::5",
        "MOA+125:31950.00",
        "MOA+124:1597.50",
        "CNT+5:1",
        "UNT+23+1",
        "UNZ+1+R000000042",
    ]


def test_a_rejected_cad_gets_one_error_group_per_finding() -> None:
    assert text(render_cusres([THREE_FINDINGS], ENVELOPE)) == [
        "UNB+UNOC:3+CARM:ZZZ+BROKER01:ZZZ+250317:1905+R000000042",
        "UNH+1+CUSRES:D:16A:UN:CAD10",
        "BGM+962+10207003000585:00002+9+RE",
        "DTM+148:202503171505:203",
        "RFF+ACE:B0000017:2",
        "ERP+1",
        "ERC+CAD002",
        "FTX+AAO+++Required segment missing?: NAD?+IM",
        "ERP+2:2",
        "ERC+VAL104",
        "FTX+AAO+++Tariff item 9999999999 is not in force on 2025-03-17",
        "ERP+3",
        "ERC+VAL301",
        "FTX+AAO+++The declared total duty 1950.01 isn?",  # the apostrophe is released: isn?'t
        "t the assessed 1950.00",
        "UNT+14+1",
        "UNZ+1+R000000042",
    ]


def test_a_line_shows_the_exchange_rate_and_a_specific_rate_shows_no_percent() -> None:
    romano = line(
        2, classification="0406209120", quantity=D("1000.5"), unit="KGM", value=D("5000"), currency="USD"
    )
    segments = text(render_cusres([accepted(cad(line(1), romano))], ENVELOPE))
    second = segments[segments.index("CST+2+0406209120") :]
    assert second[:8] == [
        "CST+2+0406209120",
        "FTX+ACB++XRT+USD:1.4388",
        "TAX+1+CUD",
        "MOA+40:7194.00",
        "MOA+161:33.22",
        "TAX+1+GST+++:::5",
        "MOA+125:7227.22",
        "MOA+124:361.36",
    ]
    assert "CNT+5:2" in segments


def test_sima_and_gst_exemption_show_on_the_line_and_in_the_header() -> None:
    dumped = line(sima_code="S", sima_amount_cents=12_500, gst_code="80")
    segments = text(render_cusres([accepted(cad(dumped))], ENVELOPE))
    assert segments[segments.index("TAX+9+GST") :][:6] == [
        "TAX+9+GST",
        "MOA+161:0.00:CAD",
        "TAX+9+ADD",
        "MOA+161:125.00:CAD",
        "TAX+9+TOT",
        "MOA+128:2075.00:CAD",
    ]
    assert segments[segments.index("TAX+1+GST+++:::0") :][:5] == [
        "TAX+1+GST+++:::0",
        "MOA+125:32075.00",
        "MOA+124:0.00",
        "TAX+1+ADD+++S",
        "MOA+161:125.00",
    ]


def test_a_refund_under_review_posts_a_negative_total_with_status_ca() -> None:
    first = assessed(cad(line()))
    lower = accepted(
        cad(line(value=D("29000.00")), version=2, function=CadFunction.REPLACE), first, under_review=True
    )
    segments = text(render_cusres([lower], ENVELOPE))
    assert "BGM+962+10207003502332:00002+9+CA" in segments
    assert segments[segments.index("TAX+9+TOT") + 1] == "MOA+128:-118.25:CAD"  # 65.00 duty + 53.25 GST back


def test_a_cancellation_returns_everything_and_lists_no_lines() -> None:
    first = assessed(cad(line()))
    cancel = accepted(cad(line(), version=2, function=CadFunction.CANCEL), first)
    segments = text(render_cusres([cancel], ENVELOPE))
    assert segments[segments.index("TAX+9+CUD") :] == [
        "TAX+9+CUD",
        "MOA+161:0.00:CAD",
        "TAX+9+GST",
        "MOA+161:0.00:CAD",
        "TAX+9+TOT",
        "MOA+128:-3547.50:CAD",
        "CNT+5:0",
        "UNT+14+1",
        "UNZ+1+R000000042",
    ]


def test_a_long_reason_is_cut_into_at_most_five_components_of_512() -> None:
    assert free_text("x" * 1030) == ["x" * 512, "x" * 512, "xxxxxx"]
    assert free_text("y" * 5000) == ["y" * 512] * 5
    assert free_text("") == []


def test_every_cad_of_an_interchange_is_answered_in_one_interchange_in_order() -> None:
    segments = text(render_cusres([accepted(cad(line())), THREE_FINDINGS], ENVELOPE))
    assert [s for s in segments if s.startswith(("UNH", "UNT", "UNZ"))] == [
        "UNH+1+CUSRES:D:16A:UN:CAD10",
        "UNT+23+1",
        "UNH+2+CUSRES:D:16A:UN:CAD10",
        "UNT+14+2",
        "UNZ+2+R000000042",
    ]


def test_the_same_responses_give_the_same_bytes() -> None:
    responses: list[CadResponse] = [accepted(cad(line())), THREE_FINDINGS]
    assert render_cusres(responses, ENVELOPE) == render_cusres(list(responses), ENVELOPE)


def test_nothing_to_answer_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one response"):
        render_cusres([], ENVELOPE)


def test_our_parser_reads_the_cusres_back_without_a_finding_and_d16a_allows_its_structure() -> None:
    romano = line(
        2, classification="0406209120", quantity=D("10"), unit="KGM", value=D("5000"), currency="USD"
    )
    dumped = line(3, sima_code="S", sima_amount_cents=12_500, gst_code="80")
    long_reason = Finding(
        code="VAL999", message="why " * 300, pointer=Pointer(level=Level.DETAIL, line_number=1)
    )
    rejected = RejectedCad(cad=THREE_FINDINGS.cad, findings=(*THREE_FINDINGS.findings, long_reason))
    data = render_cusres([accepted(cad(line(1), romano, dumped)), rejected], ENVELOPE)
    interchange = parse_interchange(data, expected_sender="CARM", expected_recipient=BROKER)
    assert interchange.findings == ()
    assert [(m.reference, m.findings) for m in interchange.messages] == [("1", ()), ("2", ())]
    for message in interchange.messages:
        assert (message.message_type, message.association_code) == ("CUSRES", "CAD10")
        assert check_structure(message, cusres_table()) == ()
