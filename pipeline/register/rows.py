"""One data row of a register sheet, read cell by cell by header, its problems recorded."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from pipeline.model import Problem
from pipeline.register import layout
from pipeline.register.cells import CellError, text, to_date

if TYPE_CHECKING:  # the register stage's own object; only its type is needed here
    from pipeline.register.read import Register

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowReader:
    """One data row being checked: reads cells by header and records problems."""

    def __init__(self, register: Register, sheet_name: str, cells: tuple[Any, ...], row: int):
        self.register, self.sheet, self.cells, self.row = register, sheet_name, cells, row
        self.problems: list[Problem] = []

    def raw(self, header: str) -> Any:
        column = self.register.columns[self.sheet].get(header.lower())
        if column is None or column > len(self.cells):
            return None
        return self.cells[column - 1]

    def text(self, header: str) -> str:
        return text(self.raw(header))

    def problem(self, header: str, message: str) -> None:
        self.problems.append(Problem(self.sheet, self.row, header, message))

    def required(self, header: str, what: str) -> str:
        value = self.text(header)
        if not value:
            self.problem(header, f"this is empty; type {what}.")
        return value

    def read(self, header: str, parse: Callable[[Any], Any]) -> Any:
        value = self.raw(header)
        if isinstance(value, str) and value.startswith("="):
            self.problem(header, "this holds a formula; type the value itself.")
            return None
        try:
            return parse(value)
        except CellError as error:
            self.problem(header, str(error))
            return None

    def date(self, header: str) -> date | None:
        result: date | None = self.read(header, to_date)
        return result

    def choice(self, header: str, choices: tuple[str, ...], required: bool) -> str:
        value = self.text(header)
        if not value:
            if required:
                self.problem(header, f"this is empty; choose one of {_listing(choices)}.")
            return ""
        for choice in choices:
            if choice.lower() == value.lower():
                return choice
        blank = "" if required else ", or leave it blank"
        self.problem(
            header, f'"{value}" is not one of {_listing(choices)}; choose one of them{blank}.'
        )
        return ""

    def email(self, header: str) -> str:
        value = self.text(header)
        if value and not _EMAIL_PATTERN.match(value):
            self.problem(
                header, f'"{value}" is not an email address; correct it or clear the cell.'
            )
        return value


def _listing(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def data_rows(register: Register, sheet_name: str) -> list[tuple[int, tuple[Any, ...]]]:
    """Return the numbers and cells of a sheet's rows that hold something, after row 1."""
    mine = {
        register.columns[sheet_name][column.header.lower()]
        for column in layout.SHEETS[sheet_name]
        if not column.pipeline and column.header.lower() in register.columns[sheet_name]
    }
    rows = []
    for number, cells in enumerate(register.rows(sheet_name)[1:], start=2):
        # A row with nothing in the manager's columns is blank, however it is formatted.
        if any(text(cells[column - 1]) for column in mine if column <= len(cells)):
            rows.append((number, cells))
    return rows
