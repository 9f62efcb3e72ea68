"""Letters not yet gone that must not go are withdrawn: no longer needed, or to an old address.

A withdrawn letter moves out of to-sign/ or signed/ into withdrawn/ with a note, is listed once,
and is never sent nor made again; one whose recipient's address was corrected since it was made
is made again, to the address the register holds now, for the owner to sign.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.journal import Journal, journal_path
from pipeline.register import layout
from pipeline.run import weekly_run

from support.documents import text_of
from support.mail import drop, reply_eml
from support.register import REF, cells, party_row, request_row, set_cells, write_register

REMINDERS_DUE = date(2026, 11, 10)  # a week after the consent letters went, on Tuesday
REMINDER_TP1 = f"{REF} reminder 1 TP1 - Smith & Sons Ltd.docx"
REMINDER_TP2 = f"{REF} reminder 1 TP2 - Kiran Shah.docx"


@pytest.fixture
def reminders(sent: Config) -> Config:
    """Tuesday's letters went; a week later, a reminder to each third party waits to sign."""
    outcome = weekly_run(sent, REMINDERS_DUE, office=None)
    assert sorted(path.name for path in outcome.letters.to_sign) == [REMINDER_TP1, REMINDER_TP2]
    return sent


def place(config: Config, name: str) -> list[str]:
    folder = config.paths.working_folder / REF / name
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def letters_sheet(config: Config) -> dict[str, object]:
    return {row["Letter"]: row["Sent"] for row in cells(config.paths.register, layout.LETTERS)}


def test_a_reminder_waiting_to_be_signed_is_withdrawn_when_the_reply_is_filed(
    reminders: Config,
) -> None:
    drop(reminders, "reply.eml", reply_eml(f"Re: consent [{REF}/TP1]"))

    outcome = weekly_run(reminders, date(2026, 11, 11), office=None)

    assert [(item.entry.letter_id, item.reason) for item in outcome.withdrawing.withdrawn] == [
        (f"{REF}/TP1/reminder-1", "TP1 has replied")
    ]
    assert place(reminders, "to-sign") == [REMINDER_TP2]
    note_name = REMINDER_TP1.replace(".docx", " - withdrawn.txt")
    assert place(reminders, "withdrawn") == [note_name, REMINDER_TP1]
    note = reminders.paths.working_folder / REF / "withdrawn" / note_name
    assert note.read_text(encoding="utf-8") == (
        f"{REMINDER_TP1}\n\nWithdrawn on 11 November 2026, before it was sent, because TP1 has "
        "replied.\n\nIt is kept here for the record; it will not be sent, nor made again.\n"
    )
    assert "Withdrawn letters (1):" in outcome.text
    assert f"  {REF}/{REMINDER_TP1}: TP1 has replied\n" in outcome.text
    assert letters_sheet(reminders)[f"{REF}/TP1/reminder-1"] == "Withdrawn"

    again = weekly_run(reminders, date(2026, 11, 12), office=None)
    assert "Withdrawn letters" not in again.text  # listed once


def test_a_withdrawn_letter_deleted_from_withdrawn_does_not_come_back(reminders: Config) -> None:
    set_cells(reminders, layout.THIRD_PARTIES, {"Party": "TP1"}, {"Decision": "Consents"})
    weekly_run(reminders, date(2026, 11, 11), office=None)
    shutil.rmtree(reminders.paths.working_folder / REF / "withdrawn")  # tidied away

    outcome = weekly_run(reminders, date(2026, 11, 12), office=None)

    assert (outcome.letters.generated, outcome.letters.regenerated) == ((), ())
    assert place(reminders, "to-sign") == [REMINDER_TP2]


@pytest.fixture
def signed_reminder(reminders: Config) -> Config:
    """TP1's reminder signed, then a Decision typed before the next run."""
    folder = reminders.paths.working_folder / REF
    shutil.copyfile(folder / "to-sign" / REMINDER_TP1, folder / "signed" / REMINDER_TP1)
    set_cells(reminders, layout.THIRD_PARTIES, {"Party": "TP1"}, {"Decision": "Consents"})
    return reminders


def test_a_signed_letter_no_longer_needed_is_never_sent(signed_reminder: Config) -> None:
    outcome = weekly_run(signed_reminder, date(2026, 11, 11), office=None)

    assert [item.reason for item in outcome.withdrawing.withdrawn] == [
        "a Decision (Consents) is recorded for TP1"
    ]
    assert place(signed_reminder, "signed") == []
    assert outcome.sending.ready == () and outcome.sending.unmatched == ()
    assert not list(signed_reminder.paths.outbox.glob("*reminder*"))


def test_a_copy_of_a_withdrawn_letter_saved_into_signed_again_is_withdrawn_again(
    signed_reminder: Config,
) -> None:
    weekly_run(signed_reminder, date(2026, 11, 11), office=None)
    folder = signed_reminder.paths.working_folder / REF
    shutil.copyfile(folder / "withdrawn" / REMINDER_TP1, folder / "signed" / REMINDER_TP1)

    outcome = weekly_run(signed_reminder, date(2026, 11, 12), office=None)

    assert [item.reason for item in outcome.withdrawing.withdrawn] == [
        "it was withdrawn on 11 November 2026: a Decision (Consents) is recorded for TP1"
    ]
    assert place(signed_reminder, "signed") == []
    assert REMINDER_TP1.replace(".docx", " (2).docx") in place(signed_reminder, "withdrawn")
    assert not list(signed_reminder.paths.outbox.glob("*reminder*"))


def test_a_letter_withdrawn_and_needed_again_is_made_again(signed_reminder: Config) -> None:
    weekly_run(signed_reminder, date(2026, 11, 11), office=None)
    set_cells(signed_reminder, layout.THIRD_PARTIES, {"Party": "TP1"}, {"Decision": None})

    outcome = weekly_run(signed_reminder, date(2026, 11, 12), office=None)

    assert [letter.letter_id for letter, _ in outcome.letters.generated] == [
        f"{REF}/TP1/reminder-1"
    ]
    with Journal(journal_path(signed_reminder.paths.register), read_only=True) as journal:
        assert journal.withdrawals() == {}


def test_the_letters_of_a_request_closed_before_they_went_are_withdrawn(
    reminders: Config,
) -> None:
    set_cells(reminders, layout.REQUESTS, {"Ref": REF}, {"Closed": date(2026, 11, 11)})

    outcome = weekly_run(reminders, date(2026, 11, 11), office=None)

    assert (
        sorted(item.reason for item in outcome.withdrawing.withdrawn)
        == [f"the request {REF} is closed"] * 2
    )
    assert place(reminders, "to-sign") == []


@pytest.fixture
def generated(setting: Callable[..., Config]) -> Config:
    """Monday: the request and one consent letter to Joan Smith by email, to sign."""
    config = setting(
        [request_row(Ref=REF)],
        [party_row(Ref=REF, Address=None, Email="joan@old.example.org")],
    )
    weekly_run(config, date(2026, 11, 2), office=None)
    return config


CONSENT = f"{REF} consent request TP1 - Smith & Sons Ltd.docx"


@pytest.mark.parametrize("where", ["to-sign", "signed"])
def test_a_letter_whose_address_was_corrected_before_it_went_is_made_again_to_sign(
    generated: Config, where: str
) -> None:
    folder = generated.paths.working_folder / REF
    if where == "signed":
        shutil.copyfile(folder / "to-sign" / CONSENT, folder / "signed" / CONSENT)
    new = "joan@new.example.org"
    set_cells(generated, layout.THIRD_PARTIES, {"Party": "TP1"}, {"Email": new})

    outcome = weekly_run(generated, date(2026, 11, 3), office=None)

    [item] = outcome.withdrawing.withdrawn
    assert item.again and item.reason == (
        "the address for Smith & Sons <Ltd> changed after it was written: it would have gone to "
        f"joan@old.example.org (email); the register now says {new} (email)"
    )
    assert not list(generated.paths.outbox.glob("*TP1*"))  # nothing to the old address
    assert [letter.letter_id for letter, _ in outcome.letters.generated] == [f"{REF}/TP1/consent"]
    assert outcome.letters.regenerated == ()
    assert text_of(folder / "to-sign" / CONSENT)["footer"].startswith(f"Sent by email to {new}\t")
    assert CONSENT.replace(".docx", " - withdrawn.txt") in place(generated, "withdrawn")
    assert text_of(folder / "withdrawn" / CONSENT)["footer"].startswith(
        "Sent by email to joan@old.example.org\t"
    )
    assert place(generated, "signed") == []
    [row] = [r for r in cells(generated.paths.register, layout.LETTERS) if r["Party"] == "TP1"]
    assert (row["To"], row["Signed"]) == (new, None)

    shutil.copyfile(folder / "to-sign" / CONSENT, folder / "signed" / CONSENT)
    signed = weekly_run(generated, date(2026, 11, 4), office=None)
    [(entry, draft)] = [(e, d) for e, d in signed.sending.ready if e.party == "TP1"]
    assert entry.destination == new and Path(draft).read_bytes().count(new.encode()) >= 1


def test_a_letter_whose_email_was_removed_goes_by_post_instead(generated: Config) -> None:
    set_cells(
        generated,
        layout.THIRD_PARTIES,
        {"Party": "TP1"},
        {"Email": None, "Address": "The Old Forge\nHighfield\nEX9 3AA"},
    )

    outcome = weekly_run(generated, date(2026, 11, 3), office=None)

    [item] = outcome.withdrawing.withdrawn
    assert item.reason.endswith("the register now says The Old Forge, Highfield, EX9 3AA (post)")
    folder = generated.paths.working_folder / REF
    assert text_of(folder / "to-sign" / CONSENT)["footer"].startswith("By post\t")


def test_the_letters_of_a_request_whose_row_was_deleted_are_withdrawn_unless_a_row_is_wrong(
    generated: Config,
) -> None:
    other = request_row(Ref="SAR-2026-002", Requester="Mary Jones")
    wrong = request_row(Ref=None, Received=None)  # maybe the deleted one, its Ref cleared
    write_register(generated.paths.register, [other, wrong])

    waiting = weekly_run(generated, date(2026, 11, 3), office=None)
    assert waiting.withdrawing.withdrawn == ()

    write_register(generated.paths.register, [other])
    outcome = weekly_run(generated, date(2026, 11, 3), office=None)
    assert (
        sorted(item.reason for item in outcome.withdrawing.withdrawn)
        == [f"the request {REF} is no longer on the Requests sheet"] * 2
    )
    assert place(generated, "to-sign") == []


@pytest.mark.parametrize(
    ("request_cells", "party_cells", "changed", "reason"),
    [
        ({}, {}, {"Acknowledged": date(2026, 11, 2)},
         "the request's Acknowledged date is filled in on the register"),
        ({"Extended": "Yes", "Extension reason": "Many records"}, {}, {"Extended": None},
         "the request's Extended is no longer Yes"),
        ({}, {"Organisation": None}, {"Kind": "Family member"},
         "TP1's Kind changed after it was written"),
        ({}, {}, {"Organisation": "Smith & Daughters"},
         "the name changed after it was written, from Smith & Sons <Ltd> to Smith & Daughters"),
    ],
)  # fmt: skip
def test_a_letter_is_withdrawn_for_each_change_that_makes_it_wrong(
    setting: Callable[..., Config],
    request_cells: dict[str, object],
    party_cells: dict[str, object],
    changed: dict[str, object],
    reason: str,
) -> None:
    config = setting(
        [request_row(Ref=REF, **request_cells)],
        [party_row(Ref=REF, Address=None, Email="joan@example.org", **party_cells)],
    )
    weekly_run(config, date(2026, 11, 2), office=None)
    sheet = layout.REQUESTS if "Organisation" not in changed and "Kind" not in changed else None
    set_cells(config, sheet or layout.THIRD_PARTIES, {"Ref": REF}, changed)

    outcome = weekly_run(config, date(2026, 11, 3), office=None)

    assert [item.reason for item in outcome.withdrawing.withdrawn] == [reason]
