"""A week with nothing to do imports none of the libraries only some weeks need (README, Speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import party_row, request_row, write_config, write_register

# README's Speed section: docxtpl and jinja2 (with python-docx under docxtpl) write letters,
# pypdf and Pillow build a bundle, extract-msg reads an Outlook message. Pillow's image module
# itself comes with openpyxl (for pictures in a workbook), so what stays out is what a bundle
# draws with: our pages module and Pillow's drawing and fonts. O365 and msal belong to the
# Microsoft 365 back-end alone, which a setting on the folder back-end never loads.
NOT_IMPORTED = (
    "docxtpl",
    "docx",
    "jinja2",
    "pypdf",
    "pipeline.records.pages",
    "PIL.ImageDraw",
    "PIL.ImageFont",
    "extract_msg",
    "O365",
    "msal",
    "pymupdf",
    "ocrmypdf",
)

# The command line as `letters run` runs it, then the names of every module it imported.
_RUN_AND_LIST_MODULES = (
    "import json, sys\n"
    "from pipeline.cli import main\n"
    "status = main(sys.argv[2:])\n"
    "with open(sys.argv[1], 'w', encoding='utf-8') as out:\n"
    "    json.dump(sorted(sys.modules), out)\n"
    "sys.exit(status)\n"
)


def modules_of_a_run(folder: Path, config: Path) -> list[str]:
    """Run `letters run` in a process of its own; return the modules it imported."""
    listing = folder / "modules.json"
    command = ["run", "--config", str(config), "--today", "2026-11-25"]
    subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_MODULES, str(listing), *command],
        cwd=folder,
        capture_output=True,
        check=True,
    )
    modules: list[str] = json.loads(listing.read_text(encoding="utf-8"))
    return modules


def among(modules: list[str], names: tuple[str, ...]) -> set[str]:
    """Return which of ``names`` are in ``modules``, as a module or as the package of one."""
    return {
        name
        for name in names
        for module in modules
        if module == name or module.startswith(name + ".")
    }


def test_a_run_with_nothing_to_do_imports_no_library_only_some_weeks_need(tmp_path: Path) -> None:
    register = write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(), request_row(Ref="SAR-2026-002", Requester="Mark Davies")],
        [party_row(), party_row(Ref="SAR-2026-002", Name="Owen Price")],
    )
    config = write_config(tmp_path)
    # The first run writes letters, so it needs docxtpl and jinja2: the listing would show them.
    first = among(modules_of_a_run(tmp_path, config), NOT_IMPORTED)
    assert {"docxtpl", "docx", "jinja2"} <= first
    written, letters = register.read_bytes(), sorted(tmp_path.rglob("*.docx"))
    imported = among(modules_of_a_run(tmp_path, config), NOT_IMPORTED)
    # The second run had nothing to do: no letter to write, nothing to fill in.
    assert (register.read_bytes(), sorted(tmp_path.rglob("*.docx"))) == (written, letters)
    assert imported == set()
