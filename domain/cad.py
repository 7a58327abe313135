"""The Commercial Accounting Declaration as the business sees it (domain layer).

A `Cad` is one version of one declaration - the header, one `CadLine` per commercial-invoice line and the
totals the broker declared - in business terms only: no EDIFACT qualifiers or segment names (those stay in
`mappers/`), identifiers as their canonical text (checked by `domain.identifiers` when mapped), money
declared in Canadian dollars as integer cents, values in the invoice currency as exact `Decimal`s. The
declared duty and tax amounts are what the broker claims; CARM computes its own (DOMAIN.md "The CAD"), so
they are only compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

CANADIAN_DOLLAR = (
    "CAD"  # ISO 4217: the currency of every amount declared in cents, and the default value currency
)


class CadFunction(StrEnum):
    """What a version does to the declaration (MIG.md §2)."""

    ORIGINAL = "original"  # the first version, 00001
    REPLACE = "replace"  # a correction or adjustment: a full restatement, version = previous + 1
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True, kw_only=True)
class CadLine:
    """One line of a CAD: one commercial-invoice line, its goods, value and declared duties and taxes."""

    line_number: int
    classification: str  # 10 digits: tariff item + statistical suffix
    chapter99_classification: str | None = None
    description: str
    adjustment_reasons: tuple[str, ...] = ()  # in the order given: the reason supporting a refund first
    origin_country: str  # ISO 3166-1 alpha-2
    origin_state: str | None = None  # US state, for goods of US origin
    export_country: str | None = None
    shipment_date: date  # date of direct shipment: selects the exchange rate
    quantity: Decimal | None = None  # in the tariff item's unit of measure
    unit: str | None = None  # UN/ECE Recommendation 20 code, e.g. KGM
    value: Decimal  # value for duty in `currency`
    currency: str = CANADIAN_DOLLAR
    invoice_number: str
    invoice_line: str
    tariff_treatment: str  # e.g. "2" MFN, "10" UST
    declared_duty_cents: int | None = None
    gst_code: str | None = None  # absent: fully taxable
    declared_gst_cents: int | None = None
    excise_code: str | None = None
    sima_code: str | None = None  # S or U
    sima_amount_cents: int | None = None
    surtax_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cad:
    """One version of a Commercial Accounting Declaration, as a broker sent it."""

    transaction_number: str  # 14 digits with its check digit
    version: int  # 1 for the original
    function: CadFunction
    cad_type: str  # e.g. AB commercial, F low value, 10/20/30 warehouse
    office: str  # customs office of release, 4 digits
    sub_location: str | None = None
    release_date: date
    document_datetime: datetime | None = None
    cargo_control_numbers: tuple[str, ...]
    broker_reference: str | None = None  # echoed in every response
    previous_transaction: str | None = None  # e.g. the warehouse entry an ex-warehouse CAD draws from
    transport_mode: str | None = None  # UN/ECE Recommendation 19 code
    importer: str  # BN15 import/export (RM) program account
    declarant: str  # BN15 of the broker filing the CAD
    lines: tuple[CadLine, ...]
    declared_line_count: int
    declared_total_duty_cents: int | None = None
    declared_total_gst_cents: int | None = None
    message_reference: str  # the message's reference in its interchange, echoed in the response

    @property
    def is_cancellation(self) -> bool:
        return self.function is CadFunction.CANCEL

    def line(self, line_number: int) -> CadLine | None:
        """The line with `line_number`, if the CAD has one."""
        return next((line for line in self.lines if line.line_number == line_number), None)
