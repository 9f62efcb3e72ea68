"""Scans, photos and an email's text become PDF pages with Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from pipeline.errors import LettersError
from pipeline.records import pages

from support.documents import A4, NAME, page_sizes


def test_multi_page_tiff_becomes_one_page_per_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (2480, 3508), shade) for shade in (0, 128, 255)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))

    pages.image_to_pdf(tmp_path / "scan.tif", tmp_path / "scan.pdf")

    assert page_sizes(tmp_path / "scan.pdf") == [(595.2, 841.9)] * 3


def test_transparent_png_and_palette_gif_become_pdfs(tmp_path: Path) -> None:
    Image.new("RGBA", (400, 300), (255, 0, 0, 0)).save(tmp_path / "logo.png")
    Image.new("P", (200, 100)).save(tmp_path / "sign.gif", transparency=0)

    pages.image_to_pdf(tmp_path / "logo.png", tmp_path / "logo.pdf")
    pages.image_to_pdf(tmp_path / "sign.gif", tmp_path / "sign.pdf")

    assert page_sizes(tmp_path / "logo.pdf") == [(400.0, 300.0)]
    assert page_sizes(tmp_path / "sign.pdf") == [(200.0, 100.0)]


def test_sixteen_bit_grey_scan_becomes_a_pdf(tmp_path: Path) -> None:
    Image.new("I;16", (800, 1100), 40_000).save(tmp_path / "scan.png", dpi=(100, 100))

    pages.image_to_pdf(tmp_path / "scan.png", tmp_path / "scan.pdf")

    assert page_sizes(tmp_path / "scan.pdf") == [(576.0, 792.0)]


def test_photo_is_turned_upright_and_fitted_to_a4(tmp_path: Path) -> None:
    photo = Image.new("RGB", (4000, 3000), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # orientation: the camera was held upright, turned 90°
    photo.save(tmp_path / "reply.jpg", exif=exif)

    pages.image_to_pdf(tmp_path / "reply.jpg", tmp_path / "reply.pdf")

    [(width, height)] = page_sizes(tmp_path / "reply.pdf")
    assert width == pytest.approx(A4[0], abs=1)
    assert height == pytest.approx(A4[0] * 4 / 3, abs=1)


def test_unreadable_image_raises_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "scan.png").write_bytes(b"not a picture")
    target = tmp_path / "scan.pdf"

    with pytest.raises(LettersError, match=r"scan\.png: this image cannot be read"):
        pages.image_to_pdf(tmp_path / "scan.png", target)
    assert list(tmp_path.iterdir()) == [tmp_path / "scan.png"]


def test_text_becomes_an_a4_pdf(tmp_path: Path) -> None:
    target = tmp_path / "reply.pdf"
    lines = [f"From: {NAME} <zoe@example.org>", "Subject: Re: consent", "", "I consent. ø & é"]

    pages.text_to_pdf(f"Reply from {NAME}", lines, target)

    reader = PdfReader(target)
    assert page_sizes(target) == [(595.2, 841.9)]
    assert reader.metadata is not None and reader.metadata.title == f"Reply from {NAME}"
    assert 1_000 < target.stat().st_size < 200_000


def test_long_text_runs_onto_more_pages(tmp_path: Path) -> None:
    paragraph = "I consent to the disclosure of what I told the nursery about Ciarán. " * 8

    pages.text_to_pdf("Short", [paragraph], tmp_path / "short.pdf")
    pages.text_to_pdf("Long", [paragraph] * 30 + ["x" * 2_000], tmp_path / "long.pdf")

    assert len(PdfReader(tmp_path / "short.pdf").pages) == 1
    assert len(PdfReader(tmp_path / "long.pdf").pages) >= 5
