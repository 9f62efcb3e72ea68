"""Build registers/example-file/: the fictional child's file of the demo's SAR-2026-002.

Lena Nowak's file as a setting holds one: key person notes in Word, a letter from the health
visitor as a digital PDF, and an accident record scanned as a picture. Sandra Hughes (the health
visitor) refuses and Marek Nowak (her uncle) consents, so `make letters` shows a review with
her mentions marked and his left alone. Everyone here is fictional.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
import pymupdf
from docx.shared import Mm
from PIL import Image, ImageDraw, ImageFont

TARGET = Path(__file__).resolve().parent.parent / "registers" / "example-file"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def main() -> int:
    """Write the three documents into TARGET."""
    TARGET.mkdir(parents=True, exist_ok=True)
    notes = docx.Document()
    notes.sections[0].page_width, notes.sections[0].page_height = Mm(210), Mm(297)
    notes.add_heading("Key person notes: Lena Nowak", level=1)
    for text in (
        "12 September: settled well. Collected by her uncle Marek Nowak, who stayed to talk.",
        "3 October: Sandra Hughes (health visitor, Millbrook Health Visiting Team) came to "
        "the setting for Lena's two-year check and spoke with the key person.",
        "17 October: Mrs Hughes phoned to say the follow-up is booked for the spring.",
        "21 November: Lena painted a picture of the garden for her uncle Marek.",
    ):
        notes.add_paragraph(text)
    notes.save(str(TARGET / "01 Key person notes.docx"))
    letter = pymupdf.open()
    page = letter.new_page(width=595, height=842)
    for number, line in enumerate(
        (
            "Millbrook Health Visiting Team",
            "",
            "Dear Manager,",
            "Thank you for letting me see Lena at the setting on 3 October. Her",
            "two-year review went well. Please call me if you have any concerns.",
            "",
            "Yours sincerely,",
            "Sandra Hughes, Health visitor",
        )
    ):
        page.insert_text((72, 100 + number * 18), line, fontsize=11)
    letter.set_metadata({"title": "Letter from the health visitor"})
    letter.save(TARGET / "02 Letter from the health visitor.pdf", garbage=3, deflate=True)
    scan = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(scan)
    font = ImageFont.truetype(FONT, 30)
    for number, line in enumerate(
        (
            "ACCIDENT RECORD",
            "Child: Lena Nowak      Date: 14 November",
            "Tripped on the step to the garden; graze to the left knee.",
            "Cleaned and a cold pack given by the key person.",
            "Collected by Marek Nowak, who was told at 5pm.",
            "Sandra Hughes was informed at her next visit.",
        )
    ):
        draw.text((120, 160 + number * 60), line, font=font, fill=20)
    scan.save(TARGET / "03 Accident record (scan).png", dpi=(150, 150), optimize=True)
    print(f"Wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
