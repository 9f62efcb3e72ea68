"""Make scanned pages searchable with OCRmyPDF (Tesseract, English and Welsh), cached by content.

A page is taken as scanned when it holds a picture and almost no text. Each page's OCR is kept
in the request's hidden ``.ocr`` folder under a fingerprint of what the page is drawn from, so
a review built again (a decision changed, a document added) OCRs only the pages it has not seen.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

LANGUAGES = ("eng", "cym")
SCANNED_BELOW = 20  # characters of text on a page with a picture: a scan, to OCR
BY_HAND_BELOW = 25  # words of two letters or more OCR found: listed to check by hand
_BATCH = 20  # pages to one OCRmyPDF run

# OCRmyPDF logs each page's progress and its advice; what matters reaches the to-do list.
logging.getLogger("ocrmypdf").addHandler(logging.NullHandler())
logging.getLogger("ocrmypdf").propagate = False


@dataclass(frozen=True)
class Searchable:
    """The file with its scanned pages OCR'd, and the pages to check by hand (numbered from 0)."""

    pdf: pymupdf.Document
    by_hand: tuple[int, ...]
    problem: str = ""  # OCR could not run, and why


def is_scanned(page: pymupdf.Page) -> bool:
    """Say whether a page is a picture with (almost) no text: a scan or a photo."""
    return bool(page.get_images()) and len(page.get_text().strip()) < SCANNED_BELOW


def little_text(page: pymupdf.Page) -> bool:
    """Say whether OCR found too few words on a page to trust the search on it."""
    words = [word for word in page.get_text("words") if sum(c.isalpha() for c in word[4]) >= 2]
    return len(words) < BY_HAND_BELOW


def make_searchable(document: pymupdf.Document, cache: Path, scratch: Path) -> Searchable:
    """Return ``document`` with every scanned page replaced by its OCR'd copy."""
    scanned = [page.number for page in document if is_scanned(page)]
    try:
        done = ocr_pages(document, scanned, cache, scratch)
    except OcrUnavailable as error:
        return Searchable(document, tuple(scanned), str(error))
    result = pymupdf.open()
    for page in document:
        number = page.number
        assert number is not None
        source = done.get(number)
        if source is None:
            result.insert_pdf(document, from_page=number, to_page=number)
        else:
            result.insert_pdf(source)
    for source in done.values():
        source.close()
    by_hand = tuple(number for number in scanned if little_text(result[number]))
    return Searchable(result, by_hand)


class OcrUnavailable(Exception):
    """OCRmyPDF or Tesseract is missing or failed: the pages stay unsearched."""


def fingerprint(document: pymupdf.Document, number: int) -> str:
    """Return a fingerprint of what a page is drawn from: its size, contents and pictures."""
    page = document[number]
    digest = hashlib.sha256(repr(tuple(page.rect)).encode())
    digest.update(page.read_contents())
    for image in page.get_images(full=True):
        digest.update(document.xref_stream_raw(image[0]) or b"")
    return digest.hexdigest()


def ocr_pages(
    document: pymupdf.Document, numbers: Sequence[int], cache: Path, scratch: Path
) -> dict[int, pymupdf.Document]:
    """Return each page of ``numbers`` OCR'd, as a one-page PDF, from the cache or made now."""
    keys = {number: fingerprint(document, number) for number in numbers}
    missing = sorted({key: number for number, key in keys.items()
                      if not (cache / f"{key}.pdf").is_file()}.items())  # fmt: skip
    if missing:
        _ocr_into_cache(document, missing, cache, scratch)
    return {number: pymupdf.open(cache / f"{key}.pdf") for number, key in keys.items()}


def _ocr_into_cache(
    document: pymupdf.Document, missing: list[tuple[str, int]], cache: Path, scratch: Path
) -> None:
    """OCR the ``missing`` pages, a batch to an OCRmyPDF run on every core; file each in the
    cache.

    OCRmyPDF runs in this process, and its memory grows with the file it reads: 60 scans in one
    run took the review to 420 MB (issue 13).
    """
    try:
        import ocrmypdf
        from ocrmypdf.exceptions import ExitCodeException
    except ImportError:  # pragma: no cover - a dependency of the package
        raise OcrUnavailable("OCRmyPDF is not installed") from None
    scratch.mkdir(parents=True, exist_ok=True)
    for first in range(0, len(missing), _BATCH):
        batch = missing[first : first + _BATCH]
        work = Path(tempfile.mkdtemp(prefix="ocr-", dir=scratch))
        try:
            source, output = work / "in.pdf", work / "out.pdf"
            with pymupdf.open() as pages:
                for _key, number in batch:
                    pages.insert_pdf(document, from_page=number, to_page=number)
                pages.save(source)
            # OCRmyPDF's workers are forked from this process: let go of decoded pictures first.
            pymupdf.TOOLS.store_shrink(100)
            try:
                ocrmypdf.ocr(
                    source,
                    output,
                    language=list(LANGUAGES),
                    force_ocr=True,  # a scan's stray text (a fax header) is drawn again, not lost
                    output_type="pdf",
                    optimize=0,
                    jobs=os.cpu_count() or 1,
                    progress_bar=False,
                )
            except ExitCodeException as error:
                raise OcrUnavailable(f"{type(error).__name__}: {error}".strip(": ")) from None
            cache.mkdir(parents=True, exist_ok=True)
            with pymupdf.open(output) as done:
                for index, (key, _number) in enumerate(batch):
                    one = pymupdf.open()
                    one.insert_pdf(done, from_page=index, to_page=index)
                    partial = cache / f".{key}.partial"
                    one.save(partial, garbage=3, deflate=True)
                    os.replace(partial, cache / f"{key}.pdf")
        finally:
            shutil.rmtree(work, ignore_errors=True)
