"""The virtual file system a broker sees over SFTP (gateway layer).

```
/            the broker's root: nothing else exists
/inbox/      upload here; a listing shows uploads not yet answered
/outbox/     CONTRL, CUSRES, daily notices, statements: list, get, delete after reading
```

Paths never reach the real file system: they are parsed into one of these places or refused (`..`,
anything outside the root, symlinks, names outside `[A-Za-z0-9._-]{1,100}`). An upload is written to a
temporary file and becomes an inbound file only when the client's CLOSE succeeds; a dropped connection, a
file over the size cap or a full disk stores nothing and the client is told (MIG.md §5, DESIGN.md "SFTP").
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from gateway.logging import get_logger

log = get_logger(__name__)

INBOX, OUTBOX = "inbox", "outbox"
NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")  # MIG.md §5
# SFTP status codes (draft-ietf-secsh-filexfer-02 §7), typed here because paramiko carries no types.
OK: int = paramiko.SFTP_OK
EOF: int = paramiko.SFTP_EOF
NO_SUCH_FILE: int = paramiko.SFTP_NO_SUCH_FILE
PERMISSION_DENIED: int = paramiko.SFTP_PERMISSION_DENIED
FAILURE: int = paramiko.SFTP_FAILURE
MAX_READ = 256 * 1024  # the most one READ request returns, whatever the client asks


@dataclass(frozen=True, slots=True)
class Place:
    """Where a path points: the root, a folder, or a file in a folder."""

    folder: str | None = None
    name: str | None = None

    @property
    def path(self) -> str:
        return "/" + "/".join(part for part in (self.folder, self.name) if part)


def locate(path: str) -> Place | None:
    """Parse a client's path into a place of the virtual tree, or None when it is not one."""
    if "\x00" in path or "\\" in path:
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts or len(parts) > 2:
        return None
    if not parts:
        return Place()
    if parts[0] not in (INBOX, OUTBOX):
        return None
    if len(parts) == 1:
        return Place(parts[0])
    return Place(parts[0], parts[1]) if NAME.fullmatch(parts[1]) else None


class Store:
    """What the file system needs from the database, as plain callables bound to one broker."""

    def __init__(self, **operations: Callable[..., Any]) -> None:
        self.receive: Callable[[str, bytes], int] = operations["receive"]
        self.rename_upload: Callable[[str, str], bool] = operations["rename_upload"]
        self.pending: Callable[[], list[tuple[str, int, float]]] = operations["pending"]
        self.outbox: Callable[[], list[tuple[str, int, float]]] = operations["outbox"]
        self.read: Callable[[str], bytes | None] = operations["read"]
        self.delete: Callable[[str], bool] = operations["delete"]


class Activity:
    """When a session last did something, and how many uploads are open (for idle timeout and shutdown)."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.open_uploads = 0
        self.lock = threading.Lock()

    def touch(self) -> None:
        self.last = time.monotonic()


class UploadHandle(paramiko.SFTPHandle):
    """An upload in progress: bytes go to a temporary file until CLOSE stores them."""

    def __init__(
        self, *, name: str, directory: Path, max_size: int, store: Store, activity: Activity
    ) -> None:
        super().__init__()
        self.name = name
        self._file = tempfile.TemporaryFile(dir=directory, prefix="upload-")  # noqa: SIM115 (closed in close())
        self._max_size = max_size
        self._store = store
        self._activity = activity
        self._failed: str | None = None
        self._finished = False
        with activity.lock:
            activity.open_uploads += 1

    def write(self, offset: int, data: bytes) -> int:
        self._activity.touch()
        if self._failed:
            return FAILURE
        if offset + len(data) > self._max_size:
            return self._fail(f"larger than the {self._max_size}-byte limit")
        try:
            self._file.seek(offset)
            self._file.write(data)
        except OSError as error:
            return self._fail(f"the upload could not be buffered: {error.strerror}")
        return OK

    def _fail(self, reason: str) -> int:
        self._failed = reason
        log.warning("upload.refused", file=self.name, reason=reason)
        return FAILURE

    def commit(self) -> int:
        """The client's CLOSE: store the bytes; OK only when they are durably in the database."""
        try:
            if self._failed:
                return FAILURE
            self._file.seek(0)
            raw = self._file.read()
            file_id = self._store.receive(self.name, raw)
            log.info("file.received", file_id=file_id, filename=self.name, size=len(raw))
            return OK
        finally:
            self.close()

    def stat(self) -> paramiko.SFTPAttributes:
        attributes = paramiko.SFTPAttributes()
        attributes.st_mode = stat.S_IFREG | 0o200
        attributes.st_size = self._file.seek(0, os.SEEK_END)
        return attributes

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        return OK  # times and modes mean nothing here; accepted so `put -p` works

    def close(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._file.close()
        with self._activity.lock:
            self._activity.open_uploads -= 1


class DownloadHandle(paramiko.SFTPHandle):
    """A file of the outbox being read."""

    def __init__(self, content: bytes, activity: Activity) -> None:
        super().__init__()
        self._content = content
        self._activity = activity

    def read(self, offset: int, length: int) -> bytes | int:
        self._activity.touch()
        if offset >= len(self._content):
            return EOF
        return self._content[offset : offset + min(length, MAX_READ)]

    def stat(self) -> paramiko.SFTPAttributes:
        return file_attributes("", len(self._content), time.time(), writable=False)


def file_attributes(name: str, size: int, mtime: float, *, writable: bool) -> paramiko.SFTPAttributes:
    attributes = paramiko.SFTPAttributes()
    attributes.filename = name
    attributes.st_size = size
    attributes.st_mode = stat.S_IFREG | (0o600 if writable else 0o400)
    attributes.st_mtime = attributes.st_atime = int(mtime)
    attributes.st_uid = attributes.st_gid = 0
    return attributes


def folder_attributes(name: str) -> paramiko.SFTPAttributes:
    attributes = paramiko.SFTPAttributes()
    attributes.filename = name
    attributes.st_mode = stat.S_IFDIR | 0o700
    attributes.st_size = 0
    attributes.st_mtime = attributes.st_atime = int(time.time())
    attributes.st_uid = attributes.st_gid = 0
    return attributes
