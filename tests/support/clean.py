"""The child's file as a setting holds one: a Word document, a digital PDF, a scan and a photo."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw, ImageFont

from support.documents import write_docx

REFUSER = "Gwendolyn Hartley-Boateng"  # refuses: every mention marked
CONSENTER = "Priya Raman"  # consents: never marked
AGENCY = "Riverside Health Visiting Team"
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scanned_page(lines: list[str]) -> Image.Image:
    """Return an A4 page at 150 dpi with ``lines`` typed on it, as a scanner sees one."""
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(_FONT, 30)
    for number, line in enumerate(lines):
        draw.text((120, 160 + number * 56), line, font=font, fill=0)
    return page


def photo() -> Image.Image:
    """Return a small colour photo with no words in it (a child's painting)."""
    picture = Image.new("RGB", (600, 450), (250, 240, 200))
    draw = ImageDraw.Draw(picture)
    for step in range(12):
        draw.ellipse((40 + step * 40, 60 + step * 20, 140 + step * 40, 160 + step * 20),
                     fill=(30 + step * 18, 120, 200 - step * 12))  # fmt: skip
    return picture


def digital_pdf(path: Path, lines: list[str]) -> Path:
    """Write a one-page PDF whose ``lines`` are real text, as a word processor makes one."""
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    for number, line in enumerate(lines):
        page.insert_text((72, 100 + number * 18), line, fontsize=11)
    document.save(path)
    return path


def write_child_file(folder: Path) -> Path:
    """Write a small child's file into ``folder`` (the request's file/): four documents."""
    folder.mkdir(parents=True, exist_ok=True)
    write_docx(
        folder / "01 Visit notes.docx",
        "Key person notes for Ciarán O'Brien, spring term.",
        f"On 3 March {REFUSER} collected Ciarán at noon and stayed for the review.",
        f"{CONSENTER} from the {AGENCY} checked his weight and hearing.",
        "Nan phoned on 029 2018 4477 to say he had slept badly.",
    )
    digital_pdf(
        folder / "02 Letter from the health visitor.pdf",
        [
            f"Dear colleagues, I am writing as {CONSENTER} of the {AGENCY}.",
            "Ciarán was seen at home with his mother and with Mrs Hartley-",
            "Boateng, who asked for a copy of his growth chart.",
            "Please contact me at the clinic. Yours sincerely, Priya Raman",
        ],
    )
    scans = folder / "scans"
    scans.mkdir()
    scanned_page(
        [
            "Incident record: a bumped knee in the garden.",
            "Collected early by Gwendolyn Hartley-Boateng at 3pm.",
            "The health visitor Priya Raman was told the next day.",
            "Signed by the key person.",
        ]
    ).save(scans / "03 Incident record.pdf", resolution=150)
    photo().save(folder / "04 Painting.jpg", quality=90)
    return folder
