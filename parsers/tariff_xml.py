"""The Customs Tariff feed: XML bytes to a `TariffEdition`, and back (parsers layer).

The format is MIG.md §6, namespace `urn:carm-gateway:tariff:1`, described by `parsers/schemas/tariff-1.xsd`.
`parse_tariff` is pure: bytes in, a domain `TariffEdition` out, or a `TariffFeedError` whose message names the
line. The XML parser is locked down: no DTD, no entity expansion, no network, no huge trees, and a document
with a DOCTYPE is refused outright (billion laughs, external entities). After the XSD, the domain's own rules
apply (which attributes make a rate, no overlapping rates, units for per-unit rates). `render_tariff` writes
the same format; the fixture generator uses it, and parse(render(edition)) == edition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Protocol, TypeVar, cast

from lxml import etree

from domain.errors import InvalidReferenceData
from domain.tariff import Rate, TariffEdition, TariffItem, Treatment
from parsers.errors import TariffFeedError

NAMESPACE = "urn:carm-gateway:tariff:1"
_NS = f"{{{NAMESPACE}}}"
TREATMENT, COUNTRY, ITEM, DESCRIPTION, RATE = (
    f"{_NS}{name}" for name in ("treatment", "country", "item", "description", "rate")
)
_TRUE = frozenset({"true", "1"})  # xs:boolean
_POSITION = re.compile(r", line \d+, column \d+$")
_T = TypeVar("_T")


class _LogEntry(Protocol):
    """What lxml's validation log entries carry (lxml-stubs do not describe them)."""

    line: int
    message: str


def _line(element: etree._Element) -> int | None:
    return cast("int | None", element.sourceline)  # lxml-stubs leave sourceline untyped


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


@cache
def tariff_schema() -> etree.XMLSchema:
    """The shipped tariff-1.xsd, read once."""
    text = resources.files("parsers").joinpath("schemas/tariff-1.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(text, _safe_parser()))


def parse_tariff(data: bytes) -> TariffEdition:
    """Read a tariff edition from the bytes of a tariff-1 XML file.

    Raises:
        TariffFeedError: the file is empty, not well-formed, has a DOCTYPE, breaks the XSD or a tariff rule;
            the message starts with "line N:" where the file has lines.
    """
    root = _read(data)
    _validate(root)
    treatments = tuple(_at(element, _treatment) for element in root.iterchildren(TREATMENT))
    items = tuple(_at(element, _item) for element in root.iterchildren(ITEM))
    return _at(root, lambda element: _edition(element, treatments, items))


def _read(data: bytes) -> etree._Element:
    if not data.strip():
        raise TariffFeedError("The tariff file is empty.")
    at = data.find(b"<!DOCTYPE")
    if at >= 0:
        _refuse_doctype(data.count(b"\n", 0, at) + 1)
    try:
        tree = etree.fromstring(data, _safe_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        message = _POSITION.sub("", error.msg)  # lxml repeats ", line N, column M"; the prefix says it once
        raise TariffFeedError(f"line {error.lineno}: {message}.", line=error.lineno) from None
    docinfo: Any = tree.docinfo  # lxml-stubs do not know DocInfo.doctype
    if docinfo.doctype:  # spelt in an encoding the byte scan above cannot see (UTF-16...)
        _refuse_doctype(1)
    return tree.getroot()


def _refuse_doctype(line: int) -> None:
    message = f"line {line}: a DOCTYPE is not allowed in a tariff file (no DTDs, no entities)."
    raise TariffFeedError(message, line=line)


def _validate(root: etree._Element) -> None:
    schema = tariff_schema()
    if schema.validate(root):
        return
    errors = list(cast("Iterable[_LogEntry]", schema.error_log))
    first = errors[0]
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    message = first.message.replace(_NS, "").rstrip(".")
    raise TariffFeedError(f"line {first.line}: {message}{more}.", line=first.line)


def _at(element: etree._Element, build: Callable[[etree._Element], _T]) -> _T:
    """Build a domain value from `element`, turning a broken domain rule into an error naming its line."""
    try:
        return build(element)
    except InvalidReferenceData as error:
        line = _line(element)
        raise TariffFeedError(f"line {line}: {error}.", line=line) from None


def _edition(
    root: etree._Element, treatments: tuple[Treatment, ...], items: tuple[TariffItem, ...]
) -> TariffEdition:
    return TariffEdition(
        edition=root.get("edition", ""),
        sequence=int(root.get("sequence", "0")),
        effective=_date(root, "effective") or date.min,
        treatments=treatments,
        items=items,
    )


def _treatment(element: etree._Element) -> Treatment:
    countries = frozenset(country.text or "" for country in element.iterchildren(COUNTRY))
    return Treatment(code=element.get("code", ""), name=element.get("name", ""), countries=countries)


def _item(element: etree._Element) -> TariffItem:
    description = element.find(DESCRIPTION)
    return TariffItem(
        number=element.get("number", ""),
        uom=element.get("uom"),
        description=(description.text or "") if description is not None else "",
        effective=_date(element, "effective") or date.min,
        expires=_date(element, "expires"),
        rates=tuple(_at(rate, _rate) for rate in element.iterchildren(RATE)),
    )


def _rate(element: etree._Element) -> Rate:
    return Rate(
        treatment=element.get("treatment", ""),
        free=element.get("free", "false").strip() in _TRUE,
        ad_valorem=_decimal(element, "adValorem"),
        specific=_decimal(element, "specific"),
        minimum=_decimal(element, "minimum"),
        maximum=_decimal(element, "maximum"),
        effective=_date(element, "effective"),
        expires=_date(element, "expires"),
    )


def _decimal(element: etree._Element, name: str) -> Decimal | None:
    value = element.get(name)
    return None if value is None else Decimal(value.strip())  # the XSD allowed only plain decimals


def _date(element: etree._Element, name: str) -> date | None:
    value = element.get(name)
    return None if value is None else date.fromisoformat(value.strip())


def render_tariff(edition: TariffEdition, *, comment: str | None = None) -> bytes:
    """Write `edition` as tariff-1 XML (UTF-8), with an optional comment before the root element."""
    root = etree.Element(
        f"{_NS}tariff",
        {"edition": edition.edition, "sequence": str(edition.sequence), "effective": str(edition.effective)},
        nsmap={None: NAMESPACE},  # type: ignore[dict-item]  # lxml-stubs refuse the default namespace
    )
    for treatment in edition.treatments:
        element = etree.SubElement(root, TREATMENT, {"code": treatment.code, "name": treatment.name})
        for country in sorted(treatment.countries):
            etree.SubElement(element, COUNTRY).text = country
    for item in edition.items:
        _render_item(root, item)
    if comment is not None:
        root.addprevious(etree.Comment(comment))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _render_item(root: etree._Element, item: TariffItem) -> None:
    attributes = {
        "number": item.number,
        "uom": item.uom,
        "effective": item.effective,
        "expires": item.expires,
    }
    element = etree.SubElement(root, ITEM, _present(attributes))
    etree.SubElement(element, DESCRIPTION).text = item.description
    for rate in item.rates:
        values: dict[str, object] = {
            "treatment": rate.treatment,
            "free": "true" if rate.free else None,
            "adValorem": rate.ad_valorem,
            "specific": rate.specific,
            "minimum": rate.minimum,
            "maximum": rate.maximum,
            "effective": rate.effective,
            "expires": rate.expires,
        }
        etree.SubElement(element, RATE, _present(values))


def _present(values: Mapping[str, object]) -> dict[str, str]:
    """The attributes that have a value, as text (decimals in plain notation, dates ISO)."""
    return {
        name: format(value, "f") if isinstance(value, Decimal) else str(value)
        for name, value in values.items()
        if value is not None
    }
