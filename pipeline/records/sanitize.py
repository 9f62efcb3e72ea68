"""Take out of a reply's documents what could act: links a converter fetches, a PDF's scripts.

A reply is untrusted. Before a copy of a Word document is converted, its external links are
removed (LibreOffice fetches a linked picture from the web while converting); before a PDF's
pages enter the bundle, its scripts, launch and web actions, embedded files and form are
removed. Only copies and in-memory objects are changed: the filed reply stays as it came.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Links a reader clicks on, not content a program loads: kept, so the document reads the same.
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
# Actions that stay inside the document; every other kind (JavaScript, Launch, URI,
# SubmitForm, ImportData, GoToR, …) is removed.
_INSIDE_ACTIONS = frozenset({"/GoTo"})
# Annotations that carry a file, a sound, a film or a program: removed whole.
_CARRIERS = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"})


def strip_external_links(path: Path) -> bool:
    """Remove from the Word document at ``path`` (a copy) the external relationships a
    program would load: linked pictures, templates, frames, objects. Return whether it was
    a Word package at all (a file that is not is left as it is)."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = {item.filename: item for item in package.infolist()}
            changed = {
                name: _without_external(package.read(name))
                for name in parts
                if name.endswith(".rels")
            }
            if all(data is None for data in changed.values()):
                return True
            stripped = path.with_name(f"{path.name}.stripped")
            with zipfile.ZipFile(stripped, "w") as copy:
                for name, item in parts.items():
                    data = changed.get(name)
                    if data is not None:
                        copy.writestr(item, data)
                    else:
                        with package.open(item) as source, copy.open(item, "w") as target:
                            shutil.copyfileobj(source, target)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, RuntimeError):
        return False  # not a Word package; LibreOffice's profile refuses links all the same
    stripped.replace(path)
    return True


def _without_external(xml: bytes) -> bytes | None:
    """Return a relationships part without its external non-hyperlink targets; None if none."""
    root = ElementTree.fromstring(xml)
    external = [
        item
        for item in root
        if item.get("TargetMode") == "External" and item.get("Type") != _HYPERLINK
    ]
    if not external:
        return None
    for item in external:
        root.remove(item)
    ElementTree.register_namespace("", _RELATIONSHIPS)
    data: bytes = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def quiet_pdf(reader: PdfReader) -> None:
    """Remove from ``reader`` (in memory) what its PDF could run or carry.

    Document scripts and open actions, embedded files, the interactive form (AcroForm and
    XFA), every action that leaves the document (JavaScript, Launch, URI, SubmitForm, …),
    and annotations that carry a file or media. Form fields keep their appearance as filled
    in; they can no longer be edited or run anything.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    root = reader.root_object
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        root.pop(key, None)
    names = root.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            names.pop(key, None)
    for page in reader.pages:
        page.pop("/AA", None)
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if not isinstance(annotations, ArrayObject):
            page.pop("/Annots", None)
            continue
        kept = ArrayObject()
        for reference in annotations:
            annotation = reference.get_object()
            if not isinstance(annotation, DictionaryObject):
                continue
            if annotation.get("/Subtype") in _CARRIERS:
                continue
            _without_actions(annotation)
            kept.append(reference)
        page[NameObject("/Annots")] = kept


def _without_actions(annotation: DictionaryObject) -> None:
    """Remove an annotation's actions that leave the document, and those of its form field."""
    node: DictionaryObject | None = annotation
    seen: set[int] = set()
    while node is not None and id(node) not in seen:  # up the form field's parents
        seen.add(id(node))
        node.pop("/AA", None)
        action = node.get("/A")
        if action is not None:
            action = action.get_object()
            if action.get("/S") not in _INSIDE_ACTIONS:
                node.pop("/A")
            else:
                action.pop("/Next", None)  # a chain can go on to a script
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
