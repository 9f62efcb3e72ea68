"""The register under pressure: files it must refuse, and sizes it must take, writing nothing."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.styles import PatternFill

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.register import layout
from pipeline.run import weekly_run

from support.files import snapshot
from support.register import cells, party_row, request_row
from support.xlsx import with_sheet_extensions

TODAY = date(2026, 11, 25)
pytestmark = pytest.mark.bad_input


@pytest.fixture
def register(setting: Callable[..., Config]) -> Config:
    return setting([request_row()], [party_row()])


def refused(config: Config) -> str:
    """Run, expect a refusal before anything is written, and return its message."""
    folder = config.paths.register.parent.parent
    before = snapshot(folder)
    with pytest.raises(LettersError) as error:
        weekly_run(config, TODAY, office=None)
    assert snapshot(folder) == before
    return str(error.value)


def test_a_workbook_protected_with_a_password_is_refused_saying_how_to_clear_it(
    register: Config,
) -> None:
    path = register.paths.register
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(path.read_bytes())).encrypt("secret", encrypted)
    path.write_bytes(encrypted.getvalue())
    assert refused(register) == (
        f"{path}: the register is protected with a password to open, so it cannot be read. "
        "In Excel: File › Info › Protect Workbook › Encrypt with Password, clear the password "
        "and save; keep the register safe with the computer's own sign-in instead."
    )


@pytest.mark.parametrize(
    ("suffix", "said"),
    [
        (".xlsm", "the register is a macro-enabled workbook (.xlsm)."),
        (".xls", "the register must be an Excel workbook saved as .xlsx"),
        (".csv", "the register must be an Excel workbook saved as .xlsx"),
    ],
)
def test_a_register_that_is_not_a_plain_workbook_is_refused(
    register: Config, suffix: str, said: str
) -> None:
    other = register.paths.register.with_suffix(suffix)
    register.paths.register.rename(other)
    from dataclasses import replace

    config = replace(register, paths=replace(register.paths, register=other))
    assert said in refused(config)


def test_a_file_that_is_not_a_workbook_at_all_is_refused(register: Config) -> None:
    register.paths.register.write_bytes(b"Ref,Received\nSAR-2026-001,2/11/2026\n")
    assert "this file cannot be read as an Excel workbook" in refused(register)


def test_ten_thousand_blank_formatted_rows_at_the_bottom_change_nothing(
    register: Config,
) -> None:
    path = register.paths.register
    workbook = openpyxl.load_workbook(path)
    grey = PatternFill("solid", start_color="FFEEEEEE")
    for name in (layout.REQUESTS, layout.THIRD_PARTIES, layout.LETTERS):
        sheet = workbook[name]
        for row in range(600, 10_600):
            sheet.cell(row=row, column=1).fill = grey
            sheet.cell(row=row, column=2).number_format = "DD/MM/YYYY"
    workbook.save(path)
    started = time.monotonic()
    outcome = weekly_run(register, TODAY, office=None)
    assert time.monotonic() - started < 60  # a sanity bound, not a benchmark
    assert list(outcome.problems) == []
    assert len(outcome.letters.generated) == 2
    letters = openpyxl.load_workbook(path)[layout.LETTERS]
    assert [letters.cell(row=row, column=1).value for row in (2, 3, 4)] == [
        "SAR-2026-001/acknowledgement",
        "SAR-2026-001/TP1/consent",
        None,
    ]
    assert cells(path, layout.REQUESTS)[0]["Status"].startswith("Overdue")


def _with_extension(path: Path, ext: str) -> None:
    """Add an Excel 2010 extension to the Requests sheet, as Excel writes it."""
    path.write_bytes(with_sheet_extensions(path.read_bytes(), ext))


_X14 = 'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"'
_XM = 'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"'
EXTENSIONS = {
    "data validation that refers to another sheet": (
        f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" {_X14}>'
        f'<x14:dataValidations count="1" {_XM}><x14:dataValidation type="list" '
        'allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$5</xm:f></x14:formula1>'
        "<xm:sqref>D2:D500</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
    ),
    "sparklines": (
        f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" {_X14}>'
        f"<x14:sparklineGroups {_XM}><x14:sparklineGroup><x14:sparklines><x14:sparkline>"
        "<xm:f>Requests!U2:U9</xm:f><xm:sqref>W2</xm:sqref></x14:sparkline></x14:sparklines>"
        "</x14:sparklineGroup></x14:sparklineGroups></ext>"
    ),
}


@pytest.mark.parametrize("feature", sorted(EXTENSIONS))
def test_a_save_that_would_drop_an_excel_feature_is_refused_naming_it(
    register: Config, feature: str
) -> None:
    path = register.paths.register
    _with_extension(path, EXTENSIONS[feature])
    before = path.read_bytes()
    outcome = weekly_run(register, TODAY, office=None)
    assert path.read_bytes() == before
    assert "the register was not written" in outcome.write_back.error
    assert feature in outcome.write_back.error
