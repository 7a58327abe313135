"""When the batches fire: wall-clock times in Eastern time across DST, and the business date of a firing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from domain.clock import FixedClock
from schedules.calendar import (
    SCHEDULES,
    Schedule,
    business_now,
    fire_times,
    in_due_order,
    planned_runs,
    previous_business_day,
)
from schedules.jobs import JOBS

TORONTO = ZoneInfo("America/Toronto")
BY_JOB = {schedule.job: schedule for schedule in SCHEDULES}


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TORONTO)


def firings(schedule: Schedule, since: dt.datetime, count: int) -> list[dt.datetime]:
    found: list[dt.datetime] = []
    trigger = schedule.trigger()
    fire = trigger.get_next_fire_time(None, since)
    while len(found) < count:
        found.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return found


@pytest.mark.parametrize(
    ("since", "offsets"),
    [
        # 2025-03-09: clocks go from 02:00 EST to 03:00 EDT; 00:15 is before the change on that day.
        (local(2025, 3, 8, 1), ["-05:00", "-04:00", "-04:00"]),
        # 2025-11-02: clocks go back from 02:00 EDT to 01:00 EST.
        (local(2025, 11, 1, 1), ["-04:00", "-05:00", "-05:00"]),
    ],
)
def test_interest_fires_at_00_15_eastern_across_the_dst_changes(
    since: dt.datetime, offsets: list[str]
) -> None:
    fires = firings(BY_JOB["interest"], since, 3)
    assert [f.astimezone(TORONTO).strftime("%H:%M") for f in fires] == ["00:15"] * 3
    assert [f.astimezone(TORONTO).date() - since.date() for f in fires] == [
        dt.timedelta(days=n) for n in (1, 2, 3)
    ]
    assert [f.astimezone(TORONTO).strftime("%z")[:3] + ":00" for f in fires] == offsets
    # In UTC the firing moves by the hour the clocks moved.
    utc_hours = {f.astimezone(dt.UTC).hour for f in fires}
    assert utc_hours == {4, 5}


def test_the_utc_instants_of_the_firings_follow_the_clock_change_exactly() -> None:
    spring = firings(BY_JOB["interest"], local(2025, 3, 9, 0), 2)
    assert [f.astimezone(dt.UTC) for f in spring] == [
        dt.datetime(2025, 3, 9, 5, 15, tzinfo=dt.UTC),  # 00:15 EST
        dt.datetime(2025, 3, 10, 4, 15, tzinfo=dt.UTC),  # 00:15 EDT
    ]
    fall = firings(BY_JOB["daily-notices"], local(2025, 10, 31, 1), 2)  # Saturday 1 Nov, then Tuesday 4 Nov
    assert [f.astimezone(dt.UTC) for f in fall] == [
        dt.datetime(2025, 11, 1, 4, 30, tzinfo=dt.UTC),  # 00:30 EDT
        dt.datetime(2025, 11, 4, 5, 30, tzinfo=dt.UTC),  # 00:30 EST
    ]


@pytest.mark.parametrize("hour", [0, 3, 4, 12, 23])
@pytest.mark.parametrize("first", [dt.date(2025, 3, 6), dt.date(2025, 10, 30)])
def test_a_daily_cron_fires_every_day_at_its_wall_clock_time_across_dst(hour: int, first: dt.date) -> None:
    trigger = Schedule(job="x", cron={"hour": str(hour), "minute": "15"}, runs_for=lambda day: day).trigger()
    since = dt.datetime.combine(first, dt.time(0), tzinfo=TORONTO)
    fires = list(fire_times(trigger, since, since + dt.timedelta(days=7)))
    assert fires == [
        local(day.year, day.month, day.day, hour, 15) for day in (first + dt.timedelta(n) for n in range(7))
    ]


def test_apscheduler_alone_skips_the_day_after_spring_forward() -> None:
    """Why `WallClockCronTrigger` exists (agronholm/apscheduler#606): should this fail after an upgrade of
    APScheduler, the bug is fixed upstream and the subclass can go."""
    trigger = CronTrigger(hour=0, minute=15, timezone=TORONTO)
    after_the_change_day = trigger.get_next_fire_time(None, local(2025, 3, 9, 0, 16))
    assert after_the_change_day == local(2025, 3, 11, 0, 15)  # 10 March was skipped


def test_daily_notices_fire_tuesday_to_saturday_for_the_previous_business_day() -> None:
    runs = planned_runs(BY_JOB["daily-notices"], dt.date(2025, 5, 12), local(2025, 5, 25, 12))
    # Monday 19 May 2025 is Victoria Day: Tuesday's firing finds Friday, already planned for Saturday.
    assert [(r.business_date.isoformat(), r.due_at.strftime("%a %d")) for r in runs] == [
        ("2025-05-12", "Tue 13"),
        ("2025-05-13", "Wed 14"),
        ("2025-05-14", "Thu 15"),
        ("2025-05-15", "Fri 16"),
        ("2025-05-16", "Sat 17"),
        ("2025-05-20", "Wed 21"),
        ("2025-05-21", "Thu 22"),
        ("2025-05-22", "Fri 23"),
        ("2025-05-23", "Sat 24"),
    ]


def test_the_previous_business_day_skips_weekends_and_federal_holidays() -> None:
    assert previous_business_day(dt.date(2025, 5, 20)) == dt.date(2025, 5, 16)  # after Victoria Day
    assert previous_business_day(dt.date(2025, 12, 27)) == dt.date(
        2025, 12, 24
    )  # after Christmas, Boxing Day
    assert previous_business_day(dt.date(2025, 3, 11)) == dt.date(2025, 3, 10)


def test_statements_run_on_the_25th_and_the_rpp_review_on_20_october() -> None:
    statements = planned_runs(BY_JOB["statements"], dt.date(2025, 1, 1), local(2025, 12, 31, 23))
    assert [r.business_date for r in statements] == [dt.date(2025, month, 25) for month in range(1, 13)]
    rpp = planned_runs(BY_JOB["rpp-review"], dt.date(2024, 1, 1), local(2025, 12, 31, 23))
    assert [r.business_date for r in rpp] == [dt.date(2024, 10, 20), dt.date(2025, 10, 20)]


def test_a_run_falls_due_only_once_its_firing_has_passed() -> None:
    interest = BY_JOB["interest"]
    assert planned_runs(interest, dt.date(2025, 8, 1), local(2025, 8, 2, 0, 14)) == []
    [run] = planned_runs(interest, dt.date(2025, 8, 1), local(2025, 8, 2, 0, 15))
    assert (run.business_date, run.due_at) == (dt.date(2025, 8, 1), local(2025, 8, 2, 0, 15))


def test_runs_are_ordered_as_they_fell_due_interest_before_the_notices() -> None:
    first, until = dt.date(2025, 8, 4), local(2025, 8, 6, 1)
    runs = planned_runs(BY_JOB["daily-notices"], first, until) + planned_runs(
        BY_JOB["interest"], first, until
    )
    ordered = [(r.job, r.business_date.day) for r in in_due_order(runs)]
    assert ordered == [("interest", 4), ("daily-notices", 4), ("interest", 5), ("daily-notices", 5)]


def test_fire_times_include_the_end_of_the_window() -> None:
    trigger = BY_JOB["interest"].trigger()
    fires = list(fire_times(trigger, local(2025, 8, 1), local(2025, 8, 3, 0, 15)))
    assert fires == [local(2025, 8, 1, 0, 15), local(2025, 8, 2, 0, 15), local(2025, 8, 3, 0, 15)]


def test_business_now_is_the_clocks_business_date_at_its_eastern_time_of_day() -> None:
    clock = FixedClock(dt.datetime(2025, 8, 2, 4, 20, tzinfo=dt.UTC))  # 00:20 EDT on 2 August
    assert business_now(clock) == local(2025, 8, 2, 0, 20)


def test_every_registered_batch_has_a_schedule_and_every_schedule_a_batch() -> None:
    assert sorted(BY_JOB) == sorted(JOBS) == ["daily-notices", "interest", "rpp-review", "statements"]
