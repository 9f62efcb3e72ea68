"""The XML inside a saved workbook, read as Excel would find it."""

from __future__ import annotations

import zipfile
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
