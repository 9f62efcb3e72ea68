"""The mail back-end interface, and the loader: how the rest reaches any back-end.

A back-end is one module ``pipeline.mail.<name>`` (a name without ``_``; a back-end's helper
modules are ``<name>_<part>``) that declares ``BACKEND = Backend(...)``: how to open it, its own
[mail] keys, and whether it signs in. The loader finds it by the configured name.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.errors import LettersError

if TYPE_CHECKING:
    from pipeline.config import Config, MailSettings

# The back-end of the inbox folder, which is read whatever the configured back-end.
FOLDER = "folder"


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
    # What goes with the letter, attached after it: the response's protected clean copy.
    enclosures: tuple[Enclosure, ...] = ()


@dataclass(frozen=True)
class Enclosure:
    """A file attached after the letter."""

    path: Path
    name: str  # the name the recipient sees
    what: str  # what it is, for a person: "the protected clean copy"


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
    # Its own header fields (name, value) as received, () for a scan: what tells a person's
    # reply from a bounce or an automatic one (Content-Type, Auto-Submitted, Precedence, …).
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReplyContent:
    """What is kept of a reply: the whole message, its text and its attachments."""

    message: bytes | None  # the whole message as an RFC 5322 .eml; None for a scan
    original: tuple[str, bytes] | None  # the file as received when it is not an .eml (.msg, scan)
    text: str  # the plain-text body ("" for a scan)
    attachments: tuple[tuple[str, bytes], ...]  # (name as the sender gave it, content): untrusted


@dataclass(frozen=True)
class Waiting:
    """A message left ready to send, still where the back-end left it for a person to send."""

    where: str  # the file, for a person: …/mail/outbox/SAR-2026-001 … .eml


@dataclass(frozen=True)
class Departed:
    """A message left ready to send that has gone from where the back-end left it."""

    # The latest day it can have gone, as far as the back-end can tell (None: it cannot): the
    # run records the earlier of this and its own day, never before the day it was left.
    latest: date | None
    how: str  # for a person: "moved into outbox/sent/", "gone from the outbox"


class MailBackend(Protocol):
    """Send letters and collect replies; knows nothing of the register."""

    name: str
    # True when send() delivers the message; False when it leaves it ready to send, for a
    # person to send from their mail program (then departures() says when it has gone).
    delivers: bool
    problems: list[str]  # inbox items it could not read, each said for a person

    def prepare(self, mail: Outgoing) -> str:
        """Make ``mail`` ready to go where nobody can send it yet, and return its Message-ID.

        The run journals the Message-ID before calling ``send``, so that after a crash it can
        ask ``handed_over``. A back-end may use ``mail.message_id`` or assign its own.
        """

    def send(self, mail: Outgoing, message_id: str) -> str:
        """Send the message prepared as ``message_id`` (or leave it ready to send), whole, once.

        Return "" when it went as it should, or a sentence for the manager when the back-end
        cannot be sure it went (it is counted as gone: a send that may have gone is never
        repeated).
        """

    def handed_over(self, message_id: str) -> bool:
        """Say whether the message prepared as ``message_id`` went out of the back-end's hands
        already (sent, or left ready to send): asked after a run stopped part-way."""

    def departures(self, message_ids: Collection[str]) -> dict[str, Waiting | Departed]:
        """Say of each message left ready to send whether it still waits, or has gone.

        Asked before anything new is left ready, so that a folder's own times say when.
        A back-end that delivers leaves nothing ready, and returns {}.
        """

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


def answered_ids(*values: str) -> tuple[str, ...]:
    """Return the distinct ``<…>`` Message-IDs in In-Reply-To/References values, in order."""
    found = (token for value in values for token in value.split())
    return tuple(dict.fromkeys(t for t in found if t.startswith("<") and t.endswith(">")))


def attached_files(mail: Outgoing) -> list[tuple[str, bytes]]:
    """Read the signed letter and what goes with it, as (name, content), or say why not."""
    files = [(mail.attachment, mail.attachment_name, "the signed letter")]
    files += [(each.path, each.name, each.what) for each in mail.enclosures]
    read = []
    for path, name, what in files:
        try:
            read.append((name, path.read_bytes()))
        except OSError as error:
            raise LettersError(
                f"{path}: cannot read {what} to attach ({error.strerror}); "
                "check it is still there and not open in another program, then run again."
            ) from error
    return read


@dataclass(frozen=True)
class SignIn:
    """What `letters login` does for a back-end that signs in to a service."""

    login: Callable[[Config, Callable[[str], str], Callable[[str], None]], None]  # prompt, show
    # What works and what does not, one line each; True: prove sending by sending a test.
    check: Callable[[Config, bool], list[str]]


def _shared_keys_only(common: MailSettings, table: Mapping[str, Any], where: Path) -> MailSettings:
    """Return the settings of a back-end with no [mail] keys of its own: the shared ones."""
    return common


@dataclass(frozen=True)
class Backend:
    """What a back-end module declares as ``BACKEND``: how to open it, its keys, its sign-in."""

    connect: Callable[[Config], MailBackend]
    # Its own [mail] keys and their TOML types, in the order an unknown key's message lists them.
    keys: Mapping[str, type | tuple[type, ...]] = field(default_factory=dict)
    # Check its keys in the [mail] table of the file ``where``, and return ``common`` (the
    # shared keys, checked) with its own added: what the run finds as ``config.mail``.
    settings: Callable[[MailSettings, Mapping[str, Any], Path], MailSettings] = _shared_keys_only
    sign_in: SignIn | None = None  # None: it needs no sign-in


@functools.cache
def backend_names() -> tuple[str, ...]:
    """Name every back-end: the modules of this package but this one and the helpers."""
    modules = pkgutil.iter_modules([str(Path(__file__).parent)])
    return tuple(sorted(m.name for m in modules if m.name != "base" and "_" not in m.name))


def backend(name: str, where: Path) -> Backend:
    """Return what the back-end ``name``, configured in the file ``where``, declares."""
    if name not in backend_names():
        raise LettersError(
            f'{where}: this version has no {name!r} mail back-end; set mail.backend = "folder".'
        )
    return _declared(name)


def every_backend_key() -> dict[str, type | tuple[type, ...]]:
    """Return the [mail] keys of every back-end, each with its TOML types, back-end by back-end."""
    # Imports every back-end (O365 takes 0.15 s): asked only for a key not shared by all.
    return {key: kind for name in backend_names() for key, kind in _declared(name).keys.items()}


def _declared(name: str) -> Backend:
    declared: Backend = importlib.import_module(f"pipeline.mail.{name}").BACKEND
    return declared


def connect(config: Config) -> MailBackend:
    """Open the configured mail back-end."""
    return backend(config.backend, config.source).connect(config)


def reply_sources(config: Config, mail: MailBackend | None) -> list[MailBackend]:
    """Return what replies are read from: the back-end ``mail`` first, then the inbox folder.

    Scanned postal replies and messages saved from another mail program are dropped into the
    inbox folder whatever the back-end; when the back-end is the folder, it is read once.
    """
    if mail is not None and mail.name == FOLDER:
        return [mail]
    folder = backend(FOLDER, config.source).connect(config)
    return [folder] if mail is None else [mail, folder]
