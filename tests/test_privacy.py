"""Personal data stays out of git: every configured path that holds it is ignored."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from pipeline import config as config_module

from support.files import REPO

paths = tomllib.loads(config_module.example_text())["paths"]


@pytest.mark.parametrize(
    "path",
    [
        "letters.toml",
        paths["register"],
        "registers/register.journal.sqlite",
        "registers/backups/register 2026-11-25.xlsx",
        "registers/.register.xlsx.run-lock",
        f"{paths['working_folder']}/SAR-2026-001/to-sign/x.docx",
        f"{paths['inbox']}/reply.eml",
        f"{paths['outbox']}/letter.eml",
        "demo/register.xlsx",
        "registers/~$register.xlsx",
    ],
)
def test_a_path_that_holds_personal_data_is_ignored_by_git(path: str) -> None:
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False)
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"


def test_the_example_register_and_templates_are_not_ignored() -> None:
    for path in ("registers/example-register.xlsx", "letter_templates/reminder.docx"):
        done = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False
        )
        assert done.returncode == 1, path


def test_the_journal_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    import stat

    from pipeline.journal import Journal

    path = tmp_path / "register.journal.sqlite"
    with Journal(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
