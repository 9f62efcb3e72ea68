"""The response that goes with the clean copy, and what the owner withheld from it, and why.

The response carries the Article 15 information from letters.toml's [privacy], says what was
left out on which ground (the Withheld sheet), and names the ways to complain in the law's
order: the setting, the regulator, a court.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline import config as config_module
from pipeline.checks import check
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.model import Request
from pipeline.progress import Progress, progress_of
from pipeline.register import layout
from pipeline.register.read import open_register
from pipeline.run import weekly_run

from support.config import write_config
from support.documents import text_of
from support.register import REF, party_row, request_row, write_register

TODAY = date(2026, 11, 25)
RESPONSE = f"{REF} response - Aoife O'Brien.docx"


def _config(
    tmp_path: Path,
    withheld: list[dict[str, object]] | None = None,
    *,
    nation: str = "ENG",
    **request: object,
) -> Config:
    write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(**{"Clean copy ready": date(2026, 11, 24), **request})],
        [party_row(Decision="Refuses")],
        others={layout.WITHHELD: withheld or []},
    )
    path = write_config(tmp_path)
    if nation != "ENG":
        text = path.read_text("utf-8").replace(
            'bank_holidays = "ENG"', f'bank_holidays = "{nation}"'
        )
        path.write_text(text, encoding="utf-8")
    return config_module.load(path)


THIRD_PARTY: dict[str, object] = {
    "Ref": REF,
    "What": "Three sentences of the childminder's note of 3 March",
    "Ground": "Third party",
    "Party": "TP1",
    "Reasons": "About her own family; cannot be shared without identifying her.",
}


def test_the_response_goes_with_the_copy_with_the_privacy_information_and_what_was_withheld(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [THIRD_PARTY])

    outcome = weekly_run(config, TODAY, office=None)

    letter = config.paths.working_folder / REF / "to-sign" / RESPONSE
    assert letter in outcome.letters.to_sign
    body = text_of(letter)["body"]
    assert "the copy is attached to the email that brings this letter" in body
    assert "You do not need to meet us to have the copy." in body
    # Article 15(1)(a)-(h) and (2), from [privacy]'s defaults.
    for words in (
        "We use your child's information to care for your child safely",
        "The information we hold includes your child's name",
        "We share it, where we need to, with the staff who care for your child",
        "We keep it while your child attends",
        "It came from you and your family",
        "We do not make any decision about your child by automated means alone.",
        "We do not send your child's information outside the UK.",
        "You can ask us to correct anything that is wrong or incomplete, to delete information",
        "our privacy notice for parents",
    ):
        assert words in body, words
    assert (
        "Three sentences of the childminder's note of 3 March: information about another "
        "person, or that would identify them" in body
    )
    assert "(Data Protection Act 2018, Schedule 2, paragraph 16)" in body
    assert "About her own family" not in body  # the reasons stay in the consents record
    assert body.index("complain to us by email") < body.index("Information Commission (ICO)")
    assert body.index("Information Commission (ICO)") < body.index("apply to a court")
    assert "ico.org.uk/make-a-complaint" in body and "0303 123 1113" in body
    assert "Wilmslow" not in body


def test_a_response_by_post_says_the_copy_is_enclosed_and_nothing_withheld_says_so(
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path, **{"Requester email": None, "Requester address": "4 Mill Lane, Millbrook"}
    )

    weekly_run(config, TODAY, office=None)

    body = text_of(config.paths.working_folder / REF / "to-sign" / RESPONSE)["body"]
    assert "the copy is enclosed with this letter" in body
    assert "We have not left anything out" in body


def test_the_regulators_postal_address_is_printed_once_the_owner_types_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    path = config.source
    path.write_text(
        path.read_text("utf-8").replace(
            'postal_address = ""', 'postal_address = "1 New Street, Manchester M1 1AA"'
        ),
        encoding="utf-8",
    )

    weekly_run(config_module.load(path), TODAY, office=None)

    body = text_of(config.paths.working_folder / REF / "to-sign" / RESPONSE)["body"]
    assert "by post to 1 New Street, Manchester M1 1AA" in body


def test_the_consents_record_lists_what_was_withheld_and_says_remove_only_what_identifies(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [THIRD_PARTY])

    weekly_run(config, TODAY, office=None)

    record = text_of(config.paths.working_folder / REF / f"{REF} consents record.docx")["body"]
    assert "Remove only what identifies them." in record
    assert "not everything they said" in record
    assert "A refusal is not an automatic bar." in record
    assert "Schedule 2, paragraph 16(3)" in record
    assert (
        "Three sentences of the childminder's note of 3 March — Third party (Data Protection "
        "Act 2018, Schedule 2, paragraph 16), TP1. Reasons: About her own family" in record
    )


@pytest.mark.parametrize(
    ("row", "nation", "problem"),
    [
        (
            {**THIRD_PARTY, "Reasons": None},
            "ENG",
            "Withheld, row 2, Reasons: this is empty; say why it is not reasonable to share it "
            "without consent (a refusal is one factor, not the answer on its own).",
        ),
        (
            {**THIRD_PARTY, "Party": "TP7"},
            "ENG",
            "Withheld, row 2, Party: TP7 is not a third party of SAR-2026-001 on the Third "
            "parties sheet; correct it or clear the cell.",
        ),
        (
            {**THIRD_PARTY, "Ground": "Serious harm", "Opinion from": "Dr Patel",
             "Opinion date": date(2026, 5, 25)},
            "ENG",
            "Withheld, row 2, Opinion date: the opinion of 25/5/2026 is more than six months old "
            "and can no longer be relied on; ask the health professional again and type the new "
            "date.",
        ),
        (
            {**THIRD_PARTY, "Ground": "Serious harm", "Opinion date": date(2026, 11, 1)},
            "ENG",
            "Withheld, row 2, Opinion from: this is empty; type the health professional whose "
            "opinion on serious harm you rely on (Schedule 3 needs one).",
        ),
        (
            {**THIRD_PARTY, "Ground": "Best interests"},
            "SCT",
            "Withheld, row 2, Ground: Best interests (Schedule 3 paragraph 21) does not apply in "
            "Scotland; choose another ground, or take advice.",
        ),
        (
            {**THIRD_PARTY, "Ref": "SAR-1999-001"},
            "ENG",
            "Withheld, row 2, Ref: SAR-1999-001 matches no request on the Requests sheet; "
            "correct the Ref.",
        ),
    ],
)  # fmt: skip
def test_a_withheld_row_with_a_problem_holds_the_response_back(
    tmp_path: Path, row: dict[str, object], nation: str, problem: str
) -> None:
    config = _config(tmp_path, [row], nation=nation)

    outcome = weekly_run(config, TODAY, office=None)

    assert [str(found) for found in outcome.problems] == [problem]
    if row["Ref"] == REF:
        assert not (config.paths.working_folder / REF / "to-sign" / RESPONSE).exists()
        [(_, where)] = outcome.progress
        assert "check the Withheld sheet" in where.status


def test_a_fresh_opinion_lets_health_information_be_withheld(tmp_path: Path) -> None:
    row = {**THIRD_PARTY, "Ground": "Serious harm", "Opinion from": "Dr Patel",
           "Opinion date": date(2026, 5, 26)}  # fmt: skip
    config = _config(tmp_path, [row])

    register = open_register(config.paths.register, TODAY)

    assert register.problems == []
    [item] = register.requests[0].withheld
    assert (item.ground, item.opinion_from, item.opinion_date) == (
        "Serious harm", "Dr Patel", date(2026, 5, 26),
    )  # fmt: skip


def test_clearing_clean_copy_ready_withdraws_the_response(tmp_path: Path) -> None:
    config = _config(tmp_path)
    weekly_run(config, TODAY, office=None)
    workbook = openpyxl.load_workbook(config.paths.register)
    sheet = workbook[layout.REQUESTS]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("Clean copy ready") + 1).value = None
    workbook.save(config.paths.register)

    again = weekly_run(config, TODAY, office=None)

    assert [item.reason for item in again.withdrawing.withdrawn] == [
        "the request's Clean copy ready is no longer filled in"
    ]


def _request(**changes: object) -> Request:
    values: dict[str, object] = {
        "row": 2, "ref": REF, "received": date(2026, 11, 2), "requester": "Aoife O'Brien",
        "relationship": "Mother", "requester_email": "a@example.org", "requester_address": "",
        "child": "Ciarán", "child_dob": None, "request_letter": "", "clarification_asked": None,
        "clarification_received": None, "extended": False, "extension_reason": "",
        "clean_copy_ready": date(2026, 11, 20), "meeting": None, "closed": None,
        "acknowledged": date(2026, 11, 3),
    }  # fmt: skip
    values.update(changes)
    return Request(**values)  # type: ignore[arg-type]


def _where(request: Request, today: date, promise_days: int = 14) -> Progress:
    rules = config_module.DeadlineRules(promise_days=promise_days)
    return progress_of(request, [], today, Calendar(), rules)


def test_the_status_warns_three_working_days_before_the_deadline_if_no_response() -> None:
    # Received Mon 2 Nov 2026: legal deadline Wed 2 Dec; three working days before is Fri 27 Nov.
    # A promise as long as the month, so that the legal deadline is the one that nears.
    early = _where(_request(), date(2026, 11, 26), promise_days=30)
    assert "Response and copy must go by" not in early.status
    near = _where(_request(), date(2026, 11, 27), promise_days=30)
    assert near.at_risk
    assert near.status == (
        "Response and copy must go by 02/12/2026: Clean copy ready: response to sign and send "
        "with the copy"
    )
    # The setting's own promise already missed: overdue, and the legal deadline said too.
    missed = _where(_request(), date(2026, 11, 27))
    assert missed.overdue and not missed.at_risk
    assert missed.status.startswith("Overdue by 9 working days: Response and copy must go by")


def test_a_meeting_after_the_deadline_does_not_make_the_request_look_on_track() -> None:
    late_meeting = _request(meeting=datetime(2026, 12, 10, 10, 0))
    where = _where(late_meeting, date(2026, 12, 3))
    assert where.overdue
    assert "(the meeting on 10/12/2026 at 10:00 is after the legal deadline)" in where.status


def test_once_the_response_has_gone_the_request_is_answered_whatever_the_meeting() -> None:
    answered = _request(meeting=datetime(2026, 12, 10, 10, 0), response_sent=date(2026, 11, 30))
    where = _where(answered, date(2026, 12, 3))
    assert not where.overdue and not where.at_risk
    assert where.status == "Response sent 30/11/2026; meeting on 10/12/2026 at 10:00"
    done = _where(_request(response_sent=date(2026, 11, 30)), date(2026, 12, 3))
    assert done.status == "Response sent 30/11/2026: record Closed"


def test_letters_check_says_when_the_regulators_details_are_due_to_be_checked(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)

    fresh, _ = check(config, date(2027, 12, 2))
    stale, problems = check(config, date(2027, 12, 3))

    assert not any("regulator" in line for line in fresh)
    assert (
        "Note: the regulator's details in letters.toml were last checked on 2026-12-02; check "
        "its name, web page, phone and postal address on ico.org.uk, then change "
        "regulator.checked." in stale
    )
    assert problems == []  # a note, not a problem: the letters still go
    typo = replace(config, regulator=replace(config.regulator, checked="last spring"))
    said, _ = check(typo, TODAY)
    assert any("regulator.checked is 'last spring'" in line for line in said)


def test_withheld_rows_of_a_request_with_a_problem_wait_with_it_and_a_future_opinion_is_named(
    tmp_path: Path,
) -> None:
    future = {**THIRD_PARTY, "Ground": "Serious harm", "Opinion from": "Dr Patel",
              "Opinion date": date(2026, 12, 1)}  # fmt: skip
    held = {**THIRD_PARTY, "Ref": "SAR-2026-002"}
    write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(), request_row(Ref="SAR-2026-002", Requester=None)],
        [party_row()],
        others={layout.WITHHELD: [future, held]},
    )

    register = open_register(tmp_path / "registers" / "register.xlsx", TODAY)

    assert [str(problem) for problem in register.problems] == [
        "Requests, row 3, Requester: this is empty; type the full name of the person asking.",
        "Withheld, row 2, Opinion date: 1/12/2026 is in the future.",
    ]
