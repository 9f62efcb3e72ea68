"""The letters a complaint to the setting needs: to whom, their placeholders, and the plan.

A complaint's letters live in its own folder, named by its reference (``C-2026-001``) beside
the request folders, and are signed, sent and journaled exactly as a request's letters are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pipeline.complaints import acknowledge_by
from pipeline.config import Config
from pipeline.folders import TO_SIGN, Folders
from pipeline.journal import Entry, Send
from pipeline.letters.context import Fields, letterhead, long_date, rights_groups
from pipeline.letters.due import Recipient, address_lines
from pipeline.letters.kinds import KINDS, letter_id
from pipeline.letters.naming import file_name
from pipeline.letters.plan import LetterPlan, PlannedLetter, vanished
from pipeline.letters.pool import Job
from pipeline.model import Complaint, Letter


def complainant_of(complaint: Complaint) -> Recipient:
    """Return the complainant as a recipient."""
    postal = address_lines(complaint.address)
    return Recipient(
        name=complaint.complainant,
        organisation="",
        role="",
        address_lines=(complaint.complainant, *(postal or (complaint.email,))),
        postal=postal,
        email=complaint.email,
        salutation=f"Dear {complaint.complainant}",
    )


def complaint_letter(kind: str, complaint: Complaint) -> Letter:
    """Return the complaint's letter of ``kind`` as the register says it now."""
    who = complainant_of(complaint)
    return Letter(
        letter_id=letter_id(complaint.ref, kind),
        ref=complaint.ref,
        party="",
        kind=kind,
        recipient=who.name,
        by=who.by,
        to=who.to,
        file_name=file_name(complaint.ref, kind, who.name),
        template=KINDS[kind].template,
        salutation=who.salutation,
    )


def complaint_unneeded(kind: str, complaint: Complaint | None, ref: str) -> str:
    """Say why a complaint's letter of ``kind`` is no longer needed, or "" while it is."""
    if complaint is None:
        return f"the complaint {ref} is no longer on the Complaints sheet"
    if complaint.closed is not None:
        return f"the complaint {ref} is closed"
    if kind == "complaint-acknowledgement" and complaint.acknowledged is not None:
        return "the complaint's Acknowledged date is filled in on the register"
    if kind == "complaint-outcome" and not complaint.outcome:
        return "the complaint's Outcome is no longer filled in"
    return ""


def due_complaint_letters(complaint: Complaint, journal: Mapping[str, Entry]) -> list[Letter]:
    """Return the letters ``complaint`` needs now that the journal has not yet seen."""
    if complaint.closed is not None:
        return []
    kinds = []
    if complaint.acknowledged is None:
        kinds.append("complaint-acknowledgement")
    if complaint.outcome:
        kinds.append("complaint-outcome")
    return [
        complaint_letter(kind, complaint)
        for kind in kinds
        if letter_id(complaint.ref, kind) not in journal
    ]


def complaint_context(
    letter: Letter, complaint: Complaint, config: Config, today: date
) -> dict[str, Any]:
    """Build every placeholder a complaint letter may use."""
    who = complainant_of(complaint)
    return {
        "date": long_date(today),
        "delivery": f"Sent by email to {who.email}" if who.email else "By post",
        **letterhead(config.setting),
        "letter": Fields("letter", reference=complaint.ref, late=False),
        "recipient": Fields(
            "recipient",
            name=who.name,
            organisation="",
            role="",
            address_lines=list(who.address_lines),
            salutation=who.salutation,
        ),
        "complaint": Fields(
            "complaint",
            ref=complaint.ref,
            received=long_date(complaint.received),
            acknowledge_by=long_date(acknowledge_by(complaint.received)),
            request=complaint.request,
            summary=complaint.summary,
            outcome=complaint.outcome,
        ),
        **rights_groups(config),
    }


def plan_complaint_letters(
    complaint: Complaint,
    recorded: Mapping[str, Entry],
    sends: Mapping[str, Send],
    folders: Folders,
    config: Config,
    today: date,
) -> LetterPlan:
    """Plan the letters ``complaint`` needs now, and those of its letters that vanished."""
    letters = due_complaint_letters(complaint, recorded)
    rebuilt = (
        []
        if complaint.closed
        else [
            complaint_letter(entry.kind, complaint)
            for entry in vanished(recorded, sends, folders, complaint.ref)
        ]
    )
    planned = [
        PlannedLetter(
            letter,
            Job(
                letter.template,
                complaint_context(letter, complaint, config, today),
                folders.place(complaint.ref, TO_SIGN) / letter.file_name,
            ),
            rebuilt=letter in rebuilt,
            late=False,
        )
        for letter in [*letters, *rebuilt]
    ]
    return LetterPlan(tuple(planned), ())


def sample_complaint(today: date) -> Complaint:
    """Return a fictional complaint with every field filled, to try templates with."""
    return Complaint(
        row=2, ref="C-2026-001", received=today, complainant="Jane Example",
        email="jane@example.org", address="1 Example Road\nExampletown EX1 1AA",
        request="SAR-2026-001", summary="Parts of the file were missing",
        outcome="We found the missing pages and sent them", closed=None, acknowledged=None,
    )  # fmt: skip


def sample_complaint_context(config: Config, today: date) -> dict[str, Any]:
    """Build a complaint letter's placeholder values from a fictional complaint."""
    complaint = sample_complaint(today)
    return complaint_context(
        complaint_letter("complaint-outcome", complaint), complaint, config, today
    )
