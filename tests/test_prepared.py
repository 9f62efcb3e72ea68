"""A letter rendered from a prepared template is what plain docxtpl writes, part by part."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import canonicalize

import docx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline import config as config_module
from pipeline.deadlines import Calendar, Deadlines
from pipeline.errors import LettersError
from pipeline.letters.complaints import (
    complaint_context,
    complaint_letter,
    sample_complaint_context,
)
from pipeline.letters.context import (
    Fields,
    context,
    sample_context,
    sample_party,
    sample_request,
)
from pipeline.letters.due import letter_for
from pipeline.letters.kinds import COMPLAINANT, COMPLAINT_KINDS, KINDS, THIRD_PARTY
from pipeline.letters.render import Renderer
from pipeline.progress import by_ref, progress_all
from pipeline.records.consents import TEMPLATE, record_context
from pipeline.register.read import open_register

from support.files import REPO, TEMPLATES
from support.strategies import storable_text

TODAY = date(2026, 11, 25)
CONFIG = config_module.parse({}, REPO / "letters.toml")
CALENDAR = Calendar(CONFIG.deadlines.bank_holidays)
TEMPLATE_NAMES = sorted(path.name for path in TEMPLATES.glob("*.docx"))


def parts(document: bytes) -> dict[str, str | bytes]:
    """Every part of a .docx: its XML canonicalised, anything else as it is."""
    found: dict[str, str | bytes] = {}
    with zipfile.ZipFile(io.BytesIO(document)) as package:
        for item in package.infolist():
            data = package.read(item)
            xml = item.filename.endswith((".xml", ".rels"))
            found[item.filename] = canonicalize(data.decode("utf-8")) if xml else data
    return found


def demo_contexts() -> list[tuple[str, dict[str, Any]]]:
    """Every template with the placeholders of every request and party of the demo register."""
    register = open_register(REPO / "registers" / "example-register.xlsx", TODAY)
    grouped = by_ref(register.parties)
    found = []
    for request, where in progress_all(
        register.requests, register.parties, TODAY, CALENDAR, CONFIG.deadlines
    ):
        parties = grouped[request.ref]
        for kind in KINDS.values():
            if kind.to == COMPLAINANT:
                continue  # a complaint's letters, below
            for party in parties if kind.to == THIRD_PARTY else [None]:
                letter = letter_for(kind.key, request, party, 1 if kind.numbered else 0)
                values = context(letter, request, party, where.deadlines, CONFIG, TODAY, CALENDAR)
                found.append((kind.template, values))
        found.append(
            (TEMPLATE, record_context(request, parties, {}, where.deadlines, CONFIG, TODAY))
        )
    for complaint in register.complaints:
        for key in COMPLAINT_KINDS:
            letter = complaint_letter(key, complaint)
            values = complaint_context(letter, complaint, CONFIG, TODAY)
            found.append((KINDS[key].template, values))
    return found


FAST, PLAIN = Renderer(TEMPLATES), Renderer(TEMPLATES, prepared=False)


def test_every_template_is_prepared() -> None:
    for name in TEMPLATE_NAMES:
        FAST.render(name, _sample(name))
    assert FAST.plain() == {}


def test_every_demo_letter_is_what_plain_docxtpl_writes() -> None:
    contexts = demo_contexts()
    assert {name for name, _ in contexts} == set(TEMPLATE_NAMES)
    tried: dict[str, int] = {}
    for name, values in contexts:
        tried[name] = tried.get(name, 0) + 1
        if tried[name] <= 6:  # plain docxtpl takes 30 ms a letter: six of each is enough
            assert parts(FAST.render(name, values)) == parts(PLAIN.render(name, values)), name


# What a manager might type, and the characters docxtpl turns into tabs, paragraphs and pages.
_HOSTILE = st.one_of(
    storable_text(max_size=40),
    st.sampled_from(
        [
            "Smith & Sons <Ltd>",
            "{{ request.child }}",
            "{% if true %}x{% endif %}",
            "\"double\" and 'single' quotes &amp; &#13;",
            "Alt+Enter\nsecond line\r\nthird",
            "tab\there\fpage\abell",
            "   padded   ",
            "]]><w:p/><![CDATA[",
        ]
    ),
).filter(lambda value: not any(m in value for m in ("{_{", "}_}", "{_%", "%_}")))


def _hostile(values: Any, draw: Callable[[], str]) -> Any:
    """Return ``values`` with every piece of text replaced by a drawn one."""
    if isinstance(values, Fields):
        return Fields(values.label, **{key: _hostile(value, draw) for key, value in values.items()})
    if isinstance(values, dict):
        return {key: _hostile(value, draw) for key, value in values.items()}
    if isinstance(values, list):
        more = [draw()] if all(isinstance(value, str) for value in values) else []
        return [_hostile(value, draw) for value in values] + more
    return draw() if isinstance(values, str) else values


def _sample(name: str) -> dict[str, Any]:
    """The placeholders ``letters check`` tries template ``name`` with."""
    if name == TEMPLATE:
        due = Deadlines(TODAY, TODAY, TODAY, 0)
        parties = [sample_party(TODAY), sample_party(TODAY)]
        return record_context(sample_request(TODAY), parties, {}, due, CONFIG, TODAY)
    if name in {KINDS[key].template for key in COMPLAINT_KINDS}:
        return sample_complaint_context(CONFIG, TODAY)
    return sample_context(CONFIG, TODAY, CALENDAR)


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data(), name=st.sampled_from(TEMPLATE_NAMES))
def test_a_letter_of_hostile_values_is_what_plain_docxtpl_writes(
    data: st.DataObject, name: str
) -> None:
    values = _hostile(_sample(name), lambda: data.draw(_HOSTILE))
    assert parts(FAST.render(name, values)) == parts(PLAIN.render(name, values))


def _edited(tmp_path: Path, change: Callable[[docx.document.Document], None]) -> Path:
    """A copy of the templates folder whose acknowledgement was changed in Word."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    document = docx.Document(str(folder / "acknowledgement.docx"))
    change(document)
    document.save(str(folder / "acknowledgement.docx"))
    return folder


def _title_placeholder(document: docx.document.Document) -> None:
    document.core_properties.title = "Acknowledgement {{ request.ref }}"


def _marker(document: docx.document.Document) -> None:
    document.add_paragraph("Write {_{ like this }_} to show braces")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_title_placeholder, "its document property title holds a placeholder"),
        (_marker, "it uses docxtpl's {_{ }_} {_% %_} markers"),
    ],
)
def test_a_template_the_prepared_path_cannot_do_is_rendered_by_plain_docxtpl(
    tmp_path: Path, change: Callable[[docx.document.Document], None], reason: str
) -> None:
    folder = _edited(tmp_path, change)
    fast, plain = Renderer(folder), Renderer(folder, prepared=False)
    values = sample_context(CONFIG, TODAY, CALENDAR)
    assert parts(fast.render("acknowledgement.docx", values)) == parts(
        plain.render("acknowledgement.docx", values)
    )
    assert fast.plain() == {"acknowledgement.docx": reason}


def test_a_letter_with_a_logo_in_its_letterhead_is_what_plain_docxtpl_writes(
    tmp_path: Path,
) -> None:
    picture = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "navy").save(picture)

    def logo(document: docx.document.Document) -> None:
        document.sections[0].header.paragraphs[0].add_run().add_picture(str(picture))
        document.add_paragraph().add_run().add_picture(str(picture))

    folder = _edited(tmp_path, logo)
    values = sample_context(CONFIG, TODAY, CALENDAR)
    fast = Renderer(folder).render("acknowledgement.docx", values)
    assert parts(fast) == parts(
        Renderer(folder, prepared=False).render("acknowledgement.docx", values)
    )
    assert any(name.startswith("word/media/") for name in parts(fast))


def test_a_broken_placeholder_is_reported_as_before(tmp_path: Path) -> None:
    folder = _edited(tmp_path, lambda document: document.add_paragraph("{{ request.ref "))
    values = sample_context(CONFIG, TODAY, CALENDAR)
    messages = []
    for renderer in (Renderer(folder), Renderer(folder, prepared=False)):
        with pytest.raises(LettersError) as raised:
            renderer.render("acknowledgement.docx", values)
        messages.append(raised.value.message)
    assert messages[0] == messages[1]
    assert "a placeholder is broken" in messages[0]


def test_a_letter_whose_xml_is_not_well_formed_goes_docxtpls_way() -> None:
    # A character XML does not allow (the register cannot store one, a template's own text
    # could): docxtpl's parse recovers from it, and so the fast path leaves it to docxtpl.
    values = sample_context(CONFIG, TODAY, CALENDAR)
    values["request"] = Fields("request", **{**values["request"], "child": "Ann\x01 Example"})
    fast = FAST.render("acknowledgement.docx", values)
    assert parts(fast) == parts(PLAIN.render("acknowledgement.docx", values))
