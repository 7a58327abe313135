"""Fixed-width text for the operator's terminal (gateway layer, pure): tables, instants, sizes, durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

EMPTY = "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, indent: str = "") -> str:
    """Columns as wide as their widest cell, two spaces apart; None shows as `-`."""
    cells = [[EMPTY if value is None else str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in [list(headers), *cells]) for i in range(len(headers))]
    lines = [
        indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [list(headers), *cells]
    ]
    return "\n".join(lines)


def instant(moment: dt.datetime | None) -> str | None:
    """An instant as `YYYY-MM-DD HH:MM:SS` in UTC (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC, for JSON (None stays None)."""
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def size(count: int) -> str:
    """A byte count the way `ls -h` shows it."""
    if count < 1024:
        return f"{count} B"
    if count < 1024**2:
        return f"{count / 1024:.1f} KiB"
    return f"{count / 1024**2:.1f} MiB"


def duration(seconds: float) -> str:
    """Seconds as `42 s`, `3 min 5 s` or `2 h 10 min`."""
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
