"""Money as integer cents, and the one rounding rule of the project (domain layer).

Amounts are stored and passed as integer cents; arithmetic that needs fractions (rates, percentages,
exchange) is done in `Decimal` and brought back to cents by `to_cents`, which is THE one place in the whole
project where an amount is rounded: to the cent, half up (a tie goes away from zero, so 0.005 -> 0.01 and
-0.005 -> -0.01), once per amount (DOMAIN.md "Amounts", DESIGN.md "Storage"). Nothing else rounds: every
other module either stays in whole cents or hands an exact `Decimal` to `to_cents`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, Inexact, getcontext, localcontext

CENT = Decimal("0.01")
# Enough significant digits for any product of two amounts or rates we meet to be exact; an input that
# would need more raises decimal.Inexact instead of being silently rounded twice.
_EXACT_DIGITS = 100


def to_cents(amount: Decimal) -> int:
    """Round an amount in dollars to whole cents, half up (ties away from zero).

    This is the only rounding of amounts in the project.

    Raises:
        ValueError: the amount is NaN or infinite.
    """
    if not amount.is_finite():
        raise ValueError(f"cannot round {amount} to the cent")
    context = getcontext()
    if amount.adjusted() + 4 > context.prec:
        # Room for every digit left of the cent, so quantize never runs out of precision. Only amounts this
        # large pay for a context of their own: this runs for every amount of every line.
        context = context.copy()
        context.prec = amount.adjusted() + 4
    return int(amount.quantize(CENT, rounding=ROUND_HALF_UP, context=context).scaleb(2, context=context))


def from_cents(cents: int) -> Decimal:
    """The exact amount in dollars of a number of cents, with two decimal places (195000 -> 1950.00)."""
    return Decimal(f"{cents}E-2")  # built from text: exact however large, unlike arithmetic in a context


def format_cents(cents: int) -> str:
    """Cents as plain dollars with two decimals and no grouping: 195000 -> "1950.00", -5 -> "-0.05"."""
    dollars, remainder = divmod(abs(cents), 100)  # integers: every CUSRES line writes several of these
    return f"{'-' if cents < 0 else ''}{dollars}.{remainder:02d}"


def percent_of(amount_cents: int, percent: Decimal) -> int:
    """`percent` % of an amount, rounded once (by `to_cents`): 6.5 % of 3000000 cents is 195000.

    Raises:
        decimal.Inexact: the exact product would need more than 100 significant digits.
    """
    with localcontext() as context:
        context.prec = _EXACT_DIGITS
        context.traps[Inexact] = True  # the product must be exact, so that rounding happens only once
        exact = from_cents(amount_cents) * percent / 100
    return to_cents(exact)
