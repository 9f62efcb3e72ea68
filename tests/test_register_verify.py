"""A new copy of the register replaces the old only when it opens, every cell the run wrote
reads back as written, and every other cell reads back as it was."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import LettersError
from pipeline.register import layout
from pipeline.register.values import Rows, read_values
from pipeline.register.write import Change, verify_copy

from support.register import party_row, request_row, write_register

STATUS = [column.header for column in layout.SHEETS[layout.REQUESTS]].index("Status") + 1
WROTE = [Change(layout.REQUESTS, 2, STATUS, "Waiting for 1 of 1 replies")]


def _register(tmp_path: Path) -> tuple[bytes, dict[str, Rows]]:
    path = write_register(
        tmp_path / "register.xlsx",
        [request_row(Notes="Called on 3/11", Meeting=datetime(2026, 12, 2, 10, 30))],
        [party_row()],
    )
    original = path.read_bytes()
    sheets = read_values(original).sheets
    assert sheets is not None
    return original, sheets


def _copy(original: bytes, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    """The register saved again by openpyxl with the run's Status written, and ``change``."""
    workbook = openpyxl.load_workbook(io.BytesIO(original))
    workbook[layout.REQUESTS].cell(2, STATUS, WROTE[0].value)
    change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _nothing(workbook: openpyxl.Workbook) -> None:
    """The run changes nothing else."""


def _merge(workbook: openpyxl.Workbook) -> None:
    """Merged cells: the quick reader leaves the copy to openpyxl."""
    sheet: Worksheet = workbook[layout.REQUESTS]
    sheet.merge_cells(start_row=10, start_column=1, end_row=10, end_column=2)


@pytest.mark.parametrize("change", [_nothing, _merge])
def test_a_copy_that_holds_what_the_run_wrote_and_nothing_else_is_accepted(
    tmp_path: Path, change: Callable[[openpyxl.Workbook], None]
) -> None:
    original, before = _register(tmp_path)
    verify_copy(_copy(original, change), WROTE, before, tmp_path / "register.xlsx")


def test_a_date_and_time_within_a_millisecond_reads_back_as_it_was(tmp_path: Path) -> None:
    original, before = _register(tmp_path)
    meeting = [column.header for column in layout.SHEETS[layout.REQUESTS]].index("Meeting") + 1

    def shift(workbook: openpyxl.Workbook) -> None:
        cell = workbook[layout.REQUESTS].cell(2, meeting)
        cell.value += timedelta(microseconds=300)

    verify_copy(_copy(original, shift), WROTE, before, tmp_path / "register.xlsx")


def _other_cell(workbook: openpyxl.Workbook) -> None:
    workbook[layout.THIRD_PARTIES].cell(2, 2, "Someone else")


def _cleared(workbook: openpyxl.Workbook) -> None:
    workbook[layout.REQUESTS].cell(2, 1).value = None


def _a_date_moved(workbook: openpyxl.Workbook) -> None:
    workbook[layout.REQUESTS].cell(2, 2, date(2026, 11, 3))


def _sheet_lost(workbook: openpyxl.Workbook) -> None:
    del workbook[layout.LETTERS]


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_other_cell, "did not keep a cell the run did not write (Third parties, row 2, column 2)"),
        (_cleared, "did not keep a cell the run did not write (Requests, row 2, column 1)"),
        (_a_date_moved, "did not keep a cell the run did not write (Requests, row 2, column 2)"),
        (_sheet_lost, f"lost its sheet '{layout.LETTERS}'"),
    ],
)
def test_a_copy_that_changed_what_the_run_did_not_write_is_refused(
    tmp_path: Path, change: Callable[[openpyxl.Workbook], None], said: str
) -> None:
    original, before = _register(tmp_path)
    with pytest.raises(LettersError, match="the original was left as it was") as refused:
        verify_copy(_copy(original, change), WROTE, before, tmp_path / "register.xlsx")
    assert said in refused.value.message


@pytest.mark.bad_input
def test_a_copy_missing_what_the_run_wrote_is_refused(tmp_path: Path) -> None:
    original, before = _register(tmp_path)
    written = _copy(original, lambda workbook: workbook[layout.REQUESTS].cell(2, STATUS, "Other"))
    with pytest.raises(LettersError, match=r"did not read back as written \(Requests, row 2\)"):
        verify_copy(written, WROTE, before, tmp_path / "register.xlsx")


@pytest.mark.bad_input
def test_a_copy_that_does_not_open_is_refused(tmp_path: Path) -> None:
    original, before = _register(tmp_path)
    with pytest.raises(LettersError, match="could not be read back"):
        verify_copy(original[: len(original) // 2], WROTE, before, tmp_path / "register.xlsx")
