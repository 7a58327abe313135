"""What the business rules know besides the CAD itself, gathered by the shell beforehand (validators layer).

Validators never query the store (STYLE.md "Functional core"): the shell hands them a frozen
`ValidationContext` holding today's business date, the SFTP account that sent the file, the registered
importers the file names (with the brokers they delegated to), the history of the transaction numbers it
names, and the `ReferenceSnapshot` of tariff lines and exchange rates. The shell builds it with a bounded
number of queries per file, whatever the number of CADs and lines in it: `needed_for(cads)` lists the keys,
then one query each for the importers and their delegations (`bn15 IN (...)`), the transaction histories
and the lines of their latest versions (`transaction_number IN (...)`), the tariff items of the editions in
force on the release dates (`number IN (...)`) and the exchange rates (`(currency, date) IN (...)`).
`cad_digest` is the content digest the history keeps of every accepted version, so that the pipeline can
tell an exact repeat (a no-op) from a new use of a transaction number.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from domain.cad import CANADIAN_DOLLAR, Cad, CadLine
from domain.tariff import ReferenceSnapshot

# Fields that describe one transmission, not the declaration: a CAD sent again in another interchange gets
# a new message reference, and broker software often stamps DTM+137 when it sends. Leaving them out of the
# digest lets an exact repeat be recognised as one.
_TRANSMISSION_FIELDS = frozenset({"message_reference", "document_datetime"})
_V = TypeVar("_V")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImporterFacts:
    """A registered importer RM account, and the SFTP sender ids of the brokers it delegated to.

    A delegation is a business or program management relationship (DOMAIN.md "Roles and delegation"); the
    shell resolves both kinds to the sender ids of the broker accounts that may file for this RM account.
    """

    may_file_by: frozenset[str] = frozenset()


class TransactionStatus(StrEnum):
    """Where a transaction stands after its latest accepted version."""

    ACCEPTED = "accepted"
    UNDER_REVIEW = "under review"  # an adjustment awaiting CBSA review (CUSRES CA); may still be replaced
    CANCELLED = "cancelled"  # nothing may follow


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptedVersion:
    """One accepted version of a transaction and the `cad_digest` of its content."""

    version: int
    digest: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviousLine:
    """A line of the latest accepted version: a replace must restate it (matched by line number)."""

    line_number: int
    invoice_number: str
    invoice_line: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionHistory:
    """What the gateway has accepted under one transaction number."""

    transaction_number: str
    importer: str  # BN15 of the RM account named by the accepted versions
    broker_sender: str  # sender id of the broker account that filed them
    status: TransactionStatus
    versions: tuple[AcceptedVersion, ...]  # every accepted version, any order
    due_date: (
        date  # payment due date of the latest version's assessment: before it, a replace is a correction
    )
    lines: tuple[PreviousLine, ...] = ()  # the lines of the latest version

    @property
    def latest_version(self) -> int:
        """The highest accepted version number (0 when none is recorded)."""
        return max((accepted.version for accepted in self.versions), default=0)

    @property
    def is_cancelled(self) -> bool:
        return self.status is TransactionStatus.CANCELLED


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationContext:
    """Everything the rules read besides the CAD, frozen for one inbound file.

    `importers` holds the registered importers among those the file names, keyed by BN15; `history` the
    transaction numbers of the file that have accepted versions, keyed by number. Absent keys mean "not
    registered" and "never used". Both mappings are copied into read-only views when the context is built;
    a read-only view is kept as it is (the pipeline derives a context per accepted CAD from the last one,
    and copying the importers and the history each time grew with the square of a file's CADs).
    """

    today: date  # the business date the file is processed on (America/Toronto)
    sender_id: str  # the SFTP account's EDI sender id
    broker_bn15: str  # the business number (BN15) registered for that account
    snapshot: ReferenceSnapshot
    importers: Mapping[str, ImporterFacts] = field(default_factory=dict)
    history: Mapping[str, TransactionHistory] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "importers", _read_only(self.importers))
        object.__setattr__(self, "history", _read_only(self.history))


def _read_only(mapping: Mapping[str, _V]) -> Mapping[str, _V]:
    """A read-only copy of `mapping`; a read-only view already is one."""
    return mapping if isinstance(mapping, MappingProxyType) else MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextKeys:
    """The keys the shell looks up to build a `ValidationContext` for some CADs."""

    importers: frozenset[str]
    transaction_numbers: frozenset[str]
    release_dates: frozenset[date]  # the tariff editions in force on these dates
    classifications: frozenset[str]
    exchange_rates: frozenset[tuple[str, date]]  # (currency, date of direct shipment); CAD needs none


def needed_for(cads: Iterable[Cad]) -> ContextKeys:
    """The importers, transaction numbers, tariff lines and exchange rates the rules will read for `cads`."""
    cads = tuple(cads)
    lines = [line for cad in cads for line in cad.lines]
    return ContextKeys(
        importers=frozenset(cad.importer for cad in cads),
        transaction_numbers=frozenset(cad.transaction_number for cad in cads),
        release_dates=frozenset(cad.release_date for cad in cads),
        classifications=frozenset(line.classification for line in lines),
        exchange_rates=frozenset(
            (line.currency, line.shipment_date) for line in lines if line.currency != CANADIAN_DOLLAR
        ),
    )


def cad_digest(cad: Cad) -> str:
    """The SHA-256 (hex) of a CAD's declared content: equal digests mean the same declaration, as written.

    Amounts count as written (1.50 and 1.5 differ); the message reference and document date/time, which
    describe the transmission, are left out.
    """
    content = {name: getattr(cad, name) for name in _DIGESTED_FIELDS}
    return hashlib.sha256(_DIGEST_JSON.encode(content).encode("ascii")).hexdigest()


# The digest is the JSON text of `dataclasses.asdict(cad)` less these fields, keys sorted (stored digests are
# compared with new ones, so the text must never change). `json` writes the strings, numbers, None, tuples
# and enums itself and asks `_plain` only for the rest, which spares walking every value in Python. The
# fields are listed in sorted order, so the dicts are built sorted and `json` need not sort them, and one
# encoder serves every CAD; a CAD holds no cycles (frozen values), so `json` need not look for any.
_DIGESTED_FIELDS = tuple(
    sorted(f.name for f in dataclasses.fields(Cad) if f.name not in _TRANSMISSION_FIELDS)
)
_LINE_FIELDS = tuple(sorted(f.name for f in dataclasses.fields(CadLine)))


def _plain(value: object) -> object:
    """The JSON data of the values `json` does not know: a line as the dict of its fields (as
    `dataclasses.asdict` makes it), exact decimals as their text and dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, CadLine):
        return {name: getattr(value, name) for name in _LINE_FIELDS}
    raise TypeError(f"a CAD holds no {type(value).__name__}")


_DIGEST_JSON = json.JSONEncoder(
    separators=(",", ":"), default=_plain, ensure_ascii=True, check_circular=False
)
