"""Every kind of letter, in one table, and the stable id that names one letter."""

from __future__ import annotations

import re
from dataclasses import dataclass

REQUESTER = "requester"
THIRD_PARTY = "third party"
COMPLAINANT = "complainant"


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter: its template, its names, its email subject and who it goes to."""

    key: str  # how the journal and the code name it, e.g. "consent-family"
    template: str  # the file in letter_templates/
    label: str  # in file names: "SAR-2026-001 consent request TP2 - Joan Smith.docx"
    sheet_label: str  # in the Letters sheet's Kind column
    subject: str  # the covering email's subject, before the reference
    to: str  # REQUESTER, THIRD_PARTY or COMPLAINANT
    id_name: str  # its part of the letter id: both consent requests are "consent"
    numbered: bool = False  # reminders are counted: reminder 1, reminder 2


_ABOUT_RECORDS = "Your request to see your child's records"
_CONSENT = "Request for consent to disclose information"
_COMPLAINT = "Your complaint to us"

KINDS: dict[str, LetterKind] = {
    kind.key: kind
    for kind in (
        LetterKind(
            "acknowledgement",
            "acknowledgement.docx",
            "acknowledgement",
            "Acknowledgement",
            _ABOUT_RECORDS,
            REQUESTER,
            "acknowledgement",
        ),
        LetterKind(
            "consent-family",
            "consent-request-family.docx",
            "consent request",
            "Consent request (family member)",
            _CONSENT,
            THIRD_PARTY,
            "consent",
        ),
        LetterKind(
            "consent-agency",
            "consent-request-agency.docx",
            "consent request",
            "Consent request (agency)",
            _CONSENT,
            THIRD_PARTY,
            "consent",
        ),
        LetterKind(
            "reminder",
            "reminder.docx",
            "reminder",
            "Reminder",
            "Reminder: request for consent to disclose information",
            THIRD_PARTY,
            "reminder",
            numbered=True,
        ),
        LetterKind(
            "extension",
            "extension-notice.docx",
            "extension notice",
            "Extension notice",
            f"{_ABOUT_RECORDS}: more time needed",
            REQUESTER,
            "extension",
        ),
        LetterKind(
            "delay",
            "delay-letter.docx",
            "delay letter",
            "Delay letter",
            f"{_ABOUT_RECORDS}: our apology for the delay",
            REQUESTER,
            "delay",
        ),
        LetterKind(
            "invitation",
            "invitation.docx",
            "invitation",
            "Invitation",
            f"{_ABOUT_RECORDS}: the file is ready",
            REQUESTER,
            "invitation",
        ),
        LetterKind(
            "response",
            "response.docx",
            "response",
            "Response",
            f"{_ABOUT_RECORDS}: our response and your copy",
            REQUESTER,
            "response",
        ),
        LetterKind(
            "complaint-acknowledgement",
            "complaint-acknowledgement.docx",
            "complaint acknowledgement",
            "Complaint acknowledgement",
            _COMPLAINT,
            COMPLAINANT,
            "complaint-acknowledgement",
        ),
        LetterKind(
            "complaint-outcome",
            "complaint-outcome.docx",
            "complaint outcome",
            "Complaint outcome",
            f"{_COMPLAINT}: the outcome",
            COMPLAINANT,
            "complaint-outcome",
        ),
    )
}
# The letters a complaint needs, in the order they go.
COMPLAINT_KINDS = ("complaint-acknowledgement", "complaint-outcome")

_NAME_AND_NUMBER = re.compile(r"^(?P<name>.+?)(?:-(?P<number>[0-9]+))?$")


@dataclass(frozen=True)
class LetterId:
    """A letter's stable id, e.g. ``SAR-2026-001/TP2/reminder-1``: the journal's key for it."""

    ref: str
    party: str  # "" for a letter to the requester
    name: str  # the kind's id_name
    number: int = 0  # a reminder's number; 0 for letters that are not counted

    @classmethod
    def of(cls, ref: str, kind: str, party: str = "", number: int = 0) -> LetterId:
        """Return the id of the letter of ``kind`` for ``ref`` (and ``party``)."""
        return cls(ref, party, KINDS[kind].id_name, number)

    @classmethod
    def parse(cls, text: str) -> LetterId:
        """Read an id written by ``str()``: ``REF[/PARTY]/NAME[-NUMBER]``."""
        *head, last = text.split("/")
        found = _NAME_AND_NUMBER.match(last)
        if len(head) not in (1, 2) or found is None:
            raise ValueError(f"not a letter id: {text!r}")
        number = found.group("number")
        return cls(head[0], head[1] if len(head) == 2 else "", found.group("name"),
                   int(number) if number else 0)  # fmt: skip

    def __str__(self) -> str:
        name = f"{self.name}-{self.number}" if self.number else self.name
        return "/".join(part for part in (self.ref, self.party, name) if part)


def letter_id(ref: str, kind: str, party: str = "", number: int = 0) -> str:
    """Return the stable id of a letter as the journal keeps it, e.g. SAR-2026-001/TP2/consent."""
    return str(LetterId.of(ref, kind, party, number))


def reference(ref: str, party: str = "") -> str:
    """Return the reference a person quotes: SAR-2026-001, or SAR-2026-001/TP2 for a party."""
    return f"{ref}/{party}" if party else ref


def sheet_kind(kind: str, letter_id_text: str) -> str:
    """Name a letter's kind as the Letters sheet shows it: ``Reminder 2`` for a reminder."""
    found = KINDS[kind]
    if found.numbered:
        return f"{found.sheet_label} {LetterId.parse(letter_id_text).number}"
    return found.sheet_label
