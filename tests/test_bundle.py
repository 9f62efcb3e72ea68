"""The request bundle: one bookmarked PDF of the request, the replies and the consents record."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import Destination

from pipeline.errors import LettersError
from pipeline.records.bundle import Part, build_bundle, email_text
from pipeline.records.convert import Converter, find_office

from support.documents import A4, NAME, page_sizes, write_docx

TEXT_PAGE = (595.2, 841.9)  # points, as a text page is drawn (300 dpi)


def blank_pdf(path: Path, *sizes: tuple[int, int]) -> Path:
    """Write a PDF with a blank page of each size, so parts can be told apart by page size."""
    writer = PdfWriter()
    for width, height in sizes:
        writer.add_blank_page(width, height)
    writer.write(path)
    return path


def saved_email(path: Path, body: str, *, html: str | None = None) -> Path:
    message = EmailMessage()
    message["From"] = "Zoë Müller-Lefèvre <zoe@example.org>"
    message["To"] = "Little Acorns Nursery <office@example.org>"
    message["Date"] = "Tue, 24 Nov 2026 09:15:00 +0000"
    message["Subject"] = "Re: Request for consent to disclose [SAR-2026-001/TP2]"
    if html is None:
        message.set_content(body)
    else:
        message.set_content(html, subtype="html")
    path.write_bytes(bytes(message))
    return path


def bookmarks(reader: PdfReader) -> list[tuple[str | None, int | None]]:
    """Return each top-level bookmark's title and the page it opens (nested ones would fail)."""
    items = reader.outline
    assert all(isinstance(item, Destination) for item in items)
    return [
        (item.title, reader.get_destination_page_number(item))
        for item in items
        if isinstance(item, Destination)
    ]


@dataclass
class Built:
    target: Path
    notes: list[str]
    reader: PdfReader


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build one bundle of every kind of part, with the real LibreOffice for the Word part."""
    folder = tmp_path_factory.mktemp("SAR-2026-001")
    frames = [Image.new("1", (1600, 2200), 1), Image.new("1", (2200, 1600), 1)]
    frames[0].save(folder / "scan.tif", save_all=True, append_images=frames[1:], dpi=(200, 200))
    Image.new("RGB", (720, 360), "white").save(folder / "photo.jpg", dpi=(72, 72))
    parts = [
        Part("Request letter", blank_pdf(folder / "request.pdf", (500, 700), (500, 700))),
        Part("Reply from TP1", saved_email(folder / "TP1 reply.eml", "I consent.\n")),
        Part("TP1 attachment: scan", folder / "scan.tif"),
        Part("TP2 photo of reply slip", folder / "photo.jpg"),
        Part("Consents record", write_docx(folder / "consents.docx", f"Consents: {NAME}")),
    ]
    target = folder / "bundle" / "SAR-2026-001 bundle.pdf"
    notes = build_bundle(
        parts, target, Converter(find_office(), folder / "work"), title="SAR-2026-001 bundle"
    )
    return Built(target, notes, PdfReader(target))


@pytest.mark.needs_office
def test_bundle_holds_every_part_in_order_with_all_its_pages(built: Built) -> None:
    assert list(built.notes) == []
    assert page_sizes(built.reader) == [
        (500.0, 700.0),  # the request, both pages
        (500.0, 700.0),
        TEXT_PAGE,  # the email
        (576.0, 792.0),  # the scan's two pages at 200 dpi
        (792.0, 576.0),
        (720.0, 360.0),  # the photo
        A4,  # the consents record
    ]


@pytest.mark.needs_office
def test_each_part_is_bookmarked_at_its_first_page(built: Built) -> None:
    assert bookmarks(built.reader) == [
        ("Request letter", 0),
        ("Reply from TP1", 2),
        ("TP1 attachment: scan", 3),
        ("TP2 photo of reply slip", 5),
        ("Consents record", 6),
    ]


@pytest.mark.needs_office
def test_word_part_is_converted_with_its_text(built: Built) -> None:
    assert f"Consents: {NAME}" in built.reader.pages[6].extract_text()


@pytest.mark.needs_office
def test_bundle_has_its_title_and_no_scratch_files_are_left(built: Built) -> None:
    assert built.reader.metadata is not None
    assert built.reader.metadata.title == "SAR-2026-001 bundle"
    assert sorted(path.name for path in (built.target.parent.parent / "work").iterdir()) == [
        "profile"
    ]
    assert [path.name for path in built.target.parent.iterdir()] == [built.target.name]


def test_password_protected_pdf_is_left_out_with_a_note(tmp_path: Path) -> None:
    locked = PdfWriter()
    locked.add_blank_page(500, 700)
    locked.encrypt(user_password="secret", algorithm="RC4-128")
    locked.write(tmp_path / "locked.pdf")
    parts = [
        Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700))),
        Part("Reply", tmp_path / "locked.pdf"),
    ]

    notes = build_bundle(parts, tmp_path / "bundle.pdf", Converter(None, tmp_path / "work"))

    assert notes == [
        f"{tmp_path / 'locked.pdf'}: left out of the bundle: the PDF is protected by a "
        "password. Ask for a copy without one, or print it and add it by hand."
    ]
    assert bookmarks(PdfReader(tmp_path / "bundle.pdf")) == [("Request", 0)]


def test_pdf_locked_against_editing_only_is_included(tmp_path: Path) -> None:
    locked = PdfWriter()
    locked.add_blank_page(500, 700)
    locked.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    locked.write(tmp_path / "locked.pdf")

    notes = build_bundle(
        [Part("Reply", tmp_path / "locked.pdf")],
        tmp_path / "bundle.pdf",
        Converter(None, tmp_path / "work"),
    )

    assert notes == []
    assert page_sizes(PdfReader(tmp_path / "bundle.pdf")) == [(500.0, 700.0)]


def test_damaged_pdf_is_left_out_with_a_note(tmp_path: Path) -> None:
    whole = blank_pdf(tmp_path / "whole.pdf", (500, 700)).read_bytes()
    (tmp_path / "damaged.pdf").write_bytes(whole[: len(whole) // 2])
    parts = [
        Part("Damaged", tmp_path / "damaged.pdf"),
        Part("Request", blank_pdf(tmp_path / "request.pdf", (400, 600))),
    ]

    notes = build_bundle(parts, tmp_path / "bundle.pdf", Converter(None, tmp_path / "work"))

    assert len(notes) == 1
    assert notes[0].startswith(f"{tmp_path / 'damaged.pdf'}: left out of the bundle: it cannot")
    assert bookmarks(PdfReader(tmp_path / "bundle.pdf")) == [("Request", 0)]


def test_word_part_is_left_out_with_a_note_without_libreoffice(tmp_path: Path) -> None:
    parts = [
        Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700))),
        Part("Consents record", write_docx(tmp_path / "consents.docx", NAME)),
    ]

    notes = build_bundle(parts, tmp_path / "bundle.pdf", Converter(None, tmp_path / "work"))

    assert notes == [
        f"{tmp_path / 'consents.docx'}: a Word document, left out of the bundle because "
        "LibreOffice is not installed. Print it and add it by hand."
    ]
    assert len(PdfReader(tmp_path / "bundle.pdf").pages) == 1


def test_word_part_is_left_out_with_a_note_when_libreoffice_fails(tmp_path: Path) -> None:
    office = tmp_path / "soffice"
    office.write_text('#!/bin/sh\necho "cannot open display" >&2\nexit 1\n')
    office.chmod(0o755)
    parts = [
        Part("Consents record", write_docx(tmp_path / "consents.docx", NAME)),
        Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700))),
    ]

    notes = build_bundle(parts, tmp_path / "bundle.pdf", Converter(str(office), tmp_path / "work"))

    assert len(notes) == 1
    assert notes[0].startswith(
        f"{tmp_path / 'consents.docx'}: a Word document, left out of the bundle because "
        "LibreOffice could not convert it. LibreOffice stopped with an error (exit code 1: "
        "cannot open display)"
    )
    assert bookmarks(PdfReader(tmp_path / "bundle.pdf")) == [("Request", 0)]


def test_unknown_missing_and_unreadable_parts_are_left_out_with_notes(tmp_path: Path) -> None:
    (tmp_path / "reply.msg").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "scan.png").write_bytes(b"not a picture")
    parts = [
        Part("Outlook message", tmp_path / "reply.msg"),
        Part("Gone", tmp_path / "gone.pdf"),
        Part("Scan", tmp_path / "scan.png"),
        Part("Note", tmp_path / "note.txt"),
    ]
    (tmp_path / "note.txt").write_bytes("Phoned: consents. Zoë\n".encode("cp1252"))

    notes = build_bundle(parts, tmp_path / "bundle.pdf", Converter(None, tmp_path / "work"))

    assert notes == [
        f"{tmp_path / 'reply.msg'}: left out of the bundle: a .msg file cannot go into it. "
        "Save it as PDF, or print it and add it by hand.",
        f"{tmp_path / 'gone.pdf'}: left out of the bundle: the file is not there.",
        f"Left out of the bundle: {tmp_path / 'scan.png'}: this image cannot be read "
        "(cannot identify image file "
        f"'{tmp_path / 'scan.png'}'). Open it and save it again as PDF, JPEG or PNG, or print "
        "it and add it by hand.",
    ]
    assert bookmarks(PdfReader(tmp_path / "bundle.pdf")) == [("Note", 0)]


def test_bundle_of_nothing_usable_raises_and_keeps_the_previous_bundle(tmp_path: Path) -> None:
    target = tmp_path / "bundle.pdf"
    converter = Converter(None, tmp_path / "work")
    build_bundle(
        [Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700)))], target, converter
    )
    before = target.read_bytes()
    (tmp_path / "damaged.pdf").write_bytes(b"%PDF-1.7\nnothing here\n")

    with pytest.raises(LettersError, match="bundle was not made") as raised:
        build_bundle([Part("Damaged", tmp_path / "damaged.pdf")], target, converter)

    assert "damaged.pdf: left out of the bundle" in raised.value.message
    assert target.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "bundle.pdf",
        "damaged.pdf",
        "request.pdf",
        "work",
    ]


def test_bundle_that_cannot_be_written_raises_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the bundle's folder should be")
    target = tmp_path / "not-a-folder" / "bundle.pdf"
    parts = [Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700)))]

    with pytest.raises(LettersError, match=r"bundle\.pdf: the bundle cannot be written"):
        build_bundle(parts, target, Converter(None, tmp_path / "work"))
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "not-a-folder",
        "request.pdf",
        "work",
    ]
    assert list((tmp_path / "work").iterdir()) == []


def test_rebuilding_replaces_the_bundle(tmp_path: Path) -> None:
    target = tmp_path / "bundle.pdf"
    converter = Converter(None, tmp_path / "work")
    request = Part("Request", blank_pdf(tmp_path / "request.pdf", (500, 700)))
    reply = Part("Reply", saved_email(tmp_path / "reply.eml", "I refuse."))
    build_bundle([request], target, converter)

    build_bundle([request, reply], target, converter)

    assert bookmarks(PdfReader(target)) == [("Request", 0), ("Reply", 1)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "bundle.pdf",
        "reply.eml",
        "request.pdf",
        "work",
    ]


def test_email_page_shows_headers_and_plain_text(tmp_path: Path) -> None:
    path = saved_email(tmp_path / "reply.eml", f"I consent on behalf of {NAME}.\n\nZoë")

    assert email_text(path) == [
        "From: Zoë Müller-Lefèvre <zoe@example.org>",
        "To: Little Acorns Nursery <office@example.org>",
        "Date: Tue, 24 Nov 2026 09:15:00 +0000",
        "Subject: Re: Request for consent to disclose [SAR-2026-001/TP2]",
        "",
        f"I consent on behalf of {NAME}.",
        "",
        "Zoë",
    ]


def test_email_in_html_only_shows_its_text_without_tags(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>I <b>refuse</b> &amp; ask that my notes are scored through.</p>"
        "<div>Smith &lt;Ltd&gt;<br>O&#39;Brien</div></body></html>"
    )
    path = saved_email(tmp_path / "reply.eml", "", html=html)

    assert email_text(path)[5:] == [
        "I refuse & ask that my notes are scored through.",
        "",
        "Smith <Ltd>",
        "O'Brien",
    ]


def test_email_lists_its_attachments(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Reply slip"
    message.set_content("Slip attached.")
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="slip.pdf")
    (tmp_path / "reply.eml").write_bytes(bytes(message))

    assert email_text(tmp_path / "reply.eml") == [
        "Subject: Reply slip",
        "Attachments: slip.pdf",
        "",
        "Slip attached.",
    ]


def test_email_in_an_unknown_charset_still_shows_its_text(tmp_path: Path) -> None:
    (tmp_path / "reply.eml").write_bytes(
        b"Subject: Consent\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\nI consent.\r\n"
    )

    assert email_text(tmp_path / "reply.eml") == ["Subject: Consent", "", "I consent."]


def test_email_with_only_an_attachment_says_it_has_no_text(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Scan"
    message.add_attachment(b"\xff\xd8", maintype="image", subtype="jpeg", filename="slip.jpg")
    (tmp_path / "reply.eml").write_bytes(bytes(message))

    assert email_text(tmp_path / "reply.eml") == [
        "Subject: Scan",
        "Attachments: slip.jpg",
        "",
        "(This message has no text.)",
    ]
