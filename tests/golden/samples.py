"""The golden samples: their manifest, and running a file through the real pipeline (test helper).

`load_manifest()` reads `fixtures/edi_samples/manifest.toml` into `Sample` values. `register()` sets up the
parties and the fixture reference data in the test's fresh store; `process()` uploads a file as the broker
DEMOBROKER would and runs the real worker step (`gateway.workers.process_next` with
`gateway.pipeline.file_processor`) at noon Toronto time on a given business date, returning what the file
came to: its outcome and the CONTRL and CUSRES bytes. Every sample starts from an empty store, so inbound
file ids - and with them our control references, C/R + 13 digits - are 1, 2, 3 ... in upload order and the
goldens are byte-for-byte stable without any normalisation.
`read_contrl` and `read_cusres` read our own responses back with our own parser, for the manifest's checks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.clock import FixedClock
from domain.tariff import ExchangeRate, TariffEdition
from gateway.bootstrap import System
from gateway.pipeline import file_processor
from gateway.workers import process_next
from ledger.schema import inbound_file, outbound_file
from parsers.envelope import parse_interchange
from parsers.model import Interchange, Segment
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff
from tests.conftest import REPO
from tests.gateway.cad_files import BROKER_BN15, IMPORTER, REFERENCE, SENDER

SAMPLES = REPO / "fixtures" / "edi_samples"
MANIFEST = SAMPLES / "manifest.toml"
GOLDEN_SUFFIXES = (".contrl.edi", ".cusres.edi")
TORONTO = ZoneInfo("America/Toronto")
NOON = dt.time(12, 0, tzinfo=TORONTO)  # every file is processed at noon, Toronto time, of its business date

# Parties beyond cad_files.register()'s broker and importer, for the business rules about parties.
IMPORTER_NOT_DELEGATED = "876543216RM0001"  # registered, but has delegated nothing to DEMOBROKER (CAD103)
OUTCOMES = frozenset({"accepted", "partial", "rejected", "duplicate", "ignored"})
MANIFEST_KEYS = frozenset(
    {"what", "after", "date", "outcome", "uci", "contrl", "cusres", "erc", "tot", "balance", "known_bug"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One manifest entry: a sample file and what the gateway must answer to it."""

    name: str  # path under fixtures/edi_samples, e.g. "valid/01-single-line.edi"
    what: str
    after: tuple[str, ...]  # uploaded and processed first, in this order, each on its own manifest date
    date: dt.date  # business date the sample is processed on
    outcome: str
    uci: str | None  # CONTRL UCI action (7, 4, 8); None: no CONTRL at all
    contrl: frozenset[str]  # every UNSL 0085 code in the CONTRL (UCI, UCM, UCS, UCD)
    cusres: tuple[str, ...]  # BGM response type of each CUSRES message, in order; () for no CUSRES
    erc: frozenset[str]  # every ERC code in the CUSRES
    tot: tuple[str, ...] | None  # MOA+128 (TOT) of each accepted message, in order
    balance: str | None  # the importer's balance after the sample, in CAD
    known_bug: dict[str, str]  # store (sqlite, postgresql) -> the gateway bug that stops the answer there

    @property
    def path(self) -> Path:
        return SAMPLES / self.name

    def golden(self, kind: str) -> Path:
        """`<name>.contrl.edi` or `<name>.cusres.edi` beside the sample."""
        return self.path.with_name(f"{self.path.stem}.{kind}.edi")


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    samples: dict[str, Sample]
    untriggerable: dict[str, str]  # catalogue code -> why no wire input can trigger it
    not_emitted: dict[str, str]  # UNSL 0085 code -> why the gateway never sends it in a CONTRL


@functools.cache
def load_manifest() -> Manifest:
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    default_date = dt.date.fromisoformat(data["defaults"]["date"])
    samples = {name: _sample(name, entry, default_date) for name, entry in data["samples"].items()}
    return Manifest(
        samples=samples,
        untriggerable=dict(data.get("untriggerable", {})),
        not_emitted=dict(data.get("not_emitted", {})),
    )


def _sample(name: str, entry: dict[str, object], default_date: dt.date) -> Sample:
    unknown = set(entry) - MANIFEST_KEYS
    assert not unknown, f"{name}: unknown manifest keys {sorted(unknown)}"
    outcome = str(entry["outcome"])
    assert outcome in OUTCOMES, f"{name}: outcome {outcome!r} is not one of {sorted(OUTCOMES)}"
    tot = entry.get("tot")
    return Sample(
        name=name,
        what=str(entry["what"]),
        after=tuple(_strings(entry.get("after", []))),
        date=dt.date.fromisoformat(str(entry["date"])) if "date" in entry else default_date,
        outcome=outcome,
        uci=str(entry["uci"]) if "uci" in entry else None,
        contrl=frozenset(_strings(entry.get("contrl", []))),
        cusres=tuple(_strings(entry.get("cusres", []))),
        erc=frozenset(_strings(entry.get("erc", []))),
        tot=None if tot is None else tuple(_strings(tot)),
        balance=str(entry["balance"]) if "balance" in entry else None,
        known_bug=_table(entry.get("known_bug", {})),
    )


def _table(value: object) -> dict[str, str]:
    assert isinstance(value, dict), f"expected a table, got {value!r}"
    return {str(key): str(text) for key, text in value.items()}


def _strings(value: object) -> list[str]:
    assert isinstance(value, list), f"expected a list, got {value!r}"
    return [str(item) for item in value]


def sample_files() -> set[str]:
    """Every sample `.edi` under fixtures/edi_samples (goldens left out), as manifest names."""
    return {
        path.relative_to(SAMPLES).as_posix()
        for path in SAMPLES.rglob("*.edi")
        if not path.name.endswith(GOLDEN_SUFFIXES)
    }


def golden_files() -> set[Path]:
    return {path for suffix in GOLDEN_SUFFIXES for path in SAMPLES.rglob(f"*{suffix}")}


# ------------------------------------------------------------------------------------------- running


CLASSIFICATION = re.compile(rb"(?<![0-9])[0-9]{10}(?![0-9])")  # CST C246/7361: 10 digits
DATE = re.compile(rb"(?<![0-9])[0-9]{8}(?![0-9])")  # DTM CCYYMMDD


@functools.cache
def _reference() -> tuple[TariffEdition, tuple[ExchangeRate, ...]]:
    """The fixture tariff and the 2025 Bank of Canada rates, parsed once per session."""
    tariff = parse_tariff((REFERENCE / "tariff-T2026-2-backdated.xml").read_bytes())
    return tariff, parse_exchange_rates((REFERENCE / "exchange-rates-2025.csv").read_bytes())


def reference_for(names: Iterable[str]) -> tuple[TariffEdition, tuple[ExchangeRate, ...]]:
    """The fixture tariff and rates, cut down to what the files `names` can look up.

    The tariff keeps every treatment but only the items whose number appears in one of the files, the rates
    only the dates that appear in one. The rules and the assessment look up nothing else - gateway.context
    asks the store for the classifications and the (currency, date of direct shipment) pairs a file names,
    and a rate is taken for its exact date - so the answers are those the whole files give (a number or
    date the fixtures do not hold, as in CAD121 and CAD131, is absent either way), while loading all 7,360
    tariff rates into a fresh PostgreSQL store for each of the 220 runs would take most of the suite's time.
    """
    data = [(SAMPLES / name).read_bytes() for name in names]
    numbers = {found.decode() for raw in data for found in CLASSIFICATION.findall(raw)}
    dates = {found.decode() for raw in data for found in DATE.findall(raw)}
    tariff, rates = _reference()
    items = tuple(item for item in tariff.items if item.number in numbers)
    named_rates = tuple(rate for rate in rates if f"{rate.rate_date:%Y%m%d}" in dates)
    return dataclasses.replace(tariff, items=items), named_rates


def register(system: System, files: Iterable[str] | None = None) -> None:
    """What cad_files.register() sets up, plus a registered importer that delegated nothing to DEMOBROKER.

    With `files` (sample names), only the reference data those files can look up (`reference_for`);
    without, the whole fixture tariff and rates.
    """
    tariff, rates = _reference() if files is None else reference_for(files)
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id=SENDER, bn15=BROKER_BN15, name="Demo")
        uow.parties.add_importer(bn15=IMPORTER, name="Importer", province="ON")
        uow.parties.delegate(IMPORTER, SENDER, receives_statements=True)
        uow.parties.add_importer(bn15=IMPORTER_NOT_DELEGATED, name="Importer, not delegated", province="QC")
        uow.reference.load_tariff(tariff, "fixture")
        uow.reference.load_exchange_rates(rates)
        uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class Processed:
    """What one uploaded file came to."""

    file_id: int
    outcome: str | None  # None: the file was not answered (held for retry after an error)
    last_error: str | None
    responses: dict[str, bytes]  # kind (contrl, cusres) -> content


def process(system: System, name: str, day: dt.date) -> Processed:
    """Upload fixtures/edi_samples/`name` as DEMOBROKER and run one worker step at noon of `day`."""
    at = dataclasses.replace(system, clock=FixedClock(dt.datetime.combine(day, NOON)))
    with at.unit_of_work() as uow:
        file_id = uow.files.receive(
            sender_id=SENDER, filename=Path(name).name, raw=(SAMPLES / name).read_bytes()
        )
        uow.commit()
    assert process_next(at, file_processor(at.clock, at.settings.zone)), "the worker found no file to process"
    with at.unit_of_work() as uow:
        row = uow.connection.execute(
            select(inbound_file.c.outcome, inbound_file.c.last_error).where(inbound_file.c.id == file_id)
        ).one()
        rows = uow.connection.execute(
            select(outbound_file.c.kind, outbound_file.c.content).where(
                outbound_file.c.inbound_file_id == file_id
            )
        ).all()
    responses: dict[str, bytes] = {}
    for kind, content in rows:
        assert kind not in responses, f"{name}: two {kind} responses"
        responses[kind] = bytes(content)
    return Processed(file_id=file_id, outcome=row.outcome, last_error=row.last_error, responses=responses)


def balance(system: System) -> Decimal:
    with system.unit_of_work() as uow:
        return Decimal(uow.journal.balance(IMPORTER).balance_cents) / 100


def journal_state(system: System) -> tuple[int, object]:
    """(number of journal entries, first fault of `ledger verify` or None)."""
    with system.unit_of_work() as uow:
        return uow.journal.count(), uow.journal.verify()


# ------------------------------------------------------------------------------------------- reading back


@dataclass(frozen=True, slots=True, kw_only=True)
class ContrlReading:
    action: str
    codes: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class CusresMessage:
    status: str  # BGM 4343: AP, RE, CA
    errors: tuple[str, ...]  # ERC codes in order
    total: str | None  # MOA+128 (TOT)


def _read(data: bytes) -> Interchange:
    """Our own response, read with our own parser: it must be a clean interchange itself."""
    interchange = parse_interchange(data, expected_sender="CARM", expected_recipient=SENDER)
    findings = [*interchange.findings, *(f for m in interchange.messages for f in m.findings)]
    assert not findings, f"the gateway wrote an interchange its own parser rejects: {findings}"
    return interchange


def _segments(interchange: Interchange) -> list[Segment]:
    return [segment for message in interchange.messages for segment in message.segments]


ERROR_CODE_POSITION = {"UCI": 5, "UCM": 4, "UCS": 2, "UCD": 1}  # where each CONTRL segment carries 0085


def read_contrl(data: bytes) -> ContrlReading:
    """The UCI action and every syntax error code of a CONTRL (UCI, UCM, UCS and UCD 0085)."""
    action, codes = "", set()
    for segment in _segments(_read(data)):
        position = ERROR_CODE_POSITION.get(segment.tag)
        if position is not None and segment.component(position):
            codes.add(segment.component(position))
        if segment.tag == "UCI":
            action = segment.component(4)
    return ContrlReading(action=action, codes=frozenset(codes))


def read_cusres(data: bytes) -> list[CusresMessage]:
    """Per CUSRES message: BGM response type, ERC codes, TOT amount."""
    result = []
    for message in _read(data).messages:
        status, errors, total = "", [], None
        for segment in message.segments:
            if segment.tag == "BGM":
                status = segment.component(4)
            elif segment.tag == "ERC":
                errors.append(segment.component(1))
            elif segment.tag == "MOA" and segment.component(1) == "128":
                total = segment.component(1, 2)
        result.append(CusresMessage(status=status, errors=tuple(errors), total=total))
    return result
