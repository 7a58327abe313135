"""The statement of account as a PDF a person can read and print (outbound layer).

A small PDF 1.4 writer of our own, so the gateway needs no PDF library: US Letter pages, standard fonts
every reader has (Helvetica and Courier, plain and bold) in WinAnsiEncoding, so accented names print; lines
are laid out top to bottom with a new page where one fills, each page footed with the account and "page i of
n"; the cross-reference table gives each object's exact byte offset. Tables are set in Courier, so amounts
line up without font metrics. Nothing reads a clock: the same statement always gives the same bytes.
"""

from __future__ import annotations

from typing import Final

from domain.statement import Movement, Statement
from outbound.statement import grouped
from outbound.statement_html import (
    COLUMNS,
    SECTION_TITLES,
    TITLE,
    amount_text,
    heading_lines,
    movement_cells,
    summary_rows,
)

PAGE_WIDTH: Final = 612  # US Letter, in points
PAGE_HEIGHT: Final = 792
MARGIN: Final = 54
FOOTER_Y: Final = 30
FONTS: Final = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier", "F4": "Courier-Bold"}
TABLE_FONT: Final = "F3"
TABLE_BOLD: Final = "F4"
TABLE_SIZE: Final = 9
COLUMN_WIDTHS: Final = (10, 12, 30, 10, 19)  # characters of COLUMNS; the last (Amount) is right-aligned
SUMMARY_WIDTHS: Final = (69, 18)  # as wide as the tables: 89 characters (481 points at 9 points)
HEADING_KEEP: Final = 4 * TABLE_SIZE * 1.35  # room for a table's header, rule and first two lines
_FIRST_PAGE_OBJECT: Final = 2 + len(FONTS) + 2  # after the catalog, pages, fonts and info dictionary


class _Pages:
    """Content streams of pages being filled top to bottom."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self._y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self._y = PAGE_HEIGHT - MARGIN

    def text(
        self, text: str, *, font: str = "F1", size: float = 10, before: float = 0, keep: float = 0
    ) -> None:
        """A line of text, `before` points below the previous one plus its own leading, on a new page unless
        `keep` more points fit under it (a heading stays with what follows)."""
        step = before + size * 1.35
        if self._y - step - keep < MARGIN:
            self._new_page()
        self._y -= step
        self.pages[-1].append(_show(text, font=font, size=size, x=MARGIN, y=self._y))

    def rule(self) -> None:
        """A thin line across the page under the last line of text."""
        self._y -= 4
        self.pages[-1].append(f"0.5 w {MARGIN} {self._y:.2f} m {PAGE_WIDTH - MARGIN} {self._y:.2f} l S")


def render_statement_pdf(statement: Statement) -> bytes:
    """The statement as a PDF document (US Letter pages)."""
    pages = _Pages()
    pages.text(TITLE, font="F2", size=16)
    for line in heading_lines(statement):
        pages.text(line, size=10, before=2)
    pages.text("Summary", font="F2", size=12, before=14)
    pages.rule()
    for label, cents, emphasised in summary_rows(statement):
        pages.text(
            _columns((label, amount_text(cents)), SUMMARY_WIDTHS),
            font=TABLE_BOLD if emphasised else TABLE_FONT,
            size=TABLE_SIZE,
        )
    for section, movements in grouped(statement).items():
        _section(pages, SECTION_TITLES[section], movements)
    footer = f"{TITLE} {statement.account}, period ending {statement.period.end.isoformat()}"
    count = len(pages.pages)
    streams = [
        "\n".join(
            [*ops, _show(f"{footer} - page {number} of {count}", font="F1", size=8, x=MARGIN, y=FOOTER_Y)]
        )
        for number, ops in enumerate(pages.pages, start=1)
    ]
    return _document([stream.encode("ascii") for stream in streams], title=f"{TITLE} {statement.account}")


def _section(pages: _Pages, title: str, movements: list[Movement]) -> None:
    pages.text(title, font="F2", size=12, before=14, keep=HEADING_KEEP)
    if not movements:
        pages.text("None in this period.", size=10)
        return
    pages.text(_columns(COLUMNS, COLUMN_WIDTHS), font=TABLE_FONT, size=TABLE_SIZE)
    pages.rule()
    for movement in movements:
        pages.text(_columns(movement_cells(movement), COLUMN_WIDTHS), font=TABLE_FONT, size=TABLE_SIZE)
    pages.rule()
    total = ("Total", "", "", "", amount_text(sum(movement.amount_cents for movement in movements)))
    pages.text(_columns(total, COLUMN_WIDTHS), font=TABLE_BOLD, size=TABLE_SIZE)


def _columns(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """Cells in fixed-width columns two spaces apart, cut to fit; the last one right-aligned."""
    fitted = [
        cell if len(cell) <= width else cell[: width - 1] + "~"
        for cell, width in zip(cells, widths, strict=True)
    ]
    *left, last = fitted
    return "  ".join(
        [*(cell.ljust(width) for cell, width in zip(left, widths, strict=False)), last.rjust(widths[-1])]
    )


def _show(text: str, *, font: str, size: float, x: float, y: float) -> str:
    return f"BT /{font} {size:g} Tf {x:g} {y:.2f} Td ({_literal(text)}) Tj ET"


def _literal(text: str) -> str:
    """`text` as the inside of a PDF literal string in WinAnsiEncoding, in ASCII (octal escapes)."""
    escaped = []
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            escaped.append("\\" + chr(byte))
        elif 32 <= byte < 127:
            escaped.append(chr(byte))
        else:
            escaped.append(f"\\{byte:03o}")
    return "".join(escaped)


def _document(streams: list[bytes], *, title: str) -> bytes:
    """A complete PDF file of one page per content stream."""
    kids = [_FIRST_PAGE_OBJECT + 2 * index for index in range(len(streams))]
    fonts = " ".join(f"/{name} {number} 0 R" for number, name in enumerate(FONTS, start=3))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {len(kids)} >>".encode(),
        *(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>".encode()
            for base in FONTS.values()
        ),
        f"<< /Title ({_literal(title)}) /Producer (carm-gateway) >>".encode(),
    ]
    for kid, stream in zip(kids, streams, strict=True):
        box = f"/MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
        resources = f"/Resources << /Font << {fonts} >> >>"
        page = f"<< /Type /Page /Parent 2 0 R {box} {resources} /Contents {kid + 1} 0 R >>"
        objects += [page.encode(), b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream)]
    return _file(objects, info=_FIRST_PAGE_OBJECT - 1)


def _file(objects: list[bytes], *, info: int) -> bytes:
    """Objects numbered from 1, the cross-reference table with their byte offsets, and the trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # the binary comment marks the file as binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info,
        xref,
    )
    return bytes(out)
