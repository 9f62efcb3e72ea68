"""Where a request stands: the status names the rule that moved its deadline (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from pipeline.config import Config, DeadlineRules
from pipeline.deadlines import Calendar
from pipeline.history import with_history
from pipeline.journal import SENT, Entry, Send
from pipeline.model import Request
from pipeline.progress import Progress, progress_of
from pipeline.register import layout
from pipeline.run import weekly_run

from support.documents import text_of
from support.mail import send_drafts
from support.register import cells, party_row, request_row

ENG = Calendar("ENG")
RULES = DeadlineRules()

REQUEST = Request(
    row=2, ref="SAR-2026-010", received=date(2026, 3, 4), requester="Jane Example",
    relationship="Mother", requester_email="jane@example.org", requester_address="",
    child="Sam Example", child_dob=None, request_letter="", clarification_asked=None,
    clarification_received=None, extended=False, extension_reason="", clean_copy_ready=None,
    meeting=None, closed=None, acknowledged=date(2026, 3, 4),
)  # fmt: skip


def where(request: Request, today: date) -> Progress:
    return progress_of(request, [], today, ENG, RULES)


def test_waiting_for_id_shows_no_deadline_and_says_when_it_was_asked() -> None:
    waiting = replace(REQUEST, id_requested=date(2026, 3, 4))
    found = where(waiting, date(2026, 3, 10))
    assert found.status == "Waiting for ID (asked 4/3/2026)"
    assert not found.shows_deadlines
    assert found.days_left is None
    assert not found.overdue and not found.at_risk
    assert not found.chase_id


def test_id_awaited_for_more_than_fourteen_days_is_to_be_chased() -> None:
    waiting = replace(REQUEST, id_requested=date(2026, 3, 4))
    assert not where(waiting, date(2026, 3, 18)).chase_id  # 14 days
    assert where(waiting, date(2026, 3, 19)).chase_id


def test_id_asked_days_after_the_request_is_flagged() -> None:
    assert not where(
        replace(REQUEST, id_requested=date(2026, 3, 7)), date(2026, 3, 9)
    ).id_asked_late
    late = where(replace(REQUEST, id_requested=date(2026, 3, 9)), date(2026, 3, 10))
    assert late.id_asked_late == 5


def test_status_names_the_restart_on_the_day_id_was_received() -> None:
    restarted = replace(REQUEST, id_requested=date(2026, 3, 4), id_received=date(2026, 3, 16))
    found = where(restarted, date(2026, 3, 17))
    assert found.deadlines.legal_deadline == date(2026, 4, 16)
    assert found.status.endswith("(month restarted on ID received 16/3/2026)")


def test_status_names_the_id_pause_when_it_gives_the_earlier_date() -> None:
    paused = replace(REQUEST, id_requested=date(2026, 3, 9), id_received=date(2026, 3, 13))
    found = where(paused, date(2026, 3, 16))
    assert found.deadlines.legal_deadline == date(2026, 4, 8)
    assert found.status.endswith("(paused 4 days for ID)")


def test_status_names_the_clarification_pause() -> None:
    clarified = replace(
        REQUEST,
        received=date(2026, 3, 5),
        clarification_asked=date(2026, 3, 9),
        clarification_received=date(2026, 3, 13),
    )
    found = where(clarified, date(2026, 3, 16))
    assert found.deadlines.legal_deadline == date(2026, 4, 9)
    assert found.status.endswith("(paused 4 days for clarification)")


def test_the_plain_month_adds_nothing_to_the_status() -> None:
    assert "(" not in where(REQUEST, date(2026, 3, 10)).status


EXTENDED = replace(REQUEST, received=date(2026, 3, 10), extended=True, extension_reason="Many")


def test_an_extension_without_its_notice_must_go_by_the_end_of_month_one() -> None:
    found = where(EXTENDED, date(2026, 3, 20))
    assert found.notice_must_go_by == date(2026, 4, 10)
    assert found.deadlines.legal_deadline == date(2026, 4, 10)
    assert not found.delay_letter


def test_an_extension_notice_emailed_on_the_last_day_extends() -> None:
    given = replace(EXTENDED, extension_sent=date(2026, 4, 10))
    found = where(given, date(2026, 4, 20))
    assert found.deadlines.legal_deadline == date(2026, 6, 10)
    assert found.notice_must_go_by is None
    assert not found.overdue
    assert found.status.endswith("(extended: notice given 10/4/2026)")


def test_an_extension_notice_a_day_late_extends_nothing_and_a_delay_letter_goes() -> None:
    late = replace(EXTENDED, extension_sent=date(2026, 4, 13))
    found = where(late, date(2026, 4, 14))
    assert found.deadlines.legal_deadline == date(2026, 4, 10)
    assert found.overdue
    assert found.delay_letter
    assert found.status.startswith("Overdue by")
    assert "no extension" in found.status


def test_the_journal_says_when_the_extension_notice_went_and_how() -> None:
    entry = Entry(
        "SAR-2026-010/extension", "SAR-2026-010", "", "extension", "Jane Example", "Post",
        "1 Example Road", "notice.docx", date(2026, 4, 7), 0,
    )  # fmt: skip
    send = Send(entry.letter_id, date(2026, 4, 8), "", SENT, date(2026, 4, 8), "notice.docx")
    [request], _ = with_history(
        [EXTENDED], [], {entry.letter_id: entry}, {entry.letter_id: send}, {}
    )
    assert (request.extension_sent, request.extension_posted) == (date(2026, 4, 8), True)
    # Posted Wed 8 Apr: given Fri 10 Apr, the last day of month one.
    assert where(request, date(2026, 4, 20)).deadlines.legal_deadline == date(2026, 6, 10)


def test_the_run_opens_the_to_do_list_with_the_extension_notice_deadline(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [
            request_row(
                Received=date(2026, 11, 10),
                Extended="Yes",
                **{"Extension reason": "Records in two rooms", "Acknowledged": date(2026, 11, 10)},
            ),
            request_row(
                Ref="SAR-2026-002",
                Received=date(2026, 11, 20),
                **{"ID requested": date(2026, 11, 20), "Acknowledged": date(2026, 11, 20)},
            ),
        ]
    )
    outcome = weekly_run(config, date(2026, 11, 25))
    body = outcome.text.split("\n\n", 2)[1]
    assert body.startswith("Extension notice must go by 10/12/2026: SAR-2026-001")
    rows = {row["Ref"]: row for row in cells(config.paths.register, layout.REQUESTS)}
    assert rows["SAR-2026-002"]["Status"] == "Waiting for ID (asked 20/11/2026)"
    assert rows["SAR-2026-002"]["Legal deadline"] is None
    assert rows["SAR-2026-002"]["Days left"] is None


def test_a_notice_not_sent_by_the_end_of_the_month_is_withdrawn_for_a_delay_letter(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [
            request_row(
                Received=date(2026, 10, 1),
                Extended="Yes",
                **{"Extension reason": "Records in two rooms", "Acknowledged": date(2026, 10, 1)},
            )
        ]
    )
    weekly_run(config, date(2026, 10, 20))
    folder = config.paths.working_folder / "SAR-2026-001"
    assert [path.name for path in (folder / "to-sign").iterdir()] == [
        "SAR-2026-001 extension notice - Aoife O'Brien.docx"
    ]
    outcome = weekly_run(config, date(2026, 11, 3))  # month one ended Sun 1 Nov
    assert [path.name for path in (folder / "to-sign").iterdir()] == [
        "SAR-2026-001 delay letter - Aoife O'Brien.docx"
    ]
    assert list((folder / "withdrawn").glob("*extension notice*.docx"))
    assert "Delay letters (1):" in outcome.text


def test_a_legal_deadline_passed_without_a_response_makes_a_delay_letter() -> None:
    # Received Wed 4 Mar 2026: the month ends Sat 4 Apr, moved past Easter to Tue 7 Apr.
    assert not where(REQUEST, date(2026, 4, 7)).delay_letter
    late = where(REQUEST, date(2026, 4, 8))
    assert late.overdue and late.delay_letter
    answered = replace(REQUEST, response_sent=date(2026, 4, 8))
    assert not where(answered, date(2026, 4, 9)).delay_letter
    waiting = replace(REQUEST, id_requested=date(2026, 3, 4))
    assert not where(waiting, date(2026, 5, 1)).delay_letter  # no deadline while ID is awaited


def test_a_delay_letter_after_a_kept_extension_gives_the_extended_date_and_claims_nothing(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [
            request_row(
                Received=date(2026, 7, 1),
                Extended="Yes",
                **{"Extension reason": "Records in two rooms", "Acknowledged": date(2026, 7, 1)},
            )
        ]
    )
    weekly_run(config, date(2026, 7, 6))
    folder = config.paths.working_folder / "SAR-2026-001"
    (notice,) = (folder / "to-sign").glob("*extension notice*")
    (folder / "signed" / notice.name).write_bytes(notice.read_bytes())
    weekly_run(config, date(2026, 7, 7))  # signed: written into the outbox
    send_drafts(config.paths.outbox, date(2026, 7, 7))
    weekly_run(config, date(2026, 7, 8))  # gone from the outbox on 7 Jul: the notice is given
    # Extended by two months from the end of month one (Sat 1 Aug): Thu 1 Oct. A week later
    # there is still no response.
    outcome = weekly_run(config, date(2026, 10, 8))
    (delay,) = (folder / "to-sign").glob("*delay letter*")
    body = text_of(delay)["body"]
    assert "we should have responded by 1 October 2026" in body
    assert "Records in two rooms" not in body and "has not been extended" not in body
    assert "SAR-2026-001 (Aoife O'Brien): the legal deadline, 01/10/2026, has passed." in (
        outcome.text
    )


def test_the_acknowledgement_while_id_is_awaited_gives_no_date_and_no_letter_goes_to_others(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(Received=date(2026, 11, 20), **{"ID requested": date(2026, 11, 20)})],
        [party_row()],
    )
    weekly_run(config, date(2026, 11, 23))
    folder = config.paths.working_folder / "SAR-2026-001" / "to-sign"
    [name] = [path.name for path in folder.iterdir()]  # no consent request yet
    text = text_of(folder / name)["body"]
    assert "on 20 November 2026 we asked you for proof of your identity" in text
    assert "Article 12A" in text
    assert "23 December" not in text and "by **" not in text
