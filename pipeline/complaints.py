"""Say where each complaint to the setting stands (DPA 2018 s.164A; docs/law.md rule 8).

Pure functions of dates, like the deadlines: "today" is always a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.deadlines import Calendar, add_months
from pipeline.model import Complaint

# s.164A(3)-(4) apply only to complaints received on or after this day (SI 2026/82 reg 7).
IN_FORCE = date(2026, 6, 19)
# "Within the period of 30 days beginning when the complaint is received": the day of receipt
# is day one, so the last day is Received + 29; the earlier of the two readings (law.md 8(d)).
ACKNOWLEDGE_WITHIN_DAYS = 29
# The ICO expects a complaint to have had its answer within about three months.
OUTCOME_EXPECTED_MONTHS = 3
AT_RISK_WITHIN = 3  # working days before the acknowledgement is due when it is flagged


def acknowledge_by(received: date) -> date:
    """Return the last day to acknowledge a complaint received on ``received``."""
    return received + timedelta(days=ACKNOWLEDGE_WITHIN_DAYS)


@dataclass(frozen=True)
class ComplaintProgress:
    """Where one complaint stands today."""

    ref: str
    acknowledge_by: date
    status: str
    at_risk: bool
    overdue: bool


def complaint_progress(
    complaint: Complaint, today: date, calendar: Calendar, ready: bool = False
) -> ComplaintProgress:
    """Work out when ``complaint`` must be acknowledged and say where it stands."""
    due = acknowledge_by(complaint.received)
    before = (
        " (received before 19 June 2026: no legal time limit)"
        if complaint.received < IN_FORCE
        else ""
    )

    def progress(status: str, at_risk: bool = False, overdue: bool = False) -> ComplaintProgress:
        return ComplaintProgress(complaint.ref, due, status, at_risk, overdue)

    if complaint.closed is not None:
        return progress("Closed")
    if complaint.acknowledged is None:
        left = calendar.working_days_between(today, due)
        if today > due:
            late = (today - due).days
            return progress(
                f"Acknowledgement overdue by {late} day{'s' if late != 1 else ''}{before}",
                overdue=not before,
                at_risk=bool(before),
            )
        waiting = "in the outbox, ready to send" if ready else "to sign and send"
        return progress(
            f"Acknowledgement {waiting} by {_uk(due)}{before}", at_risk=left <= AT_RISK_WITHIN
        )
    if complaint.outcome:
        if complaint.outcome_sent is None:
            return progress("Outcome letter to sign and send")
        return progress("Outcome sent: record Closed")
    age = (today - complaint.received).days
    expected = add_months(complaint.received, OUTCOME_EXPECTED_MONTHS)
    if today >= expected:
        return progress(
            f"Open {age} days, over three months: type the Outcome and send it", at_risk=True
        )
    return progress(f"Acknowledged; open {age} days: aim to give the outcome by {_uk(expected)}")


def _uk(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"
