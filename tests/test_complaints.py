"""Complaints to the setting (DPA 2018 s.164A): acknowledged within 30 days, then answered.

Each complaint gets its own reference and folder, and its acknowledgement and outcome letter
are signed and sent like every other letter.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pipeline import config as config_module
from pipeline.complaints import acknowledge_by, complaint_progress
from pipeline.config import Config
from pipeline.deadlines import Calendar, add_months
from pipeline.model import Complaint
from pipeline.register import layout
from pipeline.register.read import open_register
from pipeline.run import weekly_run

from support.config import write_config
from support.documents import text_of
from support.mail import drop, parse, reply_eml, send_drafts
from support.register import REF, cells, request_row, write_register

ENGLAND = Calendar("ENG")


def complaint(**changes: object) -> Complaint:
    values: dict[str, object] = {
        "row": 2, "ref": "C-2026-001", "received": date(2026, 7, 1), "complainant": "Jane Example",
        "email": "jane@example.org", "address": "", "request": "", "summary": "", "outcome": "",
        "closed": None, "acknowledged": None,
    }  # fmt: skip
    values.update(changes)
    return Complaint(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 6, 19), date(2026, 7, 18)),  # the statute's reading: Mon 20 Jul
        (date(2026, 7, 1), date(2026, 7, 30)),  # statute: Fri 31 Jul
        (date(2026, 12, 2), date(2026, 12, 31)),  # statute: Mon 4 Jan 2027
    ],
)
def test_a_complaint_is_acknowledged_by_the_29th_day_after_it_came(
    received: date, expected: date
) -> None:
    # "Within the period of 30 days beginning when the complaint is received": the earlier
    # of the two readings (docs/law.md rule 8).
    assert acknowledge_by(received) == expected


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert add_months(date(2026, 6, 1), 6) == date(2026, 12, 1)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_the_status_follows_the_complaint_from_acknowledgement_to_outcome() -> None:
    new = complaint_progress(complaint(), date(2026, 7, 2), ENGLAND)
    assert new.status == "Acknowledgement to sign and send by 30/7/2026"
    assert not new.at_risk and not new.overdue
    near = complaint_progress(complaint(), date(2026, 7, 28), ENGLAND)
    assert near.at_risk
    late = complaint_progress(complaint(), date(2026, 8, 3), ENGLAND)
    assert late.overdue and late.status == "Acknowledgement overdue by 4 days"
    waiting = complaint_progress(complaint(), date(2026, 7, 2), ENGLAND, ready=True)
    assert waiting.status.startswith("Acknowledgement in the outbox, ready to send")
    open_ = complaint_progress(complaint(acknowledged=date(2026, 7, 3)), date(2026, 8, 1), ENGLAND)
    assert open_.status == "Acknowledged; open 31 days: aim to give the outcome by 1/10/2026"
    old = complaint_progress(complaint(acknowledged=date(2026, 7, 3)), date(2026, 10, 1), ENGLAND)
    assert old.at_risk and "over three months" in old.status
    decided = complaint(acknowledged=date(2026, 7, 3), outcome="Put right")
    assert complaint_progress(decided, date(2026, 8, 1), ENGLAND).status == (
        "Outcome letter to sign and send"
    )
    sent = complaint(
        acknowledged=date(2026, 7, 3), outcome="Put right", outcome_sent=date(2026, 8, 2)
    )
    assert complaint_progress(sent, date(2026, 8, 3), ENGLAND).status == (
        "Outcome sent: record Closed"
    )
    closed = complaint(outcome="Put right", closed=date(2026, 8, 3))
    assert complaint_progress(closed, date(2026, 8, 3), ENGLAND).status == "Closed"


def test_a_complaint_before_19_june_2026_has_no_legal_time_limit() -> None:
    early = complaint(received=date(2026, 6, 18))
    late = complaint_progress(early, date(2026, 8, 3), ENGLAND)
    assert not late.overdue and late.at_risk
    assert late.status.endswith("(received before 19 June 2026: no legal time limit)")


def _config(tmp_path: Path, complaints: list[dict[str, object]]) -> Config:
    write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row()],
        others={layout.COMPLAINTS: complaints},
    )
    return config_module.load(write_config(tmp_path))


COMPLAINT_ROW: dict[str, object] = {
    "Received": date(2026, 11, 20),
    "Complainant": "Grace Adeyemi",
    "Email": "grace@example.org",
    "Request": REF,
    "Summary": "She was told that a request had to be in writing.",
}


def test_the_complaints_sheet_is_read_with_each_mistake_named(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        [
            COMPLAINT_ROW,
            {**COMPLAINT_ROW, "Complainant": None},
            {**COMPLAINT_ROW, "Email": None, "Address": None},
            {**COMPLAINT_ROW, "Request": "SAR-1999-001"},
            {**COMPLAINT_ROW, "Received": date(2026, 12, 30)},
            {**COMPLAINT_ROW, "Closed": date(2026, 11, 24)},
            {**COMPLAINT_ROW, "Ref": "COMPLAINT 7"},
            {**COMPLAINT_ROW, "Ref": "C-2026-009"},
            {**COMPLAINT_ROW, "Ref": "c-2026-009"},
            {**COMPLAINT_ROW, "Received": None},
        ],
    )

    register = open_register(config.paths.register, date(2026, 11, 25))

    read, typed = register.complaints
    assert (read.ref, read.complainant, read.request, read.ref_assigned) == (
        "C-2026-001", "Grace Adeyemi", REF, True,
    )  # fmt: skip
    assert (typed.ref, typed.ref_assigned) == ("C-2026-009", False)
    assert [str(problem) for problem in register.problems] == [
        "Complaints, row 3, Complainant: this is empty; type the full name of the person "
        "complaining.",
        "Complaints, row 4, Address: there is no email and no address; type one, to write to.",
        "Complaints, row 5, Request: SAR-1999-001 matches no request on the Requests sheet; "
        "correct the Ref or clear the cell.",
        "Complaints, row 6, Received: 30/12/2026 is in the future; type the day it came.",
        "Complaints, row 7, Outcome: Closed is filled in but there is no Outcome; type what was "
        "decided.",
        'Complaints, row 8, Ref: "COMPLAINT 7" is not a complaint reference like C-2026-001; '
        "clear the cell and the pipeline will give one.",
        "Complaints, row 10, Ref: c-2026-009 is used twice; clear this cell and the pipeline "
        "will give one.",
        "Complaints, row 11, Received: this is empty; type the date the complaint reached the "
        "setting.",
    ]


def _sign_all(folder: Path) -> None:
    for letter in (folder / "to-sign").iterdir():
        shutil.move(letter, folder / "signed" / letter.name)


def test_a_complaint_is_acknowledged_then_answered_through_signing_and_sending(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [COMPLAINT_ROW])
    folder = config.paths.working_folder / "C-2026-001"

    first = weekly_run(config, date(2026, 11, 23), office=None)

    name = "C-2026-001 complaint acknowledgement - Grace Adeyemi.docx"
    assert folder / "to-sign" / name in first.letters.to_sign
    body = text_of(folder / "to-sign" / name)["body"]
    assert (
        "Thank you for your complaint, which we received on 20 November 2026, about your "
        "request with our reference SAR-2026-001" in body
    )
    assert "She was told that a request had to be in writing." in body
    assert body.index("Information Commission (ICO)") < body.index("apply to a court")
    assert "Complaints (1):" in first.text
    assert (
        "C-2026-001 (Grace Adeyemi, received 20/11/2026): Acknowledgement to sign and send "
        "by 19/12/2026" in first.text
    )
    sheet = openpyxl.load_workbook(config.paths.register)[layout.COMPLAINTS]
    headers = [cell.value for cell in sheet[1]]
    row = {header: sheet.cell(2, number).value for number, header in enumerate(headers, 1)}
    assert row["Ref"] == "C-2026-001"
    assert row["Acknowledge by"].date() == date(2026, 12, 19)

    _sign_all(folder)
    weekly_run(config, date(2026, 11, 24), office=None)
    [draft] = config.paths.outbox.glob("*.eml")
    message = parse(draft.read_bytes())
    assert message["Subject"] == "Your complaint to us [C-2026-001]"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "about your complaint with our reference C-2026-001" in plain.get_content()
    send_drafts(config.paths.outbox, date(2026, 11, 24))
    sent = weekly_run(config, date(2026, 11, 25), office=None)
    assert any(entry.kind == "complaint-acknowledgement" for entry, _ in sent.sending.sent)
    assert [path.name for path in (folder / "sent").glob("*.docx")] == [name]
    sheet = openpyxl.load_workbook(config.paths.register)[layout.COMPLAINTS]
    assert sheet.cell(2, headers.index("Acknowledged") + 1).value.date() == date(2026, 11, 24)
    assert "Acknowledged; open 5 days" in sheet.cell(2, headers.index("Status") + 1).value
    assert sent.withdrawing.withdrawn == ()  # not taken for a request gone from the register

    workbook = openpyxl.load_workbook(config.paths.register)
    workbook[layout.COMPLAINTS].cell(
        2, headers.index("Outcome") + 1
    ).value = "We were wrong: a request may be made by word of mouth. We have told our staff."
    workbook.save(config.paths.register)
    answered = weekly_run(config, date(2026, 11, 30), office=None)

    outcome = folder / "to-sign" / "C-2026-001 complaint outcome - Grace Adeyemi.docx"
    assert outcome in answered.letters.to_sign
    text = text_of(outcome)["body"]
    assert "We were wrong: a request may be made by word of mouth." in text
    assert text.index("look at it again") < text.index("Information Commission")


def test_a_complainants_reply_is_filed_under_the_complaint_by_thread_or_reference(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [COMPLAINT_ROW])
    folder = config.paths.working_folder / "C-2026-001"
    weekly_run(config, date(2026, 11, 23), office=None)
    _sign_all(folder)
    weekly_run(config, date(2026, 11, 24), office=None)
    [draft] = config.paths.outbox.glob("*.eml")
    letter_id = str(parse(draft.read_bytes())["Message-ID"])
    send_drafts(config.paths.outbox, date(2026, 11, 24))
    weekly_run(config, date(2026, 11, 25), office=None)
    # She answers the acknowledgement from her mail program (the thread), then writes again
    # quoting the reference from another address.
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    sender = "Grace Adeyemi <grace@example.org>"
    drop(config, "answer.eml", reply_eml("Re: Your complaint to us", sender=sender,
                                         in_reply_to=letter_id), age=2)  # fmt: skip
    drop(config, "again.eml", reply_eml("More about C-2026-001", message_id="<2@example.org>",
                                        sender="G A <ga@example.org>"), age=1)  # fmt: skip
    outcome = weekly_run(config, date(2026, 11, 26), office=None)
    assert [(f.ref, f.party) for f in outcome.replies.filed] == [("C-2026-001", "")] * 2
    assert len(list((folder / "replies").glob("*.eml"))) == 2
    assert outcome.replies.unmatched == ()
    assert "row in the register has a problem" not in outcome.text
    (said,) = outcome.replies.need_you
    assert said.startswith("C-2026-001 Grace Adeyemi: the reply ")
    assert "came from ga@example.org, not grace@example.org" in said


def test_a_complaint_ref_chosen_by_a_run_that_could_not_write_is_chosen_again(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [COMPLAINT_ROW])
    weekly_run(config, date(2026, 11, 23), office=None)
    folder = config.paths.working_folder / "C-2026-001" / "to-sign"
    assert [path.name for path in folder.iterdir()] == [
        "C-2026-001 complaint acknowledgement - Grace Adeyemi.docx"
    ]
    # The first run's write-back is lost (the backup restored), and the manager adds another
    # complaint above hers, its Ref blank too: hers keeps the Ref her letter carries.
    other = {**COMPLAINT_ROW, "Complainant": "Mark Davies", "Email": "mark@example.org"}
    write_register(
        config.paths.register,
        [request_row()],
        others={layout.COMPLAINTS: [other, COMPLAINT_ROW]},
    )
    weekly_run(config, date(2026, 11, 24), office=None)
    rows = cells(config.paths.register, layout.COMPLAINTS)
    assert [(row["Complainant"], row["Ref"]) for row in rows] == [
        ("Mark Davies", "C-2026-002"),
        ("Grace Adeyemi", "C-2026-001"),
    ]
    assert [path.name for path in folder.iterdir()] == [
        "C-2026-001 complaint acknowledgement - Grace Adeyemi.docx"
    ]


def test_a_complaint_letter_no_longer_needed_is_withdrawn(tmp_path: Path) -> None:
    config = _config(
        tmp_path, [{**COMPLAINT_ROW, "Acknowledged": date(2026, 11, 21), "Outcome": "Put right"}]
    )
    weekly_run(config, date(2026, 11, 23), office=None)
    folder = config.paths.working_folder / "C-2026-001"
    assert [path.name for path in (folder / "to-sign").iterdir()] == [
        "C-2026-001 complaint outcome - Grace Adeyemi.docx"
    ]
    workbook = openpyxl.load_workbook(config.paths.register)
    sheet = workbook[layout.COMPLAINTS]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("Outcome") + 1).value = None
    workbook.save(config.paths.register)

    again = weekly_run(config, date(2026, 11, 24), office=None)

    [withdrawn] = again.withdrawing.withdrawn
    assert withdrawn.reason == "the complaint's Outcome is no longer filled in"
    assert list((folder / "to-sign").iterdir()) == []


def test_a_complaint_row_with_a_problem_holds_its_letters_and_says_check_this_row(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [{**COMPLAINT_ROW, "Ref": "C-2026-004", "Complainant": None}])

    outcome = weekly_run(config, date(2026, 11, 23), office=None)

    assert not (config.paths.working_folder / "C-2026-004").exists()
    sheet = openpyxl.load_workbook(config.paths.register)[layout.COMPLAINTS]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, headers.index("Status") + 1).value == "Check this row: Complainant"
    assert "Complaints, row 2, Complainant" in outcome.text
