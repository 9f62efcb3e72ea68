"""The tests marked ``needs_office`` run LibreOffice: skipped without it, failed under CI."""

from __future__ import annotations

import os
import shutil

import pytest

from pipeline.records.convert import find_office

MARKER = "needs_office"
NOT_INSTALLED = (
    "needs LibreOffice, which is not installed here: run tools/install-system-packages.sh "
    "(make test does) or install libreoffice-writer"
)


def on_ci() -> bool:
    """Say whether this is a CI run (``CI`` set, as hosted runners set it to ``true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_office() -> None:
    """Skip the test when LibreOffice is not installed; under CI, fail it instead."""
    if find_office() is not None:
        return
    if on_ci():
        pytest.fail(f"CI={os.environ['CI']}: this test {NOT_INSTALLED}", pytrace=False)
    pytest.skip(NOT_INSTALLED)


def require_tesseract() -> None:
    """Skip the test when Tesseract (for OCRmyPDF) is not installed; under CI, fail it instead."""
    if shutil.which("tesseract") is not None:
        return
    why = "needs Tesseract, which is not installed here: run tools/install-system-packages.sh"
    if on_ci():
        pytest.fail(f"CI={os.environ['CI']}: this test {why}", pytrace=False)
    pytest.skip(why)
