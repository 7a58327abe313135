"""Business days, the CAD due date and the monthly billing cycle (domain layer).

Pure date arithmetic over a `HolidayCalendar` port: the real calendar is `domain.holidays_ca`, tests use
`FixedHolidays`. Rules from DOMAIN.md: a business day is any day but Saturday, Sunday and holidays (federal,
plus those of the office's province); a CAD is due 5 business days after release, the day of release being
day 0 and a release on a non-business day counting from the next business day. Goods released from the 18th
of one month to the 17th of the next form a billing period (SOR/86-1062 s. 10.3(1)(b)); its statement of
account is issued on the 25th, and payment is due on the 10th weekday after the period's end, holidays
counted as weekdays (s. 10.3(3)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Protocol

ONE_DAY: Final = dt.timedelta(days=1)
SATURDAY: Final = 5  # date.weekday(): Monday is 0
CAD_DUE_BUSINESS_DAYS: Final = 5  # DOMAIN.md "Due"; Accounting for Imported Goods Regulations s. 10
PERIOD_START_DAY: Final = 18  # a billing period runs from the 18th ...
PERIOD_END_DAY: Final = 17  # ... to the 17th of the next month
SOA_DAY: Final = 25  # the statement of account is issued on the 25th of the period's last month
PAYMENT_DUE_WEEKDAYS: Final = 10  # payment is due on the 10th weekday after the period's end
# [U] DOMAIN.md: whether a payment due date that falls on a holiday moves to the next business day is
# unverified; we assume it does not. Set to True to move it (the calendar passed to payment_due_date is
# then used, with federal holidays only: a statement belongs to an account, not to an office).
PAYMENT_DUE_DATE_MOVES_OFF_HOLIDAYS: Final[bool] = False
# A calendar that leaves no business day within a year is broken; searching stops there.
_SEARCH_LIMIT_DAYS: Final = 366


class HolidayCalendar(Protocol):
    """Tells whether a day is a holiday, nationally (province None) or in a province or territory."""

    def is_holiday(self, day: dt.date, province: str | None) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FixedHolidays:
    """A calendar of listed holidays (tests): `(day, None)` is national, `(day, "QC")` is Quebec's only."""

    days: frozenset[tuple[dt.date, str | None]] = frozenset()

    def is_holiday(self, day: dt.date, province: str | None) -> bool:
        return (day, None) in self.days or (province is not None and (day, province) in self.days)


NO_HOLIDAYS: Final = FixedHolidays()


def is_weekday(day: dt.date) -> bool:
    """Whether the day is Monday to Friday (holidays included)."""
    return day.weekday() < SATURDAY


def is_business_day(day: dt.date, holidays: HolidayCalendar, province: str | None) -> bool:
    """Whether the day is a business day: not a Saturday, Sunday, or holiday in `province`."""
    return is_weekday(day) and not holidays.is_holiday(day, province)


def next_business_day(day: dt.date, holidays: HolidayCalendar, province: str | None) -> dt.date:
    """The first business day strictly after `day`.

    Raises:
        ValueError: the calendar leaves no business day within a year after `day`.
    """
    candidate = day
    for _ in range(_SEARCH_LIMIT_DAYS):
        candidate += ONE_DAY
        if is_business_day(candidate, holidays, province):
            return candidate
    raise ValueError(f"no business day within {_SEARCH_LIMIT_DAYS} days after {day}")


def business_day_on_or_after(day: dt.date, holidays: HolidayCalendar, province: str | None) -> dt.date:
    """`day` itself if it is a business day, else the next business day."""
    if is_business_day(day, holidays, province):
        return day
    return next_business_day(day, holidays, province)


def add_business_days(day: dt.date, count: int, holidays: HolidayCalendar, province: str | None) -> dt.date:
    """The `count`-th business day after `day` (`day` itself when `count` is 0).

    Raises:
        ValueError: `count` is negative.
    """
    if count < 0:
        raise ValueError(f"cannot add a negative number of business days ({count})")
    for _ in range(count):
        day = next_business_day(day, holidays, province)
    return day


def cad_due_date(release: dt.date, holidays: HolidayCalendar, province: str | None) -> dt.date:
    """The day a CAD is due: 5 business days after release, in the province of the release office.

    The day of release is day 0; a release on a Saturday, Sunday or holiday counts from the next business
    day (so a Saturday release is due on the Monday a week later when no holiday intervenes).
    """
    day_zero = business_day_on_or_after(release, holidays, province)
    return add_business_days(day_zero, CAD_DUE_BUSINESS_DAYS, holidays, province)


def _shift_month(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` months later; only for days that exist in every month (≤ 28)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingPeriod:
    """The releases billed together: from the 18th of one month to the 17th of the next, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start.day != PERIOD_START_DAY or self.end != _period_end(self.start):
            raise ValueError(f"{self.start} to {self.end} is not a billing period (18th to next 17th)")

    def __contains__(self, day: object) -> bool:
        # A datetime is a date subclass but does not compare with dates: only plain dates are in a period.
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            return False
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _period_end(start: dt.date) -> dt.date:
    return _shift_month(start, 1).replace(day=PERIOD_END_DAY)


def billing_period(release: dt.date) -> BillingPeriod:
    """The billing period of goods released on `release`."""
    start = release.replace(day=PERIOD_START_DAY)
    if release.day < PERIOD_START_DAY:
        start = _shift_month(start, -1)
    return BillingPeriod(start=start, end=_period_end(start))


def soa_date(period: BillingPeriod) -> dt.date:
    """The day the statement of account of the period is issued: the 25th of its last month."""
    return period.end.replace(day=SOA_DAY)


def payment_due_date(period: BillingPeriod, holidays: HolidayCalendar = NO_HOLIDAYS) -> dt.date:
    """The day payment for the period is due: the 10th weekday (Monday-Friday) after its 17th.

    Holidays count as weekdays, and a due date on a holiday does not move unless
    `PAYMENT_DUE_DATE_MOVES_OFF_HOLIDAYS` says so ([U]); `holidays` is consulted only then.
    E.g. the period ending 2024-11-17 is due 2024-11-29, the one ending 2024-12-17 is due 2024-12-31.
    """
    # Weekdays with holidays included are exactly the business days of a calendar without holidays.
    due = add_business_days(period.end, PAYMENT_DUE_WEEKDAYS, NO_HOLIDAYS, None)
    if PAYMENT_DUE_DATE_MOVES_OFF_HOLIDAYS:
        due = business_day_on_or_after(due, holidays, None)
    return due
