"""Plain data passed between the stages: requests, third parties, letters, problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the register: where it is, what is wrong and how to fix it."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}, row {self.row}" if self.row else self.sheet
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


# The grounds for keeping something out of a copy (DPA 2018; docs/law.md rules 9-11).
THIRD_PARTY_GROUND = "Third party"  # Sch 2 para 16: about another person, not reasonable to share
SERIOUS_HARM = "Serious harm"  # Sch 3 para 5: a health professional's opinion, under 6 months old
BEST_INTERESTS = "Best interests"  # Sch 3 para 21: child abuse data; not in Scotland
LEGAL_ADVICE = "Legal advice"  # Sch 2 para 19: legal professional privilege
GROUNDS = (THIRD_PARTY_GROUND, SERIOUS_HARM, BEST_INTERESTS, LEGAL_ADVICE)


@dataclass(frozen=True)
class Withholding:
    """One row of the Withheld sheet: something kept out of the copy, and the law relied on."""

    row: int
    ref: str
    what: str  # described for the parent, in general terms
    ground: str  # one of GROUNDS
    party: str  # the third party it is about (TP1 …), or ""
    opinion_from: str  # the health professional whose opinion is relied on (serious harm)
    opinion_date: date | None
    reasons: str  # the owner's reasoning: for the consents record, never the letter


@dataclass(frozen=True)
class Request:
    """One row of the Requests sheet that passed every check."""

    row: int
    ref: str
    received: date
    requester: str
    relationship: str
    requester_email: str
    requester_address: str
    child: str
    child_dob: date | None
    request_letter: str
    clarification_asked: date | None
    clarification_received: date | None
    extended: bool
    extension_reason: str
    clean_copy_ready: date | None
    meeting: datetime | None
    closed: date | None
    acknowledged: date | None
    ref_assigned: bool = False  # the Ref was blank and the pipeline chose it
    id_requested: date | None = None  # the setting asked for proof of identity (Art 12(6))
    id_received: date | None = None  # it arrived: the month may start again (Art 12A(2)(b))
    # The extension notice, from the journal: the day it went, and whether it went by post.
    extension_sent: date | None = None
    extension_posted: bool = False
    withheld: tuple[Withholding, ...] = ()  # the Withheld sheet's rows for this request
    response_sent: date | None = None  # the day the response letter went (the journal's)
    withheld_problem: bool = False  # a Withheld row of it has a problem: no response yet

    @property
    def paused(self) -> bool:
        """Say whether the clock is stopped, waiting for ID or clarification."""
        return self.waiting_for_id or (
            self.clarification_asked is not None and self.clarification_received is None
        )

    @property
    def waiting_for_id(self) -> bool:
        """Say whether proof of identity was asked for and has not arrived."""
        return self.id_requested is not None and self.id_received is None


@dataclass(frozen=True)
class ThirdParty:
    """One row of the Third parties sheet that passed every check."""

    row: int
    ref: str
    party: str  # TP1, TP2, … stable within the request
    name: str
    organisation: str
    kind: str  # "Family member" or "Agency"
    role: str
    email: str
    address: str
    decision: str  # "Consents", "Refuses" or ""
    decision_notes: str
    letter_sent: date | None
    reminder_sent: date | None
    reply_received: date | None
    reply: str
    party_assigned: bool = False  # the Party was blank and the pipeline chose it
    reply_from: str = ""  # the From address of the reply filed last (the journal's), if emailed
    also_known_as: str = ""  # other ways the file names them ("Nan", initials), for redaction

    @property
    def display_name(self) -> str:
        """Name the party as a person reads it: the organisation for an agency."""
        if self.kind == "Agency" and self.organisation:
            return self.organisation
        return self.name

    @property
    def replied_from_elsewhere(self) -> bool:
        """Say whether the last reply came from another address than the register's Email."""
        return bool(
            self.reply_from
            and self.email.strip()
            and self.reply_from.casefold() != self.email.strip().casefold()
        )

    @property
    def has_replied(self) -> bool:
        """Say whether a reply or a decision is on record."""
        return self.reply_received is not None or bool(self.decision)


# The journal keeps the Refs the pipeline chose for complaints beside those of requests (by
# received date, requester and child), with this in place of the child's name.
COMPLAINT_KEY = "(complaint)"


@dataclass(frozen=True)
class Complaint:
    """One row of the Complaints sheet that passed every check (DPA 2018 s.164A)."""

    row: int
    ref: str  # C-2026-001: the complaint's own reference, and its folder's name
    received: date
    complainant: str
    email: str
    address: str
    request: str  # the Ref of the request it concerns, or ""
    summary: str
    outcome: str
    closed: date | None
    acknowledged: date | None
    outcome_sent: date | None = None  # the day the outcome letter went (the journal's)
    ref_assigned: bool = False  # the Ref was blank and the pipeline chose it


@dataclass(frozen=True)
class Letter:
    """A letter the pipeline has decided to write."""

    letter_id: str  # e.g. SAR-2026-001/TP2/consent, stable across runs
    ref: str
    party: str  # "" for letters to the requester
    kind: str  # a key of pipeline.letters.kinds.KINDS
    recipient: str
    by: str  # "Email" or "Post"
    to: str  # the email address, or the postal address on one line
    file_name: str
    template: str
    salutation: str = ""  # "Dear Joan Smith": the letter's greeting, for its covering email
