"""The clean copy, end to end: the child's file reviewed with real OCR, approved, and redacted
for real (tests/support/clean.py makes the file: Word, a digital PDF, a scan, a photo)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pillow_heif
import pymupdf
import pytest

from pipeline import config as config_module
from pipeline.clean.review import SUBJECT
from pipeline.config import Config
from pipeline.outcome import Outcome
from pipeline.progress import with_clean_step
from pipeline.records.convert import find_office
from pipeline.run import weekly_run

from support.clean import AGENCY, CONSENTER, REFUSER, scanned_page, write_child_file
from support.config import write_config
from support.mail import outbox_messages
from support.office import on_ci, require_tesseract
from support.register import REF, cells, party_row, request_row, set_cells, write_register

DAY = date(2026, 11, 30)
REVIEW = f"{REF} redaction review.pdf"
CLEAN = f"{REF} clean copy.pdf"
LOG = f"{REF} redaction log.pdf"
# Every way the file names the refusing grandmother, and what must stay of the health visitor.
REFUSED_WORDS = ("Gwendolyn", "Hartley", "Boateng", "Nan", "2018", "4477")
KEPT_WORDS = ("Priya", "Raman", "Riverside", "Health", "Visiting")


def _setting(base: Path) -> Config:
    write_register(
        base / "registers" / "register.xlsx",
        [request_row()],
        [
            party_row(
                Name=REFUSER, Organisation=None, Kind="Family member", Role="Grandmother",
                Decision="Refuses", Address="12 Heol y Wern\nCardiff\nCF14 6AB",
                **{"Decision notes": "Asked that her details stay private.",
                   "Also known as": "Nan; 029 2018 4477"},
            ),
            party_row(Name=CONSENTER, Organisation=AGENCY, Role="Health visitor",
                      Decision="Consents"),
        ],
    )  # fmt: skip
    return config_module.load(write_config(base))


@dataclass(frozen=True)
class Reviewed:
    """A request whose review was built, then approved with one mark of the owner's own."""

    config: Config
    first: Outcome  # the run that built the review
    second: Outcome  # the run that applied the approval
    folder: Path


def _copy_of(reviewed: Reviewed, tmp_path: Path) -> tuple[Config, Path]:
    """Copy the reviewed setting for one test to change; return it and the request's folder."""
    base = tmp_path / "copy"
    shutil.copytree(reviewed.config.paths.working_folder.parent, base)
    config = config_module.load(write_config(base))
    return config, config.paths.working_folder / REF


def _text(path: Path) -> list[str]:
    with pymupdf.open(path) as document:
        return [page.get_text() for page in document]


@pytest.fixture(scope="session")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    """Build the review with real OCR, approve it as the owner would, and apply it (once)."""
    require_tesseract()
    base = tmp_path_factory.mktemp("clean")
    config = _setting(base)
    folder = config.paths.working_folder / REF
    write_child_file(folder / "file")
    first = weekly_run(config, DAY)
    # The owner adds a rectangle comment over a word the pipeline could not know, and saves.
    with pymupdf.open(folder / REVIEW) as review:
        page = review[1]
        (box,) = [word[:4] for word in page.get_text("words") if word[4] == "hearing."]
        page.add_rect_annot(pymupdf.Rect(box))
        (box,) = [word[:4] for word in page.get_text("words") if word[4] == "weight"]
        page.add_highlight_annot(pymupdf.Rect(box))
        (folder / "approved").mkdir(exist_ok=True)
        review.save(folder / "approved" / REVIEW)
    second = weekly_run(config, DAY)
    return Reviewed(config, first, second, folder)


@pytest.mark.needs_office
def test_review_marks_every_mention_of_the_refusing_party_and_none_of_the_consenting_one(
    reviewed: Reviewed,
) -> None:
    with pymupdf.open(reviewed.folder / REVIEW) as review:
        marks = [
            (page.number, annot.info["title"], page.get_textbox(annot.rect).strip())
            for page in review
            for annot in page.annots()
            if annot.info["subject"] == SUBJECT
        ]
        toc = [title for _level, title, _page in review.get_toc()]
    marked = " ".join(text for _page, _party, text in marks)
    assert {party for _page, party, _text in marks} == {"TP1"}
    # The Word page, the digital PDF (a name broken over a line), and the scan (by OCR).
    assert {page for page, _party, _text in marks} == {1, 2, 4}
    for word in ("Gwendolyn", "Hartley-Boateng", "Mrs", "Nan", "029 2018 4477"):
        assert word in marked
    for word in KEPT_WORDS:
        assert word not in marked
    assert toc == [
        "Cover: how to review",
        "01 Visit notes.docx",
        "02 Letter from the health visitor.pdf",
        "04 Painting.jpg",
        "scans/03 Incident record.pdf",
    ]


@pytest.mark.needs_office
def test_review_lists_the_photo_to_check_by_hand_on_its_cover_and_in_the_to_do_list(
    reviewed: Reviewed,
) -> None:
    cover = _text(reviewed.folder / REVIEW)[0]
    assert "Check by hand" in cover and "Page 4" in cover
    assert f"TP1 {REFUSER} — refused (Sch 2 para 16)" in cover
    assert f"{REF}: page 4 of {REVIEW}: little or no text found" in reviewed.first.text
    assert f"{REF}/{REVIEW}" in reviewed.first.text  # to approve


@pytest.mark.needs_office
def test_clean_copy_has_none_of_the_refusing_partys_words_and_all_of_the_consenting_ones(
    reviewed: Reviewed,
) -> None:
    clean = reviewed.folder / CLEAN
    text = " ".join(_text(clean))
    for word in REFUSED_WORDS:
        assert word not in text
    for word in KEPT_WORDS:
        assert word in text
    assert "hearing" not in text and "weight" not in text  # the owner's own marks
    with pymupdf.open(clean) as document:
        assert document.page_count == 4  # the review's cover left out
        assert not any(list(page.annots()) for page in document)
        assert document.get_toc() == []
        assert not any(value for key, value in document.metadata.items() if key != "format")


@pytest.mark.needs_office
def test_clean_copy_scan_no_longer_holds_the_refusing_partys_name_by_ocr(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    from pipeline.clean.ocr import ocr_pages

    with pymupdf.open(reviewed.folder / CLEAN) as clean:
        pictures = pymupdf.open()
        for page in clean:  # read as a person would: the pages as pictures
            sheet = pictures.new_page(width=page.rect.width, height=page.rect.height)
            sheet.insert_image(sheet.rect, pixmap=page.get_pixmap(dpi=200))
    read = ocr_pages(pictures, list(range(pictures.page_count)), tmp_path / "cache", tmp_path)
    text = " ".join(document[0].get_text() for document in read.values())
    assert "Raman" in text
    for word in ("Gwendolyn", "Hartley", "Boateng"):
        assert word not in text


@pytest.mark.needs_office
def test_redaction_log_lists_each_removal_by_party_code_and_names_no_one(
    reviewed: Reviewed,
) -> None:
    log = " ".join(_text(reviewed.folder / LOG))
    assert "Internal" in log
    assert "Morgan Ellis" in log  # who approved
    assert "30/11/2026" in log
    assert log.count("TP1 — refused (Sch 2 para 16): Asked that her details stay private.") >= 6
    assert "the owner’s own mark" in log
    for word in REFUSED_WORDS[:3]:
        assert word not in log


@pytest.mark.needs_office
@pytest.mark.needs_office
def test_the_status_says_the_review_waits_for_the_owner_until_it_is_approved(
    reviewed: Reviewed,
) -> None:
    assert reviewed.first.clean.step(REF) == "redaction review to approve"
    assert reviewed.second.clean.step(REF) == ""  # applied: Clean copy ready says the rest
    ((_request, where),) = reviewed.first.progress
    ready = replace(where, status="Overdue by 2 working days: Ready for clean copy")
    assert with_clean_step(ready, "redaction review to approve").status == (
        "Overdue by 2 working days: Ready for clean copy: redaction review to approve"
    )
    assert with_clean_step(where, "redaction review to approve") == where  # not yet ready


def test_clean_copy_ready_is_filled_and_the_to_do_list_says_so(reviewed: Reviewed) -> None:
    (row,) = cells(reviewed.config.paths.register, "Requests")
    assert row["Clean copy ready"].date() == DAY
    assert f"{REF}/{CLEAN}" in reviewed.second.text
    again = weekly_run(reviewed.config, DAY)  # nothing changed: nothing made again
    assert again.clean.reviews == () and again.clean.clean == ()


@pytest.mark.bad_input
@pytest.mark.needs_office
def test_approval_of_another_file_is_refused_and_no_clean_copy_is_written(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    (folder / CLEAN).unlink()
    other = pymupdf.open()
    other.new_page().insert_text((72, 72), "Some other document altogether.")
    for _ in range(4):
        other.new_page()
    other.save(folder / "approved" / REVIEW)
    outcome = weekly_run(config, DAY)
    assert not (folder / CLEAN).exists()
    assert "it has 5 pages where the review has 5" not in outcome.text
    assert "is not the review" in outcome.text


@pytest.mark.needs_office
def test_a_photo_of_a_page_taken_on_an_iphone_heic_is_read_and_its_names_marked(
    tmp_path: Path,
) -> None:
    require_tesseract()
    config = _setting(tmp_path)
    folder = config.paths.working_folder / REF / "file"
    folder.mkdir(parents=True)
    # HEIC as an iPhone saves it: HEVC in a HEIF box, written by libheif's x265 encoder.
    heif = pillow_heif.from_pillow(scanned_page([f"Collected by {REFUSER}."] * 8).convert("RGB"))
    heif.save(folder / "IMG_0412.HEIC", quality=80)
    outcome = weekly_run(config, DAY, office=None)
    assert "could not read" not in outcome.text
    with pymupdf.open(config.paths.working_folder / REF / REVIEW) as review:
        marked = [annot.info["title"] for page in review for annot in page.annots()]
        toc = [title for _level, title, _page in review.get_toc()]
    assert "IMG_0412.HEIC" in toc
    assert "TP1" in marked


@pytest.mark.needs_office
def test_a_dry_run_says_what_the_clean_stage_would_do_and_changes_nothing(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)

    def state() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    before = state()
    quiet = weekly_run(config, DAY, dry_run=True)
    assert quiet.clean.would == () and state() == before
    assert [pw for *_, pw in quiet.clean.passwords] == [
        pw for *_, pw in reviewed.second.clean.passwords
    ]
    with pymupdf.open(folder / "approved" / REVIEW) as approved:
        approved[1].add_rect_annot(pymupdf.Rect(72, 72, 144, 90))
        approved.save(folder / "approved" / "again.pdf")
    (folder / "approved" / "again.pdf").replace(folder / "approved" / REVIEW)
    before = state()
    again = weekly_run(config, DAY, dry_run=True)
    assert again.clean.would == (f"{REF}: the approved review would be applied and checked",)
    assert "Clean copies this run would make (dry run: nothing was made)" in again.text
    set_cells(config, "Third parties", {"Party": "TP2"}, {"Decision": "Refuses"})
    changed = weekly_run(config, DAY, dry_run=True)
    assert changed.clean.would == (
        f"{REF}: its clean copy would be taken away: the child's file or a third party's "
        "decision changed since the review was approved",
        f"{REF}: the redaction review would be built from {REF}/file/",
    )
    assert state() == before


@pytest.mark.bad_input
@pytest.mark.needs_office
def test_a_review_saved_by_libreoffice_draw_loses_its_marks_and_is_refused(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    (folder / CLEAN).unlink()
    # The owner opens the review in Draw and exports it as PDF into approved/, as README warns.
    office = find_office()
    assert office is not None
    subprocess.run(
        [office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--infilter=draw_pdf_import", "--convert-to", "pdf:draw_pdf_Export",
         "--outdir", str(tmp_path / "draw"), str(folder / REVIEW)],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    saved = tmp_path / "draw" / REVIEW
    if not saved.is_file():  # LibreOffice without Draw has no PDF import
        message = "needs LibreOffice Draw: run tools/install-system-packages.sh"
        if on_ci():
            pytest.fail(f"CI: this test {message}", pytrace=False)
        pytest.skip(message)
    with pymupdf.open(saved) as drawn:
        assert sum(len(list(page.annots())) for page in drawn) == 0  # what README says of Draw
    shutil.copyfile(saved, folder / "approved" / REVIEW)
    outcome = weekly_run(config, DAY)
    assert not (folder / CLEAN).exists() and outcome.clean.clean == ()
    (problem,) = outcome.clean.problems
    assert problem.startswith(f"{REF}: approved/{REVIEW}: it holds none of the review's proposed")


@pytest.mark.bad_input
def test_unreadable_files_are_named_and_the_rest_of_the_file_is_reviewed(tmp_path: Path) -> None:
    config = _setting(tmp_path)
    folder = config.paths.working_folder / REF / "file"
    folder.mkdir(parents=True)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF at all")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnothing more")
    locked = pymupdf.open()
    locked.new_page().insert_text((72, 72), "Locked away.")
    locked.save(folder / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret")
    scanned_page([f"A note about {REFUSER}."] * 30).save(folder / "note.png")
    outcome = weekly_run(config, DAY, office=None)
    for name in ("empty.pdf", "broken.pdf", "broken.png", "locked.pdf"):
        assert f"could not read: {REF}/file/{name}" in outcome.text
    cover = _text(config.paths.working_folder / REF / REVIEW)[0]
    assert "Missing from this review" in cover and "file/locked.pdf" in cover


@pytest.mark.needs_office
def test_protected_copy_opens_only_with_the_password_the_to_do_list_gives(
    reviewed: Reviewed,
) -> None:
    ((ref, path, password),) = reviewed.second.clean.passwords
    assert ref == REF and path == reviewed.folder / f"{REF} clean copy (password protected).pdf"
    assert f"password {password}" in reviewed.second.text
    with pymupdf.open(path) as protected:
        assert protected.needs_pass
        assert not protected.authenticate("wrong")
        assert protected.authenticate(password)
        assert "256-bit AES" in protected.metadata["encryption"]
        text = " ".join(page.get_text() for page in protected)
    assert "Raman" in text and "Hartley" not in text


def test_a_request_whose_every_party_answered_asks_for_the_childs_file(tmp_path: Path) -> None:
    config = _setting(tmp_path)
    outcome = weekly_run(config, DAY, office=None)
    assert f"{REF}: put the child's file into {REF}/file/" in outcome.text
    assert (config.paths.working_folder / REF / "file").is_dir()


@pytest.mark.needs_office
def test_a_review_built_again_the_same_keeps_its_approval(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    (folder / ".redaction review.json").unlink()
    (folder / CLEAN).unlink()
    outcome = weekly_run(config, DAY)
    # Built again (its OCR from the cache), page for page the same: the approval still fits.
    assert outcome.clean.reviews == (folder / REVIEW,)
    assert outcome.clean.clean == (folder / CLEAN,)


@pytest.mark.needs_office
def test_a_decision_changed_after_approval_takes_the_clean_copy_away_and_keeps_the_approval(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    # The health visitor, who had consented, now refuses: the copy holds her words.
    set_cells(config, "Third parties", {"Party": "TP2"}, {"Decision": "Refuses"})
    outcome = weekly_run(config, DAY)
    earlier = f"{REF} redaction review (approved before 30-11-2026).pdf"
    assert sorted(path.name for path in (folder / "approved").iterdir()) == [earlier]
    for gone in (CLEAN, f"{REF} clean copy (password protected).pdf", ".clean copy password"):
        assert not (folder / gone).exists()
    assert outcome.clean.clean == () and outcome.clean.passwords == ()
    assert f"{REF}/approved/{earlier}" in outcome.text
    assert "the clean copy made from it and its protected copy were removed" in outcome.text
    with pymupdf.open(folder / REVIEW) as review:
        parties = {annot.info["title"] for page in review for annot in page.annots()}
    assert {"TP1", "TP2"} <= parties


@pytest.mark.needs_office
def test_a_copy_taken_away_before_its_signed_response_went_clears_clean_copy_ready_until_the_next(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    response = f"{REF} response - Aoife O'Brien.docx"
    made = weekly_run(config, DAY)  # Clean copy ready is filled in: the response is made
    assert folder / "to-sign" / response in made.letters.to_sign
    shutil.move(folder / "to-sign" / response, folder / "signed" / response)  # the owner signs
    # Before the next run the health visitor, who had consented, refuses: the copy holds her
    # words, and the signed response would have taken it to the requester.
    set_cells(config, "Third parties", {"Party": "TP2"}, {"Decision": "Refuses"})
    looked = weekly_run(config, DAY, dry_run=True)
    assert f"{REF}: its clean copy would be taken away" in looked.text
    assert (folder / CLEAN).is_file() and (folder / "signed" / response).is_file()

    outcome = weekly_run(config, DAY)

    assert outbox_messages(config) == []  # nothing went
    assert [item.entry.file_name for item in outcome.withdrawing.withdrawn] == [response]
    assert (folder / "withdrawn" / response).is_file()
    assert not (folder / CLEAN).exists()
    (row,) = cells(config.paths.register, "Requests")
    assert row["Clean copy ready"] is None
    assert "Clean copy ready (30/11/2026) is cleared on the register" in outcome.text
    assert "Clean copy ready" not in row["Status"]
    assert outcome.clean.to_approve == (f"{REF}/{REVIEW}",)  # the review built again

    again = weekly_run(config, DAY)  # said once; the date stays clear; no response is made
    assert "is cleared on the register" not in again.text
    assert cells(config.paths.register, "Requests")[0]["Clean copy ready"] is None
    assert folder / "to-sign" / response not in again.letters.to_sign

    # The owner approves the new review: the clean copy comes back, and its response with it.
    shutil.copyfile(folder / REVIEW, folder / "approved" / REVIEW)
    applied = weekly_run(config, DAY + timedelta(days=1))
    assert applied.clean.clean == (folder / CLEAN,)
    assert cells(config.paths.register, "Requests")[0]["Clean copy ready"].date() == (
        DAY + timedelta(days=1)
    )
    answered = weekly_run(config, DAY + timedelta(days=1))
    assert folder / "to-sign" / response in answered.letters.to_sign


@pytest.mark.bad_input
@pytest.mark.needs_office
def test_an_approval_with_every_proposed_mark_gone_is_refused(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    config, folder = _copy_of(reviewed, tmp_path)
    (folder / CLEAN).unlink()
    with pymupdf.open(folder / REVIEW) as review:  # as an editor that drops the marks saves it
        for page in review:
            for annot in list(page.annots()):
                page.delete_annot(annot)
        review.save(folder / "approved" / REVIEW)
    outcome = weekly_run(config, DAY)
    assert "holds none of the review's proposed marks" in outcome.text
    assert not (folder / CLEAN).exists()
