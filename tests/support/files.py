"""Where the repository, its templates and the tests' kept files are; what a folder holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
TEMPLATES = REPO / "letter_templates"
DATA = REPO / "tests" / "data"


def snapshot(folder: Path) -> dict[Path, str]:
    """Return the sha256 of every file under ``folder``, by its path relative to ``folder``."""
    return {
        path.relative_to(folder): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
