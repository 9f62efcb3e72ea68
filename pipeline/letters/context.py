"""Build every placeholder a letter template may use, from the register and the deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pipeline.config import Config, Privacy, Regulator, Setting
from pipeline.deadlines import EXTENSION_LATE, Calendar, Deadlines
from pipeline.letters.due import Recipient, recipient_of, requester_of
from pipeline.letters.kinds import LetterId, reference
from pipeline.model import (
    BEST_INTERESTS,
    LEGAL_ADVICE,
    SERIOUS_HARM,
    THIRD_PARTY_GROUND,
    Letter,
    Request,
    ThirdParty,
    Withholding,
)

CONTEXT_NAMES = (
    "date",
    "delivery",
    "setting",
    "owner",
    "manager",
    "letter",
    "recipient",
    "request",
    "party",
    "regulator",
    "privacy",
    "withheld",
    "response",
)
# A delay letter's firm date: days from the letter's date, moved to a working day. Short, as the
# legal deadline has passed; the owner may change it in Word before signing.
FIRM_DATE_DAYS = 10
# Each ground for withholding as the response letter says it, and the law it rests on.
GROUND_WORDS = {
    THIRD_PARTY_GROUND: (
        "information about another person, or that would identify them, which we decided it "
        "would not be reasonable to share without their consent",
        "Data Protection Act 2018, Schedule 2, paragraph 16",
    ),
    SERIOUS_HARM: (
        "health information which, in the opinion of a health professional, would be likely "
        "to cause serious harm to the physical or mental health of your child or of someone "
        "else if it were shared",
        "Data Protection Act 2018, Schedule 3, paragraph 5",
    ),
    BEST_INTERESTS: (
        "information which it would not be in your child's best interests to share",
        "Data Protection Act 2018, Schedule 3, paragraph 21",
    ),
    LEGAL_ADVICE: (
        "legal advice given to us in confidence, which is legally privileged",
        "Data Protection Act 2018, Schedule 2, paragraph 19",
    ),
}
_RELATIONSHIP_WORDS = {
    "Person with parental responsibility": "a person with parental responsibility",
    "Other": "acting for the child",
}


class Fields(dict[str, Any]):
    """A group of placeholders, e.g. ``request``; knows its name for error messages."""

    def __init__(self, label: str, **values: Any) -> None:
        super().__init__(**values)
        self.label = label


def letterhead(setting: Setting) -> dict[str, Fields]:
    """Return the placeholders every document shares: the setting, its owner and manager."""
    return {
        "setting": Fields(
            "setting",
            name=setting.name,
            address_lines=list(setting.address),
            phone=setting.phone,
            email=setting.email,
        ),
        "owner": Fields("owner", name=setting.owner_name, role=setting.owner_role),
        "manager": Fields("manager", name=setting.manager_name),
    }


def web_words(url: str) -> str:
    """Write a web address as a letter prints it: ico.org.uk/make-a-complaint."""
    return url.removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/")


def rights_groups(config: Config) -> dict[str, Fields]:
    """Return the placeholders of every letter that tells a parent their rights."""
    regulator: Regulator = config.regulator
    privacy: Privacy = config.privacy
    return {
        "regulator": Fields(
            "regulator",
            name=regulator.name,
            known_as=regulator.known_as,
            description=regulator.description,
            website=web_words(regulator.website),
            complaints_url=web_words(regulator.complaints_url),
            phone=regulator.phone,
            phone_welsh=regulator.phone_welsh,
            postal_address=regulator.postal_address,
        ),
        "privacy": Fields("privacy", **vars(privacy)),
    }


def withheld_fields(withheld: tuple[Withholding, ...]) -> list[Fields]:
    """Say each thing withheld from a copy as the parent reads it: what, why, and the law."""
    return [
        Fields("item", what=item.what, why=GROUND_WORDS[item.ground][0],
               law=GROUND_WORDS[item.ground][1])
        for item in withheld
    ]  # fmt: skip


def relationship_words(relationship: str) -> str:
    """Say the requester's relationship as it reads mid-sentence: "mother"."""
    return _RELATIONSHIP_WORDS.get(relationship, relationship.lower())


def long_date(day: date) -> str:
    """Write a date as a letter does: 3 September 2026."""
    return f"{day.day} {day:%B %Y}"


def meeting_words(when: datetime) -> str:
    """Write a meeting's date and time: Tuesday 15 December 2026 at 10:30."""
    return f"{when:%A} {long_date(when)} at {when:%H:%M}"


def goes_late(letter: Letter, due: Deadlines, today: date) -> bool:
    """Say whether ``letter`` is an extension notice going after the first month."""
    return letter.kind == "extension" and today > due.original_legal_deadline


def context(
    letter: Letter,
    request: Request,
    party: ThirdParty | None,
    due: Deadlines,
    config: Config,
    today: date,
    calendar: Calendar,
) -> dict[str, Any]:
    """Build every placeholder a letter template may use."""
    setting = config.setting
    who: Recipient = recipient_of(party) if party else requester_of(request)
    # A date goes stale when the letter is signed or posted late; the days to reply, counted
    # from when it reaches them, hold whenever it goes (the reminder counts from then too).
    days = config.deadlines.reminder_after_days
    reply_by = calendar.next_working_day(today + timedelta(days=days))
    reminder_number = LetterId.parse(letter.letter_id).number
    return {
        "date": long_date(today),
        "delivery": f"Sent by email to {who.email}" if who.email else "By post",
        **letterhead(setting),
        "letter": Fields(
            "letter",
            reference=reference(request.ref, party.party if party else ""),
            late=goes_late(letter, due, today),
            # Sch 3 para 21 (child abuse data) does not apply in Scotland.
            scotland=config.deadlines.bank_holidays == "SCT",
        ),
        "recipient": Fields(
            "recipient",
            name=who.name,
            organisation=who.organisation,
            role=who.role,
            address_lines=list(who.address_lines),
            salutation=who.salutation,
        ),
        "request": Fields(
            "request",
            ref=request.ref,
            received=long_date(request.received),
            requester=request.requester,
            relationship=relationship_words(request.relationship),
            child=request.child,
            child_dob=long_date(request.child_dob) if request.child_dob else "",
            promised_by=long_date(due.promised_by),
            legal_deadline=long_date(due.original_legal_deadline),
            extended_deadline=(
                long_date(due.extended_deadline)
                if request.extended and due.extended_deadline
                else ""
            ),
            extension_reason=request.extension_reason,
            # The date the response was due by: the extended one only if the extension counts.
            response_due=long_date(due.legal_deadline),
            extension_late=due.extension == EXTENSION_LATE,
            meeting=meeting_words(request.meeting) if request.meeting else "",
            id_requested=long_date(request.id_requested) if request.id_requested else "",
            id_received=long_date(request.id_received) if request.id_received else "",
            waiting_for_id=due.waiting_for_id,
            # The day the month runs from when it started again on the ID's arrival.
            month_from=long_date(due.start) if due.restarted and due.start else "",
            firm_date=long_date(calendar.next_working_day(today + timedelta(days=FIRM_DATE_DAYS))),
        ),
        "party": Fields(
            "party",
            code=party.party if party else "",
            name=party.name if party else "",
            role=party.role if party else "",
            kind=party.kind if party else "",
            letter_sent=long_date(party.letter_sent) if party and party.letter_sent else "",
            reminder_number=reminder_number,
            reply_by=long_date(reply_by),
            reply_within=f"{days} day{'s' if days != 1 else ''}",
        ),
        **rights_groups(config),
        "withheld": withheld_fields(request.withheld),
        "response": Fields(
            "response",
            by_email=bool(who.email),
            copy_ready=long_date(request.clean_copy_ready) if request.clean_copy_ready else "",
            electronic=bool(request.requester_email),
        ),
    }


def sample_request(today: date) -> Request:
    """Return a fictional request with every field filled, to try templates with."""
    return Request(
        row=2, ref="SAR-2026-001", received=today, requester="Jane Example",
        relationship="Mother", requester_email="jane@example.org",
        requester_address="1 Example Road\nExampletown EX1 1AA", child="Sam Example",
        child_dob=date(2022, 3, 1), request_letter="", clarification_asked=None,
        clarification_received=None, extended=True, extension_reason="Many records",
        clean_copy_ready=today, meeting=datetime.combine(today, datetime.min.time()).replace(
            hour=10), closed=None, acknowledged=None,
        withheld=(Withholding(row=2, ref="SAR-2026-001", what="Two notes", ground=SERIOUS_HARM,
                              party="", opinion_from="Dr Example", opinion_date=today,
                              reasons="Reasons"),),
    )  # fmt: skip


def sample_party(today: date) -> ThirdParty:
    """Return a fictional third party with every field filled, to try templates with."""
    return ThirdParty(
        row=2, ref="SAR-2026-001", party="TP1", name="Pat Example",
        organisation="Example Council", kind="Agency", role="Social worker", email="",
        address="2 Example Street, Exampletown", decision="Refuses", decision_notes="Reasons",
        letter_sent=today, reminder_sent=today, reply_received=today, reply="reply.eml",
    )  # fmt: skip


def sample_context(config: Config, today: date, calendar: Calendar) -> dict[str, Any]:
    """Build a letter's placeholder values from a fictional request, to try templates with."""
    request, party = sample_request(today), sample_party(today)
    letter = Letter(
        letter_id="SAR-2026-001/TP1/reminder-1",
        ref=request.ref,
        party="TP1",
        kind="reminder",
        recipient="Example Council",
        by="Post",
        to="",
        file_name="sample.docx",
        template="reminder.docx",
    )
    due = Deadlines(today, today, today, 0)
    return context(letter, request, party, due, config, today, calendar)
