"""CUSDEC D.16A (MIG.md §2, association code CAD10) to a domain `Cad` (mappers layer).

`map_cusdec` reads one message that has passed the syntax checks and returns either the `Cad` it states or
every finding that stops it from being mapped - a missing or malformed field, a date that does not exist,
an amount with a sign, separators or too many decimals, a transaction number with a wrong check digit, a
line count that does not match - each with its catalogue code (`mappers.codes`) and a pointer to the header,
line or summary, segment and element. It never raises, whatever the segments: business rules that need
reference data (the tariff, the broker's delegations, earlier versions) are the validators'. Header, lines
and duties are read by `mappers.cusdec_header`, `mappers.cusdec_lines` and `mappers.cusdec_taxes`; this
module reads the summary and puts the CAD together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.cad import Cad, CadFunction, CadLine
from domain.findings import Finding, Level
from mappers import codes
from mappers import cusdec_layout as edi
from mappers.cusdec_header import Header, map_header
from mappers.cusdec_layout import CusdecLayout, layout
from mappers.cusdec_lines import map_lines
from mappers.fields import Findings, Place, code_at, declared_cents, pick
from parsers.model import Message, Segment
from parsers.structure import Placement

SUMMARY = Place(Level.SUMMARY)
LINE_COUNT = re.compile(r"[0-9]{1,6}", re.ASCII)  # CNT C270/6066; at most 99999 SG32 in D.16A


@dataclass(frozen=True, slots=True, kw_only=True)
class MappingResult:
    """Either the CAD a message states, or every finding that stopped it from being mapped."""

    cad: Cad | None = None
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if (self.cad is None) == (not self.findings):
            raise ValueError("a mapping result holds a CAD or findings, not both and not neither")

    @property
    def mapped(self) -> bool:
        return self.cad is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Summary:
    line_count: int
    total_duty_cents: int | None
    total_gst_cents: int | None


def map_cusdec(
    message: Message, *, decimal_mark: str, placements: Sequence[Placement] | None = None
) -> MappingResult:
    """Map a CUSDEC CAD10 message to a `Cad`.

    Args:
        message: a message the parser read (UNH to UNT).
        decimal_mark: the interchange's decimal mark (UNA), "." or ",".
        placements: where `parsers.structure.check_and_place` placed its segments, when it was run
            already (else the segments are placed again).

    Returns:
        The CAD, or all the findings that prevent mapping it.
    """
    findings = Findings()
    _check_identifier(message, findings)
    segments = layout(message, placements)
    header = map_header(segments, findings)
    lines = map_lines(segments.lines, findings, decimal_mark=decimal_mark)
    summary = _summary(segments, findings, decimal_mark)
    if header is not None and not segments.lines and header.document.function is not CadFunction.CANCEL:
        findings.add(codes.NO_LINES, "the CAD has no lines (SG32 CST groups)", Place(Level.DETAIL).at("CST"))
    if findings or header is None or summary is None:
        return MappingResult(findings=findings.all())
    return MappingResult(cad=_cad(message, header, lines, summary))


def _check_identifier(message: Message, findings: Findings) -> None:
    given = (message.message_type, message.version, message.release, message.agency, message.association_code)
    if given != edi.MESSAGE_IDENTIFIER:
        message_text = f"message identifier {':'.join(given)} is not {':'.join(edi.MESSAGE_IDENTIFIER)}"
        findings.add(codes.NOT_CAD10, message_text, Place(Level.HEADER).at("UNH", 2))


def _summary(segments: CusdecLayout, findings: Findings, decimal_mark: str) -> _Summary | None:
    counts = pick(findings, segments.at(edi.SUMMARY_CNT), edi.LINE_COUNT, SUMMARY, name="CNT+5")
    line_count = _line_count(counts[0], len(segments.lines), findings) if counts else None
    totals = _totals(segments.totals, findings, decimal_mark)
    if line_count is None:
        return None
    return _Summary(
        line_count=line_count,
        total_duty_cents=totals.get(edi.DUTY_TYPE),
        total_gst_cents=totals.get(edi.GST_TYPE),
    )


def _line_count(cnt: Segment, lines_sent: int, findings: Findings) -> int | None:
    text = code_at(
        findings, cnt, SUMMARY, 1, 2, pattern=LINE_COUNT, entry=codes.NUMBER_INVALID, what="line count"
    )
    if text is None:
        return None
    if int(text) != lines_sent:
        message = f"CNT+5 gives {int(text)} lines, {lines_sent} were sent"
        findings.add(codes.LINE_COUNT_MISMATCH, message, SUMMARY.at(cnt, 1, 2))
    return int(text)


def _totals(groups: list[list[Segment]], findings: Findings, decimal_mark: str) -> dict[str, int | None]:
    """The declared totals by duty or tax type (SG51: TAX+9+CUD or TAX+9+GST, then MOA+161)."""
    totals: dict[str, int | None] = {}
    for tax, *amounts in groups:
        kind = tax.component(2)
        if edi.TOTAL_TAXES.get(kind) != tax.component(1) or not kind:
            message = f"{edi.label(tax)} is not a total the CAD10 guide defines"
            findings.add(codes.TAX_UNSUPPORTED, message, SUMMARY.at(tax, 2))
            continue
        if kind in totals:
            findings.add(codes.TOO_MANY, f"{edi.label(tax)} occurs more than once", SUMMARY.at(tax))
            continue
        name = f"MOA+{edi.TOTAL_AMOUNT} after {edi.label(tax)}"
        chosen = pick(findings, amounts, edi.TOTAL_AMOUNT, SUMMARY, name=name)
        what = f"declared total {kind}"
        totals[kind] = (
            declared_cents(findings, chosen[0], SUMMARY, decimal_mark=decimal_mark, what=what)
            if chosen
            else None
        )
    return totals


def _cad(message: Message, header: Header, lines: tuple[CadLine, ...], summary: _Summary) -> Cad:
    document = header.document
    return Cad(
        transaction_number=document.transaction_number,
        version=document.version,
        function=document.function,
        cad_type=document.cad_type,
        office=header.office,
        sub_location=header.sub_location,
        release_date=header.release_date,
        document_datetime=header.document_datetime,
        cargo_control_numbers=header.cargo_control_numbers,
        broker_reference=header.broker_reference,
        previous_transaction=header.previous_transaction,
        transport_mode=header.transport_mode,
        importer=header.importer,
        declarant=header.declarant,
        lines=lines,
        declared_line_count=summary.line_count,
        declared_total_duty_cents=summary.total_duty_cents,
        declared_total_gst_cents=summary.total_gst_cents,
        message_reference=message.reference,
    )
