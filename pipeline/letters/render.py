"""Render Word letters from the templates with docxtpl, strictly and safely escaped."""

from __future__ import annotations

import functools
import gc
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import LettersError
from pipeline.folders import write_whole
from pipeline.letters.context import Fields
from pipeline.letters.prepared import Prepared, prepare

if TYPE_CHECKING:  # jinja2 is imported when the first letter is rendered
    import jinja2


@functools.cache
def _strict_naming_undefined() -> type[jinja2.StrictUndefined]:
    """Return the kind of Undefined that fails on any placeholder the context lacks."""
    import jinja2

    class StrictNamingUndefined(jinja2.StrictUndefined):
        """Fail naming the placeholder in full, e.g. request.colour."""

        @property
        def _undefined_message(self) -> str:
            owner = self._undefined_obj
            if isinstance(owner, Fields):
                return f"{{{{ {owner.label}.{self._undefined_name} }}}}"
            if owner is jinja2.utils.missing:
                return f"{{{{ {self._undefined_name} }}}}"
            return f"{{{{ ….{self._undefined_name} }}}}"  # an attribute of a value, e.g. a name

    return StrictNamingUndefined


def _environment() -> jinja2.Environment:
    """Return a new environment for one template: sandboxed, strict and autoescaping."""
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed: a template is a file anyone with the folder can edit; it may fill in
    # values, never reach into Python ({{ ''.__class__ }} is refused).
    return SandboxedEnvironment(undefined=_strict_naming_undefined(), autoescape=True)


@dataclass
class Renderer:
    """Render letters from one templates folder, reading and preparing each template once.

    Each template is prepared once (pipeline/letters/prepared.py) and every letter rendered
    from it; a template the prepared path cannot do, or every template with ``prepared``
    False, is rendered by plain docxtpl, reading the template again for every letter.
    """

    folder: Path
    prepared: bool = True
    _templates: dict[str, bytes] = field(default_factory=dict)
    _ready: dict[str, Prepared | str] = field(default_factory=dict)
    _renders: int = 0

    def template(self, name: str) -> bytes:
        """Return the bytes of template ``name``, read once."""
        if name not in self._templates:
            path = self.folder / name
            try:
                self._templates[name] = path.read_bytes()
            except FileNotFoundError:
                raise LettersError(
                    f"{path}: the letter template is missing. Restore it from git "
                    "(git checkout letter_templates) or check paths.templates in letters.toml."
                ) from None
        return self._templates[name]

    def plain(self) -> dict[str, str]:
        """Return the templates rendered by plain docxtpl so far, each with the reason."""
        return {name: ready for name, ready in self._ready.items() if isinstance(ready, str)}

    def render(self, template_name: str, values: dict[str, Any]) -> bytes:
        """Render one template with ``values`` and return the .docx bytes."""
        # docxtpl and jinja2 take 0.08 s to import: a run with no letter to write needs neither.
        import jinja2
        from docx.opc.exceptions import PackageNotFoundError
        from jinja2.exceptions import SecurityError

        path = self.folder / template_name
        try:
            ready = self.ready(template_name)
            if isinstance(ready, Prepared):
                return ready.render(values)
            return self._render_plain(template_name, values)
        except SecurityError as error:
            raise LettersError(
                f"{path}: a placeholder tries to reach beyond the letter's fields ({error}). "
                "Use only the placeholders listed in letter_templates/README.md."
            ) from None
        except jinja2.UndefinedError as error:
            raise LettersError(
                f"{path}: the placeholder {error.message} is not a field the pipeline "
                "provides. Correct it in Word; the placeholders are listed in "
                "letter_templates/README.md."
            ) from None
        except jinja2.TemplateSyntaxError as error:
            raise LettersError(
                f"{path}: a placeholder is broken ({error.message}, near line {error.lineno} "
                "of the document's XML). In Word, retype the {{ … }} or {% … %} in one go."
            ) from None
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as error:
            raise LettersError(
                f"{path}: this is not a Word .docx file ({error}). Restore it from git."
            ) from None

    def ready(self, template_name: str) -> Prepared | str:
        """Return the template prepared (once), or why it is rendered by plain docxtpl."""
        if template_name not in self._ready:
            data = self.template(template_name)
            self._ready[template_name] = (
                prepare(data, _environment()) if self.prepared else "prepared is off"
            )
        return self._ready[template_name]

    def _render_plain(self, template_name: str, values: dict[str, Any]) -> bytes:
        """Render with plain docxtpl, reading the template afresh, as docxtpl is meant to."""
        from docxtpl import DocxTemplate

        document = DocxTemplate(io.BytesIO(self.template(template_name)))
        environment = _environment()
        document.render(values, jinja_env=environment, autoescape=True)
        out = io.BytesIO()
        document.save(out)
        del document, environment
        self._collect_garbage()
        return out.getvalue()

    def _collect_garbage(self) -> None:
        # A rendered document's python-docx and lxml objects refer to each other, so only
        # Python's full collector frees them, and left to itself it runs too seldom: without
        # this, a first run on 1,000 requests peaked at 721 MB in one process instead of
        # 238 MB (291 MB instead of 186 MB in each of two). A full collection costs about
        # 25 ms: once every 100 letters keeps memory flat for about 1% of the time.
        self._renders += 1
        if self._renders % 100 == 0:
            gc.collect()

    def write_file(self, template_name: str, values: dict[str, Any], target: Path) -> Path:
        """Render ``template_name`` into the file ``target``, all or nothing."""
        data = self.render(template_name, values)
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_whole(target, data)


def check_templates(renderer: Renderer, samples: dict[str, dict[str, Any]]) -> list[str]:
    """Render each template with its sample values; return what is wrong with each."""
    problems = []
    for template_name, sample in samples.items():
        try:
            renderer.render(template_name, sample)
        except LettersError as error:
            problems.append(error.message)
    return problems
