"""The text an entry's hashes cover is the JSON document `json.dumps` writes with sorted keys, no spaces and
ASCII only: entries posted before `_canonical` wrote it out directly still verify."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from domain.journal import EntryKind, JournalEntry, JournalLine, _canonical, chain_hash

TEXT = st.text(
    st.characters(codec="utf-8"), max_size=12
)  # quotes, backslashes, controls, non-ASCII, surrogates out


def dumped(entry: JournalEntry) -> str:
    """The document as the journal wrote it from the start (json.dumps)."""
    document = {
        "account": entry.account,
        "key": entry.idempotency_key,
        "kind": str(entry.kind),
        "date": entry.business_date.isoformat(),
        "due": entry.due_date.isoformat() if entry.due_date else None,
        "ref": entry.reference,
        "text": entry.description,
        "lines": [[line.ledger_account, line.debit_cents, line.credit_cents] for line in entry.lines],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


lines = st.lists(
    st.builds(
        JournalLine,
        ledger_account=TEXT,
        debit_cents=st.integers(0, 10**15),
    )
    | st.builds(JournalLine, ledger_account=TEXT, credit_cents=st.integers(0, 10**15)),
    max_size=4,
).map(tuple)
entries = st.builds(
    JournalEntry,
    account=TEXT,
    idempotency_key=TEXT,
    kind=st.sampled_from(EntryKind),
    business_date=st.dates(),
    lines=lines,
    due_date=st.none() | st.dates(),
    reference=TEXT,
    description=TEXT,
)


@given(entries)
def test_the_canonical_text_is_what_json_dumps_writes(entry: JournalEntry) -> None:
    assert _canonical(entry) == dumped(entry)


def test_a_hash_computed_before_stays_the_same() -> None:
    entry = JournalEntry(
        account="123456789RM0001",
        idempotency_key='cad:"12345678901234":1',
        kind=EntryKind.ASSESSMENT,
        business_date=dt.date(2025, 7, 2),
        due_date=dt.date(2025, 7, 31),
        reference="Déclaration\\1",
        description="duty\tand GST",
        lines=(
            JournalLine(ledger_account="AR:123456789RM0001", debit_cents=2_100),
            JournalLine(ledger_account="REVENUE:DUTY", credit_cents=2_000),
            JournalLine(ledger_account="REVENUE:GST", credit_cents=100),
        ),
    )
    assert chain_hash(entry, seq=2, prev_hash="0" * 64) == HASH


HASH = "eed4e00235f525e813fb266de86dc41594e4f1d0d417d8dfb85fa7b10e0d898d"  # by the json.dumps code, before
