"""The machine a benchmark ran on, as its record states it (bench tooling)."""

from __future__ import annotations

import os
import platform
import sys
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
