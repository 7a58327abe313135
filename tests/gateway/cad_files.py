"""CAD interchanges for the pipeline tests, built from real fixture reference data (test helper).

The line uses tariff item 6109.10.00.22 (T-shirts of cotton, MFN 18 %, UST free) from the back-dated fixture
tariff and the Bank of Canada USD rate of 2025-06-12 (1.3612), so 1,000.00 USD assesses to VFD 1,361.20,
duty 245.02, GST 80.31, total 325.33.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from gateway.bootstrap import System
from gateway.keys import read_public_key
from parsers.rates_csv import parse_exchange_rates
from parsers.tariff_xml import parse_tariff
from tests.conftest import REPO

SENDER = "DEMOBROKER"
BROKER_BN15 = "100000009RM0001"
IMPORTER = "123456782RM0001"
TRANSACTION = "10207003502332"
OTHER_TRANSACTION = "10207003000585"
REFERENCE = REPO / "fixtures" / "reference"


def register(system: System, *, delegate: bool = True) -> None:
    """The broker, the importer (delegated or not), the fixture tariff and the 2025 exchange rates."""
    tariff = (REFERENCE / "tariff-T2026-2-backdated.xml").read_bytes()
    rates = parse_exchange_rates((REFERENCE / "exchange-rates-2025.csv").read_bytes())
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id=SENDER, bn15=BROKER_BN15, name="Demo")
        uow.parties.add_importer(bn15=IMPORTER, name="Importer", province="ON")
        if delegate:
            uow.parties.delegate(IMPORTER, SENDER, receives_statements=True)
        uow.reference.load_tariff(parse_tariff(tariff), "fixture")
        uow.reference.load_exchange_rates(rates)
        uow.commit()


def cad_message(
    reference: str = "1",
    *,
    transaction: str = TRANSACTION,
    version: int = 1,
    function: str = "9",
    value: str = "1000.00",
    release: dt.date = dt.date(2025, 6, 19),
    shipped: dt.date = dt.date(2025, 6, 12),
    reasons: tuple[str, ...] = (),
) -> list[str]:
    body = [
        f"BGM+929:::AB+{transaction}:{version:05d}+{function}",
        "LOC+22+0453",
        f"DTM+204:{release:%Y%m%d}:102",
        "RFF+CN:ABCD123456",
        "RFF+ABE:FILE-77",
        f"NAD+IM+{IMPORTER}::ZZZ",
        f"NAD+DT+{BROKER_BN15}::ZZZ",
        "UNS+D",
        "CST+1+6109100022",
        "FTX+AAA+++T-shirts of cotton",
        *(f"FTX+ACD+++{reason}" for reason in reasons),
        "LOC+27+CN",
        f"DTM+11:{shipped:%Y%m%d}:102",
        "MEA+AAE++NMB:100",
        f"MOA+40:{value}:USD",
        "RFF+IV:INV-1:1",
        "TAX+5+CUD+++2",
        "UNS+S",
        "CNT+5:1",
    ]
    return [f"UNH+{reference}+CUSDEC:D:16A:UN:CAD10", *body, f"UNT+{len(body) + 2}+{reference}"]


def cad_interchange(control: str, *messages: list[str], test: bool = False) -> bytes:
    tail = "++CAD" + ("++++1" if test else "")
    segments = [
        f"UNB+UNOC:3+{SENDER}:ZZZ+CARM:ZZZ+250620:1200+{control}{tail}",
        *(segment for message in messages for segment in message),
        f"UNZ+{len(messages)}+{control}",
    ]
    return "".join(f"{segment}'\n" for segment in segments).encode("latin_1")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def broker_key(system: System, directory: Path, name: str = "broker_key") -> Path:
    """A new ed25519 key pair made by OpenSSH's ssh-keygen, its public key registered for the broker SENDER;
    the private key's path."""
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = read_public_key(key.with_suffix(".pub"))
    with system.unit_of_work() as uow:
        uow.parties.add_key(
            SENDER,
            key_type=public.key_type,
            key_data=public.key_data,
            fingerprint=public.fingerprint,
            comment="",
        )
        uow.commit()
    return key
