"""Specifications for the check that an openpyxl save loses nothing (DESIGN.md §7, "Nothing lost").

The Excel-made samples in tests/data/excel come from Apache POI's test data (Apache License 2.0).
"""

import io
import zipfile

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from pipeline.errors import LettersError
from pipeline.register.safety import lost_features

from support.files import DATA
from support.xlsx import rewrite, with_sheet_extensions

EXCEL = DATA / "excel"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
# As Excel 2010 writes a list validation whose source is on another sheet.
X14_VALIDATION = (
    f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
    f'<x14:dataValidations count="1" xmlns:xm="{XM}">'
    '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>B2:B20</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext>"
)
SPARKLINES = (
    f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
    f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
    '<x14:colorSeries theme="4"/><x14:sparklines><x14:sparkline><xm:f>Requests!C2:E2</xm:f>'
    "<xm:sqref>F2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext>"
)
# As Excel 2013 and later write into every workbook.
EXCEL_WORKBOOK_EXTENSIONS = (
    '<ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
    'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
    '<x15:workbookPr chartTrackingRefBase="1"/></ext>'
    '<ext uri="{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}" '
    'xmlns:xcalcf="http://schemas.microsoft.com/office/spreadsheetml/2018/calcfeatures">'
    '<xcalcf:calcFeatures><xcalcf:feature name="microsoft.com:RD"/>'
    '<xcalcf:feature name="microsoft.com:LET_WF"/></xcalcf:calcFeatures></ext>'
)
TEXT_BOX = "a shape, text box or picture (drawing) on sheet 'Sheet1'"
X14_VALIDATION_LOST = (
    "data validation that refers to another sheet (Excel 2010 extension) on sheet 'Requests'"
)


def resave(data: bytes, rich_text: bool = False) -> bytes:
    """Load a workbook with openpyxl and save it again, as the register stage does."""
    book = openpyxl.load_workbook(io.BytesIO(data), rich_text=rich_text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sample(name: str) -> bytes:
    return (EXCEL / name).read_bytes()


def with_workbook_extensions(data: bytes, extensions: str) -> bytes:
    return rewrite(
        data,
        "xl/workbook.xml",
        lambda xml: xml.replace("</workbook>", f"<extLst>{extensions}</extLst></workbook>"),
    )


def openpyxl_register() -> bytes:
    """Make a register with everything openpyxl keeps: table, notes, validation, formatting…"""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Requests"
    sheet.append(["Reference", "Status", "Jan", "Feb", "Mar", "Trend"])
    sheet.append(["SAR-0001", "Open", 1, 2, 3, None])
    sheet.add_table(Table(displayName="Requests", ref="A1:F2"))
    sheet["A2"].comment = Comment("Chased by phone", "Manager")
    sheet["A2"].hyperlink = "https://example.org/sar/1"
    validation = DataValidation(type="list", formula1='"Open,Closed"')
    validation.add("B2:B20")
    sheet.add_data_validation(validation)
    sheet.conditional_formatting.add("C2:E20", CellIsRule(operator="greaterThan", formula=["2"]))
    sheet.print_title_rows = "1:1"
    lists = book.create_sheet("Lists")
    lists.append(["Open"])
    lists.merge_cells("A5:B5")
    lists.auto_filter.ref = "A1:A3"
    book.defined_names["Statuses"] = DefinedName("Statuses", attr_text="Lists!$A$1:$A$3")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rich_text_register() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Requests"
    sheet["A1"] = CellRichText(["Ask for ", TextBlock(InlineFont(b=True), "photo ID")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes, content_type: str) -> bytes:
    """Add a part and its content type to a package."""
    override = f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'
    data = rewrite(data, "[Content_Types].xml", lambda xml: xml.replace("</Types>", override))
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as package:
        package.writestr(name, content)
    return out.getvalue()


# --- What Excel-made workbooks lose ----------------------------------------------------------


@pytest.mark.bad_input
def test_text_box_is_reported_although_openpyxl_drops_it_silently() -> None:
    original = sample("WithTextBox.xlsx")

    assert lost_features(original, resave(original)) == [TEXT_BOX]


@pytest.mark.bad_input
def test_excel_2010_conditional_formatting_is_reported() -> None:
    original = sample("NewStyleConditionalFormattings.xlsx")
    with pytest.warns(UserWarning, match="Conditional Formatting extension is not supported"):
        saved = resave(original)

    assert lost_features(original, saved) == [
        "Excel 2010 conditional formatting (data bars, icon sets) on sheet 'CF'"
    ]


def test_excel_table_with_totals_and_excel_extensions_loses_nothing() -> None:
    # The table, its totals row and calculated columns survive; what goes (calcChain, the
    # x15 workbookPr and calcFeatures extensions, phoneticPr, revision ids) is harmless.
    original = sample("table-sample.xlsx")

    assert lost_features(original, resave(original)) == []


def test_excel_validation_notes_and_named_table_lose_nothing() -> None:
    # The 17 standard validations, the note, the table and the name survive. openpyxl does
    # redraw the note (plain text, hidden until hovered): notes are kept, so not reported.
    original = sample("DataValidationEvaluations.xlsx")

    assert lost_features(original, resave(original)) == []


# --- What openpyxl keeps is not reported -----------------------------------------------------


def test_openpyxl_made_register_saved_again_loses_nothing() -> None:
    original = openpyxl_register()

    assert lost_features(original, resave(original)) == []


def test_identical_packages_lose_nothing() -> None:
    original = sample("WithTextBox.xlsx")

    assert lost_features(original, original) == []


def test_excel_workbook_extensions_written_into_every_workbook_are_not_reported() -> None:
    original = with_workbook_extensions(openpyxl_register(), EXCEL_WORKBOOK_EXTENSIONS)

    assert lost_features(original, resave(original)) == []


def test_rich_text_kept_when_loaded_with_rich_text() -> None:
    original = rich_text_register()

    assert lost_features(original, resave(original, rich_text=True)) == []


# --- What openpyxl drops is reported ---------------------------------------------------------


@pytest.mark.bad_input
def test_validation_referring_to_another_sheet_is_reported() -> None:
    original = with_sheet_extensions(openpyxl_register(), X14_VALIDATION)
    with pytest.warns(UserWarning, match="Data Validation extension is not supported"):
        saved = resave(original)

    assert lost_features(original, saved) == [X14_VALIDATION_LOST]


@pytest.mark.bad_input
def test_sparklines_are_reported() -> None:
    original = with_sheet_extensions(openpyxl_register(), SPARKLINES)
    with pytest.warns(UserWarning, match="Sparkline Group extension is not supported"):
        saved = resave(original)

    assert lost_features(original, saved) == ["sparklines on sheet 'Requests'"]


def test_messages_are_deduplicated_in_the_original_order() -> None:
    original = with_sheet_extensions(openpyxl_register(), SPARKLINES + X14_VALIDATION * 2)
    with pytest.warns(UserWarning, match="extension is not supported"):
        saved = resave(original)

    assert lost_features(original, saved) == ["sparklines on sheet 'Requests'", X14_VALIDATION_LOST]


@pytest.mark.bad_input
def test_footer_openpyxl_cannot_parse_is_reported() -> None:
    footer = "<headerFooter><oddHeader>&amp;C&amp;A</oddHeader><oddFooter>Page &amp;P</oddFooter>"
    original = rewrite(
        openpyxl_register(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("<legacyDrawing", f"{footer}</headerFooter><legacyDrawing"),
    )
    with pytest.warns(UserWarning, match="Cannot parse header or footer"):
        saved = resave(original)

    assert lost_features(original, saved) == ["a page header or footer on sheet 'Requests'"]


@pytest.mark.bad_input
def test_unknown_workbook_extension_is_reported_by_its_uri() -> None:
    uri = "{00000000-1111-2222-3333-444444444444}"
    original = with_workbook_extensions(openpyxl_register(), f'<ext uri="{uri}"/>')

    assert lost_features(original, resave(original)) == [f"an Excel extension {uri}"]


@pytest.mark.bad_input
def test_rich_text_flattened_by_a_plain_load_is_reported() -> None:
    original = rich_text_register()

    assert lost_features(original, resave(original)) == [
        "formatting of part of a cell's text (rich text) on sheet 'Requests'"
    ]


@pytest.mark.bad_input
def test_vba_project_is_reported() -> None:
    original = with_part(
        openpyxl_register(),
        "xl/vbaProject.bin",
        b"\xd0\xcf\x11\xe0",
        "application/vnd.ms-office.vbaProject",
    )

    assert lost_features(original, resave(original)) == ["macros (VBA project)"]


def test_thumbnail_and_printer_settings_are_not_reported() -> None:
    book = with_part(openpyxl_register(), "docProps/thumbnail.jpeg", b"\xff\xd8", "image/jpeg")
    book = rewrite(
        book,
        "_rels/.rels",
        lambda xml: xml.replace(
            "</Relationships>",
            '<Relationship Id="rIdThumb" Target="docProps/thumbnail.jpeg" Type="http://'
            'schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"/>'
            "</Relationships>",
        ),
    )
    original = with_part(
        book,
        "xl/printerSettings/printerSettings1.bin",
        b"\x00",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    )

    assert lost_features(original, resave(original)) == []


@pytest.mark.bad_input
def test_sheets_are_matched_by_name_and_a_missing_one_is_reported() -> None:
    original = openpyxl_register()
    book = openpyxl.load_workbook(io.BytesIO(original))
    del book["Requests"]  # "Lists" becomes sheet1.xml
    del book.defined_names["Statuses"]
    out = io.BytesIO()
    book.save(out)

    assert lost_features(original, out.getvalue()) == [
        "the defined name 'Statuses'",
        "the defined name '_xlnm.Print_Titles'",
        "the sheet 'Requests'",
        "comments (notes)",
        "a legacy (VML) drawing",
        "a table",
    ]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.bad_input
def test_a_file_that_is_not_a_workbook_is_a_letters_error() -> None:
    with pytest.raises(LettersError, match=r"original workbook is not a readable \.xlsx file"):
        lost_features(b"Reference,Status\n", openpyxl_register())


@pytest.mark.bad_input
def test_a_zip_that_is_not_a_workbook_is_a_letters_error() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "hello")

    with pytest.raises(LettersError, match=r"saved workbook is not a readable \.xlsx file"):
        lost_features(openpyxl_register(), out.getvalue())
