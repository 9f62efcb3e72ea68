"""The register's values are read quickly, and exactly as openpyxl reads them."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.worksheet.formula import ArrayFormula

from pipeline import config as config_module
from pipeline.register import layout
from pipeline.register.read import load_register
from pipeline.register.values import Reading, read_values
from pipeline.register.write import apply_rows
from pipeline.run import weekly_run

from support.config import write_config
from support.files import DATA, REPO
from support.register import party_row, request_row, write_register
from support.strategies import storable_text

TODAY = date(2026, 11, 25)


def by_openpyxl(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def saved(workbook: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name", ["NewStyleConditionalFormattings.xlsx", "WithTextBox.xlsx", "table-sample.xlsx"]
)
def test_workbooks_excel_saved_read_as_openpyxl_reads_them(name: str) -> None:
    data = (DATA / "excel" / name).read_bytes()  # formulas, shared formulas, shared strings
    assert read_values(data) == Reading(by_openpyxl(data))


def test_a_workbook_with_comments_excel_saved_is_left_to_openpyxl() -> None:
    data = (DATA / "excel" / "DataValidationEvaluations.xlsx").read_bytes()
    assert read_values(data) == Reading(None, "sheet 'Sheet1' has comments")


def test_the_example_register_and_one_a_run_wrote_read_as_openpyxl_reads_them(
    tmp_path: Path,
) -> None:
    example = (REPO / "registers" / "example-register.xlsx").read_bytes()
    assert read_values(example).sheets == by_openpyxl(example)
    register = write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(), request_row(Ref="SAR-2026-002", Extended="Yes", Requester="Mark")],
        [party_row(), party_row(Ref="SAR-2026-002", Name="Owen Price")],
    )
    weekly_run(config_module.load(write_config(tmp_path)), TODAY, office=None)
    written = register.read_bytes()
    values = read_values(written).sheets
    assert values == by_openpyxl(written)
    assert values is not None and len(values["Letters"]) > 1


# Every kind of value a cell can hold, under the number formats a register uses.
_VALUES = st.one_of(
    st.none(),
    storable_text(max_size=30),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1000)),
)
_FORMATS = st.sampled_from(
    ["General", "DD/MM/YYYY", "0.00", "@", "h:mm", "[h]:mm:ss", "yyyy-mm-dd h:mm"]
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.lists(st.tuples(st.integers(1, 30), st.integers(1, 12), _VALUES, _FORMATS), max_size=40),
    st.booleans(),
)
def test_any_values_read_as_openpyxl_reads_them(
    placed: list[tuple[int, int, Any, str]], epoch_1904: bool
) -> None:
    workbook = openpyxl.Workbook()
    if epoch_1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    for row, column, value, number_format in placed:
        cell = sheet.cell(row=row, column=column, value=value)
        cell.number_format = number_format
        if isinstance(value, str):
            cell.data_type = "s"  # as the pipeline writes text: never a formula
    data = saved(workbook)
    assert read_values(data).sheets == by_openpyxl(data)


def _with_shared_strings(items: list[str], cells: str, styles: bytes | None = None) -> bytes:
    """A workbook whose strings are in a shared table, as Excel saves them."""
    base = saved(openpyxl.Workbook())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/worksheets/sheet1.xml":
                head = data[: data.index(b"<sheetData")]
                tail = data[data.index(b"</sheetData>") + len(b"</sheetData>") :]
                data = head + f"<sheetData>{cells}</sheetData>".encode() + tail
            target.writestr(item, data)
        table = "".join(items)
        target.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{table}</sst>',
        )
    return out.getvalue()


def test_shared_strings_with_runs_phonetics_and_escapes_read_as_openpyxl_reads_them() -> None:
    data = _with_shared_strings(
        [
            "<si><t>Plain</t></si>",
            "<si><r><t>Bold </t></r>"
            '<r><rPr><i/></rPr><t xml:space="preserve"> italic </t></r></si>',
            "<si><t>漢字</t><rPh sb='0' eb='2'><t>かんじ</t></rPh></si>",
            "<si><t>_x005F_x000D_ kept</t></si>",
            "<si><t/></si>",
        ],
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>3</v></c><c t="s"><v>4</v></c><c t="b"><v>1</v></c>'
        '<c t="e"><v>#N/A</v></c><c t="str"><v>text</v></c>'
        '<c r="H3" t="d"><v>2026-11-25T10:00:00</v></c></row>'
        '<row><c t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c><c s="0"/></row>',
    )
    values = read_values(data).sheets
    assert values == by_openpyxl(data)
    assert values is not None and values["Sheet"][0][:2] == ("Plain", "Bold  italic ")


def test_what_only_openpyxl_reads_exactly_is_left_to_it(tmp_path: Path) -> None:
    def made(change: Any) -> bytes:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet["A1"], sheet["A2"] = "x", "y"
        change(sheet)
        return saved(workbook)

    assert read_values(made(lambda sheet: None)).sheets is not None
    formula = made(lambda sheet: sheet.__setitem__("B1", "=A1&A2"))
    assert read_values(formula) == Reading(by_openpyxl(formula))
    for change, why in (
        (
            lambda sheet: sheet.__setitem__("B1", ArrayFormula("B1:B2", "=A1:A2")),
            "sheet 'Sheet' has an array or data-table formula in row 1",
        ),
        (lambda sheet: sheet.merge_cells("A1:B1"), "sheet 'Sheet' has merged cells"),
        (
            lambda sheet: setattr(sheet["A1"], "hyperlink", "https://example.org"),
            "sheet 'Sheet' has a hyperlink",
        ),
        (
            lambda sheet: setattr(sheet["A1"], "comment", Comment("note", "Sam")),
            "sheet 'Sheet' has comments",
        ),
    ):
        assert read_values(made(change)) == Reading(None, why)
    assert read_values(b"not a workbook") == Reading(
        None, "it could not be read directly (BadZipFile: File is not a zip file)"
    )


def test_a_register_read_with_nothing_to_change_is_never_loaded_by_openpyxl(
    tmp_path: Path,
) -> None:
    path = write_register(tmp_path / "register.xlsx", [request_row(Status="Waiting")])
    register = load_register(path)
    assert (register.loaded, register.read_by_openpyxl) == (None, "")
    assert apply_rows(register, layout.REQUESTS, {2: {"Status": "Waiting"}}) == []
    assert register.loaded is None
    changes = apply_rows(register, layout.REQUESTS, {2: {"Status": "Sent"}})
    assert [(change.sheet, change.value) for change in changes] == [(layout.REQUESTS, "Sent")]
    assert register.loaded is not None
    assert (
        register.sheet(layout.REQUESTS).cell(2, register.columns[layout.REQUESTS]["status"]).value
        == "Sent"
    )


def test_a_register_openpyxl_has_to_read_is_loaded_at_once_saying_why(tmp_path: Path) -> None:
    path = write_register(
        tmp_path / "register.xlsx", [request_row(), request_row(Ref="SAR-2026-002")]
    )
    workbook = openpyxl.load_workbook(path)
    workbook[layout.REQUESTS].merge_cells("Q2:Q3")
    workbook.save(path)
    register = load_register(path)
    assert register.read_by_openpyxl == "sheet 'Requests' has merged cells"
    assert register.loaded is not None
    assert register.rows(layout.REQUESTS) == by_openpyxl(path.read_bytes())[layout.REQUESTS]


@pytest.mark.parametrize("moment", [time(10, 30), timedelta(hours=30)])
def test_a_time_of_day_and_a_duration_read_as_openpyxl_reads_them(moment: object) -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = moment
    data = saved(workbook)
    assert read_values(data) == Reading(by_openpyxl(data))
