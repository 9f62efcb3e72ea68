"""Shared helpers: build real registers and configurations in a temporary folder."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest_graph import graph  # noqa: F401  (the Microsoft Graph stand-in fixture)

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.model import Request, ThirdParty
from pipeline.register import layout
from pipeline.register.new import blank_workbook

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "letter_templates"
DATA = Path(__file__).resolve().parent / "data"

Row = dict[str, Any]


def write_register(path: Path, requests: list[Row], parties: list[Row] | None = None) -> Path:
    """Write a register made like `letters init` makes one, with these rows (by header)."""
    workbook = blank_workbook()
    for sheet_name, rows in ((layout.REQUESTS, requests), (layout.THIRD_PARTIES, parties or [])):
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
        "Ref": "SAR-2026-001",
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
        "Ref": "SAR-2026-001",
        "Name": "Joan Smith",
        "Organisation": "Smith & Sons <Ltd>",
        "Kind": "Agency",
        "Role": "Childminder",
        "Address": "The Old Forge\nHighfield\nEX9 3AA",
    }
    row.update(overrides)
    return row


def write_config(folder: Path, mail: dict[str, str] | None = None, **paths: str) -> Path:
    """Write a letters.toml in ``folder`` whose paths point into it (templates: the repo's).

    ``mail`` replaces the [mail] section's keys, e.g. for the Microsoft 365 back-end.
    """
    text = config_module.example_text().replace(
        '"letter_templates"', f'"{paths.get("templates", TEMPLATES.as_posix())}"'
    )
    if mail:
        text = (
            text[: text.index("[mail]")]
            + "[mail]\n"
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in mail.items())
        )
    path = folder / "letters.toml"
    path.write_text(text, encoding="utf-8")
    return path


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


_REQUEST = Request(
    row=2, ref="SAR-2026-001", received=date(2026, 11, 2), requester="Aoife O'Brien",
    relationship="Mother", requester_email="aoife.obrien@example.org", requester_address="",
    child="Ciarán O'Brien", child_dob=None, request_letter="", clarification_asked=None,
    clarification_received=None, extended=False, extension_reason="", clean_copy_ready=None,
    meeting=None, closed=None, acknowledged=None,
)  # fmt: skip
_PARTY = ThirdParty(
    row=2, ref="SAR-2026-001", party="TP1", name="Joan Smith",
    organisation="Smith & Sons <Ltd>", kind="Agency", role="Childminder",
    email="joan@example.org", address="", decision="", decision_notes="", letter_sent=None,
    reminder_sent=None, reply_received=None, reply="",
)  # fmt: skip


def request_data(**fields: Any) -> Request:
    """Return a request as the register stage hands it on, with ``fields`` changed."""
    return replace(_REQUEST, **fields)


def party_data(**fields: Any) -> ThirdParty:
    """Return a third party as the register stage hands it on, with ``fields`` changed."""
    return replace(_PARTY, **fields)


def scanned_pdf() -> bytes:
    """Return a one-page PDF, as a scanner makes one."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def uk_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in the setting's time zone: a reply's received day is the day in the UK."""
    if not hasattr(time, "tzset"):  # Windows: the machine's own zone applies
        yield
        return
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def setting(tmp_path: Path) -> Callable[..., Config]:
    """Return a function that writes a register and config into tmp_path and loads it."""

    def make(requests: list[Row], parties: list[Row] | None = None) -> Config:
        write_register(tmp_path / "registers" / "register.xlsx", requests, parties)
        return config_module.load(write_config(tmp_path))

    return make
