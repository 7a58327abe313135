"""OpenSSH's own `sftp` client in batch mode against a server on loopback (bench and test tooling).

The benchmarks and the end-to-end tests speak to the gateway (and to OpenSSH's sshd) as a broker's software
would: with the real client, a key file, no host-key prompt and no password fallback.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# No host-key prompt or record (the server is a test's), only the key given, never a password prompt.
CLIENT_OPTIONS = (
    "StrictHostKeyChecking=no",
    "UserKnownHostsFile=/dev/null",
    "IdentitiesOnly=yes",
    "BatchMode=yes",
)


def sftp_batch(
    *,
    port: int,
    user: str,
    key: Path,
    commands: str,
    cwd: Path | None = None,
    timeout: float = 60,
    verbose: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `commands` (one sftp command a line) in one session as `user`; the finished process, not checked.

    `verbose` asks the client for its debug log on stderr (what it negotiated); else it prints errors only.
    """
    options = [*CLIENT_OPTIONS, "LogLevel=DEBUG1" if verbose else "LogLevel=ERROR"]
    return subprocess.run(
        [
            "sftp",
            "-b",
            "-",
            "-i",
            str(key),
            "-P",
            str(port),
            *(argument for option in options for argument in ("-o", option)),
            f"{user}@127.0.0.1",
        ],
        input=commands,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
