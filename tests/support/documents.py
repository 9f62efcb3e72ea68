"""Documents as people make them: a scanned PDF."""

from __future__ import annotations

from io import BytesIO


def scanned_pdf() -> bytes:
    """Return a one-page PDF, as a scanner makes one."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
