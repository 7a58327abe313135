"""A valid CAD, its context and small builders of variations, for the validator tests (test helper).

The reference data is real: tariff lines of the backdated T2026-2 fixture (in force from 2024-01-01) and
Bank of Canada rates of 2025, read with the project's own feed parsers. The example CAD is valid on
TODAY: two lines, T-shirts from the United States under UST (free, per unit NMB) in USD, and a gel
preparation from China under MFN (6.5 %, no unit) in CNY.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.cad import Cad, CadFunction, CadLine
from domain.findings import CatalogueEntry, Finding
from domain.tariff import ReferenceSnapshot
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff
from validators.context import (
    AcceptedVersion,
    ImporterFacts,
    PreviousLine,
    TransactionHistory,
    TransactionStatus,
    ValidationContext,
    cad_digest,
)

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "reference"
EDITION = parse_tariff((REFERENCE / "tariff-T2026-2-backdated.xml").read_bytes())
RATES = parse_exchange_rates((REFERENCE / "exchange-rates-2025.csv").read_bytes())
SNAPSHOT = ReferenceSnapshot(
    editions=(EDITION,), exchange_rates={(rate.currency, rate.rate_date): rate.cad_per_unit for rate in RATES}
)

IMPORTER = "123456782RM0001"
OTHER_IMPORTER = "555555556RM0001"
BROKER_BN15 = "987654324RM0001"
SENDER = "BROKER1"
OTHER_SENDER = "BROKER2"
NUMBER = "10207003502332"
TODAY = date(2025, 3, 14)  # a Friday
RELEASE = date(2025, 3, 12)
SHIPPED = date(2025, 3, 10)  # a Monday: the Bank of Canada published rates
DUE = date(2025, 3, 31)  # payment due: the 10th weekday after 2025-03-17, end of the billing period

T_SHIRTS = CadLine(
    line_number=1,
    classification="6109100022",  # NMB; MFN 18 %, UST free, no GPT
    description="T-shirts, of cotton, for women or girls",
    origin_country="US",
    origin_state="NY",
    shipment_date=SHIPPED,
    quantity=Decimal("1200"),
    unit="NMB",
    value=Decimal("30000.00"),
    currency="USD",
    invoice_number="INV-77",
    invoice_line="1",
    tariff_treatment="10",
)
GEL = CadLine(
    line_number=2,
    classification="3006709000",  # no unit; MFN 6.5 %
    description="Gel preparations for use as a lubricant in surgical operations",
    origin_country="CN",
    shipment_date=SHIPPED,
    value=Decimal("1500.50"),
    currency="CNY",
    invoice_number="INV-77",
    invoice_line="2",
    tariff_treatment="2",
)
CHEESE = CadLine(
    line_number=3,
    classification="0406209120",  # KGM; MFN 3.32 cents/kg (specific)
    description="Grated or powdered cheese",
    origin_country="CH",
    shipment_date=SHIPPED,
    quantity=Decimal("250.125"),
    unit="KGM",
    value=Decimal("1200.00"),
    currency="EUR",
    invoice_number="INV-78",
    invoice_line="1",
    tariff_treatment="2",
)
ORIGINAL = Cad(
    transaction_number=NUMBER,
    version=1,
    function=CadFunction.ORIGINAL,
    cad_type="AB",
    office="0453",
    release_date=RELEASE,
    cargo_control_numbers=("8000ABC123456",),
    broker_reference="FILE-2025-0042",
    importer=IMPORTER,
    declarant=BROKER_BN15,
    lines=(T_SHIRTS, GEL),
    declared_line_count=2,
    message_reference="1",
)


def context(**changes: Any) -> ValidationContext:
    """The context the example CAD is valid in, with `changes`."""
    fields: dict[str, Any] = {
        "today": TODAY,
        "sender_id": SENDER,
        "broker_bn15": BROKER_BN15,
        "snapshot": SNAPSHOT,
        "importers": {IMPORTER: ImporterFacts(may_file_by=frozenset({SENDER}))},
        "history": {},
    }
    return ValidationContext(**(fields | changes))


def cad(**changes: Any) -> Cad:
    """The example original with `changes`; `lines` also sets the declared line count."""
    if "lines" in changes:
        changes.setdefault("declared_line_count", len(changes["lines"]))
    return dataclasses.replace(ORIGINAL, **changes)


def line(base: CadLine = T_SHIRTS, **changes: Any) -> CadLine:
    return dataclasses.replace(base, **changes)


def replace(version: int = 2, **changes: Any) -> Cad:
    """A replace of the example, version 2 unless said otherwise."""
    return cad(function=CadFunction.REPLACE, version=version, **changes)


def cancellation(version: int = 2) -> Cad:
    return cad(function=CadFunction.CANCEL, version=version, lines=())


def history_of(
    *accepted: Cad,
    due_date: date = DUE,
    sender: str = SENDER,
    status: TransactionStatus = TransactionStatus.ACCEPTED,
) -> dict[str, TransactionHistory]:
    """The context's history after the gateway accepted `accepted` (the last one is the latest)."""
    latest = accepted[-1]
    history = TransactionHistory(
        transaction_number=latest.transaction_number,
        importer=latest.importer,
        broker_sender=sender,
        status=status,
        versions=tuple(AcceptedVersion(version=cad.version, digest=cad_digest(cad)) for cad in accepted),
        due_date=due_date,
        lines=tuple(
            PreviousLine(
                line_number=it.line_number, invoice_number=it.invoice_number, invoice_line=it.invoice_line
            )
            for it in latest.lines
        ),
    )
    return {latest.transaction_number: history}


def codes(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    return [item.code for item in findings]


def of(entry: CatalogueEntry, findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """The findings of one catalogue entry."""
    return [item for item in findings if item.code == entry.code]
