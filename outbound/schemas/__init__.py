"""The XSDs of the XML files the gateway sends, and the one safe way to check a file against them (outbound
layer).

Daily notices (`daily-notice-1.xsd`), statements of account (`statement-1.xsd`) and RPP review notices
(`rpp-notice-1.xsd`) ship in this package (setup.cfg package data). `serialise_valid` turns a document into
the exact bytes that will be queued and validates those bytes, parsed back with a locked-down parser (no DTD,
no entities, no network), against the shipped XSD: a file that breaks its own schema is a bug of ours and is
never sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, Final, cast

from lxml import etree

DAILY_NOTICE_XSD: Final = "daily-notice-1.xsd"
STATEMENT_XSD: Final = "statement-1.xsd"
RPP_NOTICE_XSD: Final = "rpp-notice-1.xsd"


class SchemaViolation(ValueError):
    """A document the gateway built breaks its shipped XSD (a bug of ours; the file is not sent)."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


@cache
def schema(name: str) -> etree.XMLSchema:
    """The shipped XSD called `name`, read once."""
    text = resources.files(__name__).joinpath(name).read_bytes()
    return etree.XMLSchema(etree.fromstring(text, safe_parser()))


def serialise_valid(root: etree._Element, xsd: str) -> bytes:
    """The UTF-8 bytes of `root`, after checking exactly those bytes against the XSD `xsd`.

    Raises:
        SchemaViolation: naming the XSD and the first error.
    """
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    checker = schema(xsd)
    if not checker.validate(etree.fromstring(data, safe_parser())):
        error: Any = next(iter(cast("Iterable[Any]", checker.error_log)))  # lxml-stubs omit log entries
        raise SchemaViolation(f"the document breaks {xsd}: line {error.line}: {error.message}")
    return data
