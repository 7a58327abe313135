"""The statement of account for people: the words and figures, and an HTML page (outbound layer).

`carm-gateway ledger statement --format html|pdf` renders the same checked `Statement` the monthly batch
sends as XML. The wording shared by both human formats lives here: the section titles, the summary (opening
balance, each group's total, closing balance, amount due) and amounts as `1,234.56` with a minus for credits.
`render_statement_html` writes one self-contained page (inline style, no scripts, every text escaped).
"""

from __future__ import annotations

from html import escape
from typing import Final

from domain.money import from_cents
from domain.statement import Movement, Statement
from outbound.statement import Section, grouped

TITLE: Final = "Statement of account"
SECTION_TITLES: Final = {
    Section.TRANSACTIONS: "Transactions (assessments, corrections, adjustments, cancellations)",
    Section.CREDITS: "Credits",
    Section.PAYMENTS: "Payments",
    Section.INTEREST: "Interest",
    Section.PENALTIES: "Penalties",
    Section.DISBURSEMENTS: "Disbursements (refunds)",
}
COLUMNS: Final = ("Posted", "Kind", "Reference", "Due", "Amount")
_STYLE: Final = " ".join(
    (
        "body{font-family:sans-serif;margin:2em;color:#111}",
        "table{border-collapse:collapse;margin-bottom:1.5em}",
        "th,td{padding:.2em .8em;border-bottom:1px solid #ccc;text-align:left}",
        ".amount{text-align:right;font-variant-numeric:tabular-nums}",
        "tr.total td{font-weight:bold;border-top:2px solid #111}",
    )
)


def amount_text(cents: int) -> str:
    """Cents for a person: `1,234.56`, `-65.07`."""
    return f"{from_cents(cents):,.2f}"


def heading_lines(statement: Statement) -> tuple[str, ...]:
    """Who and when: the importer, its account, the period, the issue and payment due dates."""
    period = statement.period
    return (
        f"{statement.importer_name}, account {statement.account}"
        if statement.importer_name
        else statement.account,
        f"Billing period {period.start.isoformat()} to {period.end.isoformat()}, issued {statement.issued}",
        f"Payment due {statement.due_date.isoformat()}. Amounts in CAD; a minus sign is a credit.",
    )


def summary_rows(statement: Statement) -> tuple[tuple[str, int, bool], ...]:
    """The statement in figures, (label, cents, emphasised): opening balance, each group's total, closing
    balance and amount due (the last two emphasised)."""
    groups = tuple(
        (SECTION_TITLES[section].split(" (")[0], _total(movements), False)
        for section, movements in grouped(statement).items()
    )
    return (
        ("Opening balance", statement.opening_cents, False),
        *groups,
        ("Closing balance", statement.closing_cents, True),
        (f"Amount due by {statement.due_date.isoformat()}", statement.amount_due_cents, True),
    )


def movement_cells(movement: Movement) -> tuple[str, str, str, str, str]:
    """One movement as the cells of `COLUMNS`."""
    due = movement.due_date.isoformat() if movement.due_date else ""
    return (
        movement.business_date.isoformat(),
        str(movement.kind),
        movement.reference,
        due,
        amount_text(movement.amount_cents),
    )


def render_statement_html(statement: Statement) -> str:
    """The statement as one HTML page."""
    first, *rest = (escape(line) for line in heading_lines(statement))
    title = f"{TITLE} {statement.account} {statement.period.end:%Y-%m}"
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{TITLE}</h1><p><strong>{first}</strong><br>{'<br>'.join(rest)}</p>",
        "<h2>Summary</h2><table>",
    ]
    for label, cents, emphasised in summary_rows(statement):
        parts.append(_row([escape(label)], cents, total=emphasised))
    parts.append("</table>")
    for section, movements in grouped(statement).items():
        parts.append(_section(SECTION_TITLES[section], movements))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _total(movements: list[Movement]) -> int:
    return sum(movement.amount_cents for movement in movements)


def _section(title: str, movements: list[Movement]) -> str:
    if not movements:
        return f"<h2>{escape(title)}</h2><p>None in this period.</p>"
    header = "".join(f"<th>{name}</th>" for name in COLUMNS[:-1]) + f'<th class="amount">{COLUMNS[-1]}</th>'
    rows = [_row([escape(cell) for cell in movement_cells(m)[:-1]], m.amount_cents) for m in movements]
    span, total = len(COLUMNS) - 1, amount_text(_total(movements))
    footer = f'<tr class="total"><td colspan="{span}">Total</td><td class="amount">{total}</td></tr>'
    return f"<h2>{escape(title)}</h2><table><tr>{header}</tr>{''.join(rows)}{footer}</table>"


def _row(cells: list[str], cents: int, *, total: bool = False) -> str:
    """A table row of escaped `cells` and, last, an amount."""
    css = ' class="total"' if total else ""
    leading = "".join(f"<td>{cell}</td>" for cell in cells)
    return f'<tr{css}>{leading}<td class="amount">{amount_text(cents)}</td></tr>'
