"""Start a real register (``letters init``) or the demo on the example register."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.folders import FILE
from pipeline.mail.base import backend
from pipeline.register.new import create

DEMO_FOLDER = Path("demo")
EXAMPLE_REGISTER = Path("registers/example-register.xlsx")
# A fictional child's file for the demo's request whose replies are all in, so the demo shows
# a redaction review (tools/make_example_file.py builds it).
EXAMPLE_FILE = Path("registers/example-file")
EXAMPLE_FILE_REF = "SAR-2026-002"


def init(config_path: Path) -> list[str]:
    """Create the configuration and a blank register where missing; never overwrite."""
    said = []
    if config_path.exists():
        said.append(f"{config_path} is already there; it was left as it is.")
    else:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(config_module.example_text(), encoding="utf-8")
        said.append(
            f"Wrote {config_path}: open it in a text editor and put in the setting's name, "
            "address, phone and email, and the owner's and manager's names. Until they are "
            "your setting's own, no letter is generated or sent."
        )
    config = config_module.load(config_path)
    register = config.paths.register
    if register.exists():
        said.append(f"{register} is already there; it was left as it is.")
    else:
        create(register)
        said.append(
            f"Created a blank register at {register}: one row per request on the Requests "
            "sheet, one row per person or agency named in the child's file on the Third "
            "parties sheet."
        )
    said.append("Then run `make letters` each week.")
    return said


def example_register(root: Path) -> Path:
    """Return the example register in ``root``: its fictional people are the demo's."""
    return root / EXAMPLE_REGISTER


def demo_config(root: Path) -> Path:
    """Prepare the demo working folder from the example register; return its config."""
    example = example_register(root)
    if not example.exists():
        raise LettersError(
            f"There is no letters.toml in {root} and no example register to demonstrate "
            "with. Run `letters init` to start a register."
        )
    folder = root / DEMO_FOLDER
    folder.mkdir(exist_ok=True)
    register = folder / "register.xlsx"
    if not register.exists():
        shutil.copyfile(example, register)
    config_path = folder / "letters.toml"
    if not config_path.exists():
        text = config_module.example_text()
        templates = Path("..") / "letter_templates"
        text = text.replace('"registers/register.xlsx"', '"register.xlsx"')
        text = text.replace('"letter_templates"', f'"{templates.as_posix()}"')
        config_path.write_text(text, encoding="utf-8")
    child_file = folder / "letters" / EXAMPLE_FILE_REF / FILE
    if (root / EXAMPLE_FILE).is_dir() and not child_file.exists():
        shutil.copytree(root / EXAMPLE_FILE, child_file)
    return config_path


def login(
    config: Config,
    *,
    check_only: bool,
    send_test: bool = False,
    prompt: Callable[[str], str] = input,
    show: Callable[[str], None] = print,
) -> list[str]:
    """Sign the mail back-end in (once, for delegated access), then check it can read and send
    (with ``send_test``, by sending a test message to the mailbox itself)."""
    sign_in = backend(config.backend, config.source).sign_in
    if sign_in is None:
        raise LettersError(
            f"{config.source}: the {config.backend} mail back-end needs no sign-in; "
            '`letters login` is for backend = "m365".'
        )
    if not check_only:
        sign_in.login(config, prompt, show)
    return sign_in.check(config, send_test)
