"""Build the Word templates in letter_templates/ with python-docx: six letters and one record.

Run with `make templates` (or `.venv/bin/python tools/build_templates.py`). Every run overwrites
the .docx files, so edits made to them in Word are lost: change the wording here instead, or stop
using this script once the manager has taken the templates over.

The templates are rendered by docxtpl with Jinja autoescaping and StrictUndefined, so they use
only the names the renderer provides: date, delivery, setting, owner, manager, letter,
recipient, request and party for the letters; date, summary, setting, owner, manager, request
and parties for the consents record (see letter_templates/README.md).

Three rules keep the placeholders intact for docxtpl:
- every `{{ … }}` and inline `{% … %}` is written as a single run (see `add_text`);
- every `{%p … %}` tag is a paragraph of its own (see `tag`);
- every `{%tr … %}` tag is alone in the first cell of a table row of its own (see `row_tag`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

OUT_DIR = Path(__file__).resolve().parent.parent / "letter_templates"

FONT = "Arial"
SYMBOL_FONT = "Segoe UI Symbol"  # Arial has no ☐ or ✂; Word falls back sensibly without it too
BODY_SIZE = Pt(11)
SMALL_SIZE = Pt(9)
GREY = RGBColor(0x55, 0x55, 0x55)
TEXT_WIDTH = Cm(17)  # A4 width 21 cm less two 2 cm margins
WIDE_TEXT_WIDTH = Cm(25.7)  # A4 landscape: 29.7 cm less two 2 cm margins

# A placeholder or inline tag, kept whole in one run so that docxtpl sees it intact.
JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")
SYMBOLS = re.compile(r"([☐✂])")

ADDRESS = '{{ setting.address_lines|join(", ") }}'
CONTACT = "{{ setting.phone }} or {{ setting.email }}"
REQUESTER = "{{ request.requester }} ({{ request.relationship }})"


# --------------------------------------------------------------------------- low-level helpers


class Container(Protocol):
    """Anything paragraphs can be added to: the document body, a page header or footer."""

    def add_paragraph(self, text: str = ..., style: None = ...) -> Paragraph: ...


def add_text(paragraph: Paragraph, text: str, *, bold: bool = False) -> None:
    """Append text to a paragraph; `**…**` marks bold, and each placeholder gets its own run."""
    for index, chunk in enumerate(text.split("**")):
        for piece in JINJA.split(chunk):
            for part in [piece] if JINJA.fullmatch(piece) else SYMBOLS.split(piece):
                if not part:
                    continue
                run = paragraph.add_run(part)
                if bold or index % 2 == 1:
                    run.bold = True
                if SYMBOLS.fullmatch(part):
                    run.font.name = SYMBOL_FONT


def para(where: Container, text: str = "", *, bold: bool = False, after: float = 8) -> Paragraph:
    """Add a paragraph with the given text and the given space after it (in points)."""
    paragraph = where.add_paragraph()
    add_text(paragraph, text, bold=bold)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def tag(doc: DocxDocument, jinja: str) -> None:
    """Add a docxtpl paragraph tag (`{%p … %}`), alone in its own paragraph as docxtpl requires."""
    assert jinja.startswith("{%p ") and jinja.endswith(" %}"), jinja
    doc.add_paragraph().add_run(jinja)


def keep_with_next(paragraphs: list[Paragraph]) -> None:
    """Keep a block together on one page (every paragraph but the last stays with the next)."""
    for paragraph in paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = True


def border(paragraph: Paragraph, side: str) -> None:
    """Draw a thin grey rule above or below a paragraph (side is "top" or "bottom")."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_bdr = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    for key, value in {"w:val": "single", "w:sz": "4", "w:space": "4", "w:color": "999999"}.items():
        edge.set(qn(key), value)
    p_bdr.append(edge)
    p_pr.append(p_bdr)


def field(paragraph: Paragraph, instruction: str, *, size: Pt = SMALL_SIZE) -> None:
    """Append a simple Word field such as PAGE or NUMPAGES, with a placeholder result."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    r_pr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size.pt * 2)))
    r_pr.append(sz)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(GREY))
    r_pr.append(color)
    run.append(r_pr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def style_runs(paragraph: Paragraph, *, size: Pt | None = None, grey: bool = False) -> None:
    """Set the size and colour of every run already in a paragraph."""
    for run in paragraph.runs:
        if size is not None:
            run.font.size = size
        if grey:
            run.font.color.rgb = GREY


def line_break(paragraph: Paragraph) -> None:
    """Start a new line within the paragraph (a soft break, as Shift+Enter in Word)."""
    paragraph.add_run().add_break()


# --------------------------------------------------------------------------- tables


def insert_in_order(
    parent: BaseOxmlElement, child: BaseOxmlElement, successors: tuple[str, ...]
) -> None:
    """Put a property element before the first of its schema successors there, else last."""
    for name in successors:
        after = parent.find(qn(f"w:{name}"))
        if after is not None:
            after.addprevious(child)
            return
    parent.append(child)


def new_table(doc: DocxDocument, widths: list[Length]) -> Table:
    """Add a table with fixed column widths and thin grey borders, to fill in row by row."""
    table: Table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    rule = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "999999"}
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        for key, value in rule.items():
            edge.set(qn(key), value)
        borders.append(edge)
    insert_in_order(table._tbl.tblPr, borders, ("shd", "tblLayout", "tblCellMar", "tblLook"))
    return table


def new_row(table: Table, widths: list[Length]) -> _Row:
    """Add a row, giving each cell its column's width (Word reads the cells' widths)."""
    row: _Row = table.add_row()  # type: ignore[no-untyped-call]
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = width
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    return row


def row_flags(row: _Row, *names: str) -> None:
    """Switch on row properties: cantSplit (keep the row on one page), tblHeader (repeat it)."""
    tr_pr = row._tr.get_or_add_trPr()
    for name in names:
        tr_pr.append(OxmlElement(f"w:{name}"))


def shade(cell: _Cell, fill: str) -> None:
    """Give a table cell a background colour (a hex RGB such as "EDEDED")."""
    shd = OxmlElement("w:shd")
    for key, value in {"w:val": "clear", "w:color": "auto", "w:fill": fill}.items():
        shd.set(qn(key), value)
    successors = ("noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
    insert_in_order(cell._tc.get_or_add_tcPr(), shd, successors)


def row_tag(table: Table, widths: list[Length], jinja: str) -> None:
    """Add a docxtpl row tag (`{%tr … %}`), alone in the first cell of a row of its own."""
    assert jinja.startswith("{%tr ") and jinja.endswith(" %}"), jinja
    paragraph = new_row(table, widths).cells[0].paragraphs[0]
    add_text(paragraph, jinja)
    style_runs(paragraph, size=Pt(7), grey=True)


# --------------------------------------------------------------------------- the letter frame


def new_document(*, landscape: bool = False) -> DocxDocument:
    """Start an A4 document with 2 cm margins and Arial 11 pt as the normal style."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = Cm(3.6)  # leaves room for the letterhead in the page header
    section.bottom_margin = Cm(2.2)
    section.header_distance = Cm(1.2)
    section.footer_distance = Cm(1)

    for name in ("Normal", "Header", "Footer"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = BODY_SIZE
        r_fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            r_fonts.set(qn(key), FONT)
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.1
        # The default Header and Footer styles carry centre and right tabs set for Letter paper.
        style.paragraph_format.tab_stops.clear_all()

    doc.core_properties.author = "SAR letters"
    doc.core_properties.comments = "Built by tools/build_templates.py"
    return doc


def letterhead(doc: DocxDocument) -> None:
    """Write the setting's letterhead into the page header, so it is on every page."""
    header = doc.sections[0].header
    name = header.paragraphs[0]
    add_text(name, "{{ setting.name }}", bold=True)
    style_runs(name, size=Pt(18))
    name.paragraph_format.space_after = Pt(2)
    address = para(header, ADDRESS, after=0)
    style_runs(address, size=SMALL_SIZE, grey=True)
    contact = para(header, "Telephone {{ setting.phone }} · {{ setting.email }}", after=0)
    style_runs(contact, size=SMALL_SIZE, grey=True)
    border(contact, "bottom")


def page_footer(doc: DocxDocument, text: str, *, width: Length = TEXT_WIDTH) -> None:
    """Write a footer line: the text (a tab pushes the rest right), then "· page X of Y"."""
    footer = doc.sections[0].footer
    line = footer.paragraphs[0]
    border(line, "top")
    line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    add_text(line, text + " · page ")
    style_runs(line, size=SMALL_SIZE, grey=True)
    field(line, "PAGE")
    run = line.add_run(" of ")
    run.font.size, run.font.color.rgb = SMALL_SIZE, GREY
    field(line, "NUMPAGES")


def delivery_footer(doc: DocxDocument) -> None:
    """Write how the letter is sent, the reference and the page number into the page footer."""
    page_footer(doc, "{{ delivery }}\tRef {{ letter.reference }}")


def opening(doc: DocxDocument, subject: str) -> None:
    """Write the date, the recipient's address block, the reference, subject and salutation."""
    letterhead(doc)
    delivery_footer(doc)
    date = para(doc, "{{ date }}", after=12)
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    tag(doc, "{%p for line in recipient.address_lines %}")
    para(doc, "{{ line }}", after=0)
    tag(doc, "{%p endfor %}")
    para(doc, after=6)
    para(doc, "Our reference: {{ letter.reference }}", bold=True, after=12)
    para(doc, subject, bold=True, after=12)
    para(doc, "{{ recipient.salutation }},")


def sign_off(doc: DocxDocument) -> None:
    """Write the close, a space to sign in, and the owner's name, role and setting."""
    # The last paragraph of the body goes over with the close rather than leave it alone.
    block = [doc.paragraphs[-1], para(doc, "Yours sincerely", after=48)]
    block.append(para(doc, "{{ owner.name }}", bold=True, after=0))
    block.append(para(doc, "{{ owner.role }}", after=0))
    block.append(para(doc, "{{ setting.name }}", after=0))
    keep_with_next(block)


def answer_line(doc: DocxDocument, label: str, *, date: bool = False) -> Paragraph:
    """Add a slip line to write on: the label, then a rule to the margin (and a date rule)."""
    paragraph = para(doc, after=10)
    stops = paragraph.paragraph_format.tab_stops
    if date:
        stops.add_tab_stop(Cm(10.5), WD_TAB_ALIGNMENT.LEFT, WD_TAB_LEADER.LINES)
        add_text(paragraph, f"{label}\t  Date ")
    else:
        add_text(paragraph, f"{label} ")
    stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.LINES)
    paragraph.add_run("\t")
    return paragraph


def reply_slip(
    doc: DocxDocument,
    options: list[str],
    *,
    tick: str = "Please tick one box.",
    reasons: str = "Reasons, if you wish to give them:",
    signer_lines: tuple[str, ...] = ("Name",),
) -> None:
    """Add the tear-off reply slip: cut line, reference, tick boxes and lines to sign."""
    block: list[Paragraph] = []
    space = para(doc, after=0)
    space.paragraph_format.space_before = Pt(10)
    block.append(space)
    cut = para(doc, "✂ - - - - - - - - - - - please return this slip - - - - - - - - - - -")
    cut.alignment = WD_ALIGN_PARAGRAPH.CENTER
    style_runs(cut, grey=True)
    block.append(cut)
    block.append(
        para(doc, "REPLY SLIP · Our reference: {{ letter.reference }}", bold=True, after=2)
    )
    block.append(
        para(
            doc,
            "To {{ owner.name }}, {{ setting.name }}, " + ADDRESS + " · {{ setting.email }}",
            after=6,
        )
    )
    style_runs(block[-1], size=Pt(10))
    block.append(
        para(
            doc,
            "About the request by " + REQUESTER + " to see the records about "
            "{{ request.child }}. " + tick,
            after=6,
        )
    )
    for option in options:
        line = para(doc, option, after=6)
        line.paragraph_format.left_indent = Cm(0.8)
        line.paragraph_format.first_line_indent = Cm(-0.8)
        line.paragraph_format.tab_stops.add_tab_stop(Cm(0.8))
        block.append(line)
    block.append(answer_line(doc, reasons))
    block.append(answer_line(doc, ""))
    block += [answer_line(doc, label) for label in signer_lines]
    block.append(answer_line(doc, "Signature ", date=True))
    note = para(
        doc,
        "If you reply by email or letter instead, please quote {{ letter.reference }}.",
        after=0,
    )
    style_runs(note, size=Pt(10), grey=True)
    block.append(note)
    keep_with_next(block)


# --------------------------------------------------------------------------- shared wording


def contact_us(doc: DocxDocument) -> None:
    """Invite questions, quoting the reference."""
    para(
        doc,
        "If you have any questions, please contact me or {{ manager.name }} on " + CONTACT + ", "
        "quoting our reference {{ letter.reference }}.",
    )


def refusal_is_weighed(doc: DocxDocument) -> None:
    """Explain that a refusal is weighed, not final (DPA 2018 Schedule 2 paragraph 16)."""
    para(
        doc,
        "If you do not consent, please tell us, and it helps us if you say why, although you do "
        "not have to. We will weigh your wishes carefully, but a refusal is not automatically the "
        "final word: under the Data Protection Act 2018 (Schedule 2, paragraph 16) we must "
        "consider whether it would be reasonable in all the circumstances to disclose the "
        "information without consent. Among other things, we take into account the kind of "
        "information it is, any duty of confidence we owe you, and any refusal and reasons you "
        "give us. Where information can be shared without identifying you, for example by "
        "removing your name, we will consider doing so.",
    )


def how_to_reply(doc: DocxDocument, *, urgent: bool = False, letter: str = "letter") -> None:
    """Ask for the slip back within the days to reply, quoting the reference.

    Counted from the day the ``letter`` ("letter", "reminder") reaches them, not as a date: a
    letter signed or posted days after it was written still asks for what they can do.
    ``urgent`` says why the time is short (to an agency, and in a reminder).
    """
    within = f"**within {{{{ party.reply_within }}}} of receiving this {letter}**"
    start = (
        f"We must respond to the request within a time limit set by law, so please reply {within}"
        if urgent
        else f"Please let us know {within}"
    )
    para(
        doc,
        start + ", using the reply slip at the end of this letter. You "
        "can post it or hand it in to us, or email a photo or scan of it to {{ setting.email }}. "
        "Please quote our reference **{{ letter.reference }}**, and if you email us, put it in "
        "the subject line so that we can match your reply to the request.",
    )


# The regulator as the [regulator] section of letters.toml names it (docs/law.md rule 14).
REGULATOR = "{{ regulator.name }} ({{ regulator.known_as }}), {{ regulator.description }}"


def indented(doc: DocxDocument, text: str, *, after: float = 2) -> Paragraph:
    """Add a paragraph set in from the margin: a list line, or words quoted from the register."""
    item = para(doc, text, after=after)
    item.paragraph_format.left_indent = Cm(0.8)
    return item


def regulator_and_court(doc: DocxDocument, lead: str) -> None:
    """Say how to reach the regulator, then that a court may be asked (Art 12(4), in order)."""
    para(doc, lead + " " + REGULATOR + ":", after=4)
    indented(doc, "online at {{ regulator.complaints_url }}")
    indented(
        doc,
        "by telephone on {{ regulator.phone }}{% if regulator.phone_welsh %} (in Welsh, "
        "{{ regulator.phone_welsh }}){% endif %}",
        after=8,
    )
    # No postal address is printed until the owner has typed the current one into letters.toml.
    tag(doc, "{%p if regulator.postal_address %}")
    indented(doc, "by post to {{ regulator.postal_address }}", after=8)
    tag(doc, "{%p endif %}")
    para(
        doc,
        "You can also apply to a court if you believe your rights under data protection law have "
        "not been respected.",
    )


def complain_to_us(doc: DocxDocument) -> None:
    """Say how to complain to the setting itself (DPA 2018 s.164A): on screen or on paper."""
    para(
        doc,
        "If you are unhappy with how we have handled your request, please tell us, so that we "
        "can put it right. You can complain to us by email to {{ setting.email }}, by letter to "
        "the address above, or using {{ privacy.complaint_form }}. We will acknowledge your "
        "complaint within 30 days and tell you the outcome.",
    )


def right_to_complain(doc: DocxDocument) -> None:
    """Name the complaint routes in the order the law gives them: us, the regulator, a court."""
    complain_to_us(doc)
    regulator_and_court(doc, "You also have the right to complain to")


# --------------------------------------------------------------------------- the letters


def acknowledgement() -> DocxDocument:
    """Tell the requester the request has arrived, what happens next, and by when."""
    doc = new_document()
    opening(doc, "Your request to see the records about {{ request.child }}")
    para(
        doc,
        "Thank you for your request, which we received on {{ request.received }}, to see the "
        "records that {{ setting.name }} holds about {{ request.child }}"
        "{% if request.child_dob %} (date of birth {{ request.child_dob }}){% endif %}. "
        "This letter confirms that we have it and explains what happens next.",
    )
    para(
        doc,
        "A request does not have to be in writing: one made in person or by telephone is just "
        "as valid. If you asked us in person, we made a note of what you asked for, and this "
        "letter confirms it; please tell us if we have noted anything wrongly.",
    )
    para(
        doc,
        "The records may include information about other people, such as members of the family, "
        "or information given to us by professionals, such as a health visitor or social worker. "
        "The law protects their rights too, so we are writing to each of them to ask whether "
        "they consent to us sharing that information with you.",
    )
    tag(doc, "{%p if request.waiting_for_id %}")
    para(
        doc,
        "Before we go further, we need to be sure who is asking, so on {{ request.id_requested }} "
        "we asked you for proof of your identity. Under Article 12A of the UK General Data "
        "Protection Regulation (UK GDPR), the one month we have to respond starts on the day we "
        "receive it, and we will not share anything about {{ request.child }} until then. As "
        "soon as it arrives we will write to confirm the date by which you will have the copy.",
    )
    tag(doc, "{%p else %}")
    para(
        doc,
        "We will send you a copy of the records by **{{ request.legal_deadline }}** at the "
        "latest, and we aim to send it sooner, by **{{ request.promised_by }}**. The latest date "
        "is the time limit set by Articles 12(3) and 12A of the UK General Data Protection "
        "Regulation (UK GDPR): one month from the day we received your request"
        "{% if request.month_from %}, counted from {{ request.month_from }}, when we received "
        "the proof of identity we asked for{% endif %}. If your request turns out to be complex, "
        "the law allows us to extend this by up to two further months; if we need to, we will "
        "write to tell you why before the first month is up.",
    )
    tag(doc, "{%p endif %}")
    para(
        doc,
        "We ask for proof of identity only when we have real doubts about who is asking. When "
        "we do, the month starts on the day it reaches us. If we reasonably need you to tell us "
        "more about which information you want, we will ask you straight away; the days from "
        "our question to your answer do not count towards the month (Article 12A). Neither "
        "is a way of putting off your request.",
    )
    para(
        doc,
        "The copy will come to you by the time limit, whatever else happens. We would also be "
        "glad to go through the file with you, so that I can explain it and answer your "
        "questions; that is an offer, and you do not need to accept it to receive the copy. "
        "There is no charge.",
    )
    contact_us(doc)
    sign_off(doc)
    return doc


def consent_request_family() -> DocxDocument:
    """Ask a family member named in the records whether they consent to disclosure."""
    doc = new_document()
    opening(doc, "Request for consent to disclose information")
    para(
        doc,
        "A request has been made by " + REQUESTER + " to see the records that {{ setting.name }} "
        "holds about {{ request.child }}. This is a request under the UK General Data Protection "
        "Regulation (UK GDPR) and the Data Protection Act 2018, which give people the right to "
        "see the information held about them, and parents the right to ask on behalf of a young "
        "child.",
    )
    para(
        doc,
        "The records mention you, or contain information that you gave us. Before we decide "
        "what to share, we are writing to ask whether you consent to us disclosing that "
        "information to {{ request.requester }}.",
    )
    how_to_reply(doc)
    refusal_is_weighed(doc)
    para(
        doc,
        "If we have not heard from you by then, we will send you a reminder; if we still do not "
        "hear from you, we may have to make our decision without knowing your views.",
    )
    para(
        doc,
        "We will keep a copy of this letter and your reply on file with the request. If you have "
        "any questions, or would like to talk this through before you decide, please contact me "
        "or {{ manager.name }} on " + CONTACT + ".",
    )
    sign_off(doc)
    reply_slip(
        doc,
        [
            "☐\tI consent to {{ setting.name }} disclosing to {{ request.requester }} the "
            "information in the records that mentions me or that I gave.",
            "☐\tI do not consent to that information being disclosed.",
        ],
    )
    return doc


def consent_request_agency() -> DocxDocument:
    """Ask a professional or agency named in the records whether they consent to disclosure."""
    doc = new_document()
    opening(doc, "Request for consent to disclose information")
    para(
        doc,
        REQUESTER + " has made a subject access request, under the UK General Data Protection "
        "Regulation (UK GDPR) and the Data Protection Act 2018, to see the records that "
        "{{ setting.name }} holds about {{ request.child }}.",
    )
    para(
        doc,
        "The records include information that you or your organisation provided to us, or that "
        "refers to you in your professional role. We are writing to ask whether you consent to "
        "us disclosing that information to {{ request.requester }}.",
    )
    para(
        doc,
        "We understand that agencies often prefer a parent to apply to them directly for "
        "information they have provided. If that is your preference, please say so on the "
        "reply slip and tell us how the parent should apply, and we will pass this on. Please "
        "also tell us whether you consent, because we still have to decide what to do about the "
        "information in our own records.",
    )
    refusal_is_weighed(doc)
    para(
        doc,
        "If any of the information is about {{ request.child }}'s physical or mental health and "
        "you are a health professional (for example a health visitor, doctor or therapist), "
        "please also give us your professional opinion on whether disclosing it to "
        "{{ request.requester }} would be likely to cause serious harm to the physical or mental "
        "health of the child or of anyone else. We are not a health body, and the Data "
        "Protection Act 2018 (Schedule 3, paragraphs 5 and 6) does not let us disclose health "
        "information, or hold it back on the ground of serious harm, without that opinion.",
    )
    tag(doc, "{%p if not letter.scotland %}")
    para(
        doc,
        "Separately, if any of the information concerns whether {{ request.child }} is or may "
        "be at risk of abuse or neglect, please tell us whether, in your view, disclosing it to "
        "{{ request.requester }} would not be in the child's best interests. The law (Schedule "
        "3, paragraph 21) lets us withhold such information from a parent to that extent. "
        "This question is about the child's interests alone, and is quite apart from whether "
        "you consent.",
    )
    tag(doc, "{%p endif %}")
    how_to_reply(doc, urgent=True)
    para(
        doc,
        "We will keep a copy of this letter and your reply on file with the request. If you "
        "would like to discuss it, please contact me or {{ manager.name }} on " + CONTACT + ".",
    )
    sign_off(doc)
    reply_slip(
        doc,
        [
            "☐\tI/we consent to {{ setting.name }} disclosing to {{ request.requester }} the "
            "information in the records that we provided or that refers to us.",
            "☐\tI/we do not consent to that information being disclosed.",
            "☐\tI/we would prefer the parent to apply to us directly for the information we "
            "provided. (This is not a refusal: please also tick one of the boxes above.)",
            "☐\tHealth information: in my opinion as a health professional, disclosing it "
            "would not be likely to cause serious harm to anyone's physical or mental health.",
            "☐\tHealth information: in my opinion as a health professional, disclosing it "
            "would be likely to cause serious harm (please say which information, and why).",
            "{%p if not letter.scotland %}",
            "☐\tInformation about possible abuse or neglect: disclosing it to the parent would "
            "not be in the child's best interests (please say which information).",
            "{%p endif %}",
        ],
        tick="Please tick the boxes that apply.",
        reasons="Reasons, which information, or how the parent should apply to you:",
        signer_lines=("Name", "Role and organisation"),
    )
    return doc


def reminder() -> DocxDocument:
    """Remind a third party (family member or agency) who has not yet replied."""
    doc = new_document()
    opening(
        doc,
        "Request for consent to disclose information: reminder {{ party.reminder_number }}",
    )
    para(
        doc,
        "We wrote to you on {{ party.letter_sent }} to ask whether you consent to us disclosing "
        "information to " + REQUESTER + ", who has asked to see the records that "
        "{{ setting.name }} holds about {{ request.child }}. The records mention you, or contain "
        "information that you gave us. We have not yet received your reply. If you have replied "
        "in the last few days, thank you, and please disregard this reminder.",
    )
    how_to_reply(doc, urgent=True, letter="reminder")
    refusal_is_weighed(doc)
    tag(doc, "{%p if party.kind == 'Agency' %}")
    para(
        doc,
        "If your organisation would prefer the parent to apply to you directly for information "
        "you provided, please say so on the slip; that is not a refusal, so please tell us "
        "whether you consent as well.",
    )
    tag(doc, "{%p endif %}")
    para(
        doc,
        "If we do not hear from you within {{ party.reply_within }} of receiving this reminder, "
        "we will need to decide whether it "
        "is reasonable to disclose the information without your consent, and we will have to "
        "do so without knowing your views. If you have any questions, please contact me or "
        "{{ manager.name }} on " + CONTACT + ".",
    )
    sign_off(doc)
    tag(doc, "{%p if party.kind == 'Agency' %}")
    reply_slip(
        doc,
        [
            "☐\tI/we consent to {{ setting.name }} disclosing to {{ request.requester }} the "
            "information in the records that we provided or that refers to us.",
            "☐\tI/we do not consent to that information being disclosed.",
            "☐\tI/we would prefer the parent to apply to us directly for the information we "
            "provided. (This is not a refusal: please also tick one of the boxes above.)",
        ],
        tick="Please tick the boxes that apply.",
        reasons="Reasons or comments, if you wish to give them:",
        signer_lines=("Name", "Role and organisation"),
    )
    tag(doc, "{%p else %}")
    # A family member is written to as a person: no organisation wording (issue 12).
    reply_slip(
        doc,
        [
            "☐\tI consent to {{ setting.name }} disclosing to {{ request.requester }} the "
            "information in the records that mentions me or that I gave.",
            "☐\tI do not consent to that information being disclosed.",
        ],
    )
    tag(doc, "{%p endif %}")
    return doc


def extension_notice() -> DocxDocument:
    """Tell the requester the deadline is extended by up to two months, and why."""
    doc = new_document()
    opening(doc, "Your request to see the records about {{ request.child }}: more time needed")
    para(
        doc,
        "On {{ request.received }} we received your request to see the records that "
        "{{ setting.name }} holds about {{ request.child }}. I am writing to let you know that "
        "we need more time to respond, and why.",
    )
    tag(doc, "{%p if letter.late %}")
    para(
        doc,
        "I am sorry that this letter reaches you after the end of the first month. The law "
        "expects us to tell you about an extension within one month of receiving your request, "
        "and we did not do so. We apologise, and we are doing all we can to complete your "
        "request as quickly as possible.",
    )
    tag(doc, "{%p endif %}")
    para(doc, "Your request is complex, for this reason:", after=4)
    reason = para(doc, "{{ request.extension_reason }}")
    reason.paragraph_format.left_indent = Cm(0.8)
    para(
        doc,
        "Articles 12(3) and 12A of the UK General Data Protection Regulation allow us to extend "
        "the time limit by up to two further months where a request is complex, provided we "
        "tell you why within the first month, and we are doing so. "
        "We will now respond by **{{ request.extended_deadline }}** at the latest, instead of "
        "{{ request.legal_deadline }}.",
    )
    para(
        doc,
        "We will not wait until then if we can finish sooner. As soon as the file is ready, we "
        "will send you a copy to keep, and offer to go through it with you.",
    )
    right_to_complain(doc)
    contact_us(doc)
    sign_off(doc)
    return doc


def delay_letter() -> DocxDocument:
    """Apologise that the time limit has passed, give a firm date and the rights to complain.

    It goes when an extension was not notified within the first month (it then claims no
    extension), or when the legal deadline, extended or not, has passed.
    """
    doc = new_document()
    opening(
        doc, "Your request to see the records about {{ request.child }}: our apology for the delay"
    )
    para(
        doc,
        "On {{ request.received }} we received your request to see the records that "
        "{{ setting.name }} holds about {{ request.child }}. Under Articles 12(3) and 12A of the "
        "UK General Data Protection Regulation we should have responded by "
        "{{ request.response_due }}, and we have not. I am sorry: the delay is ours, and you "
        "were entitled to hear from us sooner.",
    )
    tag(doc, "{%p if request.extension_late and request.extension_reason %}")
    para(doc, "It has taken us longer than it should for this reason:", after=4)
    reason = para(doc, "{{ request.extension_reason }}")
    reason.paragraph_format.left_indent = Cm(0.8)
    para(
        doc,
        "That explains the delay but does not excuse it. The law allows more time for a complex "
        "request only if we tell you within the first month, which we did not do, so the time "
        "limit has not been extended.",
    )
    tag(doc, "{%p endif %}")
    para(
        doc,
        "We will send you the copy of the records by **{{ request.firm_date }}** at the latest, "
        "and sooner if we can. If anything could stop us meeting that date, I will tell you "
        "straight away.",
    )
    right_to_complain(doc)
    contact_us(doc)
    sign_off(doc)
    return doc


def invitation() -> DocxDocument:
    """Invite the requester to go through the clean copy with the owner, and say their rights."""
    doc = new_document()
    opening(doc, "Your request to see the records about {{ request.child }}: the file is ready")
    para(
        doc,
        "Following your request, which we received on {{ request.received }}, the copy of the "
        "records that {{ setting.name }} holds about {{ request.child }} is now ready.",
    )
    para(
        doc,
        "Your copy comes to you with our response letter, which sets out what the records hold "
        "and what, if anything, we have left out and why. The copy is yours whether or not you "
        "would like to meet.",
    )
    para(
        doc,
        "If it would help, I would also be glad to go through the file with you. I can offer "
        "**{{ request.meeting }}** at {{ setting.name }}, " + ADDRESS + ". I will explain what "
        "the records contain and answer any questions you have.",
    )
    para(
        doc,
        "If that time does not suit you, please let us know and we will arrange another. You "
        "do not need to come in: if you would rather not, there is nothing you need to do.",
    )
    right_to_complain(doc)
    para(
        doc,
        "Please let us know on " + CONTACT + " whether you would like to come, quoting our "
        "reference {{ letter.reference }}.",
    )
    sign_off(doc)
    return doc


def subheading(doc: DocxDocument, text: str) -> None:
    """Add a short bold heading that stays with the paragraph after it."""
    heading = para(doc, text, bold=True, after=4)
    heading.paragraph_format.space_before = Pt(4)
    heading.paragraph_format.keep_with_next = True


# The Article 15(1)-(2) information, point by point: the label, then the sentence it opens.
PRIVACY_POINTS = [
    ("Why we hold it.", "We use your child's information {{ privacy.purposes }}"),
    ("What we hold.", "The information we hold includes {{ privacy.categories }}"),
    ("Who we share it with.", "We share it, where we need to, with {{ privacy.recipients }}"),
    ("How long we keep it.", "We keep it {{ privacy.retention }}"),
    ("Where it came from.", "It came from {{ privacy.source }}"),
    ("Decisions made by computer.", "{{ privacy.automated }}"),
    ("Outside the UK.", "{{ privacy.transfers }}"),
    (
        "Your other rights.",
        "You can ask us to correct anything that is wrong or incomplete, to delete information, "
        "or to limit how we use it, and you can object to our using it. Some of these rights "
        "depend on why we hold the information; if one does not apply, we will explain why.",
    ),
    ("More about this", "is in {{ privacy.notice }}."),
]


def response() -> DocxDocument:
    """Send the requester the copy with what Article 15 requires, what was withheld, and why."""
    doc = new_document()
    opening(doc, "Your request to see the records about {{ request.child }}: our response")
    para(
        doc,
        "Following your request, which we received on {{ request.received }}, this is our "
        "response. With it comes a copy of the records that {{ setting.name }} holds about "
        "{{ request.child }}: {% if response.by_email %}the copy is attached to the email that "
        "brings this letter{% else %}the copy is enclosed with this letter{% endif %}. There is "
        "no charge for it, and it is yours to keep.",
    )
    para(
        doc,
        "{% if request.meeting %}If it would help, I would also be glad to go through the file "
        "with you; we have offered {{ request.meeting }}, or another time that suits you. "
        "{% else %}If it would help, I would also be glad to go through the file with you; "
        "please let us know and we will find a time. {% endif %}You do not need to meet us to "
        "have the copy.",
    )
    subheading(doc, "About your child's information")
    for label, text in PRIVACY_POINTS:
        item = para(doc, f"**{label}** {text}", after=4)
        item.paragraph_format.left_indent = Cm(0.4)
    subheading(doc, "What we have left out of the copy")
    tag(doc, "{%p if withheld %}")
    para(
        doc,
        "We have left some information out of the copy, as the Data Protection Act 2018 allows. "
        "We have kept out only what we had to; the rest of each record is there.",
        after=4,
    )
    tag(doc, "{%p for item in withheld %}")
    bullet = para(doc, "•	{{ item.what }}: {{ item.why }} ({{ item.law }}).", after=4)
    bullet.paragraph_format.left_indent = Cm(0.8)
    bullet.paragraph_format.first_line_indent = Cm(-0.4)
    tag(doc, "{%p endfor %}")
    para(
        doc,
        "If you would like to know more about why, please ask: we will explain as far as we "
        "can without giving away the information itself.",
    )
    tag(doc, "{%p else %}")
    para(
        doc,
        "We have not left anything out: the copy holds all the information about "
        "{{ request.child }} that we found in our records.",
    )
    tag(doc, "{%p endif %}")
    subheading(doc, "If you are unhappy with our response")
    complain_to_us(doc)
    regulator_and_court(doc, "You also have the right to complain to")
    contact_us(doc)
    sign_off(doc)
    return doc


# --------------------------------------------------------------------------- complaints


def about_the_complaint() -> str:
    """Return the words that say which complaint, and which request if it concerns one."""
    return (
        "your complaint, which we received on {{ complaint.received }}"
        "{% if complaint.request %}, about your request with our reference "
        "{{ complaint.request }}{% endif %}"
    )


def complaint_acknowledgement() -> DocxDocument:
    """Tell a complainant the complaint has arrived and what happens next (DPA s.164A(3))."""
    doc = new_document()
    opening(doc, "Your complaint to us")
    para(
        doc,
        "Thank you for " + about_the_complaint() + ". I am sorry that you have had reason to "
        "complain, and this letter confirms that we have your complaint.",
    )
    tag(doc, "{%p if complaint.summary %}")
    para(doc, "As we understand it, your complaint is about:", after=4)
    indented(doc, "{{ complaint.summary }}", after=8)
    para(doc, "If we have misunderstood, or there is more you would like us to consider, please "
         "tell us.")  # fmt: skip
    tag(doc, "{%p endif %}")
    para(
        doc,
        "We will look into it carefully and without delay, let you know how it is going, and "
        "write to you with the outcome. Please quote our reference {{ letter.reference }} "
        "whenever you contact us about it.",
    )
    regulator_and_court(
        doc,
        "You do not have to wait for us: you also have the right to complain at any time to",
    )
    contact_us(doc)
    sign_off(doc)
    return doc


def complaint_outcome() -> DocxDocument:
    """Tell a complainant the outcome of the complaint (DPA s.164A(4)) and where else to go."""
    doc = new_document()
    opening(doc, "Your complaint to us: the outcome")
    para(
        doc,
        "Thank you for your patience while we looked into " + about_the_complaint() + ". "
        "We have now done so, and this is the outcome:",
        after=4,
    )
    indented(doc, "{{ complaint.outcome }}", after=8)
    para(
        doc,
        "If you are not satisfied with this, please tell us and we will look at it again.",
    )
    regulator_and_court(doc, "You also have the right to complain to")
    contact_us(doc)
    sign_off(doc)
    return doc


# --------------------------------------------------------------------------- the consents record

# The columns of the consents table: heading, width, and the cell's content for one party. The
# widths add up to WIDE_TEXT_WIDTH. The "Who", "Replied" and "Decision" cells are written by
# `party_row`.
RECORD_COLUMNS: list[tuple[str, Length, str]] = [
    ("Party", Cm(1.3), "**{{ party.code }}**"),
    ("Who", Cm(4.5), ""),
    ("Kind", Cm(1.9), "{{ party.kind }}"),
    ("Written to", Cm(2.8), "{{ party.letter_sent }}"),
    ("Reminded", Cm(2.8), "{{ party.reminders }}"),
    ("Replied", Cm(2.8), ""),
    ("Decision", Cm(2.4), ""),
    ("Decision notes", Cm(4.9), "{{ party.decision_notes }}"),
    ("Reply filed as", Cm(2.3), "{{ party.reply_file }}"),
]
TABLE_SIZE = Pt(9)


def record_heading(doc: DocxDocument) -> None:
    """Write the title, the request it belongs to and its dates, and the summary line."""
    title = para(doc, after=4)
    title.paragraph_format.tab_stops.add_tab_stop(WIDE_TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    add_text(title, "Consents record", bold=True)
    style_runs(title, size=Pt(16))
    add_text(title, "\tPrepared {{ date }}")
    for run in title.runs[1:]:
        run.font.size, run.font.color.rgb = Pt(10), GREY
    para(
        doc,
        "Request **{{ request.ref }}** — " + REQUESTER + " for the records of "
        "**{{ request.child }}**",
        after=2,
    )
    para(
        doc,
        "Received {{ request.received }} · promised by {{ request.promised_by }} · legal "
        "deadline **{{ request.legal_deadline }}**",
        after=8,
    )
    summary = para(doc, "**{{ summary }}**", after=8)
    style_runs(summary, size=Pt(12))


def owner_box(doc: DocxDocument) -> None:
    """Remind the owner how refusals are weighed, about legal advice, and how to score through."""
    table = new_table(doc, [WIDE_TEXT_WIDTH])
    cell = new_row(table, [WIDE_TEXT_WIDTH]).cells[0]
    shade(cell, "F2F2F2")
    heading = cell.paragraphs[0]
    add_text(heading, "For the owner, before the copy is shared", bold=True)
    heading.paragraph_format.space_before = Pt(4)
    heading.paragraph_format.space_after = Pt(4)
    points = [
        "**A refusal is not an automatic bar.** It is one of the things weighed in deciding "
        "whether it is reasonable in all the circumstances to disclose a third party's "
        "information without their consent (Data Protection Act 2018, Schedule 2, paragraph "
        "16(3)), together with the type of information, any duty of confidence owed to them, "
        "the steps taken to ask for their consent, and whether they are able to give it. Write "
        "the reasoning for each decision in **Decision notes** on the register.",
        "**Remove only what identifies them.** Where information about a third party is "
        "withheld, score through only their name and the details that would identify them "
        "(counting what the parent already knows), not everything they said: the rest of the "
        "record stays in the copy. What a professional wrote or said in their professional role "
        "is normally disclosed (Schedule 2, paragraph 17).",
        "**Record each thing withheld** on the register's Withheld sheet: what, the ground, and "
        "your reasons. The response letter tells the parent what was left out and on what "
        "ground, in general terms; the reasons stay here. Health information needs a health "
        "professional's opinion less than six months old (Schedule 3, paragraph 6).",
        "**Legal advice** may be sought before the file is shared, especially where the parent "
        "may have grounds for litigation, as our procedure says.",
    ]
    for index, point in enumerate(points):
        item = para(cell, "•\t" + point, after=6 if index == len(points) - 1 else 3)
        item.paragraph_format.left_indent = Cm(0.6)
        item.paragraph_format.first_line_indent = Cm(-0.6)
        item.paragraph_format.tab_stops.add_tab_stop(Cm(0.6))
        style_runs(item, size=Pt(10))


def party_row(table: Table, widths: list[Length]) -> None:
    """Add the row docxtpl repeats for each party (kept whole on a page)."""
    row = new_row(table, widths)
    row_flags(row, "cantSplit")
    for cell, (heading, _, text) in zip(row.cells, RECORD_COLUMNS, strict=True):
        paragraph = cell.paragraphs[0]
        if heading == "Who":
            # Name, then organisation and role on lines of their own when there are any.
            add_text(paragraph, "**{{ party.name }}**{% if party.organisation %}")
            line_break(paragraph)
            add_text(paragraph, "{{ party.organisation }}{% endif %}{% if party.role %}")
            line_break(paragraph)
            add_text(paragraph, "{{ party.role }}{% endif %}")
        elif heading == "Replied":
            # A reply from another address than the register's is marked, to be checked.
            add_text(paragraph, "{{ party.reply_received }}{% if party.reply_from %}")
            line_break(paragraph)
            add_text(paragraph, "**From another address:** {{ party.reply_from }}{% endif %}")
        elif heading == "Decision":
            # A refusal gets a box to tick once it has been scored through in the copy.
            add_text(paragraph, '**{{ party.decision }}**{% if party.decision == "Refuses" %}')
            line_break(paragraph)
            add_text(paragraph, "☐ scored through{% endif %}")
        else:
            add_text(paragraph, text)
        style_runs(paragraph, size=TABLE_SIZE)


def consents_table(doc: DocxDocument) -> None:
    """Write the table of third parties: a heading row repeated on each page, a row per party."""
    widths = [width for _, width, _ in RECORD_COLUMNS]
    table = new_table(doc, widths)
    header = new_row(table, widths)
    row_flags(header, "cantSplit", "tblHeader")
    for cell, (heading, _, _) in zip(header.cells, RECORD_COLUMNS, strict=True):
        shade(cell, "E4E4E4")
        add_text(cell.paragraphs[0], heading, bold=True)
        style_runs(cell.paragraphs[0], size=SMALL_SIZE)
    row_tag(table, widths, "{%tr for party in parties %}")
    party_row(table, widths)
    row_tag(table, widths, "{%tr endfor %}")


def consents_record() -> DocxDocument:
    """The record of every third party's consent: the owner's checklist for scoring through."""
    doc = new_document(landscape=True)
    letterhead(doc)
    page_footer(doc, "Confidential\tConsents record {{ request.ref }}", width=WIDE_TEXT_WIDTH)
    record_heading(doc)
    owner_box(doc)
    para(doc, after=6)
    consents_table(doc)
    tag(doc, "{%p if not parties %}")
    para(doc, "No third parties are recorded for this request.", after=0)
    tag(doc, "{%p endif %}")
    heading = para(doc, "Withheld from the copy", bold=True, after=4)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.keep_with_next = True
    tag(doc, "{%p for item in withheld %}")
    item = para(
        doc,
        "•\t**{{ item.what }}** — {{ item.ground }} ({{ item.law }})"
        "{% if item.party %}, {{ item.party }}{% endif %}"
        "{% if item.opinion %}; opinion of {{ item.opinion }}{% endif %}. "
        "Reasons: {{ item.reasons }}",
        after=3,
    )
    item.paragraph_format.left_indent = Cm(0.6)
    item.paragraph_format.first_line_indent = Cm(-0.6)
    style_runs(item, size=Pt(10))
    tag(doc, "{%p else %}")
    para(doc, "Nothing is recorded as withheld (the Withheld sheet has no row for this request).")
    tag(doc, "{%p endfor %}")
    checked = para(doc, after=0)
    checked.paragraph_format.space_before = Pt(18)
    stops = checked.paragraph_format.tab_stops
    stops.add_tab_stop(Cm(11), WD_TAB_ALIGNMENT.LEFT, WD_TAB_LEADER.LINES)
    stops.add_tab_stop(Cm(20), WD_TAB_ALIGNMENT.LEFT, WD_TAB_LEADER.LINES)
    add_text(checked, "Checked by \t (owner)      Date \t")
    return doc


LETTERS: dict[str, Callable[[], DocxDocument]] = {
    "acknowledgement": acknowledgement,
    "consent-request-family": consent_request_family,
    "consent-request-agency": consent_request_agency,
    "reminder": reminder,
    "extension-notice": extension_notice,
    "delay-letter": delay_letter,
    "invitation": invitation,
    "response": response,
    "complaint-acknowledgement": complaint_acknowledgement,
    "complaint-outcome": complaint_outcome,
}


# Every template the script builds: the letters, then the consents record.
TEMPLATES: dict[str, Callable[[], DocxDocument]] = {
    **LETTERS,
    "consents-record": consents_record,
}


def main() -> None:
    """Build every template into letter_templates/, overwriting what is there."""
    OUT_DIR.mkdir(exist_ok=True)
    for name, build in TEMPLATES.items():
        doc = build()
        doc.core_properties.title = name.replace("-", " ").capitalize()
        path = OUT_DIR / f"{name}.docx"
        doc.save(str(path))
        print(f"wrote {path.relative_to(OUT_DIR.parent)}")


if __name__ == "__main__":
    main()
