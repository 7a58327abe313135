"""The interest batch on both stores: hand-computed compounding, oldest-first clearing, no rate no run."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from domain.journal import EntryKind, JournalEntry
from domain.payments import Payment, payment_entry
from gateway.bootstrap import System
from gateway.cli import cli
from ledger.schema import batch_run, journal_entry
from parsers.rates_csv import parse_interest_rates
from schedules.errors import BatchFailed
from schedules.runner import run_batch
from tests.builders import assessment
from tests.conftest import REPO, Store

IMPORTER = "123456782RM0001"
DUE = dt.date(2025, 7, 31)  # Q3 2025: prescribed rate 3 %, so 9 % a year on overdue debt


def debt(key: str, cents: int, due: dt.date) -> JournalEntry:
    """An assessment of `cents` due on `due`, posted on 2 July 2025."""
    return dataclasses.replace(assessment(key, cents, 0, due=due), business_date=dt.date(2025, 7, 2))


def days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range(count)]


def prepare(system: System, *, debt_cents: int = 100_000) -> None:
    rates = parse_interest_rates((REPO / "fixtures" / "reference" / "interest-rates.csv").read_bytes())
    with system.unit_of_work() as uow:
        uow.reference.load_interest_rates(rates)
        uow.parties.add_importer(bn15=IMPORTER, name="Importer", province="ON")
        uow.journal.post(debt("T1:1", debt_cents, DUE))
        uow.commit()


def balance(system: System) -> int:
    with system.unit_of_work() as uow:
        return uow.journal.balance(IMPORTER).balance_cents


def interest_entries(system: System) -> list[tuple[dt.date, dt.date | None]]:
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(journal_entry.c.business_date, journal_entry.c.due_date)
            .where(journal_entry.c.kind == EntryKind.INTEREST.value)
            .order_by(journal_entry.c.business_date)
        )
        return [(row.business_date, row.due_date) for row in rows]


def test_one_thousand_dollars_overdue_for_ten_days_at_nine_percent_costs_2_50(system: System) -> None:
    prepare(system)
    # Not overdue on its due date: no interest for 31 July.
    report = run_batch(system, "interest", DUE)
    assert report is not None and report.counts == {}
    # 1 to 10 August, each day on the overdue of that day (the interest before it included):
    #   1000.00 × 0.09 / 365 = 0.246575… → 0.25, then 1000.25 → 0.246636… → 0.25, … 1002.25 → 0.247130… → 0.25
    for day in days(dt.date(2025, 8, 1), 10):
        report = run_batch(system, "interest", day)
        assert report is not None and report.counts == {"entries": 1, "cents": 25}
    assert balance(system) == 100_250
    # Each day's interest is due the day it is charged, so it is overdue (and compounds) from the next day.
    assert interest_entries(system) == [(day, day) for day in days(dt.date(2025, 8, 1), 10)]


def test_compounding_shows_in_the_cents_of_a_larger_debt(system: System) -> None:
    prepare(system, debt_cents=10_000_000)
    for day in days(dt.date(2025, 8, 1), 3):
        run_batch(system, "interest", day)
    # 100000.00 → 24.657534… → 24.66; 100024.66 → 24.663614… → 24.66; 100049.32 → 24.669695… → 24.67
    assert balance(system) == 10_000_000 + 2466 + 2466 + 2467


def test_a_payment_clears_the_oldest_debt_first_so_only_what_remains_of_it_draws_interest(
    system: System,
) -> None:
    prepare(system)
    with system.unit_of_work() as uow:
        # 700.00 more, due 29 August; 700.00 paid on 1 August clears 700.00 of the July debt, not the other.
        uow.journal.post(debt("T2:1", 70_000, dt.date(2025, 8, 29)))
        paid = Payment(
            importer_bn15=IMPORTER, received_on=dt.date(2025, 8, 1), amount_cents=70_000, reference="P1"
        )
        uow.journal.post(payment_entry(paid))
        uow.commit()
    # 1 August: 300.00 of July's debt is left overdue: 300.00 × 0.09 / 365 = 0.073972… → 0.07
    # (applied to the newest debt instead, 1,000.00 would be overdue and cost 0.25).
    report = run_batch(system, "interest", dt.date(2025, 8, 1))
    assert report is not None and report.counts == {"entries": 1, "cents": 7}
    # 30 August: 300.00 + the 0.07 charged on 1 August + 700.00 due 29 August are overdue:
    # 1000.07 × 0.09 / 365 = 0.246592… → 0.25.
    report = run_batch(system, "interest", dt.date(2025, 8, 30))
    assert report is not None and report.counts["cents"] == 25


def test_a_payment_counts_from_its_own_date_not_before(system: System) -> None:
    prepare(system)
    paid = Payment(
        importer_bn15=IMPORTER, received_on=dt.date(2025, 8, 5), amount_cents=100_000, reference="P1"
    )
    with system.unit_of_work() as uow:
        uow.journal.post(payment_entry(paid))  # loaded before the batch runs, but dated 5 August
        uow.commit()
    report = run_batch(system, "interest", dt.date(2025, 8, 1))
    assert report is not None and report.counts["cents"] == 25
    # 5 August: only the 0.25 of interest is left overdue, which draws less than half a cent.
    report = run_batch(system, "interest", dt.date(2025, 8, 5))
    assert report is not None and "entries" not in report.counts


def test_a_forced_rerun_posts_nothing_twice(system: System) -> None:
    prepare(system)
    run_batch(system, "interest", dt.date(2025, 8, 1))
    report = run_batch(system, "interest", dt.date(2025, 8, 1), force=True)
    assert report is not None and report.counts == {"unchanged": 1}
    assert balance(system) == 100_025


def test_a_day_whose_quarter_has_no_prescribed_rate_fails_the_batch_loudly(system: System) -> None:
    prepare(system)
    day = dt.date(2026, 7, 1)  # the fixture's last quarter starts 2026-04-01
    with pytest.raises(BatchFailed) as failed:
        run_batch(system, "interest", day)
    assert str(failed.value) == (
        "Batch interest for 2026-07-01 failed: No prescribed interest rate is loaded for the quarter "
        "starting 2026-07-01, so the interest of 2026-07-01 cannot be charged (load it with "
        "`rates load --interest`)."
    )
    with system.unit_of_work() as uow:
        assert uow.connection.execute(select(batch_run.c.status)).scalars().all() == ["failed"]
    assert balance(system) == 100_000


def run(store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, "--today", "2025-08-12", *args])


def test_the_batch_command_runs_once_says_when_done_forces_and_fails_in_one_sentence(
    system: System, store: Store, tmp_path: Path
) -> None:
    prepare(system)
    first = run(store, "batch", "run", "interest", "--date", "2025-08-01")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "interest for 2025-08-01: 1 entries, 25 cents"
    again = run(store, "batch", "run", "interest", "--date", "2025-08-01")
    assert again.output.splitlines()[-1] == "interest already done for 2025-08-01 (use --force to run again)"
    forced = run(store, "batch", "run", "interest", "--date", "2025-08-01", "--force")
    assert forced.output.splitlines()[-1] == "interest for 2025-08-01: 1 unchanged"
    failed = run(store, "batch", "run", "interest", "--date", "2027-01-04")
    assert failed.exit_code == 1
    assert failed.output.splitlines()[-1].startswith(
        "Error: Batch interest for 2027-01-04 failed: No prescribed interest rate is loaded"
    )
    assert "Traceback" not in failed.output
    unknown = run(store, "batch", "run", "nightly", "--date", "2025-08-01")
    assert unknown.exit_code == 2
    bad_date = run(store, "batch", "run", "interest", "--date", "2025-02-30")
    assert bad_date.exit_code == 2
