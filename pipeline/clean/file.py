"""Gather the child's file (``<Ref>/file/``) into one PDF: each document bookmarked by name.

PDFs go in as they are, Word documents through LibreOffice, pictures as pages. A file that
cannot be read (encrypted, damaged, empty, not a document) is named, and the rest goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import LettersError
from pipeline.records.bundle import IMAGE_SUFFIXES, OFFICE_SUFFIXES, PDF_SUFFIXES
from pipeline.records.convert import Converter

if TYPE_CHECKING:
    # PyMuPDF and Pillow's drawing are imported only when a review is built: most runs build none.
    import pymupdf

_READABLE = "put a readable copy in file/"


@dataclass(frozen=True)
class Gathered:
    """The file as one PDF, where each document starts, and what could not be read."""

    pdf: pymupdf.Document
    starts: tuple[tuple[str, int], ...]  # each document's name in file/ and its first page
    unreadable: tuple[str, ...]  # "name: why", for the cover page and the to-do list


def file_documents(folder: Path) -> list[Path]:
    """Return the documents in ``folder`` and its sub-folders, in order, hidden ones left out."""
    if not folder.is_dir():
        return []
    return sorted(
        (
            path
            for path in folder.rglob("*")
            if path.is_file()
            and not any(part.startswith((".", "~$")) for part in path.relative_to(folder).parts)
        ),
        key=lambda path: [part.casefold() for part in path.relative_to(folder).parts],
    )


def gather(folder: Path, converter: Converter, scratch: Path) -> Gathered:
    """Put every document of ``folder`` into one PDF, in order; name those that cannot be read."""
    import pymupdf

    documents = file_documents(folder)
    words = [path for path in documents if path.suffix.lower() in OFFICE_SUFFIXES]
    words = [path for path in words if path.stat().st_size > 0]
    converted: dict[Path, Path] = {}
    office_failure = ""
    if words and converter.available:
        try:
            converted = converter.docx_to_pdf(words, into=scratch / "word")
        except LettersError as error:
            office_failure = error.message
    whole = pymupdf.open()
    starts: list[tuple[str, int]] = []
    unreadable: list[str] = []
    for number, path in enumerate(documents):
        name = path.relative_to(folder).as_posix()
        try:
            part = _open(path, number, converted, converter, office_failure, scratch)
        except LettersError as error:
            unreadable.append(f"{name}: {error.message}")
            continue
        with part:
            starts.append((name, whole.page_count))
            whole.insert_pdf(part)
    return Gathered(whole, tuple(starts), tuple(unreadable))


def _open(
    path: Path,
    number: int,
    converted: dict[Path, Path],
    converter: Converter,
    office_failure: str,
    scratch: Path,
) -> pymupdf.Document:
    """Open one document of the file as a PDF; LettersError saying why it cannot be."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise LettersError(f"the file is empty (0 bytes); {_READABLE}.")
    if suffix in PDF_SUFFIXES:
        return _open_pdf(path)
    if suffix in OFFICE_SUFFIXES:
        if path in converted:
            return _open_pdf(converted[path])
        if not converter.available:
            raise LettersError(
                "a Word document, and LibreOffice is not installed to convert it; install "
                f"LibreOffice, or save it as PDF and {_READABLE}."
            )
        why = f" ({office_failure})" if office_failure else ""
        raise LettersError(f"LibreOffice could not open this Word document{why}; {_READABLE}.")
    if suffix in IMAGE_SUFFIXES or suffix in {".heic", ".heif"}:
        from pipeline.records.pages import image_to_pdf

        target = scratch / f"picture-{number:04d}.pdf"
        try:
            image_to_pdf(path, target)
        except LettersError:
            raise LettersError(f"this picture cannot be read; {_READABLE}.") from None
        return _open_pdf(target)
    raise LettersError(f"not a PDF, Word document or picture; save it as PDF and {_READABLE}.")


def _open_pdf(path: Path) -> pymupdf.Document:
    """Open a PDF that can be read whole; LettersError when it is encrypted or damaged."""
    import pymupdf

    try:
        document = pymupdf.open(path, filetype="pdf")
    except Exception:  # MuPDF raises its own errors, and others, on a damaged file
        raise LettersError(f"this PDF is damaged and cannot be read; {_READABLE}.") from None
    if document.needs_pass or document.is_encrypted:
        document.close()
        raise LettersError(
            "this PDF is protected by a password; save a copy without the password and "
            f"{_READABLE}."
        )
    if document.page_count == 0:
        document.close()
        raise LettersError(f"this PDF is damaged and cannot be read; {_READABLE}.")
    return document
