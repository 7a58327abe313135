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
A large upload is stored part by part while it arrives, as an UPLOADING file nobody reads, so the CLOSE has
only the tail left to store; an upload that fails or ends without CLOSE has those parts deleted.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import queue
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
# An upload is stored in parts of this size while it arrives (one transaction each), so its CLOSE stores only
# the tail; a smaller upload is stored whole at its CLOSE. Measured with bench/sftp.py (docs/BENCHMARKS.md).
PART_SIZE = 4 * 1024 * 1024
PARTS_AHEAD = 2  # full parts handed to the writer and not yet stored before the session waits for it


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
        # An upload stored while it arrives (ledger.files.Files): begin (name) -> file id, append (file id,
        # seq, data), finish (file id, seq, tail, size, sha256), abandon (file id). Append and finish are
        # False when the upload is no longer in progress (abandoned as stale).
        self.begin_upload: Callable[[str], int] = operations["begin_upload"]
        self.append_part: Callable[[int, int, bytes], bool] = operations["append_part"]
        self.finish_upload: Callable[[int, int, bytes, int, str], bool] = operations["finish_upload"]
        self.abandon_upload: Callable[[int], bool] = operations["abandon_upload"]
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


def failure_text(error: BaseException) -> str:
    """Why a store or disk operation failed, for a log: the driver's message, never the statement and its
    parameters (which would carry the file's bytes)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(getattr(error, "orig", None) or error).split())[:300] or type(error).__name__


def read_at(fd: int, length: int, offset: int) -> bytes:
    """`length` bytes of a file from `offset` (fewer only at its end), whatever one pread(2) returns."""
    chunks: list[bytes] = []
    while length > 0 and (chunk := os.pread(fd, length, offset)):
        chunks.append(chunk)
        length -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


class UploadNotStored(Exception):
    """The bytes of an upload could not all be stored; the message says why (the client gets FAILURE)."""


class PartWriter:
    """Stores the full parts of one upload from its temporary file while the rest arrives, in a thread of
    its own: the first part begins the upload in the store, each part is one transaction, and a running
    SHA-256 covers them in order. The session hands it part numbers, at most PARTS_AHEAD ahead of what is
    stored (it waits beyond: the bytes stay on disk, so the client is slowed, not memory used)."""

    def __init__(self, *, name: str, fd: int, store: Store) -> None:
        self.file_id: int | None = None
        self.error: str | None = None  # why a part could not be stored; then nothing more is
        self.digest = hashlib.sha256()
        self._name = name
        self._fd = fd
        self._store = store
        self._parts: queue.Queue[int | None] = queue.Queue(maxsize=PARTS_AHEAD)
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name=f"upload-{name}", daemon=True)
        self._thread.start()

    def store(self, seq: int) -> None:
        self._parts.put(seq)

    def finish(self, *, cancel: bool = False) -> None:
        """Wait until every part handed over is stored (or, with `cancel`, skip those not begun yet)."""
        if not self._thread.is_alive():
            return
        self._cancelled = cancel
        self._parts.put(None)
        self._thread.join()

    def _run(self) -> None:
        for seq in iter(self._parts.get, None):
            if self.error is None and not self._cancelled:
                self.error = self._store_part(seq)

    def _store_part(self, seq: int) -> str | None:
        # The boundary of one upload's storing: whatever fails fails this upload (the session answers
        # FAILURE and abandons it), never the session or the daemon.
        try:
            data = read_at(self._fd, PART_SIZE, seq * PART_SIZE)
            self.digest.update(data)
            if self.file_id is None:
                self.file_id = self._store.begin_upload(self._name)
            if not self._store.append_part(self.file_id, seq, data):
                return "the upload was abandoned as stale while it arrived"
        except Exception as error:  # noqa: BLE001 (see above)
            return f"part {seq} could not be stored: {failure_text(error)}"
        return None


class UploadHandle(paramiko.SFTPHandle):
    """An upload in progress: bytes go to a temporary file; each PART_SIZE of it written without a gap from
    the start is stored by a `PartWriter` while the rest arrives, and CLOSE stores the rest — the whole file
    in one transaction when it is smaller than a part, else the tail with the acknowledgement."""

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
        self._stored = False
        self._finished = False
        self._contiguous = 0  # bytes written from offset 0 without a gap
        self._ahead: list[tuple[int, int]] = []  # (start, end) of writes past a gap, a heap
        self._handed = 0  # bytes handed to the writer as parts (whole parts); no write may go below
        self._writer: PartWriter | None = None
        with activity.lock:
            activity.open_uploads += 1

    def write(self, offset: int, data: bytes) -> int:
        self._activity.touch()
        if self._failed:
            return FAILURE
        if offset + len(data) > self._max_size:
            return self._fail(f"larger than the {self._max_size}-byte limit")
        if offset < self._handed:
            return self._fail(f"a write at byte {offset} goes below the {self._handed} bytes already stored")
        try:
            self._file.seek(offset)
            self._file.write(data)
            self._advance(offset, offset + len(data))
        except OSError as error:
            return self._fail(f"the upload could not be buffered: {error.strerror}")
        if self._writer is not None and self._writer.error:
            return self._fail(self._writer.error)
        return OK

    def _advance(self, start: int, end: int) -> None:
        """Extend the gapless prefix by a write, and hand each part it completes to the writer."""
        if start > self._contiguous:
            heapq.heappush(self._ahead, (start, end))
            return
        self._contiguous = max(self._contiguous, end)
        while self._ahead and self._ahead[0][0] <= self._contiguous:
            self._contiguous = max(self._contiguous, heapq.heappop(self._ahead)[1])
        if self._contiguous - self._handed < PART_SIZE:
            return
        self._file.flush()  # the writer reads the file's descriptor, not this object's buffer
        while self._contiguous - self._handed >= PART_SIZE:
            if self._writer is None:
                self._writer = PartWriter(name=self.name, fd=self._file.fileno(), store=self._store)
            self._writer.store(self._handed // PART_SIZE)
            self._handed += PART_SIZE

    def _fail(self, reason: str) -> int:
        self._failed = reason
        log.warning("upload.refused", file=self.name, reason=reason)
        self._discard_parts(reason)
        return FAILURE

    def commit(self) -> int:
        """The client's CLOSE: store the bytes not stored yet; OK only when the whole file is durably in the
        database (the transaction that makes it RECEIVED committed)."""
        try:
            if self._failed:
                return FAILURE
            # The boundary of one upload: whatever fails fails it, answered FAILURE (and abandoned).
            try:
                file_id, size = self._store_whole() if self._writer is None else self._store_tail()
            except UploadNotStored as error:
                return self._fail(str(error))
            except Exception as error:  # noqa: BLE001 (see above)
                return self._fail(f"the upload could not be stored: {failure_text(error)}")
            self._stored = True
            log.info("file.received", file_id=file_id, filename=self.name, size=size)
            return OK
        finally:
            self.close()

    def _store_whole(self) -> tuple[int, int]:
        self._file.seek(0)
        raw = self._file.read()
        return self._store.receive(self.name, raw), len(raw)

    def _store_tail(self) -> tuple[int, int]:
        assert self._writer is not None
        self._writer.finish()
        if self._writer.error:
            raise UploadNotStored(self._writer.error)
        assert self._writer.file_id is not None  # the first part began the upload
        self._file.flush()
        size = self._file.seek(0, os.SEEK_END)
        tail = read_at(self._file.fileno(), size - self._handed, self._handed)
        self._writer.digest.update(tail)
        sha256 = self._writer.digest.hexdigest()
        if not self._store.finish_upload(self._writer.file_id, self._handed // PART_SIZE, tail, size, sha256):
            raise UploadNotStored("the upload was abandoned as stale before its CLOSE")
        return self._writer.file_id, size

    def _discard_parts(self, reason: str) -> None:
        """Stop the writer and delete what it stored of the upload (nothing of it was acknowledged)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.finish(cancel=True)
        if writer.file_id is None:
            return
        try:
            self._store.abandon_upload(writer.file_id)
        except Exception as error:  # noqa: BLE001 (the stale-upload cleanup deletes it later)
            log.error(
                "upload.abandon_failed", file=self.name, file_id=writer.file_id, error=failure_text(error)
            )
            return
        log.info("upload.parts_deleted", file=self.name, file_id=writer.file_id, reason=reason)

    def stat(self) -> paramiko.SFTPAttributes:
        attributes = paramiko.SFTPAttributes()
        attributes.st_mode = stat.S_IFREG | 0o200
        attributes.st_size = self._file.seek(0, os.SEEK_END)
        return attributes

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        return OK  # times and modes mean nothing here; accepted so `put -p` works

    def close(self) -> None:
        """Release the upload; one neither stored nor failed ends here because its session did (no CLOSE)."""
        if self._finished:
            return
        self._finished = True
        try:
            if not self._stored and not self._failed:
                reason = "the session ended before the client's CLOSE"
                log.warning("upload.abandoned", file=self.name, reason=reason)
                self._discard_parts(reason)
        finally:
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
