"""The folder mail back-end: letters become .eml drafts in outbox/, replies are files in inbox/."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime, formatdate, parseaddr, parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.base import FOLDER, Backend, Outgoing, Reply, ReplyContent, attachment_bytes

if TYPE_CHECKING:
    # extract-msg takes 0.1 s to import: it is imported only when an Outlook .msg arrives.
    from extract_msg.attachments import AttachmentBase, SignedAttachment
    from extract_msg.msg_classes import MessageBase

SCAN_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
# Browsers and sync clients give a file one of these names until the download is complete.
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp")
# Windows and macOS write these into folders by themselves; they are nobody's reply.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
WINDOWS_HIDDEN = 0x2  # FILE_ATTRIBUTE_HIDDEN; the stat module defines it on Windows only
# Fixed rather than guessed: on Windows, mimetypes reads the registry, which Office can alter.
KNOWN_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# CRLF line endings, as Outlook expects of an .eml file; 7-bit headers.
DRAFT_POLICY = policy.SMTP


def connect(config: Config) -> FolderMail:
    """Open the folder back-end on the configured inbox and outbox (what the run calls)."""
    return FolderMail(config.paths.inbox, config.paths.outbox)


class FolderMail:
    """Send by leaving drafts in ``outbox``; collect the emails and scans saved in ``inbox``."""

    name = FOLDER

    def __init__(self, inbox: Path, outbox: Path) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.problems: list[str] = []  # filled by replies(): inbox files that are not replies

    def prepare(self, mail: Outgoing) -> str:
        """Return the Message-ID the draft will carry: the one the run proposed."""
        return mail.message_id

    def send(self, mail: Outgoing, message_id: str | None = None) -> None:
        """Write ``mail`` into the outbox as an .eml draft, all or nothing."""
        if message_id is not None:
            mail = replace(mail, message_id=message_id)
        content = attachment_bytes(mail)
        data = _draft(mail, content)
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            _write_whole(_free_name(self.outbox, mail.attachment.stem + ".eml"), data)
        except OSError as error:
            raise LettersError(
                f"{self.outbox}: cannot write the email for {mail.attachment_name} "
                f"({error.strerror}); check the folder can be written to, then run again."
            ) from error

    def was_sent(self, message_id: str) -> bool:
        """Say whether an .eml in the outbox, or a folder inside it, has this Message-ID."""
        if not self.outbox.is_dir():
            return False
        for path in self.outbox.rglob("*"):
            if path.suffix.lower() != ".eml" or path.name.startswith(".") or not path.is_file():
                continue
            try:
                headers = _headers_only(path)
            except OSError as error:
                # Guessing "not sent" could send a letter twice, so stop instead.
                raise LettersError(
                    f"{path}: cannot read it to check what was already sent ({error.strerror}); "
                    "close it in any program that has it open, then run again."
                ) from error
            if str(headers.get("Message-ID", "")).strip() == message_id.strip():
                return True
        return False

    def replies(self, since: date | None = None) -> list[Reply]:
        """List the emails and scans in the inbox, oldest first; note the rest in ``problems``."""
        self.problems = []
        found: list[Reply] = []
        for path in self._inbox_files():
            reply = self._read(path)
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
            return _content(_kind(path.name), path.name, data)
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
        current = self._read(source)
        if not isinstance(current, Reply) or current.key != reply.key:
            return  # another file saved since under the same name: it is still to be filed
        filed = self.inbox / "filed"
        try:
            filed.mkdir(exist_ok=True)
            os.replace(source, _free_name(filed, source.name))
        except OSError as error:  # on Windows, most often the file is open in Outlook
            raise LettersError(
                f"{source}: filed, but cannot be moved into {filed} ({error.strerror}); "
                "close it and run again."
            ) from error

    def filed_where(self, reply: Reply) -> str:
        """Name the file in inbox/filed/ that ``mark_filed`` moves ``reply`` to."""
        return str(_free_name(self.inbox / "filed", reply.file_name))

    def _inbox_files(self) -> list[Path]:
        """Return the files directly in the inbox that someone put there, oldest first."""
        if not self.inbox.is_dir():
            return []
        files = [path for path in self.inbox.iterdir() if path.is_file() and _is_put_there(path)]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))

    def _read(self, path: Path) -> Reply | str:
        """Return the reply in the inbox file ``path``, or what is wrong with it for a person."""
        kind = _kind(path.name)
        if kind is None:
            return (
                f"{path}: not a saved email (.eml, .msg) or a scanned reply (PDF or image); "
                "move it out of the inbox."
            )
        try:
            data = path.read_bytes()
        except OSError as error:
            return f"{path}: cannot be read ({error.strerror}); close it and run again."
        if kind == "scan":
            key = "scan:" + hashlib.sha256(data).hexdigest()
            return Reply(key, path.name, "", "", None, path.name, "", ())
        try:
            return _reply(path.name, data, _email(kind, data))
        except Exception as error:
            # A damaged file must not stop the run; extract-msg and olefile raise many kinds.
            return (
                f"{path}: cannot be read as an email ({error}); open it in Outlook and save "
                "it again, or move it out of the inbox."
            )


# What the loader finds (pipeline.mail.base): no keys of its own, no sign-in.
BACKEND = Backend(connect=connect)


def _draft(mail: Outgoing, content: bytes) -> bytes:
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
    maintype, subtype = _mime_type(mail.attachment_name).split("/", 1)
    message.add_attachment(content, maintype, subtype, filename=mail.attachment_name)
    return message.as_bytes()


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


def _mime_type(name: str) -> str:
    """Return the MIME type for a file called ``name``."""
    suffix = Path(name).suffix.lower()
    return KNOWN_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _free_name(folder: Path, name: str) -> Path:
    """Return ``folder/name``, or ``folder/stem (2).suffix`` and on, whichever is not taken."""
    candidate = folder / name
    number = 2
    while candidate.exists():
        candidate = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return candidate


def _write_whole(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a hidden temporary file, so it is never partial."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _headers_only(path: Path) -> Message:
    """Read the header block of the message in ``path``, not its (large) attachments."""
    block = b""
    with path.open("rb") as file:
        while (line := file.readline()).strip():  # up to the blank line that ends the headers
            block += line
    return BytesHeaderParser(policy=policy.default).parsebytes(block)


def _is_put_there(path: Path) -> bool:
    """Say whether ``path`` is a finished file a person saved, not a hidden or partial one."""
    name = path.name.lower()
    if name.startswith((".", "~$")) or name in SYSTEM_FILES or name.endswith(PARTIAL_SUFFIXES):
        return False
    return not getattr(path.stat(), "st_file_attributes", 0) & WINDOWS_HIDDEN


def _kind(name: str) -> str | None:
    """Return ".eml", ".msg" or "scan" for an inbox file's name, None when it is none of these."""
    suffix = Path(name).suffix.lower()
    if suffix in (".eml", ".msg"):
        return suffix
    return "scan" if suffix in SCAN_SUFFIXES else None


def _email(kind: str, data: bytes) -> EmailMessage:
    """Return the .eml or Outlook .msg bytes ``data`` as an email."""
    if kind == ".msg":
        with _outlook_email(data) as msg:
            return _msg_headers(msg)  # its body and attachments are read only when filed
    message = _parse(data)
    if not any(header in message for header in ("From", "Subject", "Date", "Message-ID")):
        raise ValueError("it has no email headers")
    return message


def _parse(data: bytes) -> EmailMessage:
    """Parse the .eml bytes ``data``."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    return message


def _reply(name: str, data: bytes, message: EmailMessage) -> Reply:
    """Return the reply that is the inbox file ``name``, holding ``data``, read as ``message``."""
    message_id = _header(message, "Message-ID")
    return Reply(
        key=message_id or "file:" + hashlib.sha256(data).hexdigest(),
        source=name,
        subject=_header(message, "Subject"),
        sender=_address_in(_header(message, "From")),
        received=_day(_header(message, "Date")),
        file_name=name,
        message_id=message_id,
        answers=_ids(_header(message, "In-Reply-To"), _header(message, "References")),
    )


@contextmanager
def _outlook_email(data: bytes) -> Iterator[MessageBase]:
    """Open the Outlook email in the .msg bytes ``data``, and close it after."""
    import extract_msg
    from extract_msg.msg_classes import MessageBase

    # As a stream, never as bytes: olefile takes short bytes for the name of a file to open.
    with extract_msg.openMsg(io.BytesIO(data)) as msg:
        if not isinstance(msg, MessageBase):
            raise ValueError("it is an Outlook item other than an email")
        yield msg


def _header(message: Message, name: str) -> str:
    """Return the header ``name`` of ``message`` as one line of text, "" when missing."""
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _address_in(value: str) -> str:
    """Return the email address in a From value, "" when there is none."""
    address = parseaddr(value)[1]
    return address if "@" in address else ""


def _day(value: str) -> date | None:
    """Return the local calendar day of a Date header, None when missing or unreadable."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # The day as the setting lived it, as Outlook shows it, not the sender's or UTC's.
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


def _ids(*values: str) -> tuple[str, ...]:
    """Return the distinct ``<…>`` Message-IDs in header values, in order."""
    found = (token for value in values for token in value.split())
    return tuple(dict.fromkeys(t for t in found if t.startswith("<") and t.endswith(">")))


def _body(message: EmailMessage) -> str:
    """Return the plain text of ``message``, from its HTML when it has no plain part."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _text(plain).replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",))
    return _strip_tags(_text(html)) if html is not None else ""


def _text(part: Message) -> str:
    """Return the decoded text of ``part``, even when its charset is unknown."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # EmailMessage parts
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _eml_attachments(part: EmailMessage) -> Iterator[tuple[str, bytes]]:
    """Yield each attachment in ``part``: named files, and attached emails as .eml."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_content()
        name = part.get_filename() or f"{_header(inner, 'Subject') or 'attached email'}.eml"
        yield name, inner.as_bytes(policy=DRAFT_POLICY)
    elif part.is_multipart():
        for child in part.iter_parts():
            yield from _eml_attachments(child)  # type: ignore[arg-type]  # EmailMessage parts
    elif part.get_filename() or part.get_content_disposition() == "attachment":
        payload = part.get_payload(decode=True)
        yield part.get_filename() or "attachment", payload if isinstance(payload, bytes) else b""


def _content(kind: str | None, name: str, data: bytes) -> ReplyContent:
    """Return what is kept of the inbox file ``name``, holding ``data``."""
    if kind == ".eml":
        message = _parse(data)
        return ReplyContent(data, None, _body(message), tuple(_eml_attachments(message)))
    if kind != ".msg":
        return ReplyContent(message=None, original=(name, data), text="", attachments=())
    from extract_msg.msg_classes import MessageBase

    with _outlook_email(data) as msg:
        message = _as_email(msg)
        # An attached email as Outlook saved it, not converted, so nothing of it is lost.
        attachments = tuple(
            (label + ".msg", item.exportBytes()) if isinstance(item, MessageBase) else (label, item)
            for label, item in _msg_attachments(msg)
        )
        return ReplyContent(message.as_bytes(), (name, data), _body(message), attachments)


def _msg_attachments(msg: MessageBase) -> Iterator[tuple[str, bytes | MessageBase]]:
    """Yield the name and content of each attachment of ``msg``; an attached email is a msg."""
    from extract_msg.msg_classes import MessageBase

    attachments: list[AttachmentBase | SignedAttachment] = list(msg.attachments)
    for number, attachment in enumerate(attachments, start=1):
        data = attachment.data
        if isinstance(data, bytes):
            name = attachment.longFilename or attachment.shortFilename
            yield name or f"attachment-{number}", data
        elif isinstance(data, MessageBase):
            yield (data.subject or "").strip() or f"attachment-{number}", data


def _msg_headers(msg: MessageBase) -> EmailMessage:
    """Return an email with the headers of the Outlook email ``msg``, and no body yet."""
    # Not extract-msg's asEmailMessage(): it leaves out Subject and From when Outlook kept no
    # transport headers, and attaches an embedded email without its name.
    message = EmailMessage(policy=DRAFT_POLICY)
    for name, value in (
        ("Subject", msg.subject),
        ("From", msg.sender),
        ("To", msg.to),
        ("Cc", msg.cc),
        ("Date", format_datetime(msg.date) if msg.date else None),
        # extract-msg reads messageId from the header only once the header was read: read it first.
        ("Message-ID", _header(msg.header, "Message-ID") or msg.messageId),
        ("In-Reply-To", _header(msg.header, "In-Reply-To") or msg.inReplyTo),
        ("References", _header(msg.header, "References")),
    ):
        if value and value.strip():
            message[name] = " ".join(value.split())  # a folded value would be refused
    return message


def _as_email(msg: MessageBase) -> EmailMessage:
    """Return the Outlook email ``msg`` as a standard email, with its attachments."""
    from extract_msg.msg_classes import MessageBase

    message = _msg_headers(msg)
    if msg.body:
        message.set_content(msg.body, cte="quoted-printable")
    else:
        # Only when needed: extract-msg takes ~0.5 s to recover HTML from Outlook's RTF, and
        # the .msg itself, formatting and all, is kept beside this copy. UTF-8 in every sample.
        html = msg.htmlBody.decode("utf-8", "replace") if msg.htmlBody else ""
        message.set_content(html, subtype="html", cte="quoted-printable")
    for name, content in _msg_attachments(msg):
        if isinstance(content, MessageBase):
            message.add_attachment(_as_email(content), filename=name + ".eml")
        else:
            maintype, subtype = _mime_type(name).split("/", 1)
            message.add_attachment(content, maintype, subtype, filename=name)
    return message


def _strip_tags(html: str) -> str:
    """Return the visible text of ``html``, one line per paragraph."""
    # Rough on purpose: only for an email with no plain-text part, and the whole email is kept.
    html = re.sub(r"(?is)<(head|style|script)\b.*?</\1\s*>", "", html)
    html = re.sub(r"(?i)<(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", "\n", re.sub(r"\s+", " ", html))
    lines = (line.strip() for line in unescape(re.sub(r"<[^>]*>", "", html)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
