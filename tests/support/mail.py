"""Replies as a mail program saves them, dropped into the inbox of a setting whose letters went.

The dates are those of the ``letters_sent`` fixture (tests/conftest.py): its letters were
generated on Monday and sent on Tuesday; the replies came on Thursday and are filed on Monday.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from pipeline.config import Config

from support.files import DATA
from support.register import REF

MONDAY, TUESDAY = date(2026, 11, 2), date(2026, 11, 3)  # generated; signed and sent
FILING_DAY = date(2026, 11, 9)
REPLY_DATE = "Thu, 05 Nov 2026 12:00:00 +0000"  # 5 November in every time zone near the UK
TP1_STEM = f"{REF} TP1 reply 2026-11-05 - Smith & Sons Ltd"
# Bounces and automatic replies as servers send them, built by tools/build_test_mail.py; each
# names the letter it answers by this Message-ID.
KEPT_MAIL = DATA / "mail"
KEPT_LETTER_ID = "<letter-tp2@example.org>"
BOUNCES = (
    "exchange-online-undeliverable.eml",
    "gmail-delivery-status-failure.eml",
    "postfix-undelivered-mail.eml",
)


def kept_mail(name: str, letter_id: str = "") -> bytes:
    """Return a message kept in tests/data/mail/, answering ``letter_id`` when one is given."""
    data = (KEPT_MAIL / name).read_bytes()
    return data.replace(KEPT_LETTER_ID.encode(), letter_id.encode()) if letter_id else data


def reply_eml(
    subject: str,
    *,
    message_id: str = "<reply-1@example.org>",
    sender: str = "Joan Smith <joan@example.org>",
    in_reply_to: str = "",
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """Return a reply as a mail program saves it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "office@example.org"
    message["Subject"] = subject
    message["Date"] = REPLY_DATE
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Thank you for your letter. Please see attached.")
    for name, content in attachments:
        message.add_attachment(content, "application", "octet-stream", filename=name)
    return message.as_bytes(policy=policy.SMTP)


def drop(config: Config, name: str, data: bytes, age: int = 0) -> Path:
    """Do what the manager does: save a reply into the inbox."""
    path = config.paths.inbox / name
    path.write_bytes(data)
    os.utime(path, (1_800_000_000 + age, 1_800_000_000 + age))
    return path


def replies(config: Config) -> list[str]:
    """Return the names of the files in the request's replies/ folder."""
    folder = config.paths.working_folder / REF / "replies"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def inbox(config: Config, *under: str) -> list[str]:
    """Return the names of the files in the inbox, or in a folder ``under`` it."""
    folder = config.paths.inbox.joinpath(*under)
    return sorted(path.name for path in folder.iterdir() if path.is_file())


def send_drafts(outbox: Path, day: date) -> list[Path]:
    """Do what the manager does with the drafts in the outbox: send each from Outlook, then
    move them all into outbox/sent/ at once, on the afternoon of ``day``."""
    (outbox / "sent").mkdir(parents=True, exist_ok=True)
    moved = [draft.rename(outbox / "sent" / draft.name) for draft in sorted(outbox.glob("*.eml"))]
    afternoon = datetime.combine(day, time(15)).timestamp()
    for folder in (outbox, outbox / "sent"):
        os.utime(folder, (afternoon, afternoon))
    return moved


def parse(raw: bytes) -> EmailMessage:
    """Parse ``raw`` the way any mail program would."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def outbox_messages(config: Config) -> list[EmailMessage]:
    """Read back every email in the outbox, as any mail program would."""
    return [parse(path.read_bytes()) for path in sorted(config.paths.outbox.glob("*.eml"))]
