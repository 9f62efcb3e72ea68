"""A register made by an earlier version gains the new columns and sheets, once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from pipeline import config as config_module
from pipeline.register import layout
from pipeline.register.read import open_register
from pipeline.run import weekly_run

from support.config import write_config
from support.register import party_row, request_row

TODAY = date(2026, 11, 25)


def _earlier_register(path: Path) -> Path:
    """Write a register as the version before ID, aliases and complaints made one."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    rows = {layout.REQUESTS: request_row(), layout.THIRD_PARTIES: party_row(), layout.LETTERS: {}}
    for name, values in rows.items():
        worksheet = workbook.create_sheet(name)
        headers = [column.header for column in layout.SHEETS[name] if not column.added]
        worksheet.append([*headers, "Key worker"])
        if values:
            worksheet.append([*(values.get(header) for header in headers), "Sam"])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def test_an_earlier_register_reads_without_the_new_columns_and_sheet(tmp_path: Path) -> None:
    path = _earlier_register(tmp_path / "register.xlsx")

    register = open_register(path, TODAY)

    assert register.problems == []
    assert register.missing_sheets == {layout.COMPLAINTS, layout.WITHHELD}
    assert {
        name: [c.header for c in columns] for name, columns in register.missing_columns.items()
    } == {
        layout.REQUESTS: ["ID requested", "ID received"],
        layout.THIRD_PARTIES: ["Also known as"],
    }
    assert register.rows(layout.COMPLAINTS) == []


def test_the_next_write_back_adds_them_at_the_end_once_and_says_so(tmp_path: Path) -> None:
    path = _earlier_register(tmp_path / "registers" / "register.xlsx")
    config = config_module.load(write_config(tmp_path))

    outcome = weekly_run(config, TODAY)

    assert outcome.write_back.written
    assert outcome.write_back.added == (
        "the Complaints sheet",
        "the Withheld sheet",
        "Requests: ID requested, ID received",
        "Third parties: Also known as",
    )
    assert "The register gained what this version of the pipeline reads, once" in outcome.text
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Requests", "Third parties", "Letters", "Complaints", "Withheld",
    ]  # fmt: skip
    requests = workbook[layout.REQUESTS]
    headers = [cell.value for cell in requests[1]]
    # The manager's own column keeps its place; the new ones come after everything there was.
    assert headers.index("Key worker") < headers.index("ID requested")
    assert headers[-2:] == ["ID requested", "ID received"]
    assert requests.cell(2, headers.index("Key worker") + 1).value == "Sam"
    assert requests.cell(1, len(headers)).fill.fgColor.rgb == "FFDDEBF7"  # the manager's blue
    complaints = workbook[layout.COMPLAINTS]
    assert [cell.value for cell in complaints[1]] == [c.header for c in layout.COMPLAINT_COLUMNS]

    again = weekly_run(config, TODAY)

    assert again.write_back.added == ()
    assert "gained" not in again.text
    assert open_register(path, TODAY).missing_columns == {}


def test_a_register_missing_only_the_new_columns_is_still_upgraded(tmp_path: Path) -> None:
    """Nothing else to write this week: the new columns alone are a reason to write."""
    path = _earlier_register(tmp_path / "registers" / "register.xlsx")
    config = config_module.load(write_config(tmp_path))
    weekly_run(config, TODAY)
    workbook = openpyxl.load_workbook(path)
    del workbook[layout.COMPLAINTS]
    workbook.save(path)

    outcome = weekly_run(config, TODAY)

    assert outcome.write_back.added == ("the Complaints sheet",)
    assert layout.COMPLAINTS in openpyxl.load_workbook(path).sheetnames


def test_a_complaints_sheet_without_its_ref_column_gains_it_and_the_refs(tmp_path: Path) -> None:
    """A register made with the Complaints sheet before it had a Ref column."""
    path = _earlier_register(tmp_path / "registers" / "register.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.create_sheet(layout.COMPLAINTS)
    sheet.append([c.header for c in layout.COMPLAINT_COLUMNS if not c.added])
    sheet.append([date(2026, 11, 20), "Jane Example", "jane@example.org", "", "", "Late reply"])
    workbook.save(path)
    config = config_module.load(write_config(tmp_path))

    outcome = weekly_run(config, TODAY)

    assert "Complaints: Ref" in outcome.write_back.added
    complaints = openpyxl.load_workbook(path)[layout.COMPLAINTS]
    headers = [cell.value for cell in complaints[1]]
    assert headers[-1] == "Ref"
    assert complaints.cell(2, len(headers)).value == "C-2026-001"
