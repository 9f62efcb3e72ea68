"""A letter's zip, written by pipeline/letters/package.py, is the zip Python's zipfile writes."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from pipeline.letters.package import Entry, Package

from support.files import TEMPLATES

WHEN = (2026, 11, 25, 10, 31, 58)


def _zip(parts: dict[str, bytes], comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(zipfile.ZipInfo(name, WHEN), data, zipfile.ZIP_DEFLATED)
        package.comment = comment
    return out.getvalue()


KEPT = {"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<w:styles/>" * 50}


def test_a_letter_holds_the_kept_parts_and_its_own_as_zipfile_appends_them(
    tmp_path: Path,
) -> None:
    own = {
        "word/header1.xml": b"<w:hdr/>",
        "word/document.xml": "<w:body>Zoë</w:body>".encode(),
        "word/media/logo.png": b"\x89PNG",
    }
    appended = io.BytesIO(_zip(KEPT))
    with zipfile.ZipFile(appended, "a") as by_zipfile:
        for name, data in own.items():
            stored = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            by_zipfile.writestr(zipfile.ZipInfo(name, WHEN), data, stored)
        infos = by_zipfile.infolist()[len(KEPT) :]
    # As prepare() takes each part's entry from the template's zip.
    parts = [
        (
            Entry(
                info.filename,
                info.date_time,
                info.compress_type == zipfile.ZIP_DEFLATED,
                info.create_system,
                info.external_attr,
                shared=info.filename.endswith("1.xml"),
            ),
            own[info.filename],
        )
        for info in infos
    ]
    package = Package.of(_zip(KEPT))
    assert package is not None
    letter = package.letter(parts)
    assert letter == appended.getvalue()  # byte for byte
    with zipfile.ZipFile(io.BytesIO(letter)) as ours:
        assert ours.testzip() is None
        assert {info.filename: ours.read(info) for info in ours.infolist()} == KEPT | own
    if shutil.which("unzip"):
        (tmp_path / "letter.docx").write_bytes(letter)
        subprocess.run(["unzip", "-tq", str(tmp_path / "letter.docx")], check=True)


def test_a_shared_part_is_written_once_and_a_letters_own_each_time() -> None:
    package = Package.of(_zip(KEPT))
    assert package is not None
    header = Entry("word/header1.xml", WHEN, deflated=True, shared=True)
    body = Entry("word/document.xml", WHEN, deflated=True)
    first = package.letter([(header, b"<w:hdr/>"), (body, b"<w:body>1</w:body>")])
    second = package.letter([(header, b"<w:hdr/>"), (body, b"<w:body>2</w:body>")])
    for letter, text in ((first, b"1"), (second, b"2")):
        with zipfile.ZipFile(io.BytesIO(letter)) as read:
            assert read.read("word/document.xml") == b"<w:body>" + text + b"</w:body>"
    assert list(package._written) == [("word/header1.xml", b"<w:hdr/>")]


@pytest.mark.parametrize(
    "package",
    [
        _zip(KEPT, comment=b"a comment"),
        b"PK\005\006" + b"\0" * 10,  # too short to be an end record
        _zip(KEPT)[:-1],  # cut short
    ],
    ids=["a comment", "too short", "cut short"],
)
def test_a_zip_python_docx_would_not_write_is_refused(package: bytes) -> None:
    assert Package.of(package) is None


def test_every_template_is_taken_apart() -> None:
    from pipeline.letters.render import Renderer

    renderer = Renderer(TEMPLATES)
    for template in sorted(TEMPLATES.glob("*.docx")):
        assert not isinstance(renderer.ready(template.name), str), template.name
