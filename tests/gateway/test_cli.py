"""The command line through click's runner, on both stores, and end to end through the console script."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result

from gateway.bootstrap import System
from gateway.cli import cli
from gateway.demo import DEMO_SENDER, load_demo_data
from tests.builders import assessment, tamper_with_a_line
from tests.conftest import REPO, Store

CONSOLE_SCRIPT = Path(sys.executable).parent / "carm-gateway"


def run(store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", store.url, *args], catch_exceptions=False)


def register(store: Store, tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "key")], check=True)
    for args in (
        ["broker", "add", "BROKERA", "--bn15", "100000009RM0001", "--name", "Broker A"],
        ["broker", "key-add", "BROKERA", str(tmp_path / "key.pub")],
        ["importer", "add", "123456782RM0001", "--name", "Importer", "--province", "on"],
        ["delegate", "123456782RM0001", "BROKERA", "--statements"],
    ):
        result = run(store, *args)
        assert result.exit_code == 0, result.output


def test_operators_register_a_broker_its_key_an_importer_and_a_delegation(
    store: Store, tmp_path: Path
) -> None:
    register(store, tmp_path)
    result = run(store, "ledger", "balance", "123456782RM0001", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"account": "123456782RM0001", "balance_cents": 0, "due": []}


def test_an_importer_that_is_not_an_rm_account_is_refused_in_one_sentence(store: Store) -> None:
    result = CliRunner().invoke(
        cli, ["--database-url", store.url, "importer", "add", "123456782RT0001", "--name", "x"]
    )
    assert result.exit_code == 1
    assert "RM" in result.output
    assert "Traceback" not in result.output


def test_a_key_file_that_is_not_a_public_key_is_a_usage_error(store: Store, tmp_path: Path) -> None:
    run(store, "broker", "add", "BROKERA", "--bn15", "100000009RM0001", "--name", "A")
    (tmp_path / "junk.pub").write_text("not a key\n")
    result = CliRunner().invoke(
        cli, ["--database-url", store.url, "broker", "key-add", "BROKERA", str(tmp_path / "junk.pub")]
    )
    assert result.exit_code == 2
    assert "not an OpenSSH public key" in result.output


def test_ledger_balance_reports_what_is_due(system_with_entries: Store) -> None:
    result = run(system_with_entries, "ledger", "balance", "123456782RM0001", "--json")
    assert json.loads(result.output) == {
        "account": "123456782RM0001",
        "balance_cents": 55,
        "due": [{"due_date": "2026-12-14", "amount_cents": 55}],
    }


def test_ledger_verify_is_clean_then_names_an_entry_altered_by_hand(system: System, store: Store) -> None:
    run(store, "importer", "add", "123456782RM0001", "--name", "Importer")
    with system.unit_of_work() as uow:
        uow.journal.post(assessment("T1:1", 100, 5))
        uow.journal.post(assessment("T2:1", 200, 10))
        uow.commit()
    clean = run(store, "ledger", "verify")
    assert clean.exit_code == 0
    assert "2 entries balanced" in clean.output
    entry_id = tamper_with_a_line(system, "T2:1")
    broken = CliRunner().invoke(cli, ["--database-url", store.url, "ledger", "verify"])
    assert broken.exit_code == 1
    assert f"journal entry {entry_id} " in broken.output
    assert "altered" in broken.output


def test_a_bad_setting_stops_the_console_script_with_one_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "db", "upgrade"],
        env={**os.environ, "CARM_SFTP_PORT": "70000"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: Setting 'sftp.port' (CARM_SFTP_PORT) must be from 0 to 65535, got '70000'."
    )


def test_the_demo_starts_logs_json_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "run_gateway.py"), "demo"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CARM_SFTP_PORT": "0", "CARM_HTTP_PORT": "0"},
    )
    assert process.stdout is not None
    events = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        events.append(json.loads(line))
        if events[-1]["event"] == "daemon.started":
            break
    process.send_signal(signal.SIGTERM)
    remaining, errors = process.communicate(timeout=60)
    events += [json.loads(line) for line in remaining.splitlines()]
    assert process.returncode == 0, errors
    assert [e["event"] for e in events if e["event"].startswith(("demo.", "daemon."))][-1] == "daemon.stopped"
    assert (tmp_path / "var" / "carm.db").exists()
    assert (tmp_path / "var" / "demo" / "demo_broker_ed25519.pub").exists()


def test_the_demo_data_loads_once_and_a_second_load_changes_nothing(system: System) -> None:
    for _ in range(2):
        with system.unit_of_work() as uow:
            load_demo_data(uow, system.settings.gateway_var_dir)
            uow.commit()
    with system.unit_of_work() as uow:
        assert uow.reference.last_sequence() == 1
        assert uow.parties.keys_of(DEMO_SENDER)
        assert uow.reference.exchange_rate("USD", dt.date(2025, 6, 12)) == Decimal("1.3612")
        assert [d.sender_id for d in uow.parties.delegations_of("123456782RM0001")] == [DEMO_SENDER]
