"""`validate_cad` runs every rule and returns all findings together; the catalogue and its published page."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.cad import Cad, CadFunction, CadLine
from domain.findings import Level
from gateway.error_codes import published_catalogue, render_error_codes
from mappers.codes import CUSDEC_MAPPING
from tests.validators.examples import (
    CHEESE,
    GEL,
    IMPORTER,
    NUMBER,
    ORIGINAL,
    OTHER_IMPORTER,
    OTHER_SENDER,
    SENDER,
    T_SHIRTS,
    cad,
    codes,
    context,
    history_of,
    line,
    replace,
)
from validators.catalogue import CAD_VALIDATION
from validators.context import ImporterFacts, TransactionStatus, ValidationContext, cad_digest, needed_for
from validators.rules import RULES, validate_cad

DOCS = Path(__file__).resolve().parents[2] / "docs" / "error-codes.md"


def test_the_example_cad_is_valid() -> None:
    assert validate_cad(ORIGINAL, context()) == ()
    assert validate_cad(cad(lines=(T_SHIRTS, GEL, CHEESE)), context()) == ()


def test_a_correct_replace_and_a_cancellation_of_an_accepted_cad_are_valid() -> None:
    accepted = context(history=history_of(ORIGINAL))

    assert validate_cad(replace(lines=(T_SHIRTS, line(GEL, value=Decimal("1600.00")))), accepted) == ()
    assert validate_cad(cad(function=CadFunction.CANCEL, version=2, lines=()), accepted) == ()


def test_all_findings_of_a_cad_with_several_problems_come_together_header_first_then_by_line() -> None:
    troubled = replace(
        release_date=date(2025, 3, 20),
        lines=(
            line(origin_country="CN", origin_state=None, shipment_date=date(2025, 3, 11)),
            line(GEL, classification="9999999999", currency="CHF"),
        ),
    )
    importers = {IMPORTER: ImporterFacts(may_file_by=frozenset({OTHER_SENDER}))}

    found = validate_cad(troubled, context(importers=importers))

    assert codes(found) == ["CAD103", "CAD112", "CAD132", "CAD123", "CAD121", "CAD131"]
    assert [item.pointer.line_number for item in found] == [None, None, None, 1, 2, 2]


def test_rules_are_distinct_functions_and_the_catalogue_is_cad1xx_beside_the_mapping_codes() -> None:
    assert len(set(RULES)) == len(RULES)
    assert all(entry.code.startswith("CAD1") and len(entry.code) == 6 for entry in CAD_VALIDATION)
    assert len(published_catalogue()) == len(CUSDEC_MAPPING) + len(CAD_VALIDATION)


def test_the_published_error_codes_page_is_generated_from_both_catalogues() -> None:
    text = render_error_codes()

    assert DOCS.read_text(encoding="utf-8") == text, (
        "run: python -m gateway.error_codes > docs/error-codes.md"
    )
    assert all(f"| {entry.code} |" in text for entry in published_catalogue())


def test_the_context_is_a_read_only_copy_of_what_the_shell_gathered() -> None:
    importers = {IMPORTER: ImporterFacts(may_file_by=frozenset({SENDER}))}
    built = context(importers=importers)
    importers.clear()

    assert IMPORTER in built.importers
    assert not isinstance(built.importers, dict)


def test_a_context_derived_from_another_keeps_its_read_only_views_instead_of_copying_them() -> None:
    built = context(importers={IMPORTER: ImporterFacts(may_file_by=frozenset({SENDER}))})
    derived = dataclasses.replace(built, history=MappingProxyType(history_of(ORIGINAL)))

    assert derived.importers is built.importers
    assert NUMBER in derived.history


def test_the_shell_learns_which_keys_to_look_up_for_a_file() -> None:
    keys = needed_for([ORIGINAL, cad(transaction_number="10207003000585", lines=(CHEESE,))])

    assert keys.importers == {IMPORTER}
    assert keys.transaction_numbers == {NUMBER, "10207003000585"}
    assert keys.classifications == {"6109100022", "3006709000", "0406209120"}
    assert keys.exchange_rates == {
        ("USD", date(2025, 3, 10)),
        ("CNY", date(2025, 3, 10)),
        ("EUR", date(2025, 3, 10)),
    }
    assert keys.release_dates == {date(2025, 3, 12)}


def test_the_digest_reads_the_declaration_not_its_transmission() -> None:
    assert cad_digest(cad(message_reference="99")) == cad_digest(ORIGINAL)
    assert cad_digest(cad(lines=(line(value=Decimal("30000.0")), GEL))) != cad_digest(ORIGINAL)


# Arbitrary CADs: the mapper guarantees only the form, so codes are drawn from real, near-real and any text;
# amounts are what a CAD can carry (non-negative, 2 decimals for money, 3 for quantities).
def _texts(*real: str | None) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([text for text in real if text is not None]), st.text(max_size=12))


DATES = st.dates(min_value=date(2023, 12, 1), max_value=date(2026, 12, 31))
CENTS = st.none() | st.integers(min_value=0, max_value=10**12)
LINES = st.builds(
    CadLine,
    line_number=st.integers(min_value=-1, max_value=6),
    classification=_texts("6109100022", "3006709000", "0406209120", "0207279100", "9999999999"),
    description=st.just("goods"),
    adjustment_reasons=st.lists(_texts("R2-74-1-TT", "R2-32-2.TC"), max_size=2).map(tuple),
    origin_country=_texts("US", "CN", "IN", "FR", "GB"),
    shipment_date=DATES,
    quantity=st.none() | st.decimals(min_value=0, max_value=10**9, places=3),
    unit=st.sampled_from([None, "NMB", "KGM", "LTR"]),
    value=st.decimals(min_value=0, max_value=10**12, places=2),
    currency=_texts("CAD", "USD", "EUR", "CNY", "CHF"),
    invoice_number=st.just("INV-1"),
    invoice_line=st.just("1"),
    tariff_treatment=_texts("2", "02", "9", "10", "31", "99", ""),
    declared_duty_cents=CENTS,
    declared_gst_cents=CENTS,
    sima_code=st.sampled_from([None, "S", "U"]),
    sima_amount_cents=CENTS,
)
CADS = st.builds(
    Cad,
    transaction_number=st.sampled_from([NUMBER, "10207003000585"]),
    version=st.integers(min_value=-1, max_value=4),
    function=st.sampled_from(CadFunction),
    cad_type=st.just("AB"),
    office=st.just("0453"),
    release_date=DATES,
    cargo_control_numbers=st.just(("8000ABC123456",)),
    importer=_texts(IMPORTER, OTHER_IMPORTER),
    declarant=_texts(ORIGINAL.declarant),
    lines=st.lists(LINES, max_size=4).map(tuple),
    declared_line_count=st.integers(min_value=0, max_value=4),
    declared_total_duty_cents=CENTS,
    declared_total_gst_cents=CENTS,
    message_reference=st.just("1"),
)


@st.composite
def contexts(draw: st.DrawFn) -> ValidationContext:
    accepted = draw(st.lists(st.sampled_from([ORIGINAL, replace()]), max_size=2))
    history = (
        history_of(
            *accepted,
            sender=draw(st.sampled_from([SENDER, OTHER_SENDER])),
            status=draw(st.sampled_from(TransactionStatus)),
            due_date=draw(DATES),
        )
        if accepted
        else {}
    )
    return context(
        today=draw(DATES), history=history, sender_id=draw(st.sampled_from([SENDER, OTHER_SENDER]))
    )


@settings(max_examples=300, deadline=None)
@given(CADS, contexts())
def test_validate_cad_never_raises_and_reports_only_catalogued_codes_in_reading_order(
    cad: Cad, context: ValidationContext
) -> None:
    found = validate_cad(cad, context)

    assert all(item.code in CAD_VALIDATION for item in found)
    order = {Level.HEADER: 0, Level.DETAIL: 1, Level.SUMMARY: 2}
    keys = [(order[item.pointer.level], item.pointer.line_number or 0) for item in found]
    assert keys == sorted(keys)
