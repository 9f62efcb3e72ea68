"""Registers made like `letters init` makes one, and their sheets read back by header."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from pipeline.config import Config
from pipeline.register import layout
from pipeline.register.new import blank_workbook

Row = dict[str, Any]

REF = "SAR-2026-001"  # the request every builder makes unless told otherwise


def write_register(
    path: Path,
    requests: list[Row],
    parties: list[Row] | None = None,
    others: dict[str, list[Row]] | None = None,
) -> Path:
    """Write a register made like `letters init` makes one, with these rows (by header).

    ``others`` holds the rows of the other sheets (Complaints, Withheld), by sheet name.
    """
    workbook = blank_workbook()
    sheets = [(layout.REQUESTS, requests), (layout.THIRD_PARTIES, parties or [])]
    for sheet_name, rows in [*sheets, *(others or {}).items()]:
        sheet = workbook[sheet_name]
        headers = [column.header for column in layout.SHEETS[sheet_name]]
        for number, values in enumerate(rows, start=2):
            for header, value in values.items():
                sheet.cell(row=number, column=headers.index(header) + 1, value=value)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def request_row(**overrides: Any) -> Row:
    """Return a valid Requests row for a fictional request, with ``overrides``."""
    row: Row = {
        "Ref": REF,
        "Received": date(2026, 11, 2),
        "Requester": "Aoife O'Brien",
        "Relationship": "Mother",
        "Requester email": "aoife.obrien@example.org",
        "Child": "Ciarán O'Brien",
    }
    row.update(overrides)
    return row


def party_row(**overrides: Any) -> Row:
    """Return a valid Third parties row for a fictional agency, with ``overrides``."""
    row: Row = {
        "Ref": REF,
        "Name": "Joan Smith",
        "Organisation": "Smith & Sons <Ltd>",
        "Kind": "Agency",
        "Role": "Childminder",
        "Address": "The Old Forge\nHighfield\nEX9 3AA",
    }
    row.update(overrides)
    return row


def cells(path: Path, sheet: str) -> list[dict[str, Any]]:
    """Read a sheet back as a list of rows keyed by header (rows 2 onwards, non-blank)."""
    workbook = openpyxl.load_workbook(path)
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    rows = []
    for values in worksheet.iter_rows(min_row=2, values_only=True):
        if any(value is not None for value in values):
            rows.append(dict(zip(headers, values, strict=False)))
    return rows


def set_cells(config: Config, sheet: str, match: Row, values: Row) -> None:
    """Do what the manager does in Excel: type values into the rows that match."""
    workbook = openpyxl.load_workbook(config.paths.register)
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    for row in worksheet.iter_rows(min_row=2):
        current = {headers[cell.column - 1]: cell.value for cell in row}
        if all(current.get(key) == value for key, value in match.items()):
            for header, value in values.items():
                row[headers.index(header)].value = value
    workbook.save(config.paths.register)


def as_date(value: Any) -> date | None:
    """Return a date cell's value as a date: openpyxl reads one back as a datetime."""
    return value.date() if hasattr(value, "date") else value  # type: ignore[no-any-return]


def party(config: Config, code: str) -> dict[str, Any]:
    """Return the Third parties row of ``code`` as the register holds it now."""
    return next(r for r in cells(config.paths.register, layout.THIRD_PARTIES) if r["Party"] == code)
