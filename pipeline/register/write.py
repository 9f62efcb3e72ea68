"""Write the pipeline's columns back to the register without losing anything."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell

from pipeline.errors import LettersError, file_error
from pipeline.faults import checkpoint
from pipeline.folders import write_whole
from pipeline.register import layout
from pipeline.register.cells import CellError, text, to_date
from pipeline.register.new import DATE_FORMAT, add_column, add_sheet, style_header
from pipeline.register.read import Register, ensure_closed, sheet
from pipeline.register.safety import lost_features, summarise_ahead
from pipeline.register.values import Rows, read_values

Values = dict[str, Any]  # header → value, for one row
_KEPT = "The letters of this run are kept; their register columns are filled next time."
_PIPELINE_HEADERS = {
    name: {column.header for column in columns if column.pipeline}
    for name, columns in layout.SHEETS.items()
}


@dataclass(frozen=True)
class Change:
    """One cell the pipeline changed, to verify after saving."""

    sheet: str
    row: int
    column: int
    value: Any


def add_missing(register: Register) -> tuple[list[Change], tuple[str, ...]]:
    """Add the sheets and columns a register made by an earlier version lacks.

    Return the header cells written, to verify after saving, and what was added, for a
    person: "the Complaints sheet", "Requests: ID requested, ID received".
    """
    changes: list[Change] = []
    added: list[str] = []
    for name in layout.SHEETS:
        if name in register.missing_sheets:
            add_sheet(register.workbook, name)
            register.columns[name] = {}
            for number, column in enumerate(layout.SHEETS[name], start=1):
                register.columns[name][column.header.lower()] = number
                changes.append(Change(name, 1, number, column.header))
            added.append(f"the {name} sheet")
    for name, columns in register.missing_columns.items():
        worksheet = sheet(register, name)
        width = max(worksheet.max_column, max(register.columns[name].values(), default=0))
        for number, column in enumerate(columns, start=width + 1):
            add_column(worksheet, name, number, column)
            register.columns[name][column.header.lower()] = number
            changes.append(Change(name, 1, number, column.header))
        added.append(f"{name}: {', '.join(column.header for column in columns)}")
    return changes, tuple(added)


def apply_rows(register: Register, sheet: str, rows: dict[int, Values]) -> list[Change]:
    """Set the pipeline's columns of ``sheet`` (Requests or Third parties), by row number."""
    read = register.rows(sheet)  # the sheet's values as read
    return [
        change
        for row, values in rows.items()
        for change in _apply_row(register, sheet, read, row, values)
    ]


def apply_letters(register: Register, letters: list[Values]) -> list[Change]:
    """Add or update one Letters sheet row per letter, found by its Letter id."""
    changes: list[Change] = []
    read = register.rows(layout.LETTERS)  # the sheet's values as read
    next_row = max(register.letter_rows.values(), default=1) + 1
    for values in letters:
        row = register.letter_rows.get(values["Letter"])
        if row is None:
            row, next_row = next_row, next_row + 1
            register.letter_rows[values["Letter"]] = row
        changes.extend(_apply_row(register, layout.LETTERS, read, row, values))
    return changes


# The manager's columns the pipeline fills while blank: a new request's Ref, and the day it
# wrote the clean copy (the manager types it for a copy made by hand); and the one it clears,
# when it took its clean copy away.
_FILLED_WHEN_BLANK = frozenset({"Ref", "Clean copy ready"})
_CLEARED = frozenset({"Clean copy ready"})


def _apply_row(
    register: Register, sheet_name: str, rows: Rows, row: int, values: Values
) -> list[Change]:
    cells = rows[row - 1] if row <= len(rows) else ()
    changes = []
    worksheet = None  # found once a row, not once a cell
    for header, value in values.items():
        column = _column(register, sheet_name, header)
        current = cells[column - 1] if column <= len(cells) else None
        if header not in _PIPELINE_HEADERS[sheet_name] and not (
            (header in _FILLED_WHEN_BLANK and not text(current))
            or (header in _CLEARED and value == "")
        ):
            # The manager's cells are theirs; only a blank Ref, or Clean copy ready, is filled.
            raise AssertionError(f"the pipeline must not write {sheet_name} {header}")
        if _same(current, value):
            continue
        if worksheet is None:
            # Only now is the workbook loaded: a run that changes nothing never loads it.
            worksheet = sheet(register, sheet_name)
        _set(worksheet.cell(row=row, column=column), value)
        changes.append(Change(sheet_name, row, column, value))
    return changes


def _column(register: Register, sheet_name: str, header: str) -> int:
    columns = register.columns[sheet_name]
    if header.lower() not in columns:
        # A pipeline column the manager removed is added back at the end.
        number = max(columns.values(), default=0) + 1
        spec = next(c for c in layout.SHEETS[sheet_name] if c.header == header)
        style_header(sheet(register, sheet_name), number, spec)
        columns[header.lower()] = number
    return columns[header.lower()]


def _same(current: Any, wanted: Any) -> bool:
    if wanted is None or wanted == "":
        return current is None or text(current) == ""
    if isinstance(wanted, date) and not isinstance(wanted, datetime):
        try:
            return to_date(current) == wanted
        except CellError:
            return False
    if isinstance(wanted, int):
        return isinstance(current, int | float) and current == wanted
    return text(current) == str(wanted)


def _set(cell: Cell, value: Any) -> None:
    if value == "":
        value = None
    cell.value = value
    if isinstance(value, str):
        # Text from people (names, replies) must never become a formula.
        cell.data_type = "s"
    elif isinstance(value, date) and cell.number_format == "General":
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int) and cell.is_date:
        # A number (Days left) in a cell someone gave a date format would read back as a date.
        cell.number_format = "General"


def prepare(register: Register) -> None:
    """Load the workbook and count the features it must keep, before the write-back needs them.

    Done while the letters are written on other cores: 1.5 s of the write-back's serial part
    on 1,000 requests. A failure here is met again, and reported, by the write-back itself.
    """
    with contextlib.suppress(Exception):
        summarise_ahead(register.original)
        register.workbook  # noqa: B018 - loaded, as the write-back will want it


def save(register: Register, changes: list[Change], today: date) -> Path:
    """Replace the register file with the changed workbook, safely; return the backup."""
    path = register.path
    _ensure_unchanged(register)
    buffer = io.BytesIO()
    register.workbook.save(buffer)
    saved = buffer.getvalue()
    del buffer
    # Written: its cells (25 MB of the run on 1,000 requests) make way for the checks' reading
    # of the copy; they refer to their sheets and back, so only a full collection frees them.
    register.loaded = None
    gc.collect()
    lost = lost_features(register.original, saved)
    if lost:
        said = "".join(f"\n  - openpyxl said: {warning}" for warning in register.load_warnings)
        raise LettersError(
            f"{path}: the register was not written, because saving it would lose "
            "Excel features the pipeline cannot keep:"
            + "".join(f"\n  - {feature}" for feature in lost)
            + said
            + f"\nMove them to another workbook (or remove them), save, and run again. {_KEPT}"
        )
    partial = path.with_name(f".{path.name}.saving")
    try:
        with open(partial, "wb") as handle:
            handle.write(saved)
            handle.flush()
            os.fsync(handle.fileno())
        verify_copy(partial.read_bytes(), changes, register.values, path)
        backup = _backup(register, today)
        checkpoint("register:saving")
        # Saved or opened in Excel while the run worked (even just now): not replaced under it.
        _ensure_unchanged(register)
        ensure_closed(path, then=_KEPT)
        os.replace(partial, path)
    except OSError as error:  # the disk full, the folder read-only, the file held
        problem = file_error(error, path, then=_KEPT)
        if problem is None:
            raise
        raise problem from error
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return backup


def _ensure_unchanged(register: Register) -> None:
    try:
        now = register.path.read_bytes()
    except FileNotFoundError:
        now = b""
    if hashlib.sha256(now).hexdigest() != register.digest:
        raise LettersError(
            f"{register.path}: the register changed on disk while the run was working "
            "(saved by someone else?), so it was not overwritten. The letters of this run "
            "are kept. Run again to fill in the register."
        )


def verify_copy(written: bytes, changes: list[Change], before: dict[str, Rows], path: Path) -> None:
    """Refuse a new copy of the register unless it opens, every cell the run wrote reads back
    as written, and every other cell it had reads back as it was (``before``).

    Read by the register's own quick reader (pipeline/register/values.py): loading the whole
    copy again with openpyxl took 9 s of a first run on 1,000 requests. A copy that reader
    leaves to openpyxl is loaded by openpyxl, as before.
    """
    after = read_values(written).sheets
    if after is None:
        after = _read_by_openpyxl(written, path)
    wrote = {(change.sheet.lower(), change.row, change.column) for change in changes}
    titles = {change.sheet: _title(after, change.sheet) for change in changes}
    for change in changes:
        value = _value_at(after, titles[change.sheet], change.row, change.column)
        if not _same(value, change.value):
            raise LettersError(
                f"{path}: the updated register did not read back as written "
                f"({change.sheet}, row {change.row}); the original was left as it was."
            )
    for title, rows in before.items():
        name = title.strip().lower()
        if title not in after:
            raise LettersError(
                f"{path}: the updated register lost its sheet {title!r}; "
                "the original was left as it was."
            )
        kept = after[title]
        for row, values in enumerate(rows, start=1):
            now = kept[row - 1] if row <= len(kept) else ()
            if now[: len(values)] == values:
                continue  # the whole row as it was (most rows): no cell to look at
            for column, value in enumerate(values, start=1):
                if (name, row, column) in wrote:
                    continue
                if not _unchanged(value, now[column - 1] if column <= len(now) else None):
                    raise LettersError(
                        f"{path}: the updated register did not keep a cell the run did not "
                        f"write ({title}, row {row}, column {column}); the original was left "
                        "as it was."
                    )


def _read_by_openpyxl(written: bytes, path: Path) -> dict[str, Rows]:
    """Return the copy's values as openpyxl reads them, or refuse a copy it cannot read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reopened = openpyxl.load_workbook(io.BytesIO(written))
        except Exception as error:  # any failure to re-read means the save is not trusted
            raise LettersError(
                f"{path}: the updated register could not be read back ({error}); "
                "the original was left as it was."
            ) from None
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in reopened.worksheets
    }


def _value_at(sheets: dict[str, Rows], title: str, row: int, column: int) -> Any:
    rows = sheets[title]
    cells = rows[row - 1] if row <= len(rows) else ()
    return cells[column - 1] if column <= len(cells) else None


def _unchanged(before: Any, after: Any) -> bool:
    """Say whether a cell reads back as it was: a date or time to within a millisecond, as
    Excel keeps it as a fraction of a day."""
    if isinstance(before, time) and isinstance(after, time):
        before, after = datetime.combine(date.min, before), datetime.combine(date.min, after)
    if isinstance(before, datetime) and isinstance(after, datetime):
        return abs(after - before) < timedelta(milliseconds=1)
    if isinstance(before, timedelta) and isinstance(after, timedelta):
        return abs(after - before) < timedelta(milliseconds=1)
    return bool(before == after)


def _title(sheets: dict[str, Rows], name: str) -> str:
    return next(title for title in sheets if title.strip().lower() == name.lower())


def _backup(register: Register, today: date) -> Path:
    folder = register.path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stem = f"{register.path.stem} {today.isoformat()}"
    backup = folder / f"{stem}.xlsx"
    number = 2
    while backup.exists():
        backup = folder / f"{stem} ({number}).xlsx"
        number += 1
    return write_whole(backup, register.original, sync=True)  # never a truncated backup
