"""The real clock (gateway layer): instants in UTC, business dates in the gateway's time zone, or a fixed
business date given with `--today` / `gateway.today`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class SystemClock:
    zone: ZoneInfo
    fixed_today: dt.date | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.fixed_today or self.now().astimezone(self.zone).date()
