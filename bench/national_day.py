"""A generated national day of CAD traffic for the load benchmark (bench tooling, not shipped).

DOMAIN.md "Scale": about 115,000 CADs a business day from ~300 broker firms for ~125,000 importer accounts.
`national_day(scale)` plans that day (or a fraction of it) deterministically and renders it as UNOC:3
interchanges (MIG.md §1-2) of 1-500 CADs each, one file per upload, in upload order:

- brokers of very different sizes (Zipf-like weights), each filing for the importers delegated to it;
- CADs of 1-8 lines mostly, with a tail up to 500 lines, 5 lines on average; lines use real items of the
  back-dated fixture tariff with the treatment and invoice currency their origin calls for (UST/USD,
  CEUT/EUR, MXT/MXN, UKT/GBP, CPTPT/JPY, MFN/CNY, some CAD-denominated), a quantity in the item's unit,
  and a date of direct shipment that has a Bank of Canada rate;
- 2 % invalid: realistic business errors (broker not delegated, importer not registered, classification not
  in force, treatment not open to the origin, shipment after release, shipped on a day without a rate) and
  syntax errors (an impossible date, a wrong UNT count);
- 1 % corrections: a replace (version 2) of a CAD the same broker filed earlier in the day, restating every
  line with one value changed, before its due date (so a correction, not an adjustment).

Releases fall in the business week ending on `TODAY` (2025-06-20), so every due date is after today.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from domain.identifiers import luhn_check_digit, transaction_check_digit
from domain.tariff import TariffEdition, TariffItem
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
TARIFF_FILE = REFERENCE / "tariff-T2026-2-backdated.xml"
RATES_FILE = REFERENCE / "exchange-rates-2025.csv"

NATIONAL_CADS = 115_000
NATIONAL_IMPORTERS = 125_000
BROKERS = 300
TODAY = dt.date(2025, 6, 20)  # a Friday; releases Monday to Friday of that week
RELEASE_DAYS = tuple(TODAY - dt.timedelta(days=n) for n in range(4, -1, -1))
INVALID_SHARE = 0.02
CORRECTION_SHARE = 0.01
CORRECTION_GAP = 1_500  # CADs uploaded between an original's file and its correction's

# Origin -> (weight, invoice currency or None for CAD, preferred treatment); MFN (2) when the item has none.
ORIGINS: dict[str, tuple[float, str | None, str]] = {
    "US": (38, "USD", "10"),
    "CN": (22, "CNY", "2"),
    "DE": (5, "EUR", "31"),
    "FR": (4, "EUR", "31"),
    "IT": (3, "EUR", "31"),
    "MX": (6, "MXN", "11"),
    "GB": (5, "GBP", "34"),
    "JP": (5, "JPY", "33"),
    "VN": (4, "USD", "2"),
    "IN": (3, None, "2"),
    "KR": (5, None, "30"),
}
UNIT_PRICE = {"USD": 1, "EUR": 1, "GBP": 1, "MXN": 18, "JPY": 150, "CNY": 7}
DESCRIPTIONS = ("PARTS AND ACCESSORIES", "GOODS AS INVOICED", "MEN?'S APPAREL", "BOLTS?+NUTS", "RATIO 1?:2")
INVALID_KINDS = (
    "not_delegated",
    "not_registered",
    "classification",
    "treatment_origin",
    "shipment_after_release",
    "no_rate",
    "bad_date",
    "bad_count",
)


@dataclass(slots=True)
class Line:
    classification: str
    origin: str
    currency: str | None
    treatment: str
    shipped: dt.date
    unit: str | None
    quantity: int
    value: Decimal
    description: str


@dataclass(slots=True)
class CadPlan:
    transaction: str
    version: int
    importer: str
    release: dt.date
    lines: list[Line]
    invalid: str | None = None  # one of INVALID_KINDS

    @property
    def function(self) -> str:
        return "9" if self.version == 1 else "5"


@dataclass(slots=True)
class FilePlan:
    broker: int
    cads: list[CadPlan] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Broker:
    sender_id: str
    bn15: str
    security: int  # the 5-digit account security number that opens its transaction numbers


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    """A planned day: parties, the files in upload order (rendered bytes), and what to expect of them."""

    brokers: tuple[Broker, ...]
    importers: tuple[str, ...]
    delegations: tuple[tuple[str, int], ...]  # (importer BN15, broker index)
    unregistered: tuple[str, ...]
    files: tuple[tuple[int, bytes], ...]  # (broker index, interchange)
    cads: int
    lines: int
    corrections: int
    invalid: dict[str, int]
    max_lines: int
    cads_per_file_max: int

    @property
    def bytes(self) -> int:
        return sum(len(data) for _, data in self.files)


def bn15(number: int) -> str:
    """A valid importer/broker RM program account from an 8-digit number (Luhn check digit)."""
    payload = f"{number:08d}"
    return f"{payload}{luhn_check_digit(payload)}RM0001"


def transaction_number(security: int, sequence: int) -> str:
    first13 = f"{security:05d}{sequence:08d}"
    return f"{first13}{transaction_check_digit(first13)}"


class Planner:
    def __init__(self, scale: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        edition: TariffEdition = parse_tariff(TARIFF_FILE.read_bytes())
        self.items: list[TariffItem] = [i for i in edition.items if any(r.treatment == "2" for r in i.rates)]
        self.rate_dates: dict[str, list[dt.date]] = {}
        for rate in parse_exchange_rates(RATES_FILE.read_bytes()):
            self.rate_dates.setdefault(rate.currency, []).append(rate.rate_date)
        self.origins = list(ORIGINS)
        self.origin_weights = [ORIGINS[o][0] for o in self.origins]
        self.brokers = tuple(
            Broker(sender_id=f"BRK{n:04d}", bn15=bn15(10_000_000 + n), security=10_000 + n)
            for n in range(1, BROKERS + 1)
        )
        importer_count = max(2 * BROKERS, round(NATIONAL_IMPORTERS * scale))
        self.importers = tuple(bn15(20_000_000 + n) for n in range(importer_count))
        self.unregistered = tuple(bn15(60_000_000 + n) for n in range(50))
        # Each importer delegates to one broker; one in ten also to a second.
        self.filed_by: list[list[str]] = [[] for _ in self.brokers]
        self.delegations: list[tuple[str, int]] = []
        for number, importer in enumerate(self.importers):
            chosen = {number % BROKERS}
            if self.rng.random() < 0.1:
                chosen.add(self.rng.randrange(BROKERS))
            for broker in sorted(chosen):
                self.delegations.append((importer, broker))
                self.filed_by[broker].append(importer)
        self.sequences = [0] * BROKERS
        self.shipment_dates: dict[tuple[str, dt.date], list[dt.date]] = {}
        self.made = self.file_end = self.corrections_owed = 0

    def line_count(self) -> int:
        if self.rng.random() < 0.0015:
            return self.rng.randint(50, 500)
        return min(49, 1 + int(self.rng.expovariate(1 / 4.0)))

    def file_size(self) -> int:
        roll = self.rng.random()
        if roll < 0.6:
            return self.rng.randint(1, 5)
        if roll < 0.9:
            return self.rng.randint(6, 50)
        return self.rng.randint(51, 500)

    def line(self, release: dt.date) -> Line:
        rng = self.rng
        origin = rng.choices(self.origins, self.origin_weights)[0]
        _, currency, preferred = ORIGINS[origin]
        item = rng.choice(self.items)
        treatment = preferred if any(r.treatment == preferred for r in item.rates) else "2"
        shipped = self.shipment(currency or "USD", release)
        price = UNIT_PRICE.get(currency or "USD", 1)
        value = Decimal(round(rng.lognormvariate(7.0, 1.4) * price, 2)).quantize(Decimal("0.01"))
        return Line(
            classification=item.number,
            origin=origin,
            currency=currency,
            treatment=treatment,
            shipped=shipped,
            unit=item.uom,
            quantity=rng.randint(1, 5000),
            value=max(value, Decimal("1.00")),
            description=rng.choice(DESCRIPTIONS),
        )

    def shipment(self, currency: str, release: dt.date) -> dt.date:
        key = (currency, release)
        if key not in self.shipment_dates:
            earliest = release - dt.timedelta(days=30)
            self.shipment_dates[key] = [d for d in self.rate_dates[currency] if earliest <= d < release]
        return self.rng.choice(self.shipment_dates[key])

    def original(self, broker: int) -> CadPlan:
        self.sequences[broker] += 1
        release = self.rng.choice(RELEASE_DAYS)
        return CadPlan(
            transaction=transaction_number(self.brokers[broker].security, self.sequences[broker]),
            version=1,
            importer=self.rng.choice(self.filed_by[broker]),
            release=release,
            lines=[self.line(release) for _ in range(self.line_count())],
        )

    def invalid(self, broker: int) -> CadPlan:
        cad = self.original(broker)
        kind = self.rng.choice(INVALID_KINDS)
        cad.invalid = kind
        line = cad.lines[0]
        if kind == "not_delegated":
            own = set(self.filed_by[broker])
            cad.importer = next(
                i for i in iter(lambda: self.rng.choice(self.importers), None) if i not in own
            )
        elif kind == "not_registered":
            cad.importer = self.rng.choice(self.unregistered)
        elif kind == "classification":
            line.classification = line.classification[:8] + "99"  # a statistical suffix that does not exist
        elif kind == "treatment_origin":
            line.origin, line.currency, line.treatment = "CN", "CNY", "10"  # UST claimed for Chinese goods
            line.shipped = self.shipment("CNY", cad.release)
        elif kind == "shipment_after_release":
            line.shipped = cad.release + dt.timedelta(days=3)
        elif kind == "no_rate":  # shipped on a Sunday: the Bank of Canada publishes no rate
            line.currency = line.currency or "USD"
            line.shipped = cad.release - dt.timedelta(days=(cad.release.weekday() + 1) % 7 or 7)
        return cad

    def plan(self) -> tuple[list[FilePlan], int]:
        total = max(20, round(NATIONAL_CADS * self.scale))
        weights = [1 / rank**0.8 for rank in range(1, BROKERS + 1)]
        self.rng.shuffle(weights)
        files: list[FilePlan] = []
        correctable: list[list[tuple[int, CadPlan]]] = [[] for _ in self.brokers]  # (file index, original)
        corrections = 0
        while self.made < total:
            broker = self.rng.choices(range(BROKERS), weights)[0]
            plan = FilePlan(broker=broker)
            size = min(self.file_size(), total - self.made)
            self.file_end = self.made + size  # an original counts as posted once its whole file is
            for _ in range(size):
                plan.cads.append(self.next_cad(broker, len(files), correctable))
                corrections += plan.cads[-1].version == 2
            self.made += size
            files.append(plan)
        return files, corrections

    def next_cad(self, broker: int, index: int, correctable: list[list[tuple[int, CadPlan]]]) -> CadPlan:
        roll = self.rng.random()
        if roll < INVALID_SHARE:
            return self.invalid(broker)
        if roll < INVALID_SHARE + CORRECTION_SHARE:
            self.corrections_owed += 1
        if self.corrections_owed:
            # The original must be far enough back (CORRECTION_GAP CADs) that any worker has posted it.
            ready = [pair for pair in correctable[broker] if pair[0] <= self.made - CORRECTION_GAP]
            if ready:
                pair = ready[self.rng.randrange(len(ready))]
                correctable[broker].remove(pair)
                self.corrections_owed -= 1
                return correction(pair[1], self.rng)
        cad = self.original(broker)
        correctable[broker].append((self.file_end, cad))
        return cad


def correction(original: CadPlan, rng: random.Random) -> CadPlan:
    """Version 2 of `original`: every line restated, one value corrected."""
    lines = [Line(**{name: getattr(line, name) for name in Line.__slots__}) for line in original.lines]
    changed = rng.randrange(len(lines))
    lines[changed].value = (lines[changed].value * Decimal("1.1")).quantize(Decimal("0.01"))
    return CadPlan(
        transaction=original.transaction,
        version=2,
        importer=original.importer,
        release=original.release,
        lines=lines,
    )


def render_file(broker: Broker, control: str, cads: list[CadPlan], at: dt.datetime) -> bytes:
    segments = [
        "UNA:+.? '",
        f"UNB+UNOC:3+{broker.sender_id}:ZZZ+CARM:ZZZ+{at:%y%m%d:%H%M}+{control}++CAD'",
    ]
    for number, cad in enumerate(cads, start=1):
        segments.extend(render_cad(str(number), cad, broker))
    segments.append(f"UNZ+{len(cads)}+{control}'")
    return ("\n".join(segments) + "\n").encode("latin_1")


def render_cad(reference: str, cad: CadPlan, broker: Broker) -> list[str]:
    release = "20250631" if cad.invalid == "bad_date" else f"{cad.release:%Y%m%d}"
    body = [
        f"BGM+929:::AB+{cad.transaction}:{cad.version:05d}+{cad.function}'",
        "LOC+22+0497'",
        f"DTM+204:{release}:102'",
        f"DTM+137:{cad.release:%Y%m%d}1030:203'",
        f"RFF+CN:8000ABC{cad.transaction[5:13]}'",
        f"RFF+ABE:F{cad.transaction}'",
        "TDT+20++3'",
        f"NAD+IM+{cad.importer}::ZZZ'",
        f"NAD+DT+{broker.bn15}::ZZZ'",
        "UNS+D'",
    ]
    for number, line in enumerate(cad.lines, start=1):
        body.extend(render_line(number, line, cad.transaction))
    body += ["UNS+S'", f"CNT+5:{len(cad.lines)}'"]
    count = len(body) + 2 + (1 if cad.invalid == "bad_count" else 0)
    return [f"UNH+{reference}+CUSDEC:D:16A:UN:CAD10'", *body, f"UNT+{count}+{reference}'"]


def render_line(number: int, line: Line, transaction: str) -> Iterator[str]:
    yield f"CST+{number}+{line.classification}'"
    yield f"FTX+AAA+++{line.description}'"
    yield f"LOC+27+{line.origin}'"
    yield f"DTM+11:{line.shipped:%Y%m%d}:102'"
    if line.unit:
        yield f"MEA+AAE++{line.unit}:{line.quantity}'"
    yield f"MOA+40:{line.value}:{line.currency}'" if line.currency else f"MOA+40:{line.value}'"
    yield f"RFF+IV:INV{transaction[5:13]}:{number}'"
    yield f"TAX+5+CUD+++{line.treatment}'"


def national_day(scale: float = 1.0, *, seed: int = 2025) -> Day:
    """Plan and render `scale` of a national day (1.0 = 115,000 CADs)."""
    planner = Planner(scale, seed)
    plans, corrections = planner.plan()
    files = []
    start = dt.datetime.combine(TODAY, dt.time(8, 0))
    for index, plan in enumerate(plans):
        broker = planner.brokers[plan.broker]
        at = start + dt.timedelta(seconds=index * 36_000 // max(1, len(plans)))
        files.append((plan.broker, render_file(broker, f"B{index:09d}", plan.cads, at)))
    cads = [cad for plan in plans for cad in plan.cads]
    invalid: dict[str, int] = {}
    for cad in cads:
        if cad.invalid:
            invalid[cad.invalid] = invalid.get(cad.invalid, 0) + 1
    return Day(
        brokers=planner.brokers,
        importers=planner.importers,
        delegations=tuple(planner.delegations),
        unregistered=planner.unregistered,
        files=tuple(files),
        cads=len(cads),
        lines=sum(len(cad.lines) for cad in cads),
        corrections=corrections,
        invalid=invalid,
        max_lines=max(len(cad.lines) for cad in cads),
        cads_per_file_max=max(len(plan.cads) for plan in plans),
    )
