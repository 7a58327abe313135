"""The header of a CAD read from a CUSDEC: BGM, LOC, DTM, SG1 RFF, SG4 TDT, SG6 NAD (mappers layer).

MIG.md §2 "Header", field by field: each reader adds a finding for what it cannot map and `map_header` returns
a `Header` only when every required field could be read. Qualifiers the guide does not use at a position it
reads (say LOC+5 or RFF+AAQ) are ignored, as MIG.md §2 ignores segments it does not use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from domain.cad import CadFunction
from domain.findings import CatalogueEntry, Level
from domain.identifiers import (
    CargoControlNumber,
    OfficeCode,
    ProgramAccount,
    SubLocationCode,
    TransactionNumber,
)
from mappers import codes
from mappers import cusdec_layout as edi
from mappers.cusdec_layout import CusdecLayout
from mappers.fields import (
    Findings,
    Place,
    code_at,
    identifier_at,
    pick,
    read_date,
    read_datetime,
    required_text,
)
from parsers.model import Segment

HEADER = Place(Level.HEADER)
MAX_CARGO_CONTROL_NUMBERS = 9  # MIG.md §2: RFF+CN repeat ≤ 9
MAX_BROKER_REFERENCE = 35  # MIG.md §2: RFF+ABE an..35
FUNCTIONS = {
    edi.FUNCTION_ORIGINAL: CadFunction.ORIGINAL,
    edi.FUNCTION_REPLACE: CadFunction.REPLACE,
    edi.FUNCTION_CANCELLATION: CadFunction.CANCEL,
}
# UN/ECE Recommendation 19: one digit, 0 (not specified) to 9 (not known)
TRANSPORT_MODE = re.compile(r"[0-9]", re.ASCII)
VERSION = re.compile(r"[0-9]{5}")  # MIG.md §2: BGM C106/1056 version n5
Parse = Callable[[str], object]  # a domain.identifiers parser: the value, or InvalidIdentifier


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """What BGM says: which declaration, which version, what this version does."""

    transaction_number: str
    version: int
    function: CadFunction
    cad_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """Every header field of a CAD, read and checked."""

    document: Document
    office: str
    sub_location: str | None
    release_date: date
    document_datetime: datetime | None
    cargo_control_numbers: tuple[str, ...]
    broker_reference: str | None
    previous_transaction: str | None
    transport_mode: str | None
    importer: str
    declarant: str


def map_header(layout: CusdecLayout, findings: Findings) -> Header | None:
    """The CAD header, or None when a finding stands in for a required field."""
    document = _document(layout.at(edi.BGM), findings)
    office, sub_location = _locations(layout.at(edi.HEADER_LOC), findings)
    release_date, document_datetime = _dates(layout.at(edi.HEADER_DTM), findings)
    references = layout.at(edi.SG1_RFF)
    ccns = _cargo_control_numbers(references, findings)
    importer, declarant = _parties(layout.at(edi.SG6_NAD), findings)
    broker_reference = _broker_reference(references, findings)
    previous = _single_identifier(references, edi.PREVIOUS_TRANSACTION, findings, TransactionNumber.parse)
    mode = _transport_mode(layout.at(edi.SG4_TDT), findings)
    if document is None or office is None or release_date is None or importer is None or declarant is None:
        return None
    return Header(
        document=document,
        office=office,
        sub_location=sub_location,
        release_date=release_date,
        document_datetime=document_datetime,
        cargo_control_numbers=ccns,
        broker_reference=broker_reference,
        previous_transaction=previous,
        transport_mode=mode,
        importer=importer,
        declarant=declarant,
    )


def _document(segments: list[Segment], findings: Findings) -> Document | None:
    if not segments:
        findings.add(codes.SEGMENT_MISSING, "BGM is missing", HEADER.at("BGM"))
        return None
    bgm = segments[0]
    name = bgm.component(1)
    if name != edi.GOODS_DECLARATION_FOR_IMPORTATION:
        message = f"document name {name!r} is not {edi.GOODS_DECLARATION_FOR_IMPORTATION}"
        findings.add(codes.NOT_IMPORT_DECLARATION, message, HEADER.at(bgm, 1))
    cad_type = required_text(findings, bgm, HEADER, 1, 4)
    transaction = _identifier(findings, bgm, 2, 1, TransactionNumber.parse, codes.TRANSACTION_NUMBER_INVALID)
    version = _version(bgm, findings)
    function = FUNCTIONS.get(bgm.component(3))
    if function is None:
        message = f"message function {bgm.component(3)!r} is not 9 (original), 5 (replace) or 1 (cancel)"
        findings.add(codes.FUNCTION_UNKNOWN, message, HEADER.at(bgm, 3))
    if transaction is None or version is None or function is None or not cad_type:
        return None
    return Document(transaction_number=transaction, version=version, function=function, cad_type=cad_type)


def _version(bgm: Segment, findings: Findings) -> int | None:
    text = required_text(findings, bgm, HEADER, 2, 2)
    if not text:
        return None
    if VERSION.fullmatch(text) and int(text) > 0:
        return int(text)
    findings.add(codes.VERSION_INVALID, f"version {text!r} is not 5 digits from 00001", HEADER.at(bgm, 2, 2))
    return None


def _identifier(
    findings: Findings,
    segment: Segment,
    element: int,
    component: int,
    parse: Parse,
    entry: CatalogueEntry,
) -> str | None:
    return identifier_at(findings, segment, HEADER, element, component, parse=parse, entry=entry)


def _locations(segments: list[Segment], findings: Findings) -> tuple[str | None, str | None]:
    offices = pick(findings, segments, edi.OFFICE_OF_RELEASE, HEADER, name="LOC+22")
    subs = pick(findings, segments, edi.SUB_LOCATION, HEADER, name="LOC+18", required=False)
    office = (
        _identifier(findings, offices[0], 2, 1, OfficeCode.parse, codes.OFFICE_INVALID) if offices else None
    )
    sub = _identifier(findings, subs[0], 2, 1, SubLocationCode.parse, codes.OFFICE_INVALID) if subs else None
    return office, sub


def _dates(segments: list[Segment], findings: Findings) -> tuple[date | None, datetime | None]:
    releases = pick(findings, segments, edi.RELEASE_DATE, HEADER, name="DTM+204")
    stamps = pick(findings, segments, edi.DOCUMENT_DATETIME, HEADER, name="DTM+137", required=False)
    release = read_date(findings, releases[0], HEADER, what="release date") if releases else None
    stamp = read_datetime(findings, stamps[0], HEADER, what="document date/time") if stamps else None
    return release, stamp


def _cargo_control_numbers(references: list[Segment], findings: Findings) -> tuple[str, ...]:
    chosen = pick(
        findings, references, edi.CARGO_CONTROL_NUMBER, HEADER, name="RFF+CN", limit=MAX_CARGO_CONTROL_NUMBERS
    )
    read = (_identifier(findings, rff, 1, 2, CargoControlNumber.parse, codes.CCN_INVALID) for rff in chosen)
    return tuple(ccn for ccn in read if ccn is not None)


def _broker_reference(references: list[Segment], findings: Findings) -> str | None:
    chosen = pick(findings, references, edi.BROKER_REFERENCE, HEADER, name="RFF+ABE", required=False)
    if not chosen:
        return None
    text = required_text(findings, chosen[0], HEADER, 1, 2)
    if len(text) > MAX_BROKER_REFERENCE:
        message = f"broker reference is {len(text)} characters, at most {MAX_BROKER_REFERENCE}"
        findings.add(codes.TEXT_TOO_LONG, message, HEADER.at(chosen[0], 1, 2))
    return text or None


def _single_identifier(
    references: list[Segment], wanted: str, findings: Findings, parse: Parse
) -> str | None:
    chosen = pick(findings, references, wanted, HEADER, name=f"RFF+{wanted}", required=False)
    if not chosen:
        return None
    return _identifier(findings, chosen[0], 1, 2, parse, codes.TRANSACTION_NUMBER_INVALID)


def _transport_mode(segments: list[Segment], findings: Findings) -> str | None:
    chosen = pick(findings, segments, edi.MAIN_CARRIAGE, HEADER, name="TDT+20", required=False)
    if not chosen:
        return None
    entry = codes.TRANSPORT_MODE_INVALID
    return code_at(
        findings, chosen[0], HEADER, 3, pattern=TRANSPORT_MODE, entry=entry, what="mode of transport"
    )


def _parties(segments: list[Segment], findings: Findings) -> tuple[str | None, str | None]:
    importers = pick(findings, segments, edi.IMPORTER, HEADER, name="NAD+IM")
    declarants = pick(findings, segments, edi.DECLARANT, HEADER, name="NAD+DT")
    importer = _party(importers[0], findings, ProgramAccount.parse_importer) if importers else None
    declarant = _party(declarants[0], findings, ProgramAccount.parse) if declarants else None
    return importer, declarant


def _party(nad: Segment, findings: Findings, parse: Parse) -> str | None:
    agency = nad.component(2, 3)
    if agency != edi.MUTUALLY_DEFINED:
        message = f"{edi.label(nad)} code list agency is {agency or 'missing'}, not {edi.MUTUALLY_DEFINED}"
        findings.add(codes.PARTY_AGENCY_INVALID, message, HEADER.at(nad, 2, 3))
    return _identifier(findings, nad, 2, 1, parse, codes.PARTY_INVALID)
