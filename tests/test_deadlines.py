"""Specifications for the deadlines of a subject access request (DESIGN.md §6).

Every date here was checked against a real calendar and the UK bank holidays of its nation.
"""

from datetime import date, timedelta

import pytest

from pipeline.deadlines import (
    EXTENSION_COUNTS,
    EXTENSION_LATE,
    EXTENSION_PENDING,
    NATIONS,
    NOT_EXTENDED,
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


# --- ID: the month starts again, or the wait is a pause; the earlier date is taken -----------


def with_id(
    received: date,
    asked: date,
    came: date | None,
    *,
    today: date = TODAY,
    clarification_asked: date | None = None,
    clarification_received: date | None = None,
) -> Deadlines:
    return deadlines(
        received,
        ENG,
        id_requested=asked,
        id_received=came,
        clarification_asked=clarification_asked,
        clarification_received=clarification_received,
        today=today,
    )


def test_id_asked_and_received_on_the_day_of_receipt_changes_nothing() -> None:
    result = with_id(date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 4))
    assert result.legal_deadline == date(2026, 4, 7)  # Sat 4 Apr, Easter Monday 6 Apr
    assert not result.restarted
    assert result.paused_days == 0


def test_id_received_later_starts_the_month_again() -> None:
    result = with_id(date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 16))
    assert result.legal_deadline == date(2026, 4, 16)
    assert result.promised_by == date(2026, 3, 30)
    assert result.restarted
    assert result.start == date(2026, 3, 16)


def test_id_asked_after_receipt_is_read_as_a_pause_when_that_is_earlier() -> None:
    # Restart from Fri 13 Mar would give Mon 13 Apr; 4 days of pause give Wed 8 Apr.
    result = with_id(date(2026, 3, 4), date(2026, 3, 9), date(2026, 3, 13))
    assert result.legal_deadline == date(2026, 4, 8)
    assert not result.restarted
    assert result.id_days == result.paused_days == 4


def test_id_across_february_restarts_because_that_is_earlier() -> None:
    # Restart: Tue 2 Feb 2027 → Tue 2 Mar; pause: Sun 28 Feb + 5 days → Fri 5 Mar.
    result = with_id(date(2027, 1, 28), date(2027, 1, 28), date(2027, 2, 2))
    assert result.legal_deadline == date(2027, 3, 2)
    assert result.restarted


def test_while_id_is_awaited_the_deadline_is_provisional() -> None:
    result = with_id(date(2026, 3, 4), date(2026, 3, 4), None, today=date(2026, 3, 10))
    assert result.waiting_for_id
    assert result.legal_deadline == date(2026, 4, 10)  # as if the ID came today


def test_id_and_clarification_together_count_clarification_from_the_restart() -> None:
    # Both asked Mon 2 Mar; ID Mon 9 Mar, answer Thu 12 Mar: 3 days, not 10.
    result = with_id(
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 9),
        clarification_asked=date(2026, 3, 2),
        clarification_received=date(2026, 3, 12),
    )
    assert result.legal_deadline == date(2026, 4, 13)
    assert result.restarted
    assert result.paused_days == 3


def test_id_received_before_it_was_asked_is_not_a_restart() -> None:
    # The register check reports this; the dates alone give the earlier plain month.
    result = deadlines(date(2026, 3, 4), ENG, id_received=date(2026, 3, 16), today=TODAY)
    assert result.legal_deadline == date(2026, 4, 7)


# --- Clarification under Art 12A(5): the earlier of the two day counts ------------------------


@pytest.mark.parametrize(
    ("received", "asked", "answered", "expected"),
    [
        # Statute: Fri 10 Apr (5 days); the product counts 4.
        (date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 13), date(2026, 4, 9)),
        # Asked on the day of receipt: 7 days, Sat 10 Oct → Monday.
        (date(2026, 9, 3), date(2026, 9, 3), date(2026, 9, 10), date(2026, 10, 12)),
        # Statute: Mon 20 Apr (8 days); the product counts 7.
        (date(2026, 3, 10), date(2026, 3, 12), date(2026, 3, 19), date(2026, 4, 17)),
    ],
)
def test_clarification_days_are_counted_the_earlier_way(
    received: date, asked: date, answered: date, expected: date
) -> None:
    result = deadlines(
        received, ENG, clarification_asked=asked, clarification_received=answered, today=TODAY
    )
    assert result.legal_deadline == expected


def test_clarification_asked_after_the_month_ended_pauses_nothing() -> None:
    result = deadlines(
        date(2026, 3, 10),
        ENG,
        clarification_asked=date(2026, 4, 14),
        clarification_received=date(2026, 4, 20),
        today=TODAY,
    )
    assert result.paused_days == 0
    assert result.legal_deadline == date(2026, 4, 10)


def test_promise_is_never_later_than_the_legal_deadline() -> None:
    result = deadlines(date(2026, 3, 4), ENG, promise_days=35, today=TODAY)
    assert result.promised_by == result.legal_deadline == date(2026, 4, 7)


# --- The extension ----------------------------------------------------------------------------


def extended_on(
    received: date,
    sent: date | None = None,
    *,
    today: date = TODAY,
    notice_posted: bool = False,
    clarification_asked: date | None = None,
    clarification_received: date | None = None,
) -> Deadlines:
    """Return the deadlines of an extended request whose notice went on ``sent``."""
    return deadlines(
        received,
        ENG,
        extended=True,
        notice_sent=sent,
        notice_posted=notice_posted,
        clarification_asked=clarification_asked,
        clarification_received=clarification_received,
        today=today,
    )


@pytest.mark.parametrize(
    ("received", "original", "extended"),
    [
        (date(2025, 9, 3), date(2025, 10, 3), date(2025, 12, 3)),
        (date(2025, 11, 30), date(2025, 12, 30), date(2026, 3, 2)),  # Sat 28 Feb → Monday
        # Three months from the start would be Thu 30 Apr; month one (28 Feb) + 2 is earlier.
        (date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 28)),
        (date(2025, 10, 4), date(2025, 11, 4), date(2026, 1, 5)),  # Sun 4 Jan → Monday
        (date(2027, 1, 29), date(2027, 3, 1), date(2027, 4, 28)),  # ICO reading: Thu 29 Apr
        (date(2026, 11, 30), date(2026, 12, 30), date(2027, 3, 1)),  # the readings agree
        (date(2026, 5, 31), date(2026, 6, 30), date(2026, 9, 1)),  # Sun 30 / BH Mon 31 Aug
    ],
)
def test_extension_is_the_earlier_of_three_months_and_month_one_plus_two(
    received: date, original: date, extended: date
) -> None:
    result = extended_on(received, sent=received)
    assert result.extension == EXTENSION_COUNTS
    assert result.legal_deadline == extended
    assert result.original_legal_deadline == original


def test_extension_notice_emailed_on_the_last_day_of_month_one_counts() -> None:
    # ICO-style example: received Tue 10 Mar 2026, month one ends Fri 10 Apr.
    result = extended_on(date(2026, 3, 10), sent=date(2026, 4, 10))
    assert result.notice_by == date(2026, 4, 10)
    assert result.extension == EXTENSION_COUNTS
    assert result.legal_deadline == date(2026, 6, 10)


def test_extension_notice_one_working_day_late_extends_nothing() -> None:
    result = extended_on(date(2026, 3, 10), sent=date(2026, 4, 13), today=date(2026, 4, 13))
    assert result.extension == EXTENSION_LATE
    assert result.legal_deadline == date(2026, 4, 10)
    assert result.promised_by <= result.legal_deadline


def test_posted_notice_is_given_two_working_days_after_posting() -> None:
    in_time = extended_on(date(2026, 3, 10), sent=date(2026, 4, 8), notice_posted=True)
    assert in_time.notice_given == date(2026, 4, 10)
    assert in_time.legal_deadline == date(2026, 6, 10)
    late = extended_on(date(2026, 3, 10), sent=date(2026, 4, 9), notice_posted=True)
    assert late.notice_given == date(2026, 4, 13)  # over the weekend
    assert late.extension == EXTENSION_LATE
    assert late.legal_deadline == date(2026, 4, 10)


def test_extension_waits_for_its_notice_within_the_month() -> None:
    result = extended_on(date(2026, 3, 10), today=date(2026, 3, 20))
    assert result.extension == EXTENSION_PENDING
    assert result.legal_deadline == result.original_legal_deadline == date(2026, 4, 10)
    assert result.promised_by == date(2026, 3, 24)


def test_extension_typed_after_the_month_extends_nothing() -> None:
    result = extended_on(date(2026, 3, 10), today=date(2026, 4, 11))
    assert result.extension == EXTENSION_LATE
    assert result.legal_deadline == date(2026, 4, 10)


def test_extension_notice_deadline_is_the_unmoved_end_of_month_one() -> None:
    # Received Thu 5 Mar 2026: month one ends Sun 5 Apr; the last working day before is Thu 2
    # Apr (Good Friday 3 Apr), although the legal deadline moves on to Tue 7 Apr.
    result = deadlines(date(2026, 3, 5), ENG, extended=True, today=date(2026, 3, 6))
    assert result.notice_by == date(2026, 4, 5)
    assert ENG.last_working_day(date(2026, 4, 5)) == date(2026, 4, 2)
    assert result.original_legal_deadline == date(2026, 4, 7)
    january = deadlines(date(2026, 1, 31), ENG, today=TODAY)
    assert january.notice_by == date(2026, 2, 28)
    assert ENG.last_working_day(date(2026, 2, 28)) == date(2026, 2, 27)


def test_extension_replaces_the_promise_with_the_extended_deadline() -> None:
    result = extended_on(date(2025, 9, 3), sent=date(2025, 9, 4))
    assert result.promised_by == result.legal_deadline == date(2025, 12, 3)


def test_extension_keeps_the_clarification_pause_in_both_deadlines() -> None:
    result = extended_on(
        date(2025, 9, 3),
        sent=date(2025, 9, 20),
        clarification_asked=date(2025, 9, 5),
        clarification_received=date(2025, 9, 15),
    )
    assert result.original_legal_deadline == date(2025, 10, 13)
    assert result.legal_deadline == date(2025, 12, 15)  # Sat 13 Dec → Monday


def test_extension_with_a_pause_moves_the_notice_deadline_too() -> None:
    # Received Tue 10 Mar 2026, clarification Thu 12 to Thu 19 Mar: 7 days.
    result = extended_on(
        date(2026, 3, 10),
        sent=date(2026, 4, 17),
        clarification_asked=date(2026, 3, 12),
        clarification_received=date(2026, 3, 19),
    )
    assert result.notice_by == date(2026, 4, 17)
    assert result.extension == EXTENSION_COUNTS
    assert result.legal_deadline == date(2026, 6, 17)


def test_not_extended_says_so() -> None:
    result = deadlines(date(2026, 3, 10), ENG, notice_sent=date(2026, 3, 11), today=TODAY)
    assert result.extension == NOT_EXTENDED
    assert result.legal_deadline == date(2026, 4, 10)


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
        (date(2026, 5, 15), "ENG", date(2026, 6, 15)),
        (date(2026, 5, 15), "SCT", date(2026, 6, 16)),  # the one-off World Cup holiday
        (date(2026, 5, 15), "NIR", date(2026, 6, 15)),
        (date(2025, 10, 31), "SCT", date(2025, 12, 2)),  # St Andrew's observed Mon 1 Dec
        (date(2026, 12, 4), "ENG", date(2027, 1, 4)),
        (date(2026, 12, 4), "SCT", date(2027, 1, 5)),  # 2 Jan a Saturday, observed Mon 4th
        (date(2026, 11, 25), "ENG", date(2026, 12, 29)),  # Boxing Day observed Mon 28 Dec
    ],
)
def test_bank_holidays_follow_the_settings_nation(
    received: date, nation: str, expected: date
) -> None:
    assert legal(received, nation) == expected


@pytest.mark.parametrize(
    ("day", "nation", "holiday"),
    [
        (date(2026, 6, 15), "SCT", True),  # needs holidays 0.100 or later
        (date(2026, 6, 15), "ENG", False),
        (date(2026, 4, 6), "SCT", False),  # Easter Monday is not a Scottish bank holiday
        (date(2026, 4, 6), "ENG", True),
        (date(2026, 3, 17), "NIR", True),  # St Patrick's Day
        (date(2026, 7, 13), "NIR", True),  # the Boyne (Sun 12 Jul) observed on Monday
        (date(2026, 7, 13), "WLS", False),
    ],
)
def test_each_nation_has_its_own_bank_holidays(day: date, nation: str, holiday: bool) -> None:
    assert Calendar(nation).is_working_day(day) is not holiday


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
    assert result.promised_by == result.legal_deadline == date(2025, 10, 3)  # never later
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
