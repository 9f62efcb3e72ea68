"""Write plain A4 pages of text with PyMuPDF: the review's cover page and the redaction log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pymupdf

from pipeline.folders import whole

_A4 = pymupdf.paper_rect("a4")
_MARGIN = 56  # points: 2 cm
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
_LINE = 14.0  # points from one line to the next at 10 pt


@dataclass(frozen=True)
class Line:
    """One line of a text page: its words, size, and a colour swatch before it if any."""

    text: str
    size: float = 10.0
    swatch: tuple[float, float, float] | None = None


def _font() -> tuple[str, str | None]:
    """Return the font to write with: a Unicode TrueType font when there is one (Welsh ŵ, ŷ)."""
    for path in _FONTS:
        if Path(path).is_file():
            return "body", path
    return "helv", None


def text_pages(lines: Sequence[Line]) -> pymupdf.Document:
    """Return ``lines`` as A4 pages, long lines wrapped, a new page when one is full."""
    document = pymupdf.open()
    name, file = _font()
    font = pymupdf.Font(fontfile=file) if file else pymupdf.Font(name)
    width = _A4.width - 2 * _MARGIN
    page, y = None, 0.0
    for line in lines:
        indent = 16.0 if line.swatch else 0.0
        for number, piece in enumerate(_wrap(line.text, font, line.size, width - indent)):
            if page is None or y + line.size * 1.4 > _A4.height - _MARGIN:
                page = document.new_page(width=_A4.width, height=_A4.height)
                page.insert_font(fontname=name, fontfile=file)
                y = _MARGIN
            y += line.size * 1.4
            if line.swatch and number == 0:
                box = pymupdf.Rect(_MARGIN, y - line.size, _MARGIN + 10, y)
                page.draw_rect(box, color=line.swatch, fill=line.swatch)
            page.insert_text((_MARGIN + indent, y), piece, fontname=name, fontsize=line.size)
    if document.page_count == 0:
        document.new_page(width=_A4.width, height=_A4.height)
    return document


def _wrap(text: str, font: pymupdf.Font, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, at spaces."""
    if not text:
        return [""]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and font.text_length(trial, fontsize=size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current]


@dataclass(frozen=True)
class Removal:
    """One thing the clean copy had removed: where, whose, and why."""

    page: int  # the clean copy's page, from 1
    party: str  # TP2, or "" for the owner's own mark
    why: str


def write_log(
    target: Path,
    ref: str,
    removals: Sequence[Removal],
    kept: Sequence[str],
    approved_by: str,
    approved_on: date,
    applied_on: date,
) -> None:
    """Write the redaction log: every removal by page, who approved it, and when."""
    lines = [
        Line(f"Redaction log — {ref}", size=16),
        Line("Internal: never sent to the requester. It names parties by their codes only."),
        Line(""),
        Line(
            f"Approved by {approved_by}: the approved review was saved on {approved_on:%d/%m/%Y}."
        ),
        Line(f"Applied and checked by SAR letters on {applied_on:%d/%m/%Y}."),
        Line(f"{len(removals)} area(s) removed (words, picture pixels and drawings under each):"),
        Line(""),
    ]
    lines += [
        Line(f"Page {removal.page}: {removal.party or 'the owner’s own mark'} — {removal.why}")
        for removal in removals
    ]
    if kept:
        lines += [Line(""), Line("Proposed marks the owner removed (left in the copy):")]
        lines += [Line(item) for item in kept]
    with text_pages(lines) as document, whole(target) as partial:
        document.set_metadata({"title": f"{ref} redaction log", "creator": "SAR letters"})
        document.save(partial, garbage=3, deflate=True)
