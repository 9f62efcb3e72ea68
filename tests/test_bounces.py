"""Bounces and automatic replies are not replies: no Reply received, no end to reminders.

A bounce is filed in the request's replies/ as one and listed under *Letters that did not
arrive* until the address is corrected; an automatic reply is moved to inbox/filed/ and said
once. The messages are those servers send (tests/data/mail/, built by tools/build_test_mail.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.config import Config
from pipeline.journal import Journal, journal_path
from pipeline.register import layout
from pipeline.replies.undelivered import Undelivered
from pipeline.run import weekly_run

from support.guard import checked_run
from support.mail import BOUNCES, FILING_DAY, TUESDAY, drop, inbox, kept_mail, replies
from support.register import REF, party, set_cells

TP2_CONSENT = f"{REF}/TP2/consent"
BOUNCE_STEM = f"{REF} TP2 bounce 2026-11-05 - Kiran Shah"
REASONS = {
    "exchange-online-undeliverable.eml": "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
    "not found by SMTP address lookup",
    "gmail-delivery-status-failure.eml": "550 5.1.1 <kiran@example.org>: Recipient address "
    "rejected: User unknown",
    "postfix-undelivered-mail.eml": "550 5.1.1 <kiran@example.org>: Recipient address rejected: "
    "User unknown in virtual mailbox table",
}


def sent_letter(config: Config, letter_id: str) -> tuple[str, str]:
    """Return the Message-ID a letter went with and its file name, as the journal has them."""
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return journal.sends()[letter_id].message_id, journal.letters()[letter_id].file_name


def journaled(config: Config) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the keys of the filed replies, and the nature and key of what was set aside."""
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        handled = [(item.nature, item.key) for item in journal.set_aside().values()]
        return list(journal.filings()), handled


@pytest.mark.hostile_reply
@pytest.mark.parametrize("by", ["message id", "reference"])
@pytest.mark.parametrize("name", BOUNCES)
def test_a_bounce_is_filed_as_one_and_listed_as_a_letter_that_did_not_arrive(
    sent: Config, uk_clock: None, name: str, by: str
) -> None:
    message_id, letter = sent_letter(sent, TP2_CONSENT)
    # Matched by the Message-ID of the letter it returns, or else by the reference in its
    # subject or in the returned letter's (Outlook gives a draft sent from it a new one).
    data = kept_mail(name, message_id if by == "message id" else "")
    drop(sent, name, data)

    outcome = checked_run(sent)

    assert list(outcome.replies.filed) == []
    assert replies(sent) == [f"{BOUNCE_STEM}.eml"]
    assert (sent.paths.working_folder / REF / "replies" / f"{BOUNCE_STEM}.eml").read_bytes() == data
    assert (inbox(sent), inbox(sent, "filed")) == ([], [name])
    tp2 = party(sent, "TP2")
    assert (tp2["Reply received"], tp2["Reply"]) == (None, None)
    assert outcome.undelivered == (
        Undelivered(
            ref=REF,
            party="TP2",
            who="Kiran Shah",
            letter=letter,
            sent=TUESDAY,
            address="kiran@example.org",
            reason=REASONS[name],
            returned=date(2026, 11, 5),
            filed_as=f"{BOUNCE_STEM}.eml",
        ),
    )
    assert "\nLetters that did not arrive (1):\n" in outcome.text
    assert (
        f"\n  {REF}/TP2 Kiran Shah: {letter}, sent 03/11/2026 to kiran@example.org, came back on "
        f"05/11/2026: {REASONS[name]} (the bounce is {REF}/replies/{BOUNCE_STEM}.eml)\n"
    ) in outcome.text
    assert journaled(sent) == ([], [("bounce", outcome.replies.bounces[0].key)])
    assert "Replies to read and decide (0):" in outcome.text


def test_a_bounce_stops_no_reminder_and_is_listed_until_the_address_is_corrected(
    sent: Config, uk_clock: None
) -> None:
    message_id, _letter = sent_letter(sent, TP2_CONSENT)
    drop(sent, "bounce.eml", kept_mail("exchange-online-undeliverable.eml", message_id))
    weekly_run(sent, FILING_DAY, office=None)
    drop(sent, "again.eml", kept_mail("exchange-online-undeliverable.eml", message_id))

    week_after = weekly_run(sent, date(2026, 11, 10), office=None)  # 7 days after it went

    assert [(letter.kind, letter.party) for letter, _ in week_after.letters.generated] == [
        ("reminder", "TP1"),
        ("reminder", "TP2"),
    ]
    assert replies(sent) == [f"{BOUNCE_STEM}.eml"]  # the same bounce again: not filed twice
    assert inbox(sent, "filed") == ["again.eml", "bounce.eml"]
    assert len(week_after.undelivered) == 1
    set_cells(sent, layout.THIRD_PARTIES, {"Party": "TP2"}, {"Email": "kiran.shah@example.org"})

    corrected = weekly_run(sent, date(2026, 11, 11), office=None)

    assert corrected.undelivered == ()
    assert "Letters that did not arrive" not in corrected.text


@pytest.mark.hostile_reply
def test_a_bounce_of_the_acknowledgement_names_the_requester(sent: Config, uk_clock: None) -> None:
    message_id, letter = sent_letter(sent, f"{REF}/acknowledgement")
    data = (
        kept_mail("exchange-online-undeliverable.eml", message_id)
        .replace(b"[SAR-2026-001/TP2]", b"[SAR-2026-001]")
        .replace(b"kiran@example.org", b"aoife.obrien@example.org")
    )
    drop(sent, "bounce.eml", data)

    [gone] = checked_run(sent).undelivered

    assert (gone.party, gone.who, gone.letter, gone.address) == (
        "",
        "Aoife O'Brien",
        letter,
        "aoife.obrien@example.org",
    )
    assert gone.filed_as == f"{REF} bounce 2026-11-05 - Aoife O'Brien.eml"


@pytest.mark.hostile_reply
def test_a_bounce_of_a_message_that_is_none_of_ours_stays_in_the_inbox(sent: Config) -> None:
    data = kept_mail("postfix-undelivered-mail.eml").replace(b" [SAR-2026-001/TP2]", b"")
    drop(sent, "bounce.eml", data)

    outcome = checked_run(sent)

    assert (outcome.undelivered, replies(sent), inbox(sent)) == ((), [], ["bounce.eml"])
    assert (
        "  bounce.eml: a bounce (a letter that did not arrive), but no reference in its subject "
        "or file name, and it answers no letter that was sent; it stays in the inbox\n"
    ) in outcome.text


@pytest.mark.hostile_reply
def test_a_delay_notice_is_set_aside_and_the_letter_is_not_said_to_be_lost(sent: Config) -> None:
    message_id, _letter = sent_letter(sent, TP2_CONSENT)
    drop(sent, "delay.eml", kept_mail("gmail-delivery-status-delay.eml", message_id))

    outcome = checked_run(sent)

    assert (outcome.undelivered, replies(sent), inbox(sent, "filed")) == ((), [], ["delay.eml"])
    filed = sent.paths.inbox / "filed" / "delay.eml"
    assert list(outcome.replies.automatic) == [
        "delay.eml: a delivery notice that is not a failure from mailer-daemon@googlemail.com "
        f"about {REF}/TP2; moved to {filed}"
    ]


@pytest.mark.hostile_reply
@pytest.mark.parametrize(
    ("name", "code", "sender"),
    [
        ("outlook-automatic-reply.eml", "TP2", "kiran@example.org"),
        ("vacation-responder.eml", "TP1", "joan@example.org"),  # "Re:" and the reference
    ],
)
def test_an_automatic_reply_is_moved_aside_and_said_once(
    sent: Config, name: str, code: str, sender: str
) -> None:
    message_id, _letter = sent_letter(sent, TP2_CONSENT)
    drop(sent, name, kept_mail(name, message_id))

    first = checked_run(sent)

    assert (list(first.replies.filed), replies(sent), inbox(sent, "filed")) == ([], [], [name])
    assert (party(sent, code)["Reply received"], party(sent, code)["Reply"]) == (None, None)
    filed = sent.paths.inbox / "filed" / name
    assert (
        "\nAutomatic replies set aside (1):\n"
        "  Out-of-office and other automatic replies are not replies: nothing was recorded, and "
        "reminders go on. If one is in fact a reply, record it by hand under Reply received.\n"
        f"  {name}: an automatic reply from {sender} about {REF}/{code}; moved to {filed}\n"
    ) in first.text
    assert journaled(sent)[0] == []
    drop(sent, name, kept_mail(name, message_id))  # saved into the inbox a second time

    week_after = weekly_run(sent, date(2026, 11, 10), office=None)

    assert "Automatic replies" not in week_after.text
    assert inbox(sent, "filed") == [f"{name.removesuffix('.eml')} (2).eml", name]
    assert ("reminder", code) in [
        (item.kind, item.party) for item, _ in week_after.letters.generated
    ]


def test_a_dry_run_lists_a_bounce_and_moves_nothing(sent: Config, uk_clock: None) -> None:
    message_id, _letter = sent_letter(sent, TP2_CONSENT)
    drop(sent, "bounce.eml", kept_mail("postfix-undelivered-mail.eml", message_id))

    outcome = weekly_run(sent, FILING_DAY, dry_run=True, office=None)

    [gone] = outcome.undelivered
    assert (gone.party, gone.filed_as) == ("TP2", "")
    assert (inbox(sent), replies(sent), journaled(sent)) == (["bounce.eml"], [], ([], []))
