"""Demo data (gateway layer): one broker with a generated SSH key, two importers that delegated to it, and
the fixture reference data (the real T2026-2 tariff lines in the labelled back-dated test edition, the 2025
Bank of Canada rates, the prescribed interest rates), so `make demo` gives a gateway a person can upload to
at once. Loading is idempotent: a second run changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from gateway.keys import PublicKey, ed25519_key_file
from ledger.unit_of_work import SqlAlchemyUnitOfWork
from parsers.rates_csv import parse_exchange_rates, parse_interest_rates
from parsers.tariff_xml import parse_tariff

DEMO_SENDER = "DEMOBROKER"
DEMO_BROKER_BN15 = "100000009RM0001"
DEMO_IMPORTERS = (
    ("123456782RM0001", "Maple Leaf Imports Inc.", "ON"),
    ("200000008RM0001", "Fleuve Saint-Laurent Distribution Ltée", "QC"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoBroker:
    sender_id: str
    private_key: Path


def demo_key(var_dir: Path) -> tuple[Path, PublicKey]:
    """The demo broker's ed25519 key pair under var/demo/, made once."""
    private = var_dir / "demo" / "demo_broker_ed25519"
    key = ed25519_key_file(private)
    public = PublicKey(key_type=key.get_name(), key_data=key.get_base64(), comment="demo broker")
    private.with_suffix(".pub").write_text(f"{public.key_type} {public.key_data} {public.comment}\n")
    return private, public


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
DEMO_TARIFF = FIXTURES / "tariff-T2026-2-backdated.xml"
DEMO_EXCHANGE_RATES = FIXTURES / "exchange-rates-2025.csv"
DEMO_INTEREST_RATES = FIXTURES / "interest-rates.csv"


def load_demo_reference_data(uow: SqlAlchemyUnitOfWork) -> None:
    """The fixture tariff (when no edition is loaded yet) and the fixture rates (loads are idempotent)."""
    if uow.reference.last_sequence() == 0:
        data = DEMO_TARIFF.read_bytes()
        uow.reference.load_tariff(parse_tariff(data), hashlib.sha256(data).hexdigest())
    uow.reference.load_exchange_rates(parse_exchange_rates(DEMO_EXCHANGE_RATES.read_bytes()))
    uow.reference.load_interest_rates(parse_interest_rates(DEMO_INTEREST_RATES.read_bytes()))


def load_demo_data(uow: SqlAlchemyUnitOfWork, var_dir: Path) -> DemoBroker:
    """Register the demo broker, its key, the demo importers and their delegations (idempotent)."""
    parties = uow.parties
    if parties.find_broker(DEMO_SENDER) is None:
        parties.add_broker(sender_id=DEMO_SENDER, bn15=DEMO_BROKER_BN15, name="Demo Customs Brokerage Ltd.")
    private, public = demo_key(var_dir)
    if (public.key_type, public.key_data) not in parties.keys_of(DEMO_SENDER):
        parties.add_key(
            DEMO_SENDER,
            key_type=public.key_type,
            key_data=public.key_data,
            fingerprint=public.fingerprint,
            comment=public.comment,
        )
    load_demo_reference_data(uow)
    for bn15, name, province in DEMO_IMPORTERS:
        if parties.find_importer(bn15) is None:
            parties.add_importer(bn15=bn15, name=name, province=province)
        parties.delegate(bn15, DEMO_SENDER, receives_statements=True)
    return DemoBroker(sender_id=DEMO_SENDER, private_key=private)
