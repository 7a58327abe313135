"""The operator's commands on both stores: `status`, `queue list|show|retry|replay` and `outbox resend`, on
files processed through the real pipeline (tests/gateway/cad_files.py), and the status document itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from gateway.bootstrap import System, bootstrap
from gateway.cli import cli
from gateway.pipeline import file_processor
from gateway.settings import load_settings
from gateway.sftp.server import SftpService
from gateway.status import gather_status, probe_sftp
from gateway.workers import process_next
from ledger.errors import StoreUnavailable
from ledger.files import raw_of
from ledger.queue import ClaimedFile
from ledger.schema import batch_run, inbound_file, journal_entry, outbound_file
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import Store
from tests.gateway.cad_files import IMPORTER, SENDER, cad_interchange, cad_message, register
from tests.gateway.test_pipeline import JUNE_20, at, balance, upload_and_process

NOT_DELEGATED = "CAD103"  # validators/catalogue.py: Broker or Agent not authorized to submit declaration


@pytest.fixture
def gateway(system: System) -> System:
    """The broker, the importer (delegated) and the reference data, on a clock stopped on 20 June 2025."""
    system = at(system)
    register(system)
    return system


def run(store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, *args])


def receive(system: System, data: bytes) -> int:
    with system.unit_of_work() as uow:
        file_id = uow.files.receive(sender_id=SENDER, filename="cad.edi", raw=data)
        uow.commit()
    return file_id


def process(system: System) -> bool:
    return process_next(system, file_processor(system.clock, system.settings.zone))


def last_file_id(system: System) -> int:
    with system.unit_of_work() as uow:
        return int(uow.connection.execute(select(func.max(inbound_file.c.id))).scalar_one())


def row(system: System, file_id: int) -> Any:
    with system.unit_of_work() as uow:
        return uow.connection.execute(select(inbound_file).where(inbound_file.c.id == file_id)).one()


def raw_bytes(system: System, file_id: int) -> bytes | None:
    with system.unit_of_work() as uow:
        return raw_of(uow.connection, file_id)


def journal_count(system: System) -> int:
    with system.unit_of_work() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(journal_entry)).scalar_one())


def responses_of(system: System, file_id: int) -> dict[str, str]:
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(outbound_file.c.kind, outbound_file.c.content).where(
                outbound_file.c.inbound_file_id == file_id
            )
        )
        return {r.kind: bytes(r.content).decode("latin_1") for r in rows}


def a_syntax_error_file(control: str) -> bytes:
    broken = cad_message("2", transaction="10207003000585")
    broken[-1] = "UNT+99+2"  # the segment count is wrong: CONTRL code 29 on UNT
    return cad_interchange(control, cad_message("1"), broken)


def hold(system: System, file_id: int) -> None:
    """Process the file while the database 'goes away': the worker holds it for a later attempt."""

    def store_gone(uow: SqlAlchemyUnitOfWork, file: ClaimedFile) -> str:
        raise StoreUnavailable("The database went away: server closed the connection unexpectedly.")

    assert process_next(system, store_gone)
    assert row(system, file_id).status == "HELD"


# status


def test_the_status_document_counts_what_the_database_holds(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))  # accepted, 1 CAD
    upload_and_process(gateway, a_syntax_error_file("000002"))  # partial: 1 accepted, 1 rejected
    upload_and_process(gateway, cad_interchange("000003", cad_message(value="2000.00")))  # rejected
    upload_and_process(gateway, cad_interchange("000001", cad_message()))  # duplicate
    later = at(gateway, JUNE_20 + dt.timedelta(hours=1))
    with later.unit_of_work() as uow:  # a large upload still arriving: neither waiting nor the oldest
        uow.files.begin_upload(sender_id=SENDER, filename="big.edi")
        uow.commit()
    answered = receive(later, cad_interchange("000004", cad_message()))
    held = receive(later, cad_interchange("000005", cad_message()))
    assert process(later) and row(later, answered).outcome == "accepted"  # an exact repeat, answered again
    receive(later, cad_interchange("000006", cad_message()))  # waits
    hold(later, held)

    document = gather_status(gateway, now=JUNE_20 + dt.timedelta(hours=1, minutes=30))

    with gateway.unit_of_work() as uow:
        query = select(inbound_file.c.status, func.count()).group_by(inbound_file.c.status)
        in_db = {status.lower(): count for status, count in uow.connection.execute(query)}
    queue = document["queue"]
    assert {state: queue[state] for state in in_db} == in_db
    assert queue == {"uploading": 1, "received": 1, "processing": 0, "held": 1, "done": 5, "waiting": 2}
    assert document["oldest_waiting"]["id"] == held
    assert document["oldest_waiting"]["broker"] == SENDER
    assert document["oldest_waiting"]["age_seconds"] == 30 * 60
    hours = document["throughput"]["hours"]
    assert len(hours) == 24
    assert hours[-1]["start"] == "2025-06-20T17:00:00+00:00"
    assert hours[-2] == {
        "start": "2025-06-20T16:00:00+00:00",
        "files_accepted": 2,
        "files_rejected": 2,
        "cads_accepted": 2,
        "cads_rejected": 2,
    }
    assert hours[-1]["files_accepted"] == 1 and hours[-1]["cads_accepted"] == 1
    assert document["throughput"]["totals"] == {
        "files_accepted": 3,
        "files_rejected": 2,
        "cads_accepted": 3,
        "cads_rejected": 2,
    }
    assert document["database"]["status"] == "up"
    assert document["database"]["backend"] == store.backend
    assert json.loads(json.dumps(document)) == document


def test_files_answered_before_the_24_hour_window_are_not_counted(gateway: System) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    document = gather_status(gateway, now=JUNE_20 + dt.timedelta(hours=24))
    assert document["throughput"]["totals"]["files_accepted"] == 0
    document = gather_status(gateway, now=JUNE_20 + dt.timedelta(hours=23, minutes=59))
    assert document["throughput"]["hours"][0]["files_accepted"] == 1


def test_the_status_shows_each_batchs_last_run_and_next_run(gateway: System) -> None:
    started = dt.datetime(2025, 6, 20, 4, 15, tzinfo=dt.UTC)
    with gateway.unit_of_work() as uow:
        for attempt, status in ((1, "failed"), (2, "succeeded")):
            uow.connection.execute(
                batch_run.insert().values(
                    job="interest",
                    business_date=dt.date(2025, 6, 19),
                    attempt=attempt,
                    status=status,
                    started_at=started,
                    finished_at=started + dt.timedelta(seconds=2.5),
                )
            )
        uow.commit()
    document = gather_status(gateway, now=JUNE_20)
    batches = {batch["job"]: batch for batch in document["batches"]}
    assert set(batches) == {"interest", "daily-notices", "statements", "rpp-review"}
    assert batches["interest"]["last_run"] == {
        "status": "succeeded",
        "business_date": "2025-06-19",
        "attempt": 2,
        "started_at": "2025-06-20T04:15:00+00:00",
        "finished_at": "2025-06-20T04:15:02.500000+00:00",
        "duration_seconds": 2.5,
    }
    # Friday 20 June 2025, 12:00 in Toronto: interest runs tonight at 00:15 EDT for the 20th, the notices
    # on Saturday at 00:30 for Friday, the statements on the 25th.
    assert batches["interest"]["next_run"] == {
        "due_at": "2025-06-21T04:15:00+00:00",
        "business_date": "2025-06-20",
    }
    assert batches["daily-notices"]["next_run"]["business_date"] == "2025-06-20"
    assert batches["statements"]["next_run"] == {
        "due_at": "2025-06-25T04:45:00+00:00",
        "business_date": "2025-06-25",
    }
    assert batches["daily-notices"]["last_run"] is None


def test_a_database_that_is_down_is_reported_not_raised() -> None:
    settings = load_settings(
        environ={},
        overrides={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none", "sftp_port": "0"},
    )
    document = gather_status(bootstrap(settings), now=JUNE_20)
    assert document["status"] == "degraded"
    assert document["database"]["status"] == "down"
    assert "cannot be reached" in document["database"]["error"]
    assert document["queue"] is None and document["throughput"] is None
    assert all(batch["last_run"] is None and batch["next_run"] for batch in document["batches"])


def test_the_sftp_probe_reads_the_servers_ssh_banner(gateway: System) -> None:
    service = SftpService(gateway)
    service.start()
    try:
        probe = probe_sftp("127.0.0.1", service.port)
        on = dataclasses.replace(gateway.settings, sftp_host="0.0.0.0", sftp_port=service.port)
        document = gather_status(dataclasses.replace(gateway, settings=on), now=JUNE_20)
    finally:
        service.stop()
    assert probe.status == "up"
    assert probe.said is not None and probe.said.startswith("SSH-2.0-")
    assert document["sftp"]["status"] == "up" and document["status"] == "ok"
    assert probe_sftp("127.0.0.1", service.port).status == "down"
    assert probe_sftp("127.0.0.1", 0).status == "unknown"


def test_status_prints_the_queue_and_the_batches(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    receive(gateway, cad_interchange("000002", cad_message()))
    result = run(store, "status")
    assert result.exit_code == 0, result.output
    assert "received 1  processing 0  held 0  done 1  waiting 1" in result.output
    assert "oldest    file 2 from DEMOBROKER (cad.edi)" in result.output
    assert "daily-notices" in result.output
    document = json.loads(run(store, "status", "--json").output)
    assert document["queue"]["done"] == 1 and document["oldest_waiting"]["id"] == 2


# queue list and show


def test_queue_list_shows_the_latest_files_filtered_by_state_and_broker(
    gateway: System, store: Store
) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    waiting = receive(gateway, cad_interchange("000002", cad_message()))
    result = run(store, "queue", "list")
    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert header.split() == [
        "id",
        "broker",
        "filename",
        "size",
        "status",
        "outcome",
        "attempts",
        "received",
        "processed",
    ]
    assert [line.split()[0] for line in lines] == [str(waiting), "1"]
    assert lines[1].split()[5:8] == ["DONE", "accepted", "1"]  # size is "451 B"
    files = json.loads(run(store, "queue", "list", "--state", "received", "--json").output)
    assert [file["id"] for file in files] == [waiting]
    assert json.loads(run(store, "queue", "list", "--broker", "NOBODY", "--json").output) == []
    assert len(json.loads(run(store, "queue", "list", "--limit", "1", "--json").output)) == 1


def test_queue_show_tells_why_a_cad_was_rejected_from_its_cusres(system: System, store: Store) -> None:
    system = at(system)
    register(system, delegate=False)
    upload_and_process(system, cad_interchange("000001", cad_message()))
    result = run(store, "queue", "show", "1")
    assert result.exit_code == 0, result.output
    assert "outcome rejected" in result.output
    assert "CADs        accepted 0, rejected 1" in result.output
    assert "cusres-R0000000000001.edi" in result.output and "contrl-C0000000000001.edi" in result.output
    assert "CAD 10207003502332:00001 rejected" in result.output
    assert f"{NOT_DELEGATED}  header: Broker or Agent not authorized to submit declaration" in result.output
    assert "has not delegated its account to DEMOBROKER" in result.output
    document = json.loads(run(store, "queue", "show", "1", "--json").output)
    cusres = next(r for r in document["responses"] if r["kind"] == "cusres")
    assert cusres["findings"][0]["code"] == NOT_DELEGATED
    assert cusres["findings"][0]["transaction"] == "10207003502332:00001"
    assert cusres["findings"][0]["text"].replace(":", "?:") in responses_of(system, 1)["cusres"]  # released
    with system.unit_of_work() as uow:
        ids = uow.connection.execute(select(outbound_file.c.id).where(outbound_file.c.inbound_file_id == 1))
        assert sorted(r["id"] for r in document["responses"]) == sorted(ids.scalars())


def test_queue_show_tells_the_contrl_syntax_codes_and_the_faulty_segment(
    gateway: System, store: Store
) -> None:
    upload_and_process(gateway, a_syntax_error_file("000001"))
    document = json.loads(run(store, "queue", "show", "1", "--json").output)
    contrl = next(r for r in document["responses"] if r["kind"] == "contrl")
    assert contrl["answers"] == ["interchange 000001 acknowledged"]
    assert contrl["findings"] == [
        {
            "code": "29",
            "text": "control count mismatch",
            "pointer": "message 2, segment 20 (UNT+99+2), element 1",
            "transaction": None,
        }
    ]
    assert "UCM+2+CUSDEC:D:16A:UN+4" in responses_of(gateway, 1)["contrl"]
    assert (document["cads_accepted"], document["cads_rejected"]) == (1, 1)


def test_queue_show_of_bytes_that_are_no_interchange_shows_the_rejecting_contrl(
    gateway: System, store: Store
) -> None:
    upload_and_process(gateway, b"MSH|^~\\&|LAB|this is HL7, not EDIFACT\r")
    result = run(store, "queue", "show", "1")
    assert "interchange F1 rejected (code 13: missing)" in result.output


def test_queue_show_of_an_unknown_file_fails_in_one_sentence(gateway: System, store: Store) -> None:
    result = run(store, "queue", "show", "99")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: There is no inbound file 99."


# retry


def test_a_held_file_retried_is_processed_at_once(gateway: System, store: Store) -> None:
    file_id = receive(gateway, cad_interchange("000001", cad_message()))
    hold(gateway, file_id)
    assert row(gateway, file_id).next_attempt_at is not None
    assert not process(gateway), "a held file waits for its retry time"
    result = run(store, "queue", "retry", str(file_id))
    assert result.exit_code == 0, result.output
    assert row(gateway, file_id).next_attempt_at is None
    assert process(gateway)
    assert row(gateway, file_id).outcome == "accepted"
    assert balance(gateway) == 32533


def test_retrying_a_file_that_is_not_held_is_refused(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    result = run(store, "queue", "retry", "1")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: File 1 is DONE, not HELD, so there is nothing to retry."
    assert run(store, "queue", "retry", "7").exit_code == 1


# replay


def test_replaying_an_accepted_file_answers_again_and_posts_nothing_twice(
    gateway: System, store: Store
) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    entries, owed = journal_count(gateway), balance(gateway)
    for _ in range(2):
        result = run(store, "queue", "replay", "1")
        assert result.exit_code == 0, result.output
        replay = last_file_id(gateway)
        assert result.output.strip() == f"file 1 queued again as file {replay}"
        assert row(gateway, replay).replay_of == 1
        original = raw_bytes(gateway, 1)
        assert original and raw_bytes(gateway, replay) == original
        assert process(gateway)
        assert row(gateway, replay).outcome == "accepted"
        assert "BGM+962+10207003502332:00001+9+AP'" in responses_of(gateway, replay)["cusres"]
    assert (journal_count(gateway), balance(gateway)) == (entries, owed) == (1, 32533)
    assert row(gateway, 1).outcome == "accepted" and len(responses_of(gateway, 1)) == 2
    verify = run(store, "ledger", "verify")
    assert verify.exit_code == 0 and "1 entries balanced" in verify.output
    shown = json.loads(run(store, "queue", "show", "1", "--json").output)
    assert shown["replays"] == [2, 3]


def test_a_file_resent_by_the_broker_is_still_a_duplicate_after_a_replay(
    gateway: System, store: Store
) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    run(store, "queue", "replay", "1")
    process(gateway)
    outcome, _ = upload_and_process(gateway, cad_interchange("000001", cad_message()))
    assert outcome == "duplicate"
    run(store, "queue", "replay", str(last_file_id(gateway)))
    process(gateway)
    assert row(gateway, last_file_id(gateway)).outcome == "duplicate"
    assert journal_count(gateway) == 1


def test_replaying_a_rejected_interchange_leaves_another_files_interchange_remembered(
    gateway: System, store: Store
) -> None:
    good = cad_interchange("000001", cad_message())
    outcome, responses = upload_and_process(gateway, good.replace(b"UNZ+1+", b"UNZ+2+"))
    assert outcome == "rejected" and "+4+29'" in responses["contrl"]
    assert upload_and_process(gateway, good)[0] == "accepted"  # the broker fixed it, same reference
    assert run(store, "queue", "replay", "1").exit_code == 0
    assert process(gateway)
    assert row(gateway, last_file_id(gateway)).outcome == "rejected"
    assert upload_and_process(gateway, good)[0] == "duplicate"


def test_replaying_a_replay_is_answered_like_the_original(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    assert run(store, "queue", "replay", "1").exit_code == 0 and process(gateway)
    assert run(store, "queue", "replay", "2").exit_code == 0 and process(gateway)
    assert row(gateway, 3).outcome == "accepted" and row(gateway, 3).replay_of == 2
    assert journal_count(gateway) == 1


def test_of_two_replays_queued_at_once_the_second_is_a_duplicate(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    assert run(store, "queue", "replay", "1").exit_code == 0
    assert run(store, "queue", "replay", "1").exit_code == 0
    assert process(gateway) and process(gateway)
    assert [row(gateway, file_id).outcome for file_id in (2, 3)] == ["accepted", "duplicate"]
    assert journal_count(gateway) == 1


def test_replaying_a_rejected_file_after_the_cause_is_fixed_posts_it_once(
    system: System, store: Store
) -> None:
    system = at(system)
    register(system, delegate=False)
    outcome, _ = upload_and_process(system, cad_interchange("000001", cad_message()))
    assert outcome == "rejected"
    with system.unit_of_work() as uow:
        uow.parties.delegate(IMPORTER, SENDER, receives_statements=True)
        uow.commit()
    for _ in range(2):
        assert run(store, "queue", "replay", "1").exit_code == 0
        assert process(system)
        assert row(system, last_file_id(system)).outcome == "accepted"
    assert balance(system) == 32533 and journal_count(system) == 1
    assert run(store, "ledger", "verify").exit_code == 0


def test_replaying_a_file_not_yet_answered_is_refused(gateway: System, store: Store) -> None:
    receive(gateway, cad_interchange("000001", cad_message()))
    result = run(store, "queue", "replay", "1")
    assert result.exit_code == 1
    assert "File 1 is RECEIVED, not answered yet" in result.output
    assert last_file_id(gateway) == 1
    assert run(store, "queue", "replay", "5").exit_code == 1


# outbox resend


def test_an_outbound_file_the_broker_deleted_is_resent_under_its_name(gateway: System, store: Store) -> None:
    upload_and_process(gateway, cad_interchange("000001", cad_message()))
    name = "cusres-R0000000000001.edi"
    with gateway.unit_of_work() as uow:
        assert uow.files.delete_outbound(SENDER, name)
        outbound_id = uow.connection.execute(
            select(outbound_file.c.id).where(outbound_file.c.name == name)
        ).scalar_one()
        uow.commit()
    shown = run(store, "queue", "show", "1")
    assert f"{outbound_id}         {name}" in shown.output
    result = run(store, "outbox", "resend", str(outbound_id))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{name} is back in {SENDER}'s outbox"
    with gateway.unit_of_work() as uow:
        assert name in [entry.name for entry in uow.files.outbox(SENDER)]
        assert uow.files.outbound_content(SENDER, name) == responses_of(gateway, 1)["cusres"].encode(
            "latin_1"
        )
    again = run(store, "outbox", "resend", str(outbound_id))
    assert again.exit_code == 0 and "is still in" in again.output
    unknown = run(store, "outbox", "resend", "999")
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: There is no outbound file 999."
