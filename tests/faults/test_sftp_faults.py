"""The SFTP side under stress, with the real daemon and the OpenSSH `sftp` client: a full disk under the
temporary upload directory fails one upload cleanly and the daemon serves the next; and 50 sessions upload at
once while a statement batch runs beside the daemon, and every upload is answered.

The full disk is a real one where the test can make it: running as root (as CI does here), a 256 KiB tmpfs is
mounted on the daemon's `<var>/uploads`, so the write of a 1 MiB upload fails with ENOSPC from the kernel
while the database, the logs and everything else of the daemon stay on the real disk. Where mounting is not
allowed, the daemon runs with RLIMIT_FSIZE at 2 MiB and SIGXFSZ ignored instead, so writing a 4 MiB upload
past 2 MiB fails with EFBIG: the same failed write(2) in the same place, for every file the daemon writes
(its SQLite database and log stay far below the limit in this test).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import resource
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench.batches import generate
from gateway.bootstrap import System
from gateway.sftp.filesystem import PART_SIZE
from ledger.files import FileStatus
from ledger.schema import inbound_file, outbound_file
from tests.conftest import Store
from tests.faults.checks import assert_answered_exactly_once, file_states, journal_keys
from tests.faults.daemons import CONSOLE_SCRIPT, Gateway, environment, gateways
from tests.faults.workload import PlannedFile, plan_files
from tests.gateway.cad_files import SENDER, broker_key
from tests.gateway.test_sftp import Gateway as SftpTarget
from tests.gateway.test_sftp import sftp

TIMEOUT = 90.0
TMPFS_SIZE = 256 * 1024
# Under a part (gateway.sftp.filesystem.PART_SIZE): the upload fails while it is all in the temporary file, as
# on the tmpfs, and never reaches the database, which stays far below the limit and keeps working.
FSIZE_LIMIT = PART_SIZE // 2
SESSIONS = 50
BATCH_ACCOUNTS = 6_000


def target(system: System, daemon: Gateway, key: Path) -> SftpTarget:
    port = int(daemon.wait_for("sftp.listening")["port"])
    return SftpTarget(system, port, {SENDER: key})


@contextmanager
def full_disk(uploads: Path) -> Iterator[Callable[[], None] | None]:
    """A 256 KiB tmpfs on `uploads` (None to do in the daemon), or, when it cannot be mounted, the limit on
    file sizes to set in the daemon's process."""
    uploads.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(uploads)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        yield _limit_file_size
        return
    try:
        yield None
    finally:
        subprocess.run(["umount", "--lazy", str(uploads)], check=True)


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))


def uploaded(system: System) -> dict[str, int]:
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(select(inbound_file.c.filename, inbound_file.c.id))
        return {row.filename: row.id for row in rows}


def wait_until_answered(store: Store, count: int, daemon: Gateway) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        states = file_states(store.engine)
        if len(states) == count and all(s.status == FileStatus.DONE.value for s in states.values()):
            return
        assert time.monotonic() < deadline and daemon.process.poll() is None, daemon.stderr()
        time.sleep(0.05)


def test_a_full_upload_disk_fails_that_upload_for_the_client_and_the_daemon_serves_the_next(
    store: Store, registered: System, tmp_path: Path
) -> None:
    key = broker_key(registered, tmp_path)
    (planned,) = plan_files(31, 20)[:1]
    (tmp_path / planned.name).write_bytes(planned.raw)
    with full_disk(tmp_path / "var-a" / "uploads") as limit, gateways(tmp_path, store.url) as started:
        big = tmp_path / "big.edi"
        big.write_bytes(b"UNA:+.? '" + b"X" * (4 * TMPFS_SIZE if limit is None else 2 * FSIZE_LIMIT - 64))
        daemon = started.start("a", preexec_fn=limit)
        sftp_target = target(registered, daemon, key)
        refused = sftp(sftp_target, SENDER, "put big.edi inbox/big.edi\n", cwd=tmp_path)
        assert refused.returncode != 0, refused.stdout
        assert "big.edi" in refused.stderr + refused.stdout
        assert daemon.process.poll() is None, daemon.stderr()  # it lives
        reasons = [e["reason"] for e in daemon.events() if e["event"] == "upload.refused"]
        assert reasons and reasons[0].startswith("the upload could not be buffered"), reasons
        assert "No space left on device" in reasons[0] or "File too large" in reasons[0]
        assert uploaded(registered) == {}  # nothing stored of it
        accepted = sftp(sftp_target, SENDER, f"put {planned.name} inbox/{planned.name}\n", cwd=tmp_path)
        assert accepted.returncode == 0, accepted.stderr
        wait_until_answered(store, 1, daemon)
        listing = sftp(sftp_target, SENDER, "ls -1 outbox\n", cwd=tmp_path)
        assert daemon.stop() == 0, daemon.stderr()
    print(f"\nthe full disk was {'a tmpfs' if limit is None else 'RLIMIT_FSIZE'}: {reasons[0]}")
    assert listing.returncode == 0 and "outbox/contrl-" in listing.stdout, listing  # the broker sees it
    assert_answered_exactly_once(store.engine, {uploaded(registered)[planned.name]: planned})


def upload_all(sftp_target: SftpTarget, files: list[PlannedFile], directory: Path) -> list[int]:
    """Each file in a session of its own, all at once; the clients' exit codes."""
    for planned in files:
        (directory / planned.name).write_bytes(planned.raw)

    def put(planned: PlannedFile) -> int:
        command = f"put {planned.name} inbox/{planned.name}\n"
        return sftp(sftp_target, SENDER, command, cwd=directory).returncode

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(files)) as pool:
        return list(pool.map(put, files))


def statements_batch(url: str, directory: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """`carm-gateway batch run statements --date 2025-07-25`, once it has logged `batch.started`."""
    log = directory / "batch.log"
    command = [
        str(CONSOLE_SCRIPT),
        "--database-url",
        url,
        "batch",
        "run",
        "statements",
        "--date",
        "2025-07-25",
    ]
    with log.open("wb") as out:
        batch = subprocess.Popen(
            command, env=environment(url, directory / "var-batch"), stdout=out, stderr=subprocess.STDOUT
        )
    while b"batch.started" not in log.read_bytes():
        assert batch.poll() is None, log.read_text()
        time.sleep(0.01)
    return batch, log


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def event_time(event: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(event["timestamp"]))


def assert_answered_once_beside_the_batch(engine: Engine, plan: dict[int, PlannedFile]) -> None:
    """Each file answered as planned, each response once, each of its entries posted once (the journal also
    holds the generated month the batch reads)."""
    states, keys = file_states(engine), journal_keys(engine)
    for file_id, planned in plan.items():
        state = states[file_id]
        assert (state.status, state.outcome, state.responses) == (
            FileStatus.DONE.value,
            planned.outcome,
            Counter(planned.responses),
        ), planned.name
        assert all(keys[key] == 1 for key in planned.postings), planned.name


def test_fifty_sessions_upload_at_once_while_a_batch_runs_and_every_upload_is_answered(
    store: Store, registered: System, tmp_path: Path
) -> None:
    key = broker_key(registered, tmp_path)
    generate(registered.engine, BATCH_ACCOUNTS)  # statements of July for 6,000 accounts, beside the daemon
    files = plan_files(50_2025, SESSIONS)
    with gateways(tmp_path, store.url) as started:
        daemon = started.start("a")
        sftp_target = target(registered, daemon, key)
        batch, batch_log = statements_batch(store.url, tmp_path)
        codes = upload_all(sftp_target, files, tmp_path)
        assert batch.wait(timeout=TIMEOUT) == 0, batch_log.read_text()[-2000:]
        wait_until_answered(store, SESSIONS, daemon)
        assert daemon.stop() == 0, daemon.stderr()
    received = [event_time(e) for e in daemon.events() if e["event"] == "file.received"]
    (completed,) = [event_time(e) for e in events(batch_log) if e["event"] == "batch.completed"]
    print(f"\n{SESSIONS} sessions; {sum(t < completed for t in received)} uploads stored while the batch ran")
    assert codes == [0] * SESSIONS
    assert min(received) < completed  # the uploads and the batch overlapped
    ids = uploaded(registered)
    assert_answered_once_beside_the_batch(store.engine, {ids[planned.name]: planned for planned in files})
    with registered.unit_of_work() as uow:
        contrls = uow.connection.execute(
            select(outbound_file.c.inbound_file_id).where(outbound_file.c.kind == "contrl")
        ).scalars()
        soas = uow.connection.execute(
            select(outbound_file.c.name).where(outbound_file.c.kind == "soa")
        ).scalars()
        assert sorted(contrls) == sorted(ids.values())  # a CONTRL in the outbox for each upload
        assert len(list(soas)) == BATCH_ACCOUNTS  # and the batch's statements, each once
