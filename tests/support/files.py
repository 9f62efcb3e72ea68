"""Where the repository, its letter templates and the tests' kept files are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
TEMPLATES = REPO / "letter_templates"
DATA = REPO / "tests" / "data"
