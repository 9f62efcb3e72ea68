"""The outbox rule: an email written into the outbox is ready to send, and sent once it has left.

The folder back-end cannot see Outlook send anything; it sees a draft leave the outbox (moved
into outbox/sent/, or deleted). The register counts the letter as sent from the latest day it
can have left, as the folders tell it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.journal import Journal, Send, journal_path
from pipeline.register import layout
from pipeline.run import weekly_run
from pipeline.sending.outbox import left_on

from support.mail import send_drafts
from support.register import REF, as_date, cells, party, party_row, request_row

MONDAY, TUESDAY, THURSDAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5)
TP1 = f"{REF} consent request TP1 - Joan Smith.docx"
EML = TP1.replace(".docx", ".eml")


@pytest.fixture
def written(setting: Callable[..., Config]) -> Config:
    """A consent letter to Joan Smith signed, and its email written into the outbox, Tuesday."""
    config = setting(
        [request_row(Ref=REF)],
        [party_row(Ref=REF, Name="Joan Smith", Organisation=None, Kind="Family member",
                   Address=None, Email="joan@example.org")],
    )  # fmt: skip
    weekly_run(config, MONDAY, office=None)
    folder = config.paths.working_folder / REF
    shutil.copyfile(folder / "to-sign" / TP1, folder / "signed" / TP1)
    weekly_run(config, TUESDAY, office=None)
    assert (config.paths.outbox / EML).is_file()
    return config


def at(day: date, *folders: Path) -> None:
    """Set the folders' last change to the afternoon of ``day``, as if changed then."""
    moment = datetime.combine(day, time(15)).timestamp()
    for folder in folders:
        os.utime(folder, (moment, moment))


def consent(config: Config) -> Send:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return journal.sends()[f"{REF}/TP1/consent"]


def test_until_the_draft_leaves_the_register_says_ready_to_send_and_no_reminder_starts(
    written: Config,
) -> None:
    late = weekly_run(written, date(2026, 11, 20), office=None)  # over two weeks on

    assert party(written, "TP1")["Letter sent"] is None
    [letter] = [row for row in cells(written.paths.register, layout.LETTERS) if row["Party"]]
    assert letter["Sent"] == "Ready to send"
    assert cells(written.paths.register, layout.REQUESTS)[0]["Status"].endswith(
        "Ready to send: 1 email in the outbox"
    )
    assert late.letters.generated == ()  # no reminder: the letter has not gone
    assert "Emails to send now (1):" in late.text
    assert consent(written).state == "ready"


def test_a_draft_moved_into_sent_counts_as_sent_on_the_day_it_was_moved(written: Config) -> None:
    send_drafts(written.paths.outbox, THURSDAY)

    outcome = weekly_run(written, date(2026, 11, 9), office=None)

    assert [(entry.letter_id, how) for entry, how in outcome.sending.sent] == [
        (f"{REF}/TP1/consent", "left the outbox by 05/11/2026 (moved into outbox/sent/)")
    ]
    send = consent(written)
    assert (send.state, send.handed, send.sent, send.how) == (
        "sent",
        TUESDAY,
        THURSDAY,
        "moved into outbox/sent/",
    )
    assert as_date(party(written, "TP1")["Letter sent"]) == THURSDAY
    [letter] = [row for row in cells(written.paths.register, layout.LETTERS) if row["Party"]]
    assert as_date(letter["Sent"]) == THURSDAY
    assert "Emails to send now" not in outcome.text
    assert "Letters sent (1):" in outcome.text


def test_reminders_are_counted_from_the_day_the_letter_left_the_outbox(written: Config) -> None:
    send_drafts(written.paths.outbox, THURSDAY)
    weekly_run(written, date(2026, 11, 9), office=None)

    # Seven days after it was written, but not after it went: no reminder yet.
    assert weekly_run(written, date(2026, 11, 11), office=None).letters.generated == ()
    reminded = weekly_run(written, date(2026, 11, 12), office=None)
    assert [letter.letter_id for letter, _ in reminded.letters.generated] == [
        f"{REF}/TP1/reminder-1"
    ]


def test_a_deleted_draft_counts_as_sent_by_the_last_change_of_the_outbox(written: Config) -> None:
    (written.paths.outbox / EML).unlink()  # sent from Outlook, then deleted
    at(THURSDAY, written.paths.outbox)

    outcome = weekly_run(written, date(2026, 11, 9), office=None)

    [(_, how)] = outcome.sending.sent
    assert how == "left the outbox by 05/11/2026 (gone from the outbox)"
    assert consent(written).sent == THURSDAY


def test_a_folder_time_that_cannot_be_right_gives_the_day_of_the_run_that_found_it_gone(
    written: Config,
) -> None:
    (written.paths.outbox / EML).unlink()
    at(date(2026, 11, 1), written.paths.outbox)  # before the draft was written: not kept

    weekly_run(written, date(2026, 11, 9), office=None)

    assert consent(written).sent == date(2026, 11, 9)


def test_a_dry_run_says_what_left_and_records_nothing(written: Config) -> None:
    send_drafts(written.paths.outbox, THURSDAY)

    outcome = weekly_run(written, date(2026, 11, 9), dry_run=True, office=None)

    assert [how for _, how in outcome.sending.sent] == [
        "left the outbox by 05/11/2026 (moved into outbox/sent/)"
    ]
    assert consent(written).state == "ready"


@pytest.mark.parametrize(
    ("latest", "handed", "today", "recorded"),
    [
        (THURSDAY, TUESDAY, date(2026, 11, 9), THURSDAY),  # the folder's day
        (None, TUESDAY, date(2026, 11, 9), date(2026, 11, 9)),  # no clue: the run's day
        (date(2026, 11, 12), TUESDAY, date(2026, 11, 9), date(2026, 11, 9)),  # never after today
        (MONDAY, TUESDAY, date(2026, 11, 9), date(2026, 11, 9)),  # before it was written
        (TUESDAY, TUESDAY, TUESDAY, TUESDAY),
    ],
)
def test_the_day_recorded_is_the_latest_it_can_have_left(
    latest: date | None, handed: date, today: date, recorded: date
) -> None:
    assert left_on(latest, handed, today) == recorded
