"""The XML inside a saved workbook, read as Excel finds it or edited as Excel writes it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_xml(register: Path, sheet_name: str) -> str:
    """Return the XML of the worksheet called ``sheet_name``, as stored in the package."""
    relations = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(register) as package:
        book = ElementTree.fromstring(package.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
        [sheet] = [s for s in book.iter(f"{SHEET}sheet") if s.get("name") == sheet_name]
        [target] = [r.get("Target") for r in rels if r.get("Id") == sheet.get(relations)]
        path = str(target).removeprefix("/").removeprefix("xl/")
        return package.read(f"xl/{path}").decode()


def sheet_tree(register: Path, sheet_name: str) -> ElementTree.Element:
    """Return the worksheet called ``sheet_name`` parsed, its elements named with ``SHEET``."""
    return ElementTree.fromstring(sheet_xml(register, sheet_name))


def rewrite(data: bytes, part: str, edit: Callable[[str], str]) -> bytes:
    """Give a copy of a package with one part's XML edited."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == part:
                content = edit(content.decode()).encode()
            dst.writestr(item, content)
    return out.getvalue()


def with_sheet_extensions(data: bytes, extensions: str) -> bytes:
    """Add an extension list at the end of the first sheet, where the schema puts it."""
    return rewrite(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("</worksheet>", f"<extLst>{extensions}</extLst></worksheet>"),
    )
