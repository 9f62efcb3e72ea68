"""Render letters from a template prepared once: docxtpl's own preprocessing, Jinja compiled once.

docxtpl re-reads, re-patches and re-compiles the whole template for every document it renders;
that was almost all of a letter's time (about 26 ms of 27). Here a template is read, patched
(``DocxTemplate.patch_xml``) and compiled once, in the environment it is given; each letter then
renders the patched parts (the body, every header and footer) and writes them into a copy of the
template's zip, whose other parts are kept as python-docx saves them. Every step between
rendering and the zip is docxtpl's own (``resolve_listing``, ``fix_tables``, ``fix_docpr_ids``),
so what a letter holds is what plain docxtpl writes (``tests/test_prepared.py`` compares them
part by part). A template using what this cannot do is not prepared: ``prepare`` says why, and
the renderer falls back to plain docxtpl for it.

One thing is done differently, on purpose: docxtpl turns ``{_{ }_} {_% %_}`` back into Jinja's
delimiters after rendering, values included, so a name holding them printed altered. Here the
rendered values are left as typed; a template that uses those markers itself falls back.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.letters.package import Entry, Package

if TYPE_CHECKING:
    import jinja2
    from docxtpl import DocxTemplate

# What docxtpl puts before each paragraph so a template error names a line, and takes away.
_BEFORE_PARAGRAPH = re.compile(r"<w:p([ >])")
# The characters docxtpl's resolve_listing turns into tabs, paragraphs, breaks and pages.
_LISTING = ("\t", "\a", "\n", "\f")
_MARKERS = ("{_{", "}_}", "{_%", "%_}")
_TAGS = ("{{", "{%", "{#")
# Core properties docxtpl renders (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_BODY_PLACE = "sarLettersBody"
_LETTERHEADS = 8  # headers and footers kept written, for each template


@dataclass(frozen=True)
class _Part:
    """A header or footer: its name in the zip, its compiled template and its encoding."""

    name: str
    template: jinja2.Template
    encoding: str


@dataclass
class _Shared:
    """The headers and footers a prepared template has rendered so far, each written once."""

    serialized: dict[str, bytes] = field(default_factory=dict)  # by the rendered XML

    def keep(self, key: str, value: bytes) -> None:
        """Keep ``value``, unless letterheads vary so much that keeping them would use memory."""
        if len(self.serialized) < _LETTERHEADS:
            self.serialized[key] = value


@dataclass(frozen=True)
class Prepared:
    """One template, prepared: render a letter from it with ``render``."""

    document: DocxTemplate  # for docxtpl's own steps after rendering; never rendered itself
    body: jinja2.Template
    head: bytes  # document.xml up to the body, as python-docx writes it
    tail: bytes  # and after it
    parts: tuple[_Part, ...]
    package: Package  # the template as python-docx saves it, without the parts rendered here
    entries: dict[str, Entry]  # how its zip stores each part rendered here
    shared: _Shared = field(default_factory=_Shared)

    def render(self, values: dict[str, Any]) -> bytes:
        """Render one letter with ``values`` and return the .docx bytes."""
        return self.package_of(self.parts_of(values))

    def parts_of(self, values: dict[str, Any]) -> dict[str, bytes]:
        """Render the body, headers and footers with ``values``: each part's name and XML."""
        xml = self._listing(self.body.render(values))
        rendered = {"word/document.xml": self.head + self._body(xml) + self.tail}
        for part in self.parts:
            rendered[part.name] = self._serialized(
                part, self._listing(part.template.render(values))
            )
        return rendered

    def _body(self, xml: str) -> bytes:
        """Return the rendered body as docxtpl leaves it: its tables' grids fixed, its pictures
        renumbered, each by docxtpl itself.

        A body with neither (most letters) would only be parsed by docxtpl, with recovery, and
        written out again, which changes nothing in well-formed XML (0.45 ms a letter): it is
        only checked to be well-formed, namespaces included, by expat (0.17 ms), and one that
        is not goes docxtpl's way.
        """
        from xml.parsers import expat

        from lxml import etree

        if "<w:tbl" not in xml and "docPr" not in xml:
            written = xml.encode("utf-8")
            try:
                expat.ParserCreate(namespace_separator=" ").Parse(written, True)
            except expat.ExpatError:
                pass  # for docxtpl to recover, as it would
            else:
                return written
        tree = self.document.fix_tables(xml)
        if "docPr" in xml:  # a picture: renumbered; else docxtpl's search finds none (0.15 ms)
            self.document.docx_ids_index = 1000  # as DocxTemplate.render_init
            self.document.fix_docpr_ids(tree)
        return bytes(etree.tostring(tree))

    def _serialized(self, part: _Part, xml: str) -> bytes:
        """Return a rendered header or footer as python-docx writes it (XmlPart.load, then save).

        The letterhead is the same in nearly every letter of a run: each one it renders to is
        parsed and written once (0.15 ms a letter, 0.8 s of 5,000).
        """
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml

        found = self.shared.serialized.get(xml)
        if found is None:
            found = serialize_part_xml(parse_xml(xml.encode(part.encoding)))
            self.shared.keep(xml, found)
        return found

    def package_of(self, rendered: dict[str, bytes]) -> bytes:
        """Write the rendered parts into a copy of the template's zip; return its bytes.

        The headers and footers first, then the body, as appending them with zipfile did.
        """
        names = [*(part.name for part in self.parts), "word/document.xml"]
        return self.package.letter([(self.entries[name], rendered[name]) for name in names])

    def _listing(self, xml: str) -> str:
        """Undo the line breaks put before paragraphs, and resolve the values' own breaks."""
        # As docxtpl's re.sub(r"\n<w:p([ >])", r"<w:p\1"), in a tenth of the time.
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        # resolve_listing walks every run of every paragraph: only when there is a break.
        if any(character in xml for character in _LISTING):
            xml = self.document.resolve_listing(xml)
        return str(xml)


def prepare(data: bytes, environment: jinja2.Environment) -> Prepared | str:
    """Prepare the template ``data`` for ``environment``; or say why it must be plain docxtpl.

    Raises what docxtpl and Jinja raise for a broken template, as rendering it would.
    """
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.ns import qn
    from docxtpl import DocxTemplate
    from lxml import etree

    document = DocxTemplate(io.BytesIO(data))
    document.render_init()
    docx = document.docx
    reason = _unsupported(document)
    if reason:
        return reason
    environment.autoescape = True  # as DocxTemplate.render(autoescape=True)
    body = environment.from_string(_lines(document.patch_xml(document.get_xml())))
    parts = []
    for uri in (document.HEADER_URI, document.FOOTER_URI):
        for _key, part in document.get_headers_footers(uri):
            xml = document.get_part_xml(part)
            parts.append(
                _Part(
                    part.partname.lstrip("/"),
                    environment.from_string(_lines(document.patch_xml(xml))),
                    document.get_headers_footers_encoding(xml),
                )
            )
    if len({part.name for part in parts}) < len(parts):
        return "a header or footer is used twice"
    # The core properties and footnotes hold no placeholder (_unsupported): render them once.
    document.render_properties({}, environment)
    document.render_footnotes({}, environment)
    root = docx.element
    original = root.body
    place = etree.Element(qn(f"w:{_BODY_PLACE}"))
    root.replace(original, place)
    head, tail = serialize_part_xml(root).split(f"<w:{_BODY_PLACE}/>".encode())
    root.replace(place, original)
    saved = io.BytesIO()
    docx.save(saved)
    letterhead = {part.name for part in parts}
    entries: dict[str, Entry] = {}
    odd = False  # a rendered part stored in a way package.py does not write
    package = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(package, "w") as kept:
        for info in source.infolist():
            if info.filename in {"word/document.xml", *letterhead}:
                odd |= not info.filename.isascii() or info.compress_type not in (
                    zipfile.ZIP_STORED,
                    zipfile.ZIP_DEFLATED,
                )
                entries[info.filename] = Entry(
                    info.filename, info.date_time, info.compress_type == zipfile.ZIP_DEFLATED,
                    info.create_system, info.external_attr, info.filename in letterhead,
                )  # fmt: skip
            else:
                kept.writestr(info, source.read(info))
    unchanged = Package.of(package.getvalue())
    if unchanged is None or odd:
        return "its zip holds what only zipfile writes (zip64, a comment, an odd compression)"
    return Prepared(document, body, head, tail, tuple(parts), unchanged, entries)


def _lines(xml: str) -> str:
    """Put each paragraph on its own line, as docxtpl does before compiling a part."""
    return _BEFORE_PARAGRAPH.sub(r"\n<w:p\1", xml)


def _unsupported(document: DocxTemplate) -> str:
    """Say what in the template only plain docxtpl can render, or "" when nothing is."""
    docx = document.docx
    sources = [document.get_xml()] + [
        document.get_part_xml(part)
        for uri in (document.HEADER_URI, document.FOOTER_URI)
        for _key, part in document.get_headers_footers(uri)
    ]
    if any(marker in source for source in sources for marker in _MARKERS):
        return "it uses docxtpl's {_{ }_} {_% %_} markers"
    for name in _PROPERTIES:
        value = getattr(docx.core_properties, name)
        if any(tag in value for tag in _TAGS):
            return f"its document property {name} holds a placeholder"
    for part in docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            if any(tag in blob for tag in _TAGS):
                return "its footnotes hold a placeholder"
    return ""
