"""Telling a person's reply from a bounce or an automatic one, on the shapes servers really send."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

import pytest

from pipeline.replies.automatic import AUTOMATIC, BOUNCE, REPLY, Report, nature, read_report

from support.mail import BOUNCES, KEPT_LETTER_ID, kept_mail, reply_eml

SUBJECT = "Request for consent to disclose information [SAR-2026-001/TP2]"


def nature_of(data: bytes) -> str:
    """Say what a saved message is, from its headers as a back-end lists them."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    headers = [(name, str(value)) for name, value in message.raw_items()]
    subject = " ".join(str(message.get("Subject", "")).split())
    return nature(headers, parseaddr(str(message.get("From", "")))[1], subject)


@pytest.mark.hostile_reply
@pytest.mark.parametrize("name", BOUNCES)
def test_a_non_delivery_report_from_exchange_gmail_or_postfix_is_a_bounce(name: str) -> None:
    assert nature_of(kept_mail(name)) == BOUNCE


@pytest.mark.hostile_reply
@pytest.mark.parametrize(
    "name", ["outlook-automatic-reply.eml", "vacation-responder.eml"], ids=["outlook", "vacation"]
)
def test_an_out_of_office_or_vacation_reply_is_automatic(name: str) -> None:
    assert nature_of(kept_mail(name)) == AUTOMATIC


def test_a_persons_reply_is_a_reply() -> None:
    assert nature_of(reply_eml(f"RE: {SUBJECT}")) == REPLY
    assert nature([], "", "") == REPLY  # a scan


@pytest.mark.parametrize(
    ("headers", "sender", "subject", "expected"),
    [
        ([("Auto-Submitted", "no")], "kiran@example.org", "Re: consent", REPLY),
        ([("Auto-Submitted", "auto-generated")], "kiran@example.org", "Re: consent", AUTOMATIC),
        ([("Auto-Submitted", "Auto-Replied; owner-email=x")], "k@example.org", "Hi", AUTOMATIC),
        # A ticketing system's reply asks for no auto-replies: it is not one itself.
        ([("X-Auto-Response-Suppress", "DR, OOF, AutoReply")], "k@example.org", "Re: x", REPLY),
        (
            [("X-Auto-Response-Suppress", "All"), ("X-MS-Exchange-Inbox-Rules-Loop", "k@x.org")],
            "kiran@example.org",
            "Re: consent",
            AUTOMATIC,
        ),
        ([("Precedence", "bulk")], "news@example.org", "News", AUTOMATIC),
        ([("Precedence", "junk")], "kiran@example.org", "Re: consent", AUTOMATIC),
        ([("Precedence", "list")], "kiran@example.org", "Re: consent", REPLY),
        ([], "kiran@example.org", "Automatic reply: consent", AUTOMATIC),
        ([], "kiran@example.org", "Out of Office: consent", AUTOMATIC),
        ([], "kiran@example.org", "Re: Out of office arrangements", REPLY),
        ([], "MAILER-DAEMON@mail.example.org", "anything", BOUNCE),
        ([], "postmaster@example.org", "Delivery report", BOUNCE),
        ([], "office@example.org", "Undeliverable: consent [SAR-2026-001/TP2]", BOUNCE),
        ([], "office@example.org", "Mail delivery failed: returning message to sender", BOUNCE),
        ([], "kiran@example.org", "Re: Undeliverable: consent", REPLY),
        ([("X-Failed-Recipients", "k@example.org")], "mail@example.org", "Oops", BOUNCE),
        (
            [("Content-Type", 'multipart/report; report-type="disposition-notification"')],
            "kiran@example.org",
            "Read: consent",
            AUTOMATIC,
        ),
    ],
)
def test_nature_reads_the_headers_that_mark_automatic_mail(
    headers: list[tuple[str, str]], sender: str, subject: str, expected: str
) -> None:
    assert nature(headers, sender, subject) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "exchange-online-undeliverable.eml",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        ),
        (
            "gmail-delivery-status-failure.eml",
            "550 5.1.1 <kiran@example.org>: Recipient address rejected: User unknown",
        ),
        (
            "postfix-undelivered-mail.eml",
            "550 5.1.1 <kiran@example.org>: Recipient address rejected: User unknown in virtual "
            "mailbox table",
        ),
    ],
)
def test_read_report_finds_the_failed_address_why_and_the_letter_returned(
    name: str, reason: str
) -> None:
    # Exchange and Postfix return the whole letter (message/rfc822), Gmail its headers only.
    assert read_report(kept_mail(name, "<consent@example.org>")) == Report(
        failed=True,
        recipients=("kiran@example.org",),
        reason=reason,
        original_ids=("<consent@example.org>",),
        original_subject=SUBJECT,
    )


def test_a_delay_notice_is_not_a_failure() -> None:
    report = read_report(kept_mail("gmail-delivery-status-delay.eml"))
    assert (report.failed, report.recipients, report.original_ids) == (
        False,
        (),
        (KEPT_LETTER_ID,),
    )


def test_a_bounce_with_no_machine_readable_report_is_a_failure_naming_what_it_can() -> None:
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@mail.example.org"
    message["Subject"] = "Mail delivery failed: returning message to sender"
    message["X-Failed-Recipients"] = "kiran@example.org"
    message.set_content("A message that you sent could not be delivered.")
    assert read_report(message.as_bytes()) == Report(True, ("kiran@example.org",), "", (), "")
    assert read_report(None) == Report(True, (), "", (), "")
