"""A letters.toml written into a folder, its paths pointing into that folder."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import config as config_module

from support.files import TEMPLATES


def write_config(folder: Path, mail: dict[str, str] | None = None, **paths: str) -> Path:
    """Write a letters.toml in ``folder`` whose paths point into it (templates: the repo's).

    ``mail`` replaces the [mail] section's keys, e.g. for the Microsoft 365 back-end.
    """
    text = config_module.example_text().replace(
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
