"""The request folders: files found by name as people saved them, and written whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.folders import SENT, SIGNED, TO_SIGN, Folders, whole, write_whole
from pipeline.journal import Entry
from pipeline.sending.send import signed_copy

REF = "SAR-2026-001"


def _entry(file_name: str) -> Entry:
    return Entry(
        letter_id=f"{REF}/acknowledgement", ref=REF, party="", kind="acknowledgement",
        recipient="Jo", by="Email", destination="jo@example.org", file_name=file_name,
        generated=date(2026, 11, 2), regenerated=0, salutation="Dear Jo",
    )  # fmt: skip


def test_a_file_is_found_ignoring_case_and_returned_as_spelt(tmp_path: Path) -> None:
    (tmp_path / REF / SIGNED).mkdir(parents=True)
    (tmp_path / REF / SIGNED / "SAR-2026-001 Acknowledgement.PDF").write_bytes(b"%PDF")
    folders = Folders(tmp_path)
    assert folders.find(REF, SIGNED, "sar-2026-001 acknowledgement.pdf") == (
        tmp_path / REF / SIGNED / "SAR-2026-001 Acknowledgement.PDF"
    )
    assert folders.find(REF, SIGNED, "other.pdf") is None
    assert folders.find(REF, SENT, "any.pdf") is None  # no such folder yet
    assert folders.names(REF, SIGNED) == {"sar-2026-001 acknowledgement.pdf"}
    assert list(folders.spelt(REF, SIGNED)) == ["SAR-2026-001 Acknowledgement.PDF"]


def test_a_scan_saved_as_pdf_in_any_case_is_the_signed_copy(tmp_path: Path) -> None:
    signed = tmp_path / REF / SIGNED
    signed.mkdir(parents=True)
    entry = _entry("SAR-2026-001 acknowledgement - Jo.docx")
    (signed / "SAR-2026-001 acknowledgement - Jo.docx").write_bytes(b"docx")
    assert (
        signed_copy(Folders(tmp_path), entry) == signed / "SAR-2026-001 acknowledgement - Jo.docx"
    )
    (signed / "SAR-2026-001 acknowledgement - Jo.Pdf").write_bytes(b"%PDF")
    assert signed_copy(Folders(tmp_path), entry) == signed / "SAR-2026-001 acknowledgement - Jo.Pdf"


def test_what_was_listed_is_what_is_seen_until_a_file_is_written_through_it(
    tmp_path: Path,
) -> None:
    folders = Folders(tmp_path)
    assert folders.find(REF, TO_SIGN, "later.docx") is None
    folders.make(REF)
    (tmp_path / REF / TO_SIGN / "later.docx").write_bytes(b"docx")
    assert folders.find(REF, TO_SIGN, "later.docx") is None  # listed once, before
    folders.wrote(tmp_path / REF / TO_SIGN / "later.docx")
    assert folders.find(REF, TO_SIGN, "later.docx") == tmp_path / REF / TO_SIGN / "later.docx"


def test_moving_copying_and_removing_keep_the_listing_right(tmp_path: Path) -> None:
    folders = Folders(tmp_path)
    folders.make(REF)
    letter = tmp_path / REF / SIGNED / "a.docx"
    letter.write_bytes(b"docx")
    folders.wrote(letter)
    assert folders.names(REF, SIGNED) == {"a.docx"}
    assert not folders.names(REF, SENT)
    moved = folders.move(letter, REF, SENT)
    assert moved == tmp_path / REF / SENT / "a.docx"
    assert not folders.names(REF, SIGNED)
    assert folders.names(REF, SENT) == {"a.docx"}
    folders.copy(moved, REF, SENT, "a.pdf")
    assert folders.names(REF, SENT) == {"a.docx", "a.pdf"}
    folders.remove(moved)
    assert folders.names(REF, SENT) == {"a.pdf"}


def test_a_change_to_one_request_keeps_what_was_listed_of_another(tmp_path: Path) -> None:
    folders = Folders(tmp_path)
    assert not folders.names("SAR-2026-001", SIGNED)
    assert not folders.names("SAR-2026-002", SIGNED)
    for ref in ("SAR-2026-001", "SAR-2026-002"):
        (tmp_path / ref / SIGNED).mkdir(parents=True)
        (tmp_path / ref / SIGNED / "a.docx").write_bytes(b"docx")
    folders.wrote(tmp_path / "SAR-2026-001" / SIGNED / "a.docx")
    assert folders.names("SAR-2026-001", SIGNED) == {"a.docx"}
    assert not folders.names("SAR-2026-002", SIGNED)


def test_the_request_folders_are_listed_without_hidden_ones(tmp_path: Path) -> None:
    folders = Folders(tmp_path / "letters")
    assert list(folders.refs()) == []  # no working folder yet
    folders.make("SAR-2026-001")
    (tmp_path / "letters" / ".hidden").mkdir()
    (tmp_path / "letters" / "To-do 2026-11-02.txt").write_text("x")
    assert list(folders.refs()) == ["SAR-2026-001"]


def test_a_file_is_written_whole_or_left_as_it_was(tmp_path: Path) -> None:
    target = write_whole(tmp_path / "To-do.txt", "first")
    assert target.read_text() == "first"
    with pytest.raises(OSError), whole(target) as partial:
        partial.write_text("half")
        raise OSError("disk full")
    assert target.read_text() == "first"
    assert not list(tmp_path.glob(".*.partial"))
    write_whole(target, b"second", sync=True)
    assert target.read_bytes() == b"second"
