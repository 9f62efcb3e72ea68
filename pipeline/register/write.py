"""Write the pipeline's columns back to the register without losing anything."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell

from pipeline.errors import LettersError
from pipeline.faults import checkpoint
from pipeline.folders import write_whole
from pipeline.register import layout
from pipeline.register.cells import CellError, text, to_date
from pipeline.register.new import DATE_FORMAT, add_column, add_sheet, style_header
from pipeline.register.read import Register, ensure_closed, sheet
from pipeline.register.safety import lost_features
from pipeline.register.values import Rows

Values = dict[str, Any]  # header → value, for one row
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
# wrote the clean copy (the manager types it for a copy made by hand).
_FILLED_WHEN_BLANK = frozenset({"Ref", "Clean copy ready"})


def _apply_row(
    register: Register, sheet_name: str, rows: Rows, row: int, values: Values
) -> list[Change]:
    cells = rows[row - 1] if row <= len(rows) else ()
    changes = []
    for header, value in values.items():
        column = _column(register, sheet_name, header)
        current = cells[column - 1] if column <= len(cells) else None
        if header not in _PIPELINE_HEADERS[sheet_name] and not (
            header in _FILLED_WHEN_BLANK and not text(current)
        ):
            # The manager's cells are theirs; only a blank Ref, or Clean copy ready, is filled.
            raise AssertionError(f"the pipeline must not write {sheet_name} {header}")
        if _same(current, value):
            continue
        # Only now is the workbook loaded: a run that changes nothing never loads it.
        _set(sheet(register, sheet_name).cell(row=row, column=column), value)
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


def save(register: Register, changes: list[Change], today: date) -> Path:
    """Replace the register file with the changed workbook, safely; return the backup."""
    path = register.path
    _ensure_unchanged(register)
    buffer = io.BytesIO()
    register.workbook.save(buffer)
    saved = buffer.getvalue()
    lost = lost_features(register.original, saved)
    if lost:
        said = "".join(f"\n  - openpyxl said: {warning}" for warning in register.load_warnings)
        raise LettersError(
            f"{path}: the register was not written, because saving it would lose "
            "Excel features the pipeline cannot keep:"
            + "".join(f"\n  - {feature}" for feature in lost)
            + said
            + "\nMove them to another workbook (or remove them), save, and run again. "
            "The letters of this run are kept; their register columns are filled next time."
        )
    partial = path.with_name(f".{path.name}.saving")
    try:
        with open(partial, "wb") as handle:
            handle.write(saved)
            handle.flush()
            os.fsync(handle.fileno())
        _verify(partial.read_bytes(), changes, path)
        backup = _backup(register, today)
        _ensure_unchanged(register)
        ensure_closed(path)  # opened in Excel while the run worked: not replaced under it
        checkpoint("register:saving")
        os.replace(partial, path)
    finally:
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


def _verify(written: bytes, changes: list[Change], path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reopened = openpyxl.load_workbook(io.BytesIO(written))
        except Exception as error:  # any failure to re-read means the save is not trusted
            raise LettersError(
                f"{path}: the updated register could not be read back ({error}); "
                "the original was left as it was."
            ) from None
    for change in changes:
        value = reopened[_title(reopened, change.sheet)].cell(change.row, change.column).value
        if not _same(value, change.value):
            raise LettersError(
                f"{path}: the updated register did not read back as written "
                f"({change.sheet}, row {change.row}); the original was left as it was."
            )


def _title(workbook: Any, name: str) -> str:
    titles: list[str] = [sheet.title for sheet in workbook.worksheets]
    return next(title for title in titles if title.strip().lower() == name.lower())


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
