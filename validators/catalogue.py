"""The catalogue of business-rule findings: stable codes and the text a broker reads (validators layer).

Every problem the business rules can find has one entry here; its code never changes meaning once
published (CUSRES ERC, MIG.md §4). The codes are `CAD1xx`: the same `CAD` family as the mapping findings of
`mappers.codes` (`CAD0xx`), because a broker reads one published list and need not know which stage of the
gateway found a problem, while the hundreds digit still tells the form of the message (0) from the
business rules (1). The tens digit groups the rules: 10x parties, 11x transaction number and versions, 12x
tariff, 13x values and dates, 14x adjustments, 15x SIMA, 16x the assessment. `docs/error-codes.md` is
generated from this catalogue and the mapper's, above both layers (`gateway.error_codes`).

Not in the catalogue yet: "SIMA measure found but subject flag missing" (DOMAIN.md) needs the tariff feed to
mark SIMA-subject items, which MIG.md §6 does not (the fixture tariff has no such mark); whether the CAD type,
country and US state codes exist needs reference lists the gateway does not load.
"""

from __future__ import annotations

from domain.findings import Catalogue, CatalogueEntry


def _entry(code: str, title: str, text: str) -> CatalogueEntry:
    return CatalogueEntry(code=code, title=title, text=text)


IMPORTER_NOT_REGISTERED = _entry(
    "CAD101",
    "Importer not registered",
    "The importer (NAD+IM) must be an import/export (RM) program account registered with the gateway.",
)
DECLARANT_NOT_SENDER = _entry(
    "CAD102",
    "Declarant is not the sending broker",
    "The declarant (NAD+DT) must be the business number (BN15) of the broker account that sent the file.",
)
BROKER_NOT_AUTHORIZED = _entry(
    "CAD103",
    "Broker or Agent not authorized to submit declaration",
    "The importer has not delegated its RM account to the broker account that sent the file (a business or "
    "program management relationship). The importer grants it; the gateway cannot.",
)
TRANSACTION_NUMBER_IN_USE = _entry(
    "CAD111",
    "Transaction number already in use",
    "A transaction number belongs to one declaration of one importer, filed by one broker, and is never "
    "reused. An original (BGM function 9) needs a number not used before; to change an accepted CAD, send "
    "a replace (function 5) with the next version.",
)
TRANSACTION_UNKNOWN = _entry(
    "CAD112",
    "Transaction number not found",
    "A replace (BGM function 5) or a cancellation (function 1) must name the transaction number of an "
    "accepted CAD.",
)
VERSION_OUT_OF_SEQUENCE = _entry(
    "CAD113",
    "Version out of sequence",
    "An original is version 00001; each replace or cancellation is the latest accepted version + 1.",
)
TRANSACTION_CANCELLED = _entry(
    "CAD114",
    "Declaration cancelled",
    "This CAD has been cancelled: it cannot be replaced or cancelled again.",
)
LINE_MISSING = _entry(
    "CAD115",
    "Line missing from the replace",
    "A replace restates every line of the version it replaces, with the same line numbers; lines may be "
    "added after them.",
)
CLASSIFICATION_NOT_IN_FORCE = _entry(
    "CAD121",
    "Tariff classification not valid on the release date",
    "The classification number (CST) must be a tariff item in force on the release date (DTM+204).",
)
TREATMENT_UNKNOWN = _entry(
    "CAD122",
    "Unknown tariff treatment",
    "The tariff treatment (TAX+5+CUD) must be a treatment of the Customs Tariff in force on the release "
    "date, e.g. 2 (MFN) or 10 (UST).",
)
TREATMENT_NOT_FOR_ORIGIN = _entry(
    "CAD123",
    "Tariff treatment cannot be used with the country of origin",
    "The tariff treatment claimed is not open to goods of the line's country of origin (LOC+27).",
)
TREATMENT_NOT_FOR_ITEM = _entry(
    "CAD124",
    "Tariff treatment not available for the classification",
    "The Customs Tariff gives no rate of this treatment for the classification on the release date.",
)
QUANTITY_MISSING = _entry(
    "CAD125",
    "Quantity missing",
    "When the tariff item has a unit of measure, MEA+AAE gives the quantity in that unit; a rate per unit "
    "(specific, compound, minimum) cannot be assessed without it.",
)
UNIT_MISMATCH = _entry(
    "CAD126",
    "Unit of measure does not match the tariff",
    "The quantity (MEA+AAE) must be given in the unit of measure of the tariff item, e.g. KGM or NMB.",
)
EXCHANGE_RATE_MISSING = _entry(
    "CAD131",
    "No exchange rate",
    "The value for duty is converted at the Bank of Canada rate of the date of direct shipment (DTM+11). "
    "The gateway has no rate for that currency on that date, and never guesses one.",
)
RELEASE_DATE_IN_FUTURE = _entry(
    "CAD132",
    "Release date in the future",
    "A CAD accounts for goods already released: the release date (DTM+204) cannot be after today.",
)
SHIPMENT_AFTER_RELEASE = _entry(
    "CAD133",
    "Date of direct shipment after release",
    "Goods are shipped to Canada before they are released: the date of direct shipment (DTM+11) cannot be "
    "after the release date (DTM+204).",
)
ADJUSTMENT_REASON_MISSING = _entry(
    "CAD141",
    "Adjustment reason missing",
    "A replace sent on or after the payment due date of the version it replaces is an adjustment: give "
    "the reason code of each change in FTX+ACD on the lines it changes (a reason supporting a refund "
    "first).",
)
REASON_NOT_ON_ADJUSTMENT = _entry(
    "CAD142",
    "Reason code where no adjustment is made",
    "Adjustment reason codes (FTX+ACD) belong on a replace sent on or after the payment due date of the "
    "version it replaces; an original, or a correction sent before that date, carries none.",
)
REASON_INVALID = _entry(
    "CAD143",
    "Invalid adjustment reason code",
    "An adjustment reason code is a letter and 1 or 2 digits, then parts of capital letters and digits "
    "each after a '-' or '.', e.g. R2-74-1-TT or R2-32-2.TC.",
)
SIMA_INCOMPLETE = _entry(
    "CAD151",
    "SIMA code and amount go together",
    "Anti-dumping or countervailing duty is declared as TAX+5+ADD with its SIMA code (S or U) followed by "
    "MOA+55 with the amount: neither comes without the other.",
)
DECLARED_AMOUNT_DIFFERS = _entry(
    "CAD161",
    "Declared amount differs from the assessment",
    "A declared duty (MOA+55), GST (MOA+124) or total (MOA+161), when given, must equal the amount the "
    "gateway assesses from the CAD's codes and values. Leave it out to accept the assessment.",
)

CAD_VALIDATION = Catalogue(
    [
        IMPORTER_NOT_REGISTERED,
        DECLARANT_NOT_SENDER,
        BROKER_NOT_AUTHORIZED,
        TRANSACTION_NUMBER_IN_USE,
        TRANSACTION_UNKNOWN,
        VERSION_OUT_OF_SEQUENCE,
        TRANSACTION_CANCELLED,
        LINE_MISSING,
        CLASSIFICATION_NOT_IN_FORCE,
        TREATMENT_UNKNOWN,
        TREATMENT_NOT_FOR_ORIGIN,
        TREATMENT_NOT_FOR_ITEM,
        QUANTITY_MISSING,
        UNIT_MISMATCH,
        EXCHANGE_RATE_MISSING,
        RELEASE_DATE_IN_FUTURE,
        SHIPMENT_AFTER_RELEASE,
        ADJUSTMENT_REASON_MISSING,
        REASON_NOT_ON_ADJUSTMENT,
        REASON_INVALID,
        SIMA_INCOMPLETE,
        DECLARED_AMOUNT_DIFFERS,
    ]
)
