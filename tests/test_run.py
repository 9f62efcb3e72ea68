"""The weekly run: generates each letter once, writes back safely, changes nothing when asked."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.journal import Journal, journal_path
from pipeline.lock import RunLock
from pipeline.mail.base import Outgoing, Reply, ReplyContent
from pipeline.mail.folder import FolderMail
from pipeline.register import layout
from pipeline.register.read import open_register
from pipeline.register.write import apply_rows, save
from pipeline.run import weekly_run

from support.config import write_config
from support.files import snapshot
from support.register import REF, cells, party_row, request_row, write_register
from support.xlsx import with_sheet_extensions

TODAY = date(2026, 11, 25)


def to_sign(config: Config) -> list[str]:
    return sorted(path.name for path in config.paths.working_folder.glob("*/to-sign/*.docx"))


@pytest.fixture
def two_requests(setting: Callable[..., Config]) -> Config:
    return setting(
        [request_row(), request_row(Ref="SAR-2026-002", Requester="Mark Davies")],
        [party_row(), party_row(Ref="SAR-2026-002", Name="Owen Price")],
    )


def test_first_run_generates_each_letter_into_its_request_folder(two_requests: Config) -> None:
    outcome = weekly_run(two_requests, TODAY)
    assert to_sign(two_requests) == [
        "SAR-2026-001 acknowledgement - Aoife O'Brien.docx",
        "SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx",
        "SAR-2026-002 acknowledgement - Mark Davies.docx",
        "SAR-2026-002 consent request TP1 - Smith & Sons Ltd.docx",
    ]
    assert len(outcome.letters.generated) == 4
    folder = two_requests.paths.working_folder / "SAR-2026-001"
    assert sorted(p.name for p in folder.iterdir()) == [
        "SAR-2026-001 consents record.docx",
        "replies",
        "request",
        "sent",
        "signed",
        "to-sign",
    ]


def test_second_run_generates_nothing_new(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    before = snapshot(two_requests.paths.working_folder / "SAR-2026-001")
    outcome = weekly_run(two_requests, TODAY)
    assert list(outcome.letters.generated) == [] and list(outcome.letters.regenerated) == []
    assert snapshot(two_requests.paths.working_folder / "SAR-2026-001") == before
    assert "Generated 0 new letter(s)." in outcome.text


def test_a_run_with_nothing_to_do_does_not_rewrite_the_register(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    before = two_requests.paths.register.read_bytes()
    outcome = weekly_run(two_requests, TODAY)
    assert not outcome.write_back.written
    assert two_requests.paths.register.read_bytes() == before
    assert "Register: nothing to update." in outcome.text


def test_a_letter_deleted_by_mistake_is_regenerated_and_reported(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    gone = (
        two_requests.paths.working_folder
        / "SAR-2026-002"
        / "to-sign"
        / "SAR-2026-002 acknowledgement - Mark Davies.docx"
    )
    gone.unlink()
    outcome = weekly_run(two_requests, TODAY)
    assert gone.exists()
    assert list(outcome.letters.generated) == []
    assert [letter.letter_id for letter, _ in outcome.letters.regenerated] == [
        "SAR-2026-002/acknowledgement"
    ]
    assert "Regenerated 1 letter(s) that had gone from their folder" in outcome.text
    with Journal(journal_path(two_requests.paths.register)) as journal:
        assert journal.letters()["SAR-2026-002/acknowledgement"].regenerated == 1


def test_a_letter_the_owner_moved_to_signed_is_not_regenerated(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    folder = two_requests.paths.working_folder / "SAR-2026-001"
    name = "SAR-2026-001 acknowledgement - Aoife O'Brien.docx"
    (folder / "to-sign" / name).rename(folder / "signed" / name)
    outcome = weekly_run(two_requests, TODAY)
    assert list(outcome.letters.generated) == [] and list(outcome.letters.regenerated) == []
    assert not (folder / "to-sign" / name).exists()


def test_a_letter_filed_in_sent_by_hand_is_not_regenerated(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    folder = two_requests.paths.working_folder / "SAR-2026-001"
    name = "SAR-2026-001 acknowledgement - Aoife O'Brien.docx"
    (folder / "to-sign" / name).rename(folder / "sent" / name)  # e.g. posted, not yet recorded
    outcome = weekly_run(two_requests, TODAY)
    assert list(outcome.letters.generated) == [] and list(outcome.letters.regenerated) == []
    assert (folder / "sent" / name).exists() and not (folder / "to-sign" / name).exists()


def test_a_scanned_pdf_in_signed_counts_as_the_letter(two_requests: Config) -> None:
    weekly_run(two_requests, TODAY)
    folder = two_requests.paths.working_folder / "SAR-2026-001"
    name = "SAR-2026-001 acknowledgement - Aoife O'Brien"
    (folder / "to-sign" / f"{name}.docx").unlink()
    (folder / "signed" / f"{name}.pdf").write_bytes(b"%PDF-1.4 scanned")
    assert list(weekly_run(two_requests, TODAY).letters.regenerated) == []


@pytest.mark.bad_input
def test_the_register_open_in_excel_stops_the_run_before_any_side_effect(
    two_requests: Config,
) -> None:
    register = two_requests.paths.register
    (register.parent / f"~${register.name}").write_bytes(b"owner")
    before = snapshot(register.parent.parent)
    with pytest.raises(LettersError) as error:
        weekly_run(two_requests, TODAY)
    assert str(error.value) == (
        f"{register}: the register is open in Excel (found ~$register.xlsx beside it). "
        "Save and close it, then run again. Nothing was done."
    )
    assert snapshot(register.parent.parent) == before


@pytest.mark.bad_input
def test_the_register_open_in_libreoffice_stops_the_run(two_requests: Config) -> None:
    register = two_requests.paths.register
    (register.parent / f".~lock.{register.name}#").write_text("owner")
    with pytest.raises(LettersError, match="open in LibreOffice"):
        weekly_run(two_requests, TODAY)
    assert not two_requests.paths.working_folder.exists()


@pytest.mark.bad_input
def test_a_register_changed_during_the_run_is_not_overwritten(two_requests: Config) -> None:
    path = two_requests.paths.register
    register = open_register(path, TODAY)
    changes = apply_rows(register, layout.REQUESTS, {2: {"Status": "Waiting"}})
    # Someone saves the register in Excel while the run is working.
    changed = openpyxl.load_workbook(path)
    changed[layout.REQUESTS]["Q2"] = "Phoned the mother"
    changed.save(path)
    saved_by_them = path.read_bytes()
    with pytest.raises(LettersError) as error:
        save(register, changes, TODAY)
    assert "changed on disk while the run was working" in str(error.value)
    assert "was not overwritten" in str(error.value)
    assert path.read_bytes() == saved_by_them
    assert not (path.parent / "backups").exists()


def test_dry_run_writes_nothing(two_requests: Config) -> None:
    folder = two_requests.paths.register.parent.parent
    before = snapshot(folder)
    outcome = weekly_run(two_requests, TODAY, dry_run=True)
    assert snapshot(folder) == before
    assert len(outcome.letters.generated) == 4
    assert "(dry run: nothing was changed)" in outcome.text
    assert "Would generate 4 new letter(s)." in outcome.text
    assert (
        "  SAR-2026-001/to-sign/SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx"
        "  (goes by post)"
    ) in outcome.text.splitlines()
    assert outcome.report_file is None


def test_dry_run_after_a_real_run_reads_the_journal_and_plans_nothing(
    two_requests: Config,
) -> None:
    weekly_run(two_requests, TODAY)
    folder = two_requests.paths.register.parent.parent
    before = snapshot(folder)
    outcome = weekly_run(two_requests, TODAY, dry_run=True)
    assert list(outcome.letters.generated) == []
    assert snapshot(folder) == before


def test_today_moves_every_date(tmp_path: Path) -> None:
    runs = {}
    for today in (date(2026, 11, 25), date(2026, 12, 9)):
        folder = tmp_path / today.isoformat()
        write_register(
            folder / "registers" / "register.xlsx",
            [request_row(Received=date(2026, 11, 20))],
            [party_row(**{"Letter sent": date(2026, 11, 23)})],
        )
        config = config_module.load(write_config(folder))
        runs[today] = (weekly_run(config, today), config)
    early, early_config = runs[date(2026, 11, 25)]
    late, late_config = runs[date(2026, 12, 9)]
    request_early = cells(early_config.paths.register, layout.REQUESTS)[0]
    request_late = cells(late_config.paths.register, layout.REQUESTS)[0]
    # Received 20 Nov: promised by 4 Dec, legal deadline 21 Dec; days left run from "today".
    assert request_early["Days left"] == 7
    assert request_late["Days left"] == -3
    assert request_late["Status"].startswith("Overdue by 3 working days")
    # The consent letter went on 23 Nov: a reminder is due a week later, not before.
    assert [letter.kind for letter, _ in early.letters.generated] == ["acknowledgement"]
    assert [letter.kind for letter, _ in late.letters.generated] == ["acknowledgement", "reminder"]
    letter_early = cells(early_config.paths.register, layout.LETTERS)
    letter_late = cells(late_config.paths.register, layout.LETTERS)
    assert {row["Generated"].date() for row in letter_early} == {date(2026, 11, 25)}
    assert {row["Generated"].date() for row in letter_late} == {date(2026, 12, 9)}
    assert "for Wednesday 25 November 2026" in early.text
    assert "for Wednesday 9 December 2026" in late.text
    assert (early_config.paths.working_folder / "To-do 2026-11-25.txt").exists()
    assert (late_config.paths.working_folder / "To-do 2026-12-09.txt").exists()


def test_write_back_fills_the_pipeline_columns_and_the_letters_sheet(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(Ref=None)],
        [party_row(Ref="SAR-2026-001", Party=None)],
    )
    outcome = weekly_run(config, TODAY)
    assert outcome.write_back.written
    request = cells(config.paths.register, layout.REQUESTS)[0]
    assert request["Ref"] == "SAR-2026-001"
    assert request["Promised by"].date() == date(2026, 11, 16)
    assert request["Legal deadline"].date() == date(2026, 12, 2)
    assert request["Days left"] == -7
    assert request["Status"] == "Overdue by 7 working days: Acknowledgement to sign and send"
    assert cells(config.paths.register, layout.THIRD_PARTIES)[0]["Party"] == "TP1"
    letters = cells(config.paths.register, layout.LETTERS)
    assert [(row["Letter"], row["Kind"], row["By"], row["To"]) for row in letters] == [
        (
            "SAR-2026-001/acknowledgement",
            "Acknowledgement",
            "Email",
            "aoife.obrien@example.org",
        ),
        (
            "SAR-2026-001/TP1/consent",
            "Consent request (agency)",
            "Post",
            "The Old Forge, Highfield, EX9 3AA",
        ),
    ]
    assert letters[1]["File"] == "SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx"
    assert (config.paths.register.parent / "backups" / "register 2026-11-25.xlsx").exists()


def test_a_ref_chosen_by_a_run_that_could_not_write_is_chosen_again(
    setting: Callable[..., Config],
) -> None:
    config = setting([request_row(Ref=None, Received=date(2026, 11, 20))])
    weekly_run(config, TODAY, dry_run=False)
    with Journal(journal_path(config.paths.register)) as journal:
        assert list(journal.assigned_refs().values()) == ["SAR-2026-001"]
    # The manager puts a new request above it with its Ref blank too, and the first run's
    # write-back is lost (the backup restored): the first row keeps its Ref.
    write_register(
        config.paths.register,
        [
            request_row(Ref=None, Requester="Mark Davies", Child="Elin Davies"),
            request_row(Ref=None, Received=date(2026, 11, 20)),
        ],
    )
    weekly_run(config, TODAY)
    refs = [row["Ref"] for row in cells(config.paths.register, layout.REQUESTS)]
    assert refs == ["SAR-2026-002", "SAR-2026-001"]


def test_write_back_keeps_validation_styles_extra_columns_and_manager_cells(
    tmp_path: Path,
) -> None:
    path = write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(Notes="=1+1 is not a formula here")],
        [party_row()],
    )
    workbook = openpyxl.load_workbook(path)
    requests = workbook[layout.REQUESTS]
    requests.cell(row=1, column=30, value="Key person")
    requests.cell(row=2, column=30, value="Mrs Patel")
    requests["C2"].font = openpyxl.styles.Font(bold=True, color="FFFF0000")
    workbook.save(path)
    original = openpyxl.load_workbook(path)
    config = config_module.load(write_config(tmp_path))
    weekly_run(config, TODAY)
    after = openpyxl.load_workbook(path)
    pipeline_headers = {
        (name, column.header)
        for name, columns in layout.SHEETS.items()
        for column in columns
        if column.pipeline
    }
    for name in (layout.REQUESTS, layout.THIRD_PARTIES):
        before_sheet, after_sheet = original[name], after[name]
        headers = [cell.value for cell in before_sheet[1]]
        for row in before_sheet.iter_rows(min_row=1, max_row=3):
            for cell in row:
                header = headers[cell.column - 1]
                if (name, header) in pipeline_headers:
                    continue
                assert after_sheet[cell.coordinate].value == cell.value, cell.coordinate
        assert [(v.sqref, v.formula1) for v in after_sheet.data_validations.dataValidation] == [
            (v.sqref, v.formula1) for v in before_sheet.data_validations.dataValidation
        ]
        assert after_sheet.freeze_panes == "A2"
        for cell in before_sheet[1]:
            fill = after_sheet[cell.coordinate].fill
            assert (fill.patternType, fill.fgColor.rgb) == (
                cell.fill.patternType,
                cell.fill.fgColor.rgb,
            )
    assert after[layout.REQUESTS]["AD2"].value == "Mrs Patel"
    assert after[layout.REQUESTS]["C2"].font.color.rgb == "FFFF0000"
    assert after[layout.REQUESTS]["C2"].font.bold


@pytest.mark.bad_input
def test_text_written_into_the_register_never_becomes_a_formula(
    setting: Callable[..., Config],
) -> None:
    config = setting([request_row()], [party_row(Organisation='=HYPERLINK("x")', Name="")])
    weekly_run(config, TODAY)
    with zipfile.ZipFile(config.paths.register) as package:
        letters_sheet = package.read("xl/worksheets/sheet3.xml").decode()
    assert "<f>" not in letters_sheet
    letters = cells(config.paths.register, layout.LETTERS)
    assert letters[1]["Recipient"] == '=HYPERLINK("x")'


def _with_x14_conditional_formatting(path: Path) -> None:
    """Add an Excel 2010 data bar extension to the Requests sheet, as Excel writes it."""
    ext = (
        '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        "<x14:conditionalFormattings><x14:conditionalFormatting "
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:cfRule type="dataBar" id="{00000000-0000-0000-0000-000000000001}">'
        '<x14:dataBar minLength="0" maxLength="100"><x14:cfvo type="autoMin"/>'
        '<x14:cfvo type="autoMax"/></x14:dataBar></x14:cfRule>'
        "<xm:sqref>U2:U100</xm:sqref></x14:conditionalFormatting>"
        "</x14:conditionalFormattings></ext>"
    )
    path.write_bytes(with_sheet_extensions(path.read_bytes(), ext))


@pytest.mark.bad_input
def test_a_save_that_would_drop_excel_features_is_refused_and_names_them(
    two_requests: Config,
) -> None:
    path = two_requests.paths.register
    _with_x14_conditional_formatting(path)
    before = path.read_bytes()
    outcome = weekly_run(two_requests, TODAY)
    assert path.read_bytes() == before
    assert "the register was not written" in outcome.write_back.error
    assert "conditional formatting" in outcome.write_back.error
    assert "openpyxl said: Conditional Formatting extension is not supported" in (
        outcome.write_back.error
    )
    assert "Register NOT written:" in outcome.text
    # The letters are made and journaled; the next run fills the register once it can.
    assert len(to_sign(two_requests)) == 4


@pytest.mark.bad_input
def test_a_row_with_a_problem_is_skipped_and_marked_while_the_others_go_ahead(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(), request_row(Ref="SAR-2026-002", Received="31/2/2026")],
        [party_row(Ref="SAR-2026-002")],
    )
    outcome = weekly_run(config, TODAY)
    assert [str(problem) for problem in outcome.problems] == [
        'Requests, row 3, Received: "31/2/2026" is not a real date; '
        "type it as day/month/year, e.g. 3/9/2026."
    ]
    assert to_sign(config) == ["SAR-2026-001 acknowledgement - Aoife O'Brien.docx"]
    rows = cells(config.paths.register, layout.REQUESTS)
    assert rows[1]["Status"] == "Check this row: Received"
    assert rows[1]["Received"] == "31/2/2026"
    assert "Rows with problems (1):" in outcome.text


def test_the_to_do_list_is_saved_in_the_working_folder(two_requests: Config) -> None:
    outcome = weekly_run(two_requests, TODAY)
    saved = two_requests.paths.working_folder / "To-do 2026-11-25.txt"
    assert outcome.report_file == saved
    assert saved.read_text(encoding="utf-8") == outcome.text
    assert "Letters to sign (4):" in outcome.text
    assert "SAR-2026-001/to-sign/SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx" in (
        outcome.text
    )


def test_a_second_run_at_the_same_time_is_refused(two_requests: Config) -> None:
    with RunLock(two_requests.paths.register), pytest.raises(LettersError) as error:
        weekly_run(two_requests, TODAY)
    assert "another run is working on this register right now" in str(error.value)
    assert not two_requests.paths.working_folder.exists()


def test_formatting_within_a_cell_survives_the_write_back(two_requests: Config) -> None:
    path = two_requests.paths.register
    workbook = openpyxl.load_workbook(path, rich_text=True)
    workbook[layout.REQUESTS]["Q2"] = CellRichText(
        ["Phoned on ", TextBlock(InlineFont(b=True), "Monday")]
    )
    workbook.save(path)
    outcome = weekly_run(two_requests, TODAY)
    assert outcome.write_back.written, outcome.write_back.error
    notes = openpyxl.load_workbook(path, rich_text=True)[layout.REQUESTS]["Q2"].value
    assert isinstance(notes, CellRichText)
    assert str(notes) == "Phoned on Monday"
    assert notes[1].font.b


def test_a_reply_without_a_decision_is_listed_to_read_and_decide(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(Acknowledged=date(2026, 11, 3))],
        [
            party_row(**{"Letter sent": date(2026, 11, 4), "Reply received": date(2026, 11, 9)}),
            party_row(
                Name="Kiran Shah",
                Decision="Consents",
                **{"Letter sent": date(2026, 11, 4), "Reply received": date(2026, 11, 9)},
            ),
        ],
    )
    outcome = weekly_run(config, TODAY)
    assert "Replies to read and decide (1):" in outcome.text
    assert "  SAR-2026-001/TP1 Smith & Sons <Ltd>: replied 09/11/2026" in outcome.text
    assert list(outcome.letters.generated) == []


class _EmptyMailbox:
    """A mailbox back-end with nothing in it that sends into a folder: only its name differs."""

    name = "mailbox"

    def __init__(self, outbox: Path) -> None:
        self.inner = FolderMail(outbox / "unused-inbox", outbox)
        self.problems: list[str] = []

    def prepare(self, mail: Outgoing) -> str:
        return self.inner.prepare(mail)

    def send(self, mail: Outgoing, message_id: str) -> None:
        self.inner.send(mail, message_id)

    def was_sent(self, message_id: str) -> bool:
        return self.inner.was_sent(message_id)

    def replies(self, since: date | None = None) -> list[Reply]:
        return []

    def fetch(self, reply: Reply) -> ReplyContent:
        raise AssertionError("nothing to fetch")

    def mark_filed(self, reply: Reply) -> None:
        raise AssertionError("nothing to file")


def test_scans_in_the_inbox_folder_are_filed_whatever_the_mail_back_end(
    setting: Callable[..., Config],
) -> None:
    config = setting([request_row()], [party_row(**{"Letter sent": date(2026, 11, 3)})])
    config.paths.inbox.mkdir(parents=True)
    (config.paths.inbox / "SAR-2026-001 TP1.pdf").write_bytes(b"%PDF-1.4 scan")
    outcome = weekly_run(config, TODAY, backend=_EmptyMailbox(config.paths.outbox), office=None)
    assert [(f.ref, f.party, f.file_name) for f in outcome.replies.filed] == [
        ("SAR-2026-001", "TP1", "SAR-2026-001 TP1 reply 2026-11-25 - Smith & Sons Ltd.pdf")
    ]


@pytest.mark.bad_input
def test_a_register_reached_through_a_link_is_written_where_it_really_lives(
    tmp_path: Path,
) -> None:
    config = config_module.load(write_config(tmp_path))
    real = tmp_path / "synced" / "register.xlsx"
    write_register(real, [request_row()])
    link = config.paths.register
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(real)

    outcome = weekly_run(config, date(2026, 11, 3), office=None)

    assert outcome.write_back.written, outcome.write_back.error
    assert link.is_symlink() and link.resolve() == real
    assert outcome.write_back.backup is not None
    assert outcome.write_back.backup.parent == real.parent / "backups"
    [row] = cells(real, layout.REQUESTS)
    assert row["Legal deadline"] is not None and row["Acknowledged"] is None  # still to send


@pytest.mark.bad_input
def test_a_register_open_in_excel_where_it_really_lives_is_refused(tmp_path: Path) -> None:
    config = config_module.load(write_config(tmp_path))
    real = tmp_path / "synced" / "register.xlsx"
    write_register(real, [request_row()])
    config.paths.register.parent.mkdir(parents=True, exist_ok=True)
    config.paths.register.symlink_to(real)
    (real.parent / "~$register.xlsx").write_bytes(b"")

    with pytest.raises(LettersError, match="open in Excel"):
        weekly_run(config, date(2026, 11, 3), office=None)


def test_half_written_files_a_stopped_run_left_are_cleared_at_the_next_start(
    tmp_path: Path,
) -> None:
    config = config_module.load(write_config(tmp_path))
    write_register(config.paths.register, [request_row()])
    home, request = config.paths.register.parent, config.paths.working_folder / REF
    outbox, inbox = config.paths.outbox, config.paths.inbox
    leftovers = [
        home / ".register.xlsx.saving",
        home / "backups" / ".register 2026-11-02.xlsx.partial",
        config.paths.working_folder / ".To-do 2026-11-02.txt.partial",
        request / f".{REF} consents record.docx.partial",
        request / "to-sign" / f".{REF} acknowledgement - Aoife O'Brien.docx.partial",
        request / "sent" / f".{REF} acknowledgement - Aoife O'Brien.docx.partial",
        request / "replies" / f".{REF} TP1 reply 2026-11-02 - Joan Smith.eml.partial",
        request / "withdrawn" / f".{REF} consent request TP1 - withdrawn.txt.partial",
        outbox / f".{REF} acknowledgement - Aoife O'Brien.eml.pending.partial",
        inbox / "filed" / ".reply.eml.partial",
    ]
    for leftover in leftovers:
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(b"half")
    # What is not half-written stays: the manager's own hidden file, a draft not yet put out.
    kept = [request / "file" / ".notes.txt", outbox / f".{REF} ack.eml.pending"]
    for keep in kept:
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.write_bytes(b"whole")
    (home / ".register.xlsx.run-lock").write_text("4242")  # as a run killed leaves it

    weekly_run(config, date(2026, 11, 3), office=None)

    assert [path for path in leftovers if path.exists()] == []
    assert [path for path in kept if path.exists()] == kept


def test_the_run_lock_tells_the_next_run_whether_the_last_one_ended_well(tmp_path: Path) -> None:
    register = tmp_path / "register.xlsx"
    with RunLock(register) as first:
        assert not first.last_run_stopped  # no run before
    with pytest.raises(RuntimeError), RunLock(register):
        raise RuntimeError("a bug, or a step that failed")
    with RunLock(register) as after_an_error:
        assert after_an_error.last_run_stopped  # it may have left half-written files
    with RunLock(register) as after_a_good_end:
        assert not after_a_good_end.last_run_stopped
