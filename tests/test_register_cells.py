"""Specifications for reading register cells: dates typed every way a manager types them.

Dates are UK day-first (`3/9/2026` is 3 September 2026), ISO, or real Excel dates (DESIGN.md §2).
"""

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.register.cells import CellError, text, to_date, to_datetime
from pipeline.register.new import DATE_FORMAT, DATE_TIME_FORMAT

THIRD_SEPTEMBER = date(2026, 9, 3)
HOW_DATE = "type it as day/month/year, e.g. 3/9/2026."
HOW_MEETING = "type the date and time, e.g. 15/12/2026 10:30."


def through_excel_file(tmp_path: Path, value: Any, number_format: str) -> Any:
    """Save a value in a formatted cell of a real .xlsx and return what openpyxl reads back."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = value
    workbook.active["A1"].number_format = number_format
    workbook.save(tmp_path / "cell.xlsx")
    return openpyxl.load_workbook(tmp_path / "cell.xlsx").active["A1"].value


# --- Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "3/9/2026",
        "03.09.2026",
        "3-9-26",
        "2026-09-03",
        "3 Sep 2026",
        "3 Sept. 2026",
        "Thursday 3rd September 2026",
        "  3/9/2026 ",
    ],
)
def test_a_date_typed_as_text_is_read_day_first(typed: str) -> None:
    assert to_date(typed) == THIRD_SEPTEMBER


def test_a_real_excel_date_is_read_as_its_day(tmp_path: Path) -> None:
    stored = through_excel_file(tmp_path, THIRD_SEPTEMBER, DATE_FORMAT)

    assert isinstance(stored, datetime)  # openpyxl gives every Excel date back as a datetime
    assert to_date(stored) == THIRD_SEPTEMBER


def test_a_real_excel_date_with_a_time_is_read_as_its_day() -> None:
    assert to_date(datetime(2026, 9, 3, 16, 45)) == THIRD_SEPTEMBER


@pytest.mark.parametrize("serial", [46268, 46268.0, 46268.75])
def test_an_excel_serial_number_is_read_as_a_date(serial: float) -> None:
    assert to_date(serial) == THIRD_SEPTEMBER


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_cell_has_no_date(empty: Any) -> None:
    assert to_date(empty) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/2/2026", f'"31/2/2026" is not a real date; {HOW_DATE}'),
        ("2026-02-30", f'"2026-02-30" is not a real date; {HOW_DATE}'),
        ("3/13/2026", f'"3/13/2026" is not a real date; {HOW_DATE}'),
        ("31 Feb 2026", f'"31 Feb 2026" is not a real date; {HOW_DATE}'),
        ("next Tuesday", f'"next Tuesday" is not a date I can read; {HOW_DATE}'),
        ("3rd of September 2026", f'"3rd of September 2026" is not a date I can read; {HOW_DATE}'),
        (" 3 Smarch 2026 ", f'"3 Smarch 2026" is not a date I can read; {HOW_DATE}'),
        (5, f"5 is not a date; {HOW_DATE}"),
        (-1, f"-1 is not a date; {HOW_DATE}"),
        (time(10, 30), f"10:30:00 is a time, not a date; {HOW_DATE}"),
    ],
)
@pytest.mark.bad_input
def test_a_date_that_cannot_be_read_is_refused_saying_how_to_type_it(
    typed: Any, message: str
) -> None:
    with pytest.raises(CellError) as refused:
        to_date(typed)

    assert str(refused.value) == message


# --- Meeting date-times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/12/2026 10:30", datetime(2026, 12, 15, 10, 30)),
        ("15/12/2026 2pm", datetime(2026, 12, 15, 14, 0)),
        ("15/12/2026 at 2.30 pm", datetime(2026, 12, 15, 14, 30)),
        ("15/12/2026 10:30 am", datetime(2026, 12, 15, 10, 30)),
        ("15/12/2026 12pm", datetime(2026, 12, 15, 12, 0)),
        ("15/12/2026, 9.15", datetime(2026, 12, 15, 9, 15)),
        ("Tuesday 15th December 2026 at 2pm", datetime(2026, 12, 15, 14, 0)),
        ("2026-12-15  14:00", datetime(2026, 12, 15, 14, 0)),
    ],
)
def test_a_meeting_typed_as_text_is_read_with_its_time(typed: str, expected: datetime) -> None:
    assert to_datetime(typed) == expected


def test_a_meeting_as_a_real_excel_date_time_is_read(tmp_path: Path) -> None:
    stored = through_excel_file(tmp_path, datetime(2026, 12, 15, 10, 30), DATE_TIME_FORMAT)

    assert to_datetime(stored) == datetime(2026, 12, 15, 10, 30)


def test_a_meeting_as_an_excel_serial_number_is_read() -> None:
    assert to_datetime(46371.4375) == datetime(2026, 12, 15, 10, 30)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_cell_has_no_meeting(empty: Any) -> None:
    assert to_datetime(empty) is None


@pytest.mark.bad_input
def test_a_real_excel_date_at_midnight_is_refused_as_a_meeting(tmp_path: Path) -> None:
    stored = through_excel_file(tmp_path, datetime(2026, 12, 15), DATE_TIME_FORMAT)

    with pytest.raises(CellError) as refused:
        to_datetime(stored)

    assert str(refused.value) == f"15/12/2026 has no time of day; {HOW_MEETING}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("15/12/2026", f'"15/12/2026" needs both a date and a time; {HOW_MEETING}'),
        (date(2026, 12, 15), f"15/12/2026 has no time of day; {HOW_MEETING}"),
        (46371, f"15/12/2026 has no time of day; {HOW_MEETING}"),
        (
            "31/2/2026 10:30",
            f'"31/2/2026 10:30" is not a real date; {HOW_MEETING}',
        ),
        (
            "next week 10:30",
            f'"next week 10:30" is not a date and time I can read; {HOW_MEETING}',
        ),
        ("15/12/2026 noon", f'"15/12/2026 noon" has no time I can read; {HOW_MEETING}'),
        ("15/12/2026 25:00", f'"15/12/2026 25:00" has no real time of day; {HOW_MEETING}'),
        ("15/12/2026 10:61", f'"15/12/2026 10:61" has no real time of day; {HOW_MEETING}'),
    ],
)
@pytest.mark.bad_input
def test_a_meeting_without_a_readable_date_and_time_is_refused(typed: Any, message: str) -> None:
    with pytest.raises(CellError) as refused:
        to_datetime(typed)

    assert str(refused.value) == message


# --- Text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("  Aoife O'Brien \n", "Aoife O'Brien"), (3.0, "3"), (2.5, "2.5"), (7, "7")],
)
def test_a_cell_is_read_as_trimmed_text(value: Any, expected: str) -> None:
    assert text(value) == expected
