"""The benchmarks' peak RSS: each process's own, not the peak Linux carries over from its parent."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from bench.machine import ChildrenPeak, peak_rss
from tests.conftest import REPO

MIB = 1024 * 1024


def test_a_fresh_interpreter_reports_its_own_peak_where_ru_maxrss_reports_its_parents() -> None:
    parent = textwrap.dedent(
        f"""
        import subprocess, sys
        grown = bytearray(256 * {MIB})
        grown[::4096] = b"x" * len(grown[::4096])  # touched, so resident
        del grown
        child = "import json, resource; from bench.machine import peak_rss; " \\
            "print(json.dumps([peak_rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]))"
        print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True,
                             cwd={str(REPO)!r}).stdout)
        """
    )
    done = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True)
    own, inherited = json.loads(done.stdout)
    assert inherited > 256 * MIB  # what the batch benchmark used to report for its runs
    assert own < 128 * MIB  # an interpreter that imported one small module


def test_the_largest_child_is_measured_while_it_runs() -> None:
    child = "b = bytearray(96 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(1.5)"
    with ChildrenPeak(interval=0.1) as children:
        subprocess.run([sys.executable, "-c", child], check=True)
    assert 96 * MIB < children.largest < 128 * MIB  # the bytes, and a bare interpreter


def test_a_process_gone_has_no_peak() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert peak_rss(gone.pid) == 0
