"""Turn register cells into values: text, UK day-first dates, meeting times."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils.datetime import from_excel


class CellError(ValueError):
    """A cell's value cannot be read; the message says how to type it."""


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_HOW_DATE = "type it as day/month/year, e.g. 3/9/2026"
_HOW_MEETING = "type the date and time, e.g. 15/12/2026 10:30"


def text(value: Any) -> str:
    """Return a cell's value as trimmed text ("" for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    found = str(value).strip()
    if "\r" in found:
        # A line break pasted from another program comes as CR LF, or a lone CR; Excel's own
        # is LF, and a letter printed CR LF as two breaks. Each is the one break Excel shows.
        found = found.replace("\r\n", "\n").replace("\r", "\n")
    return found


def to_date(value: Any) -> date | None:
    """Read a date from a real Excel date, a serial number or UK day-first text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value).date()
    if isinstance(value, time):
        raise CellError(f"{value} is a time, not a date; {_HOW_DATE}.")
    return _parse_date_text(str(value))


def to_datetime(value: Any) -> datetime | None:
    """Read a meeting's date and time from an Excel date-time or text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            raise CellError(f"{_show(value)} has no time of day; {_HOW_MEETING}.")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return to_datetime(_from_serial(value))
    if isinstance(value, date):
        raise CellError(f"{_show(value)} has no time of day; {_HOW_MEETING}.")
    raw = " ".join(str(value).split())
    day_part, _, time_part = raw.rpartition(" ")
    if not day_part:
        raise CellError(f'"{raw}" needs both a date and a time; {_HOW_MEETING}.')
    if time_part.lower() in ("am", "pm") and " " in day_part:
        day_part, _, hour = day_part.rpartition(" ")
        time_part = hour + time_part
    day_part = day_part.removesuffix(" at").removesuffix(",")
    try:
        day = _parse_date_text(day_part)
    except CellError as error:
        what = (
            "is not a real date"
            if "not a real date" in str(error)
            else "is not a date and time I can read"
        )
        raise CellError(f'"{raw}" {what}; {_HOW_MEETING}.') from None
    return datetime.combine(day, _parse_time(time_part, raw))


def _from_serial(value: float) -> datetime:
    try:
        result = from_excel(value)
    except (ValueError, OverflowError):
        raise CellError(f"{value} is not a date; {_HOW_DATE}.") from None
    if not isinstance(result, datetime) or not 1900 < result.year < 2200:
        raise CellError(f"{value} is not a date; {_HOW_DATE}.")
    return result


def _parse_date_text(raw: str) -> date:
    cleaned = " ".join(raw.strip().lower().split())
    match = _ISO.match(cleaned)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _real_date(raw, year, month, day)
    match = _NUMERIC.match(cleaned)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        return _real_date(raw, year, month, day)
    match = _WORDS.match(cleaned)
    if match and match.group(2) in _MONTHS:
        return _real_date(raw, int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    raise CellError(f'"{raw.strip()}" is not a date I can read; {_HOW_DATE}.')


def _real_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f'"{raw.strip()}" is not a real date; {_HOW_DATE}.') from None


def _parse_time(raw: str, whole: str) -> time:
    match = _TIME.match(raw.lower())
    if not match:
        raise CellError(f'"{whole}" has no time I can read; {_HOW_MEETING}.')
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise CellError(f'"{whole}" has no real time of day; {_HOW_MEETING}.')
    return time(hour, minute)


def _show(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"
