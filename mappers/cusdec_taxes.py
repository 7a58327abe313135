"""The duties and taxes one CAD line declares, read from its SG43 groups (mappers layer).

MIG.md §2: `TAX+5+CUD+++<tariff treatment>` (required) with an optional `MOA+55` declared duty;
`TAX+7+GST+++<GST code>`; `TAX+5+EXC+++<excise code>`; `TAX+5+ADD+++<S|U>` with its required `MOA+55` SIMA
amount; `TAX+5+SUR+++<surtax code>`; and the line's declared GST as `MOA+124`, which D.16A lets follow
whichever TAX the broker sends (a fully taxable line has no TAX+7+GST to hang it on). Each duty or tax type
at most once; a type or function the guide does not define is refused rather than ignored, since ignoring a
declared duty would change what the broker expects to be assessed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from domain.findings import CatalogueEntry
from mappers import codes
from mappers import cusdec_layout as edi
from mappers.fields import Findings, Place, code_at, declared_cents, pick
from parsers.model import Segment

TREATMENT = re.compile(r"[0-9]{1,2}", re.ASCII)  # MIG.md §2: TAX C243/5279 tariff treatment n..2
SIMA_CODES = re.compile(r"[SU]", re.ASCII)  # MIG.md §2: TAX+5+ADD C243/5279 S or U
TaxGroup = list[Segment]  # one SG43 occurrence: its TAX, then its MOAs
MISSING = codes.ELEMENT_MISSING  # a code of any form (excise, surtax) can only be missing
ANY_CODE = re.compile(r".+", re.ASCII)  # excise and surtax codes: any form, as long as one is given


class Taxes(NamedTuple):
    """What a line declares about its duties and taxes.

    A NamedTuple, not a frozen dataclass: one is built per CAD line only to be copied into the `CadLine`,
    and a tuple is built in a third of the time.
    """

    tariff_treatment: str
    declared_duty_cents: int | None = None
    gst_code: str | None = None
    declared_gst_cents: int | None = None
    excise_code: str | None = None
    sima_code: str | None = None
    sima_amount_cents: int | None = None
    surtax_code: str | None = None


def map_taxes(groups: list[TaxGroup], findings: Findings, place: Place, *, decimal_mark: str) -> Taxes | None:
    """The line's duties and taxes, or None when one of them cannot be read."""
    found = len(findings)
    by_type = _by_type(groups, findings, place)
    duty, sima = by_type.get(edi.DUTY_TYPE), by_type.get(edi.ANTI_DUMPING_TYPE)
    if duty is None:
        findings.add(codes.SEGMENT_MISSING, "TAX+5+CUD is missing", place.at("TAX+5+CUD"))
    taxes = Taxes(
        tariff_treatment=_treatment(
            _code(duty, findings, place, TREATMENT, codes.TREATMENT_INVALID, "tariff treatment")
        ),
        declared_duty_cents=_amount(duty, edi.DUTY_AMOUNT, findings, place, decimal_mark, "declared duty"),
        gst_code=_optional_code(by_type.get(edi.GST_TYPE)),
        declared_gst_cents=_declared_gst(groups, findings, place, decimal_mark),
        excise_code=_code(by_type.get(edi.EXCISE_TYPE), findings, place, ANY_CODE, MISSING, "excise code"),
        sima_code=_code(sima, findings, place, SIMA_CODES, codes.SIMA_CODE_INVALID, "SIMA code"),
        sima_amount_cents=_amount(
            sima, edi.DUTY_AMOUNT, findings, place, decimal_mark, "SIMA amount", required=True
        ),
        surtax_code=_code(by_type.get(edi.SURTAX_TYPE), findings, place, ANY_CODE, MISSING, "surtax code"),
    )
    return taxes if len(findings) == found else None


def _declared_gst(groups: list[TaxGroup], findings: Findings, place: Place, decimal_mark: str) -> int | None:
    """The line's MOA+124, after whichever of its TAX segments."""
    amounts = [moa for group in groups for moa in group[1:]]
    chosen = pick(findings, amounts, edi.GST_AMOUNT, place, name="MOA+124", required=False)
    return _cents(chosen[0], findings, place, decimal_mark, "declared GST") if chosen else None


def _by_type(groups: list[TaxGroup], findings: Findings, place: Place) -> dict[str, TaxGroup]:
    by_type: dict[str, TaxGroup] = {}
    for group in groups:
        tax = group[0]
        kind = tax.component(2)
        if edi.LINE_TAXES.get(kind) != tax.component(1) or not kind:
            message = f"{edi.label(tax)} is not a duty or tax the CAD10 guide defines on a line"
            findings.add(codes.TAX_UNSUPPORTED, message, place.at(tax, 2))
        elif kind in by_type:
            findings.add(codes.TOO_MANY, f"{edi.label(tax)} occurs more than once", place.at(tax))
        else:
            by_type[kind] = group
    return by_type


def _treatment(code: str | None) -> str:
    """A treatment code as the tariff names it: "02" and "2" are both MFN (leading zeros dropped)."""
    return code.lstrip("0") or "0" if code else ""


def _code(
    group: TaxGroup | None,
    findings: Findings,
    place: Place,
    pattern: re.Pattern[str],
    entry: CatalogueEntry,
    what: str,
) -> str | None:
    """The code in C243/5279 of a TAX the line sent (required once the TAX is there)."""
    if group is None:
        return None
    return code_at(findings, group[0], place, 5, pattern=pattern, entry=entry, what=what)


def _optional_code(group: TaxGroup | None) -> str | None:
    return (group[0].component(5) or None) if group else None


def _amount(
    group: TaxGroup | None,
    wanted: str,
    findings: Findings,
    place: Place,
    decimal_mark: str,
    what: str,
    *,
    required: bool = False,
) -> int | None:
    """The MOA qualified `wanted` that follows the group's TAX."""
    if group is None:
        return None
    name = f"MOA+{wanted} after {edi.label(group[0])}"
    amounts = pick(findings, group[1:], wanted, place, name=name, required=required)
    return _cents(amounts[0], findings, place, decimal_mark, what) if amounts else None


def _cents(moa: Segment, findings: Findings, place: Place, decimal_mark: str, what: str) -> int | None:
    return declared_cents(findings, moa, place, decimal_mark=decimal_mark, what=what)
