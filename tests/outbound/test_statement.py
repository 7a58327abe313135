"""The statement of account for brokers (XML, statement-1.xsd) and for people (HTML and PDF): the same
figures in each, valid against the shipped XSD, and a PDF whose structure a reader can trust."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from lxml import etree

from domain.calendar import billing_period
from domain.journal import EntryKind
from domain.statement import Movement, Statement, build_statement
from outbound.schemas import STATEMENT_XSD, SchemaViolation, safe_parser, schema
from outbound.statement import render_statement, statement_name
from outbound.statement_html import render_statement_html
from outbound.statement_pdf import render_statement_pdf

ACCOUNT = "123456782RM0001"
PERIOD = billing_period(dt.date(2025, 7, 17))
NS = {"soa": "urn:carm-gateway:statement:1"}


def movement(seq: int, kind: EntryKind, cents: int, reference: str = "10207003502332") -> Movement:
    return Movement(
        seq=seq,
        kind=kind,
        business_date=dt.date(2025, 6, 18) + dt.timedelta(days=seq % 30),
        due_date=dt.date(2025, 7, 31) if kind is not EntryKind.PAYMENT else None,
        reference=reference,
        description=f"entry {seq}",
        amount_cents=cents,
    )


def statement(*movements: Movement, opening: int = 32533, name: str = "Société <Québec> & fils") -> Statement:
    return build_statement(
        account=ACCOUNT,
        importer_name=name,
        period=PERIOD,
        opening_cents=opening,
        movements=movements,
        ledger_closing_cents=opening + sum(m.amount_cents for m in movements),
    )


EXAMPLE = statement(
    movement(1, EntryKind.ASSESSMENT, 32533),
    movement(2, EntryKind.CANCELLATION, -32533),
    movement(3, EntryKind.PAYMENT, -10000, reference="PAY-7"),
    movement(4, EntryKind.INTEREST, 123, reference="interest"),
    movement(5, EntryKind.PENALTY, 10000, reference="C288"),
    movement(6, EntryKind.REFUND, 2500, reference="REF-1"),
)


def test_the_xml_statement_is_valid_and_groups_every_movement() -> None:
    root = etree.fromstring(render_statement(EXAMPLE), safe_parser())
    assert schema(STATEMENT_XSD).validate(root)
    totals = {
        etree.QName(group).localname: group.get("total") for group in root if group.get("total") is not None
    }
    assert totals == {
        "transactions": "325.33",
        "credits": "-325.33",
        "payments": "-100.00",
        "interest": "1.23",
        "penalties": "100.00",
        "disbursements": "25.00",
    }
    assert root.findtext("soa:openingBalance", namespaces=NS) == "325.33"
    assert root.findtext("soa:closingBalance", namespaces=NS) == "351.56"  # 325.33 - 100 + 1.23 + 100 + 25
    assert root.findtext("soa:amountDue", namespaces=NS) == "351.56"


def test_a_credit_balance_is_due_as_nothing() -> None:
    credit = statement(movement(1, EntryKind.PAYMENT, -50000, reference="PAY"))
    root = etree.fromstring(render_statement(credit))
    assert root.findtext("soa:closingBalance", namespaces=NS) == "-174.67"
    assert root.findtext("soa:amountDue", namespaces=NS) == "0.00"


def test_the_statement_is_named_by_account_and_the_month_its_period_ends() -> None:
    assert statement_name(EXAMPLE) == "soa-123456782RM0001-202507.xml"


def test_a_statement_that_breaks_the_xsd_is_never_produced() -> None:
    with pytest.raises(SchemaViolation, match=r"statement-1\.xsd"):
        render_statement(statement(movement(1, EntryKind.ASSESSMENT, 1, reference="R" * 61)))


def test_the_html_page_escapes_what_it_shows_and_carries_the_figures() -> None:
    page = render_statement_html(EXAMPLE)
    assert "Société &lt;Québec&gt; &amp; fils, account 123456782RM0001" in page
    assert "<script" not in page and "<Québec>" not in page
    assert '<tr class="total"><td>Closing balance</td><td class="amount">351.56</td></tr>' in page
    assert "Disbursements (refunds)" in page and "None in this period." not in page


def pdf_objects(data: bytes) -> dict[int, int]:
    """Object number -> byte offset, as the cross-reference table says."""
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[start:].startswith(b"xref\n0 ")
    header, *rows = data[start:].split(b"trailer")[0].splitlines()[1:]
    count = int(header.split()[1])
    assert len(rows) == count and rows[0] == b"0000000000 65535 f "
    return {number: int(row[:10]) for number, row in enumerate(rows[1:], start=1)}


def test_the_pdf_cross_reference_table_points_at_every_object() -> None:
    data = render_statement_pdf(EXAMPLE)
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    for number, offset in pdf_objects(data).items():
        assert data[offset:].startswith(b"%d 0 obj\n" % number)


def test_every_content_stream_has_its_declared_length() -> None:
    data = render_statement_pdf(EXAMPLE)
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", data):
        end = match.end() + int(match[1])
        assert data[end : end + len(b"\nendstream")] == b"\nendstream"


def test_a_long_statement_runs_over_pages_each_footed_and_the_same_every_time() -> None:
    long = statement(*(movement(seq, EntryKind.ASSESSMENT, 100) for seq in range(1, 200)))
    data = render_statement_pdf(long)
    pages = int(re.search(rb"/Count (\d+)", data)[1])  # type: ignore[index]
    assert pages >= 4
    assert data.count(b"page %d of %d" % (pages, pages)) == 1
    assert render_statement_pdf(long) == data


def test_accented_names_are_written_in_win_ansi_and_parentheses_are_escaped() -> None:
    data = render_statement_pdf(statement(name="Café (Montréal)"))
    assert b"(Caf\\351 \\(Montr\\351al\\), account 123456782RM0001)" in data
