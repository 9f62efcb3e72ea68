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

    def last_working_day(self, d: date) -> date:
        """Return d if it is a working day, else the last working day before it."""
        while not self.is_working_day(d):
            d -= _ONE_DAY
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


# How an extension stands (Deadlines.extension).
NOT_EXTENDED = ""
EXTENSION_PENDING = "pending"  # Extended is Yes; the notice has not been given, and still may be
EXTENSION_COUNTS = "counts"  # the notice was given by the end of month one: two more months
EXTENSION_LATE = "late"  # the notice was not given in time: no extension (Art 12A(4))

# A posted notice counts as given on the second working day after posting: first class, the
# ordinary course of post (Interpretation Act 1978 s.7, the cautious reading of docs/law.md 4).
POSTED_NOTICE_DAYS = 2


@dataclass(frozen=True)
class Deadlines:
    """Hold the dates a request must be answered by, and which rule gave them."""

    promised_by: date
    legal_deadline: date
    # The one-month deadline with pauses, before any extension: the extension notice quotes it.
    original_legal_deadline: date
    paused_days: int  # the days added to the month: clarification, and ID read as a pause
    # The end of month one, unmoved: the extension notice must be given by then (Art 12A(4)).
    notice_by: date | None = None
    start: date | None = None  # the day the month runs from: Received, or ID received
    id_days: int = 0  # of paused_days, those the ID took (the pause reading of docs/law.md 2)
    restarted: bool = False  # the month runs from the day ID was received (Art 12A(2)(b))
    waiting_for_id: bool = False  # ID asked for, not yet received: no deadline yet
    extension: str = NOT_EXTENDED
    notice_given: date | None = None  # the day the extension notice counts as given
    # The deadline once an extension counts; the notice quotes it before it is given.
    extended_deadline: date | None = None


def add_months(d: date, months: int) -> date:
    """Return the same date ``months`` later, or the last day of a shorter month."""
    # pendulum clamps to the last day of a shorter month (31 Jan + 1 month = 28/29 Feb),
    # which is the ICO's rule when the corresponding date does not exist.
    moved = pendulum.date(d.year, d.month, d.day).add(months=months)
    return date(moved.year, moved.month, moved.day)


def _days_in(spans: list[tuple[date, date]]) -> int:
    """Count the days in the union of half-open spans [first, last)."""
    days: set[date] = set()
    for first, last in spans:
        days.update(first + timedelta(days=n) for n in range((last - first).days))
    return len(days)


def deemed_given(sent: date, calendar: Calendar, *, by_post: bool) -> date:
    """Return the day a notice counts as given: the day emailed, or 2 working days after posting."""
    if not by_post:
        return sent
    day = sent
    for _ in range(POSTED_NOTICE_DAYS):
        day = calendar.next_working_day(day + _ONE_DAY)
    return day


@dataclass(frozen=True)
class _Reading:
    """One reading of when month one ends: the statute's restart, or ID as a pause."""

    start: date  # the day the months are counted from
    pause: int  # the days that do not count
    id_days: int  # of them, the days the ID took

    def months(self, n: int) -> date:
        return add_months(self.start, n) + timedelta(days=self.pause)


def deadlines(
    received: date,
    calendar: Calendar,
    *,
    promise_days: int = 14,
    extended: bool = False,
    clarification_asked: date | None = None,
    clarification_received: date | None = None,
    id_requested: date | None = None,
    id_received: date | None = None,
    notice_sent: date | None = None,
    notice_posted: bool = False,
    today: date,
) -> Deadlines:
    """Compute the promised and legal deadlines of a request received on the given day.

    The month runs from the later of receipt and the ID's arrival (Art 12A(2)); ID read as a
    pause instead gives an earlier date when it was asked for after receipt, and the earlier of
    the two readings is taken (docs/law.md 16). Clarification pauses the month (Art 12A(5)).
    ``notice_sent`` is the day the extension notice left (emailed or, with ``notice_posted``,
    posted); the extension counts only if it is given by the end of month one (Art 12A(4)).
    """
    if (
        clarification_asked
        and clarification_received
        and clarification_received < clarification_asked
    ):
        # A reply before the question is a register typo; guessing would move a legal date.
        raise ValueError(
            f"Clarification received {clarification_received} is before it was asked "
            f"{clarification_asked}"
        )
    waiting_for_id = id_requested is not None and id_received is None
    # While the ID or the answer is awaited, the date is provisional: counted as if it came today.
    id_came = (id_received or max(today, id_requested)) if id_requested else None
    answered = clarification_received or (
        max(today, clarification_asked) if clarification_asked else None
    )
    restart = _restart(received, id_came, clarification_asked, answered)
    pause = _pause(received, id_requested, id_came, clarification_asked, answered)
    chosen = min((restart, pause), key=lambda reading: reading.months(1))
    month_one = chosen.months(1)
    original = calendar.next_working_day(month_one)
    given = deemed_given(notice_sent, calendar, by_post=notice_posted) if notice_sent else None
    extension = _extension(extended, given, month_one, today)
    # "Two further months": three months from the start, or two after the end of month one;
    # they differ after a month end was clamped, and the earlier is taken (docs/law.md 4).
    extended_deadline = (
        calendar.next_working_day(
            min(
                candidate
                for reading in (restart, pause)
                for candidate in (reading.months(3), add_months(reading.months(1), 2))
            )
        )
        if extended
        else None
    )
    legal_deadline = original
    if extension == EXTENSION_COUNTS and extended_deadline is not None:
        legal_deadline = extended_deadline
        promised_by = legal_deadline  # the setting's promise gives way to the date it gave
    else:
        promise = min(
            reading.start + timedelta(days=promise_days + reading.pause)
            for reading in (restart, pause)
        )
        # The promise is the setting's own, and never later than the law (docs/law.md 5).
        promised_by = min(calendar.next_working_day(promise), legal_deadline)
    return Deadlines(
        promised_by=promised_by,
        legal_deadline=legal_deadline,
        original_legal_deadline=original,
        paused_days=chosen.pause,
        notice_by=month_one,
        start=chosen.start,
        id_days=chosen.id_days,
        restarted=chosen.start > received,
        waiting_for_id=waiting_for_id,
        extension=extension,
        notice_given=given,
        extended_deadline=extended_deadline,
    )


def _restart(
    received: date, id_came: date | None, asked: date | None, answered: date | None
) -> _Reading:
    """Read the statute: the month runs from the later of receipt and ID; clarification pauses."""
    start = max(received, id_came) if id_came else received
    pause = 0
    # Only days that would have counted are excluded: never those before the start, nor a
    # question asked once the month is over (docs/law.md 3).
    if asked and answered and asked <= add_months(start, 1):
        pause = max(0, (answered - max(asked, start)).days)
    return _Reading(start, pause, 0)


def _pause(
    received: date,
    id_requested: date | None,
    id_came: date | None,
    asked: date | None,
    answered: date | None,
) -> _Reading:
    """Read ID as a pause: the days waiting for ID or clarification are added to the month."""
    id_spans = [(max(id_requested, received), id_came)] if id_requested and id_came else []
    id_days = _days_in(id_spans)
    spans = list(id_spans)
    if asked and answered and asked <= add_months(received, 1) + timedelta(days=id_days):
        spans.append((max(asked, received), answered))
    return _Reading(received, _days_in(spans), id_days)


def _extension(extended: bool, given: date | None, month_one: date, today: date) -> str:
    """Say how the extension stands: not asked for, waiting for its notice, counting, or lost."""
    if not extended:
        return NOT_EXTENDED
    if given is not None:
        return EXTENSION_COUNTS if given <= month_one else EXTENSION_LATE
    return EXTENSION_PENDING if today <= month_one else EXTENSION_LATE


def days_left(today: date, deadlines: Deadlines, calendar: Calendar) -> int:
    """Count working days from today to the earlier of the promise and the legal deadline."""
    target = min(deadlines.promised_by, deadlines.legal_deadline)
    return calendar.working_days_between(today, target)


def is_at_risk(today: date, deadlines: Deadlines, calendar: Calendar, within: int = 3) -> bool:
    """Return whether the next deadline is due within the given working days but not yet past."""
    return 0 <= days_left(today, deadlines, calendar) <= within
