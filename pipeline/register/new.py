"""Create a blank register, or add what an earlier version's lacks: styled headers, drop-downs."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import LettersError
from pipeline.register import layout
from pipeline.register.layout import Column

MANAGER_FILL = PatternFill("solid", start_color="FFDDEBF7")  # pale blue: the manager types here
PIPELINE_FILL = PatternFill("solid", start_color="FFD9D9D9")  # grey: the pipeline writes here
HEADER_FONT = Font(bold=True)
DATE_FORMAT = "DD/MM/YYYY"
DATE_TIME_FORMAT = "DD/MM/YYYY HH:MM"
# How far down the drop-down lists and date formats reach in a new register.
PREPARED_ROWS = 500

DATE_COLUMNS = {
    "Received",
    "Child date of birth",
    "Clarification asked",
    "ID requested",
    "ID received",
    "Clarification received",
    "Clean copy ready",
    "Closed",
    "Acknowledge by",
    "Acknowledged",
    "Promised by",
    "Legal deadline",
    "Letter sent",
    "Reminder sent",
    "Reply received",
    "Generated",
    "Signed",
    "Sent",
    "Posted",
}


def blank_workbook() -> Workbook:
    """Build the blank register workbook in memory."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name in layout.SHEETS:
        add_sheet(workbook, name)
    return workbook


def add_sheet(workbook: Workbook, name: str) -> Worksheet:
    """Add one of the register's sheets, with every column prepared, at the end."""
    worksheet = workbook.create_sheet(name)
    for number, column in enumerate(layout.SHEETS[name], start=1):
        add_column(worksheet, name, number, column)
    worksheet.freeze_panes = "A2"
    return worksheet


def add_column(worksheet: Worksheet, sheet_name: str, number: int, column: Column) -> None:
    """Write one column's header and prepare its cells: date format, drop-down list."""
    style_header(worksheet, number, column)
    letter = get_column_letter(number)
    number_format = (
        DATE_FORMAT
        if column.header in DATE_COLUMNS
        else DATE_TIME_FORMAT
        if column.header == "Meeting"
        else None
    )
    if number_format is not None:
        for row in range(2, PREPARED_ROWS + 2):
            cell = worksheet[f"{letter}{row}"]
            if cell.number_format == "General":  # a cell someone formatted keeps its format
                cell.number_format = number_format
    choices = layout.CHOICES.get((sheet_name, column.header))
    if choices:
        _add_choices(worksheet, letter, column.header, choices)


def style_header(worksheet: Worksheet, number: int, column: Column) -> None:
    """Write and style one header cell: grey for the pipeline's columns."""
    cell = worksheet.cell(row=1, column=number, value=column.header)
    cell.font = HEADER_FONT
    cell.fill = PIPELINE_FILL if column.pipeline else MANAGER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    worksheet.column_dimensions[get_column_letter(number)].width = column.width


def _add_choices(worksheet: Worksheet, letter: str, header: str, choices: tuple[str, ...]) -> None:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=header,
        error=f"Choose one of: {', '.join(choices)}",
    )
    validation.add(f"{letter}2:{letter}{PREPARED_ROWS + 1}")
    worksheet.add_data_validation(validation)


def create(path: Path) -> None:
    """Write a blank register at ``path``; never overwrite an existing file."""
    if path.exists():
        raise LettersError(f"{path}: a file is already there; it was left as it is.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.new")
    blank_workbook().save(partial)
    partial.replace(path)
