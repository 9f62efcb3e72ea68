"""Build the redaction review: the whole file, OCR'd, every refused mention marked as proposed.

Each mark is a real PDF redaction annotation over the words, outlined in its party's colour,
its note saying which party and why. A cover page lists the parties marked, the pages to
check by hand and the files missing from the review. What the review found is kept in a hidden
record beside it, so its approved copy can be checked against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from pipeline.clean.log import Line, text_pages
from pipeline.clean.terms import Found, Marked, Word, find, fold
from pipeline.folders import APPROVED, FILE, whole, write_whole

# Stamped on every proposed mark, so the approval tells the pipeline's marks from the owner's.
SUBJECT = "Proposed redaction (SAR letters)"
# One colour a party, in order; distinct on screen and in print.
COLOURS = (
    (0.85, 0.10, 0.10),
    (0.10, 0.35, 0.85),
    (0.95, 0.55, 0.00),
    (0.45, 0.15, 0.65),
    (0.00, 0.55, 0.45),
    (0.80, 0.20, 0.60),
)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Mark:
    """One proposed mark: the page of the review (from 0), the area, and whose it is."""

    page: int
    box: Box
    party: str


def page_words(page: pymupdf.Page) -> list[Word]:
    """Return a page's words in reading order, each with its folded form."""
    return [
        Word((x0, y0, x1, y1), text, fold(text))
        for x0, y0, x1, y1, text, *_ in page.get_text("words", sort=False)
    ]


def line_boxes(found: Found) -> list[Box]:
    """Join the words of a match that sit on one line into one box (a name over a break: two)."""
    boxes: list[Box] = []
    for box in found.boxes:
        if boxes and abs(boxes[-1][1] - box[1]) < 2 and box[0] >= boxes[-1][0]:
            last = boxes[-1]
            boxes[-1] = (last[0], min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3]))
        else:
            boxes.append(box)
    return boxes


def find_marks(document: pymupdf.Document, marked: Sequence[Marked], skip: int) -> list[Mark]:
    """Find every mention of each marked party on the pages after the first ``skip``."""
    terms = sorted(
        (term for party in marked for term in party.terms), key=lambda term: -len(term.key)
    )
    marks: list[Mark] = []
    for page in document:
        number = page.number
        assert number is not None
        if number < skip:
            continue
        for found in find(page_words(page), terms):
            marks += [Mark(number, box, found.term.party) for box in line_boxes(found)]
    return marks


def build_review(
    document: pymupdf.Document,
    starts: Sequence[tuple[str, int]],
    marked: Sequence[Marked],
    by_hand: Sequence[int],
    missing: Sequence[str],
    ref: str,
    target: Path,
    record: Path,
) -> tuple[int, list[int]]:
    """Write the review of ``document`` at ``target`` and its record; return the marks made and
    the review's pages to check by hand, numbered from 1."""
    colours = {party.party: COLOURS[index % len(COLOURS)] for index, party in enumerate(marked)}
    notes = {party.party: party.note for party in marked}
    marks = find_marks(document, marked, 0)
    skip = 1  # the cover is one page unless its lists run long: then made again, numbered right
    cover = _cover(ref, marked, marks, by_hand, missing, colours, skip)
    while cover.page_count != skip:
        skip = cover.page_count
        cover = _cover(ref, marked, marks, by_hand, missing, colours, skip)
    review = pymupdf.open()
    review.insert_pdf(cover)
    review.insert_pdf(document)
    for mark in marks:
        page = review[mark.page + skip]
        annot = page.add_redact_annot(pymupdf.Rect(mark.box), fill=(0, 0, 0))
        annot.set_colors(stroke=colours[mark.party])
        annot.set_info(title=mark.party, subject=SUBJECT, content=notes[mark.party])
        annot.update()
    review.set_toc(
        [[1, "Cover: how to review", 1]] + [[1, name, start + skip + 1] for name, start in starts]
    )
    review.set_metadata({"title": f"{ref} redaction review", "creator": "SAR letters"})
    with whole(target) as partial:
        review.save(partial, garbage=3, deflate=True)
    pages = [sorted({word.key for word in page_words(page)}) for page in review]
    write_whole(
        record,
        json.dumps(
            {
                "cover": skip,
                "pages": pages,
                "found": [[mark.page + skip, list(mark.box), mark.party] for mark in marks],
                "by_hand": [number + skip + 1 for number in by_hand],
                "missing": list(missing),
            }
        ),
    )
    return len(marks), [number + skip + 1 for number in by_hand]


def _cover(
    ref: str,
    marked: Sequence[Marked],
    marks: Sequence[Mark],
    by_hand: Sequence[int],
    missing: Sequence[str],
    colours: dict[str, tuple[float, float, float]],
    skip: int,
) -> pymupdf.Document:
    """Return the review's cover page(s); internal, never part of the clean copy."""
    lines = [
        Line(f"Redaction review — {ref}", size=16),
        Line("Internal: for the owner to decide. Never sent; the clean copy leaves this page out."),
        Line(""),
        Line("Proposed redactions, by party (the outline's colour is the party's):", size=11),
    ]
    for party in marked:
        pages = sorted({mark.page for mark in marks if mark.party == party.party})
        count = sum(mark.party == party.party for mark in marks)
        lines.append(Line(f"{party.note}: {count} mark(s){_on_pages(pages, skip)}",
                          swatch=colours[party.party]))  # fmt: skip
        searched = "; ".join(term.text for term in sorted(party.terms, key=lambda t: t.text))
        lines.append(Line(f"Searched for: {searched}.", size=8))
    if not marked:
        lines.append(Line("None: no third party has refused, or all have consented."))
    lines += [Line(""), Line("Check by hand (little or no text found: handwriting, photos):", 11)]
    lines.append(Line(_on_pages(by_hand, skip).removeprefix(", on ").capitalize() or "None."))
    if missing:
        lines += [Line(""), Line("Missing from this review (could not be read):", 11)]
        lines += [Line(f"{FILE}/{item}") for item in missing]
    lines += [
        Line(""),
        Line("To approve:", 11),
        Line(
            "1. Remove every mark that should not apply, and add a redaction mark, or a "
            "rectangle or highlight comment, over anything else to remove."
        ),
        Line(
            "2. Do not apply the redactions yourself; save the file into "
            f"{ref}/{APPROVED}/ under the same name. That save is the approval."
        ),
        Line(
            "3. The next run removes every marked area for real, checks it, and writes the "
            "clean copy and the redaction log."
        ),
    ]
    return text_pages(lines)


def _on_pages(numbers: Sequence[int], skip: int) -> str:
    """Say ', on pages 2, 3 and 5' for pages numbered from 0, after ``skip`` cover pages."""
    if not numbers:
        return ""
    words = [str(number + skip + 1) for number in numbers]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f", on page{'s' if len(words) > 1 else ''} {listed}"
