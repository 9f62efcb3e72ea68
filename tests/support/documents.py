"""Documents as people make them and as the tests read them back: Word files and PDFs."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
from docx.shared import Mm
from pypdf import PdfReader, PdfWriter

#: A name with what careless escaping breaks: accents, an ampersand, angle brackets, an apostrophe.
NAME = "Zoë Müller-Lefèvre & Sons <Ltd> O'Brien"
A4 = (595.3, 841.9)  # points, as LibreOffice writes it
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def write_docx(path: Path, *paragraphs: str) -> Path:
    """Write an A4 Word document holding ``paragraphs``."""
    document = docx.Document()
    document.sections[0].page_width, document.sections[0].page_height = Mm(210), Mm(297)
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def text_of(path: Path) -> dict[str, str]:
    """Return the body, header and footer text of a .docx, each as one string."""
    document = docx.Document(str(path))
    body = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        body += [cell.text for row in table.rows for cell in row.cells]
    section = document.sections[0]
    return {
        "body": "\n".join(body),
        "header": "\n".join(p.text for p in section.header.paragraphs),
        "footer": "\n".join(p.text for p in section.footer.paragraphs),
    }


def page_sizes(pdf: Path | PdfReader) -> list[tuple[float, float]]:
    """Return the width and height of each page of a PDF, in points to a tenth."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(pdf)
    return [
        (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
        for page in reader.pages
    ]


def scanned_pdf() -> bytes:
    """Return a one-page PDF, as a scanner makes one."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
