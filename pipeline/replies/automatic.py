"""Tell a person's reply from a bounce or an automatic reply by its headers; read a bounce.

A bounce (a non-delivery report, RFC 3464) says a letter did not arrive; an automatic reply
(RFC 3834: out of office, a vacation responder, a read receipt) says nothing about consent.
Neither is a reply: neither fills Reply received nor stops reminders. Pure: text in, data out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser

REPLY, BOUNCE, AUTOMATIC = "reply", "bounce", "automatic"

# The senders of delivery reports: RFC 3464's MAILER-DAEMON and postmaster, and the system
# mailbox Exchange (Online and on premises) sends its non-delivery reports from.
_REPORTING_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|microsoftexchange329e71ec88ae4615bbc36ab6ce41109e)@", re.I
)
# Subjects servers give their delivery reports: Exchange, Gmail, Postfix, Exim, sendmail, qmail.
_BOUNCE_SUBJECTS = re.compile(
    r"^\s*(undeliverable:|undelivered mail returned to sender|delivery status notification"
    r"|mail delivery failed|returned mail:|delivery failure|failure notice|mail delivery "
    r"failure|undeliverable mail|delivery has failed)",
    re.I,
)
# Subjects of out-of-office and vacation replies, as Outlook, Gmail and common responders write.
_AUTOMATIC_SUBJECTS = re.compile(
    r"^\s*(automatic reply:|auto[- ]?reply\b|out of (the )?office( auto ?reply)?:)", re.I
)
# RFC 3834 / RFC 2076 Precedence values that no person's reply carries.
_AUTOMATIC_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})


def nature(headers: Sequence[tuple[str, str]], sender: str, subject: str) -> str:
    """Say what a message is by its headers: REPLY, BOUNCE or AUTOMATIC."""
    found = {name.strip().lower(): " ".join(value.split()) for name, value in headers}
    content_type = found.get("content-type", "").lower()
    report_type = _parameter(content_type, "report-type")
    if content_type.startswith("multipart/report") and report_type == "delivery-status":
        return BOUNCE
    if "x-ms-exchange-message-is-ndr" in found or "x-failed-recipients" in found:
        return BOUNCE
    if _REPORTING_SENDERS.match(sender.strip()) or _BOUNCE_SUBJECTS.match(subject):
        return BOUNCE
    if content_type.startswith("multipart/report"):  # a read receipt (disposition-notification)
        return AUTOMATIC
    submitted = found.get("auto-submitted", "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return AUTOMATIC
    if "x-autoreply" in found or "x-autorespond" in found:
        return AUTOMATIC
    # X-Auto-Response-Suppress asks others not to answer automatically: ticketing systems and
    # mailing lists put it on ordinary mail too, so alone it would set real replies aside. An
    # out-of-office reply from Exchange carries it with the mark of a reply its rules sent.
    if "x-auto-response-suppress" in found and "x-ms-exchange-inbox-rules-loop" in found:
        return AUTOMATIC
    if found.get("precedence", "").strip().lower() in _AUTOMATIC_PRECEDENCE:
        return AUTOMATIC
    return AUTOMATIC if _AUTOMATIC_SUBJECTS.match(subject) else REPLY


@dataclass(frozen=True)
class Report:
    """What a delivery report says: which addresses failed, why, and about which message."""

    failed: bool  # some recipient failed for good (not only delayed or delivered)
    recipients: tuple[str, ...]  # the addresses that failed: Final-Recipient, else the headers'
    reason: str  # the server's Status and Diagnostic-Code, shortened, for a person
    original_ids: tuple[str, ...]  # the Message-ID of the message that bounced, when returned
    original_subject: str  # its subject, when returned


def read_report(message: bytes | None) -> Report:
    """Read the delivery report in the whole message ``message`` (an .eml); pure."""
    if not message:
        return Report(True, (), "", (), "")
    parsed = BytesParser(policy=policy.compat32).parsebytes(message)
    recipients: list[str] = []
    failed_fields: list[Message] = []
    actions: list[str] = []
    original: Message | None = None
    for part in parsed.walk():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            for block in _status_blocks(part):
                action = str(block.get("Action", "")).strip().lower()
                if "Final-Recipient" in block or "Original-Recipient" in block:
                    actions.append(action)
                    if action in ("failed", ""):
                        failed_fields.append(block)
        elif kind in ("message/rfc822", "message/global") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = inner[0]
        elif kind in ("text/rfc822-headers", "message/global-headers") and original is None:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                original = HeaderParser().parsestr(payload.decode("utf-8", "replace"))
    for block in failed_fields:
        address = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
        if address:
            recipients.append(address)
    if not recipients:
        recipients = [a for a in str(parsed.get("X-Failed-Recipients", "")).split(",") if "@" in a]
    failed = bool(failed_fields) or not actions  # no machine-readable part: take it as failed
    return Report(
        failed=failed,
        recipients=tuple(dict.fromkeys(address.strip() for address in recipients)),
        reason=_reason(failed_fields),
        original_ids=_ids(str(original.get("Message-ID", ""))) if original is not None else (),
        original_subject=_one_line(original.get("Subject", "")) if original is not None else "",
    )


def _status_blocks(part: Message) -> Iterator[Message]:
    """Yield the per-message and per-recipient field blocks of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        yield from (block for block in payload if isinstance(block, Message))
        return
    raw = part.get_payload(decode=True)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
    for chunk in re.split(r"\r?\n\s*\r?\n", text):
        if chunk.strip():
            yield HeaderParser().parsestr(chunk.strip() + "\n")


def _reason(blocks: Sequence[Message]) -> str:
    """Say why the first failed recipient failed: its Status and Diagnostic-Code, one line."""
    for block in blocks:
        status = _one_line(block.get("Status", ""))
        code = _one_line(block.get("Diagnostic-Code", "")).partition(";")[2].strip()
        said = code or status
        if said:
            return said if len(said) <= 160 else said[:157].rstrip() + "…"
    return ""


def _address(value: object) -> str:
    """Return the address of a DSN recipient field, ``rfc822; joan@example.org``."""
    text = _one_line(value).partition(";")[2] or _one_line(value)
    text = text.strip().strip("<>").strip()
    return text if "@" in text else ""


def _parameter(content_type: str, name: str) -> str:
    """Return a Content-Type parameter's value, unquoted and lower case ("" when absent)."""
    found = re.search(rf';\s*{name}\s*=\s*"?([^";]+)"?', content_type, re.I)
    return found.group(1).strip().lower() if found else ""


def _ids(value: str) -> tuple[str, ...]:
    return tuple(token for token in value.split() if token.startswith("<") and token.endswith(">"))


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())
