"""Assemble a request bundle: one bookmarked PDF of the request, the replies and the record."""

from __future__ import annotations

import email
import email.errors
import logging
import shutil
import tempfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import LettersError, describe
from pipeline.folders import whole
from pipeline.records.convert import Converter
from pipeline.records.sanitize import quiet_pdf

if TYPE_CHECKING:
    # pypdf takes 0.05 s to import: it is imported only when a bundle is built.
    from pypdf import PdfWriter

PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic", ".heif"}
)
OFFICE_SUFFIXES = frozenset({".docx", ".doc", ".odt", ".rtf"})
TEXT_SUFFIXES = frozenset({".eml", ".txt"})
_HEADERS = ("From", "To", "Cc", "Date", "Subject")

# pypdf logs each flaw of a damaged PDF ("EOF marker not found"); the bundle's notes already say
# what matters, so keep those lines off the manager's screen unless logging is set up on purpose.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Part:
    """One document in the bundle: its bookmark title and its file (PDF, image, Word, email)."""

    title: str
    path: Path


def build_bundle(
    parts: list[Part], target: Path, converter: Converter, *, title: str | None = None
) -> list[str]:
    """Write ``parts`` in order as one PDF at ``target``; return notes on parts left out.

    Each part's first page gets a bookmark with its title; a PDF's scripts, actions, embedded
    files and form are left out. The file is replaced all or nothing; LettersError when no
    part can be included or the file cannot be written. Scratch files go in a folder under
    ``converter.staging`` that is removed afterwards.
    """
    from pypdf import PdfWriter

    converter.staging.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bundle-", dir=converter.staging))
    try:
        notes: list[str] = []
        writer = PdfWriter()
        office = _convert_office(parts, converter, scratch)
        for number, part in enumerate(parts):
            pdf, note = _as_pdf(part, number, converter, office, scratch)
            if pdf is not None:
                note = _append(writer, pdf, part)
            if note:
                notes.append(note)
        if not writer.pages:
            raise LettersError(
                f"{target}: the bundle was not made, because none of its documents could be "
                "included:\n" + "\n".join(f"  - {note}" for note in notes or ["it has none."])
            )
        writer.add_metadata({"/Title": title or target.stem, "/Creator": "SAR letters"})
        _write(writer, target)
        return notes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class _Office:
    """The Word parts converted to PDF, and why the others were not."""

    pdfs: dict[Path, Path]
    failure: str = ""


def _convert_office(parts: list[Part], converter: Converter, scratch: Path) -> _Office:
    """Convert every Word part in one LibreOffice run (none when it is not installed)."""
    sources = [part.path for part in parts if part.path.suffix.lower() in OFFICE_SUFFIXES]
    sources = [path for path in sources if path.is_file()]
    if not sources or not converter.available:
        return _Office({})
    try:
        return _Office(converter.docx_to_pdf(sources, into=scratch))
    except LettersError as error:  # LibreOffice itself failed: the other parts still go in
        return _Office({}, error.message)


def _as_pdf(
    part: Part, number: int, converter: Converter, office: _Office, scratch: Path
) -> tuple[Path | None, str]:
    """Return the part as a PDF file, or None and a note saying why it is left out."""
    path, suffix = part.path, part.path.suffix.lower()
    if not path.is_file():
        return None, f"{path}: left out of the bundle: the file is not there."
    if suffix in PDF_SUFFIXES:
        return path, ""
    if suffix in OFFICE_SUFFIXES:
        if not converter.available:
            return None, (
                f"{path}: a Word document, left out of the bundle because LibreOffice is not "
                "installed. Print it and add it by hand."
            )
        if path not in office.pdfs:
            return None, (
                f"{path}: a Word document, left out of the bundle because LibreOffice could not "
                "convert it. "
                + (office.failure or "Open it to check it, or print it and add it by hand.")
            )
        return office.pdfs[path], ""
    made = scratch / f"{number:04d}.pdf"
    from pipeline.records import pages  # Pillow takes 0.01 s to import: only a bundle draws pages

    try:
        if suffix in IMAGE_SUFFIXES:
            pages.image_to_pdf(path, made)
        elif suffix in TEXT_SUFFIXES:
            lines = email_text(path) if suffix == ".eml" else _text_lines(path)
            pages.text_to_pdf(part.title, lines, made)
        else:
            return None, (
                f"{path}: left out of the bundle: a {suffix or 'file without an extension'} "
                "file cannot go into it. Save it as PDF, or print it and add it by hand."
            )
    except LettersError as error:
        return None, f"Left out of the bundle: {error.message}"
    except OSError as error:
        return None, f"{path}: left out of the bundle: it cannot be read ({describe(error)})."
    return made, ""


def _append(writer: PdfWriter, pdf: Path, part: Part) -> str:
    """Append every page of ``pdf`` under a bookmark, without what it could run or carry; on
    failure add nothing and say why."""
    from pypdf import PdfReader

    start = len(writer.pages)
    try:
        reader = PdfReader(pdf)
        # Decrypting with no password opens a PDF protected only against editing.
        if reader.is_encrypted and not reader.decrypt(""):
            return (
                f"{part.path}: left out of the bundle: the PDF is protected by a password. Ask "
                "for a copy without one, or print it and add it by hand."
            )
        quiet_pdf(reader)  # in memory: the reply's own file stays as it came
        writer.append(reader, import_outline=False)  # keeps links inside the document
    # A damaged PDF can fail in pypdf with almost any exception; it is one part, left out.
    except Exception as error:
        del writer.pages[start:]  # type: ignore[attr-defined]  # pypdf's list allows it
        return (
            f"{part.path}: left out of the bundle: it cannot be read ({describe(error)}). "
            "Open it to check it, or print it and add it by hand."
        )
    if len(writer.pages) == start:
        return f"{part.path}: left out of the bundle: the PDF has no pages."
    writer.add_outline_item(title=part.title, page_number=start)
    return ""


def _write(writer: PdfWriter, target: Path) -> None:
    """Write the bundle beside ``target`` and move it into place, so it is never half-written."""
    from pypdf.errors import PyPdfError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with whole(target) as partial, partial.open("wb") as stream:
            writer.write(stream)
    except (OSError, PyPdfError) as error:
        raise LettersError(
            f"{target}: the bundle cannot be written ({describe(error)}). Check the folder "
            f"{target.parent} exists and is not read-only, and that the file is not open, then "
            "run again."
        ) from None


def email_text(path: Path) -> list[str]:
    """Return the lines a saved email's page shows: headers, attachment names, then the text."""
    with path.open("rb") as stream:
        message = email.message_from_binary_file(stream, policy=policy.default)
    assert isinstance(message, EmailMessage)  # what policy.default builds
    lines = []
    for name in _HEADERS:
        value = _header(message, name)
        if value:
            lines.append(f"{name}: {value}")
    attachments = [
        attachment.get_filename() or "(unnamed)" for attachment in message.iter_attachments()
    ]
    if attachments:
        lines.append(f"Attachments: {', '.join(attachments)}")
    lines.append("")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return [*lines, "(This message has no text.)"]
    text = _content(body)
    if body.get_content_subtype() == "html":
        text = _html_text(text)
    return lines + text.splitlines()


def _header(message: EmailMessage, name: str) -> str:
    """Return a header as text; a malformed one as it was written."""
    try:
        value = message.get(name)
    except (email.errors.MessageError, ValueError, IndexError, TypeError):
        return " ".join(str(raw) for key, raw in message.raw_items() if key.lower() == name.lower())
    return " ".join(str(value).split()) if value is not None else ""


def _content(part: MIMEPart) -> str:
    """Return a text part's content, decoding by hand when its charset is unknown."""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        content = None
    if isinstance(content, str):
        return content
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _text_lines(path: Path) -> list[str]:
    """Return a text file's lines: UTF-8, else the Windows encoding Notepad used to save."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.splitlines()


class _TextOfHtml(HTMLParser):
    """Collect the visible text of an HTML email, a line per paragraph, row or break."""

    _BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def _html_text(html: str) -> str:
    """Strip an HTML body to its text, one line per paragraph, no runs of blank lines."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.chunks).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
