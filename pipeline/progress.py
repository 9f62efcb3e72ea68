"""Say where each request stands: its deadlines, working days left and a status phrase."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.config import DeadlineRules
from pipeline.deadlines import Calendar, Deadlines, days_left, deadlines
from pipeline.model import Request, ThirdParty

AT_RISK_WITHIN = 3  # working days before the promise when a request is flagged at risk


@dataclass(frozen=True)
class Progress:
    """Where one request stands today."""

    ref: str
    deadlines: Deadlines
    days_left: int | None  # None once the request is closed
    status: str
    at_risk: bool
    overdue: bool
    ready_for_clean_copy: bool = False  # every third party has answered, on time


def progress_of(
    request: Request,
    parties: Sequence[ThirdParty],
    today: date,
    calendar: Calendar,
    rules: DeadlineRules,
    party_problem: bool = False,
    ready: int = 0,
) -> Progress:
    """Work out the deadlines and status of ``request`` with its third ``parties``.

    ``ready`` counts the request's emails waiting in the outbox to be sent.
    """
    due = deadlines(
        request.received,
        calendar,
        promise_days=rules.promise_days,
        extended=request.extended,
        clarification_asked=request.clarification_asked,
        clarification_received=request.clarification_received,
        today=today,
    )
    if request.closed is not None:
        return Progress(request.ref, due, None, "Closed", at_risk=False, overdue=False)
    target = min(due.promised_by, due.legal_deadline)
    left = days_left(today, due, calendar)
    # Once the response has gone with the copy the request is answered (Art 15(3)): a meeting
    # still to come does not keep it open, and one after the deadline does not answer it.
    waiting = not request.paused and request.response_sent is None
    overdue = today > target and waiting
    if overdue:
        # A weekend straight after the deadline has no working day in it, yet it is overdue.
        left = min(left, -1)
    at_risk = not overdue and waiting and 0 <= left <= AT_RISK_WITHIN
    status, clean = _status(request, parties, today, party_problem, ready)
    if request.clean_copy_ready and not request.paused:
        status = _answering(request, due, today)
    to_legal = calendar.working_days_between(today, due.legal_deadline)
    if waiting and today <= due.legal_deadline and to_legal <= AT_RISK_WITHIN:
        status = f"Response and copy must go by {due.legal_deadline:%d/%m/%Y}: {status}"
        at_risk = not overdue
    if overdue:
        status = f"Overdue by {-left} working day{'s' if left != -1 else ''}: {status}"
    return Progress(request.ref, due, left, status, at_risk, overdue, clean and not overdue)


def _status(
    request: Request, parties: Sequence[ThirdParty], today: date, party_problem: bool, ready: int
) -> tuple[str, bool]:
    """Say where the request stands, and whether it is ready for the clean copy."""
    if request.paused:
        return "Paused: waiting for ID or clarification", False
    if request.clean_copy_ready:
        return "Clean copy ready", False  # said in full by _answering
    if party_problem:
        return "Check the Third parties sheet", False
    if ready:
        return f"Ready to send: {ready} email{'s' if ready > 1 else ''} in the outbox", False
    if request.acknowledged is None:
        return "Acknowledgement to sign and send", False
    waiting = [party for party in parties if not party.has_replied]
    if waiting:
        return f"Waiting for {len(waiting)} of {len(parties)} replies", False
    return "Ready for clean copy", True


def _answering(request: Request, due: Deadlines, today: date) -> str:
    """Say where a request with its clean copy ready stands: the response, then the meeting."""
    meeting = request.meeting if request.meeting and request.meeting.date() >= today else None
    offered = f"meeting on {meeting:%d/%m/%Y at %H:%M}" if meeting else ""
    if request.response_sent is None:
        if request.withheld_problem:
            return "Clean copy ready: check the Withheld sheet, then the response goes"
        status = "Clean copy ready: response to sign and send with the copy"
        if meeting and meeting.date() > due.legal_deadline:
            return f"{status} (the {offered} is after the legal deadline)"
        return f"{status}; {offered}" if offered else status
    sent = f"Response sent {request.response_sent:%d/%m/%Y}"
    return f"{sent}; {offered}" if offered else f"{sent}: record Closed"


def by_ref(parties: Sequence[ThirdParty]) -> dict[str, list[ThirdParty]]:
    """Group third parties by the Ref of their request."""
    grouped: dict[str, list[ThirdParty]] = defaultdict(list)
    for party in parties:
        grouped[party.ref].append(party)
    return grouped


def progress_all(
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    today: date,
    calendar: Calendar,
    rules: DeadlineRules,
    refs_with_party_problems: Collection[str] = (),
    ready: Mapping[str, int] | None = None,
) -> list[tuple[Request, Progress]]:
    """Work out where every request stands, with its third parties.

    ``ready`` counts each request's emails waiting in the outbox, by Ref.
    """
    grouped = by_ref(parties)
    return [
        (
            request,
            progress_of(
                request,
                grouped[request.ref],
                today,
                calendar,
                rules,
                party_problem=request.ref in refs_with_party_problems,
                ready=(ready or {}).get(request.ref, 0),
            ),
        )
        for request in requests
    ]
