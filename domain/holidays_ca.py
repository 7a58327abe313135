"""Canadian holidays for business-day arithmetic, from the `holidays` package (domain layer).

The only module of the domain that imports a third-party package: `holidays` is a pure table of dates, no
I/O. A business day excludes federal holidays plus the provincial holidays of the office's province
(DOMAIN.md "Business day"), so a day is a holiday here when it is in either of two sets of the package's
`Canada` calendar, observed days (a holiday on a weekend moved to the Monday) included:

* federal: category `government`, no subdivision - the package's federal calendar, the general holidays
  of the Canada Labour Code (federally regulated workplaces): New Year's Day, Good Friday, Victoria Day,
  Canada Day, Labour Day, National Day for Truth and Reconciliation, Thanksgiving, Remembrance Day,
  Christmas Day and Boxing Day. The CBSA is federal, so these hold in every province. (The `public`
  category without a subdivision is narrower: the five days every province shares.)
* provincial: category `public` for the province's subdivision code - the province's statutory holidays
  (e.g. Family Day in ON, Saint-Jean-Baptiste on June 24 in QC, British Columbia Day in BC).

The package's `optional` category is left out: it holds days that are not statutory in the province,
such as Ontario's Civic Holiday (first Monday of August) and Easter Monday, so those are business days.
That choice is [U]: the Interpretation Act's wider "holiday" also names Easter Monday and municipal civic
holidays; to follow it, extend the category constants below, the one place to correct.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from holidays import country_holidays
from holidays.constants import GOVERNMENT, PUBLIC
from holidays.countries.canada import Canada

# [U] Which of the package's categories make a day a holiday; see the module docstring.
FEDERAL_CATEGORIES: Final = (GOVERNMENT,)
PROVINCIAL_CATEGORIES: Final = (PUBLIC,)
PROVINCES: Final[frozenset[str]] = frozenset(Canada.subdivisions)  # AB, BC, MB, ..., YT


class CanadianHolidays:
    """Federal holidays plus, given a province or territory code, that province's statutory holidays.

    Each (year, province) set is computed once and kept; concurrent first look-ups may both compute it,
    which is harmless since the result is the same.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str | None], frozenset[dt.date]] = {}

    def is_holiday(self, day: dt.date, province: str | None) -> bool:
        """Whether `day` is a federal holiday, or a holiday of `province` (a code such as "ON", "QC").

        Raises:
            ValueError: `province` is not a Canadian province or territory code.
        """
        return day in self.holidays_in(day.year, province)

    def holidays_in(self, year: int, province: str | None) -> frozenset[dt.date]:
        """Every holiday of the year, federal and (when given) of the province.

        Raises:
            ValueError: `province` is not a Canadian province or territory code.
        """
        key = (year, province)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _load(year, province)
        return found


def _load(year: int, province: str | None) -> frozenset[dt.date]:
    federal = frozenset(country_holidays("CA", years=year, categories=FEDERAL_CATEGORIES).keys())
    if province is None:
        return federal
    if province not in PROVINCES:
        known = ", ".join(sorted(PROVINCES))
        raise ValueError(f"{province!r} is not a Canadian province or territory code ({known})")
    provincial = country_holidays("CA", subdiv=province, years=year, categories=PROVINCIAL_CATEGORIES).keys()
    return federal | frozenset(provincial)
