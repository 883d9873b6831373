"""A letter-size page writer for the client documents (superbills, statements, receipts):
blocks of text, and tables whose rows flow onto new pages under a repeated heading.

Positions are in points from the top-left (the PDF's own origin is bottom-left); margins are
half an inch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from therabill.paper.pdf import PAGE_HEIGHT, PAGE_WIDTH, latin1

MARGIN = 36.0
BODY = ("Helvetica", 9.0)
BOLD = "Helvetica-Bold"
RULE = Color(0.6, 0.6, 0.6)
SHADE = Color(0.93, 0.93, 0.93)


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: heading, width in points, and whether it is right-aligned (money)."""

    heading: str
    width: float
    right: bool = False


class Sheet:
    """Writes down the page; ``need(height)`` starts a new page when the rest is too short.
    ``footer`` goes on every page with its number."""

    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.canvas = canvas
        self.footer = footer
        self.page = 1
        self.y = MARGIN

    def _pdf_y(self, top: float) -> float:
        return PAGE_HEIGHT - top

    def finish_page(self) -> None:
        self.canvas.setFont("Helvetica", 7)
        self.canvas.setFillColorRGB(0.35, 0.35, 0.35)
        self.canvas.drawString(MARGIN, MARGIN / 2, latin1(self.footer))
        self.canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, f"Page {self.page}")
        self.canvas.setFillColorRGB(0, 0, 0)
        self.canvas.showPage()
        self.page += 1
        self.y = MARGIN

    def need(self, height: float) -> bool:
        """True when a new page was started to make room."""
        if self.y + height > PAGE_HEIGHT - MARGIN:
            self.finish_page()
            return True
        return False

    def text(
        self,
        text: str,
        *,
        x: float = MARGIN,
        size: float = BODY[1],
        bold: bool = False,
        width: float | None = None,
        advance: bool = True,
    ) -> float:
        """Write ``text`` (wrapped to ``width``) at the current height; returns its height."""
        font = BOLD if bold else BODY[0]
        clean = latin1(text)
        room = width or (PAGE_WIDTH - MARGIN - x)
        # Most lines fit: measuring once is much cheaper than splitting word by word.
        lines = (
            [clean]
            if clean and "  " not in clean and stringWidth(clean, font, size) <= room
            else simpleSplit(clean, font, size, room)
        )
        leading = size * 1.3
        self.need(leading * len(lines))
        self.canvas.setFont(font, size)
        for n, line in enumerate(lines):
            self.canvas.drawString(x, self._pdf_y(self.y + size + n * leading), line)
        height = leading * max(len(lines), 1)
        if advance:
            self.y += height
        return height

    def right_text(self, text: str, *, size: float = BODY[1], bold: bool = False) -> None:
        self.canvas.setFont(BOLD if bold else BODY[0], size)
        self.canvas.drawRightString(PAGE_WIDTH - MARGIN, self._pdf_y(self.y + size), latin1(text))

    def gap(self, points: float = 8.0) -> None:
        self.y += points

    def rule(self) -> None:
        self.canvas.setStrokeColor(RULE)
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN, self._pdf_y(self.y), PAGE_WIDTH - MARGIN, self._pdf_y(self.y))
        self.y += 4

    def facts(
        self, pairs: Sequence[tuple[str, str]], *, x: float = MARGIN, label_width: float = 90
    ) -> None:
        """Label: value lines (empty values left out)."""
        for label, value in pairs:
            if not value:
                continue
            self.need(12)
            self.canvas.setFont(BOLD, 8.5)
            self.canvas.drawString(x, self._pdf_y(self.y + 9), latin1(label))
            self.text(value, x=x + label_width, size=8.5)

    def table(
        self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, bold_last: bool = False
    ) -> None:
        """Rows under the headings; a row that does not fit goes to a new page, the
        headings again above it."""
        self._heading(columns)
        for index, row in enumerate(rows):
            bold = bold_last and index == len(rows) - 1
            font = BOLD if bold else BODY[0]
            cells = [
                _split(cell, font, col.width - 4) for cell, col in zip(row, columns, strict=True)
            ]
            height = max(len(lines) for lines in cells) * 11.5 + 3
            if self.need(height):
                self._heading(columns)
            self.canvas.setFont(font, BODY[1])
            x = MARGIN
            for lines, col in zip(cells, columns, strict=True):
                for n, line in enumerate(lines):
                    y = self._pdf_y(self.y + 9.5 + n * 11.5)
                    if col.right:
                        self.canvas.drawRightString(x + col.width - 2, y, line)
                    else:
                        self.canvas.drawString(x + 2, y, line)
                x += col.width
            self.y += height
            self.canvas.setStrokeColor(RULE)
            self.canvas.setLineWidth(0.3)
            right = MARGIN + sum(c.width for c in columns)
            self.canvas.line(MARGIN, self._pdf_y(self.y), right, self._pdf_y(self.y))

    def _heading(self, columns: Sequence[Column]) -> None:
        self.need(30)
        total = sum(c.width for c in columns)
        self.canvas.setFillColor(SHADE)
        self.canvas.rect(MARGIN, self._pdf_y(self.y + 14), total, 14, stroke=0, fill=1)
        self.canvas.setFillColorRGB(0, 0, 0)
        self.canvas.setFont(BOLD, 8)
        x = MARGIN
        for col in columns:
            if col.right:
                self.canvas.drawRightString(
                    x + col.width - 2, self._pdf_y(self.y + 10), col.heading
                )
            else:
                self.canvas.drawString(x + 2, self._pdf_y(self.y + 10), col.heading)
            x += col.width
        self.y += 16


def _split(text: str, font: str, width: float) -> list[str]:
    """``text`` wrapped to ``width`` (an empty cell is one empty line)."""
    clean = latin1(text)
    if not clean or stringWidth(clean, font, BODY[1]) <= width:
        return [clean]
    lines: list[str] = simpleSplit(clean, font, BODY[1], width)
    return lines
