"""Findings and their pointers: values that read the way a broker looks for the problem."""

from __future__ import annotations

import pytest

from domain.findings import Finding, Level, Pointer


@pytest.mark.parametrize(
    ("pointer", "text"),
    [
        (Pointer(level=Level.DETAIL, line_number=3, segment="CST", element="2"), "line 3, CST/2"),
        (Pointer(level=Level.DETAIL, line_number=12), "line 12"),
        (Pointer(level=Level.DETAIL), "detail"),
        (Pointer(level=Level.HEADER, segment="BGM"), "header, BGM"),
        (Pointer(level=Level.HEADER), "header"),
        (Pointer(level=Level.SUMMARY, segment="MOA", element="5004"), "summary, MOA/5004"),
        (Pointer(level=Level.SUMMARY, element="5004"), "summary, 5004"),
    ],
)
def test_a_pointer_reads_as_a_place_in_the_declaration(pointer: Pointer, text: str) -> None:
    assert str(pointer) == text


def test_a_finding_reads_as_code_place_and_message() -> None:
    finding = Finding(
        code="TARIFF_CODE_INVALID",
        message="Tariff code 9999.99.99.99 is not valid on 2024-11-18",
        pointer=Pointer(level=Level.DETAIL, line_number=3, segment="CST", element="2"),
    )
    assert (
        str(finding)
        == "TARIFF_CODE_INVALID at line 3, CST/2: Tariff code 9999.99.99.99 is not valid on 2024-11-18"
    )


def test_findings_are_equal_values_that_can_be_collected_in_sets() -> None:
    def make() -> Finding:
        return Finding(code="X1", message="m", pointer=Pointer(level=Level.HEADER))

    assert make() == make()
    assert len({make(), make()}) == 1


def test_a_line_number_points_only_into_the_detail() -> None:
    with pytest.raises(ValueError, match="points into the detail"):
        Pointer(level=Level.HEADER, line_number=1)


def test_line_numbers_count_from_one() -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        Pointer(level=Level.DETAIL, line_number=0)


def test_levels_are_readable_strings() -> None:
    assert [str(level) for level in Level] == ["header", "detail", "summary"]
    assert Level("detail") is Level.DETAIL
