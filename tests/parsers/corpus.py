"""The external EDIFACT corpus in ../shared/ext (test helper): where it is, which files are samples, and
what SOURCES.md says about each. The corpus is read in place, never copied into the repository.

A file is an EDIFACT sample ("EDIFACT-ish") when, after an optional UTF-8 BOM and line breaks, it opens with
three or four upper-case letters or digits followed by a character that is neither a letter, a digit nor
white space (`UNA:`, `UNB+`, `UNH+`, but also `STX=` of TRADACOMS and `SEG1+`, which are negative samples).
That rule leaves out the UNECE directory texts (`PART 5 UNITED...`, `2. Segments...`, `----`, blank
headers), XML, JSON and licence files; a test checks it selects exactly the files SOURCES.md lists in its
sample tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / ".." / "shared" / "ext"
EDIFACT_ISH = re.compile(rb"(?:\xef\xbb\xbf)?[\r\n]*[A-Z0-9]{3,4}[^A-Za-z0-9\s]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One row of a SOURCES.md sample table."""

    path: str  # relative to EXT
    syntax: str  # UNB S001 as found ("" when none)
    notes: str
    findings: tuple[str, ...]  # the independent check's tokens, e.g. "UNT-count-mismatch x1"


def all_files() -> list[str]:
    """Every file under EXT, relative, sorted."""
    assert EXT.is_dir(), f"the external corpus is missing: {EXT.resolve()}"
    return sorted(p.relative_to(EXT).as_posix() for p in EXT.rglob("*") if p.is_file())


def is_edifact_ish(path: str) -> bool:
    return EDIFACT_ISH.match((EXT / path).read_bytes()[:64]) is not None


def edifact_files() -> list[str]:
    return [path for path in all_files() if is_edifact_ish(path)]


def read(path: str) -> bytes:
    return (EXT / path).read_bytes()


@cache
def samples() -> dict[str, Sample]:
    """The sample tables of SOURCES.md, keyed by path relative to EXT."""
    found: dict[str, Sample] = {}
    folder, in_table = "", False
    for line in (EXT / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\S+)\s+-\s+github", line)
        if heading:
            folder, in_table = heading.group(1), False
        elif line.startswith("| file |"):
            in_table = line.startswith("| file | original path | syntax")
        elif in_table and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            path = f"{folder}/{cells[0].strip('`')}"
            found[path] = Sample(path=path, syntax=cells[2], notes=cells[4], findings=_tokens(cells[4]))
        elif not line.startswith("|"):
            in_table = False
    return found


def _tokens(notes: str) -> tuple[str, ...]:
    quoted = re.findall(r"`([^`]*)`", notes)
    last = quoted[-1] if quoted and notes.rstrip().endswith("`") else ""
    return tuple(token.strip() for token in last.split(";") if token.strip())
