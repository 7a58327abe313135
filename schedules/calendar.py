"""When the batches run (schedules layer): each job's cron in Eastern time, the business date a firing is
for, and the runs that fell due in a window (what a catch-up after downtime must do).

DESIGN.md "Batches": APScheduler decides *when*, `batch_run` records *whether*. The crons are wall-clock
times in America/Toronto (CBSA works on Eastern time), so APScheduler's `CronTrigger` keeps a run at 00:15
local across the DST changes; every run is set between midnight and 01:00, away from the hours that do not
exist (02:00-02:59 on the spring change) or happen twice (01:00-01:59 on the fall change). DOMAIN.md says
what each is for:

* interest, every day at 00:15, for the calendar day that just ended (interest accrues every day);
* daily notices, Tuesday to Saturday at 00:30, for the previous business day (federal holidays; a Tuesday
  after a Monday holiday finds Friday, already done, so nothing runs);
* statements, on the 25th at 00:45, for the 25th (the statement of account's issue date);
* RPP review, on 20 October at 00:50, for 20 October (the annual review).

Interest runs first so the day's interest is posted before the notices and statements read the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from domain.calendar import ONE_DAY, is_business_day
from domain.clock import Clock
from domain.holidays_ca import CanadianHolidays
from schedules.daily_notices import JOB as DAILY_NOTICES
from schedules.interest import INTEREST
from schedules.rpp_review import JOB as RPP_REVIEW
from schedules.statements import JOB as STATEMENTS

ZONE: Final = ZoneInfo("America/Toronto")  # DOMAIN.md: daily notices go out "after midnight ET"
_HOLIDAYS: Final = CanadianHolidays()
_ONE_SECOND: Final = dt.timedelta(seconds=1)


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]  # APScheduler has no type information
    """APScheduler's CronTrigger, with its step to the next day, month or year taken on the wall clock.

    APScheduler 3.11 adds the wall-clock difference to the next field value in UTC, so a step across a DST
    change lands an hour off: after the 23-hour spring day it lands on 01:00 and a 00:15 firing is skipped
    to the day after (agronholm/apscheduler#606: 2025-03-10 00:15 would never fire). The step is redone
    here from the same difference, on the wall clock; a wall time that does not exist moves forward.
    """

    def _increment_field_value(self, dateval: dt.datetime, fieldnum: int) -> tuple[dt.datetime, int]:
        stepped, fieldnum = super()._increment_field_value(dateval, fieldnum)
        difference = stepped.astimezone(dt.UTC) - dateval.astimezone(dt.UTC)  # the wall-clock difference
        wall = (dateval.replace(tzinfo=None) + difference).replace(tzinfo=dateval.tzinfo)
        return wall.astimezone(dt.UTC).astimezone(dateval.tzinfo), fieldnum


def the_day_before(fired_on: dt.date) -> dt.date:
    return fired_on - ONE_DAY


def previous_business_day(fired_on: dt.date) -> dt.date:
    """The last business day before `fired_on` (federal holidays: a notice run is national)."""
    day = fired_on - ONE_DAY
    while not is_business_day(day, _HOLIDAYS, None):
        day -= ONE_DAY
    return day


def the_same_day(fired_on: dt.date) -> dt.date:
    return fired_on


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """When one job runs: a cron (CronTrigger fields, Eastern time) and the business date of a firing."""

    job: str
    cron: Mapping[str, str]
    runs_for: Callable[[dt.date], dt.date]  # the local date of a firing -> the business date it runs for

    def trigger(self) -> CronTrigger:
        return WallClockCronTrigger(timezone=ZONE, **self.cron)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRun:
    """A run that fell due: `job` for `business_date`, due at `due_at` (its cron's firing)."""

    job: str
    business_date: dt.date
    due_at: dt.datetime


SCHEDULES: Final[tuple[Schedule, ...]] = (
    Schedule(job=INTEREST, cron={"hour": "0", "minute": "15"}, runs_for=the_day_before),
    Schedule(
        job=DAILY_NOTICES,
        cron={"day_of_week": "tue-sat", "hour": "0", "minute": "30"},
        runs_for=previous_business_day,
    ),
    Schedule(job=STATEMENTS, cron={"day": "25", "hour": "0", "minute": "45"}, runs_for=the_same_day),
    Schedule(
        job=RPP_REVIEW, cron={"month": "10", "day": "20", "hour": "0", "minute": "50"}, runs_for=the_same_day
    ),
)


def business_now(clock: Clock) -> dt.datetime:
    """Now in Eastern time on the clock's business date (a fixed `--today` keeps the real time of day)."""
    now = clock.now().astimezone(ZONE)
    return dt.datetime.combine(clock.today(), now.time(), tzinfo=ZONE)


def fire_times(trigger: CronTrigger, since: dt.datetime, until: dt.datetime) -> Iterator[dt.datetime]:
    """Every firing of `trigger` from `since` up to and including `until`, in order."""
    fire: dt.datetime | None = trigger.get_next_fire_time(None, since)
    while fire is not None and fire <= until:
        yield fire
        fire = trigger.get_next_fire_time(None, fire + _ONE_SECOND)


def planned_runs(schedule: Schedule, first_date: dt.date, until: dt.datetime) -> list[PlannedRun]:
    """The runs of `schedule` for business dates from `first_date` on that fell due by `until`, each once."""
    since = dt.datetime.combine(first_date, dt.time(0), tzinfo=ZONE)
    runs: list[PlannedRun] = []
    for fire in fire_times(schedule.trigger(), since, until):
        business_date = schedule.runs_for(fire.date())
        # A date is found once: firings map to dates in order, so a repeat follows its first at once.
        if business_date >= first_date and (not runs or runs[-1].business_date != business_date):
            runs.append(PlannedRun(job=schedule.job, business_date=business_date, due_at=fire))
    return runs


def in_due_order(runs: Sequence[PlannedRun], schedules: Sequence[Schedule] = SCHEDULES) -> list[PlannedRun]:
    """The runs in the order they fell due; runs due at the same instant in the order of `schedules`."""
    rank = {schedule.job: index for index, schedule in enumerate(schedules)}
    return sorted(runs, key=lambda run: (run.due_at, rank.get(run.job, len(rank))))
