"""Errors of the batches (schedules layer).

    ScheduleError
    ├── UnknownJob              a batch name that is not in the registry (`schedules.jobs.JOBS`)
    ├── ReferenceDataMissing    a batch needs reference data that is not loaded (a quarter's prescribed rate)
    └── BatchFailed             a batch run failed and was recorded `failed`; the message says why

Every message is one sentence an operator can act on.
"""

from __future__ import annotations


class ScheduleError(Exception):
    """Base of the batches' errors."""


class UnknownJob(ScheduleError):
    """No batch has that name."""


class ReferenceDataMissing(ScheduleError):
    """The batch cannot run without reference data that is not loaded."""


class BatchFailed(ScheduleError):
    """A batch run failed; its work was rolled back and a `failed` attempt recorded."""
