"""The RPP annual review notice: valid against rpp-notice-1.xsd, named by account and year."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from domain.statement import review_account
from outbound.rpp_notice import render_rpp_notice, rpp_notice_name
from outbound.schemas import RPP_NOTICE_XSD, safe_parser, schema

ACCOUNT = "123456782RM0001"
REVIEW_DAY = dt.date(2025, 10, 20)
NS = {"rpp": "urn:carm-gateway:rpp-notice:1"}


def test_an_increase_is_notified_in_a_valid_document() -> None:
    review = review_account(
        ACCOUNT,
        REVIEW_DAY,
        current={dt.date(2024, 10, 1): 1_500_000, dt.date(2025, 3, 1): 3_000_000},
        previous={dt.date(2024, 10, 1): 2_000_000},
    )
    assert review.increased
    root = etree.fromstring(render_rpp_notice(review, "Importer"), safe_parser())
    assert schema(RPP_NOTICE_XSD).validate(root)
    assert root.get("complianceDate") == "2026-01-15" and root.get("reviewDate") == "2025-10-20"
    month = root.find("rpp:highestMonth", NS)
    assert month is not None and dict(month.attrib) == {"month": "2025-03", "amount": "30000.00"}
    assert rpp_notice_name(review) == "rpp-123456782RM0001-2025.xml"


def test_there_is_nothing_to_notify_without_duties_and_taxes() -> None:
    review = review_account(ACCOUNT, REVIEW_DAY, current={}, previous={})
    assert review.peak_month is None and not review.increased
    with pytest.raises(ValueError, match="no duties and taxes"):
        render_rpp_notice(review, "Importer")
