"""The fault tests' workload: 50 varied broker files and, for each, the answer it must get (test helper).

Built from the pipeline tests' CAD helpers (`tests/gateway/cad_files.py`) and their fixture reference data:
tariff item 6109.10.00.22 at MFN 18 % and the Bank of Canada USD rate of 2025-06-12 (1.3612). Every file
has its own control reference and its own transaction numbers (with valid check digits), so files may be
processed in any order by any number of daemons; a correction travels in the same file as its original.
What each file owes is computed here by hand (`owed_cents`), not by the gateway's code.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.identifiers import TransactionNumber
from gateway.bootstrap import System
from tests.gateway.cad_files import SENDER, cad_interchange, cad_message

SECURITY = "10207"  # the account security number of the pipeline tests' transaction numbers
FIRST_SEQUENCE = 4_100_000  # clear of the pipeline tests' own numbers
USD_RATE = Decimal("1.3612")  # Bank of Canada, 2025-06-12 (fixtures/reference/exchange-rates-2025.csv)
DUTY = Decimal("0.18")  # 6109.10.00.22, MFN
GST = Decimal("0.05")
CENT = Decimal("0.01")
FILE_COUNT = 50
BOTH = ("contrl", "cusres")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedFile:
    """One broker upload and the answer it must get."""

    name: str
    raw: bytes
    outcome: str
    responses: tuple[str, ...]  # the kinds of response, each exactly once
    postings: tuple[str, ...]  # the idempotency keys of the journal entries it posts
    owed_cents: int  # what it adds to the importer's balance


def owed_cents(value: str, lines: int = 1) -> int:
    """Duty and GST in cents of `lines` lines of `value` USD each, rounded half up once per amount."""
    value_for_duty = (Decimal(value) * USD_RATE).quantize(CENT, ROUND_HALF_UP)
    duty = (value_for_duty * DUTY).quantize(CENT, ROUND_HALF_UP)
    gst = ((value_for_duty + duty) * GST).quantize(CENT, ROUND_HALF_UP)
    return int((duty + gst) * 100) * lines


class _Numbers:
    """Fresh transaction numbers with valid check digits."""

    def __init__(self, first: int) -> None:
        self._next = first

    def take(self) -> str:
        self._next += 1
        return TransactionNumber.build(SECURITY, self._next).value


def _value(rng: random.Random) -> str:
    return f"{rng.randint(10_000, 500_000) / 100:.2f}"


def _planned(
    control: str,
    raw: bytes,
    outcome: str,
    responses: tuple[str, ...] = BOTH,
    postings: tuple[str, ...] = (),
    owed: int = 0,
) -> PlannedFile:
    return PlannedFile(
        name=f"{control}.edi",
        raw=raw,
        outcome=outcome,
        responses=responses,
        postings=postings,
        owed_cents=owed,
    )


def _single(control: str, numbers: _Numbers, rng: random.Random) -> PlannedFile:
    number, value = numbers.take(), _value(rng)
    return _planned(
        control,
        cad_interchange(control, cad_message("1", transaction=number, value=value)),
        "accepted",
        postings=(f"cad:{number}:1",),
        owed=owed_cents(value),
    )


def _several(control: str, numbers: _Numbers, rng: random.Random) -> PlannedFile:
    cads = [(numbers.take(), _value(rng)) for _ in range(rng.randint(2, 4))]
    messages = [cad_message(str(n), transaction=t, value=v) for n, (t, v) in enumerate(cads, start=1)]
    return _planned(
        control,
        cad_interchange(control, *messages),
        "accepted",
        postings=tuple(f"cad:{t}:1" for t, _ in cads),
        owed=sum(owed_cents(v) for _, v in cads),
    )


def _corrected(control: str, numbers: _Numbers, rng: random.Random) -> PlannedFile:
    """An original and its correction in one file: the correction posts the difference."""
    number, first, second = numbers.take(), _value(rng), _value(rng)
    original = cad_message("1", transaction=number, value=first)
    correction = cad_message("2", transaction=number, version=2, function="5", value=second)
    return _planned(
        control,
        cad_interchange(control, original, correction),
        "accepted",
        postings=(f"cad:{number}:1", f"cad:{number}:2"),
        owed=owed_cents(second),
    )


def _cancelled(control: str, numbers: _Numbers, rng: random.Random) -> PlannedFile:
    """An original and its cancellation in one file: the cancellation reverses everything."""
    number, value = numbers.take(), _value(rng)
    original = cad_message("1", transaction=number, value=value)
    cancellation = cad_message("2", transaction=number, version=2, function="1", value=value)
    return _planned(
        control,
        cad_interchange(control, original, cancellation),
        "accepted",
        postings=(f"cad:{number}:1", f"cad:{number}:2"),
        owed=0,
    )


def _odd_ones(controls: list[str], numbers: _Numbers, rng: random.Random) -> list[PlannedFile]:
    """Rejected, partial and test files: answered like any other, posting little or nothing."""
    broken = cad_message("1", transaction=numbers.take())
    broken[-1] = "UNT+99+1"  # a wrong segment count: the message is rejected by CONTRL, so no CUSRES
    future = dt.date(2025, 6, 27)  # released after the business date 2025-06-20: the CAD is rejected
    unknown = cad_message("1", transaction=numbers.take(), version=2, function="5")  # replaces nothing
    good, value = numbers.take(), _value(rng)
    partial = [
        cad_message("1", transaction=good, value=value),
        cad_message("2", transaction=numbers.take(), release=future),
    ]
    hl7, broken_file, future_file, unknown_file, partial_file, test_file = controls
    return [
        _planned(hl7, b"MSH|^~\\&|LAB|this is HL7, not EDIFACT\r", "rejected", responses=("contrl",)),
        _planned(broken_file, cad_interchange(broken_file, broken), "rejected", responses=("contrl",)),
        _planned(
            future_file,
            cad_interchange(future_file, cad_message("1", transaction=numbers.take(), release=future)),
            "rejected",
        ),
        _planned(unknown_file, cad_interchange(unknown_file, unknown), "rejected"),
        _planned(
            partial_file,
            cad_interchange(partial_file, *partial),
            "partial",
            postings=(f"cad:{good}:1",),
            owed=owed_cents(value),
        ),
        _planned(
            test_file,
            cad_interchange(test_file, cad_message("1", transaction=numbers.take()), test=True),
            "accepted",
        ),
    ]


def plan_files(
    seed: int, count: int = FILE_COUNT, *, first_sequence: int = FIRST_SEQUENCE
) -> list[PlannedFile]:
    """`count` (at least 20) varied files, the same ones for the same seed, in a shuffled order."""
    rng = random.Random(seed)
    numbers = _Numbers(first_sequence)
    controls = [f"FLT{seed % 1000:03d}{n:05d}" for n in range(count)]
    odd = _odd_ones(controls[:6], numbers, rng)
    makers = [_several] * 8 + [_corrected] * 5 + [_cancelled] * 1
    makers += [_single] * (count - len(odd) - len(makers))
    files = odd + [make(control, numbers, rng) for make, control in zip(makers, controls[6:], strict=True)]
    rng.shuffle(files)
    return files


def upload(system: System, files: list[PlannedFile]) -> dict[int, PlannedFile]:
    """Store the files as the broker's uploads, in one transaction; the plan by inbound file id.

    The transaction takes SQLite's write lock at BEGIN, as the workers do: a deferred one that reads first
    fails at once with "database is locked" if a daemon commits between its read and its first write."""
    with system.unit_of_work(immediate=True) as uow:
        ids = [uow.files.receive(sender_id=SENDER, filename=f.name, raw=f.raw) for f in files]
        uow.commit()
    return dict(zip(ids, files, strict=True))


def long_cad(reference: str, number: str, lines: int) -> list[str]:
    """A CAD of `lines` identical lines of 1,000.00 USD, numbered 1…`lines`."""
    message = cad_message(reference, transaction=number)
    start, end = message.index("UNS+D") + 1, message.index("UNS+S")
    body = [
        segment.replace("CST+1+", f"CST+{n}+").replace("RFF+IV:INV-1:1", f"RFF+IV:INV-1:{n}")
        for n in range(1, lines + 1)
        for segment in message[start:end]
    ]
    segments = [*message[1:start], *body, "UNS+S", f"CNT+5:{lines}"]
    return [message[0], *segments, f"UNT+{len(segments) + 2}+{reference}"]


def long_file(control: str, *, cads: int, lines: int, first_sequence: int) -> PlannedFile:
    """`cads` CADs of `lines` lines each: a long transaction that posts early (after its first CAD) and
    writes its responses late (after its last)."""
    numbers = [TransactionNumber.build(SECURITY, first_sequence + n).value for n in range(cads)]
    messages = [long_cad(str(n), number, lines) for n, number in enumerate(numbers, start=1)]
    postings = tuple(f"cad:{number}:1" for number in numbers)
    raw = cad_interchange(control, *messages)
    return _planned(control, raw, "accepted", postings=postings, owed=owed_cents("1000.00", lines) * cads)
