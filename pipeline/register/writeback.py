"""Turn what the run knows into the register's pipeline columns, and write them back."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.complaints import ComplaintProgress
from pipeline.errors import LettersError
from pipeline.journal import READY, SENT, Entry, Send
from pipeline.letters.kinds import sheet_kind
from pipeline.model import Complaint, Request, ThirdParty
from pipeline.progress import Progress
from pipeline.register import layout
from pipeline.register.read import Register
from pipeline.register.write import add_missing, apply_letters, apply_rows, save

# The Letters sheet's Sent for a letter not gone: an email in the outbox, a letter withdrawn.
READY_TO_SEND = "Ready to send"
WITHDRAWN = "Withdrawn"


@dataclass(frozen=True)
class WriteBack:
    """What became of the register: written (with the backup made first), or why not."""

    written: bool = False
    backup: Path | None = None
    error: str = ""  # why it was not written, for a person
    # The sheets and columns a register made by an earlier version gained in this write.
    added: tuple[str, ...] = ()


def write_back(
    register: Register,
    progress: Sequence[tuple[Request, Progress]],
    parties: Sequence[ThirdParty],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    withdrawn: Collection[str],
    today: date,
    complaints: Sequence[tuple[Complaint, ComplaintProgress]] = (),
    clean_copies: Mapping[str, date] | None = None,
    taken_away: Collection[str] = frozenset(),
) -> WriteBack:
    """Fill the pipeline's columns from what the run knows; save the register if one changed.

    ``clean_copies`` gives the day each request's clean copy was written, by Ref: it fills a
    blank Clean copy ready (the manager may type one for a copy made by hand). The Refs in
    ``taken_away`` had their clean copy taken away: their Clean copy ready is cleared.
    """
    request_values: dict[int, dict[str, object]] = {}
    for request, where in progress:
        request_values[request.row] = _request_columns(request, where)
        written = (clean_copies or {}).get(request.ref)
        if request.ref in taken_away:
            request_values[request.row]["Clean copy ready"] = ""
        elif written is not None and request.clean_copy_ready is None:
            request_values[request.row]["Clean copy ready"] = written
    for problem in register.problems:
        if problem.sheet == layout.REQUESTS and problem.row not in request_values:
            request_values[problem.row] = {"Status": f"Check this row: {problem.column}"}
    party_values = {party.row: _party_columns(party) for party in parties}
    complaint_values = {
        complaint.row: _complaint_columns(complaint, where) for complaint, where in complaints
    }
    for problem in register.problems:
        if problem.sheet == layout.COMPLAINTS and problem.row not in complaint_values:
            complaint_values[problem.row] = {"Status": f"Check this row: {problem.column}"}
    letter_values = [
        _letter_columns(entry, sends.get(entry.letter_id), entry.letter_id in withdrawn)
        for entry in entries.values()
    ]
    added_cells, added = add_missing(register)
    changes = [
        *added_cells,
        *apply_rows(register, layout.REQUESTS, request_values),
        *apply_rows(register, layout.THIRD_PARTIES, party_values),
        *apply_rows(register, layout.COMPLAINTS, complaint_values),
        *apply_letters(register, letter_values),
    ]
    if not changes:
        return WriteBack()
    try:
        return WriteBack(written=True, backup=save(register, changes, today), added=added)
    except LettersError as error:
        return WriteBack(error=error.message)


def _request_columns(request: Request, where: Progress) -> dict[str, object]:
    values: dict[str, object] = {
        # While ID is awaited there is no deadline yet (Art 12(6)(b)): the cells stay blank.
        "Promised by": where.deadlines.promised_by if where.shows_deadlines else None,
        "Legal deadline": where.deadlines.legal_deadline if where.shows_deadlines else None,
        "Days left": where.days_left,
        "Status": where.status,
    }
    if request.acknowledged is not None:
        values["Acknowledged"] = request.acknowledged
    if request.ref_assigned:
        values["Ref"] = request.ref
    return values


def _complaint_columns(complaint: Complaint, where: ComplaintProgress) -> dict[str, object]:
    values: dict[str, object] = {"Acknowledge by": where.acknowledge_by, "Status": where.status}
    if complaint.acknowledged is not None:
        values["Acknowledged"] = complaint.acknowledged
    if complaint.ref_assigned:
        values["Ref"] = complaint.ref
    return values


def _party_columns(party: ThirdParty) -> dict[str, object]:
    values: dict[str, object] = {}
    if party.party_assigned:
        values["Party"] = party.party
    for header, value in (
        ("Letter sent", party.letter_sent),
        ("Reminder sent", party.reminder_sent),
        ("Reply received", party.reply_received),
        ("Reply", party.reply),
    ):
        if value:  # the journal's, or the register's own: never blanked
            values[header] = value
    return values


def _letter_columns(entry: Entry, send: Send | None, withdrawn: bool) -> dict[str, object]:
    sent = send is not None and send.state == SENT
    ready = send is not None and send.state == READY
    waiting = WITHDRAWN if withdrawn else READY_TO_SEND if ready else None
    return {
        "Letter": entry.letter_id,
        "Ref": entry.ref,
        "Party": entry.party,
        "Kind": sheet_kind(entry.kind, entry.letter_id),
        "Recipient": entry.recipient,
        "Generated": entry.generated,
        "Signed": send.signed if send is not None else None,
        # An email in the outbox has not gone: the Sent date waits until it has left it.
        "Sent": send.sent if sent and send is not None else waiting,
        "By": entry.by,
        "To": entry.destination,
        "File": send.file_name if (sent or ready) and send is not None else entry.file_name,
        "Message id": send.message_id if send is not None else "",
    }
