"""The folder mail back-end: letters become .eml drafts in outbox/, replies are files in inbox/.

This module writes the drafts and lists, files and moves the inbox's files; reading what is in
a saved email or scan is pipeline.mail.folder_read.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Collection
from dataclasses import replace
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import LettersError, advice
from pipeline.folders import copy_whole, write_whole
from pipeline.mail.base import (
    FOLDER,
    Backend,
    Departed,
    Outgoing,
    Reply,
    ReplyContent,
    Waiting,
    attached_files,
)
from pipeline.mail.folder_read import (
    DRAFT_POLICY,
    content_of,
    headers_only,
    kind_of,
    mime_type,
    read_reply,
)

# Browsers and sync clients give a file one of these names until the download is complete.
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp")
# Windows and macOS write these into folders by themselves; they are nobody's reply.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
WINDOWS_HIDDEN = 0x2  # FILE_ATTRIBUTE_HIDDEN; the stat module defines it on Windows only
# A draft prepared but not yet put into the outbox: hidden, and no mail program opens it.
PENDING = ".pending"
PENDING_PATTERN = f".*.eml{PENDING}"


def connect(config: Config) -> FolderMail:
    """Open the folder back-end on the configured inbox and outbox (what the run calls)."""
    return FolderMail(config.paths.inbox, config.paths.outbox)


class FolderMail:
    """Send by leaving drafts in ``outbox``; collect the emails and scans saved in ``inbox``."""

    name = FOLDER
    delivers = False  # a draft waits in the outbox until the manager sends it from Outlook

    def __init__(self, inbox: Path, outbox: Path) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.problems: list[str] = []  # filled by replies(): inbox files that are not replies

    def prepare(self, mail: Outgoing) -> str:
        """Write the draft whole but hidden, where Outlook cannot open it; return its Message-ID.

        ``send`` then puts it into the outbox: a run stopped in between finds it again, so a
        draft the manager has already sent and deleted is never written a second time.
        """
        self._write(self._pending(mail), mail)
        return mail.message_id

    def send(self, mail: Outgoing, message_id: str | None = None) -> str:
        """Put the draft of ``mail`` into the outbox, ready to send; write it if not prepared."""
        if message_id is not None:
            mail = replace(mail, message_id=message_id)
        target = _free_name(self.outbox, Path(mail.attachment_name).stem + ".eml")
        pending = self._pending(mail)
        if pending.is_file() and _message_id(pending) == mail.message_id.strip():
            try:
                os.replace(pending, target)
            except OSError as error:
                raise self._unwritable(mail, error) from error
        else:
            self._write(target, mail)
        return ""

    def handed_over(self, message_id: str) -> bool:
        """Say whether the draft is out of the pipeline's hands: its hidden copy has gone.

        Once in the outbox, it may have been sent and deleted since, so only a draft still
        hidden, as ``prepare`` left it, is one that nobody can have sent.
        """
        return not any(
            _message_id(path) == message_id.strip() for path in self._glob(PENDING_PATTERN)
        )

    def departures(self, message_ids: Collection[str]) -> dict[str, Waiting | Departed]:
        """Say of each draft whether it waits in the outbox, or has left it, and by when.

        A draft has left when it is no longer directly in the outbox: moved into a folder in
        it (outbox/sent/), or deleted. The day it left is the latest the folders can show: the
        last change of the folder it left (a deletion or a move changes it), of the folder it
        went to, and on Linux and macOS of the moved file itself (its status change time).
        """
        wanted = {message_id.strip() for message_id in message_ids}
        if not wanted:
            return {}
        where: dict[str, Waiting | Departed] = {}
        for path in self._glob("*.eml"):
            found = _message_id(path)
            if found in wanted and not path.name.startswith("."):
                where[found] = Waiting(str(path))
        pending = {_message_id(path) for path in self._glob(PENDING_PATTERN)}
        left = _changed(self.outbox)
        for path in self._moved():
            found = _message_id(path)
            if found in wanted and found not in where:
                bounds = (left, _changed(path.parent), _moved_on(path))
                latest = min((day for day in bounds if day is not None), default=None)
                moved = f"{self.outbox.name}/{path.parent.relative_to(self.outbox).as_posix()}/"
                where[found] = Departed(latest, f"moved into {moved}")
        for message_id in wanted - where.keys() - pending:
            where[message_id] = Departed(left, "gone from the outbox")
        return where

    def replies(self, since: date | None = None) -> list[Reply]:
        """List the emails and scans in the inbox, oldest first; note the rest in ``problems``."""
        self.problems = []
        found: list[Reply] = []
        for path in self._inbox_files():
            reply = read_reply(path)
            if isinstance(reply, Reply):
                found.append(reply)
            else:
                self.problems.append(reply)
        return found

    def fetch(self, reply: Reply) -> ReplyContent:
        """Return the whole of ``reply``: the message as .eml, its text and its attachments."""
        path = self.inbox / reply.file_name
        try:
            data = path.read_bytes()
        except FileNotFoundError as error:
            raise LettersError(
                f"{path}: the reply left the inbox during the run; run again."
            ) from error
        except OSError as error:
            raise LettersError(
                f"{path}: cannot read the reply ({error.strerror}); close it and run again."
            ) from error
        try:
            return content_of(kind_of(path.name), path.name, data)
        except Exception as error:
            # Damaged mail makes the email package and extract-msg raise many kinds of error.
            raise LettersError(
                f"{path}: cannot read this email ({error}); open it in Outlook and save it "
                "again, or file it by hand and move it out of the inbox."
            ) from error

    def mark_filed(self, reply: Reply) -> None:
        """Move ``reply`` into inbox/filed/, unless it has gone already."""
        source = self.inbox / reply.file_name
        if not reply.file_name or not source.is_file():
            return  # moved by an earlier run that was stopped before it could record it
        current = read_reply(source)
        if not isinstance(current, Reply) or current.key != reply.key:
            return  # another file saved since under the same name: it is still to be filed
        filed = self.inbox / "filed"
        try:
            filed.mkdir(exist_ok=True)
            _move(source, _free_name(filed, source.name))
        except OSError as error:  # on Windows, most often the file is open in Outlook
            raise LettersError(
                f"{source}: filed, but cannot be moved into {filed} ({error.strerror}); "
                "close it and run again."
            ) from error

    def filed_where(self, reply: Reply) -> str:
        """Name the file in inbox/filed/ that ``mark_filed`` moves ``reply`` to."""
        return str(_free_name(self.inbox / "filed", reply.file_name))

    def _pending(self, mail: Outgoing) -> Path:
        """Return where ``prepare`` keeps the draft of ``mail`` until ``send`` puts it out."""
        return self.outbox / f".{Path(mail.attachment_name).stem}.eml{PENDING}"

    def _write(self, target: Path, mail: Outgoing) -> None:
        data = _draft(mail, attached_files(mail))
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            write_whole(target, data, sync=True)
        except OSError as error:
            raise self._unwritable(mail, error) from error

    def _unwritable(self, mail: Outgoing, error: OSError) -> LettersError:
        return LettersError(
            f"{self.outbox}: cannot write the email for {mail.attachment_name} "
            f"({error.strerror}). {advice(error, 'Check the folder can be written to')}, then "
            "run again."
        )

    def _glob(self, pattern: str) -> list[Path]:
        """Return the files directly in the outbox whose names match ``pattern``."""
        if not self.outbox.is_dir():
            return []
        return sorted(path for path in self.outbox.glob(pattern) if path.is_file())

    def _moved(self) -> list[Path]:
        """Return the drafts in the folders inside the outbox (outbox/sent/, …)."""
        if not self.outbox.is_dir():
            return []
        return sorted(
            path
            for folder in self.outbox.iterdir()
            if folder.is_dir()
            for path in folder.rglob("*.eml")
            if path.is_file() and not path.name.startswith(".")
        )

    def _inbox_files(self) -> list[Path]:
        """Return the files directly in the inbox that someone put there, oldest first."""
        if not self.inbox.is_dir():
            return []
        files = [path for path in self.inbox.iterdir() if path.is_file() and _is_put_there(path)]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))


# What the loader finds (pipeline.mail.base): no keys of its own, no sign-in.
BACKEND = Backend(connect=connect)


def _draft(mail: Outgoing, files: list[tuple[str, bytes]]) -> bytes:
    """Return ``mail`` as the bytes of an RFC 5322 message that Outlook opens as a draft."""
    message = EmailMessage(policy=DRAFT_POLICY)
    message["From"] = _address(mail.sender_name, mail.sender, "the setting's address")
    message["To"] = _address(mail.to_name, mail.to, f"{mail.to_name}'s address")
    message["Subject"] = " ".join(mail.subject.split())
    message["Message-ID"] = mail.message_id
    # The stamp of writing the draft, like a mail server's; Outlook replaces it on sending.
    message["Date"] = formatdate(localtime=True)
    message["X-Unsent"] = "1"
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    for name, content in files:
        maintype, subtype = mime_type(name).split("/", 1)
        message.add_attachment(content, maintype, subtype, filename=name)
    return message.as_bytes()


def _message_id(path: Path) -> str:
    """Return the Message-ID of the draft at ``path``; stop rather than guess if unreadable."""
    try:
        return str(headers_only(path).get("Message-ID", "")).strip()
    except OSError as error:
        # Guessing could send a letter twice, or count one as sent that is not: stop instead.
        raise LettersError(
            f"{path}: cannot read it to check what was already sent ({error.strerror}); "
            "close it in any program that has it open, then run again."
        ) from error


def _changed(folder: Path) -> date | None:
    """Return the day a folder's list of files last changed (a file added, moved or deleted)."""
    try:
        return date.fromtimestamp(folder.stat().st_mtime)
    except OSError:
        return None


def _moved_on(path: Path) -> date | None:
    """Return the day a file's status last changed, where that is what st_ctime means.

    On Linux and macOS moving a file changes it; on Windows st_ctime is the day the file was
    made, which says nothing of when it was moved.
    """
    if os.name == "nt":
        return None
    try:
        return date.fromtimestamp(path.stat().st_ctime)
    except OSError:
        return None


def _address(name: str, address: str, whose: str) -> Address:
    """Return the header address for ``name`` and ``address``, refusing a malformed address."""
    try:
        # A name typed into Excel with Alt+Enter would break the header: one line.
        return Address(display_name=" ".join(name.split()), addr_spec=address.strip())
    except ValueError as error:  # the email package's header defects are ValueErrors
        raise LettersError(
            f"{whose} {address!r} is not an email address ({error}); correct it in the "
            "register or the configuration, then run again."
        ) from error


def _free_name(folder: Path, name: str) -> Path:
    """Return ``folder/name``, or ``folder/stem (2).suffix`` and on, whichever is not taken."""
    candidate = folder / name
    number = 2
    while candidate.exists():
        candidate = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return candidate


def _is_put_there(path: Path) -> bool:
    """Say whether ``path`` is a finished file a person saved, not a hidden or partial one."""
    name = path.name.lower()
    if name.startswith((".", "~$")) or name in SYSTEM_FILES or name.endswith(PARTIAL_SUFFIXES):
        return False
    return not getattr(path.stat(), "st_file_attributes", 0) & WINDOWS_HIDDEN


def _move(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, copying it whole first when they are on different drives.

    inbox/filed/ may be a link to, or a folder mounted from, another drive, where a rename
    cannot reach.
    """
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        copy_whole(source, target)
        source.unlink()
