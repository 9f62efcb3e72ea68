"""The README's Reliability figures are what the suite really tries: each is a marker's count.

Every test carrying the marker must pass for the suite to pass, so a figure holds only while
the behaviour it counts does; and this test fails as soon as the README and the suite disagree.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from support.files import REPO

FIGURES = {
    "kill_point": "Kill points tried and survived",
    "bad_input": "Bad-input cases tried",
    "hostile_reply": "Hostile replies tried",
}


def collected(marker: str) -> int:
    """Count the test cases carrying ``marker``, as pytest collects them."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", marker, "tests"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    found = re.search(r"^(\d+)/\d+ tests collected", done.stdout, re.MULTILINE)
    assert found, done.stdout[-500:]
    return int(found.group(1))


@pytest.mark.parametrize(("marker", "label"), FIGURES.items())
def test_each_reliability_figure_in_the_readme_is_what_the_suite_tries(
    marker: str, label: str
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(rf"\*\*{re.escape(label)}: (\d+)\*\*", readme)
    assert stated, f"the README's Reliability section has no figure for {label!r}"
    assert int(stated.group(1)) == collected(marker)
