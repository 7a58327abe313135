"""The business rules of a CAD in one explicit table, and `validate_cad` that runs them (validators layer).

Each rule is a small function `(cad, context) -> Iterable[Finding]` in the module of its subject (parties,
transaction history, adjustments, tariff, values), with its codes in `validators.catalogue`. `RULES` lists
them in the order a broker reads the problems (STYLE.md: look-up tables are explicit, no plug-in discovery);
the rules that compare the CAD with its assessment (the declared amounts) come after them in
`ASSESSED_RULES` and take `(cad, assessment)`, so that one `assess_cad` serves them all and the caller, which
may pass in the assessment it posts (`gateway.decisions`). `validate_cad` runs every rule on a CAD the
mapper accepted and returns every finding at once - never only the first - ordered header, lines by number,
then summary. It takes values and returns values: the shell gathered the `ValidationContext` beforehand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeAlias

from domain.assessment import Assessment, AssessmentResult, assess_cad
from domain.cad import Cad
from domain.findings import Finding, Level
from validators import adjustments, declared, history, parties, tariff, values
from validators.context import ValidationContext

Rule: TypeAlias = Callable[[Cad, ValidationContext], Iterable[Finding]]
AssessedRule: TypeAlias = Callable[[Cad, Assessment], Iterable[Finding]]

RULES: tuple[Rule, ...] = (
    parties.importer_is_registered,
    parties.declarant_is_the_sender,
    parties.broker_may_file_for_importer,
    history.transaction_number_is_free,
    history.original_is_version_one,
    history.amendment_names_an_accepted_cad,
    history.cancelled_cad_stays_cancelled,
    history.amendment_is_the_next_version,
    history.replace_restates_every_line,
    adjustments.adjustment_gives_reasons,
    adjustments.reasons_only_on_adjustments,
    adjustments.reason_codes_are_well_formed,
    values.release_date_is_not_in_the_future,
    values.shipment_precedes_release,
    tariff.classification_is_in_force,
    tariff.treatment_exists,
    tariff.treatment_is_open_to_origin,
    tariff.treatment_is_available_for_item,
    tariff.quantity_is_given_in_tariff_unit,
    tariff.unit_matches_tariff,
    values.exchange_rate_is_known,
    values.sima_code_and_amount_go_together,
)
ASSESSED_RULES: tuple[AssessedRule, ...] = (declared.declared_amounts_differ,)

_LEVEL_ORDER = {Level.HEADER: 0, Level.DETAIL: 1, Level.SUMMARY: 2}


def validate_cad(
    cad: Cad, context: ValidationContext, assessment: AssessmentResult | None = None
) -> tuple[Finding, ...]:
    """Every business finding about `cad`: empty when it may be assessed and posted.

    An exact repeat of an accepted version (`history.is_exact_repeat`) has none: it was valid when accepted,
    and the pipeline answers it as before rather than validating it again.

    Args:
        cad: a CAD the mapper accepted.
        context: what the rules read besides the CAD.
        assessment: `assess_cad`'s result for `cad` on the context's snapshot, when the caller has it (its
            due date is not read); assessed here otherwise. A CAD that cannot be assessed has its gaps
            reported by `RULES`, and no amounts to compare.
    """
    if history.is_exact_repeat(cad, context):
        return ()
    found = [item for rule in RULES for item in rule(cad, context)]
    if assessment is None:
        # The amounts do not depend on the payment due date, so the release date stands in for it.
        assessment = assess_cad(cad, snapshot=context.snapshot, due_date=cad.release_date)
    if isinstance(assessment, Assessment):
        found += [item for rule in ASSESSED_RULES for item in rule(cad, assessment)]
    return tuple(sorted(found, key=_reading_order))


def _reading_order(item: Finding) -> tuple[int, int]:
    """Header, then the detail line by line (the detail as a whole first), then summary; stable within."""
    return _LEVEL_ORDER[item.pointer.level], item.pointer.line_number or 0
