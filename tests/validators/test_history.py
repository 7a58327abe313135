"""A transaction number's history: who owns it, exact repeats, version sequence, cancellations, lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.findings import Level, Pointer
from tests.validators.examples import (
    DUE,
    GEL,
    ORIGINAL,
    OTHER_IMPORTER,
    OTHER_SENDER,
    T_SHIRTS,
    cad,
    cancellation,
    context,
    history_of,
    line,
    replace,
)
from validators import catalogue
from validators.context import TransactionStatus, cad_digest
from validators.history import (
    amendment_is_the_next_version,
    amendment_names_an_accepted_cad,
    cancelled_cad_stays_cancelled,
    is_adjustment,
    is_exact_repeat,
    original_is_version_one,
    replace_restates_every_line,
    transaction_number_is_free,
)
from validators.rules import validate_cad

BGM_NUMBER = Pointer(level=Level.HEADER, segment="BGM", element="2")
BGM_VERSION = Pointer(level=Level.HEADER, segment="BGM", element="2:2")
ACCEPTED = history_of(ORIGINAL)


def test_an_original_with_an_unused_number_passes() -> None:
    assert list(transaction_number_is_free(ORIGINAL, context())) == []


def test_an_original_sent_again_with_different_content_finds_its_number_in_use() -> None:
    changed = cad(lines=(line(value=Decimal("31000.00")), GEL))

    [found] = transaction_number_is_free(changed, context(history=ACCEPTED))

    assert found.code == catalogue.TRANSACTION_NUMBER_IN_USE.code
    assert found.pointer == BGM_NUMBER
    assert "send a replace (BGM function 5) as version 00002" in found.message


def test_an_original_reusing_the_number_of_a_cancelled_cad_is_refused() -> None:
    history = history_of(ORIGINAL, status=TransactionStatus.CANCELLED)

    [found] = transaction_number_is_free(cad(broker_reference="NEW"), context(history=history))

    assert found.code == catalogue.TRANSACTION_NUMBER_IN_USE.code
    assert "never used again" in found.message


def test_the_exact_content_of_an_accepted_version_is_a_repeat_and_no_finding() -> None:
    again = cad(message_reference="7", document_datetime=datetime(2025, 3, 13, 9, tzinfo=ZoneInfo("UTC")))

    assert is_exact_repeat(again, context(history=ACCEPTED))
    assert validate_cad(again, context(history=ACCEPTED)) == ()


def test_the_same_content_from_another_broker_account_is_no_repeat() -> None:
    assert not is_exact_repeat(ORIGINAL, context(history=history_of(ORIGINAL, sender=OTHER_SENDER)))


def test_a_changed_cad_is_no_repeat() -> None:
    assert not is_exact_repeat(cad(broker_reference="OTHER"), context(history=ACCEPTED))
    assert cad_digest(cad(broker_reference="OTHER")) != cad_digest(ORIGINAL)


def test_a_replace_naming_another_importer_finds_the_number_in_use() -> None:
    [found] = transaction_number_is_free(replace(importer=OTHER_IMPORTER), context(history=ACCEPTED))

    assert found.code == catalogue.TRANSACTION_NUMBER_IN_USE.code
    assert "another importer" in found.message


def test_a_replace_from_another_broker_account_finds_the_number_in_use() -> None:
    history = history_of(ORIGINAL, sender=OTHER_SENDER)

    [found] = transaction_number_is_free(replace(), context(history=history))

    assert found.code == catalogue.TRANSACTION_NUMBER_IN_USE.code
    assert "another broker" in found.message


def test_a_replace_by_the_filing_broker_of_its_importer_passes() -> None:
    assert list(transaction_number_is_free(replace(), context(history=ACCEPTED))) == []


def test_an_original_must_be_version_1() -> None:
    [found] = original_is_version_one(cad(version=2), context())

    assert found.code == catalogue.VERSION_OUT_OF_SEQUENCE.code
    assert found.pointer == BGM_VERSION
    assert list(original_is_version_one(ORIGINAL, context())) == []


def test_a_replace_or_cancellation_of_an_unknown_number_is_refused() -> None:
    for amendment in (replace(), cancellation()):
        [found] = amendment_names_an_accepted_cad(amendment, context())
        assert found.code == catalogue.TRANSACTION_UNKNOWN.code
        assert found.pointer == BGM_NUMBER


def test_a_replace_of_an_accepted_number_names_an_accepted_cad() -> None:
    assert list(amendment_names_an_accepted_cad(replace(), context(history=ACCEPTED))) == []


def test_a_replace_is_the_previous_version_plus_one() -> None:
    assert list(amendment_is_the_next_version(replace(), context(history=ACCEPTED))) == []
    assert list(amendment_is_the_next_version(cancellation(), context(history=ACCEPTED))) == []


def test_a_replace_skipping_a_version_is_out_of_sequence() -> None:
    [found] = amendment_is_the_next_version(replace(version=3), context(history=ACCEPTED))

    assert found.code == catalogue.VERSION_OUT_OF_SEQUENCE.code
    assert found.pointer == BGM_VERSION
    assert "must be version 00002" in found.message


def test_a_replace_repeating_an_accepted_version_number_with_other_content_is_out_of_sequence() -> None:
    history = history_of(ORIGINAL, replace())

    [found] = amendment_is_the_next_version(replace(broker_reference="X"), context(history=history))

    assert "must be version 00003" in found.message


def test_a_cancelled_cad_cannot_be_replaced() -> None:
    history = history_of(ORIGINAL, cancellation(), status=TransactionStatus.CANCELLED)

    [found] = cancelled_cad_stays_cancelled(replace(version=3), context(history=history))

    assert found.code == catalogue.TRANSACTION_CANCELLED.code
    assert found.pointer == Pointer(level=Level.HEADER, segment="BGM", element="3")
    assert "cannot be replaced" in found.message


def test_a_cancelled_cad_cannot_be_cancelled_again() -> None:
    history = history_of(ORIGINAL, cancellation(), status=TransactionStatus.CANCELLED)

    [found] = cancelled_cad_stays_cancelled(cancellation(version=3), context(history=history))

    assert "cannot be cancelled again" in found.message


def test_a_cad_under_review_may_be_replaced() -> None:
    history = history_of(ORIGINAL, status=TransactionStatus.UNDER_REVIEW)

    assert list(cancelled_cad_stays_cancelled(replace(), context(history=history))) == []


def test_a_replace_that_drops_a_line_names_the_missing_line_and_its_invoice_line() -> None:
    [found] = replace_restates_every_line(replace(lines=(T_SHIRTS,)), context(history=ACCEPTED))

    assert found.code == catalogue.LINE_MISSING.code
    assert found.pointer == Pointer(level=Level.DETAIL, line_number=2, segment="CST", element="1")
    assert found.message.startswith("line 2 of version 00001 (invoice INV-77, line 2) is missing")


def test_a_replace_that_restates_every_line_and_adds_one_passes() -> None:
    added = line(GEL, line_number=3, invoice_line="3")

    assert (
        list(replace_restates_every_line(replace(lines=(T_SHIRTS, GEL, added)), context(history=ACCEPTED)))
        == []
    )


def test_a_replace_is_an_adjustment_from_the_due_date_of_the_version_it_replaces() -> None:
    assert not is_adjustment(
        replace(), context(history=history_of(ORIGINAL, due_date=DUE), today=DUE.replace(day=30))
    )
    assert is_adjustment(replace(), context(history=history_of(ORIGINAL, due_date=DUE), today=DUE))
    assert not is_adjustment(ORIGINAL, context(history=ACCEPTED, today=DUE))


def test_an_original_reusing_another_importers_number_is_not_told_to_send_a_replace() -> None:
    [found] = transaction_number_is_free(cad(importer=OTHER_IMPORTER), context(history=ACCEPTED))

    assert found.message.endswith(
        "belongs to a CAD of another importer; a transaction number is never reused"
    )
