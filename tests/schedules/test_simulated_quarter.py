"""A simulated quarter on both stores: the clock moves day by day from 19 June to 30 September 2025; each
night at 01:00 Eastern the scheduler's own catch-up runs whatever batches fell due (interest, daily notices,
statements), each day at noon the brokers file CADs and corrections and the importers pay, one of them late.
Every daily notice, every statement of account, every interest charge and the balances are checked against
figures computed by hand below.

The figures. Every CAD is one line of T-shirts (6109.10.00.22, MFN 18 %) shipped on 2025-06-12, when the Bank
of Canada's USD rate was 1.3612 (tests.gateway.cad_files), GST 5 % on value for duty + duty:

    1,000.00 USD: VFD 1,361.20, duty   245.02 (245.016), GST  80.31 (80.311)   = 325.33
    1,500.00 USD: VFD 2,041.80, duty   367.52 (367.524), GST 120.47 (120.466)  = 487.99
    2,000.00 USD: VFD 2,722.40, duty   490.03 (490.032), GST 160.62 (160.6215) = 650.65
    3,000.00 USD: VFD 4,083.60, duty   735.05 (735.048), GST 240.93 (240.9325) = 975.98

Billing periods (releases 18th to 17th) and their payment due dates (10th weekday after the 17th):
18 Jun-17 Jul due Thu 31 Jul; 18 Jul-17 Aug due Fri 29 Aug; 18 Aug-17 Sep due Wed 1 Oct.

IMPORTER (statements to DEMOBROKER):
  Fri 20 Jun  T1 released 19 Jun, 1,000.00 USD          +325.33  due 31 Jul
  Thu  3 Jul  T2 released  2 Jul, 2,000.00 USD          +650.65  due 31 Jul
  Tue  8 Jul  T1 v2 (correction) to 1,500.00 USD        +162.66  (487.99 - 325.33) due 31 Jul
  Tue 22 Jul  T3 released 21 Jul, 3,000.00 USD          +975.98  due 29 Aug
  Tue 29 Jul  payment PAY-1                             -500.00
              31 Jul due: 325.33 + 650.65 + 162.66 - 500.00 = 638.64 left, overdue from 1 Aug
  Tue 12 Aug  T3 v2 (correction) to 2,000.00 USD        -325.33  (650.65 - 975.98): a credit, which clears the
              oldest due debt first, so 31 Jul's 638.64 falls to 313.31
  Fri 15 Aug  payment PAY-2 (late)                      -638.64: clears 313.31 (31 Jul), 2.00 of interest,
              and 323.33 of 29 Aug's 975.98, leaving 652.65 due 29 Aug
  Tue 26 Aug  T4 released 25 Aug, 1,000.00 USD          +325.33  due 1 Oct
  Thu 28 Aug  payment PAY-3                             -652.65 (on time: nothing more is overdue)

Interest at the Q3 2025 prescribed rate 3 % + 6 = 9 % a year, daily: overdue × 0.09 / 365 rounded to the cent,
each day's charge itself overdue from the next day (compounding):
  1-11 Aug   overdue 638.64, 638.80, ... 640.24: 0.157473 ... 0.157868 -> 0.16 a day, 11 days = 1.76
  12 Aug     overdue 313.31 + 1.76 = 315.07: 0.077688 -> 0.08
  13 Aug     315.15: 0.077708 -> 0.08;  14 Aug  315.23: 0.077727 -> 0.08            3 days = 0.24
  15 Aug on  nothing overdue (the payment cleared the oldest first; what is left is due 29 Aug)
  total 2.00

SECOND (statements to OTHERBROKER): Thu 10 Jul T5 released 9 Jul, 1,000.00 USD +325.33 due 31 Jul; Wed 30 Jul
payment PAY-S1 -325.33, on time: no interest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from domain.clock import FixedClock
from domain.identifiers import TransactionNumber
from domain.journal import EntryKind
from gateway.bootstrap import System
from gateway.cli import cli
from ledger.schema import batch_run, journal_entry, journal_line
from outbound.schemas import DAILY_NOTICE_XSD, STATEMENT_XSD, safe_parser, schema
from parsers.rates_csv import parse_interest_rates
from schedules.catch_up import catch_up
from tests.conftest import REPO, Store
from tests.gateway.cad_files import IMPORTER, SENDER
from tests.schedules.test_daily_notices import OTHER_SENDER, SECOND, file_cad, outbox, register_importers

EASTERN = ZoneInfo("America/Toronto")
FIRST_DAY = dt.date(2025, 6, 19)
LAST_DAY = dt.date(2025, 9, 30)
DN = {"dn": "urn:carm-gateway:daily-notice:1"}
SOA = {"soa": "urn:carm-gateway:statement:1"}

T1, T2, T3, T4, T5 = (str(TransactionNumber.build("10207", 40_000_001 + n)) for n in range(5))
JUL31, AUG29, OCT1 = "2025-07-31", "2025-08-29", "2025-10-01"


def at(system: System, day: dt.date, hour: int) -> System:
    return dataclasses.replace(system, clock=FixedClock(dt.datetime.combine(day, dt.time(hour), EASTERN)))


def d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


class Quarter:
    """The day's business: CADs through the real pipeline, payments through `carm-gateway payments load`."""

    def __init__(self, system: System, store: Store, tmp_path: Path) -> None:
        self.system, self.store, self.tmp_path = system, store, tmp_path
        self.controls = 0

    def file(self, day: dt.date, importer: str, transaction: str, value: str, **kwargs: object) -> None:
        self.controls += 1
        file_cad(
            at(self.system, day, 12),
            day,
            f"{self.controls:06d}",
            importer,
            transaction,
            value=value,
            shipped=d(6, 12),
            **kwargs,
        )

    def correct(self, day: dt.date, transaction: str, release: dt.date, value: str) -> None:
        self.file(day, IMPORTER, transaction, value, release=release, version=2, function="5")

    def pay(self, day: dt.date, importer: str, amount: str, reference: str) -> None:
        csv = self.tmp_path / f"{reference}.csv"
        csv.write_text(f"importer_bn15,date,amount,reference\n{importer},{day},{amount},{reference}\n")
        result = CliRunner().invoke(
            cli, ["--database-url", self.store.url, "--today", str(day), "payments", "load", str(csv)]
        )
        assert result.exit_code == 0, result.output


def events(q: Quarter) -> dict[dt.date, Callable[[], None]]:
    return {
        d(6, 20): lambda: q.file(d(6, 20), IMPORTER, T1, "1000.00", release=d(6, 19)),
        d(7, 3): lambda: q.file(d(7, 3), IMPORTER, T2, "2000.00", release=d(7, 2)),
        d(7, 8): lambda: q.correct(d(7, 8), T1, d(6, 19), "1500.00"),
        d(7, 10): lambda: q.file(d(7, 10), SECOND, T5, "1000.00", release=d(7, 9)),
        d(7, 22): lambda: q.file(d(7, 22), IMPORTER, T3, "3000.00", release=d(7, 21)),
        d(7, 29): lambda: q.pay(d(7, 29), IMPORTER, "500.00", "PAY-1"),
        d(7, 30): lambda: q.pay(d(7, 30), SECOND, "325.33", "PAY-S1"),
        d(8, 12): lambda: q.correct(d(8, 12), T3, d(7, 21), "2000.00"),
        d(8, 15): lambda: q.pay(d(8, 15), IMPORTER, "638.64", "PAY-2"),
        d(8, 26): lambda: q.file(d(8, 26), IMPORTER, T4, "1000.00", release=d(8, 25)),
        d(8, 28): lambda: q.pay(d(8, 28), IMPORTER, "652.65", "PAY-3"),
    }


# Balances at the end of a business date: everything dated that day or before, its interest included.
IMPORTER_BALANCES = {
    d(6, 30): 325_33,
    d(7, 17): 325_33 + 650_65 + 162_66,  # 1,138.64: the first statement's closing balance
    d(7, 31): 1_138_64 + 975_98 - 500_00,  # 1,614.62, nothing overdue yet
    d(8, 11): 1_614_62 + 11 * 16,  # 1,616.38
    d(8, 14): 1_616_38 - 325_33 + 3 * 8,  # 1,291.29
    d(8, 15): 1_291_29 - 638_64,  # 652.65: all of it due 29 Aug
    d(8, 17): 652_65,  # the second statement's closing balance
    d(8, 25): 652_65,
    d(8, 28): 652_65 + 325_33 - 652_65,  # 325.33: T4, due 1 October
    d(9, 17): 325_33,
    d(9, 30): 325_33,
}
SECOND_BALANCES = {d(7, 17): 325_33, d(7, 30): 0, d(9, 30): 0}


@pytest.fixture
def quarter(system: System, store: Store, tmp_path: Path) -> Quarter:
    register_importers(system)
    rates = parse_interest_rates((REPO / "fixtures" / "reference" / "interest-rates.csv").read_bytes())
    with system.unit_of_work() as uow:
        uow.reference.load_interest_rates(rates)
        uow.commit()
    q = Quarter(system, store, tmp_path)
    todo = events(q)
    day = FIRST_DAY
    while day <= LAST_DAY:
        catch_up(at(system, day, 1), start_date=FIRST_DAY)  # the night's batches, as the daemon runs them
        if day in todo:
            todo.pop(day)()
        day += dt.timedelta(days=1)
    catch_up(at(system, LAST_DAY + dt.timedelta(days=1), 1), start_date=FIRST_DAY)
    assert not todo
    return q


# --- what the quarter must have produced, computed by hand (module docstring) ----------------------------

INTEREST = [(d(8, day), 16) for day in range(1, 12)] + [(d(8, day), 8) for day in range(12, 15)]

Item = tuple[str, str, str, str, str]  # section, kind, reference, due date, amount


def interest_items(*days: int, cents: str = "0.16") -> list[Item]:
    return [("ownDueDates", "interest", "", f"2025-08-{day:02d}", cents) for day in days]


def assessment(transaction: str, due: str, amount: str, kind: str = "assessment") -> Item:
    return ("dueOnStatement", kind, transaction, due, amount)


def payment(reference: str, amount: str) -> Item:
    return ("paymentsReceived", "payment", reference, "", amount)


# Each notice: (postedFrom, postedThrough, net, items in document order). Weekend interest goes out Monday.
NOTICES: dict[tuple[str, str], tuple[str, str, str, list[Item]]] = {
    (IMPORTER, "20250620"): ("2025-06-20", "2025-06-20", "325.33", [assessment(T1, JUL31, "325.33")]),
    (IMPORTER, "20250703"): ("2025-07-03", "2025-07-03", "650.65", [assessment(T2, JUL31, "650.65")]),
    (IMPORTER, "20250708"): (
        "2025-07-08",
        "2025-07-08",
        "162.66",
        [assessment(T1, JUL31, "162.66", "correction")],
    ),
    (IMPORTER, "20250722"): ("2025-07-22", "2025-07-22", "975.98", [assessment(T3, AUG29, "975.98")]),
    (IMPORTER, "20250729"): ("2025-07-29", "2025-07-29", "-500.00", [payment("PAY-1", "-500.00")]),
    (IMPORTER, "20250801"): ("2025-08-01", "2025-08-01", "0.16", interest_items(1)),
    (IMPORTER, "20250804"): ("2025-08-02", "2025-08-04", "0.48", interest_items(2, 3, 4)),
    (IMPORTER, "20250805"): ("2025-08-05", "2025-08-05", "0.16", interest_items(5)),
    (IMPORTER, "20250806"): ("2025-08-06", "2025-08-06", "0.16", interest_items(6)),
    (IMPORTER, "20250807"): ("2025-08-07", "2025-08-07", "0.16", interest_items(7)),
    (IMPORTER, "20250808"): ("2025-08-08", "2025-08-08", "0.16", interest_items(8)),
    (IMPORTER, "20250811"): ("2025-08-09", "2025-08-11", "0.48", interest_items(9, 10, 11)),
    (IMPORTER, "20250812"): (
        "2025-08-12",
        "2025-08-12",
        "-325.25",
        [assessment(T3, AUG29, "-325.33", "correction"), *interest_items(12, cents="0.08")],
    ),
    (IMPORTER, "20250813"): ("2025-08-13", "2025-08-13", "0.08", interest_items(13, cents="0.08")),
    (IMPORTER, "20250814"): ("2025-08-14", "2025-08-14", "0.08", interest_items(14, cents="0.08")),
    (IMPORTER, "20250815"): ("2025-08-15", "2025-08-15", "-638.64", [payment("PAY-2", "-638.64")]),
    (IMPORTER, "20250826"): ("2025-08-26", "2025-08-26", "325.33", [assessment(T4, OCT1, "325.33")]),
    (IMPORTER, "20250828"): ("2025-08-28", "2025-08-28", "-652.65", [payment("PAY-3", "-652.65")]),
    (SECOND, "20250710"): ("2025-07-10", "2025-07-10", "325.33", [assessment(T5, JUL31, "325.33")]),
    (SECOND, "20250730"): ("2025-07-30", "2025-07-30", "-325.33", [payment("PAY-S1", "-325.33")]),
}

Line = tuple[str, str, str]  # kind, reference, amount


def interest_lines() -> list[Line]:
    return [("interest", "", f"{cents / 100:.2f}") for _, cents in INTEREST]


# Each statement: (period start, period end, opening, {group: lines}, closing, amount due, due date).
STATEMENTS: dict[tuple[str, str], tuple[str, str, str, dict[str, list[Line]], str, str, str]] = {
    (IMPORTER, "202507"): (
        "2025-06-18",
        "2025-07-17",
        "0.00",
        {
            "transactions": [
                ("assessment", T1, "325.33"),
                ("assessment", T2, "650.65"),
                ("correction", T1, "162.66"),
            ]
        },
        "1138.64",
        "1138.64",
        JUL31,
    ),
    (IMPORTER, "202508"): (
        "2025-07-18",
        "2025-08-17",
        "1138.64",
        {
            "transactions": [("assessment", T3, "975.98")],
            "credits": [("correction", T3, "-325.33")],
            "payments": [("payment", "PAY-1", "-500.00"), ("payment", "PAY-2", "-638.64")],
            "interest": interest_lines(),
        },
        "652.65",  # 1,138.64 + 975.98 - 325.33 - 500.00 - 638.64 + 2.00
        "652.65",
        AUG29,
    ),
    (IMPORTER, "202509"): (
        "2025-08-18",
        "2025-09-17",
        "652.65",
        {"transactions": [("assessment", T4, "325.33")], "payments": [("payment", "PAY-3", "-652.65")]},
        "325.33",
        "325.33",
        OCT1,
    ),
    (SECOND, "202507"): (
        "2025-06-18",
        "2025-07-17",
        "0.00",
        {"transactions": [("assessment", T5, "325.33")]},
        "325.33",
        "325.33",
        JUL31,
    ),
    (SECOND, "202508"): (
        "2025-07-18",
        "2025-08-17",
        "325.33",
        {"payments": [("payment", "PAY-S1", "-325.33")]},
        "0.00",
        "0.00",
        AUG29,
    ),
}
GROUPS = ("transactions", "credits", "payments", "interest", "penalties", "disbursements")


def sent(system: System, prefix: str) -> dict[tuple[str, str], bytes]:
    """Every file named `<prefix>-<BN15>-<date>.xml` in the two brokers' outboxes, by (BN15, date)."""
    files = {**outbox(system, SENDER, f"{prefix}-"), **outbox(system, OTHER_SENDER, f"{prefix}-")}
    found = {}
    for name, content in files.items():
        _, account, stamp = name.removesuffix(".xml").split("-")
        found[(account, stamp)] = content
    return found


def recipient(account: str) -> str:
    return SENDER if account == IMPORTER else OTHER_SENDER


def test_every_night_the_due_batches_ran_once_and_none_failed(quarter: Quarter) -> None:
    with quarter.system.unit_of_work() as uow:
        rows = uow.connection.execute(select(batch_run.c.job, batch_run.c.business_date, batch_run.c.status))
        runs = [(row.job, row.business_date, row.status) for row in rows]
    assert all(status == "succeeded" for _, _, status in runs), [r for r in runs if r[2] != "succeeded"]
    interest = sorted(day for job, day, _ in runs if job == "interest")
    assert interest == [FIRST_DAY + dt.timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    assert sorted(day for job, day, _ in runs if job == "statements") == [
        d(6, 25),
        d(7, 25),
        d(8, 25),
        d(9, 25),
    ]
    notices = sorted(day for job, day, _ in runs if job == "daily-notices")
    # Business days from 19 Jun to 29 Sep: no weekends, and not Canada Day, Labour Day or 30 September
    # (National Day for Truth and Reconciliation, whose notice would run on 1 October).
    assert len(notices) == len(set(notices)) == 71
    assert {d(7, 1), d(9, 1)}.isdisjoint(notices) and all(day.weekday() < 5 for day in notices)


def test_every_daily_notice_lists_the_days_postings_as_computed_by_hand(quarter: Quarter) -> None:
    notices = sent(quarter.system, "dn")
    assert sorted(notices) == sorted(NOTICES)
    for key, content in notices.items():
        root = etree.fromstring(content, safe_parser())
        assert schema(DAILY_NOTICE_XSD).validate(root), schema(DAILY_NOTICE_XSD).error_log
        posted_from, posted_through, net, items = NOTICES[key]
        found = [
            (
                section.tag.split("}")[1],
                t.get("kind"),
                t.get("reference"),
                t.get("dueDate", ""),
                t.get("amount"),
            )
            for section in root
            for t in section.findall("dn:transaction", DN)
        ]
        assert (root.get("postedFrom"), root.get("postedThrough"), root.get("net"), found) == (
            posted_from,
            posted_through,
            net,
            items,
        ), key
        assert root.findall("dn:underReview/dn:adjustment", DN) == []
    # Each went to the broker its importer named, once.
    for account, stamp in notices:
        assert f"dn-{account}-{stamp}.xml" in outbox(quarter.system, recipient(account), "dn-")


def test_every_statement_of_account_adds_up_as_computed_by_hand(quarter: Quarter) -> None:
    statements = sent(quarter.system, "soa")
    assert sorted(statements) == sorted(STATEMENTS)
    for key, content in statements.items():
        root = etree.fromstring(content, safe_parser())
        assert schema(STATEMENT_XSD).validate(root), schema(STATEMENT_XSD).error_log
        start, end, opening, groups, closing, due, due_date = STATEMENTS[key]
        assert (root.get("periodStart"), root.get("periodEnd")) == (start, end), key
        assert root.findtext("soa:openingBalance", namespaces=SOA) == opening, key
        for group in GROUPS:
            lines = [
                (t.get("kind"), t.get("reference"), t.get("amount"))
                for t in root.findall(f"soa:{group}/soa:transaction", SOA)
            ]
            assert lines == groups.get(group, []), (key, group)
        assert root.findtext("soa:closingBalance", namespaces=SOA) == closing, key
        amount_due = root.find("soa:amountDue", SOA)
        assert amount_due is not None and (amount_due.text, amount_due.get("dueDate")) == (due, due_date), key


def test_interest_was_charged_only_on_overdue_debt_as_computed_by_hand(quarter: Quarter) -> None:
    with quarter.system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(journal_entry.c.account, journal_entry.c.business_date, journal_line.c.debit_cents)
            .join(journal_line, journal_line.c.entry_id == journal_entry.c.id)
            .where(journal_entry.c.kind == EntryKind.INTEREST.value, journal_line.c.debit_cents > 0)
            .order_by(journal_entry.c.business_date)
        )
        charged = [(row.account, row.business_date, row.debit_cents) for row in rows]
    assert charged == [(IMPORTER, day, cents) for day, cents in INTEREST]
    assert sum(cents for _, cents in INTEREST) == 2_00


def balance_on(system: System, account: str, day: dt.date) -> int:
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(journal_line.c.debit_cents, journal_line.c.credit_cents)
            .join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
            .where(journal_line.c.ledger_account == f"AR:{account}", journal_entry.c.business_date <= day)
        )
        return sum(row.debit_cents - row.credit_cents for row in rows)


def test_the_balances_day_by_day_and_at_the_end_are_as_computed_by_hand(quarter: Quarter) -> None:
    for day, cents in IMPORTER_BALANCES.items():
        assert balance_on(quarter.system, IMPORTER, day) == cents, day
    for day, cents in SECOND_BALANCES.items():
        assert balance_on(quarter.system, SECOND, day) == cents, day
    result = CliRunner().invoke(
        cli, ["--database-url", quarter.store.url, "ledger", "balance", IMPORTER, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"balance_cents": 32533' in result.output and OCT1 in result.output
    verified = CliRunner().invoke(cli, ["--database-url", quarter.store.url, "ledger", "verify"])
    assert verified.exit_code == 0, verified.output
