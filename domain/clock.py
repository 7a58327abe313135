"""The clock as a port (domain layer): the shell injects the real one, tests and the demo a fixed one.

Business dates are dates in America/Toronto (CBSA works on Eastern time); instants are timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant and business date."""

    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one instant (tests, `--today`)."""

    instant: dt.datetime

    def now(self) -> dt.datetime:
        return self.instant

    def today(self) -> dt.date:
        return self.instant.date()
