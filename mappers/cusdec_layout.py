"""Where MIG.md §2 puts each piece of a CAD in a CUSDEC message, and the message cut along it (mappers layer).

The EDIFACT side of the CUSDEC mapper: the D.16A positions (Pos column of `parsers.cusdec_table.CAD10`) and
the qualifiers the guide uses, each citing its data element, and `layout`, which sorts a message's segments by
the position `parsers.structure.place_segments` found for them - header and summary segments by position,
each SG32 occurrence (a CAD line) with its SG43 tax groups, each SG51 total. Segments at positions the guide
does not use, and segments D.16A does not allow at all (already code 15 for the CONTRL), are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.cusdec_table import CUSDEC_D16A
from parsers.model import Message, Segment
from parsers.structure import Placement, place_segments

# D.16A CUSDEC positions (segment table Pos) MIG.md §2 reads.
BGM = "00020"
HEADER_LOC = "00040"
HEADER_DTM = "00050"
SG1_RFF = "00130"
SG4_TDT = "00210"
SG6_NAD = "00280"
LINE_GROUP = 32  # SG32: one per commercial-invoice line
LINE_CST = "01380"
LINE_FTX = "01390"
LINE_LOC = "01400"
LINE_DTM = "01410"
LINE_MEA = "01420"
SG35_MOA = "01510"
SG37_RFF = "01560"
LINE_TAX_GROUP = 43  # SG43 inside SG32
SG43_TAX = "01810"
SG43_MOA = "01820"
SUMMARY_CNT = "02090"
TOTAL_GROUP = 51  # SG51
SG51_TAX = "02110"
SG51_MOA = "02120"
_LINE_TAX_POSITIONS = frozenset({SG43_TAX, SG43_MOA})
READ_POSITIONS = frozenset(
    {BGM, HEADER_LOC, HEADER_DTM, SG1_RFF, SG4_TDT, SG6_NAD, LINE_CST, LINE_FTX, LINE_LOC, LINE_DTM, LINE_MEA}
    | {SG35_MOA, SG37_RFF, SG43_TAX, SG43_MOA, SUMMARY_CNT, SG51_TAX, SG51_MOA}
)

# Identification of the message (UNH S009).
MESSAGE_IDENTIFIER = ("CUSDEC", "D", "16A", "UN", "CAD10")  # UNH S009/0065, 0052, 0054, 0051, 0057

# Qualifiers and codes, by data element.
GOODS_DECLARATION_FOR_IMPORTATION = "929"  # BGM C002/1001 Document name code
FUNCTION_ORIGINAL = "9"  # BGM 1225 Message function code
FUNCTION_REPLACE = "5"  # BGM 1225
FUNCTION_CANCELLATION = "1"  # BGM 1225
OFFICE_OF_RELEASE = "22"  # LOC 3227 Location function code qualifier
SUB_LOCATION = "18"  # LOC 3227
ORIGIN = "27"  # LOC 3227 (country of origin)
EXPORT_COUNTRY = "35"  # LOC 3227
RELEASE_DATE = "204"  # DTM C507/2005 Date or time or period function code qualifier
DOCUMENT_DATETIME = "137"  # DTM C507/2005
SHIPMENT_DATE = "11"  # DTM C507/2005 (date of direct shipment)
CCYYMMDD = "102"  # DTM C507/2379 Date or time or period format code
CCYYMMDDHHMM = "203"  # DTM C507/2379
CARGO_CONTROL_NUMBER = "CN"  # RFF C506/1153 Reference code qualifier
BROKER_REFERENCE = "ABE"  # RFF C506/1153
PREVIOUS_TRANSACTION = "ACE"  # RFF C506/1153
INVOICE = "IV"  # RFF C506/1153
MAIN_CARRIAGE = "20"  # TDT 8051 Transport stage code qualifier
IMPORTER = "IM"  # NAD 3035 Party function code qualifier
DECLARANT = "DT"  # NAD 3035
MUTUALLY_DEFINED = "ZZZ"  # NAD C082/3055 Code list responsible agency code
GOODS_DESCRIPTION = "AAA"  # FTX 4451 Text subject code qualifier
ADJUSTMENT_REASON = "ACD"  # FTX 4451
MEASUREMENT = "AAE"  # MEA 6311 Measurement purpose code qualifier
VALUE_FOR_DUTY = "40"  # MOA C516/5025 Monetary amount type code qualifier
DUTY_AMOUNT = "55"  # MOA C516/5025 (declared duty, or SIMA amount after TAX+5+ADD)
GST_AMOUNT = "124"  # MOA C516/5025
TOTAL_AMOUNT = "161"  # MOA C516/5025
LINE_COUNT = "5"  # CNT C270/6069 Control total type code qualifier
CUSTOMS_DUTY = "5"  # TAX 5283 Duty or tax or fee function code qualifier
TAX = "7"  # TAX 5283
TOTAL = "9"  # TAX 5283 (tax related information)
DUTY_TYPE = "CUD"  # TAX C241/5153 Duty or tax or fee type name code
GST_TYPE = "GST"  # TAX C241/5153
EXCISE_TYPE = "EXC"  # TAX C241/5153
ANTI_DUMPING_TYPE = "ADD"  # TAX C241/5153 (SIMA)
SURTAX_TYPE = "SUR"  # TAX C241/5153
LINE_TAXES = {  # TAX C241/5153 -> the 5283 a line must give it with
    DUTY_TYPE: CUSTOMS_DUTY,
    GST_TYPE: TAX,
    EXCISE_TYPE: CUSTOMS_DUTY,
    ANTI_DUMPING_TYPE: CUSTOMS_DUTY,
    SURTAX_TYPE: CUSTOMS_DUTY,
}
TOTAL_TAXES = {DUTY_TYPE: TOTAL, GST_TYPE: TOTAL}


@dataclass(slots=True)
class LineSegments:
    """One SG32 occurrence: its segments by position, and its SG43 groups (TAX first, then its MOAs)."""

    ordinal: int  # 1 for the first SG32 of the message
    segments: defaultdict[str, list[Segment]] = field(default_factory=lambda: defaultdict(list))
    taxes: list[list[Segment]] = field(default_factory=list)

    def at(self, position: str) -> list[Segment]:
        return self.segments.get(position, [])


@dataclass(slots=True)
class CusdecLayout:
    """A CUSDEC's segments where the guide reads them."""

    segments: defaultdict[str, list[Segment]] = field(default_factory=lambda: defaultdict(list))
    lines: list[LineSegments] = field(default_factory=list)
    totals: list[list[Segment]] = field(default_factory=list)  # each SG51: TAX then its MOAs

    def at(self, position: str) -> list[Segment]:
        return self.segments.get(position, [])


def layout(message: Message, placements: Sequence[Placement] | None = None) -> CusdecLayout:
    """Sort the message's segments by where D.16A puts them (`placements`: where they were found already)."""
    result = CusdecLayout()
    lines: dict[int, LineSegments] = {}
    if placements is None:
        placements = place_segments(message, CUSDEC_D16A)
    for segment, _, entry, groups in placements:
        if entry is None or entry.position not in READ_POSITIONS:
            continue
        position = entry.position
        group, occurrence = groups[0] if groups else (0, 0)  # the outermost group
        if group == LINE_GROUP:
            line = lines.get(occurrence)
            if line is None:
                line = lines[occurrence] = LineSegments(ordinal=len(lines) + 1)
                result.lines.append(line)
            if position in _LINE_TAX_POSITIONS:
                _add_to_group(line.taxes, position == SG43_TAX, segment)
            else:
                line.segments[position].append(segment)
        elif group == TOTAL_GROUP:
            _add_to_group(result.totals, position == SG51_TAX, segment)
        else:
            result.segments[position].append(segment)
    return result


def _add_to_group(groups: list[list[Segment]], trigger: bool, segment: Segment) -> None:
    if trigger or not groups:  # a MOA is placed only after its TAX: `not groups` cannot happen, but is safe
        groups.append([])
    groups[-1].append(segment)


def qualifier(segment: Segment) -> str:
    """The segment's first component: its qualifier for LOC, DTM, RFF, NAD, FTX, MEA, MOA, TAX, CNT."""
    return segment.component(1)


_QUALIFIED = frozenset({"LOC", "DTM", "RFF", "TDT", "NAD", "FTX", "MEA", "MOA", "CNT"})


def label(segment: Segment) -> str:
    """How findings name a segment: its tag, with its qualifier when it has one (DTM+204, TAX+5+CUD)."""
    if segment.tag == "TAX":
        return "+".join(part for part in ("TAX", qualifier(segment), segment.component(2)) if part)
    value = qualifier(segment) if segment.tag in _QUALIFIED else ""
    return f"{segment.tag}+{value}" if value else segment.tag
