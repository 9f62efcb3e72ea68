"""Say what saving a register through openpyxl would lose (DESIGN section 7, "Nothing lost").

openpyxl rebuilds the package from what it models and drops the rest, warning for some of it
(x14 extensions) and not for the rest (a text box). So the original package and the saved one
are compared directly: the parts by content type, what each sheet holds (matched by name, as
openpyxl renumbers parts), and the workbook's own settings.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections import Counter
from io import BytesIO
from xml.etree import ElementTree as ET

from pipeline.errors import LettersError

# Content types whose parts are not counted. Excel can do without these: it rebuilds the
# calculation chain; the printer settings are the printer driver's private DEVMODE (the page
# setup itself is in <pageSetup>, which openpyxl keeps); relationship parts only link other
# parts, which are counted themselves; and openpyxl writes each cell's text inline in the sheet
# instead of in the shared strings table. Sheets of every kind are compared by name instead.
_SKIPPED_TYPES = ("calcchain", "printersettings", "relationships+xml", "sharedstrings", "sheet+")


def _table(text: str) -> list[list[str]]:
    """Split a table written as lines of columns two or more spaces apart."""
    return [re.split(r" {2,}", line.strip()) for line in text.strip().splitlines()]


# What a content type holds, checked in this order so "slicercache" wins over "slicer".
_PART_NAMES = _table("""
    vbaproject            macros (VBA project)
    macroenabled          the macro-enabled workbook type (.xlsm)
    drawing+xml           a shape, text box or picture (drawing)
    vmldrawing            a legacy (VML) drawing
    chartstyle            a chart's style
    chartcolorstyle       a chart's colours
    chartshapes           a shape or text box in a chart
    drawingml.chart       a chart
    pivottable            a pivot table
    pivotcache            a pivot table's data cache
    slicercache           a slicer's cache
    slicer                a slicer
    timeline              a timeline
    querytable            a query table (external data)
    connections           a data connection (external data or Power Query)
    externallink          a link to another workbook
    threadedcomments      threaded comments
    person                the people of threaded comments
    comments              comments (notes)
    table+xml             a table
    image/                a picture
    controlproperties     a form control
    activex               an ActiveX control
    oleobject             an embedded object
    sheetmetadata         cell metadata (dynamic array formulas or data types)
    rdrichvalue           a data type or picture in a cell (rich data)
    classificationlabels  a sensitivity label
    custom-properties     custom document properties
    customxml             custom XML data (such as SharePoint properties)
    application/xml       custom XML data (such as SharePoint properties)
    webextension          an Office add-in
    revision              shared-workbook change history
    model+data            a Power Pivot data model
    xmlmaps               an XML map
    digital-signature     a digital signature
""")
# Font, colour and size codes in header and footer text, which openpyxl sets apart from the text.
_FORMAT_CODES = re.compile(r'&"[^"]*"|&K[0-9A-Fa-f]{6}|&\d+')
_DRAWING = "a shape, text box or picture (drawing)"
_RICH = "formatting of part of a cell's text (rich text)"
# Worksheet and workbook children, what to count in each (see _count), and what they are.
# Those left out change nothing a person made: sheetCalcPr, phoneticPr, sortState (the last
# sort's settings; the rows stay sorted), ignoredErrors (hides green error triangles only).
_ITEMS = {
    tag: (item, what)
    for tag, item, what in _table("""
    sheetProtection         @sheet              sheet protection
    protectedRanges         protectedRange      a range users may edit in a protected sheet
    scenarios               scenario            a what-if scenario
    autoFilter              .                   a filter
    dataConsolidate         .                   data consolidation settings
    customSheetViews        customSheetView     a custom view
    mergeCells              mergeCell           merged cells
    conditionalFormatting   cfRule              conditional formatting
    dataValidations         dataValidation      data validation
    hyperlinks              hyperlink           a hyperlink
    headerFooter            &                   a page header or footer
    rowBreaks               brk                 a page break
    colBreaks               brk                 a page break
    customProperties        customPr            custom sheet properties
    cellWatches             cellWatch           a watched cell
    smartTags               cellSmartTags       a smart tag
    legacyDrawing           .                   a legacy (VML) drawing
    legacyDrawingHF         .                   a picture in the page header or footer
    drawingHF               .                   a picture in the page header or footer
    picture                 .                   a background picture
    oleObjects              oleObject           an embedded object
    controls                control             a form control
    webPublishItems         webPublishItem      a web publishing setting
    tableParts              tablePart           a table
    workbookProtection      @lockStructure      workbook structure protection
    fileSharing             .                   a password to modify or "read-only recommended"
    customWorkbookViews     customWorkbookView  a custom view
    externalReferences      externalReference   a link to another workbook
    pivotCaches             pivotCache          a pivot table
    webPublishObjects       webPublishObject    a web publishing setting
    """)
}
# Extension URIs from [MS-XLSX] 2.2.4 (worksheet, table and workbook extension lists).
_EXT_NAMES = {
    "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": "Excel 2010 conditional formatting "
    "(data bars, icon sets)",
    "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": "data validation that refers to another sheet "
    "(Excel 2010 extension)",
    "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": "sparklines",
    "{A8765BA9-456A-4DAB-B4F3-ACF838C121DE}": "a slicer",
    "{3A4CF648-6AED-40F4-86FF-DC5316D8AED3}": "a slicer",
    "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": "a range users may edit in a protected sheet",
    "{F7C9EE02-42E1-4005-9D12-6889AFFD525C}": "an Office add-in",
    "{7E03D99C-DC04-49D9-9315-930204A7B6E9}": "a timeline",
    "{504A1905-F514-4F6F-8877-14C23A59335A}": "a table's alternative text",
    "{876F7934-8845-4945-9796-88D515C7AA90}": "a pivot table",
    "{841E416B-1EF1-43B6-AB56-02D37102CBD5}": "a pivot table",
    "{983426D0-5260-488C-9760-48F4B6AC55F4}": "a pivot table",
    "{BBE1A952-AA13-448E-AADC-164F8A28A991}": "a slicer",
    "{46BE6895-7355-4A93-B00E-2C351335B9C9}": "a slicer",
    "{A2CB5862-8E78-49C6-8D9D-AF26E26ADB89}": "a timeline",
    "{D0CA8CA8-9F24-4464-BF8E-62219DCF47F9}": "a timeline",
    "{FCE2AD5D-F65C-4FA6-A056-5C36A1767C68}": "a Power Pivot data model",
}
# Extensions Excel writes into ordinary workbooks, which change nothing a person made:
_HARMLESS_EXTS = {
    "{140A7094-0E35-4892-8432-C4D2E57EDEB5}",  # x15 workbookPr: how chart points track cells
    "{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}",  # calcFeatures: the saving Excel's calc features
    # x14 workbookPr: picture compression for Excel's next save; Excel writes 4CDE, the
    # [MS-XLSX] table prints ACDE.
    "{79F54976-1DA5-4618-B147-4CDE4B953A38}",
    "{79F54976-1DA5-4618-B147-ACDE4B953A38}",
    "{7523E5D3-25F3-A5E0-1632-64F254C22452}",  # Excel for Mac ArchID flags
    "{64002731-A6B0-56B0-2670-7721B7C09600}",  # Excel for Mac page layout view mode
    "{01252117-D84E-4E92-8308-4BE1C098FCBB}",  # x14 ignoredErrors, as <ignoredErrors> above
    # LibreOffice's loext:extCalcPr, written on every save: the syntax Calc reads formulas'
    # text references in (INDIRECT), which it takes as Excel A1 in any .xlsx it opens anyway.
    "{7626C862-2A13-11E5-B345-FEFF819CDC9F}",
}
# Parts counted by what they hold, not as one each: LibreOffice writes an empty drawing beside
# every sheet with comments, and an empty custom properties part, on every save. openpyxl
# keeps custom properties and drops an empty drawing, so only what is in them can be lost.
_COUNTED_BY_ITEMS = ("drawing+xml", "custom-properties")


def lost_features(original: bytes, saved: bytes) -> list[str]:
    """Describe what the saved package lost from the original; empty when nothing was lost."""
    before, after = _summary_of_original(original), _summarise(saved, "saved")
    lost = _lost(before[0], after[0])
    for name, features in before[1].items():
        if name not in after[1]:
            lost.append(f"the sheet '{name}'")
        else:
            lost += [f"{what} on sheet '{name}'" for what in _lost(features, after[1][name])]
    # A part's loss is shown on its sheet when it was found there; name it alone otherwise.
    for what in _lost(before[2], after[2]):
        if not any(message.startswith(f"{what} on sheet ") for message in lost):
            lost.append(what)
    return list(dict.fromkeys(lost))


def _lost(before: Counter[str], after: Counter[str]) -> list[str]:
    """List the features there are fewer of after, in the order first met."""
    return [what for what, count in before.items() if count > after[what]]


_Summary = tuple[Counter[str], dict[str, Counter[str]], Counter[str]]


def summarise_ahead(original: bytes) -> None:
    """Count the original's features now (while the letters are written), not when saving."""
    _summary_of_original(original)


@functools.lru_cache(maxsize=1)  # the register as read, the same bytes all run; read only
def _summary_of_original(original: bytes) -> _Summary:
    return _summarise(original, "original")


def _summarise(data: bytes, which: str) -> _Summary:
    """Count the workbook's, each sheet's and the package's features."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            root_rels = _rels(package, "")
            book_part = next(t for k, t in root_rels.values() if k.endswith("/officeDocument"))
            book, book_rels = _xml(package, book_part), _rels(package, book_part)
            if book is None:
                raise KeyError(book_part)
            strings = next((t for k, t in book_rels.values() if k.endswith("/sharedStrings")), "")
            table = _xml(package, strings)
            items = [e for e in table if _local(e.tag) == "si"] if table is not None else []
            rich = {str(index) for index, item in enumerate(items) if _is_rich(item)}
            sheets = {
                sheet.get("name", ""): _features(package, book_rels[_rid(sheet)][1], rich)
                for sheet in book.iter()
                if _local(sheet.tag) == "sheet" and _rid(sheet) in book_rels
            }
            thumbs = {t for k, t in root_rels.values() if k.endswith("/metadata/thumbnail")}
            return _features(package, book_part, rich), sheets, _parts(package, thumbs)
    except (zipfile.BadZipFile, KeyError, StopIteration, ET.ParseError) as error:
        message = f"The {which} workbook is not a readable .xlsx file ({error})."
        raise LettersError(message) from None


def _features(package: zipfile.ZipFile, part: str, rich: set[str]) -> Counter[str]:
    """Count what a workbook or sheet part holds that a person made."""
    found: Counter[str] = Counter()
    root, rels = _xml(package, part, rich), _rels(package, part)
    for element in _children(root) if root is not None else []:
        tag, target = _local(element.tag), rels.get(_rid(element), ("", ""))[1]
        if tag == "definedNames":
            for name in element:
                # Excel keeps a hidden _FilterDatabase name for each filter; openpyxl drops it
                # when reading and writes it back for each filter it keeps (checked per sheet).
                if name.get("name") != "_xlnm._FilterDatabase":
                    found[f"the defined name '{name.get('name')}'"] += 1
        elif tag == "drawing":  # Count the anchored things: openpyxl keeps charts, not shapes.
            drawing = _xml(package, target)
            found[_DRAWING] += 1 if drawing is None else len(_children(drawing))
        elif tag == "extLst":
            found.update(_exts(element))
        elif tag == "sheetData":
            ns = element.tag[: -len(tag)]  # Transitional and strict files differ.
            if rich or next(element.iter(f"{ns}rPr"), None) is not None:  # Else none: quicker.
                found[_RICH] += sum(_rich_cell(c, ns, rich) for c in element.iter(f"{ns}c"))
        elif tag in _ITEMS:
            item, what = _ITEMS[tag]
            found[what] += _count(element, item)
        if tag == "tableParts":  # A table's own extensions (its alternative text).
            for table_part in element:
                table = _xml(package, rels.get(_rid(table_part), ("", ""))[1])
                found.update(_exts(table) if table is not None else [])
    return found


def _parts(package: zipfile.ZipFile, skip: set[str]) -> Counter[str]:
    """Count the package's parts by what their content type holds."""
    types = ET.fromstring(package.read("[Content_Types].xml"))
    defaults, overrides = {}, {}
    for entry in types:
        if _local(entry.tag) == "Default":
            defaults[entry.get("Extension", "").lower()] = entry.get("ContentType", "")
        else:
            overrides[entry.get("PartName", "").lstrip("/").lower()] = entry.get("ContentType", "")
    found: Counter[str] = Counter()
    for name in package.namelist():
        # The thumbnail is only the preview a file browser shows; Excel makes a new one.
        if name.endswith("/") or name == "[Content_Types].xml" or name in skip:
            continue
        kind = overrides.get(name.lower()) or defaults.get(posixpath.splitext(name)[1][1:].lower())
        kind = (kind or "").lower()
        if not any(skipped in kind for skipped in _SKIPPED_TYPES):
            what = next((what for key, what in _PART_NAMES if key in kind), f"a part '{kind}'")
            found[what] += _items(package, name) if any(k in kind for k in _COUNTED_BY_ITEMS) else 1
    return found


def _items(package: zipfile.ZipFile, part: str) -> int:
    """Count what a part holds: its root's children (a drawing's anchors, custom properties)."""
    root = _xml(package, part)
    return len(_children(root)) if root is not None else 0


def _exts(ext_list: ET.Element) -> list[str]:
    """Name the extensions in an extension list (or in an element's own), leaving out harmless."""
    if _local(ext_list.tag) != "extLst":
        ext_list = next((e for e in ext_list if _local(e.tag) == "extLst"), ET.Element("extLst"))
    uris = [ext.get("uri", "") for ext in ext_list]
    return [
        _EXT_NAMES.get(u.upper(), f"an Excel extension {u}")
        for u in uris
        if u.upper() not in _HARMLESS_EXTS
    ]


def _count(element: ET.Element, item: str) -> int:
    """Count an element's items: "." itself, "@attr" itself if that is on, else named children."""
    if item == ".":
        return 1
    if item.startswith("@"):
        return int(element.get(item[1:], "0").lower() in ("1", "true"))
    if item == "&":  # Header and footer sections with text (openpyxl writes empty ones too).
        texts = [_FORMAT_CODES.sub("", child.text or "") for child in element]
        return sum(1 for text in texts for section in re.split("&[LCR]", text) if section.strip())
    return sum(1 for child in _children(element) if _local(child.tag) == item)


def _rich_cell(cell: ET.Element, ns: str, rich: set[str]) -> bool:
    """Tell whether a cell's text has formatting within it (its own or its shared string's)."""
    if cell.get("t") == "s":
        return (cell.findtext(f"{ns}v") or "").strip() in rich
    return cell.find(f"{ns}is/{ns}r/{ns}rPr") is not None


def _is_rich(text: ET.Element) -> bool:
    """Tell whether a string item has a run with its own font properties."""
    runs = (run for run in text if _local(run.tag) == "r")
    return any(_local(prop.tag) == "rPr" for run in runs for prop in run)


def _children(element: ET.Element) -> list[ET.Element]:
    """List an element's children, taking Excel's choice inside markup-compatibility wrappers."""
    found: list[ET.Element] = []
    for child in element:
        if _local(child.tag) == "AlternateContent":
            choice = next(iter(child), None)  # The first Choice is what Excel reads.
            found += _children(choice) if choice is not None else []
        else:
            found.append(child)
    return found


def _rels(package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Map a part's relationship ids to their type and the part they point at."""
    folder, name = posixpath.split(part)
    root = _xml(package, posixpath.join(folder, "_rels", f"{name}.rels"))
    found: dict[str, tuple[str, str]] = {}
    for rel in root if root is not None else []:
        if rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return found


def _xml(package: zipfile.ZipFile, part: str, rich: set[str] | None = None) -> ET.Element | None:
    """Parse one part, or give None when the package has no such part.

    With ``rich`` (the rich shared strings), a sheet's cells are left out when nothing in
    them can be counted (``_without_cells``).
    """
    # Part names are case-insensitive in a package, zip member names are not.
    names = {name.lower(): name for name in package.namelist()}
    if not part or part.lower() not in names:
        return None
    data = package.read(names[part.lower()])
    return ET.fromstring(data if rich is None else _without_cells(data, rich))


# A sheet's cells are nearly all of its bytes, and all that is counted in them is formatting
# within a cell's text (rPr, or a rich shared string): without any, they are not parsed (half
# of the check's time: 0.2 s of a 1,000-request register, and 30 MB). A sheet naming sheetData
# other than in its one element (a comment, say) is parsed whole.
_CELLS = re.compile(rb"(<(?:[\w.-]+:)?sheetData\b[^>]*>).*?(</(?:[\w.-]+:)?sheetData>)", re.S)


def _without_cells(data: bytes, rich: set[str]) -> bytes:
    """Return a sheet's XML with its sheetData emptied, when no cell text in it is rich."""
    if rich or data.count(b"sheetData") != 2:
        return data
    found = _CELLS.search(data)
    if found is None or b"rPr" in data[found.end(1) : found.start(2)]:
        return data
    return data[: found.end(1)] + data[found.start(2) :]


def _rid(element: ET.Element) -> str:
    """Give the relationship id an element refers to (its r:id)."""
    return next((v for k, v in element.attrib.items() if k.endswith("}id")), "")


def _local(tag: str) -> str:
    """Drop the namespace from a tag, as transitional and strict files name them differently."""
    return tag.rpartition("}")[2]
