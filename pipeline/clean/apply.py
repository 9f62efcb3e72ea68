"""Apply the owner's approved review for real, clean the result, and prove it.

Every mark left in the approved review (the pipeline's redaction marks, and the owner's own:
a redaction mark, a rectangle or a highlight) is removed for real: the words, the picture
pixels and the drawings under it. Then the metadata, annotations, attachments, JavaScript,
form fields, links and bookmarks go, and the cover page. The proof reads the result's text
and an OCR pass over every page that had a mark: no searched term of a marked party may be
left in a marked area; if one is, no clean copy is written.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from pipeline.clean.log import Removal
from pipeline.clean.ocr import OcrUnavailable, ocr_pages
from pipeline.clean.review import SUBJECT, Box, page_words
from pipeline.clean.terms import Marked, Term, Word, find
from pipeline.errors import LettersError
from pipeline.folders import whole

_MARK_TYPES = frozenset(
    {pymupdf.PDF_ANNOT_REDACT, pymupdf.PDF_ANNOT_SQUARE, pymupdf.PDF_ANNOT_HIGHLIGHT}
)
_PROOF_DPI = 200
_BAND = 8.0  # points above and below a mark that its OCR strip takes in
_SHEET = pymupdf.paper_rect("a4")  # the picture pages the strips are drawn on
_BATCH = 10  # pages redacted in memory at once


@dataclass(frozen=True)
class Applied:
    """The clean copy written, what was removed, and what the proof found."""

    removals: tuple[Removal, ...]
    kept: tuple[str, ...]  # proposed marks the owner removed
    proof_ocr: bool  # the OCR pass ran (Tesseract is installed)


@dataclass(frozen=True)
class _Area:
    page: int  # the clean copy's page, from 0
    box: Box
    party: str  # "" for the owner's own mark


def check_pages(approved: pymupdf.Document, record: dict[str, object], name: str) -> None:
    """Refuse an approved review whose pages are not the review's (another file saved)."""
    pages = record["pages"]
    assert isinstance(pages, list)
    if approved.page_count != len(pages):
        raise LettersError(
            f"{name}: it has {approved.page_count} pages where the review has {len(pages)}, so "
            "it is not the review; nothing was applied. Open the review, mark it, and save it "
            "into approved/ under the same name."
        )
    for page, expected in zip(approved, pages, strict=True):
        words = {word.key for word in page_words(page)}
        known = set(expected)
        # The owner's editor may have applied a mark already (fewer words), never added any.
        if words - known or (len(known) >= 4 and len(words) < len(known) / 2):
            raise LettersError(
                f"{name}: page {(page.number or 0) + 1} is not the review's page, so it is not "
                "the review (or the review was rebuilt since); nothing was applied. Mark the "
                "review as it is now and save it into approved/ under the same name."
            )


def apply_review(
    approved_path: Path,
    record_path: Path,
    marked: Sequence[Marked],
    target: Path,
    cache: Path,
    scratch: Path,
) -> Applied:
    """Write the clean copy of ``approved_path`` at ``target``, or LettersError saying why not."""
    name = f"{approved_path.parent.name}/{approved_path.name}"
    try:
        approved = pymupdf.open(approved_path, filetype="pdf")
    except Exception:
        raise LettersError(f"{name}: this PDF cannot be read; save the review again.") from None
    if approved.needs_pass:
        raise LettersError(f"{name}: it is protected by a password; save it without one.")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise LettersError(
            f"{name}: the record of the review is missing, so the approval cannot be checked; "
            "the review is built again: mark it and save it into approved/ again."
        ) from None
    check_pages(approved, record, name)
    cover = int(record["cover"])
    reasons = {party.party: party.why for party in marked}
    areas = _marks(approved, cover)
    if record["found"] and not any(area.party for area in areas):
        # Every proposed mark gone is what an editor that flattens or drops marks does.
        raise LettersError(
            f"{name}: it holds none of the review's proposed marks, so nothing was applied. If "
            "your PDF editor dropped them, save the review again from Adobe Acrobat Reader; if "
            "no mark should apply, record the decision (Consents) on the Third parties sheet "
            "and the review is built again."
        )
    kept = _removed_by_owner(record, areas, cover)
    cleaned = _redacted(approved, areas, cover, scratch)
    approved.close()
    proof_ocr = _prove(cleaned, areas, marked, cache, scratch, name)
    with whole(target) as partial:
        shutil.copyfile(cleaned, partial)
    removals = tuple(
        Removal(area.page + 1, area.party, reasons.get(area.party, "marked by the owner"))
        for area in areas
    )
    return Applied(removals, tuple(kept), proof_ocr)


def _redacted(
    approved: pymupdf.Document, areas: Sequence[_Area], cover: int, scratch: Path
) -> Path:
    """Remove every marked area for real and clean the pages after the cover; return the file.

    The pages are redacted a batch at a time, each batch saved and let go: a scan's redacted
    picture is held uncompressed until its document is saved, which for 60 scans in one
    document took 700 MB (issue 13).
    """
    scratch.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    for first in range(cover, approved.page_count, _BATCH):
        with pymupdf.open() as part:
            part.insert_pdf(approved, from_page=first, to_page=first + _BATCH - 1)
            for page in part:
                number = first - cover + (page.number or 0)  # the clean copy's page
                _redact_page(page, [area for area in areas if area.page == number])
            parts.append(scratch / f"redacted-{first:05d}.pdf")
            part.save(parts[-1], garbage=3, deflate=True)
        pymupdf.TOOLS.store_shrink(100)  # the batch's decoded pictures
    cleaned = _joined(parts)
    cleaned.set_toc([])
    cleaned.scrub(
        attached_files=True,
        clean_pages=True,
        embedded_files=True,
        hidden_text=False,  # the scans' OCR text stays, so the copy can be searched
        javascript=True,
        metadata=True,
        redactions=False,
        remove_links=True,
        reset_fields=True,
        reset_responses=True,
        thumbnails=True,
        xml_metadata=True,
    )
    cleaned.set_metadata({})
    target = scratch / "clean copy.pdf"
    cleaned.save(target, garbage=4, deflate=True, clean=True, no_new_id=True)
    cleaned.close()
    return target


def _joined(parts: Sequence[Path]) -> pymupdf.Document:
    """Return the saved ``parts`` as one document, in order; remove them."""
    document = pymupdf.open()
    for path in parts:
        with pymupdf.open(path) as part:
            document.insert_pdf(part)
        path.unlink()
    return document


def _redact_page(page: pymupdf.Page, on_page: Sequence[_Area]) -> None:
    """Take a page's annotations, fields and links off, and remove its marked areas for real."""
    for annot in list(page.annots() or []):
        page.delete_annot(annot)
    for widget in list(page.widgets() or []):
        page.delete_widget(widget)
    for link in page.get_links():
        page.delete_link(link)
    for area in on_page:
        page.add_redact_annot(pymupdf.Rect(area.box), fill=(0, 0, 0))
    if on_page:
        page.apply_redactions(
            images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
            graphics=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_TOUCHED,
            text=pymupdf.PDF_REDACT_TEXT_REMOVE,
        )


def _marks(approved: pymupdf.Document, cover: int) -> list[_Area]:
    """Return every mark of the approved review after its cover, numbered as the clean copy."""
    areas: list[_Area] = []
    for page in approved:
        number = page.number or 0
        if number < cover:
            continue
        for annot in page.annots() or []:
            if annot.type[0] not in _MARK_TYPES:
                continue
            info = annot.info
            party = info.get("title", "") if info.get("subject") == SUBJECT else ""
            boxes = [annot.rect]
            if annot.type[0] == pymupdf.PDF_ANNOT_HIGHLIGHT and annot.vertices:
                points = annot.vertices
                boxes = [
                    pymupdf.Quad(*points[index : index + 4]).rect
                    for index in range(0, len(points) - 3, 4)
                ]
            areas += [_Area(number - cover, tuple(box), party) for box in boxes]
    return areas


def _removed_by_owner(record: dict[str, object], areas: Sequence[_Area], cover: int) -> list[str]:
    """List the review's proposed marks that the approval no longer has: the owner's decision."""
    found = record["found"]
    assert isinstance(found, list)
    kept: list[str] = []
    for page, box, party in found:
        place = pymupdf.Rect(box)
        if not any(
            area.page == page - cover and pymupdf.Rect(area.box).intersects(place) for area in areas
        ):
            kept.append(f"Page {page - cover + 1}: a proposed mark for {party}")
    return kept


def _prove(
    cleaned: Path,
    areas: Sequence[_Area],
    marked: Sequence[Marked],
    cache: Path,
    scratch: Path,
    name: str,
) -> bool:
    """Raise LettersError if a marked party's term is still in a marked area; say if OCR ran."""
    terms = sorted(
        (term for party in marked for term in party.terms), key=lambda term: -len(term.key)
    )
    pages = sorted({area.page for area in areas})
    left: list[str] = []
    with pymupdf.open(cleaned, filetype="pdf") as clean:
        for number in pages:
            left += _left_in(page_words(clean[number]), number, areas, terms, "text")
        strips = _strips(clean, pages, areas, scratch / "marked lines.pdf")
    proof_ocr, read = True, {}
    if strips:
        with pymupdf.open(scratch / "marked lines.pdf") as pictures:
            try:
                read = ocr_pages(pictures, list(range(pictures.page_count)), cache, scratch)
            except OcrUnavailable:
                proof_ocr = False
    found: dict[int, list[Word]] = {}
    for sheet, document in sorted(read.items()):
        for word in page_words(document[0]):
            placed = _placed(word, sheet, strips)
            if placed is not None:
                found.setdefault(placed[0], []).append(placed[1])
        document.close()
    for number, words in found.items():
        left += _left_in(words, number, areas, terms, "OCR")
    if left:
        raise LettersError(
            f"{name}: the clean copy was not written, because its check found a refused "
            "party's words still in a marked area: " + "; ".join(left) + ". Mark a larger "
            "area there in the review, save it into approved/ again, and run again."
        )
    return proof_ocr


@dataclass(frozen=True)
class _Strip:
    """A marked line of the clean copy, drawn on a picture page for the OCR check."""

    sheet: int  # the picture page
    at: float  # where the strip starts on it
    page: int  # the clean copy's page
    top: float  # where the line starts on that page
    height: float


def _strips(
    clean: pymupdf.Document, pages: Sequence[int], areas: Sequence[_Area], target: Path
) -> list[_Strip]:
    """Draw every line that holds a mark, whole width, one under another on A4 picture pages
    saved at ``target``.

    OCR then reads a few pages of marked lines, not every marked page (OCRmyPDF's cost is
    mostly per page); each word it finds is put back on its own page by ``_placed``. As when
    redacting, the picture pages are saved a batch at a time and each page's decoded scan is
    let go once its lines are drawn (issue 13: memory).
    """
    pictures, parts = pymupdf.open(), []
    strips: list[_Strip] = []
    sheet, at, sheets = None, 0.0, 0
    width = max([clean[number].rect.width for number in pages] + [_SHEET.width])
    for number in pages:
        page = clean[number]
        for top, bottom in _bands(page, areas):
            clip = pymupdf.Rect(0, top, page.rect.width, bottom)
            if sheet is None or at + clip.height > _SHEET.height:
                if pictures.page_count == _BATCH:
                    parts.append(target.with_name(f"{target.stem}-{sheets:05d}.pdf"))
                    pictures.save(parts[-1], garbage=3, deflate=True)
                    pictures.close()
                    pictures = pymupdf.open()
                sheet, at, sheets = (
                    pictures.new_page(width=width, height=_SHEET.height),
                    0.0,
                    sheets + 1,
                )
            place = pymupdf.Rect(0, at, page.rect.width, at + clip.height)
            sheet.insert_image(
                place, pixmap=page.get_pixmap(dpi=_PROOF_DPI, clip=clip, colorspace=pymupdf.csGRAY)
            )
            strips.append(_Strip(sheets - 1, at, number, top, clip.height))
            at += clip.height + _BAND
        pymupdf.TOOLS.store_shrink(100)
    if not strips:
        return strips
    parts.append(target.with_name(f"{target.stem}-{sheets:05d}.pdf"))
    pictures.save(parts[-1], garbage=3, deflate=True)
    pictures.close()
    with _joined(parts) as joined:
        joined.save(target, garbage=3, deflate=True)
    return strips


def _bands(page: pymupdf.Page, areas: Sequence[_Area]) -> list[tuple[float, float]]:
    """Return the stretches of the page, top to bottom, that hold a mark, a little each side."""
    bands: list[list[float]] = []
    for top, bottom in sorted((area.box[1] - _BAND, area.box[3] + _BAND) for area in areas
                              if area.page == page.number):  # fmt: skip
        if bands and top <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([max(top, 0), min(bottom, page.rect.height)])
    return [(top, min(bottom, top + _SHEET.height)) for top, bottom in bands]


def _placed(word: Word, sheet: int, strips: Sequence[_Strip]) -> tuple[int, Word] | None:
    """Return the clean copy's page of a word OCR found on a picture page, and the word there."""
    x0, y0, x1, y1 = word.box
    for strip in strips:
        if strip.sheet == sheet and strip.at - _BAND / 2 <= y0 < strip.at + strip.height:
            shift = strip.top - strip.at
            return strip.page, Word((x0, y0 + shift, x1, y1 + shift), word.text, word.key)
    return None


def _left_in(
    words: Sequence[Word], number: int, areas: Sequence[_Area], terms: Sequence[Term], how: str
) -> list[str]:
    """Say where a term is found inside a marked area of page ``number``."""
    places = [pymupdf.Rect(area.box) for area in areas if area.page == number]
    left = []
    for found in find(words, terms):
        for box in found.boxes:
            inner = pymupdf.Rect(box)
            if any((inner & place).get_area() > 0.5 * inner.get_area() for place in places):
                left.append(f"page {number + 1}, {found.term.party} (found by {how})")
                break
    return left
