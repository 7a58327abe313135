"""The machine a benchmark ran on, as its record states it (bench tooling)."""

from __future__ import annotations

import os
import platform
import sys
import threading
from pathlib import Path


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> str:
    """`2 CPUs (nproc), AMD EPYC, Python 3.11.2 (/usr/bin/python3.11), Linux 6.18`: the interpreter's own
    path too, as the same version runs the gateway about 30 % faster from one build than from another."""
    interpreter = Path(sys.executable).resolve()
    return (
        f"{os.cpu_count()} CPUs (nproc), {_cpu_model()}, Python {platform.python_version()} ({interpreter}), "
        f"{platform.system()} {platform.release()}"
    )


def peak_rss(pid: int | None = None) -> int:
    """Peak resident set size of a process (this one by default), in bytes: its VmHWM, which exec resets.

    Not `ru_maxrss`: Linux carries a process's peak across exec, and a child started by fork (or vfork) and
    exec begins with its parent's, so a benchmark's fresh interpreter would report the peak of the process
    that started it whenever that one had grown larger (the batch benchmark's did, after generating its data).
    0 when the process is gone.
    """
    try:
        status = Path(f"/proc/{pid or 'self'}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class ChildrenPeak:
    """The largest peak RSS among this process's child processes while the block runs, in bytes.

    A child's VmHWM is gone once it has exited and been reaped, and what `RUSAGE_CHILDREN` keeps of it is
    its `ru_maxrss`, which starts from this process's own peak (see `peak_rss`); so a thread reads the
    VmHWM of each child every `interval` seconds until the block ends.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.largest = 0
        self._interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="children-peak", daemon=True)

    def __enter__(self) -> ChildrenPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._done.wait(self._interval):
            for child in _children_of(me):
                self.largest = max(self.largest, peak_rss(child))


def _children_of(parent: str) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after its last ")"
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == parent:
            children.append(int(stat.parent.name))
    return children
