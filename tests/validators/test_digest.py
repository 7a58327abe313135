"""`cad_digest` never changes: the history keeps the digest of every accepted version and compares new ones.

The oracle is the digest as first written - the sorted JSON of `dataclasses.asdict(cad)` less the fields
of the transmission - and `cad_digest` must give the same hex for every CAD: those of the golden samples,
of a small national day (bench/national_day.py) and arbitrary ones. A few digests are also pinned as the
gateway stored them, so that the oracle cannot drift together with the implementation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.national_day import national_day
from domain.cad import Cad, CadFunction, CadLine
from mappers.interchange import read_interchange
from tests.golden.samples import GOLDEN_SUFFIXES, SAMPLES
from tests.validators.examples import ORIGINAL, cad, cancellation, line
from validators.context import cad_digest


def original_digest(declaration: Cad) -> str:
    """The digest as first written, whose hex is stored for every accepted version."""
    content = {
        name: value
        for name, value in dataclasses.asdict(declaration).items()
        if name not in {"message_reference", "document_datetime"}
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_plain, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"a CAD holds no {type(value).__name__}")


def _cads(data: bytes) -> list[Cad]:
    reading = read_interchange(data, sender_id=None)
    return [m.mapping.cad for m in reading.messages if m.mapping is not None and m.mapping.cad is not None]


def test_stored_digests_are_still_recognised() -> None:
    written = cad(
        lines=(line(description="Café crème ☕", quantity=Decimal("1E+3")),),
        document_datetime=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
    )

    assert cad_digest(ORIGINAL) == "4bb1bca4793c9a5f7875113ff352146adf0122cbb91cd135906d7bfaa2955301"
    assert cad_digest(cancellation()) == "1713325a51e887c53189081bd7a790db8c15b111ea5430df3c5904b597bb30a0"
    assert cad_digest(written) == "a996d5ce2a6c750fd6c883cc84100c049d154f7c568ff7ea7b6c0f3827f18d75"


def test_the_golden_samples_cads_keep_their_digests() -> None:
    files = [path for path in SAMPLES.rglob("*.edi") if not path.name.endswith(GOLDEN_SUFFIXES)]
    cads = [declaration for path in files for declaration in _cads(path.read_bytes())]

    assert len(cads) > 40
    assert [cad_digest(declaration) for declaration in cads] == [original_digest(d) for d in cads]


def test_a_national_days_cads_keep_their_digests() -> None:
    cads = [declaration for _, data in national_day(0.002).files for declaration in _cads(data)]

    assert len(cads) > 100
    assert [cad_digest(declaration) for declaration in cads] == [original_digest(d) for d in cads]


TEXTS = st.text(max_size=8)  # any Unicode: ensure_ascii escapes it
OPTIONAL_TEXTS = st.none() | TEXTS
AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.decimals(places=3)
CENTS = st.none() | st.integers(min_value=-(10**15), max_value=10**15)
LINES = st.builds(
    CadLine,
    line_number=st.integers(min_value=-1, max_value=999),
    classification=TEXTS,
    chapter99_classification=OPTIONAL_TEXTS,
    description=TEXTS,
    adjustment_reasons=st.lists(TEXTS, max_size=2).map(tuple),
    origin_country=TEXTS,
    origin_state=OPTIONAL_TEXTS,
    export_country=OPTIONAL_TEXTS,
    shipment_date=st.dates(),
    quantity=st.none() | AMOUNTS,
    unit=OPTIONAL_TEXTS,
    value=AMOUNTS,
    currency=TEXTS,
    invoice_number=TEXTS,
    invoice_line=TEXTS,
    tariff_treatment=TEXTS,
    declared_duty_cents=CENTS,
    gst_code=OPTIONAL_TEXTS,
    declared_gst_cents=CENTS,
    excise_code=OPTIONAL_TEXTS,
    sima_code=OPTIONAL_TEXTS,
    sima_amount_cents=CENTS,
    surtax_code=OPTIONAL_TEXTS,
)
CADS = st.builds(
    Cad,
    transaction_number=TEXTS,
    version=st.integers(),
    function=st.sampled_from(CadFunction),
    cad_type=TEXTS,
    office=TEXTS,
    sub_location=OPTIONAL_TEXTS,
    release_date=st.dates(),
    document_datetime=st.none() | st.datetimes(timezones=st.just(timezone(timedelta(hours=-5)))),
    cargo_control_numbers=st.lists(TEXTS, max_size=3).map(tuple),
    broker_reference=OPTIONAL_TEXTS,
    previous_transaction=OPTIONAL_TEXTS,
    transport_mode=OPTIONAL_TEXTS,
    importer=TEXTS,
    declarant=TEXTS,
    lines=st.lists(LINES, max_size=3).map(tuple),
    declared_line_count=st.integers(min_value=0, max_value=999),
    declared_total_duty_cents=CENTS,
    declared_total_gst_cents=CENTS,
    message_reference=TEXTS,
)


@settings(max_examples=300, deadline=None)
@given(CADS)
def test_any_cad_keeps_its_digest(declaration: Cad) -> None:
    assert cad_digest(declaration) == original_digest(declaration)
