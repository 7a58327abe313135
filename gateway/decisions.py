"""What to do with one CAD message: accept and post, answer a repeat, or reject (gateway layer, pure).

Given a message's mapping, the rules' context and what the previous version stands for, `decide` assesses
the CAD once, runs the business rules (which compare its declared amounts with that assessment), and works
out the journal entry and the CUSRES answer. It takes values and returns values; the pipeline applies the
decision in its unit of work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from domain.assessment import (
    Assessment,
    DutiesAndTaxes,
    Missing,
    Unassessable,
    assess_cad,
    cad_payment_due_date,
)
from domain.cad import Cad, CadFunction
from domain.calendar import HolidayCalendar
from domain.findings import CatalogueEntry, Finding, Level, Pointer
from domain.journal import EntryKind, JournalEntry
from domain.penalties import late_accounting_entry, late_accounting_penalty
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


@dataclass(frozen=True, slots=True, kw_only=True)
class LatePenalty:
    """Post the C288 late-accounting penalty (the `gateway.late_accounting_penalty` setting).

    The office of release's province is not known to the gateway (no office table), so the CAD's due date
    counts federal holidays only [U]."""

    holidays: HolidayCalendar


def decide(
    reading: MessageReading,
    context: ValidationContext,
    previous: PreviousVersion | None,
    late_penalty: LatePenalty | None = None,
) -> Decision | None:
    """The decision for one message; None when it was rejected on syntax (the CONTRL answers it)."""
    mapping = reading.mapping
    if mapping is None:
        return None
    if mapping.cad is None:
        return Rejected(reference=unmapped_reference(reading), findings=mapping.findings)
    cad = mapping.cad
    # One assessment serves the rules (the declared amounts) and the posting; the amounts do not depend on
    # the payment due date, which is worked out only for a valid CAD (its release date stands in until then).
    assessed = assess_cad(cad, snapshot=context.snapshot, due_date=cad.release_date)
    findings = validate_cad(cad, context, assessed)
    if findings:
        return Rejected(reference=cad_reference(cad), findings=findings)
    if isinstance(assessed, Unassessable):
        return Rejected(reference=cad_reference(cad), findings=gap_findings(assessed))
    result = replace(assessed, due_date=due_date_of_release(cad.release_date))
    kind = posting_kind(result, previous=previous, business_date=context.today)
    entries = journal_entries_for(result, previous=previous, business_date=context.today)
    return Accepted(
        cad=cad,
        assessment=result,
        posted=difference(previous, result),
        entries=entries + penalty_entries(result, context.today, late_penalty),
        kind=kind,
        digest=cad_digest(cad),
        repeat=is_exact_repeat(cad, context),
    )


@lru_cache(maxsize=1024)
def due_date_of_release(release: dt.date) -> dt.date:
    """`cad_payment_due_date` of a release date, worked out once per date: a day's CADs share a handful of
    release dates, and walking the calendar again for each CAD cost some 15 us (about a tenth of a CAD's
    assessment)."""
    return cad_payment_due_date(release)


def penalty_entries(
    assessment: Assessment, received_on: dt.date, late_penalty: LatePenalty | None
) -> tuple[JournalEntry, ...]:
    """The C288 entry of an original received after its due date, when the setting asks for it."""
    if late_penalty is None or assessment.function is not CadFunction.ORIGINAL:
        return ()
    value_for_duty = sum(line.value_for_duty_cents for line in assessment.lines)
    cents = late_accounting_penalty(
        assessment.release_date, received_on, value_for_duty, late_penalty.holidays, None
    )
    if not cents:
        return ()
    entry = late_accounting_entry(
        account=assessment.importer,
        transaction_number=assessment.transaction_number,
        business_date=received_on,
        due_date=assessment.due_date,
        cents=cents,
    )
    return (entry,)


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
