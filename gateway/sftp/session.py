"""One broker's SFTP session (gateway layer): the paramiko SFTP interface over the virtual file system of
`gateway.sftp.filesystem`, and an SFTP server that answers CLOSE with the store's verdict.

paramiko's own server always answers CLOSE with OK and, when a connection drops, closes the handles left
open as if the client had closed them. Both would acknowledge bytes that were never stored or store an
interrupted upload, so `GatewaySftpServer` answers CLOSE of an upload itself and aborts open uploads when
the session ends (deleting what was stored of them while they arrived).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paramiko
from paramiko.sftp import CMD_CLOSE

from gateway.sftp.filesystem import (
    FAILURE,
    INBOX,
    NO_SUCH_FILE,
    OK,
    OUTBOX,
    PERMISSION_DENIED,
    Activity,
    DownloadHandle,
    Place,
    Store,
    UploadHandle,
    file_attributes,
    folder_attributes,
    locate,
)

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


class BrokerFileSystem(paramiko.SFTPServerInterface):
    """The SFTP operations of one broker; everything else is refused."""

    def __init__(
        self,
        server: Any,
        *,
        store_for: Callable[[str], Store],
        upload_dir: Path,
        max_size: int,
        activity: Activity,
    ) -> None:
        super().__init__(server)
        self._store = store_for(server.sender_id)
        self._upload_dir = upload_dir
        self._max_size = max_size
        self._activity = activity

    def canonicalize(self, path: str) -> str:
        place = locate(path)
        return place.path if place else "/" + path.strip("/")

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        self._activity.touch()
        place = locate(path)
        if place is None or place.name is not None:
            return NO_SUCH_FILE
        if place.folder is None:
            return [folder_attributes(INBOX), folder_attributes(OUTBOX)]
        listing = self._store.pending() if place.folder == INBOX else self._store.outbox()
        writable = place.folder == INBOX
        return [file_attributes(name, size, mtime, writable=writable) for name, size, mtime in listing]

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        place = locate(path)
        if place is None:
            return NO_SUCH_FILE
        if place.name is None:
            return folder_attributes(place.folder or "/")
        listing = self._store.pending() if place.folder == INBOX else self._store.outbox()
        for name, size, mtime in listing:
            if name == place.name:
                return file_attributes(name, size, mtime, writable=place.folder == INBOX)
        return NO_SUCH_FILE

    lstat = stat  # there are no symlinks in the virtual tree

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
        self._activity.touch()
        place = locate(path)
        if place is None or place.name is None:
            return PERMISSION_DENIED
        if place.folder == INBOX:
            if not flags & WRITE_FLAGS:
                return PERMISSION_DENIED
            return self._upload(place)
        if flags & WRITE_FLAGS:
            return PERMISSION_DENIED
        content = self._store.read(place.name)
        return NO_SUCH_FILE if content is None else DownloadHandle(content, self._activity)

    def _upload(self, place: Place) -> paramiko.SFTPHandle | int:
        try:
            return UploadHandle(
                name=place.name or "",
                directory=self._upload_dir,
                max_size=self._max_size,
                store=self._store,
                activity=self._activity,
            )
        except OSError:
            return FAILURE

    def remove(self, path: str) -> int:
        place = locate(path)
        if place is None or place.folder != OUTBOX or place.name is None:
            return PERMISSION_DENIED
        return OK if self._store.delete(place.name) else NO_SUCH_FILE

    def rename(self, oldpath: str, newpath: str) -> int:
        old, new = locate(oldpath), locate(newpath)
        if (
            old is None
            or new is None
            or old.folder != INBOX
            or new.folder != INBOX
            or not old.name
            or not new.name
        ):
            return PERMISSION_DENIED
        return OK if self._store.rename_upload(old.name, new.name) else NO_SUCH_FILE

    posix_rename = rename

    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        return PERMISSION_DENIED

    def rmdir(self, path: str) -> int:
        return PERMISSION_DENIED

    def symlink(self, target_path: str, path: str) -> int:
        return PERMISSION_DENIED

    def readlink(self, path: str) -> str | int:
        return NO_SUCH_FILE

    def chattr(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        place = locate(path)
        return OK if place is not None and place.folder == INBOX else PERMISSION_DENIED


class GatewaySftpServer(paramiko.SFTPServer):
    """paramiko's SFTP server, but CLOSE of an upload answers what the store says, and a dropped session
    aborts its open uploads instead of storing them."""

    def _process(self, t: int, request_number: int, msg: paramiko.Message) -> None:
        if t == CMD_CLOSE:
            handle_id = msg.get_binary()
            handle = self.file_table.get(handle_id)
            if isinstance(handle, UploadHandle):
                del self.file_table[handle_id]
                status = handle.commit()
                self._send_status(request_number, status, None if status == OK else "upload not stored")
                return
            msg.rewind()
            msg.get_int()  # the request number, which super() expects to have been read already
        super()._process(t, request_number, msg)

    def finish_subsystem(self) -> None:
        for handle in list(self.file_table.values()):
            if isinstance(handle, UploadHandle):
                handle.close()  # aborted: the client never closed it; the parts stored of it are deleted
        super().finish_subsystem()
