"""A register saved by LibreOffice Calc is written back, keeping what the manager made.

The registers are made by our own builders, then really saved by LibreOffice Calc
(``soffice --headless --convert-to xlsx``, with a profile of the test's own), once for the
session; each test works on a copy.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.styles import Font, PatternFill

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.records.convert import find_office
from pipeline.register import layout
from pipeline.register.safety import lost_features
from pipeline.run import weekly_run

from support.config import write_config
from support.office import on_ci
from support.register import cells, party_row, request_row, write_register

pytestmark = pytest.mark.needs_office

TODAY = date(2026, 11, 4)
NO_CALC = (
    "needs LibreOffice Calc to save a register, which is not installed here: run "
    "tools/install-system-packages.sh (make test does) or install libreoffice-calc"
)
YELLOW, RED, PINK = "FFFFFF00", "FFFF0000", "FFFFC7CE"


def save_with_calc(register: Path, into: Path) -> bytes:
    """Open ``register`` in LibreOffice Calc and save it as .xlsx; return what Calc wrote."""
    office = find_office()
    assert office is not None  # the needs_office marker skips the test before
    profile = into / "profile"  # a profile of its own: parallel runs never share one
    done = subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         "xlsx", "--outdir", str(into / "saved"), str(register)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    saved = into / "saved" / register.name
    if not saved.is_file():  # LibreOffice without Calc has no spreadsheet export filter
        if on_ci():
            pytest.fail(f"CI: this test {NO_CALC} ({done.stderr.strip()})", pytrace=False)
        pytest.skip(NO_CALC)
    return saved.read_bytes()


def managers_register(path: Path) -> Path:
    """Write a register as the manager keeps it: notes, a column of their own, formatting."""
    write_register(path, [request_row(Notes="Dad collects on Fridays")], [party_row()])
    workbook = openpyxl.load_workbook(path)
    requests = workbook[layout.REQUESTS]
    own = requests.max_column + 1
    requests.cell(1, own, "Key worker")
    requests.cell(2, own, "Priya Shah")
    requests["C2"].fill = PatternFill("solid", fgColor=YELLOW)
    requests["C2"].font = Font(bold=True, color=RED)
    requests.column_dimensions["C"].width = 40
    requests["A2"].comment = Comment("Phoned twice about this", "Manager")
    letter = {cell.value: cell.column_letter for cell in requests[1]}
    requests[f"{letter['Notes']}2"].hyperlink = "https://example.org/notes"
    overdue = CellIsRule(operator="lessThan", formula=["0"], fill=PatternFill("solid", PINK))
    requests.conditional_formatting.add(f"{letter['Days left']}2:{letter['Days left']}500", overdue)
    workbook.save(path)
    return path


@pytest.fixture(scope="session")
def calc_saved(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The manager's register, as LibreOffice Calc saves it."""
    folder = tmp_path_factory.mktemp("calc")
    return save_with_calc(managers_register(folder / "register.xlsx"), folder)


@pytest.fixture
def calc_setting(tmp_path: Path, calc_saved: bytes) -> Callable[[bytes], Config]:
    """Return a function that puts a register saved by Calc in place and loads its config."""

    def make(saved: bytes = calc_saved) -> Config:
        (tmp_path / "registers").mkdir(exist_ok=True)
        (tmp_path / "registers" / "register.xlsx").write_bytes(saved)
        return config_module.load(write_config(tmp_path))

    return make


def test_saving_a_register_calc_saved_loses_nothing(calc_saved: bytes) -> None:
    resaved = io.BytesIO()
    openpyxl.load_workbook(io.BytesIO(calc_saved)).save(resaved)

    assert lost_features(calc_saved, resaved.getvalue()) == []


def test_calc_writes_what_the_check_once_refused(calc_saved: bytes) -> None:
    # What made every write-back refuse: LibreOffice's extCalcPr and an empty custom.xml.
    package = zipfile.ZipFile(io.BytesIO(calc_saved))
    assert "loext:extCalcPr" in package.read("xl/workbook.xml").decode()
    assert b"<property" not in package.read("docProps/custom.xml")


def test_a_register_saved_by_calc_is_written_back_keeping_the_managers_work(
    calc_setting: Callable[[bytes], Config], tmp_path: Path
) -> None:
    config = calc_setting()
    before = cells(config.paths.register, layout.REQUESTS)[0]

    outcome = weekly_run(config, TODAY)

    assert outcome.write_back.written, outcome.write_back.error
    assert outcome.write_back.backup is not None and outcome.write_back.backup.is_file()
    after = cells(config.paths.register, layout.REQUESTS)[0]
    assert after["Status"] == "Acknowledgement to sign and send"
    assert after["Legal deadline"] is not None and after["Days left"] == 8
    pipeline = {column.header for column in layout.SHEETS[layout.REQUESTS] if column.pipeline}
    manager = set(before) - pipeline
    assert {h: after[h] for h in manager} == {h: before[h] for h in manager}
    assert after["Key worker"] == "Priya Shah"
    assert cells(config.paths.register, layout.THIRD_PARTIES)[0]["Party"] == "TP1"
    requests = openpyxl.load_workbook(config.paths.register)[layout.REQUESTS]
    assert requests["C2"].fill.fgColor.rgb == YELLOW
    assert requests["C2"].font.b and requests["C2"].font.color.rgb == RED
    assert requests.column_dimensions["C"].width == 40
    assert requests["A2"].comment is not None
    assert requests["A2"].comment.text.startswith("Phoned twice about this")
    notes = requests.cell(2, [cell.value for cell in requests[1]].index("Notes") + 1)
    assert notes.hyperlink is not None
    assert notes.hyperlink.target == "https://example.org/notes"
    rules = [rule for found in requests.conditional_formatting for rule in found.rules]
    assert [(rule.operator, rule.formula) for rule in rules] == [("lessThan", ["0"])]
    lists = [str(valid.formula1) for valid in requests.data_validations.dataValidation]
    assert any("Mother" in formula for formula in lists)  # the Relationship drop-down


def test_a_register_saved_by_calc_again_after_a_write_back_is_written_back_again(
    calc_setting: Callable[[bytes], Config], tmp_path: Path
) -> None:
    config = calc_setting()
    assert weekly_run(config, TODAY).write_back.written
    config.paths.register.write_bytes(save_with_calc(config.paths.register, tmp_path / "again"))

    outcome = weekly_run(config, date(2026, 11, 5))

    assert outcome.write_back.written, outcome.write_back.error
    assert cells(config.paths.register, layout.REQUESTS)[0]["Days left"] == 7
    assert cells(config.paths.register, layout.REQUESTS)[0]["Key worker"] == "Priya Shah"


@pytest.mark.bad_input
def test_a_register_saved_by_calc_with_a_data_bar_is_still_refused_naming_it(
    calc_setting: Callable[[bytes], Config], tmp_path: Path
) -> None:
    made = managers_register(tmp_path / "made" / "register.xlsx")
    workbook = openpyxl.load_workbook(made)
    bar = DataBarRule(start_type="min", end_type="max", color="638EC6")
    days_left = next(c for c in workbook[layout.REQUESTS][1] if c.value == "Days left")
    workbook[layout.REQUESTS].conditional_formatting.add(
        f"{days_left.column_letter}2:{days_left.column_letter}500", bar
    )
    workbook.save(made)
    config = calc_setting(save_with_calc(made, tmp_path / "made"))
    before = config.paths.register.read_bytes()

    outcome = weekly_run(config, TODAY)

    assert not outcome.write_back.written
    assert "Excel 2010 conditional formatting (data bars, icon sets) on sheet 'Requests'" in (
        outcome.write_back.error
    )
    assert "extension {" not in outcome.write_back.error  # nothing of LibreOffice's own
    assert "custom document properties" not in outcome.write_back.error
    assert config.paths.register.read_bytes() == before
