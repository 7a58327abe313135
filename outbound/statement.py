"""The statement of account as XML, `statement-1.xsd` (outbound layer).

`render_statement` writes a checked `domain.statement.Statement` (its arithmetic agreed with the ledger) in
the shipped format, namespace `urn:carm-gateway:statement:1`, and validates the bytes against the XSD before
anyone can queue them. Amounts are cents as decimal text (`format_cents`), signed by their effect on what the
importer owes, in the groups of DOMAIN.md "SOA contents" (`Section`: CAD postings split by sign into
transactions and credits, the rest by kind). `transactions_element` writes one group of movements; the daily
notice uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from lxml import etree

from domain.journal import EntryKind
from domain.money import format_cents
from domain.statement import Movement, Statement
from outbound.schemas import STATEMENT_XSD, serialise_valid


class Section(StrEnum):
    """The groups of a statement, in the order it lists them (DOMAIN.md "SOA contents")."""

    TRANSACTIONS = "transactions"  # assessments, corrections, adjustments, cancellations adding to the debt
    CREDITS = "credits"  # ... those reducing it: a refund-giving correction or adjustment, a cancellation
    PAYMENTS = "payments"
    INTEREST = "interest"
    PENALTIES = "penalties"
    DISBURSEMENTS = "disbursements"  # refunds paid out


_SECTION_OF_KIND: Final = {
    EntryKind.PAYMENT: Section.PAYMENTS,
    EntryKind.INTEREST: Section.INTEREST,
    EntryKind.PENALTY: Section.PENALTIES,
    EntryKind.REFUND: Section.DISBURSEMENTS,
}


def statement_section(movement: Movement) -> Section:
    """The statement group of a movement: CAD postings split by sign, the rest by kind."""
    found = _SECTION_OF_KIND.get(movement.kind)
    if found is not None:
        return found
    return Section.CREDITS if movement.amount_cents < 0 else Section.TRANSACTIONS


def grouped(statement: Statement) -> dict[Section, list[Movement]]:
    """The statement's movements by group, every group present, in `Section` order and posting order."""
    groups: dict[Section, list[Movement]] = {section: [] for section in Section}
    for movement in statement.movements:
        groups[statement_section(movement)].append(movement)
    return groups


NAMESPACE: Final = "urn:carm-gateway:statement:1"
CURRENCY: Final = "CAD"
SECTION_ELEMENTS: Final = {
    Section.TRANSACTIONS: "transactions",
    Section.CREDITS: "credits",
    Section.PAYMENTS: "payments",
    Section.INTEREST: "interest",
    Section.PENALTIES: "penalties",
    Section.DISBURSEMENTS: "disbursements",
}


def statement_name(statement: Statement) -> str:
    """The outbox name of a statement: `soa-<BN15>-<CCYYMM>.xml`, the month its period ends (MIG.md §5)."""
    return f"soa-{statement.account}-{statement.period.end:%Y%m}.xml"


def render_statement(statement: Statement) -> bytes:
    """The statement as statement-1 XML, valid against the shipped XSD.

    Raises:
        outbound.schemas.SchemaViolation: the document breaks the XSD (a bug; nothing is sent).
    """
    root = new_root(NAMESPACE, "statement")
    root.set("account", statement.account)
    root.set("importerName", statement.importer_name)
    root.set("periodStart", statement.period.start.isoformat())
    root.set("periodEnd", statement.period.end.isoformat())
    root.set("issued", statement.issued.isoformat())
    root.set("currency", CURRENCY)
    etree.SubElement(root, qualified(NAMESPACE, "openingBalance")).text = format_cents(
        statement.opening_cents
    )
    for section, movements in grouped(statement).items():
        transactions_element(root, NAMESPACE, SECTION_ELEMENTS[section], movements)
    etree.SubElement(root, qualified(NAMESPACE, "closingBalance")).text = format_cents(
        statement.closing_cents
    )
    due = etree.SubElement(root, qualified(NAMESPACE, "amountDue"), dueDate=statement.due_date.isoformat())
    due.text = format_cents(statement.amount_due_cents)
    return serialise_valid(root, STATEMENT_XSD)


def new_root(namespace: str, name: str) -> etree._Element:
    """A root element `name` whose namespace is the document's default one."""
    return etree.Element(qualified(namespace, name), nsmap={None: namespace})  # type: ignore[dict-item]  # lxml-stubs refuse the default namespace


def qualified(namespace: str, name: str) -> str:
    """An element name in Clark notation: `{namespace}name`."""
    return f"{{{namespace}}}{name}"


def transactions_element(
    parent: etree._Element, namespace: str, name: str, movements: Sequence[Movement]
) -> etree._Element:
    """A group element `name` with its total and one `transaction` per movement, in posting order."""
    total = format_cents(sum(movement.amount_cents for movement in movements))
    group = etree.SubElement(parent, qualified(namespace, name), total=total)
    tag = qualified(namespace, "transaction")
    for movement in movements:
        etree.SubElement(group, tag, transaction_attributes(movement))
    return group


def transaction_attributes(movement: Movement) -> dict[str, str]:
    """The attributes of one `transaction` element, in document order."""
    attributes = {
        "kind": str(movement.kind),
        "reference": movement.reference,
        "posted": movement.business_date.isoformat(),
    }
    if movement.due_date is not None:
        attributes["dueDate"] = movement.due_date.isoformat()
    attributes["amount"] = format_cents(movement.amount_cents)
    if movement.description:
        attributes["description"] = movement.description
    return attributes
