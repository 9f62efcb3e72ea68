"""Specifications for the deadlines of a subject access request (DESIGN.md §6).

Every date here was checked against a real calendar and the UK bank holidays of its nation.
"""

from datetime import date, timedelta

import pytest

from pipeline.deadlines import (
    NATIONS,
    Calendar,
    Deadlines,
    days_left,
    deadlines,
    is_at_risk,
)

ENG = Calendar("ENG")
TODAY = date(2026, 6, 1)  # only matters while a clarification is outstanding


def legal(received: date, nation: str = "ENG") -> date:
    return deadlines(received, Calendar(nation), today=TODAY).legal_deadline


# --- The legal deadline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2025, 9, 3), date(2025, 10, 3)),  # same date next month, a Friday
        (date(2026, 1, 31), date(2026, 3, 2)),  # clamped to Sat 28 Feb, rolled to Monday
        (date(2025, 11, 25), date(2025, 12, 29)),  # Christmas, Boxing Day, then a weekend
        (date(2026, 3, 5), date(2026, 4, 7)),  # Sun 5 Apr, then Easter Monday
    ],
)
def test_legal_deadline_matches_the_design_examples(received: date, expected: date) -> None:
    assert legal(received) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2025, 10, 4), date(2025, 11, 4)),  # Saturday
        (date(2025, 10, 5), date(2025, 11, 5)),  # Sunday
        (date(2026, 1, 31), date(2026, 3, 2)),  # Saturday, and a month end
    ],
)
def test_receipt_at_a_weekend_counts_from_that_day(received: date, expected: date) -> None:
    assert received.weekday() >= 5
    assert legal(received) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 3, 31), date(2026, 4, 30)),  # no 31 April: last day of April
        (date(2024, 12, 31), date(2025, 1, 31)),  # across a year end, date exists
        (date(2025, 11, 30), date(2025, 12, 30)),  # 30th to 30th, not last-to-last
    ],
)
def test_month_end_clamps_to_the_last_day_of_the_next_month(received: date, expected: date) -> None:
    assert legal(received) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2024, 1, 31), date(2024, 2, 29)),  # leap day, a Thursday
        (date(2024, 2, 29), date(2024, 4, 2)),  # Good Friday 29 Mar, weekend, Easter Monday
        (date(2025, 1, 31), date(2025, 2, 28)),  # no leap day: Friday 28 Feb
    ],
)
def test_leap_years_are_handled(received: date, expected: date) -> None:
    assert legal(received) == expected


def test_deadlines_are_plain_dates_not_pendulum_dates() -> None:
    result = deadlines(date(2026, 1, 31), ENG, today=TODAY)
    assert type(result.legal_deadline) is date
    assert type(result.original_legal_deadline) is date
    assert type(result.promised_by) is date


# --- The setting's promise --------------------------------------------------------------------


def test_promise_is_fourteen_days_after_receipt_on_a_working_day() -> None:
    assert deadlines(date(2025, 9, 3), ENG, today=TODAY).promised_by == date(2025, 9, 17)


def test_promise_rolls_over_a_weekend_and_a_bank_holiday() -> None:
    # Sat 9 May 2026 + 14 = Sat 23 May; Sun 24; Mon 25 is the Spring Bank Holiday.
    assert deadlines(date(2026, 5, 9), ENG, today=TODAY).promised_by == date(2026, 5, 26)


def test_promise_days_is_configurable() -> None:
    result = deadlines(date(2025, 9, 3), ENG, promise_days=7, today=TODAY)
    assert result.promised_by == date(2025, 9, 10)


# --- The clarification pause ------------------------------------------------------------------


def test_clarification_pause_adds_the_days_between_asked_and_received() -> None:
    result = deadlines(
        date(2025, 9, 3),
        ENG,
        clarification_asked=date(2025, 9, 5),
        clarification_received=date(2025, 9, 15),
        today=TODAY,
    )
    assert result.paused_days == 10
    assert result.legal_deadline == date(2025, 10, 13)  # 3 Oct + 10, a Monday
    assert result.promised_by == date(2025, 9, 29)  # Sat 27 Sep rolled to Monday


def test_clarification_still_outstanding_pauses_the_clock_up_to_today() -> None:
    result = deadlines(
        date(2025, 9, 3), ENG, clarification_asked=date(2025, 9, 5), today=date(2025, 9, 12)
    )
    assert result.paused_days == 7
    assert result.legal_deadline == date(2025, 10, 10)
    assert result.promised_by == date(2025, 9, 24)


def test_clarification_asked_after_today_pauses_nothing_yet() -> None:
    result = deadlines(
        date(2025, 9, 3), ENG, clarification_asked=date(2025, 9, 5), today=date(2025, 9, 4)
    )
    assert result.paused_days == 0
    assert result.legal_deadline == date(2025, 10, 3)


def test_pause_is_added_after_the_month_end_clamp() -> None:
    # 31 Jan 2026 → 28 Feb, + 3 days = Tue 3 Mar.
    result = deadlines(
        date(2026, 1, 31),
        ENG,
        clarification_asked=date(2026, 2, 2),
        clarification_received=date(2026, 2, 5),
        today=TODAY,
    )
    assert result.legal_deadline == date(2026, 3, 3)


def test_clarification_received_before_it_was_asked_is_refused() -> None:
    with pytest.raises(ValueError, match="before it was asked"):
        deadlines(
            date(2025, 9, 3),
            ENG,
            clarification_asked=date(2025, 9, 15),
            clarification_received=date(2025, 9, 5),
            today=TODAY,
        )


# --- The extension ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "original", "extended"),
    [
        (date(2025, 9, 3), date(2025, 10, 3), date(2025, 12, 3)),
        (date(2025, 11, 30), date(2025, 12, 30), date(2026, 3, 2)),  # Sat 28 Feb → Monday
        (date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 30)),  # three months at once
        (date(2025, 10, 4), date(2025, 11, 4), date(2026, 1, 5)),  # Sun 4 Jan → Monday
    ],
)
def test_extension_runs_three_months_from_the_same_start(
    received: date, original: date, extended: date
) -> None:
    result = deadlines(received, ENG, extended=True, today=TODAY)
    assert result.legal_deadline == extended
    assert result.original_legal_deadline == original


def test_extension_replaces_the_promise_with_the_extended_deadline() -> None:
    result = deadlines(date(2025, 9, 3), ENG, extended=True, today=TODAY)
    assert result.promised_by == result.legal_deadline == date(2025, 12, 3)


def test_extension_keeps_the_clarification_pause_in_both_deadlines() -> None:
    result = deadlines(
        date(2025, 9, 3),
        ENG,
        extended=True,
        clarification_asked=date(2025, 9, 5),
        clarification_received=date(2025, 9, 15),
        today=TODAY,
    )
    assert result.original_legal_deadline == date(2025, 10, 13)
    assert result.legal_deadline == date(2025, 12, 15)  # Sat 13 Dec → Monday


def test_without_extension_the_original_and_legal_deadlines_agree() -> None:
    result = deadlines(date(2026, 3, 5), ENG, today=TODAY)
    assert result.original_legal_deadline == result.legal_deadline == date(2026, 4, 7)


# --- The four nations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "nation", "expected"),
    [
        (date(2026, 3, 5), "ENG", date(2026, 4, 7)),
        (date(2026, 3, 5), "SCT", date(2026, 4, 6)),  # Easter Monday is not a Scottish holiday
        (date(2024, 2, 29), "SCT", date(2024, 4, 1)),  # nor in 2024
        (date(2025, 12, 2), "ENG", date(2026, 1, 2)),
        (date(2025, 12, 2), "SCT", date(2026, 1, 5)),  # 2 January holiday, then a weekend
        (date(2026, 10, 30), "ENG", date(2026, 11, 30)),
        (date(2026, 10, 30), "SCT", date(2026, 12, 1)),  # St Andrew's Day, a Monday
        (date(2026, 2, 17), "ENG", date(2026, 3, 17)),
        (date(2026, 2, 17), "NIR", date(2026, 3, 18)),  # St Patrick's Day
        (date(2024, 6, 12), "ENG", date(2024, 7, 12)),
        (date(2024, 6, 12), "NIR", date(2024, 7, 15)),  # Battle of the Boyne, a Friday
        (date(2026, 6, 12), "ENG", date(2026, 7, 13)),  # Sun 12 Jul → Monday
        (date(2026, 6, 12), "NIR", date(2026, 7, 14)),  # the Boyne is observed on Mon 13 Jul
        (date(2026, 3, 5), "WLS", date(2026, 4, 7)),
    ],
)
def test_bank_holidays_follow_the_settings_nation(
    received: date, nation: str, expected: date
) -> None:
    assert legal(received, nation) == expected


def test_wales_has_the_same_working_days_as_england() -> None:
    wales = Calendar("WLS")
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        assert wales.is_working_day(day) == ENG.is_working_day(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("nation", NATIONS)
def test_every_nation_is_accepted(nation: str) -> None:
    assert Calendar(nation).nation == nation


@pytest.mark.parametrize("nation", ["", "GB", "UK", "eng", "England"])
def test_unknown_nation_is_refused(nation: str) -> None:
    with pytest.raises(ValueError, match="Unknown nation"):
        Calendar(nation)


def test_calendar_defaults_to_england() -> None:
    assert Calendar() == ENG


# --- Working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 3), True),  # Wednesday
        (date(2025, 9, 6), False),  # Saturday
        (date(2025, 9, 7), False),  # Sunday
        (date(2025, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), False),  # Boxing Day observed on the Monday
    ],
)
def test_working_days_are_weekdays_that_are_not_bank_holidays(day: date, working: bool) -> None:
    assert ENG.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 3), date(2025, 9, 3)),  # already a working day
        (date(2025, 9, 6), date(2025, 9, 8)),
        (date(2025, 12, 25), date(2025, 12, 29)),
    ],
)
def test_next_working_day_is_the_day_itself_or_the_first_after(day: date, expected: date) -> None:
    assert ENG.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 9, 3), date(2025, 9, 3), 0),
        (date(2025, 9, 5), date(2025, 9, 8), 1),  # Friday to Monday
        (date(2025, 9, 6), date(2025, 9, 7), 0),  # Saturday to Sunday
        (date(2025, 9, 1), date(2025, 9, 12), 9),  # (Mon, Fri of the next week]
        (date(2025, 9, 12), date(2025, 9, 1), -9),  # the same span, reversed
        (date(2025, 12, 22), date(2025, 12, 29), 3),  # 23, 24 and 29 Dec
    ],
)
def test_working_days_between_counts_the_half_open_span(
    start: date, end: date, expected: int
) -> None:
    assert ENG.working_days_between(start, end) == expected


# --- Days left and risk -----------------------------------------------------------------------

# Received Wed 3 Sep 2025: promised by Wed 17 Sep, legal deadline Fri 3 Oct.
SEPTEMBER = deadlines(date(2025, 9, 3), ENG, today=TODAY)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 9, 10), 5),  # 11, 12, 15, 16, 17 — the weekend does not count
        (date(2025, 9, 13), 3),  # from a Saturday
        (date(2025, 9, 17), 0),  # on the day
        (date(2025, 9, 19), -2),  # overdue by Thursday and Friday
        (date(2025, 9, 22), -3),  # the weekend adds nothing to the overdue count
    ],
)
def test_days_left_counts_working_days_to_the_promise(today: date, expected: int) -> None:
    assert days_left(today, SEPTEMBER, ENG) == expected


def test_days_left_skips_bank_holidays() -> None:
    # Received Thu 11 Dec 2025: 14 days is Christmas Day, so the promise is Mon 29 Dec.
    result = deadlines(date(2025, 12, 11), ENG, today=TODAY)
    assert result.promised_by == date(2025, 12, 29)
    assert days_left(date(2025, 12, 22), result, ENG) == 3


def test_days_left_uses_the_legal_deadline_when_it_comes_first() -> None:
    result = deadlines(date(2025, 9, 3), ENG, promise_days=40, today=TODAY)
    assert result.promised_by == date(2025, 10, 13)
    assert days_left(date(2025, 10, 1), result, ENG) == 2  # Thu 2 and Fri 3 Oct


@pytest.mark.parametrize(
    ("today", "at_risk"),
    [
        (date(2025, 9, 11), False),  # 4 working days left
        (date(2025, 9, 12), True),  # 3 left
        (date(2025, 9, 17), True),  # due today
        (date(2025, 9, 18), False),  # overdue, which is worse than at risk
    ],
)
def test_at_risk_means_due_within_three_working_days_and_not_overdue(
    today: date, at_risk: bool
) -> None:
    assert is_at_risk(today, SEPTEMBER, ENG) is at_risk


def test_at_risk_window_is_configurable() -> None:
    assert is_at_risk(date(2025, 9, 10), SEPTEMBER, ENG, within=5)
    assert not is_at_risk(date(2025, 9, 10), SEPTEMBER, ENG, within=4)


def test_deadlines_are_immutable() -> None:
    with pytest.raises(AttributeError):
        SEPTEMBER.legal_deadline = date(2030, 1, 1)  # type: ignore[misc]
    assert isinstance(SEPTEMBER, Deadlines)
