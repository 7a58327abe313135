"""SFTP upload benchmark: the gateway's SFTP server against OpenSSH's sshd + sftp-server (bench tooling).

Both servers run on loopback in the same run and are driven by the same client, OpenSSH's `sftp` in batch
mode (`-b`), with the client's default algorithms (each server negotiates its own best). The gateway runs
in-process (`gateway.sftp.server.SftpService`, the daemon's service, on a fresh store) with one registered
broker account and key per session; OpenSSH runs as `sshd -f CONFIG -D -e` (as the current user) on a free
high port with its own host key and config in a temporary folder, key authentication only and the
`sftp-server` subsystem, writing to that folder.

Two workloads, each the median of several runs:
- one 50 MB file uploaded in one session (random bytes; the gateway stores it in its database on close, so
  its limit is raised for the benchmark from the default 16 MiB);
- 100 concurrent broker sessions each uploading 20 small files (CAD interchanges of a few kB): wall time,
  files per second, failures (a session whose `sftp` exits non-zero, or a file missing afterwards).

    .venv/bin/python bench/sftp.py               # print the table
    .venv/bin/python bench/sftp.py --write       # also record it in docs/BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from bench.machine import machine  # noqa: E402
from bench.national_day import national_day  # noqa: E402
from bench.openssh import sftp_batch  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from gateway.bootstrap import System, bootstrap  # noqa: E402
from gateway.keys import read_public_key  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from gateway.settings import load_settings  # noqa: E402
from gateway.sftp.server import SftpService  # noqa: E402
from ledger.database import upgrade  # noqa: E402
from ledger.schema import inbound_file  # noqa: E402

MB = 1_000_000
SSHD = Path("/usr/sbin/sshd")
SFTP_SERVER = Path("/usr/lib/openssh/sftp-server")
NOW = dt.datetime(2025, 6, 20, 18, 30, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """One server to upload to: how to name the user and the remote folder of an upload."""

    name: str
    port: int
    user: Callable[[int], str]  # session number -> login
    folder: str  # remote folder uploads go to
    count: Callable[[], int]  # files stored so far
    reset: Callable[[], None]


def make_keys(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)

    def one(number: int) -> Path:
        path = folder / f"broker{number:03d}"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        return path

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def sender(number: int) -> str:
    return f"BRK{number:04d}"


# -------------------------------------------------------------------------------------------- gateway


def start_gateway(folder: Path, keys: list[Path], database_url: str | None) -> tuple[SftpService, Target]:
    url = database_url or f"sqlite:///{folder / 'gateway.db'}"
    settings = load_settings(
        environ={},
        overrides={
            "database_url": url,
            "gateway_var_dir": str(folder / "var"),
            "sftp_port": "0",
            "sftp_host": "127.0.0.1",
            "sftp_max_file_size": str(64 * 1024 * 1024),
        },
    )
    configure_logging(level="WARNING")  # the daemon logs every upload; here only problems
    system = bootstrap(settings, clock=FixedClock(NOW))
    upgrade(system.engine)
    with system.unit_of_work() as uow:
        for number, key in enumerate(keys):
            uow.parties.add_broker(sender_id=sender(number), bn15=f"{100000000 + number:09d}RM0001", name="B")
            public = read_public_key(key.with_suffix(".pub"))
            uow.parties.add_key(
                sender(number),
                key_type=public.key_type,
                key_data=public.key_data,
                fingerprint=public.fingerprint,
                comment="",
            )
        uow.commit()
    service = SftpService(system)
    service.start()
    return service, Target(
        name="carm-gateway (paramiko)",
        port=service.port,
        user=sender,
        folder="inbox",
        count=lambda: _stored(system),
        reset=lambda: None,
    )


def _stored(system: System) -> int:
    with system.unit_of_work() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(inbound_file)).scalar_one())


# -------------------------------------------------------------------------------------------- OpenSSH


def start_openssh(folder: Path, keys: list[Path]) -> tuple[subprocess.Popen[bytes], Target]:
    if not SSHD.exists():
        raise SystemExit("OpenSSH's sshd is not installed: apt-get install openssh-server.")
    home = folder / "openssh"
    uploads = home / "uploads"
    uploads.mkdir(parents=True)
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
    host_key = home / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    authorized = home / "authorized_keys"
    authorized.write_text("".join(key.with_suffix(".pub").read_text() for key in keys))
    port = _free_port()
    config = home / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {home / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        f"MaxStartups 200:30:400\nMaxSessions 200\nLogLevel ERROR\nSubsystem sftp {SFTP_SERVER}\n"
    )
    process = subprocess.Popen([str(SSHD), "-f", str(config), "-D", "-e"], stderr=subprocess.DEVNULL)
    _wait_for_port(port)
    user = (
        os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    )

    def reset() -> None:
        shutil.rmtree(uploads)
        uploads.mkdir()

    return process, Target(
        name="OpenSSH sshd + sftp-server",
        port=port,
        user=lambda _number: user,
        folder=str(uploads),
        count=lambda: sum(1 for _ in uploads.iterdir()),
        reset=reset,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"sshd did not listen on port {port}")


# -------------------------------------------------------------------------------------------- client


def upload(target: Target, number: int, key: Path, files: list[Path], tag: str) -> bool:
    """One `sftp -b` session putting `files` into the target's folder; True when it exited 0."""
    batch = "".join(f"put {path} {target.folder}/{tag}-{number}-{path.name}\n" for path in files)
    result = sftp_batch(port=target.port, user=target.user(number), key=key, commands=batch, timeout=600)
    return result.returncode == 0


def algorithms(target: Target, key: Path) -> str:
    """The key exchange and client-to-server cipher the client negotiates with the target."""
    result = sftp_batch(port=target.port, user=target.user(0), key=key, commands="pwd\n", verbose=True)
    found = {}
    for line in result.stderr.splitlines():
        if "kex: algorithm:" in line:
            found["kex"] = line.split("kex: algorithm:")[1].strip()
        elif "kex: client->server cipher:" in line:
            found["cipher"] = line.split("cipher:")[1].split()[0]
    return f"{found.get('kex', '?')}, {found.get('cipher', '?')}"


def single_stream(target: Target, key: Path, big: Path, runs: int) -> dict[str, float]:
    """The median wall time of uploading `big` in one session, and of a session that uploads nothing."""
    empty = []
    for _ in range(runs):
        start = time.perf_counter()
        upload(target, 0, key, [], "empty")
        empty.append(time.perf_counter() - start)
    timings, failures = [], 0
    for run in range(runs):
        target.reset()
        start = time.perf_counter()
        ok = upload(target, 0, key, [big], f"big{run}")
        timings.append(time.perf_counter() - start)
        failures += not ok
    return {"seconds": statistics.median(timings), "failures": failures, "setup": statistics.median(empty)}


def concurrent(target: Target, keys: list[Path], small: list[Path], runs: int) -> dict[str, float]:
    timings, failures, missing = [], 0, 0
    for run in range(runs):
        target.reset()
        before = target.count()
        start = time.perf_counter()
        with ThreadPoolExecutor(len(keys)) as pool:
            sessions = [(target, n, keys[n], small, f"r{run}") for n in range(len(keys))]
            results = list(pool.map(lambda session: upload(*session), sessions))
        timings.append(time.perf_counter() - start)
        failures += results.count(False)
        missing += len(keys) * len(small) - (target.count() - before)
    return {"seconds": statistics.median(timings), "failures": failures, "missing": missing}


# -------------------------------------------------------------------------------------------- report


def _versions() -> str:
    import paramiko

    openssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip().split(",")[0]
    return f"{openssh}, paramiko {paramiko.__version__}"


TARGET = 0.8  # issue 8: single stream at least 80 % of OpenSSH's

NOTES = """\
Uploads over loopback with OpenSSH's `sftp` client in batch mode (`-b`), the same client and default
algorithms against both servers: the gateway's SFTP service (paramiko, in-process, storing an upload in its
database while it arrives, in 4 MiB parts, and acknowledging the client's close once the rest is stored) and
OpenSSH's `sshd` + `sftp-server` (writing to a local folder), started side by side by the benchmark. Times
are the client's wall time, SSH handshake and key authentication included: the target compares that figure,
the time a broker's software waits for its file to be taken; the figure net of each server's session setup
is given beside it. Concurrent: 100 sessions at once, each its own broker account and key, each putting 20
small CAD files; a failure is a session whose `sftp` exits non-zero or a file not stored.

Where the gateway's time goes on a 50 MB upload: storing the whole file when the client closed it (read
back, SHA-256, one INSERT) took 0.25-0.4 s of each upload until the parts were stored while the upload
arrives (gateway/sftp/filesystem.py `PartWriter`, migration 0003); the close now stores the last part only,
about 0.1 s. The rest is paced by paramiko's (Python) packet handling: the cipher makes no difference
(aes128-gcm, forced with `sftp -c`, measured the same as the default aes128-ctr with HMAC-SHA-256, 0.99 s
against 1.01 s), and a channel window of 8 MiB instead of paramiko's 2 MiB gave about 5 %. OpenSSH's session
setup takes longer here (it negotiates a post-quantum hybrid key exchange, and sshd re-executes itself for
each connection); its transfer is much faster (C, chacha20-poly1305).
"""


def report(
    results: dict[str, dict[str, dict[str, float]]],
    args: argparse.Namespace,
    sizes: dict[str, int],
    negotiated: dict[str, str],
) -> str:
    gateway, openssh = results["gateway"], results["openssh"]
    big = sizes["big"] / MB
    rows = []
    for name, label in (
        ("gateway", "carm-gateway SFTP (paramiko)"),
        ("openssh", "OpenSSH sshd + sftp-server"),
    ):
        single, many = results[name]["single"], results[name]["concurrent"]
        files = args.sessions * args.files
        rows.append(
            f"| {label} | {negotiated[name]} | {single['setup']:.2f} s "
            f"| {single['seconds']:.2f} s: {big / single['seconds']:.1f} MB/s "
            f"| {big / (single['seconds'] - single['setup']):.1f} MB/s "
            f"| {many['seconds']:.2f} s, {files / many['seconds']:,.0f} files/s "
            f"| {int(single['failures'] + many['failures'])} failed sessions, "
            f"{int(many['missing'])} files missing |"
        )
    ratio_single = openssh["single"]["seconds"] / gateway["single"]["seconds"]
    ratio_transfer = (openssh["single"]["seconds"] - openssh["single"]["setup"]) / (
        gateway["single"]["seconds"] - gateway["single"]["setup"]
    )
    ratio_many = openssh["concurrent"]["seconds"] / gateway["concurrent"]["seconds"]
    store = "PostgreSQL" if args.database_url else "SQLite (a file in a temporary folder)"
    header = (
        f"Machine: {machine()}; {_versions()}; gateway store: {store}"
        f"{'; other work was running on it' if args.busy else ''}. Date: {dt.date.today().isoformat()}.\n"
        f"Command: `.venv/bin/python bench/sftp.py --runs {args.runs}"
        f"{f' --database-url {args.database_url}' if args.database_url else ''} --write` "
        f"(median of {args.runs} runs).\n"
    )
    table = (
        f"| server | key exchange, cipher negotiated | session without upload (handshake, login) "
        f"| one {big:.0f} MB file, one session: wall time | the same, net of the session's setup "
        f"| {args.sessions} concurrent sessions x {args.files} files "
        f"of ~{sizes['small'] / 1000:.0f} kB | failures |\n|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    verdict = "met" if ratio_single >= TARGET else "not met"
    summary = (
        f"\nSingle stream, the gateway's rate is {ratio_single * 100:.0f} % of OpenSSH's as a broker's "
        f"client sees it (wall time of the session; target: at least {TARGET * 100:.0f} %, {verdict}), "
        f"{ratio_transfer * 100:.0f} % net of session setup; with {args.sessions} concurrent sessions its "
        f"file rate is {ratio_many * 100:.0f} % of OpenSSH's.\n"
    )
    return f"{NOTES}\n{header}\n{table}\n{summary}"


def _write(section: str) -> None:
    path = REPO / "docs" / "BENCHMARKS.md"
    text = path.read_text()
    marker = "\n## SFTP\n"
    if marker in text:
        before, rest = text.split(marker, 1)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
    else:
        before, after = text.rstrip("\n"), ""
    path.write_text(f"{before.rstrip()}\n{marker}\n{section}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=50 * MB, help="bytes of the single-stream file")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--files", type=int, default=20, help="files per concurrent session")
    parser.add_argument("--database-url", help="the gateway's store (default: SQLite in a temporary folder)")
    parser.add_argument("--write", action="store_true", help="record the result in docs/BENCHMARKS.md")
    parser.add_argument(
        "--busy", action="store_true", help="say in the record that other work shared the machine"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carm-sftp-") as name:
        folder = Path(name)
        keys = make_keys(folder / "keys", args.sessions)
        big = folder / "big.bin"
        big.write_bytes(os.urandom(args.size))
        small = []
        cads = [data for _, data in national_day(0.02).files if len(data) < 20_000]
        for number, data in enumerate(cads[: args.files]):
            path = folder / f"cad{number:02d}.edi"
            path.write_bytes(data)
            small.append(path)
        sizes = {"big": args.size, "small": int(statistics.mean(p.stat().st_size for p in small))}
        service, gateway = start_gateway(folder, keys, args.database_url)
        sshd, openssh = start_openssh(folder, keys)
        results: dict[str, dict[str, dict[str, float]]] = {}
        negotiated: dict[str, str] = {}
        try:
            for key, target in (("openssh", openssh), ("gateway", gateway)):
                negotiated[key] = algorithms(target, keys[0])
                results[key] = {
                    "single": single_stream(target, keys[0], big, args.runs),
                    "concurrent": concurrent(target, keys, small, args.runs),
                }
                print(key, results[key], file=sys.stderr)
        finally:
            service.stop()
            sshd.terminate()
            sshd.wait()
    section = report(results, args, sizes, negotiated)
    print(section)
    if args.write:
        _write(section)


if __name__ == "__main__":
    main()
