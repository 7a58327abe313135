"""The statement of account: its arithmetic as a law, the monthly batch on both stores (opening balance,
movements, a payment, interest; hand-computed closing and amount due), a tampered or inconsistent ledger
failing it loudly, and `carm-gateway ledger statement` as HTML and as a PDF a person can read."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from domain.calendar import billing_period
from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account
from domain.statement import (
    Movement,
    StatementMismatch,
    TamperedEntry,
    build_statement,
    statement_period,
)
from gateway.bootstrap import System
from gateway.cli import cli
from outbound.schemas import STATEMENT_XSD, safe_parser, schema
from outbound.statement import grouped
from schedules.report import BatchReport
from schedules.statements import JOB
from tests.builders import tamper_with_a_line
from tests.conftest import Store
from tests.gateway.cad_files import IMPORTER, OTHER_TRANSACTION, SENDER, TRANSACTION
from tests.schedules.fakes import run_job
from tests.schedules.test_daily_notices import (
    FOURTH_TRANSACTION,
    IDLE,
    OTHER_SENDER,
    SECOND,
    THIRD_TRANSACTION,
    file_cad,
    outbox,
    pay,
    register_importers,
)

NS = {"soa": "urn:carm-gateway:statement:1"}
JULY = billing_period(dt.date(2025, 7, 17))  # 2025-06-18 .. 2025-07-17
ISSUED = dt.date(2025, 7, 25)

# --- the arithmetic, as a law ---------------------------------------------------------------------------

kinds = st.sampled_from(list(EntryKind))
movements = st.lists(
    st.builds(
        Movement,
        seq=st.integers(1, 10**6),
        kind=kinds,
        business_date=st.dates(JULY.start, JULY.end),
        due_date=st.none() | st.dates(JULY.start, dt.date(2025, 12, 31)),
        reference=st.text(max_size=5),
        description=st.just(""),
        amount_cents=st.integers(-(10**12), 10**12),
    ),
    max_size=30,
)


@given(opening=st.integers(-(10**12), 10**12), listed=movements)
def test_opening_plus_movements_is_the_closing_balance(opening: int, listed: list[Movement]) -> None:
    closing = opening + sum(m.amount_cents for m in listed)
    statement = build_statement(
        account=IMPORTER,
        importer_name="",
        period=JULY,
        opening_cents=opening,
        movements=listed,
        ledger_closing_cents=closing,
    )
    groups = grouped(statement)
    assert statement.closing_cents == statement.opening_cents + sum(
        m.amount_cents for g in groups.values() for m in g
    )
    assert sorted(m.seq for group in groups.values() for m in group) == sorted(m.seq for m in listed)
    assert statement.amount_due_cents == max(closing, 0)


@given(
    opening=st.integers(-(10**9), 10**9), listed=movements, error=st.integers(-(10**6), 10**6).filter(bool)
)
def test_a_closing_balance_the_movements_do_not_explain_is_refused(
    opening: int, listed: list[Movement], error: int
) -> None:
    closing = opening + sum(m.amount_cents for m in listed) + error
    with pytest.raises(StatementMismatch, match=f"statement of account {IMPORTER}: opening"):
        build_statement(
            account=IMPORTER,
            importer_name="",
            period=JULY,
            opening_cents=opening,
            movements=listed,
            ledger_closing_cents=closing,
        )


def test_statements_are_issued_on_the_25th_for_the_period_ending_on_the_17th() -> None:
    assert statement_period(ISSUED) == JULY
    assert statement_period(dt.date(2025, 1, 25)) == billing_period(dt.date(2025, 1, 17))  # 2024-12-18 ..
    assert statement_period(dt.date(2025, 7, 24)) is None
    assert statement_period(dt.date(2025, 7, 26)) is None


# --- the monthly batch on both stores -------------------------------------------------------------------


def charge_interest(system: System, day: dt.date, cents: int) -> None:
    with system.unit_of_work() as uow:
        uow.journal.post(
            JournalEntry(
                account=IMPORTER,
                idempotency_key=f"interest:{IMPORTER}:{day}",
                kind=EntryKind.INTEREST,
                business_date=day,
                due_date=day,
                reference="interest",
                lines=(
                    JournalLine(ledger_account=receivable_account(IMPORTER), debit_cents=cents),
                    JournalLine(ledger_account="REVENUE:INTEREST", credit_cents=cents),
                ),
            )
        )
        uow.commit()


@pytest.fixture
def july(system: System) -> System:
    """IMPORTER: a CAD before the period (opening 325.33), one in it (325.33), a payment of 100.00 and
    interest of 1.23 in it, and a CAD after it. SECOND: a CAD before the period, idle in it. IDLE: nothing."""
    register_importers(system)
    file_cad(system, dt.date(2025, 6, 17), "000001", IMPORTER, TRANSACTION)  # due 2025-07-02
    file_cad(system, dt.date(2025, 6, 17), "000002", SECOND, OTHER_TRANSACTION)
    file_cad(system, dt.date(2025, 6, 20), "000003", IMPORTER, THIRD_TRANSACTION)  # due 2025-07-31
    pay(system, dt.date(2025, 7, 2), "PAY-7", 10000)
    charge_interest(system, dt.date(2025, 7, 10), 123)
    file_cad(system, dt.date(2025, 7, 21), "000004", IMPORTER, FOURTH_TRANSACTION)  # the next period
    return system


def run(system: System, day: dt.date = ISSUED) -> BatchReport:
    return run_job(system, JOB, day)


def statement_xml(system: System, sender_id: str, account: str) -> etree._Element:
    content = outbox(system, sender_id, prefix="soa-")[f"soa-{account}-202507.xml"]
    root = etree.fromstring(content, safe_parser())
    assert schema(STATEMENT_XSD).validate(root), schema(STATEMENT_XSD).error_log
    return root


def amounts(root: etree._Element, group: str) -> list[tuple[str, str, str]]:
    return [
        (t.get("kind", ""), t.get("reference", ""), t.get("amount", ""))
        for t in root.findall(f"soa:{group}/soa:transaction", NS)
    ]


def test_every_account_with_a_balance_or_activity_gets_a_statement(july: System) -> None:
    report = run(july)
    assert report.counts == {"accounts": 2, "postings": 3, "files": 2}
    assert list(outbox(july, SENDER, prefix="soa-")) == [f"soa-{IMPORTER}-202507.xml"]
    assert list(outbox(july, OTHER_SENDER, prefix="soa-")) == [f"soa-{SECOND}-202507.xml"]
    assert not any(IDLE in name for name in outbox(july, SENDER, prefix=""))


def test_the_statement_adds_up_opening_movements_and_closing_as_computed_by_hand(july: System) -> None:
    run(july)
    root = statement_xml(july, SENDER, IMPORTER)
    assert (root.get("periodStart"), root.get("periodEnd"), root.get("issued")) == (
        "2025-06-18",
        "2025-07-17",
        "2025-07-25",
    )
    assert root.findtext("soa:openingBalance", namespaces=NS) == "325.33"
    assert amounts(root, "transactions") == [("assessment", THIRD_TRANSACTION, "325.33")]
    assert amounts(root, "payments") == [("payment", "PAY-7", "-100.00")]
    assert amounts(root, "interest") == [("interest", "interest", "1.23")]
    assert amounts(root, "credits") == [] and amounts(root, "penalties") == []
    # 325.33 + 325.33 - 100.00 + 1.23 = 551.89, due on the 10th weekday after 2025-07-17.
    assert root.findtext("soa:closingBalance", namespaces=NS) == "551.89"
    due = root.find("soa:amountDue", NS)
    assert due is not None and (due.text, due.get("dueDate")) == ("551.89", "2025-07-31")


def test_an_account_idle_in_the_period_is_stated_with_its_opening_balance(july: System) -> None:
    run(july)
    root = statement_xml(july, OTHER_SENDER, SECOND)
    assert root.findtext("soa:openingBalance", namespaces=NS) == "325.33"
    assert all(amounts(root, group) == [] for group in ("transactions", "payments", "interest"))
    assert root.findtext("soa:closingBalance", namespaces=NS) == "325.33"


def test_only_the_25th_issues_statements_and_a_rerun_queues_nothing(july: System) -> None:
    assert run(july, dt.date(2025, 7, 24)).counts == {}
    run(july)
    assert run(july).counts == {"accounts": 2, "postings": 3, "unchanged": 2}


def test_a_tampered_entry_fails_the_batch_naming_the_account(july: System) -> None:
    tamper_with_a_line(july, f"cad:{THIRD_TRANSACTION}:1")
    with pytest.raises(
        TamperedEntry, match=f"statement of account {IMPORTER}: journal entry seq 2 is broken"
    ):
        run(july)
    assert outbox(july, SENDER, prefix="soa-") == {}


def test_a_receivable_moved_outside_its_own_accounts_entries_fails_the_arithmetic(july: System) -> None:
    # An entry on SECOND's chain that charges IMPORTER's receivable: IMPORTER's closing balance moves while
    # none of IMPORTER's own entries explain it.
    with july.unit_of_work() as uow:
        uow.journal.post(
            JournalEntry(
                account=SECOND,
                idempotency_key="misposted",
                kind=EntryKind.PENALTY,
                business_date=dt.date(2025, 7, 3),
                lines=(
                    JournalLine(ledger_account=receivable_account(IMPORTER), debit_cents=500),
                    JournalLine(ledger_account="REVENUE:PENALTY", credit_cents=500),
                ),
            )
        )
        uow.commit()
    with pytest.raises(
        StatementMismatch, match=f"{IMPORTER}: opening 32533 .* = 55189 cents, but the ledger sums 55689"
    ):
        run(july)


# --- `carm-gateway ledger statement` --------------------------------------------------------------------


def statement_cli(store: Store, *args: str) -> tuple[int, bytes]:
    result = CliRunner().invoke(cli, ["--database-url", store.url, "ledger", "statement", *args])
    return result.exit_code, result.stdout_bytes + result.stderr_bytes


def test_the_html_statement_shows_the_same_figures(july: System, store: Store) -> None:
    code, output = statement_cli(store, IMPORTER, "--period", "2025-07", "--format", "html")
    assert code == 0, output
    page = output.decode()
    assert page.startswith("<!DOCTYPE html>")
    assert 'Closing balance</td><td class="amount">551.89' in page
    assert "Amount due by 2025-07-31" in page and "-100.00" in page


def test_the_pdf_statement_is_a_pdf_showing_the_closing_balance(
    july: System, store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "statement.pdf"
    code, output = statement_cli(
        store, IMPORTER, "--period", "2025-07", "--format", "pdf", "--output", str(target)
    )
    assert code == 0, output
    data = target.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed: the text of the PDF is not checked")
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True, capture_output=True).stdout
    assert b"Closing balance" in text and b"551.89" in text
    assert b"Amount due by 2025-07-31" in text


def test_a_period_that_is_not_yyyy_mm_is_a_usage_error(july: System, store: Store) -> None:
    code, output = statement_cli(store, IMPORTER, "--period", "2025-13")
    assert code == 2 and b"--period must be YYYY-MM" in output


def test_an_unknown_importer_is_named(july: System, store: Store) -> None:
    code, output = statement_cli(store, "555555556RM0001", "--period", "2025-07")
    assert code == 1 and b"No importer with business number 555555556RM0001" in output
