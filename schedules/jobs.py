"""The registry of batch jobs by name (schedules layer): what `batch run NAME` and the scheduler run.

Each job is a `BatchJob` (schedules.report): everything it does for one business date happens in the unit
of work it is given, which the runner commits together with the run's record. The names are those of the
command line (MIG.md §7), each defined by its job's module; `schedules.calendar` says when each runs.
"""

from __future__ import annotations

from typing import Final

from schedules.daily_notices import JOB as DAILY_NOTICES
from schedules.daily_notices import run_daily_notices
from schedules.interest import INTEREST, run_interest
from schedules.report import BatchJob
from schedules.rpp_review import JOB as RPP_REVIEW
from schedules.rpp_review import run_rpp_review
from schedules.statements import JOB as STATEMENTS
from schedules.statements import run_statements

JOBS: Final[dict[str, BatchJob]] = {
    DAILY_NOTICES: run_daily_notices,
    STATEMENTS: run_statements,
    INTEREST: run_interest,
    RPP_REVIEW: run_rpp_review,
}

# The jobs whose every query reads a range of accounts through an index (the account columns kept in binary
# order, migration 0004), so that a run may read them a range at a time in worker processes
# (`schedules.processes`). The statements and interest sum the receivables by ledger account, which no index
# orders: read by range, each range would scan the journal.
READ_IN_RANGES: Final = frozenset({DAILY_NOTICES})
