"""Documents as people make them and as the tests read them back: Word files and PDFs."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

import docx
from docx.shared import Mm
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

#: A name with what careless escaping breaks: accents, an ampersand, angle brackets, an apostrophe.
NAME = "Zoë Müller-Lefèvre & Sons <Ltd> O'Brien"
A4 = (595.3, 841.9)  # points, as LibreOffice writes it
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def write_docx(path: Path, *paragraphs: str) -> Path:
    """Write an A4 Word document holding ``paragraphs``."""
    document = docx.Document()
    document.sections[0].page_width, document.sections[0].page_height = Mm(210), Mm(297)
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def text_of(path: Path) -> dict[str, str]:
    """Return the body, header and footer text of a .docx, each as one string."""
    document = docx.Document(str(path))
    body = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        body += [cell.text for row in table.rows for cell in row.cells]
    section = document.sections[0]
    return {
        "body": "\n".join(body),
        "header": "\n".join(p.text for p in section.header.paragraphs),
        "footer": "\n".join(p.text for p in section.footer.paragraphs),
    }


def page_sizes(pdf: Path | PdfReader) -> list[tuple[float, float]]:
    """Return the width and height of each page of a PDF, in points to a tenth."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(pdf)
    return [
        (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
        for page in reader.pages
    ]


def scanned_pdf() -> bytes:
    """Return a one-page PDF, as a scanner makes one."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def linked_picture_docx(path: Path, url: str) -> Path:
    """Write a Word document whose picture is not in it but linked, as Word's "Link to File"
    does: Word, and LibreOffice when converting it, fetch ``url`` to show it."""
    picture = BytesIO()
    Image.new("RGB", (40, 40), "red").save(picture, "PNG")
    document = docx.Document()
    document.add_paragraph("I consent to the information being shared.")
    document.add_picture(BytesIO(picture.getvalue()))
    made = BytesIO()
    document.save(made)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w") as linked:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = re.sub(
                    rb'(Type="[^"]+/image") Target="media/[^"]+"',
                    rb'\1 Target="' + url.encode() + rb'" TargetMode="External"',
                    data,
                )
            elif item.filename == "word/document.xml":
                data = data.replace(b"r:embed=", b"r:link=")
            elif item.filename.startswith("word/media/"):
                continue
            linked.writestr(item, data)
    return path


def linked_picture_odt(path: Path, url: str) -> Path:
    """Write an OpenDocument text whose picture is linked from ``url``, as LibreOffice saves
    one with "Insert Image… Link"."""
    office = "urn:oasis:names:tc:opendocument:xmlns"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'xmlns:office="{office}:office:1.0" xmlns:text="{office}:text:1.0" '
        f'xmlns:draw="{office}:drawing:1.0" xmlns:svg="{office}:svg-compatible:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"><office:body>'
        "<office:text><text:p>I consent to the information being shared.</text:p><text:p>"
        '<draw:frame draw:name="Picture" svg:width="2cm" svg:height="2cm"><draw:image '
        f'xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
        "</draw:frame></text:p></office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="'
        f'{office}:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def active_pdf(path: Path, url: str) -> Path:
    """Write a one-page PDF carrying what a reader could run or open: document JavaScript, an
    open action, an embedded file, page and field actions, a form, a file attachment, and
    links that launch a program, run a script or open ``url``."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('opened');"))
    writer.add_attachment("payload.exe", b"MZ not really a program")

    def action(kind: str, key: str, value: str) -> DictionaryObject:
        return DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )

    def annotation(subtype: str, **entries: object) -> DictionaryObject:
        values = {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(n) for n in (10, 10, 200, 40)]),
        }
        values.update({NameObject(f"/{key}"): value for key, value in entries.items()})
        return DictionaryObject(values)

    script = writer._add_object(action("/JavaScript", "/JS", "this.print();"))
    writer._root_object[NameObject("/OpenAction")] = script
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    field = writer._add_object(
        annotation(
            "/Widget", FT=NameObject("/Tx"), T=TextStringObject("name"),
            AA=DictionaryObject({NameObject("/K"): script}),
        )
    )  # fmt: skip
    page[NameObject("/Annots")] = ArrayObject(
        [
            writer._add_object(annotation("/Link", A=action("/Launch", "/F", "cmd.exe"))),
            writer._add_object(annotation("/Link", A=action("/URI", "/URI", url))),
            writer._add_object(annotation("/Link", A=action("/JavaScript", "/JS", "app.alert(2)"))),
            writer._add_object(annotation("/FileAttachment", Contents=TextStringObject("file"))),
            field,
        ]
    )
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([field])}
    )
    writer.write(path)
    return path
