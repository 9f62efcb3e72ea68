"""Files are found by name as the person saved them, whatever the case of the letters."""

from __future__ import annotations

from pathlib import Path

from pipeline.folders import Listing
from pipeline.sending.send import signed_copy


def test_a_file_is_found_ignoring_case_and_returned_as_spelt(tmp_path: Path) -> None:
    (tmp_path / "signed").mkdir()
    (tmp_path / "signed" / "SAR-2026-001 Acknowledgement.PDF").write_bytes(b"%PDF")
    listing = Listing()
    assert listing.find(tmp_path, "signed", "sar-2026-001 acknowledgement.pdf") == (
        tmp_path / "signed" / "SAR-2026-001 Acknowledgement.PDF"
    )
    assert listing.find(tmp_path, "signed", "other.pdf") is None
    assert listing.find(tmp_path, "sent", "any.pdf") is None  # no such folder yet
    assert listing.names(tmp_path, "signed") == {"sar-2026-001 acknowledgement.pdf"}
    assert list(listing.spelt(tmp_path, "signed")) == ["SAR-2026-001 Acknowledgement.PDF"]


def test_a_scan_saved_as_pdf_in_any_case_is_the_signed_copy(tmp_path: Path) -> None:
    signed = tmp_path / "signed"
    signed.mkdir()
    (signed / "SAR-2026-001 acknowledgement - Jo.docx").write_bytes(b"docx")
    assert signed_copy(tmp_path, "SAR-2026-001 acknowledgement - Jo.docx", Listing()) == (
        signed / "SAR-2026-001 acknowledgement - Jo.docx"
    )
    (signed / "SAR-2026-001 acknowledgement - Jo.Pdf").write_bytes(b"%PDF")
    assert signed_copy(tmp_path, "SAR-2026-001 acknowledgement - Jo.docx", Listing()) == (
        signed / "SAR-2026-001 acknowledgement - Jo.Pdf"
    )


def test_what_was_listed_is_what_is_seen_until_the_folder_is_forgotten(tmp_path: Path) -> None:
    listing = Listing()
    assert listing.find(tmp_path, "to-sign", "later.docx") is None
    (tmp_path / "to-sign").mkdir()
    (tmp_path / "to-sign" / "later.docx").write_bytes(b"docx")
    assert listing.find(tmp_path, "to-sign", "later.docx") is None  # listed once, before
    listing.forget(tmp_path)
    assert listing.find(tmp_path, "to-sign", "later.docx") == tmp_path / "to-sign" / "later.docx"


def test_forgetting_one_request_keeps_what_was_listed_of_another(tmp_path: Path) -> None:
    first, second = tmp_path / "SAR-2026-001", tmp_path / "SAR-2026-002"
    listing = Listing()
    assert not listing.names(first, "signed")
    assert not listing.names(second, "signed")
    for folder in (first, second):
        (folder / "signed").mkdir(parents=True)
        (folder / "signed" / "a.docx").write_bytes(b"docx")
    listing.forget(first)
    assert listing.names(first, "signed") == {"a.docx"}
    assert not listing.names(second, "signed")
