"""The mail back-end interface: what the run needs from any way of sending and receiving."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from pipeline.errors import LettersError

if TYPE_CHECKING:
    from pipeline.config import Config


@dataclass(frozen=True)
class Outgoing:
    """One signed letter to send by email."""

    message_id: str  # "<…@…>" proposed by the run; a back-end may assign its own in prepare()
    sender: str  # the setting's address
    sender_name: str  # the setting's name
    to: str
    to_name: str
    subject: str  # carries the reference, e.g. "… [SAR-2026-001/TP2]"
    text: str  # the short covering note, plain text
    html: str  # the same note as HTML
    attachment: Path  # the signed letter, as PDF or .docx
    attachment_name: str  # the name the recipient sees


@dataclass(frozen=True)
class Reply:
    """A message or scan waiting in the inbox, as the back-end lists it."""

    key: str  # stable across runs: the Message-ID, or "scan:<sha256>" for a scanned reply
    source: str  # where it is, for a person: the inbox file name, or the mailbox and subject
    subject: str  # "" for a scan
    sender: str  # the From address, "" for a scan
    received: date | None  # the message's Date, None when unknown (a scan)
    file_name: str  # the inbox file name; a scan's name carries the reference ("" in a mailbox)
    message_id: str  # "" for a scan
    answers: tuple[str, ...]  # Message-IDs it answers: In-Reply-To, then References


@dataclass(frozen=True)
class ReplyContent:
    """What is kept of a reply: the whole message, its text and its attachments."""

    message: bytes | None  # the whole message as an RFC 5322 .eml; None for a scan
    original: tuple[str, bytes] | None  # the file as received when it is not an .eml (.msg, scan)
    text: str  # the plain-text body ("" for a scan)
    attachments: tuple[tuple[str, bytes], ...]  # (name as the sender gave it, content): untrusted


class MailBackend(Protocol):
    """Send letters and collect replies; knows nothing of the register."""

    name: str
    problems: list[str]  # inbox items it could not read, each said for a person

    def prepare(self, mail: Outgoing) -> str:
        """Make ``mail`` ready to go (a draft) and return its Message-ID; send nothing.

        The run journals the Message-ID before calling ``send``, so that after a crash it can
        ask ``was_sent``. A back-end may use ``mail.message_id`` or assign its own.
        """

    def send(self, mail: Outgoing, message_id: str) -> None:
        """Send the message prepared as ``message_id`` (or leave it ready to send), whole."""

    def was_sent(self, message_id: str) -> bool:
        """Say whether a message with this Message-ID has already gone (after a crash)."""

    def replies(self, since: date | None = None) -> list[Reply]:
        """List the replies waiting to be filed, oldest first.

        A mailbox lists only what arrived on or after ``since`` (it holds much else besides);
        a folder the manager drops replies into lists everything in it.
        """

    def fetch(self, reply: Reply) -> ReplyContent:
        """Return everything of ``reply`` that is to be kept."""

    def mark_filed(self, reply: Reply) -> None:
        """Move ``reply`` out of the way so it is not listed again."""

    def filed_where(self, reply: Reply) -> str:
        """Say where ``mark_filed`` is to move ``reply``, for a person (asked just before)."""


def attachment_bytes(mail: Outgoing) -> bytes:
    """Read the signed letter to attach, or say why it cannot be read."""
    try:
        return mail.attachment.read_bytes()
    except OSError as error:
        raise LettersError(
            f"{mail.attachment}: cannot read the signed letter to attach ({error.strerror}); "
            "check it is still there and not open in another program, then run again."
        ) from error


def backend_module(config: Config) -> ModuleType:
    """Return the module of the configured back-end: ``pipeline.mail.<backend>``."""
    try:
        return importlib.import_module(f"pipeline.mail.{config.backend}")
    except ModuleNotFoundError as error:
        if error.name != f"pipeline.mail.{config.backend}":
            raise  # a library the back-end needs is missing: a bug in the install, not the config
        raise LettersError(
            f"{config.source}: this version has no {config.backend!r} mail back-end; "
            'set mail.backend = "folder".'
        ) from None
