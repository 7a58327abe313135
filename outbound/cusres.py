"""The business response, CUSRES D.16A (outbound layer): one message per CAD message, MIG.md §4.

Every CUSRES answering one inbound interchange goes into one interchange of ours, in the order of the CAD
messages, each message numbered 1, 2, 3 ... An accepted CAD (AP, or CA for an adjustment under review) gets
its payment due date, the header totals of its assessment with, in TOT, what this version posted (for a
replace the difference, negative for a refund), and per line the rates applied and the amounts charged; a
rejected one (RE) gets one error group per finding, all at once. Nothing here reads a clock: the envelope
carries the date and time and our control reference, so the same input gives the same bytes. Where each
segment stands in the UNECE CUSRES D.16A segment table (section 4.3.1; Pos in brackets):

    UNH                            (00010)  CUSRES:D:16A:UN:CAD10
    BGM+962                        (00020)  transaction number:version, function 9, AP | RE | CA
    DTM+148, DTM+265               (00030)  acceptance date/time; payment due date (accepted only)
    SG3   RFF+ACE, RFF+ABE         (00150)  their interchange:message; the broker's file reference
    SG4   ERP, ERC, FTX+AAO        (00190, 00210, 00220)  one group per finding (rejected only)
    SG5   TAX+9, MOA               (00240, 00250)  header totals: CUD, GST, [EXC, ADD,] TOT
    SG6   DOC+929                  (00280)  the declaration whose lines follow
      SG12  CST, FTX+ACB           (00540, 00550)  one group per line: classification, exchange rate
        SG13  TAX+1, MOA           (00570, 00580)  CUD, GST, [EXC, ADD] of the line
    CNT+5                          (00670)  number of lines (accepted only)
    UNT                            (00710)

DOC is not in MIG.md §4's listing, but D.16A allows CST only inside segment group 6, which DOC opens; without
it the lines would be out of place (code 15). Header EXC and ADD totals, also beyond the listing, are sent
only when not zero, so that TOT can always be reconciled with the header.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from domain.assessment import AssessedLine, Assessment, DutiesAndTaxes
from domain.cad import CANADIAN_DOLLAR, Cad
from domain.findings import Finding, Level
from domain.money import format_cents
from domain.tariff import Rate
from mappers.fields import DOCUMENT_TIME_ZONE
from outbound.edifact import OutSegment, message_segments, render_interchange

CUSRES_IDENTIFIER: Final = ["CUSRES", "D", "16A", "UN", "CAD10"]  # UNH S009 (MIG.md §4)
GATEWAY_ID: Final = "CARM"  # UNB S002/0004: we are the sender
DOCUMENT_RESPONSE: Final = "962"  # BGM C002/1001 document response (Customs)
ORIGINAL: Final = "9"  # BGM 1225 message function
ACCEPTED: Final = "AP"  # BGM 4343 response type
REJECTED: Final = "RE"
UNDER_REVIEW: Final = "CA"  # conditionally accepted: an adjustment awaiting review
ACCEPTANCE_DATE_TIME: Final = "148"  # DTM C507/2005 goods declaration acceptance date/time
DUE_DATE: Final = "265"  # DTM C507/2005
DATE_TIME_FORMAT: Final = "203"  # DTM C507/2379 CCYYMMDDHHMM
DATE_FORMAT: Final = "102"  # DTM C507/2379 CCYYMMDD
RELATED_DOCUMENT: Final = "ACE"  # RFF C506/1153: their control reference : their message reference
DECLARANT_REFERENCE: Final = "ABE"  # RFF C506/1153: the broker's file reference
# ERP C701/1049 message section, as MIG.md §4 defines it (UNCL 1049 itself would give 6 for the summary).
SECTIONS: Final = {Level.HEADER: "1", Level.DETAIL: "2", Level.SUMMARY: "3"}
ERROR_DESCRIPTION: Final = "AAO"  # FTX 4451
ADDITIONAL_INFORMATION: Final = "ACB"  # FTX 4451
EXCHANGE_RATE_TEXT: Final = "XRT"  # FTX C107/4441, the gateway's code for "rate applied" (MIG.md §4)
FTX_COMPONENT_LENGTH: Final = 512  # FTX C108/4440 an..512
FTX_COMPONENTS: Final = 5  # FTX C108 holds at most 5 x 4440
TAX_INFORMATION: Final = "9"  # TAX 5283: header totals
ITEM_DUTY_TAX: Final = "1"  # TAX 5283: individual duty, tax or fee of a customs item (a line)
CUSTOMS_DUTY: Final = "CUD"  # TAX C241/5153
GOODS_AND_SERVICES_TAX: Final = "GST"
EXCISE_DUTY: Final = "EXC"
ANTI_DUMPING_DUTY: Final = "ADD"  # SIMA anti-dumping or countervailing duty
TOTAL: Final = "TOT"
VALUE_FOR_DUTY: Final = "40"  # MOA C516/5025 goods item customs declared value
DUTY_TAX_AMOUNT: Final = "161"  # MOA C516/5025 duty, tax or fee amount
TOTAL_AMOUNT: Final = "128"  # MOA C516/5025
TAXABLE_AMOUNT: Final = "125"  # MOA C516/5025 value for tax
TAX_AMOUNT: Final = "124"  # MOA C516/5025
GOODS_DECLARATION: Final = "929"  # DOC C002/1001 goods declaration for importation
CUSTOMS_ITEM_LINES: Final = "5"  # CNT C270/6069 number of customs item detail lines


@dataclass(frozen=True, slots=True, kw_only=True)
class CadReference:
    """What a response echoes of the CAD message it answers (known even when the CAD could not be mapped)."""

    transaction_number: str  # "" when it could not be read
    version: int | None
    message_reference: str  # UNH 0062 of their message
    broker_reference: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptedCad:
    """An accepted CAD: its assessment, what this version posted, and whether it awaits review (CA)."""

    cad: CadReference
    assessment: Assessment
    posted: DutiesAndTaxes  # for a replace the difference, negative for a refund (MIG.md §4 TOT)
    under_review: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedCad:
    """A rejected CAD with every finding against it."""

    cad: CadReference
    findings: tuple[Finding, ...]


CadResponse = AcceptedCad | RejectedCad


@dataclass(frozen=True, slots=True, kw_only=True)
class CusresEnvelope:
    """Who the responses go to, when, under which of our control references, answering which interchange."""

    recipient: str  # the broker's EDI sender id
    control_reference: str  # ours
    prepared: dt.datetime  # also the acceptance date/time (DTM+148)
    their_control_reference: str  # UNB 0020 of the interchange answered


def cad_reference(cad: Cad) -> CadReference:
    """The reference of a mapped CAD."""
    return CadReference(
        transaction_number=cad.transaction_number,
        version=cad.version,
        message_reference=cad.message_reference,
        broker_reference=cad.broker_reference,
    )


def render_cusres(responses: Sequence[CadResponse], envelope: CusresEnvelope) -> bytes:
    """The CUSRES interchange answering the CAD messages of one inbound interchange.

    Raises:
        ValueError: there is no response (an interchange without CAD messages gets no CUSRES).
    """
    if not responses:
        raise ValueError("a CUSRES interchange needs at least one response")
    return render_interchange(
        sender=GATEWAY_ID,
        recipient=envelope.recipient,
        prepared=envelope.prepared,
        control_reference=envelope.control_reference,
        messages=(  # built one at a time, as they are written (see `render_interchange`)
            message_segments(str(number), CUSRES_IDENTIFIER, response_body(response, envelope))
            for number, response in enumerate(responses, start=1)
        ),
    )


def response_body(response: CadResponse, envelope: CusresEnvelope) -> list[OutSegment]:
    """The segments of one CUSRES message between UNH and UNT."""
    heading = _heading(response, envelope)
    if isinstance(response, RejectedCad):
        return heading + [segment for finding in response.findings for segment in error_group(finding)]
    lines = response.assessment.lines
    return [
        *heading,
        *_totals(response.assessment.totals, response.posted),
        *_detail(response.assessment),
        ("CNT", [[CUSTOMS_ITEM_LINES, str(len(lines))]]),
    ]


def _heading(response: CadResponse, envelope: CusresEnvelope) -> list[OutSegment]:
    cad = response.cad
    version = [] if cad.version is None else [f"{cad.version:05d}"]
    heading: list[OutSegment] = [
        ("BGM", [DOCUMENT_RESPONSE, [cad.transaction_number, *version], ORIGINAL, _response_type(response)]),
        ("DTM", [[ACCEPTANCE_DATE_TIME, _business_time(envelope.prepared), DATE_TIME_FORMAT]]),
    ]
    if isinstance(response, AcceptedCad):
        heading.append(("DTM", [[DUE_DATE, response.assessment.due_date.strftime("%Y%m%d"), DATE_FORMAT]]))
    heading.append(("RFF", [[RELATED_DOCUMENT, envelope.their_control_reference, cad.message_reference]]))
    if cad.broker_reference:
        heading.append(("RFF", [[DECLARANT_REFERENCE, cad.broker_reference]]))
    return heading


def _response_type(response: CadResponse) -> str:
    if isinstance(response, RejectedCad):
        return REJECTED
    return UNDER_REVIEW if response.under_review else ACCEPTED


def _business_time(instant: dt.datetime) -> str:
    """CCYYMMDDHHMM in Eastern time, the zone CAD10 reads every DTM 203 in (docs/MIG-NOTES.md 10)."""
    local = instant.astimezone(DOCUMENT_TIME_ZONE) if instant.tzinfo is not None else instant
    return local.strftime("%Y%m%d%H%M")


def error_group(finding: Finding) -> list[OutSegment]:
    """SG4 for one finding: where (ERP), the catalogue code (ERC) and the reason in plain language (FTX)."""
    pointer = finding.pointer
    line = [] if pointer.line_number is None else [str(pointer.line_number)]
    return [
        ("ERP", [[SECTIONS[pointer.level], *line]]),
        ("ERC", [[finding.code]]),
        ("FTX", [ERROR_DESCRIPTION, "", "", free_text(finding.message)]),
    ]


def free_text(text: str) -> list[str]:
    """Text as FTX C108 components: cut every 512 characters, at most 5 (the rest is left out)."""
    pieces = range(0, min(len(text), FTX_COMPONENT_LENGTH * FTX_COMPONENTS), FTX_COMPONENT_LENGTH)
    return [text[start : start + FTX_COMPONENT_LENGTH] for start in pieces]


def _totals(totals: DutiesAndTaxes, posted: DutiesAndTaxes) -> list[OutSegment]:
    """SG5: the header totals of the assessment, and TOT, what this version posted."""
    segments = _header_tax(CUSTOMS_DUTY, DUTY_TAX_AMOUNT, totals.duty_cents)
    segments += _header_tax(GOODS_AND_SERVICES_TAX, DUTY_TAX_AMOUNT, totals.gst_cents)
    for kind, cents in ((EXCISE_DUTY, totals.excise_cents), (ANTI_DUMPING_DUTY, totals.sima_cents)):
        if cents:
            segments += _header_tax(kind, DUTY_TAX_AMOUNT, cents)
    return segments + _header_tax(TOTAL, TOTAL_AMOUNT, posted.total_cents)


def _header_tax(kind: str, qualifier: str, cents: int) -> list[OutSegment]:
    return [("TAX", [TAX_INFORMATION, kind]), ("MOA", [[qualifier, format_cents(cents), CANADIAN_DOLLAR]])]


def _detail(assessment: Assessment) -> list[OutSegment]:
    """SG6 opened by DOC, holding one SG12 per line; nothing for a CAD without lines (a cancellation)."""
    if not assessment.lines:
        return []
    document: OutSegment = ("DOC", [GOODS_DECLARATION, assessment.transaction_number])
    return [document, *(segment for line in assessment.lines for segment in line_group(line))]


def line_group(line: AssessedLine) -> list[OutSegment]:
    """SG12 for one line: CST, the exchange rate applied, then an SG13 per duty or tax charged."""
    amounts = line.amounts
    segments: list[OutSegment] = [
        ("CST", [str(line.line_number), line.classification]),
        ("FTX", [ADDITIONAL_INFORMATION, "", EXCHANGE_RATE_TEXT, [line.currency, f"{line.exchange_rate:f}"]]),
        ("TAX", [ITEM_DUTY_TAX, CUSTOMS_DUTY, "", "", _rate(ad_valorem_percent(line.rate))]),
        ("MOA", [[VALUE_FOR_DUTY, format_cents(line.value_for_duty_cents)]]),
        ("MOA", [[DUTY_TAX_AMOUNT, format_cents(amounts.duty_cents)]]),
        ("TAX", [ITEM_DUTY_TAX, GOODS_AND_SERVICES_TAX, "", "", _rate(line.gst_percent)]),
        ("MOA", [[TAXABLE_AMOUNT, format_cents(line.value_for_tax_cents)]]),
        ("MOA", [[TAX_AMOUNT, format_cents(amounts.gst_cents)]]),
    ]
    segments += _declared_duty(EXCISE_DUTY, line.excise_code, amounts.excise_cents)
    return segments + _declared_duty(ANTI_DUMPING_DUTY, line.sima_code, amounts.sima_cents)


def _declared_duty(kind: str, code: str | None, cents: int) -> list[OutSegment]:
    """SG13 for an excise or SIMA amount, with its code in C243/5279; nothing when it is zero."""
    if not cents:
        return []
    return [
        ("TAX", [ITEM_DUTY_TAX, kind, "", "", [code or ""]]),
        ("MOA", [[DUTY_TAX_AMOUNT, format_cents(cents)]]),
    ]


def ad_valorem_percent(rate: Rate) -> Decimal | None:
    """The percent shown for a line's duty: the ad valorem part, 0 when free, None for a specific rate."""
    if rate.ad_valorem is not None:
        return rate.ad_valorem
    return Decimal(0) if rate.free else None


def _rate(percent: Decimal | None) -> list[str]:
    """TAX C243 with the rate in 5278 (its fourth component); empty when there is none."""
    return [] if percent is None else ["", "", "", f"{percent:f}"]
