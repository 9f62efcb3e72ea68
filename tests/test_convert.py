"""Word documents to PDF with the real LibreOffice."""

from __future__ import annotations

import stat
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.errors import LettersError
from pipeline.records.convert import NO_OFFICE_NOTE, Converter, find_office
from pipeline.records.sanitize import strip_external_links

from support.documents import (
    A4,
    NAME,
    linked_picture_docx,
    linked_picture_odt,
    page_sizes,
    write_docx,
)
from support.web import listening


def text_of_pdf(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def counting_office(folder: Path) -> tuple[str, Path]:
    """Return a LibreOffice that logs each start in a file, and that file."""
    office = find_office()
    assert office, "only for tests marked needs_office"
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


@pytest.mark.needs_office
def test_find_office_finds_libreoffice() -> None:
    office = find_office()

    assert office is not None
    assert Path(office).exists()


@pytest.mark.needs_office
def test_several_documents_convert_in_one_libreoffice_run(batch: Batch) -> None:
    good = [path for name, path in batch.sources.items() if name != "broken"]

    assert sorted(batch.pdfs) == sorted(good)
    assert batch.starts == ["started"]
    assert NAME in text_of_pdf(batch.pdfs[batch.sources["acknowledgement"]])
    assert "Joan Smith, Health visitor" in text_of_pdf(batch.pdfs[batch.sources["consent"]])
    print(f"one LibreOffice run for {len(batch.sources)} documents: {batch.seconds:.1f} s")


@pytest.mark.needs_office
def test_many_documents_are_shared_by_two_libreoffice_runs_each_with_its_own_profile(
    tmp_path: Path,
) -> None:
    sources = [
        write_docx(tmp_path / "to-sign" / f"letter {number}.docx", f"Letter number {number}.")
        for number in range(Converter.two_from)
    ]
    office, log = counting_office(tmp_path)
    converter = Converter(office, tmp_path / "work")

    pdfs = converter.docx_to_pdf(sources)

    assert sorted(pdfs) == sorted(sources) and converter.problems == []
    for number, source in enumerate(sources):
        assert f"Letter number {number}." in text_of_pdf(pdfs[source])
    assert log.read_text().splitlines() == ["started", "started"]
    profiles = sorted(p.name for p in (tmp_path / "work").glob("profile*"))
    assert profiles == ["profile-1", "profile-2"]


def test_a_failing_libreoffice_among_two_runs_raises_its_message(tmp_path: Path) -> None:
    sources = [write_docx(tmp_path / f"{n}.docx", NAME) for n in range(Converter.two_from)]
    office = fake_office(tmp_path, 'echo "profile is damaged" >&2\nexit 81')
    converter = Converter(office, tmp_path / "work")

    with pytest.raises(LettersError, match=r"exit code 81: profile is damaged\)"):
        converter.docx_to_pdf(sources)
    assert sorted(path.name for path in (tmp_path / "work").iterdir()) == [
        "profile-1",
        "profile-2",
    ]


@pytest.mark.needs_office
def test_pdfs_are_a4_and_named_after_their_documents(batch: Batch) -> None:
    pdf = batch.pdfs[batch.sources["acknowledgement"]]

    assert pdf.name == "ack.pdf"
    assert page_sizes(pdf) == [A4]


@pytest.mark.needs_office
def test_same_named_documents_in_different_folders_both_convert(batch: Batch) -> None:
    first = batch.pdfs[batch.sources["first reply"]]
    second = batch.pdfs[batch.sources["second reply"]]

    assert first != second
    assert first.name == second.name == "reply.pdf"
    assert "First reply: I consent." in text_of_pdf(first)
    assert "Second reply: I refuse." in text_of_pdf(second)


@pytest.mark.needs_office
def test_broken_document_is_reported_while_the_others_convert(batch: Batch) -> None:
    broken = batch.sources["broken"]

    assert broken not in batch.pdfs
    assert len(batch.converter.problems) == 1
    assert batch.converter.problems[0].startswith(f"{broken}: LibreOffice could not convert it")


@pytest.mark.needs_office
def test_conversion_leaves_no_copies_or_lock_files(batch: Batch) -> None:
    folder = batch.sources["broken"].parent.parent
    work = batch.converter.work

    assert not [path for path in folder.rglob("*") if path.name.startswith(".~lock")]
    assert not [path for path in work.rglob("*") if path.suffix == ".docx"]
    assert not [path for path in work.rglob("*") if path.name in ("in", "out")]


@pytest.mark.needs_office
def test_missing_document_is_reported(tmp_path: Path) -> None:
    converter = Converter(find_office(), tmp_path / "work")

    assert converter.docx_to_pdf([tmp_path / "gone.docx"]) == {}
    assert list(converter.problems) == [
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
    # No copy is left; only the profile, made beforehand to refuse linked content.
    assert [path.name for path in (tmp_path / "work").iterdir()] == ["profile"]


def test_libreoffice_that_hangs_is_stopped(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "letter.docx", NAME)
    converter = Converter(fake_office(tmp_path, "sleep 30 &\nsleep 30"), tmp_path / "work")
    converter.timeout, converter.timeout_per_file = 0.5, 0.0
    started = time.monotonic()

    with pytest.raises(LettersError, match="did not finish converting 1 document"):
        converter.docx_to_pdf([source])
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------- untrusted documents


@pytest.mark.needs_office
@pytest.mark.hostile_reply
def test_a_linked_picture_is_what_libreoffice_would_fetch_on_its_own(tmp_path: Path) -> None:
    # The danger is real: a plain LibreOffice asks the web for a reply's linked picture.
    office = find_office()
    assert office
    with listening() as (url, asked):
        source = linked_picture_docx(tmp_path / "reply.docx", f"{url}/pixel.png")
        subprocess.run(
            [office, "--headless", "--norestore",
             f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--convert-to", "pdf",
             "--outdir", str(tmp_path / "out"), str(source)],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
    assert any(line.endswith("/pixel.png") for line in asked)


@pytest.mark.needs_office
@pytest.mark.hostile_reply
@pytest.mark.parametrize("kind", [".docx", ".odt", "HTML saved as .docx"])
def test_converting_a_document_with_a_linked_picture_asks_the_web_for_nothing(
    tmp_path: Path, kind: str
) -> None:
    with listening() as (url, asked):
        picture = f"{url}/pixel.png"
        if kind == ".docx":
            source = linked_picture_docx(tmp_path / "reply.docx", picture)
        elif kind == ".odt":
            source = linked_picture_odt(tmp_path / "reply.odt", picture)
        else:
            source = tmp_path / "reply.docx"
            source.write_text(f'<html><body><p>I consent.</p><img src="{picture}"></body></html>')
        before = source.read_bytes()
        converter = Converter(find_office(), tmp_path / "work")
        pdfs = converter.docx_to_pdf([source])
    assert asked == []
    assert list(pdfs) == [source]  # converted all the same, without the picture
    if kind != "HTML saved as .docx":  # LibreOffice's web export keeps no extractable text
        assert "consent" in text_of_pdf(pdfs[source])
    assert source.read_bytes() == before  # the link was taken out of a copy


def test_strip_external_links_keeps_hyperlinks_and_leaves_other_files_alone(
    tmp_path: Path,
) -> None:
    linked = linked_picture_docx(tmp_path / "linked.docx", "http://127.0.0.1:9/pixel.png")
    with zipfile.ZipFile(linked, "a") as package:
        package.writestr(
            "word/_rels/footnotes.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://'
            'example.org/" TargetMode="External"/></Relationships>',
        )
    not_a_package = tmp_path / "notes.docx"
    not_a_package.write_text("just text")

    assert strip_external_links(linked)
    assert not strip_external_links(not_a_package)

    with zipfile.ZipFile(linked) as package:
        relations = {name: package.read(name) for name in package.namelist() if ".rels" in name}
    assert b"127.0.0.1" not in b"".join(relations.values())
    assert b"https://example.org/" in relations["word/_rels/footnotes.xml.rels"]
    assert not_a_package.read_text() == "just text"


@pytest.mark.needs_office
def test_copies_and_libreoffices_own_files_stay_in_the_staging_folder(tmp_path: Path) -> None:
    real = find_office()
    log = tmp_path / "seen.log"
    office = fake_office(tmp_path, f'echo "$TMPDIR $*" >> "{log}"\nexec "{real}" "$@"')
    staging = tmp_path / "letters" / ".converting"
    source = write_docx(tmp_path / "letter.docx", NAME)
    converter = Converter(office, tmp_path / "work", staging)

    pdfs = converter.docx_to_pdf([source])

    [seen] = log.read_text().splitlines()
    temp, *arguments = seen.split()
    assert Path(temp).parent.parent == staging
    assert str(source) not in seen
    assert all(str(staging) in argument for argument in arguments if argument.endswith(".docx"))
    assert pdfs[source].is_relative_to(staging)
    assert not [path for path in staging.rglob("*") if path.suffix == ".docx"]
    assert not list((tmp_path / "work").rglob("*.docx"))
