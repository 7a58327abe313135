"""What a batch run reports (schedules layer): the shape every batch job returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.unit_of_work import SqlAlchemyUnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchReport:
    """The counts a batch reports for one business date (logged as `batch.completed`, shown by the CLI)."""

    job: str
    business_date: dt.date
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"accounts": 12, "files": 12}

    def summary(self) -> str:
        counted = ", ".join(f"{value} {name}" for name, value in self.counts.items()) or "nothing to do"
        return f"{self.job} for {self.business_date.isoformat()}: {counted}"


# A batch job: everything it does for one business date happens in the given unit of work, which the
# runner commits together with the batch_run record (so a run is done once, or not at all).
BatchJob = Callable[[dt.date, SqlAlchemyUnitOfWork], BatchReport]
