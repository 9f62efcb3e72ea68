"""Files are found by name as the person saved them, whatever the case of the letters."""

from __future__ import annotations

from pathlib import Path

from pipeline.listing import Listing
from pipeline.sending import signed_copy


def test_a_file_is_found_ignoring_case_and_returned_as_spelt(tmp_path: Path) -> None:
    (tmp_path / "SAR-2026-001 Acknowledgement.PDF").write_bytes(b"%PDF")
    listing = Listing()
    assert listing.find(tmp_path, "sar-2026-001 acknowledgement.pdf") == (
        tmp_path / "SAR-2026-001 Acknowledgement.PDF"
    )
    assert listing.find(tmp_path, "other.pdf") is None
    assert listing.find(tmp_path / "missing", "any.pdf") is None


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


def test_what_was_listed_is_what_is_seen(tmp_path: Path) -> None:
    listing = Listing()
    assert listing.find(tmp_path, "later.docx") is None
    (tmp_path / "later.docx").write_bytes(b"docx")
    assert listing.find(tmp_path, "later.docx") is None  # listed once, before it was written
    assert Listing().find(tmp_path, "later.docx") == tmp_path / "later.docx"
