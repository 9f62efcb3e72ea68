"""Compute the promised and legal deadlines of a subject access request (DESIGN.md §6).

Pure functions of dates: nothing here reads the clock, so "today" is always a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
import pendulum

NATIONS = ("ENG", "WLS", "SCT", "NIR")

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """Tell working days from weekends and the bank holidays of one UK nation."""

    nation: str = "ENG"
    # Filled lazily, one year at a time; the register spans few years but is asked thousands
    # of times, and building a holidays table is far slower than a set lookup.
    _holidays: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.nation not in NATIONS:
            raise ValueError(
                f"Unknown nation {self.nation!r}: expected one of {', '.join(NATIONS)}"
            )

    def _bank_holidays(self, year: int) -> frozenset[date]:
        cached = self._holidays.get(year)
        if cached is None:
            table = holidays.country_holidays("GB", subdiv=self.nation, years=year)
            cached = frozenset(table.keys())
            self._holidays[year] = cached
        return cached

    def is_working_day(self, d: date) -> bool:
        """Return whether d is Monday to Friday and not a bank holiday of this nation."""
        return d.weekday() < 5 and d not in self._bank_holidays(d.year)

    def next_working_day(self, d: date) -> date:
        """Return d if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in (start, end]; negated, in (end, start], when end is earlier.

        From today to a deadline this is positive while time remains, 0 on the day and
        negative once overdue.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        d = start + _ONE_DAY
        while d <= end:
            count += self.is_working_day(d)
            d += _ONE_DAY
        return count


@dataclass(frozen=True)
class Deadlines:
    """Hold the dates a request must be answered by."""

    promised_by: date
    legal_deadline: date
    # The one-month deadline with pauses, before any extension: the extension notice quotes it.
    original_legal_deadline: date
    paused_days: int


def _add_months(d: date, months: int) -> date:
    # pendulum clamps to the last day of a shorter month (31 Jan + 1 month = 28/29 Feb),
    # which is the ICO's rule when the corresponding date does not exist.
    moved = pendulum.date(d.year, d.month, d.day).add(months=months)
    return date(moved.year, moved.month, moved.day)


def _paused_days(asked: date | None, received: date | None, today: date) -> int:
    if asked is None:
        return 0
    if received is None:
        # Still waiting for the requester: the clock stays stopped up to today.
        return max(0, (today - asked).days)
    if received < asked:
        # A reply before the question is a register typo; guessing would move a legal date.
        raise ValueError(f"Clarification received {received} is before it was asked {asked}")
    return (received - asked).days


def deadlines(
    received: date,
    calendar: Calendar,
    *,
    promise_days: int = 14,
    extended: bool = False,
    clarification_asked: date | None = None,
    clarification_received: date | None = None,
    today: date,
) -> Deadlines:
    """Compute the promised and legal deadlines of a request received on the given day."""
    paused = _paused_days(clarification_asked, clarification_received, today)
    pause = timedelta(days=paused)

    def legal(months: int) -> date:
        # The ICO counts from the day of receipt itself, working day or not.
        return calendar.next_working_day(_add_months(received, months) + pause)

    original = legal(1)
    legal_deadline = legal(3) if extended else original
    # Once extended, the setting's own promise gives way to the new date the parent is told.
    promised_by = (
        legal_deadline
        if extended
        else calendar.next_working_day(received + timedelta(days=promise_days) + pause)
    )
    return Deadlines(
        promised_by=promised_by,
        legal_deadline=legal_deadline,
        original_legal_deadline=original,
        paused_days=paused,
    )


def days_left(today: date, deadlines: Deadlines, calendar: Calendar) -> int:
    """Count working days from today to the earlier of the promise and the legal deadline."""
    target = min(deadlines.promised_by, deadlines.legal_deadline)
    return calendar.working_days_between(today, target)


def is_at_risk(today: date, deadlines: Deadlines, calendar: Calendar, within: int = 3) -> bool:
    """Return whether the next deadline is due within the given working days but not yet past."""
    return 0 <= days_left(today, deadlines, calendar) <= within
