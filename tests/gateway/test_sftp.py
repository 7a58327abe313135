"""The SFTP server, driven by the OpenSSH `sftp` client (and paramiko where a client must misbehave)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from sqlalchemy import func, select

from bench.openssh import sftp_batch
from domain.clock import FixedClock
from gateway.bootstrap import System
from gateway.keys import read_public_key
from gateway.sftp.filesystem import PART_SIZE
from gateway.sftp.server import SftpService
from ledger.files import FileStatus, raw_of
from ledger.schema import inbound_file, inbound_part, outbound_file
from tests.conftest import FIXED_NOW

BROKERS = {"BROKERA": "ed25519", "BROKERB": "ecdsa", "BROKERC": "rsa"}


@dataclasses.dataclass(frozen=True)
class Gateway:
    system: System
    port: int
    keys: dict[str, Path]


def make_key(directory: Path, name: str, kind: str) -> Path:
    path = directory / name
    extra = ["-b", "3072"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-f", str(path)], check=True)
    return path


def register(system: System, keys: dict[str, Path]) -> None:
    with system.unit_of_work() as uow:
        for number, (sender, key) in enumerate(keys.items(), start=1):
            uow.parties.add_broker(sender_id=sender, bn15=f"100000009RM000{number}", name=sender)
            public = read_public_key(key.with_suffix(".pub"))
            uow.parties.add_key(
                sender,
                key_type=public.key_type,
                key_data=public.key_data,
                fingerprint=public.fingerprint,
                comment="",
            )
        uow.commit()


def start(system: System, **settings: object) -> SftpService:
    service = SftpService(
        dataclasses.replace(system, settings=dataclasses.replace(system.settings, **settings))
    )
    service.start()
    return service


@pytest.fixture
def gateway(system: System, tmp_path: Path) -> Iterator[Gateway]:
    keys = {sender: make_key(tmp_path, sender.lower(), kind) for sender, kind in BROKERS.items()}
    register(system, keys)
    service = start(system)
    yield Gateway(system, service.port, keys)
    service.stop()


def sftp(
    gateway: Gateway, user: str, commands: str, *, key: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return sftp_batch(port=gateway.port, user=user, key=key or gateway.keys[user], commands=commands, cwd=cwd)


def inbound(system: System) -> list[tuple[str, bytes, str]]:
    """Every inbound file: (name, bytes, sha256), oldest first."""
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(inbound_file.c.id, inbound_file.c.filename, inbound_file.c.sha256).order_by(
                inbound_file.c.id
            )
        ).all()
        return [(row.filename, raw_of(uow.connection, row.id) or b"", row.sha256) for row in rows]


def send(system: System, sender: str, name: str, content: bytes) -> None:
    with system.unit_of_work() as uow:
        broker = uow.parties.broker(sender)
        uow.files.send(broker_id=broker.id, name=name, kind="contrl", content=content, inbound_file_id=None)
        uow.commit()


def test_an_upload_is_stored_byte_for_byte_when_the_client_closes_it(
    gateway: Gateway, tmp_path: Path
) -> None:
    payload = b"UNB+UNOC:3+BROKERA:ZZZ+CARM:ZZZ+261120:1200+1++CAD'\r\n" * 500
    (tmp_path / "cad.edi").write_bytes(payload)
    result = sftp(gateway, "BROKERA", "put cad.edi inbox/cad.edi\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert inbound(gateway.system) == [("cad.edi", payload, hashlib.sha256(payload).hexdigest())]


def test_every_key_type_logs_in(gateway: Gateway, tmp_path: Path) -> None:
    (tmp_path / "f.edi").write_bytes(b"x")
    for sender in BROKERS:
        result = sftp(gateway, sender, "put f.edi inbox/f.edi\n", cwd=tmp_path)
        assert result.returncode == 0, (sender, result.stderr)
    assert len(inbound(gateway.system)) == 3


def test_an_upload_under_a_temporary_name_can_be_renamed(gateway: Gateway, tmp_path: Path) -> None:
    (tmp_path / "cad.edi").write_bytes(b"data")
    result = sftp(
        gateway,
        "BROKERA",
        "put cad.edi inbox/cad.edi.part\nrename inbox/cad.edi.part inbox/cad.edi\n",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert [name for name, _, _ in inbound(gateway.system)] == ["cad.edi"]


def test_a_broker_lists_reads_and_deletes_its_outbox(gateway: Gateway, tmp_path: Path) -> None:
    send(gateway.system, "BROKERA", "contrl-000001.edi", b"UNB+UNOC:3+CARM'")
    result = sftp(
        gateway,
        "BROKERA",
        "ls outbox\nget outbox/contrl-000001.edi got.edi\nrm outbox/contrl-000001.edi\n",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "contrl-000001.edi" in result.stdout
    assert (tmp_path / "got.edi").read_bytes() == b"UNB+UNOC:3+CARM'"
    with gateway.system.unit_of_work() as uow:
        assert uow.files.outbox("BROKERA") == []
        deleted = uow.connection.execute(select(outbound_file.c.deleted_at)).scalar_one()
    assert deleted is not None


@pytest.mark.parametrize(
    "command",
    [
        "get outbox/secret.edi",
        "get ../BROKERB/outbox/secret.edi",
        "get /../outbox/secret.edi",
        "get inbox/../../etc/passwd",
        "get /etc/passwd",
        "ls /etc",
        "rm outbox/secret.edi",
        "rm inbox/../outbox/secret.edi",
        "mkdir inbox/sub",
        "symlink /etc/passwd inbox/link",
        "put /etc/hostname ../escape.edi",
        "put /etc/hostname outbox/forged.edi",
        "rename inbox/x outbox/secret.edi",
    ],
)
def test_a_broker_cannot_reach_anything_of_another_broker(
    gateway: Gateway, tmp_path: Path, command: str
) -> None:
    send(gateway.system, "BROKERB", "secret.edi", b"B's response")
    result = sftp(gateway, "BROKERA", command + "\n", cwd=tmp_path)
    assert result.returncode != 0
    assert not (tmp_path / "secret.edi").exists()
    with gateway.system.unit_of_work() as uow:
        assert [entry.name for entry in uow.files.outbox("BROKERB")] == ["secret.edi"]
        assert uow.files.outbox("BROKERA") == []
    assert inbound(gateway.system) == []


def test_a_wrong_key_and_an_unknown_user_are_refused(gateway: Gateway, tmp_path: Path) -> None:
    assert sftp(gateway, "BROKERA", "ls\n", key=gateway.keys["BROKERB"]).returncode != 0
    assert sftp(gateway, "NOBODY", "ls\n", key=gateway.keys["BROKERA"]).returncode != 0


def test_repeated_failed_logins_from_one_address_are_throttled(system: System, tmp_path: Path) -> None:
    keys = {"BROKERA": make_key(tmp_path, "a", "ed25519"), "BROKERB": make_key(tmp_path, "b", "ed25519")}
    register(system, keys)
    service = start(system, sftp_max_failed_logins=2)
    gateway = Gateway(system, service.port, keys)
    try:
        for _ in range(2):
            assert sftp(gateway, "BROKERA", "ls\n", key=keys["BROKERB"]).returncode != 0
        assert sftp(gateway, "BROKERA", "ls\n").returncode != 0  # the right key, but the address is throttled
    finally:
        service.stop()


def paramiko_client(gateway: Gateway, sender: str) -> tuple[paramiko.Transport, paramiko.SFTPClient]:
    transport = paramiko.Transport(("127.0.0.1", gateway.port))
    transport.connect(
        username=sender, pkey=paramiko.Ed25519Key.from_private_key_file(str(gateway.keys[sender]))
    )
    return transport, paramiko.SFTPClient.from_transport(transport)


def test_a_dropped_connection_stores_nothing(gateway: Gateway) -> None:
    transport, client = paramiko_client(gateway, "BROKERA")
    handle = client.open("inbox/partial.edi", "wb")
    handle.write(b"UNB+UNOC:3+half")
    handle.flush()
    transport.close()  # the client vanishes without CLOSE
    time.sleep(0.5)
    assert inbound(gateway.system) == []


def test_the_host_key_is_kept_across_restarts(system: System) -> None:
    first = start(system)
    first.stop()
    key_file = system.settings.gateway_var_dir / "ssh_host_ed25519_key"
    before = key_file.read_bytes()
    second = start(system)
    second.stop()
    assert key_file.read_bytes() == before


def test_an_idle_session_is_closed(system: System, tmp_path: Path) -> None:
    keys = {"BROKERA": make_key(tmp_path, "a", "ed25519")}
    register(system, keys)
    service = start(system, sftp_idle_timeout=1.0)
    try:
        transport, client = paramiko_client(Gateway(system, service.port, keys), "BROKERA")
        assert client.listdir("/") == ["inbox", "outbox"]
        deadline = time.monotonic() + 10
        while transport.is_active() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not transport.is_active()
    finally:
        service.stop()


def test_stopping_the_server_lets_an_upload_in_flight_finish(system: System, tmp_path: Path) -> None:
    keys = {"BROKERA": make_key(tmp_path, "a", "ed25519")}
    register(system, keys)
    service = start(system)
    transport, client = paramiko_client(Gateway(system, service.port, keys), "BROKERA")
    handle = client.open("inbox/late.edi", "wb")
    handle.write(b"first half ")
    handle.flush()
    stopper = threading.Thread(target=service.stop)
    stopper.start()
    time.sleep(0.5)
    assert stopper.is_alive()  # waiting for the upload
    handle.write(b"second half")
    handle.close()
    stopper.join(timeout=10)
    transport.close()
    assert not stopper.is_alive()
    assert [(name, raw) for name, raw, _ in inbound(system)] == [("late.edi", b"first half second half")]


# large uploads, stored in parts while they arrive


def stored_parts(system: System) -> list[tuple[int, int, int]]:
    """Every stored part: (file id, seq, size)."""
    with system.unit_of_work() as uow:
        query = select(inbound_part.c.file_id, inbound_part.c.seq, func.length(inbound_part.c.data))
        return [tuple(row) for row in uow.connection.execute(query.order_by("file_id", "seq"))]


def large_payload(size: int) -> bytes:
    return hashlib.shake_256(b"carm").digest(size)  # not repetitive: a part out of place would show


def test_a_large_upload_is_stored_in_parts_byte_for_byte(gateway: Gateway, tmp_path: Path) -> None:
    payload = large_payload(10 * 2**20 + 12345)
    (tmp_path / "big.edi").write_bytes(payload)
    result = sftp(gateway, "BROKERA", "put big.edi inbox/big.edi\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert inbound(gateway.system) == [("big.edi", payload, hashlib.sha256(payload).hexdigest())]
    parts = [(seq, size) for _, seq, size in stored_parts(gateway.system)]
    assert parts == [(0, PART_SIZE), (1, PART_SIZE), (2, len(payload) - 2 * PART_SIZE)]
    with gateway.system.unit_of_work() as uow:
        row = uow.connection.execute(select(inbound_file.c.status, inbound_file.c.size)).one()
    assert tuple(row) == (FileStatus.RECEIVED.value, len(payload))


def test_a_connection_dropped_in_the_middle_of_a_large_upload_leaves_no_file_and_no_part(
    gateway: Gateway,
) -> None:
    transport, client = paramiko_client(gateway, "BROKERA")
    handle = client.open("inbox/big.edi", "wb")
    handle.set_pipelined(True)
    handle.write(large_payload(2 * PART_SIZE + 1000))
    handle.flush()
    deadline = time.monotonic() + 30
    while len(stored_parts(gateway.system)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(stored_parts(gateway.system)) == 2  # two parts stored while the file was still arriving
    transport.close()  # the client vanishes without CLOSE
    deadline = time.monotonic() + 10
    while (inbound(gateway.system) or stored_parts(gateway.system)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbound(gateway.system) == []
    assert stored_parts(gateway.system) == []


@pytest.mark.parametrize(
    ("cap", "size"), [(1000, 5000), (2 * PART_SIZE + 100, 3 * PART_SIZE)], ids=["small", "in-parts"]
)
def test_an_upload_over_the_size_cap_fails_and_leaves_no_file_and_no_part(
    system: System, tmp_path: Path, cap: int, size: int
) -> None:
    keys = {"BROKERA": make_key(tmp_path, "a", "ed25519")}
    register(system, keys)
    service = start(system, sftp_max_file_size=cap)
    try:
        (tmp_path / "big.edi").write_bytes(large_payload(size))
        result = sftp(
            Gateway(system, service.port, keys), "BROKERA", "put big.edi inbox/big.edi\n", cwd=tmp_path
        )
    finally:
        service.stop()
    assert result.returncode != 0
    assert inbound(system) == []
    assert stored_parts(system) == []


def test_starting_the_service_abandons_stale_uploads_and_keeps_recent_ones(system: System) -> None:
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="A")
        uow.commit()
    began = {}
    for name, age in (("stale.edi", dt.timedelta(hours=2)), ("recent.edi", dt.timedelta(minutes=5))):
        earlier = dataclasses.replace(system, clock=FixedClock(FIXED_NOW - age))
        with earlier.unit_of_work(immediate=True) as uow:
            began[name] = uow.files.begin_upload(sender_id="BROKERA", filename=name)
            assert uow.files.append_part(began[name], 0, b"part")
            uow.commit()
    service = start(system, sftp_idle_timeout=300.0)  # twice that is under the floor of the cutoff, an hour
    service.stop()
    assert service.stale_upload_cutoff == dt.timedelta(hours=1)
    assert [file_id for file_id, _, _ in stored_parts(system)] == [began["recent.edi"]]
    with system.unit_of_work() as uow:
        rows = uow.connection.execute(select(inbound_file.c.id, inbound_file.c.status)).all()
    assert [tuple(row) for row in rows] == [(began["recent.edi"], FileStatus.UPLOADING.value)]
