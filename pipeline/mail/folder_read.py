"""Read the folder back-end's saved emails: .eml and Outlook .msg files, and scans.

FolderMail (pipeline.mail.folder) lists the inbox and writes the drafts; this module turns an
inbox file into a Reply, or into the ReplyContent that is filed. It also owns what the drafts
share with the emails it makes from an Outlook .msg: DRAFT_POLICY and the MIME type of a name.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime, parseaddr, parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.mail.base import Reply, ReplyContent, answered_ids

if TYPE_CHECKING:
    # extract-msg takes 0.1 s to import: it is imported only when an Outlook .msg arrives.
    from extract_msg.attachments import AttachmentBase, SignedAttachment
    from extract_msg.msg_classes import MessageBase

SCAN_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
# Fixed rather than guessed: on Windows, mimetypes reads the registry, which Office can alter.
KNOWN_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# CRLF line endings, as Outlook expects of an .eml file; 7-bit headers.
DRAFT_POLICY = policy.SMTP


def read_reply(path: Path) -> Reply | str:
    """Return the reply in the inbox file ``path``, or what is wrong with it for a person."""
    kind = kind_of(path.name)
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
        return _reply(path.name, data, *_email(kind, data))
    except Exception as error:
        # A damaged file must not stop the run; extract-msg and olefile raise many kinds.
        return (
            f"{path}: cannot be read as an email ({error}); open it in Outlook and save "
            "it again, or move it out of the inbox."
        )


def mime_type(name: str) -> str:
    """Return the MIME type for a file called ``name``."""
    suffix = Path(name).suffix.lower()
    return KNOWN_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def headers_only(path: Path) -> Message:
    """Read the header block of the message in ``path``, not its (large) attachments."""
    block = b""
    with path.open("rb") as file:
        while (line := file.readline()).strip():  # up to the blank line that ends the headers
            block += line
    return BytesHeaderParser(policy=policy.default).parsebytes(block)


def kind_of(name: str) -> str | None:
    """Return ".eml", ".msg" or "scan" for an inbox file's name, None when it is none of these."""
    suffix = Path(name).suffix.lower()
    if suffix in (".eml", ".msg"):
        return suffix
    return "scan" if suffix in SCAN_SUFFIXES else None


def _email(kind: str, data: bytes) -> tuple[EmailMessage, tuple[tuple[str, str], ...]]:
    """Return the .eml or Outlook .msg bytes ``data`` as an email, and its own headers."""
    if kind == ".msg":
        with _outlook_email(data) as msg:
            # Its body and attachments are read only when filed. Outlook keeps the headers a
            # message arrived with (Auto-Submitted, Content-Type, …) apart from its fields.
            return _msg_headers(msg), _pairs(msg.header)
    message = _parse(data)
    if not any(header in message for header in ("From", "Subject", "Date", "Message-ID")):
        raise ValueError("it has no email headers")
    return message, _pairs(message)


def _pairs(message: Message) -> tuple[tuple[str, str], ...]:
    """Return the header fields of ``message`` as (name, value) pairs, each value one line."""
    return tuple((name, " ".join(str(value).split())) for name, value in message.raw_items())


def _parse(data: bytes) -> EmailMessage:
    """Parse the .eml bytes ``data``."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    return message


def _reply(
    name: str, data: bytes, message: EmailMessage, headers: tuple[tuple[str, str], ...]
) -> Reply:
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
        answers=answered_ids(_header(message, "In-Reply-To"), _header(message, "References")),
        headers=headers,
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


def content_of(kind: str | None, name: str, data: bytes) -> ReplyContent:
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
            maintype, subtype = mime_type(name).split("/", 1)
            message.add_attachment(content, maintype, subtype, filename=name)
    return message


def _strip_tags(html: str) -> str:
    """Return the visible text of ``html``, one line per paragraph."""
    # Rough on purpose: only for an email with no plain-text part, and the whole email is kept.
    html = re.sub(r"(?is)<(head|style|script)\b.*?</\1\s*>", "", html)
    html = re.sub(r"(?i)<(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", "\n", re.sub(r"\s+", " ", html))
    lines = (line.strip() for line in unescape(re.sub(r"<[^>]*>", "", html)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
