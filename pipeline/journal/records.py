"""What the journal records, as the rest of the pipeline reads it: plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Entry:
    """A letter as the journal knows it."""

    letter_id: str
    ref: str
    party: str
    kind: str
    recipient: str
    by: str
    destination: str
    file_name: str
    generated: date
    regenerated: int
    salutation: str = ""


# Where a letter is on its way out (Send.state).
SIGNED = "signed"  # the owner's signed copy was found
SENDING = "sending"  # journaled just before the back-end was given it: it may have gone
READY = "ready"  # left ready to send (an email in the outbox), waiting for a person to send it
SENT = "sent"  # gone: delivered, left the outbox, or posted


@dataclass(frozen=True)
class Send:
    """Where a letter is on its way out: signed, being sent, ready to send, or sent."""

    letter_id: str
    signed: date
    message_id: str  # chosen before the back-end is called; "" for post
    state: str  # SIGNED, SENDING, READY or SENT
    sent: date | None  # the day it went (for an email that left the outbox: the latest it can be)
    file_name: str  # its name in sent/
    handed: date | None = None  # the day the back-end was given it (the email written, or sent)
    how: str = ""  # how it went, for a person: "moved into outbox/sent/", "posted", …


@dataclass(frozen=True)
class Withdrawal:
    """A letter no longer needed, kept in withdrawn/ and never sent."""

    letter_id: str
    day: date
    reason: str  # for a person


@dataclass(frozen=True)
class Filing:
    """A reply filed against its request and third party."""

    key: str
    ref: str
    party: str  # "" for a reply from the requester
    received: date
    filed: date
    file_name: str  # the main file in replies/
    files: tuple[str, ...]  # every file written for it, the main one first
    source: str
    sender: str = ""  # the From address of an emailed reply; "" for a scan


@dataclass(frozen=True)
class SetAside:
    """A bounce or an automatic reply, handled once and never counted as a reply."""

    key: str
    nature: str  # "bounce" or "automatic"
    ref: str  # the request it is about, "" when it matched none
    party: str  # "" for the requester
    received: date
    filed: date
    file_name: str  # a bounce's file in replies/; "" for an automatic reply
    recipient: str  # the address a bounce says failed ("" when it names none)
    reason: str  # what the server said, for a person
    letter_id: str  # the letter that bounced, when the bounce names it
    source: str
