"""Statement arithmetic, and the RPP security requirement (domain layer).

Pure values and rules behind the nightly and monthly files (DOMAIN.md "Accounts receivable ledger", "RPP
financial security"). A `Movement` is what one posted entry did to an importer's receivable, signed: positive
when the importer owes more, negative for a payment or credit. `build_statement` checks opening balance +
movements against the closing balance the ledger sums on its own, else `StatementMismatch` names the account;
`verify_posted` re-hashes a stored entry, so nothing is reported from a tampered journal. The RPP requirement
is 50 % (bond) or 100 % (cash) of the highest month's duties and taxes, between $5,000 and $10,000,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from domain.calendar import (
    ONE_DAY,
    PERIOD_END_DAY,
    SOA_DAY,
    BillingPeriod,
    billing_period,
    payment_due_date,
    soa_date,
)
from domain.errors import DomainError
from domain.journal import GENESIS_HASH, EntryKind, JournalEntry, PostedEntry, chain_hash, receivable_account
from domain.money import percent_of

CAD_KINDS: Final = frozenset(
    {EntryKind.ASSESSMENT, EntryKind.CORRECTION, EntryKind.ADJUSTMENT, EntryKind.CANCELLATION}
)
MINIMUM_SECURITY_CENTS: Final = 5_000_00  # DOMAIN.md "RPP": minimum $5,000
MAXIMUM_SECURITY_CENTS: Final = 10_000_000_00  # ... maximum $10,000,000
BOND_PERCENT: Final = Decimal(50)  # a bond covers 50 % of the highest month
CASH_PERCENT: Final = Decimal(100)  # cash covers 100 %
REVIEW_DAY: Final = (10, 20)  # the annual review on 20 October, over 20 October (year before) - 19 October
COMPLIANCE_DAY: Final = (1, 15)  # an increase must be met by 15 January of the next year


class StatementMismatch(DomainError):
    """A statement's arithmetic disagrees with the ledger (opening + movements != closing)."""

    def __init__(self, account: str, message: str) -> None:
        super().__init__(account, message)
        self.account = account

    def __str__(self) -> str:
        return f"statement of account {self.account}: {self.args[1]}"


class TamperedEntry(StatementMismatch):
    """A stored journal entry no longer matches its hash or chain: the ledger was altered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Movement:
    """What one posted entry did to an importer's receivable (amount > 0: owed more; < 0: credited)."""

    seq: int
    kind: EntryKind
    business_date: dt.date
    due_date: dt.date | None
    reference: str
    description: str
    amount_cents: int


def receivable_movement(entry: JournalEntry, seq: int) -> Movement:
    """The movement of `entry` on its own account's receivable (debits less credits of `AR:<account>`)."""
    receivable = receivable_account(entry.account)
    amount = sum(
        line.debit_cents - line.credit_cents for line in entry.lines if line.ledger_account == receivable
    )
    return Movement(
        seq=seq,
        kind=entry.kind,
        business_date=entry.business_date,
        due_date=entry.due_date,
        reference=entry.reference,
        description=entry.description,
        amount_cents=amount,
    )


def verify_posted(posted: PostedEntry, previous: PostedEntry | None) -> None:
    """Check a stored entry is balanced, matches its hash, and chains to `previous` when that is its
    predecessor (same account, seq one less).

    Raises:
        TamperedEntry: naming the account and seq.
    """
    entry = posted.entry
    reason = ""
    if not entry.is_balanced:
        reason = f"debits {entry.total_debits} and credits {entry.total_credits} cents differ"
    elif chain_hash(entry, seq=posted.seq, prev_hash=posted.prev_hash) != posted.entry_hash:
        reason = "its content no longer matches its hash (altered after posting)"
    elif posted.prev_hash != _expected_prev_hash(posted, previous):
        reason = "it does not chain to the entry before it"
    if reason:
        raise TamperedEntry(entry.account, f"journal entry seq {posted.seq} is broken: {reason}")


def _expected_prev_hash(posted: PostedEntry, previous: PostedEntry | None) -> str:
    """The hash `posted` must chain to: its predecessor's when that was read too, else its own claim."""
    if (
        previous is not None
        and previous.entry.account == posted.entry.account
        and previous.seq + 1 == posted.seq
    ):
        return previous.entry_hash
    if posted.seq == 1:
        return GENESIS_HASH
    return posted.prev_hash


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """A statement of account: its closing balance follows from its opening balance and movements.

    Raises:
        StatementMismatch: a movement lies outside the period.
    """

    account: str
    importer_name: str
    period: BillingPeriod
    opening_cents: int
    movements: tuple[Movement, ...]

    def __post_init__(self) -> None:
        outside = next((m for m in self.movements if m.business_date not in self.period), None)
        if outside is not None:
            where = f"entry seq {outside.seq} of {outside.business_date}"
            raise StatementMismatch(self.account, f"{where} is outside the period {self.period}")

    @property
    def closing_cents(self) -> int:
        return self.opening_cents + sum(movement.amount_cents for movement in self.movements)

    @property
    def issued(self) -> dt.date:
        return soa_date(self.period)

    @property
    def due_date(self) -> dt.date:
        return payment_due_date(self.period)

    @property
    def amount_due_cents(self) -> int:
        """What to pay by the due date: the closing balance, nothing when it is a credit."""
        return max(self.closing_cents, 0)


def build_statement(
    *,
    account: str,
    importer_name: str,
    period: BillingPeriod,
    opening_cents: int,
    movements: Iterable[Movement],
    ledger_closing_cents: int,
) -> Statement:
    """The statement of `account` for `period`, its closing balance checked against the ledger's own sum.

    Raises:
        StatementMismatch: a movement lies outside the period, or opening + movements != the ledger's closing.
    """
    statement = Statement(
        account=account,
        importer_name=importer_name,
        period=period,
        opening_cents=opening_cents,
        movements=tuple(movements),
    )
    closing = statement.closing_cents
    if closing != ledger_closing_cents:
        raise StatementMismatch(
            account,
            f"opening {opening_cents} + movements {closing - opening_cents} = {closing} cents, "
            f"but the ledger sums {ledger_closing_cents} cents at {period.end}",
        )
    return statement


def period_ending(year: int, month: int) -> BillingPeriod:
    """The billing period that ends on the 17th of `month` (the statement of `YYYY-MM`)."""
    return billing_period(dt.date(year, month, PERIOD_END_DAY))


def statement_period(issue_day: dt.date) -> BillingPeriod | None:
    """The billing period whose statement is issued on `issue_day` (the 25th), or None on any other day."""
    if issue_day.day != SOA_DAY:
        return None
    return period_ending(issue_day.year, issue_day.month)


@dataclass(frozen=True, slots=True, kw_only=True)
class RppRequirement:
    """The security an importer must hold to keep release prior to payment, as a bond or as cash."""

    bond_cents: int
    cash_cents: int


def _bounded(cents: int) -> int:
    return max(MINIMUM_SECURITY_CENTS, min(MAXIMUM_SECURITY_CENTS, cents))


def rpp_requirement(peak_cents: int) -> RppRequirement:
    """The requirement for a highest month of `peak_cents` duties and taxes (a negative month counts as 0)."""
    peak = max(peak_cents, 0)
    return RppRequirement(
        bond_cents=_bounded(percent_of(peak, BOND_PERCENT)),
        cash_cents=_bounded(percent_of(peak, CASH_PERCENT)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewPeriod:
    """The days an annual RPP review covers: 20 October of one year to 19 October of the next."""

    start: dt.date
    end: dt.date


def is_review_day(day: dt.date) -> bool:
    return (day.month, day.day) == REVIEW_DAY


def review_period(review_day: dt.date) -> ReviewPeriod:
    """The period reviewed on `review_day` (20 October): from 20 October of the year before to 19 October."""
    start = dt.date(review_day.year - 1, *REVIEW_DAY)
    return ReviewPeriod(start=start, end=dt.date(review_day.year, *REVIEW_DAY) - ONE_DAY)


@dataclass(frozen=True, slots=True, kw_only=True)
class RppReview:
    """One account's annual review: its highest month now, and the requirement before and after."""

    account: str
    review_day: dt.date
    peak_month: dt.date | None  # the first day of the highest month; None when nothing was charged
    peak_cents: int
    previous: RppRequirement
    required: RppRequirement

    @property
    def period(self) -> ReviewPeriod:
        return review_period(self.review_day)

    @property
    def compliance_date(self) -> dt.date:
        return dt.date(self.review_day.year + 1, *COMPLIANCE_DAY)

    @property
    def increased(self) -> bool:
        """Whether either form of security must grow (a bond can grow while cash is capped)."""
        before, after = self.previous, self.required
        return after.bond_cents > before.bond_cents or after.cash_cents > before.cash_cents


def highest_month(monthly: Mapping[dt.date, int]) -> tuple[dt.date | None, int]:
    """The month with the most duties and taxes, and its amount (the earliest of equal months)."""
    best: tuple[dt.date | None, int] = (None, 0)
    for month in sorted(monthly):
        if monthly[month] > best[1]:
            best = (month, monthly[month])
    return best


def review_account(
    account: str, review_day: dt.date, *, current: Mapping[dt.date, int], previous: Mapping[dt.date, int]
) -> RppReview:
    """Review one account from its monthly duties and taxes in this review period and the one before.

    The previous requirement is recomputed from the previous period's months: postings are dated by the day
    they are posted and the journal is append-only, so this is exactly what last year's review found.
    """
    peak_month, peak = highest_month(current)
    return RppReview(
        account=account,
        review_day=review_day,
        peak_month=peak_month,
        peak_cents=peak,
        previous=rpp_requirement(highest_month(previous)[1]),
        required=rpp_requirement(peak),
    )
