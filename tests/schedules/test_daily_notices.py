"""The daily notice batch on both stores: CADs posted through the real pipeline, a payment posted directly,
one XSD-valid notice per importer with activity, in the outbox of the broker that receives its statements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select

from domain.calendar import FixedHolidays, is_business_day
from domain.clock import FixedClock
from domain.holidays_ca import CanadianHolidays
from domain.journal import EntryKind, JournalEntry, JournalLine, receivable_account
from domain.statement import TamperedEntry
from gateway.bootstrap import System
from ledger.errors import IdempotencyConflict
from ledger.schema import outbound_file
from outbound.schemas import DAILY_NOTICE_XSD, safe_parser, schema
from schedules.daily_notices import JOB, notice_days
from schedules.report import BatchReport
from tests.builders import tamper_with_a_line
from tests.gateway.cad_files import (
    IMPORTER,
    OTHER_TRANSACTION,
    SENDER,
    TRANSACTION,
    cad_interchange,
    cad_message,
    register,
)
from tests.gateway.test_pipeline import upload_and_process
from tests.schedules.fakes import run_job

OTHER_SENDER = "OTHERBROKER"
SECOND = "222222226RM0001"  # files through DEMOBROKER, statements to OTHERBROKER
IDLE = "333333334RM0001"  # registered, nothing posted
UNNAMED = "444444442RM0001"  # activity, but no broker receives its statements
THIRD_TRANSACTION = "10207030000036"
FOURTH_TRANSACTION = "10207030000047"
FRIDAY = dt.date(2025, 6, 20)
NS = {"dn": "urn:carm-gateway:daily-notice:1"}


def on(system: System, day: dt.date) -> System:
    """The system with its clock in the afternoon (Eastern) of `day`."""
    return dataclasses.replace(system, clock=FixedClock(dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)))


def register_importers(system: System) -> None:
    """DEMOBROKER files for four importers; IMPORTER's statements go to it, SECOND's to OTHERBROKER."""
    register(system)
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id=OTHER_SENDER, bn15="200000008RM0001", name="Other")
        for bn15, name in ((SECOND, "Second"), (IDLE, "Idle"), (UNNAMED, "Unnamed")):
            uow.parties.add_importer(bn15=bn15, name=name, province="ON")
            uow.parties.delegate(bn15, SENDER, receives_statements=False)
        uow.parties.delegate(SECOND, OTHER_SENDER, receives_statements=True)
        uow.commit()


def file_cad(
    system: System, day: dt.date, control: str, importer: str, transaction: str, **kwargs: Any
) -> None:
    """Upload and process a CAD for `importer`, released the day before `day` unless `release=` says."""
    kwargs.setdefault("release", day - dt.timedelta(days=1))
    message = cad_message(transaction=transaction, **kwargs)
    message = [
        segment.replace(IMPORTER, importer) if segment.startswith("NAD+IM") else segment
        for segment in message
    ]
    outcome, responses = upload_and_process(on(system, day), cad_interchange(control, message))
    assert outcome == "accepted", responses


def pay(system: System, day: dt.date, reference: str, cents: int, importer: str = IMPORTER) -> None:
    with system.unit_of_work() as uow:
        uow.journal.post(
            JournalEntry(
                account=importer,
                idempotency_key=f"payment:{reference}",
                kind=EntryKind.PAYMENT,
                business_date=day,
                reference=reference,
                description=f"payment {reference}",
                lines=(
                    JournalLine(ledger_account="CASH", debit_cents=cents),
                    JournalLine(ledger_account=receivable_account(importer), credit_cents=cents),
                ),
            )
        )
        uow.commit()


def run(system: System, day: dt.date) -> BatchReport:
    return run_job(system, JOB, day)


def outbox(system: System, sender_id: str, prefix: str = "dn-") -> dict[str, bytes]:
    """The broker's outbox files whose names start with `prefix`, by name."""
    with system.unit_of_work() as uow:
        names = [entry.name for entry in uow.files.outbox(sender_id) if entry.name.startswith(prefix)]
        return {name: uow.files.outbound_content(sender_id, name) or b"" for name in names}


def notices(system: System) -> list[str]:
    with system.unit_of_work() as uow:
        return sorted(
            uow.connection.execute(select(outbound_file.c.name).where(outbound_file.c.kind == "dn")).scalars()
        )


def valid(content: bytes) -> etree._Element:
    root = etree.fromstring(content, safe_parser())
    assert schema(DAILY_NOTICE_XSD).validate(root), schema(DAILY_NOTICE_XSD).error_log
    return root


def transactions(root: etree._Element, section: str) -> list[dict[str, str]]:
    return [dict(element.attrib) for element in root.findall(f"dn:{section}/dn:transaction", NS)]


@pytest.fixture
def busy_friday(system: System) -> System:
    """Friday 2025-06-20: a CAD each for IMPORTER, SECOND and UNNAMED, and a payment of 100.00 by IMPORTER."""
    register_importers(system)
    file_cad(system, FRIDAY, "000001", IMPORTER, TRANSACTION)
    file_cad(system, FRIDAY, "000002", SECOND, OTHER_TRANSACTION, value="2000.00")
    file_cad(system, FRIDAY, "000003", UNNAMED, THIRD_TRANSACTION)
    pay(system, FRIDAY, "PAY-1", 10000)
    return system


def test_each_importer_with_activity_gets_one_notice_in_its_recipients_outbox(busy_friday: System) -> None:
    report = run(busy_friday, FRIDAY)
    assert report.counts == {"accounts": 3, "postings": 4, "files": 2, "undeliverable": 1}
    assert list(outbox(busy_friday, SENDER)) == [f"dn-{IMPORTER}-20250620.xml"]
    assert list(outbox(busy_friday, OTHER_SENDER)) == [f"dn-{SECOND}-20250620.xml"]
    assert notices(busy_friday) == sorted([f"dn-{IMPORTER}-20250620.xml", f"dn-{SECOND}-20250620.xml"])


def test_a_notice_lists_the_days_postings_by_section_with_due_dates_and_amounts(busy_friday: System) -> None:
    run(busy_friday, FRIDAY)
    root = valid(outbox(busy_friday, SENDER)[f"dn-{IMPORTER}-20250620.xml"])
    assert root.get("account") == IMPORTER and root.get("noticeDate") == "2025-06-20"
    assert (root.get("postedFrom"), root.get("postedThrough")) == ("2025-06-20", "2025-06-20")
    [assessed] = transactions(root, "dueOnStatement")
    assert assessed["kind"] == "assessment" and assessed["reference"] == TRANSACTION
    assert (assessed["dueDate"], assessed["amount"]) == ("2025-07-31", "325.33")  # tests.gateway.cad_files
    [payment] = transactions(root, "paymentsReceived")
    assert (payment["reference"], payment["amount"]) == ("PAY-1", "-100.00")
    assert transactions(root, "ownDueDates") == [] and transactions(root, "refundsIssued") == []
    assert root.get("net") == "225.33"


def test_the_second_importers_notice_carries_its_own_cad_only(busy_friday: System) -> None:
    run(busy_friday, FRIDAY)
    root = valid(outbox(busy_friday, OTHER_SENDER)[f"dn-{SECOND}-20250620.xml"])
    # 2,000.00 USD: VFD 2,722.40, duty 490.03, GST 160.62 (tests.gateway.test_pipeline).
    assert [(t["reference"], t["amount"]) for t in transactions(root, "dueOnStatement")] == [
        (OTHER_TRANSACTION, "650.65")
    ]
    assert root.get("importerName") == "Second" and root.get("net") == "650.65"


def test_a_rerun_queues_nothing_and_a_changed_notice_is_refused(busy_friday: System) -> None:
    run(busy_friday, FRIDAY)
    again = run(busy_friday, FRIDAY)
    assert again.counts == {"accounts": 3, "postings": 4, "unchanged": 2, "undeliverable": 1}
    assert len(outbox(busy_friday, SENDER)) == 1
    pay(busy_friday, FRIDAY, "PAY-LATE", 500)  # what the ledger says for Friday changes after it was sent
    with pytest.raises(IdempotencyConflict, match=f"dn-{IMPORTER}-20250620.xml"):
        run(busy_friday, FRIDAY)


def test_weekend_postings_go_out_with_mondays_notice(system: System) -> None:
    register_importers(system)
    pay(system, dt.date(2025, 6, 21), "SAT", 100)
    pay(system, dt.date(2025, 6, 22), "SUN", 200)
    pay(system, dt.date(2025, 6, 23), "MON", 300)
    assert run(system, dt.date(2025, 6, 21)).counts == {}  # a Saturday has no notice of its own
    assert run(system, dt.date(2025, 6, 23)).counts["files"] == 1
    root = valid(outbox(system, SENDER)[f"dn-{IMPORTER}-20250623.xml"])
    assert (root.get("postedFrom"), root.get("postedThrough")) == ("2025-06-21", "2025-06-23")
    assert [t["reference"] for t in transactions(root, "paymentsReceived")] == ["SAT", "SUN", "MON"]


def test_an_adjustment_under_review_is_reported_but_not_as_posted(system: System) -> None:
    register_importers(system)
    release = dt.date(2025, 6, 19)
    file_cad(system, FRIDAY, "000001", IMPORTER, TRANSACTION, release=release)
    august_5 = dt.date(2025, 8, 5)  # after the 2025-07-31 due date: an adjustment, held for review
    file_cad(
        system,
        august_5,
        "000002",
        IMPORTER,
        TRANSACTION,
        release=release,
        version=2,
        function="5",
        value="800.00",
        reasons=("R2-74-1-TT",),
    )
    assert run(system, august_5).counts == {"accounts": 1, "postings": 0, "files": 1}
    root = valid(outbox(system, SENDER)[f"dn-{IMPORTER}-20250805.xml"])
    [adjustment] = root.findall("dn:underReview/dn:adjustment", NS)
    # 800.00 USD: duty 196.01 + GST 64.25 (tests.gateway.test_pipeline).
    assert dict(adjustment.attrib) == {
        "transactionNumber": TRANSACTION,
        "version": "2",
        "received": "2025-08-05",
        "dueDate": "2025-07-31",
        "assessed": "260.26",
    }
    assert root.get("net") == "0.00"


def test_a_tampered_entry_fails_the_batch_naming_the_account(busy_friday: System) -> None:
    tamper_with_a_line(busy_friday, f"cad:{TRANSACTION}:1")
    with pytest.raises(TamperedEntry, match=f"{IMPORTER}.*altered after posting"):
        run(busy_friday, FRIDAY)
    assert notices(busy_friday) == []


def test_a_day_without_postings_sends_nothing(system: System) -> None:
    register_importers(system)
    assert run(system, FRIDAY).counts == {}


HOLIDAYS = CanadianHolidays()


def test_a_holiday_has_no_notice_and_its_postings_go_with_the_next_business_day() -> None:
    assert notice_days(dt.date(2025, 7, 1), HOLIDAYS) is None  # Canada Day, a Tuesday
    assert notice_days(dt.date(2025, 7, 2), HOLIDAYS) == (dt.date(2025, 7, 1), dt.date(2025, 7, 2))
    assert notice_days(dt.date(2025, 6, 30), HOLIDAYS) == (dt.date(2025, 6, 28), dt.date(2025, 6, 30))


@given(st.dates(min_value=dt.date(2000, 1, 3), max_value=dt.date(2099, 12, 1)))
def test_every_posting_day_falls_in_exactly_one_notice(day: dt.date) -> None:
    holidays = FixedHolidays(days=frozenset({(dt.date(2025, 7, 1), None), (dt.date(2025, 12, 25), None)}))
    windows = [
        found
        for offset in range(0, 15)
        if (found := notice_days(day + dt.timedelta(days=offset), holidays)) is not None
        and found[0] <= day <= found[1]
    ]
    assert len(windows) == 1
    assert is_business_day(windows[0][1], holidays, None)
