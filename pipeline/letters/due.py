"""Decide which letters are due today, from the register and the journal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.config import DeadlineRules
from pipeline.history import sent_on
from pipeline.journal import Entry, Send
from pipeline.letters.kinds import KINDS, letter_id
from pipeline.letters.naming import file_name
from pipeline.model import Letter, Request, ThirdParty


@dataclass(frozen=True)
class Recipient:
    """Who a letter goes to and how: plain data for the address block and the footer."""

    name: str
    organisation: str
    role: str
    address_lines: tuple[str, ...]  # the whole address block: name, role, agency, postal lines
    postal: tuple[str, ...]  # the postal address alone
    email: str
    salutation: str

    @property
    def by(self) -> str:
        """Say how the letter goes: by email when there is an address for it."""
        return "Email" if self.email else "Post"

    @property
    def to(self) -> str:
        """Return the destination on one line: the email address or the postal address."""
        return self.email or ", ".join(self.postal)


def address_lines(address: str) -> tuple[str, ...]:
    """Split a postal address typed on several lines, or on one line with commas."""
    lines = address.splitlines() if "\n" in address.strip() else address.split(",")
    return tuple(line.strip().rstrip(",") for line in lines if line.strip())


def requester_of(request: Request) -> Recipient:
    """Return the requester as a recipient."""
    postal = address_lines(request.requester_address)
    return Recipient(
        name=request.requester,
        organisation="",
        role=request.relationship,
        address_lines=(request.requester, *(postal or (request.requester_email,))),
        postal=postal,
        email=request.requester_email,
        salutation=f"Dear {request.requester}",
    )


def recipient_of(party: ThirdParty) -> Recipient:
    """Return a third party as a recipient: the worker, their role and agency, or the person."""
    head = [party.name] if party.name else []
    if party.kind == "Agency":
        head += [line for line in (party.role, party.organisation) if line]
    postal = address_lines(party.address)
    return Recipient(
        name=party.name or party.organisation,
        organisation=party.organisation,
        role=party.role,
        address_lines=(*head, *(postal or (party.email,))),
        postal=postal,
        email=party.email,
        salutation=f"Dear {party.name}" if party.name else "Dear Sir or Madam",
    )


def letter_for(kind: str, request: Request, party: ThirdParty | None, number: int = 0) -> Letter:
    """Return the letter of ``kind`` as the register says it now: to whom, how and where.

    A consent request is the one for the party's Kind now (family member or agency).
    """
    if party is None:
        return _requester_letter(request.ref, kind, requester_of(request))
    if KINDS[kind].id_name == "consent":
        kind = consent_kind(party)
    return _party_letter(party, kind, recipient_of(party), number)


def consent_kind(party: ThirdParty) -> str:
    """Return the kind of consent request a third party is sent."""
    return "consent-agency" if party.kind == "Agency" else "consent-family"


def _requester_letter(ref: str, kind: str, who: Recipient) -> Letter:
    return Letter(
        letter_id=letter_id(ref, kind),
        ref=ref,
        party="",
        kind=kind,
        recipient=who.name,
        by=who.by,
        to=who.to,
        file_name=file_name(ref, kind, who.name),
        template=KINDS[kind].template,
        salutation=who.salutation,
    )


def due_letters(
    request: Request,
    parties: Iterable[ThirdParty],
    journal: Mapping[str, Entry],
    sends: Mapping[str, Send],
    today: date,
    rules: DeadlineRules,
    delay: bool = False,
) -> list[Letter]:
    """Return the letters this request needs now that the journal has not yet seen.

    ``delay``: the extension notice did not go within the first month, so no extension
    counts; a delay letter goes instead of a notice not yet written (Art 12A(4)).
    """
    if request.closed is not None:
        return []
    ref = request.ref
    kinds = []
    if request.acknowledged is None:
        kinds.append("acknowledgement")
    if delay:
        kinds.append("delay")
    elif request.extended:
        kinds.append("extension")
    if request.clean_copy_ready and request.meeting and request.meeting.date() >= today:
        kinds.append("invitation")
    # The response goes with the copy, by the deadline, whether or not they meet (Art 15(3)).
    if request.clean_copy_ready and not request.withheld_problem:
        kinds.append("response")
    # Only the letters the journal has not seen are built: most were, long ago.
    kinds = [kind for kind in kinds if letter_id(ref, kind) not in journal]
    wanted = [_requester_letter(ref, kind, requester_of(request)) for kind in kinds]
    if not request.paused:
        for party in parties:
            wanted.extend(_party_letters(party, journal, sends, today, rules))
    return [letter for letter in wanted if letter.letter_id not in journal]


def _party_letters(
    party: ThirdParty,
    journal: Mapping[str, Entry],
    sends: Mapping[str, Send],
    today: date,
    rules: DeadlineRules,
) -> list[Letter]:
    if party.has_replied:
        return []
    consent = consent_kind(party)
    if party.letter_sent is None:
        if letter_id(party.ref, consent, party.party) in journal:
            return []
        return [_party_letter(party, consent, recipient_of(party))]
    reminders = [
        entry
        for entry in journal.values()
        if entry.ref == party.ref and entry.party == party.party and entry.kind == "reminder"
    ]
    # A reminder generated but not yet sent is still waiting for the owner: no second one.
    if any(sent_on(sends, entry.letter_id) is None for entry in reminders):
        return []
    count = max(len(reminders), 1 if party.reminder_sent else 0)
    if count >= rules.max_reminders:
        return []
    last = max(day for day in (party.letter_sent, party.reminder_sent) if day is not None)
    if today < last + timedelta(days=rules.reminder_after_days):
        return []
    return [_party_letter(party, "reminder", recipient_of(party), count + 1)]


def _party_letter(party: ThirdParty, kind: str, who: Recipient, number: int = 0) -> Letter:
    display = party.display_name
    return Letter(
        letter_id=letter_id(party.ref, kind, party.party, number),
        ref=party.ref,
        party=party.party,
        kind=kind,
        recipient=display,
        by=who.by,
        to=who.to,
        file_name=file_name(party.ref, kind, display, party.party, number),
        template=KINDS[kind].template,
        salutation=who.salutation,
    )
