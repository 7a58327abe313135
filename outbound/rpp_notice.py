"""The RPP annual review notice as XML, `rpp-notice-1.xsd` (outbound layer).

Written for an account whose security requirement rose at the review of 20 October ("RPP - Annual Review",
DOMAIN.md): the highest month of the review period, the requirement before and after (bond and cash), and
the date by which the importer must comply. Namespace `urn:carm-gateway:rpp-notice:1`; the bytes are
validated against the shipped XSD before anyone can queue them.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from domain.money import format_cents
from domain.statement import RppRequirement, RppReview
from outbound.schemas import RPP_NOTICE_XSD, serialise_valid
from outbound.statement import CURRENCY, new_root, qualified

NAMESPACE: Final = "urn:carm-gateway:rpp-notice:1"
TITLE: Final = "RPP - Annual Review"  # the notice's name at CBSA (with an en dash there; ASCII here)


def rpp_notice_name(review: RppReview) -> str:
    """The outbox name of a review notice: `rpp-<BN15>-<CCYY>.xml`, the year of the review."""
    return f"rpp-{review.account}-{review.review_day:%Y}.xml"


def render_rpp_notice(review: RppReview, importer_name: str) -> bytes:
    """The notice of an increased requirement as rpp-notice-1 XML, valid against the shipped XSD.

    Raises:
        ValueError: the review found no month with duties and taxes (nothing can have increased).
        outbound.schemas.SchemaViolation: the document breaks the XSD (a bug; nothing is sent).
    """
    if review.peak_month is None:
        raise ValueError(f"account {review.account} had no duties and taxes in the review period")
    root = new_root(NAMESPACE, "rppNotice")
    root.set("title", TITLE)
    root.set("account", review.account)
    root.set("importerName", importer_name)
    root.set("reviewDate", review.review_day.isoformat())
    root.set("periodStart", review.period.start.isoformat())
    root.set("periodEnd", review.period.end.isoformat())
    root.set("complianceDate", review.compliance_date.isoformat())
    root.set("currency", CURRENCY)
    month = f"{review.peak_month:%Y-%m}"
    etree.SubElement(
        root, qualified(NAMESPACE, "highestMonth"), month=month, amount=format_cents(review.peak_cents)
    )
    _requirement(root, "previousRequirement", review.previous)
    _requirement(root, "requirement", review.required)
    return serialise_valid(root, RPP_NOTICE_XSD)


def _requirement(parent: etree._Element, name: str, requirement: RppRequirement) -> None:
    etree.SubElement(
        parent,
        qualified(NAMESPACE, name),
        bond=format_cents(requirement.bond_cents),
        cash=format_cents(requirement.cash_cents),
    )
