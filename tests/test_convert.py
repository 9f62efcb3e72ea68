"""Word documents to PDF with the real LibreOffice; images and text to PDF with Pillow."""

from __future__ import annotations

import stat
import time
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from PIL import Image
from pypdf import PdfReader

from pipeline.convert import NO_OFFICE_NOTE, Converter, find_office
from pipeline.errors import LettersError

NAME = "Zoë Müller-Lefèvre & Sons <Ltd> O'Brien"
A4 = (595.3, 841.9)  # points


def write_docx(path: Path, *paragraphs: str) -> Path:
    """Write an A4 Word document holding ``paragraphs``."""
    document = docx.Document()
    document.sections[0].page_width, document.sections[0].page_height = Mm(210), Mm(297)
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def text_of_pdf(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def page_sizes(path: Path) -> list[tuple[float, float]]:
    return [
        (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
        for page in PdfReader(path).pages
    ]


def counting_office(folder: Path) -> tuple[str, Path]:
    """Return a LibreOffice that logs each start in a file, and that file."""
    office = find_office()
    assert office, "LibreOffice must be installed: .ci/run installs it"
    log = folder / "starts.log"
    script = folder / "soffice"
    script.write_text(f'#!/bin/sh\necho started >> "{log}"\nexec "{office}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def fake_office(folder: Path, body: str) -> str:
    """Return a stand-in program for the failures LibreOffice itself rarely shows on demand."""
    script = folder / "broken-soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@dataclass
class Batch:
    converter: Converter
    sources: dict[str, Path]
    pdfs: dict[Path, Path]
    starts: list[str]
    seconds: float


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Convert five Word documents, one broken, in a single LibreOffice run."""
    folder = tmp_path_factory.mktemp("docx")
    sources = {
        "acknowledgement": write_docx(folder / "to-sign" / "ack.docx", f"Dear {NAME}", "Yours"),
        "consent": write_docx(folder / "to-sign" / "consent.docx", "Joan Smith, Health visitor"),
        "first reply": write_docx(folder / "TP1" / "reply.docx", "First reply: I consent."),
        "second reply": write_docx(folder / "TP2" / "reply.docx", "Second reply: I refuse."),
        "broken": folder / "to-sign" / "broken.docx",
    }
    sources["broken"].write_bytes(b"PK\x03\x04 not really a Word document")
    office, log = counting_office(folder)
    converter = Converter(office, folder / "work")
    started = time.monotonic()
    pdfs = converter.docx_to_pdf(list(sources.values()))
    seconds = time.monotonic() - started
    return Batch(converter, sources, pdfs, log.read_text().splitlines(), seconds)


def test_find_office_finds_libreoffice() -> None:
    office = find_office()

    assert office is not None
    assert Path(office).exists()


def test_several_documents_convert_in_one_libreoffice_run(batch: Batch) -> None:
    good = [path for name, path in batch.sources.items() if name != "broken"]

    assert sorted(batch.pdfs) == sorted(good)
    assert batch.starts == ["started"]
    assert NAME in text_of_pdf(batch.pdfs[batch.sources["acknowledgement"]])
    assert "Joan Smith, Health visitor" in text_of_pdf(batch.pdfs[batch.sources["consent"]])
    print(f"one LibreOffice run for {len(batch.sources)} documents: {batch.seconds:.1f} s")


def test_pdfs_are_a4_and_named_after_their_documents(batch: Batch) -> None:
    pdf = batch.pdfs[batch.sources["acknowledgement"]]

    assert pdf.name == "ack.pdf"
    assert page_sizes(pdf) == [A4]


def test_same_named_documents_in_different_folders_both_convert(batch: Batch) -> None:
    first = batch.pdfs[batch.sources["first reply"]]
    second = batch.pdfs[batch.sources["second reply"]]

    assert first != second
    assert first.name == second.name == "reply.pdf"
    assert "First reply: I consent." in text_of_pdf(first)
    assert "Second reply: I refuse." in text_of_pdf(second)


def test_broken_document_is_reported_while_the_others_convert(batch: Batch) -> None:
    broken = batch.sources["broken"]

    assert broken not in batch.pdfs
    assert len(batch.converter.problems) == 1
    assert batch.converter.problems[0].startswith(f"{broken}: LibreOffice could not convert it")


def test_conversion_leaves_no_copies_or_lock_files(batch: Batch) -> None:
    folder = batch.sources["broken"].parent.parent
    work = batch.converter.work

    assert not [path for path in folder.rglob("*") if path.name.startswith(".~lock")]
    assert not [path for path in work.rglob("*") if path.suffix == ".docx"]
    assert not [path for path in work.rglob("*") if path.name in ("in", "out")]


def test_missing_document_is_reported(tmp_path: Path) -> None:
    converter = Converter(find_office(), tmp_path / "work")

    assert converter.docx_to_pdf([tmp_path / "gone.docx"]) == {}
    assert converter.problems == [
        f"{tmp_path / 'gone.docx'}: cannot be read (No such file or directory)."
    ]


def test_converter_without_libreoffice_converts_nothing(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "letter.docx", NAME)
    converter = Converter(None, tmp_path / "work")

    assert not converter.available
    assert converter.docx_to_pdf([source]) == {}
    assert "LibreOffice is not installed" in NO_OFFICE_NOTE


def test_libreoffice_that_cannot_start_raises(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "letter.docx", NAME)
    converter = Converter(str(tmp_path / "no-such-soffice"), tmp_path / "work")

    with pytest.raises(LettersError, match="LibreOffice could not be started"):
        converter.docx_to_pdf([source])


def test_libreoffice_that_fails_raises_with_its_message(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "letter.docx", NAME)
    office = fake_office(tmp_path, 'echo "profile is damaged" >&2\nexit 81')
    converter = Converter(office, tmp_path / "work")

    with pytest.raises(LettersError, match=r"exit code 81: profile is damaged\)") as raised:
        converter.docx_to_pdf([source])
    assert str(tmp_path / "work" / "profile") in raised.value.message
    assert list((tmp_path / "work").iterdir()) == []


def test_libreoffice_that_hangs_is_stopped(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "letter.docx", NAME)
    converter = Converter(fake_office(tmp_path, "sleep 30 &\nsleep 30"), tmp_path / "work")
    converter.timeout, converter.timeout_per_file = 0.5, 0.0
    started = time.monotonic()

    with pytest.raises(LettersError, match="did not finish converting 1 document"):
        converter.docx_to_pdf([source])
    assert time.monotonic() - started < 5


def test_multi_page_tiff_becomes_one_page_per_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (2480, 3508), shade) for shade in (0, 128, 255)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))

    Converter(None, tmp_path).image_to_pdf(tmp_path / "scan.tif", tmp_path / "scan.pdf")

    assert page_sizes(tmp_path / "scan.pdf") == [(595.2, 841.9)] * 3


def test_transparent_png_and_palette_gif_become_pdfs(tmp_path: Path) -> None:
    Image.new("RGBA", (400, 300), (255, 0, 0, 0)).save(tmp_path / "logo.png")
    Image.new("P", (200, 100)).save(tmp_path / "sign.gif", transparency=0)
    converter = Converter(None, tmp_path)

    converter.image_to_pdf(tmp_path / "logo.png", tmp_path / "logo.pdf")
    converter.image_to_pdf(tmp_path / "sign.gif", tmp_path / "sign.pdf")

    assert page_sizes(tmp_path / "logo.pdf") == [(400.0, 300.0)]
    assert page_sizes(tmp_path / "sign.pdf") == [(200.0, 100.0)]


def test_sixteen_bit_grey_scan_becomes_a_pdf(tmp_path: Path) -> None:
    Image.new("I;16", (800, 1100), 40_000).save(tmp_path / "scan.png", dpi=(100, 100))

    Converter(None, tmp_path).image_to_pdf(tmp_path / "scan.png", tmp_path / "scan.pdf")

    assert page_sizes(tmp_path / "scan.pdf") == [(576.0, 792.0)]


def test_photo_is_turned_upright_and_fitted_to_a4(tmp_path: Path) -> None:
    photo = Image.new("RGB", (4000, 3000), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # orientation: the camera was held upright, turned 90°
    photo.save(tmp_path / "reply.jpg", exif=exif)

    Converter(None, tmp_path).image_to_pdf(tmp_path / "reply.jpg", tmp_path / "reply.pdf")

    [(width, height)] = page_sizes(tmp_path / "reply.pdf")
    assert width == pytest.approx(A4[0], abs=1)
    assert height == pytest.approx(A4[0] * 4 / 3, abs=1)


def test_unreadable_image_raises_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "scan.png").write_bytes(b"not a picture")
    target = tmp_path / "scan.pdf"

    with pytest.raises(LettersError, match=r"scan\.png: this image cannot be read"):
        Converter(None, tmp_path).image_to_pdf(tmp_path / "scan.png", target)
    assert list(tmp_path.iterdir()) == [tmp_path / "scan.png"]


def test_text_becomes_an_a4_pdf(tmp_path: Path) -> None:
    target = tmp_path / "reply.pdf"
    lines = [f"From: {NAME} <zoe@example.org>", "Subject: Re: consent", "", "I consent. ø & é"]

    Converter(None, tmp_path).text_to_pdf(f"Reply from {NAME}", lines, target)

    reader = PdfReader(target)
    assert page_sizes(target) == [(595.2, 841.9)]
    assert reader.metadata is not None and reader.metadata.title == f"Reply from {NAME}"
    assert 1_000 < target.stat().st_size < 200_000


def test_long_text_runs_onto_more_pages(tmp_path: Path) -> None:
    paragraph = "I consent to the disclosure of what I told the nursery about Ciarán. " * 8
    converter = Converter(None, tmp_path)

    converter.text_to_pdf("Short", [paragraph], tmp_path / "short.pdf")
    converter.text_to_pdf("Long", [paragraph] * 30 + ["x" * 2_000], tmp_path / "long.pdf")

    assert len(PdfReader(tmp_path / "short.pdf").pages) == 1
    assert len(PdfReader(tmp_path / "long.pdf").pages) >= 5
