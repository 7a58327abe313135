"""What must hold after any crash, and at the end of every fault test (test helper).

After a kill anywhere, each file is either answered — DONE, its responses queued once, its entries posted
once — or untouched and waiting: no response, no entry (DESIGN.md "One file's way through"). At the end
every file is answered exactly once, `carm-gateway ledger verify` (the real console script) is clean, and
the importer's balance is the hand-computed sum of the plan.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from ledger.files import FileStatus
from ledger.schema import inbound_file, journal_entry, outbound_file
from tests.faults.daemons import CONSOLE_SCRIPT
from tests.faults.workload import PlannedFile
from tests.gateway.cad_files import IMPORTER

WAITING = {FileStatus.RECEIVED.value, FileStatus.HELD.value}


@dataclass(frozen=True, slots=True, kw_only=True)
class FileState:
    status: str
    outcome: str | None
    attempts: int
    responses: Counter[str]


def file_states(engine: Engine) -> dict[int, FileState]:
    with engine.connect() as connection:
        responses: dict[int, Counter[str]] = {}
        for row in connection.execute(select(outbound_file.c.inbound_file_id, outbound_file.c.kind)):
            responses.setdefault(row.inbound_file_id, Counter())[row.kind] += 1
        rows = connection.execute(
            select(inbound_file.c.id, inbound_file.c.status, inbound_file.c.outcome, inbound_file.c.attempts)
        )
        return {
            row.id: FileState(
                status=row.status,
                outcome=row.outcome,
                attempts=row.attempts,
                responses=responses.get(row.id, Counter()),
            )
            for row in rows
        }


def journal_keys(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(connection.execute(select(journal_entry.c.idempotency_key)).scalars())


def assert_all_or_nothing(engine: Engine, plan: dict[int, PlannedFile]) -> int:
    """Each file answered in full or untouched, no key posted twice; how many files are answered."""
    states, keys = file_states(engine), journal_keys(engine)
    assert [key for key, count in keys.items() if count > 1] == [], "an entry was posted twice"
    posted: set[str] = set()
    for file_id, planned in plan.items():
        state = states[file_id]
        if state.status == FileStatus.DONE.value:
            assert (state.outcome, state.responses) == (planned.outcome, Counter(planned.responses)), (
                f"file {file_id} ({planned.name}) answered wrongly or more than once: {state}"
            )
            posted |= set(planned.postings)
        else:
            assert state.status in WAITING and not state.responses, f"file {file_id} half answered: {state}"
    assert set(keys) == posted, f"entries without their file, or files without their entries: {keys}"
    return sum(states[file_id].status == FileStatus.DONE.value for file_id in plan)


def assert_answered_exactly_once(engine: Engine, plan: dict[int, PlannedFile]) -> None:
    """Every file DONE with its planned outcome and responses, each once; every planned entry once."""
    assert assert_all_or_nothing(engine, plan) == len(plan), "a file was never answered"
    expected = Counter(key for planned in plan.values() for key in planned.postings)
    assert journal_keys(engine) == expected


def console_script(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`carm-gateway --database-url URL ARGS…`: the real console script, minus our CARM_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARM_")}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "--database-url", database_url, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_ledger_verified_and_balanced(database_url: str, plan: dict[int, PlannedFile], cwd: Path) -> None:
    """`ledger verify` is clean over every planned entry; `ledger balance` is the plan's hand-computed sum."""
    entries = sum(len(planned.postings) for planned in plan.values())
    verify = console_script(database_url, "ledger", "verify", cwd=cwd)
    assert (verify.returncode, verify.stdout.strip(), verify.stderr) == (
        0,
        f"ledger verified: {entries} entries balanced, hash chains intact",
        "",
    )
    balance = console_script(database_url, "ledger", "balance", IMPORTER, "--json", cwd=cwd)
    assert balance.returncode == 0, balance.stderr
    owed = sum(planned.owed_cents for planned in plan.values())
    assert json.loads(balance.stdout)["balance_cents"] == owed
