"""The catalogue of mapping findings: stable codes and the text a broker reads (mappers layer).

Every problem the CUSDEC mapper can find has one entry here, with a code that never changes meaning once
published (CUSRES ERC, MIG.md §4), a short title and a plain-language explanation - what
`docs/error-codes.md` is generated from (iterate a `Catalogue`: entries come in code order). A `Finding`
carries the entry's code and a message saying what exactly was wrong where. `Catalogue` and
`CatalogueEntry` are domain values, so the validators build their catalogue the same way; the layering
contract keeps `mappers` and `validators` apart, so the published list is assembled above both.
"""

from __future__ import annotations

from domain.findings import Catalogue, CatalogueEntry


def _entry(code: str, title: str, text: str) -> CatalogueEntry:
    return CatalogueEntry(code=code, title=title, text=text)


NOT_CAD10 = _entry("CAD001", "Not a CAD10 message", "UNH must identify the message as CUSDEC:D:16A:UN:CAD10.")
SEGMENT_MISSING = _entry(
    "CAD002",
    "Required segment missing",
    "A segment the CAD10 guide requires is not in the message, e.g. LOC+22, DTM+204, NAD+IM or, on a line, "
    "LOC+27 or TAX+5+CUD.",
)
ELEMENT_MISSING = _entry(
    "CAD003",
    "Required data missing",
    "A segment is present, but a data element the CAD10 guide requires is empty.",
)
TOO_MANY = _entry(
    "CAD004",
    "Segment repeated too often",
    "A segment occurs more often than the CAD10 guide allows, e.g. two LOC+22 or more than 9 RFF+CN.",
)
NOT_IMPORT_DECLARATION = _entry(
    "CAD005", "Not a goods declaration for importation", "BGM document name code must be 929."
)
TRANSACTION_NUMBER_INVALID = _entry(
    "CAD006", "Invalid transaction number", "A transaction number is 14 digits ending in its check digit."
)
VERSION_INVALID = _entry("CAD007", "Invalid version", "The version is 5 digits, 00001 for the original.")
FUNCTION_UNKNOWN = _entry(
    "CAD008",
    "Unknown message function",
    "BGM message function must be 9 (original), 5 (replace) or 1 (cancel).",
)
DATE_INVALID = _entry(
    "CAD009", "Invalid date", "A date must be a real date CCYYMMDD; a date and time a real CCYYMMDDHHMM."
)
DATE_FORMAT_INVALID = _entry(
    "CAD010",
    "Wrong date format code",
    "Dates use format code 102 (CCYYMMDD), date and time 203 (CCYYMMDDHHMM).",
)
OFFICE_INVALID = _entry(
    "CAD011", "Invalid office code", "Office and sub-location codes are 4 digits, e.g. 0453."
)
CCN_INVALID = _entry(
    "CAD012",
    "Invalid cargo control number",
    "A cargo control number is a 4-character carrier code and up to 21 more characters, A-Z 0-9 and '-'.",
)
PARTY_INVALID = _entry(
    "CAD013",
    "Invalid business number",
    "Parties are identified by a BN15 program account, e.g. 123456782RM0001; the importer's must be RM.",
)
PARTY_AGENCY_INVALID = _entry(
    "CAD014", "Wrong party code list", "A party's BN15 is sent with code list agency ZZZ: NAD+IM+<BN15>::ZZZ."
)
TRANSPORT_MODE_INVALID = _entry(
    "CAD015",
    "Invalid mode of transport",
    "The mode of transport is a UN/ECE Recommendation 19 code (1 to 9).",
)
LINE_NUMBER_INVALID = _entry(
    "CAD016", "Invalid line number", "Lines are numbered 1, 2, 3 ... in the order they are sent."
)
CLASSIFICATION_INVALID = _entry(
    "CAD017", "Invalid classification", "A classification number is 10 digits, e.g. 6109100011."
)
COUNTRY_INVALID = _entry(
    "CAD018", "Invalid country or state code", "Countries (ISO 3166-1) and US states are 2 capital letters."
)
NUMBER_INVALID = _entry(
    "CAD019",
    "Invalid number",
    "Amounts and quantities are digits with at most one decimal mark - the one the interchange declares - "
    "and no sign, thousands separator or exponent.",
)
NEGATIVE_AMOUNT = _entry("CAD020", "Negative amount", "Amounts and quantities cannot be negative.")
TOO_MANY_DECIMALS = _entry(
    "CAD021",
    "Too many decimals",
    "Amounts have at most 2 decimals and quantities at most 3; nothing is rounded.",
)
CURRENCY_INVALID = _entry(
    "CAD022",
    "Invalid currency",
    "A currency is an ISO 4217 code of 3 capital letters; declared duties, taxes and totals are in CAD.",
)
UNIT_INVALID = _entry(
    "CAD023", "Invalid unit of measure", "A quantity comes with its UN/ECE Recommendation 20 unit, e.g. KGM."
)
TREATMENT_INVALID = _entry(
    "CAD024", "Invalid tariff treatment", "The tariff treatment is a code of 1 or 2 digits, e.g. 2 (MFN)."
)
TAX_UNSUPPORTED = _entry(
    "CAD025",
    "Unsupported duty or tax",
    "A line declares TAX+5+CUD, TAX+7+GST, TAX+5+EXC, TAX+5+ADD or TAX+5+SUR; the summary TAX+9+CUD or "
    "TAX+9+GST; each at most once.",
)
SIMA_CODE_INVALID = _entry("CAD026", "Invalid SIMA code", "The SIMA code is S or U.")
LINE_COUNT_MISMATCH = _entry(
    "CAD027", "Line count does not match", "CNT+5 must give the number of lines (CST segments) sent."
)
NO_LINES = _entry("CAD028", "No lines", "An original or replacing CAD has at least one line.")
TEXT_TOO_LONG = _entry(
    "CAD029", "Text too long", "The broker reference is at most 35 characters, each description part 512."
)

CUSDEC_MAPPING = Catalogue(
    [
        NOT_CAD10,
        SEGMENT_MISSING,
        ELEMENT_MISSING,
        TOO_MANY,
        NOT_IMPORT_DECLARATION,
        TRANSACTION_NUMBER_INVALID,
        VERSION_INVALID,
        FUNCTION_UNKNOWN,
        DATE_INVALID,
        DATE_FORMAT_INVALID,
        OFFICE_INVALID,
        CCN_INVALID,
        PARTY_INVALID,
        PARTY_AGENCY_INVALID,
        TRANSPORT_MODE_INVALID,
        LINE_NUMBER_INVALID,
        CLASSIFICATION_INVALID,
        COUNTRY_INVALID,
        NUMBER_INVALID,
        NEGATIVE_AMOUNT,
        TOO_MANY_DECIMALS,
        CURRENCY_INVALID,
        UNIT_INVALID,
        TREATMENT_INVALID,
        TAX_UNSUPPORTED,
        SIMA_CODE_INVALID,
        LINE_COUNT_MISMATCH,
        NO_LINES,
        TEXT_TOO_LONG,
    ]
)
