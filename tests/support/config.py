"""A letters.toml written into a folder, its paths pointing into that folder."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import config as config_module

from support.files import TEMPLATES

# A fictional setting of the tests' own, as a manager fills in letters.toml after `letters
# init`: none of the example's values is left, so letters are written for any register.
SETTING = {
    '"Little Acorns Nursery"': '"Bramble Hill Pre-School"',
    '["1 Example Lane", "Exampletown", "EX1 2MP"]': '["4 Orchard Row", "Northbridge", "NB1 4QX"]',
    '"01234 567890"': '"01632 960123"',
    'email = "office@example.org"': 'email = "office@bramblehill.example.org"',
    '"Alex Example"': '"Morgan Ellis"',
    '"Sam Example"': '"Jo Pritchard"',
}
SETTING_NAME = "Bramble Hill Pre-School"
OWNER_NAME = "Morgan Ellis"
SETTING_EMAIL = "office@bramblehill.example.org"


def filled_in(text: str) -> str:
    """Return the example letters.toml ``text`` with the tests' own setting put in."""
    for example, ours in SETTING.items():
        assert example in text, example
        text = text.replace(example, ours)
    return text


def write_config(
    folder: Path,
    mail: dict[str, str] | None = None,
    *,
    example_setting: bool = False,
    **paths: str,
) -> Path:
    """Write a letters.toml in ``folder`` whose paths point into it (templates: the repo's).

    The setting is the tests' own (SETTING), or with ``example_setting`` the example's, as
    `letters init` writes it; ``mail`` replaces the [mail] section's keys, e.g. for the
    Microsoft 365 back-end.
    """
    text = config_module.example_text()
    text = (text if example_setting else filled_in(text)).replace(
        '"letter_templates"', f'"{paths.get("templates", TEMPLATES.as_posix())}"'
    )
    if mail:
        text = (
            text[: text.index("[mail]")]
            + "[mail]\n"
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in mail.items())
        )
    path = folder / "letters.toml"
    path.write_text(text, encoding="utf-8")
    return path
