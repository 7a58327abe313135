"""The pipeline on both stores: one file in, CONTRL and CUSRES out, the ledger posted exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt

from click.testing import CliRunner, Result
from sqlalchemy import select

from domain.clock import FixedClock
from gateway.bootstrap import System
from gateway.cli import cli
from gateway.pipeline import file_processor
from gateway.workers import process_next
from ledger.schema import cad_version, inbound_file, journal_entry, outbound_file
from tests.conftest import Store
from tests.gateway.cad_files import (
    IMPORTER,
    SENDER,
    cad_interchange,
    cad_message,
    register,
)

JUNE_20 = dt.datetime(2025, 6, 20, 16, 0, tzinfo=dt.UTC)  # the day after release, before the due date


def at(system: System, instant: dt.datetime = JUNE_20) -> System:
    return dataclasses.replace(system, clock=FixedClock(instant))


def upload_and_process(system: System, data: bytes) -> tuple[str, dict[str, str]]:
    """Store `data` as the broker's upload, run one worker step, and return the outcome and new responses."""
    with system.unit_of_work() as uow:
        file_id = uow.files.receive(sender_id=SENDER, filename="cad.edi", raw=data)
        uow.commit()
    assert process_next(system, file_processor(system.clock, system.settings.zone))
    with system.unit_of_work() as uow:
        outcome = uow.connection.execute(
            select(inbound_file.c.outcome).where(inbound_file.c.id == file_id)
        ).scalar_one()
        rows = uow.connection.execute(
            select(outbound_file.c.kind, outbound_file.c.content).where(
                outbound_file.c.inbound_file_id == file_id
            )
        )
        return outcome, {row.kind: bytes(row.content).decode("latin_1") for row in rows}


def balance(system: System) -> int:
    with system.unit_of_work() as uow:
        return uow.journal.balance(IMPORTER).balance_cents


def test_an_accepted_cad_is_acknowledged_assessed_and_posted(system: System) -> None:
    system = at(system)
    register(system)
    outcome, responses = upload_and_process(system, cad_interchange("000001", cad_message()))
    assert outcome == "accepted"
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+7'" in responses["contrl"]
    cusres = responses["cusres"]
    assert "BGM+962+10207003502332:00001+9+AP'" in cusres
    assert "MOA+161:245.02:CAD'" in cusres and "MOA+161:80.31:CAD'" in cusres
    assert "MOA+128:325.33:CAD'" in cusres
    assert "DTM+265:20250731:102'" in cusres
    assert balance(system) == 32533
    with system.unit_of_work() as uow:
        assert uow.journal.verify() is None


def test_the_same_interchange_twice_is_a_duplicate_answered_by_contrl_alone(system: System) -> None:
    system = at(system)
    register(system)
    upload_and_process(system, cad_interchange("000001", cad_message()))
    outcome, responses = upload_and_process(system, cad_interchange("000001", cad_message()))
    assert outcome == "duplicate"
    assert set(responses) == {"contrl"}
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+8+26'" in responses["contrl"]
    assert balance(system) == 32533


def test_the_same_cad_version_resent_unchanged_is_answered_but_not_posted_again(system: System) -> None:
    system = at(system)
    register(system)
    upload_and_process(system, cad_interchange("000001", cad_message()))
    outcome, responses = upload_and_process(system, cad_interchange("000002", cad_message()))
    assert outcome == "accepted"
    assert "+AP'" in responses["cusres"]
    assert balance(system) == 32533
    with system.unit_of_work() as uow:
        assert uow.journal.count() == 1


def test_the_same_cad_version_with_other_content_is_rejected(system: System) -> None:
    system = at(system)
    register(system)
    upload_and_process(system, cad_interchange("000001", cad_message()))
    outcome, responses = upload_and_process(system, cad_interchange("000002", cad_message(value="2000.00")))
    assert outcome == "rejected"
    assert "+RE'" in responses["cusres"]
    assert "ERC+" in responses["cusres"]
    assert balance(system) == 32533


def test_a_correction_before_the_due_date_posts_only_the_difference(system: System) -> None:
    system = at(system)
    register(system)
    upload_and_process(system, cad_interchange("000001", cad_message()))
    correction = cad_message(version=2, function="5", value="2000.00")
    outcome, responses = upload_and_process(system, cad_interchange("000002", correction))
    assert outcome == "accepted", responses["cusres"]
    assert "BGM+962+10207003502332:00002+9+AP'" in responses["cusres"]
    # 2,000.00 USD: VFD 2,722.40, duty 490.03, GST 160.62, total 650.65; posted now: 650.65 - 325.33.
    assert "MOA+128:325.32:CAD'" in responses["cusres"]
    assert balance(system) == 65065
    with system.unit_of_work() as uow:
        versions = uow.connection.execute(select(cad_version.c.version, cad_version.c.status)).all()
    assert sorted(versions) == [(1, "accepted"), (2, "accepted")]


def test_a_cad_and_its_correction_in_one_file_are_both_posted(system: System) -> None:
    system = at(system)
    register(system)
    data = cad_interchange(
        "000001", cad_message("1"), cad_message("2", version=2, function="5", value="2000.00")
    )
    outcome, responses = upload_and_process(system, data)
    assert outcome == "accepted", responses["cusres"]
    assert balance(system) == 65065


def test_a_test_interchange_is_answered_and_never_posted(system: System) -> None:
    system = at(system)
    register(system)
    outcome, responses = upload_and_process(system, cad_interchange("000001", cad_message(), test=True))
    assert outcome == "accepted"
    assert "+AP'" in responses["cusres"]
    assert balance(system) == 0
    with system.unit_of_work() as uow:
        assert uow.cads.histories(["10207003502332"]) == {}


def test_a_cad_for_an_importer_that_did_not_delegate_to_the_broker_is_rejected(system: System) -> None:
    system = at(system)
    register(system, delegate=False)
    outcome, responses = upload_and_process(system, cad_interchange("000001", cad_message()))
    assert outcome == "rejected"
    assert "Broker or Agent not authorized" in responses["cusres"]
    assert balance(system) == 0


def test_a_message_with_a_syntax_error_is_rejected_alone(system: System) -> None:
    system = at(system)
    register(system)
    broken = cad_message("2", transaction="10207003000585")
    broken[-1] = "UNT+99+2"  # wrong segment count
    outcome, responses = upload_and_process(system, cad_interchange("000001", cad_message("1"), broken))
    assert outcome == "partial"
    assert "UCI+000001+DEMOBROKER:ZZZ+CARM:ZZZ+7'" in responses["contrl"]
    assert "UCM+2+CUSDEC:D:16A:UN+4" in responses["contrl"]
    assert responses["cusres"].count("UNH+") == 1
    assert balance(system) == 32533


def test_bytes_that_are_no_interchange_at_all_get_a_rejecting_contrl(system: System) -> None:
    system = at(system)
    register(system)
    outcome, responses = upload_and_process(system, b"MSH|^~\\&|LAB|this is HL7, not EDIFACT\r")
    assert outcome == "rejected"
    assert "+4+" in responses["contrl"]
    assert set(responses) == {"contrl"}


def test_a_contrl_sent_to_the_gateway_is_never_answered(system: System) -> None:
    system = at(system)
    register(system)
    contrl = (
        b"UNB+UNOC:3+DEMOBROKER:ZZZ+CARM:ZZZ+250620:1200+000009'"
        b"UNH+1+CONTRL:D:3:UN'UCI+R0000000000001+CARM:ZZZ+DEMOBROKER:ZZZ+7'UNT+3+1'UNZ+1+000009'"
    )
    outcome, responses = upload_and_process(system, contrl)
    assert outcome == "ignored"
    assert responses == {}


AUGUST_5 = dt.datetime(2025, 8, 5, 16, 0, tzinfo=dt.UTC)  # after the 2025-07-31 due date of the original


def adjust(system: System) -> dict[str, str]:
    upload_and_process(at(system), cad_interchange("000001", cad_message()))
    adjustment = cad_message(version=2, function="5", value="800.00", reasons=("R2-74-1-TT",))
    outcome, responses = upload_and_process(at(system, AUGUST_5), cad_interchange("000002", adjustment))
    assert outcome == "accepted", responses["cusres"]
    return responses


def run_cli(system: System, store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, "--today", "2025-08-06", *args])


def test_an_adjustment_after_the_due_date_is_under_review_and_posted_only_when_approved(
    system: System, store: Store
) -> None:
    register(system)
    responses = adjust(system)
    assert "BGM+962+10207003502332:00002+9+CA'" in responses["cusres"]
    assert balance(system) == 32533  # nothing posted yet
    result = run_cli(system, store, "adjustment", "approve", "10207003502332", "2")
    assert result.exit_code == 0, result.output
    # 800.00 USD: VFD 1,088.96, duty 196.01, GST 64.25, total 260.26: a refund of 65.07.
    assert "-65.07 CAD posted" in result.output
    assert balance(system) == 26026
    again = run_cli(system, store, "adjustment", "approve", "10207003502332", "2")
    assert again.exit_code == 2
    assert "is accepted, not under review" in again.output


def test_a_rejected_adjustment_posts_nothing_and_its_version_number_stays_used(
    system: System, store: Store
) -> None:
    register(system)
    adjust(system)
    result = run_cli(system, store, "adjustment", "reject", "10207003502332", "2")
    assert result.exit_code == 0, result.output
    assert balance(system) == 32533
    third = cad_message(version=3, function="5", value="900.00", reasons=("R2-74-1-TT",))
    outcome, responses = upload_and_process(at(system, AUGUST_5), cad_interchange("000003", third))
    assert outcome == "accepted", responses["cusres"]
    assert "BGM+962+10207003502332:00003+9+CA'" in responses["cusres"]


def test_a_late_cad_over_3300_draws_the_c288_penalty_when_the_setting_asks_for_it(system: System) -> None:
    """Released Monday 2025-06-02, due 5 business days later (2025-06-09), received 2025-06-20: late.
    3,000.00 USD shipped 2025-05-30 at 1.3758 is a VFD of 4,127.40, over $3,300: $100 is posted besides."""
    system = at(system)
    system = dataclasses.replace(
        system, settings=dataclasses.replace(system.settings, gateway_late_accounting_penalty=True)
    )
    register(system)
    late = cad_message(value="3000.00", release=dt.date(2025, 6, 2), shipped=dt.date(2025, 5, 30))
    with system.unit_of_work() as uow:
        file_id = uow.files.receive(sender_id=SENDER, filename="cad.edi", raw=cad_interchange("000001", late))
        uow.commit()
    assert process_next(system, file_processor(system.clock, system.settings.zone, system.late_penalty))
    with system.unit_of_work() as uow:
        kinds = (
            uow.connection.execute(select(journal_entry.c.kind).order_by(journal_entry.c.seq)).scalars().all()
        )
        assert uow.files.outbox(SENDER)
    assert kinds == ["assessment", "penalty"]
    # VFD 4,127.40; duty 18 % = 742.93; GST 5 % of 4,870.33 = 243.52; total 986.45, plus the $100 penalty.
    assert balance(system) == 98645 + 10000
    assert file_id


def test_without_the_setting_a_late_cad_draws_no_penalty(system: System) -> None:
    system = at(system)
    register(system)
    late = cad_message(value="3000.00", release=dt.date(2025, 6, 2), shipped=dt.date(2025, 5, 30))
    upload_and_process(system, cad_interchange("000001", late))
    assert balance(system) == 98645
