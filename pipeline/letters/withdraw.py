"""Withdraw the letters not yet gone that must not go: no longer needed, or to an old address.

A letter waiting to be signed or sent is withdrawn when it became unnecessary (a reply came, a
Decision was typed, the request was closed, …): its files move into the request's withdrawn/
with a note, it is never sent, and the journal keeps it so that it is not made again. A letter
whose recipient's address (or name, or Kind) was corrected in the register after it was made
is withdrawn the same way and made again, as the register says now, for the owner to sign.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.folders import SIGNED, TO_SIGN, WITHDRAWN, Folders, write_whole
from pipeline.journal import SIGNED as SIGNED_STATE
from pipeline.journal import Entry, Send, Withdrawal
from pipeline.letters.complaints import complaint_letter, complaint_unneeded
from pipeline.letters.due import letter_for
from pipeline.letters.kinds import COMPLAINANT, KINDS, LetterId
from pipeline.model import Complaint, Request, ThirdParty
from pipeline.run_context import RunContext


@dataclass(frozen=True)
class Withdrawn:
    """One letter taken out of to-sign/ or signed/, and why."""

    entry: Entry
    reason: str  # for a person
    moved: tuple[Path, ...]  # its files, where they are now in withdrawn/
    again: bool  # made again, as the register says now, for the owner to sign


@dataclass(frozen=True)
class Withdrawing:
    """The letters this run withdrew."""

    withdrawn: tuple[Withdrawn, ...] = ()

    @property
    def letter_ids(self) -> frozenset[str]:
        """Return the ids of the letters withdrawn as no longer needed (not made again)."""
        return frozenset(item.entry.letter_id for item in self.withdrawn if not item.again)

    @property
    def again(self) -> frozenset[str]:
        """Return the ids of the letters withdrawn to be made again to the corrected address."""
        return frozenset(item.entry.letter_id for item in self.withdrawn if item.again)


def withdraw_letters(
    run: RunContext,
    rows: Rows,
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    withdrawn: Mapping[str, Withdrawal],
) -> Withdrawing:
    """Withdraw every letter not yet handed over that must not go; say which, and why.

    Letters ``withdrawn`` before are swept out of to-sign/ and signed/ again if a copy comes
    back (the owner saved one there after all).
    """
    done: list[Withdrawn] = []
    for entry in entries.values():
        if entry.ref.upper() in rows.held:
            continue  # the request's row has a problem: its letters wait with it
        before = withdrawn.get(entry.letter_id)
        if before is not None:
            reason, again = f"it was withdrawn on {_day(before.day)}: {before.reason}", False
        elif _handed_over(sends.get(entry.letter_id)) or entry.letter_id in rows.posted:
            continue  # gone, or going: a letter with a Posted date was posted
        else:
            reason, again = _why(entry, rows, run.today)
        item = _withdraw(run, entry, reason, again, before is None) if reason else None
        if item is not None:
            done.append(item)
    return Withdrawing(tuple(done))


@dataclass(frozen=True)
class Rows:
    """The register as withdrawing needs it: its rows with the journal's history, by key."""

    requests: Mapping[str, Request]  # by Ref
    parties: Mapping[tuple[str, str], ThirdParty]  # by Ref and Party
    held: Collection[str]  # Refs (upper case) whose Requests row has a problem
    party_problems: Collection[str]  # Refs (upper case) with a Third parties row with one
    posted: Collection[str]  # letters with a Posted date on the Letters sheet
    # A Requests row has a problem: a request missing may be that row's (its Ref left blank).
    request_problem: bool = False
    # Refs whose first month ended with the extension notice not given: it would extend nothing.
    lapsed_extensions: Collection[str] = frozenset()
    complaints: Mapping[str, Complaint] = field(default_factory=dict)  # by Ref
    complaint_problem: bool = False  # a Complaints row has a problem (its Ref may be blank)

    @classmethod
    def of(
        cls,
        requests: Sequence[Request],
        parties: Sequence[ThirdParty],
        held: Collection[str],
        party_problems: Collection[str],
        posted: Collection[str],
        request_problem: bool,
        lapsed_extensions: Collection[str] = frozenset(),
        complaints: Sequence[Complaint] = (),
        complaint_problem: bool = False,
    ) -> Rows:
        """Index the rows that passed their checks, and the Refs with a problem."""
        return cls(
            {request.ref: request for request in requests},
            {(party.ref, party.party): party for party in parties},
            {ref.upper() for ref in held},
            {ref.upper() for ref in party_problems},
            frozenset(posted),
            request_problem,
            frozenset(lapsed_extensions),
            {complaint.ref: complaint for complaint in complaints},
            complaint_problem,
        )


def _why(entry: Entry, rows: Rows, today: date) -> tuple[str, bool]:
    """Say why ``entry`` must not go, and whether it is to be made again; ("", False): it goes."""
    if KINDS[entry.kind].to == COMPLAINANT:
        return _why_complaint(entry, rows)
    request = rows.requests.get(entry.ref)
    party = rows.parties.get((entry.ref, entry.party))
    if entry.party and party is None and entry.ref.upper() in rows.party_problems:
        return "", False  # its row may be the one with a problem: it waits until fixed
    if request is None and rows.request_problem:
        return "", False
    if entry.kind == "extension" and entry.ref in rows.lapsed_extensions:
        return (
            "the first month ended before it went, so it would extend nothing; a delay letter "
            "is written instead",
            False,
        )
    unneeded = _unneeded(entry, request, party, today)
    if unneeded or request is None:
        return unneeded, False
    changed = _readdress(entry, request, party)
    return changed, bool(changed)


def _why_complaint(entry: Entry, rows: Rows) -> tuple[str, bool]:
    """Say why a complaint's letter must not go, and whether it is to be made again."""
    complaint = rows.complaints.get(entry.ref)
    if complaint is None and rows.complaint_problem:
        return "", False  # its row may be the one with a problem: it waits until fixed
    unneeded = complaint_unneeded(entry.kind, complaint, entry.ref)
    if unneeded or complaint is None:
        return unneeded, False
    now = complaint_letter(entry.kind, complaint)
    if (now.by, now.to, now.recipient) != (entry.by, entry.destination, entry.recipient):
        return (
            f"the complainant's name or address changed after it was written: it would have "
            f"gone to {entry.destination} ({entry.by.lower()}); the register now says {now.to} "
            f"({now.by.lower()})",
            True,
        )
    return "", False


def _handed_over(send: Send | None) -> bool:
    """Say whether a letter is out of the pipeline's hands: being sent, ready to send, sent."""
    return send is not None and send.state != SIGNED_STATE


def _unneeded(entry: Entry, request: Request | None, party: ThirdParty | None, today: date) -> str:
    """Say why ``entry`` is no longer needed, or "" while it is."""
    if request is None:
        return f"the request {entry.ref} is no longer on the Requests sheet"
    if request.closed is not None:
        return f"the request {entry.ref} is closed"
    if entry.party:
        if party is None:
            return f"{entry.party} is no longer on the Third parties sheet"
        if party.decision:
            return f"a Decision ({party.decision}) is recorded for {entry.party}"
        if party.reply_received is not None:
            return f"{entry.party} has replied"
        return ""
    if entry.kind == "acknowledgement" and request.acknowledged is not None:
        return "the request's Acknowledged date is filled in on the register"
    if entry.kind == "extension" and not request.extended:
        return "the request's Extended is no longer Yes"
    if entry.kind == "invitation" and not (
        request.clean_copy_ready and request.meeting and request.meeting.date() >= today
    ):
        return "the meeting has passed, or Clean copy ready or Meeting is no longer filled in"
    if entry.kind == "response" and not request.clean_copy_ready:
        return "the request's Clean copy ready is no longer filled in"
    if entry.kind == "delay" and request.response_sent is not None:
        return "the response has gone with the copy, so there is no delay to apologise for"
    return ""


def _readdress(entry: Entry, request: Request, party: ThirdParty | None) -> str:
    """Say what changed in the register since ``entry`` was made, or "" if nothing that shows."""
    now = letter_for(entry.kind, request, party, LetterId.parse(entry.letter_id).number)
    if (now.by, now.to) != (entry.by, entry.destination):
        return (
            f"the address for {now.recipient} changed after it was written: it would have gone "
            f"to {entry.destination} ({entry.by.lower()}); the register now says {now.to} "
            f"({now.by.lower()})"
        )
    if now.recipient != entry.recipient:
        return f"the name changed after it was written, from {entry.recipient} to {now.recipient}"
    if now.kind != entry.kind:
        return f"{entry.party}'s Kind changed after it was written"
    return ""


def _withdraw(
    run: RunContext, entry: Entry, reason: str, again: bool, first: bool
) -> Withdrawn | None:
    """Move the letter's files into withdrawn/ with a note, then journal it.

    None when there is nothing to say: a letter withdrawn before with no copy come back, or
    one to make again that had gone from its folders (it is made again all the same).
    """
    found = _files(run.folders, entry)
    if not found and (again or not first):
        return None
    if run.dry_run:
        return Withdrawn(entry, reason, tuple(found), again)
    if again:
        run.journal.forget_signed(entry.letter_id, run.today)
    folders, ref = run.folders, entry.ref
    moved = [folders.move(path, ref, WITHDRAWN, _free(folders, ref, path.name)) for path in found]
    if moved:
        note = _free(folders, ref, f"{os.path.splitext(entry.file_name)[0]} - withdrawn.txt")
        text = _note(entry, reason, again, run.today)
        folders.wrote(write_whole(folders.place(ref, WITHDRAWN) / note, text))
    if first and not again:
        # Journaled last: a run stopped before this withdraws it again, finding it moved.
        run.journal.record_withdrawn(entry.letter_id, reason, run.today)
    return Withdrawn(entry, reason, tuple(moved), again)


def _files(folders: Folders, entry: Entry) -> list[Path]:
    """Return the letter's files waiting in to-sign/ and signed/ (.docx, or a scanned .pdf)."""
    stem = os.path.splitext(entry.file_name)[0]
    found = []
    for place in (TO_SIGN, SIGNED):
        for suffix in (".docx", ".pdf"):
            path = folders.find(entry.ref, place, stem + suffix)
            if path is not None:
                found.append(path)
    return found


def _free(folders: Folders, ref: str, name: str) -> str:
    """Return ``name``, or ``stem (2).suffix`` and on, whichever withdrawn/ does not hold."""
    taken = folders.names(ref, WITHDRAWN)
    stem, suffix = os.path.splitext(name)
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate, number = f"{stem} ({number}){suffix}", number + 1
    return candidate


def _note(entry: Entry, reason: str, again: bool, today: date) -> str:
    """Write the note kept beside a withdrawn letter: when, why, and what happens next."""
    then = (
        "A new letter, as the register says now, is in to-sign/ for the owner to sign."
        if again
        else "It is kept here for the record; it will not be sent, nor made again."
    )
    return (
        f"{entry.file_name}\n\nWithdrawn on {_day(today)}, before it was sent, because "
        f"{reason}.\n\n{then}\n"
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
