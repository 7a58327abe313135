"""What to do with one CAD message: accept and post, answer a repeat, or reject (gateway layer, pure).

Given a message's mapping, the rules' context and what the previous version stands for, `decide` runs the
business rules, assesses, and works out the journal entry and the CUSRES answer. It takes values and
returns values; the pipeline applies the decision in its unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.assessment import (
    Assessment,
    DutiesAndTaxes,
    Missing,
    Unassessable,
    assess_cad,
    cad_payment_due_date,
)
from domain.cad import Cad
from domain.findings import CatalogueEntry, Finding, Level, Pointer
from domain.journal import EntryKind, JournalEntry
from domain.postings import PreviousVersion, difference, journal_entries_for, posting_kind
from mappers.interchange import MessageReading, identify
from outbound.cusres import AcceptedCad, CadReference, CadResponse, RejectedCad, cad_reference
from validators import catalogue
from validators.context import ValidationContext, cad_digest
from validators.history import is_exact_repeat
from validators.rules import validate_cad

# The rules report every gap first; should one slip through, the assessment's own reason becomes the finding.
GAP_FINDINGS: dict[Missing, CatalogueEntry] = {
    Missing.TARIFF_ITEM: catalogue.CLASSIFICATION_NOT_IN_FORCE,
    Missing.RATE: catalogue.TREATMENT_NOT_FOR_ITEM,
    Missing.EXCHANGE_RATE: catalogue.EXCHANGE_RATE_MISSING,
    Missing.QUANTITY: catalogue.QUANTITY_MISSING,
    Missing.QUANTITY_IN_TARIFF_UNIT: catalogue.UNIT_MISMATCH,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted:
    cad: Cad
    assessment: Assessment
    posted: DutiesAndTaxes  # what this version adds to the ledger (the difference for a replace)
    entries: tuple[JournalEntry, ...]
    kind: EntryKind
    digest: str
    repeat: bool  # an exact repeat of an accepted version: answered again, nothing posted or recorded

    @property
    def response(self) -> CadResponse:
        return AcceptedCad(
            cad=cad_reference(self.cad),
            assessment=self.assessment,
            posted=self.posted,
            under_review=self.kind is EntryKind.ADJUSTMENT,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected:
    reference: CadReference
    findings: tuple[Finding, ...]

    @property
    def response(self) -> CadResponse:
        return RejectedCad(cad=self.reference, findings=self.findings)


Decision = Accepted | Rejected


def decide(
    reading: MessageReading, context: ValidationContext, previous: PreviousVersion | None
) -> Decision | None:
    """The decision for one message; None when it was rejected on syntax (the CONTRL answers it)."""
    mapping = reading.mapping
    if mapping is None:
        return None
    if mapping.cad is None:
        return Rejected(reference=unmapped_reference(reading), findings=mapping.findings)
    cad = mapping.cad
    findings = validate_cad(cad, context)
    if findings:
        return Rejected(reference=cad_reference(cad), findings=findings)
    result = assess_cad(cad, snapshot=context.snapshot, due_date=cad_payment_due_date(cad.release_date))
    if isinstance(result, Unassessable):
        return Rejected(reference=cad_reference(cad), findings=gap_findings(result))
    kind = posting_kind(result, previous=previous, business_date=context.today)
    return Accepted(
        cad=cad,
        assessment=result,
        posted=difference(previous, result),
        entries=journal_entries_for(result, previous=previous, business_date=context.today),
        kind=kind,
        digest=cad_digest(cad),
        repeat=is_exact_repeat(cad, context),
    )


def unmapped_reference(reading: MessageReading) -> CadReference:
    identity = identify(reading.message)
    return CadReference(
        transaction_number=identity.transaction_number,
        version=identity.version,
        message_reference=reading.message.reference,
        broker_reference=identity.broker_reference,
    )


def gap_findings(result: Unassessable) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            code=GAP_FINDINGS[gap.missing].code,
            message=f"line {gap.line_number}: {gap.missing}",
            pointer=Pointer(level=Level.DETAIL, line_number=gap.line_number),
        )
        for gap in result.gaps
    )
