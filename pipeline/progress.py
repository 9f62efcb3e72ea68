"""Say where each request stands: its deadlines, working days left and a status phrase."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from pipeline.config import DeadlineRules
from pipeline.deadlines import (
    EXTENSION_COUNTS,
    EXTENSION_LATE,
    EXTENSION_PENDING,
    Calendar,
    Deadlines,
    days_left,
    deadlines,
)
from pipeline.model import Request, ThirdParty

READY_FOR_CLEAN_COPY = "Ready for clean copy"
AT_RISK_WITHIN = 3  # working days before the promise when a request is flagged at risk
CHASE_ID_AFTER = 14  # days after asking for ID when the to-do list says to chase it
# Days after receipt beyond which asking for ID may not move the month: the statute ties it to
# reasonable doubts about identity, which a setting has when the request arrives (law.md 2).
ID_ASKED_LATE_AFTER = 3


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
    chase_id: bool = False  # ID asked for more than CHASE_ID_AFTER days ago, still awaited
    id_asked_late: int = 0  # days after receipt the ID was asked for, when more than a few
    notice_must_go_by: date | None = None  # Extended, notice not yet given: the last working day
    # The extension was not notified in time, or the legal deadline passed: a delay letter goes.
    delay_letter: bool = False

    @property
    def shows_deadlines(self) -> bool:
        """Say whether there is a deadline to show: none while ID is awaited."""
        return not self.deadlines.waiting_for_id


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
    due = deadlines_of(request, today, calendar, rules)
    if request.closed is not None:
        return Progress(request.ref, due, None, "Closed", at_risk=False, overdue=False)
    target = min(due.promised_by, due.legal_deadline)
    left = days_left(today, due, calendar)
    # Once the response has gone with the copy the request is answered (Art 15(3)): a meeting
    # still to come does not keep it open, and one after the deadline does not answer it.
    answered = request.response_sent is not None
    waiting = not request.paused and not answered
    # A late extension leaves the one-month date standing: overdue even while paused since.
    overdue = (
        today > target and not answered and (not request.paused or due.extension == EXTENSION_LATE)
    )
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
    rule = _rule(due)
    if rule:
        status = f"{status} ({rule})"
    asked = request.id_requested
    pending = due.extension == EXTENSION_PENDING and due.notice_by is not None
    return Progress(
        request.ref,
        due,
        None if due.waiting_for_id else left,
        status,
        at_risk,
        overdue,
        clean and not overdue,
        chase_id=bool(due.waiting_for_id and asked and (today - asked).days > CHASE_ID_AFTER),
        id_asked_late=_late_by(asked, request.received),
        notice_must_go_by=(
            calendar.last_working_day(due.notice_by) if pending and due.notice_by else None
        ),
        # An apology with a firm date, once there is no extension or the deadline has passed.
        delay_letter=due.extension == EXTENSION_LATE
        or (waiting and not due.waiting_for_id and today > due.legal_deadline),
    )


def deadlines_of(
    request: Request, today: date, calendar: Calendar, rules: DeadlineRules
) -> Deadlines:
    """Compute a request's deadlines from its row and the journal's history."""
    return deadlines(
        request.received,
        calendar,
        promise_days=rules.promise_days,
        extended=request.extended,
        clarification_asked=request.clarification_asked,
        clarification_received=request.clarification_received,
        id_requested=request.id_requested,
        id_received=request.id_received,
        notice_sent=request.extension_sent,
        notice_posted=request.extension_posted,
        today=today,
    )


def extension_lapsed(
    request: Request, today: date, calendar: Calendar, rules: DeadlineRules
) -> bool:
    """Say whether the request's extension can no longer count: its notice did not go in time."""
    return request.extended and deadlines_of(request, today, calendar, rules).extension == (
        EXTENSION_LATE
    )


def _rule(due: Deadlines) -> str:
    """Say which rule moved the deadline from the plain month, or "" when none did."""
    if due.waiting_for_id:
        return ""
    parts = []
    if due.restarted and due.start is not None:
        parts.append(f"month restarted on ID received {_uk(due.start)}")
    if due.id_days:
        parts.append(f"paused {_days(due.id_days)} for ID")
    clarification = due.paused_days - due.id_days
    if clarification:
        parts.append(f"paused {_days(clarification)} for clarification")
    if due.extension == EXTENSION_COUNTS and due.notice_given is not None:
        parts.append(f"extended: notice given {_uk(due.notice_given)}")
    elif due.extension == EXTENSION_LATE:
        parts.append("no extension: the notice did not go within the first month")
    return ", ".join(parts)


def _late_by(asked: date | None, received: date) -> int:
    """Return the days after receipt ID was asked for, when more than a few; else 0."""
    days = (asked - received).days if asked else 0
    return days if days > ID_ASKED_LATE_AFTER else 0


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _uk(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _status(
    request: Request, parties: Sequence[ThirdParty], today: date, party_problem: bool, ready: int
) -> tuple[str, bool]:
    """Say where the request stands, and whether it is ready for the clean copy."""
    if request.waiting_for_id and request.id_requested is not None:
        return f"Waiting for ID (asked {_uk(request.id_requested)})", False
    if request.paused:
        return "Paused: waiting for clarification", False
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
    return READY_FOR_CLEAN_COPY, True


def with_clean_step(progress: Progress, step: str) -> Progress:
    """Return ``progress`` whose status names the clean copy's next step, once it is known."""
    if not step or READY_FOR_CLEAN_COPY not in progress.status:
        return progress
    status = progress.status.replace(READY_FOR_CLEAN_COPY, f"{READY_FOR_CLEAN_COPY}: {step}", 1)
    return replace(progress, status=status)


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
