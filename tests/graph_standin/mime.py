"""A message as RFC 5322 bytes, and the recipient JSON built from a name and an address."""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage

from .conventions import JSON
from .model import Message


def _address(mail: JSON | None) -> str:
    if not mail:
        return ""
    box = mail.get("emailAddress", {})
    return email.utils.formataddr((box.get("name") or "", box.get("address") or ""))


def recipient_json(name: str, address: str) -> JSON:
    """Graph's recipient JSON; the address stands in for a missing name."""
    return {"emailAddress": {"name": name or address, "address": address}}


def message_mime(message: Message) -> bytes:
    """The RFC 5322 form of a message, from its fields and attachments (or as delivered)."""
    if message.mime is not None:
        return message.mime
    mime = EmailMessage()
    if message.sender:
        mime["From"] = _address(message.sender)
    if message.to:
        mime["To"] = ", ".join(_address(r) for r in message.to)
    if message.cc:
        mime["Cc"] = ", ".join(_address(r) for r in message.cc)
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.format_datetime(message.sent or message.created)
    mime["Message-ID"] = message.internet_message_id
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
    if message.references:
        mime["References"] = message.references
    for header in message.headers:
        mime[header["name"]] = header["value"]
    mime.set_content(message.body, subtype="html" if message.body_type == "html" else "plain")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.name,
        )
    return mime.as_bytes(policy=email.policy.SMTP)
