"""What the tests need from the system: the install script, and the tests that need LibreOffice.

tools/install-system-packages.sh is run here with stand-ins for apt-get, dpkg-query, apt-cache,
id and sudo on its PATH, which log what they were asked; the needs_office tests are run by a
second pytest with LibreOffice taken off its PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.records.convert import find_office

from support.files import REPO
from support.office import NOT_INSTALLED

SCRIPT = REPO / "tools" / "install-system-packages.sh"
BASH = shutil.which("bash") or "/bin/bash"
# Installed unless named in $MISSING; known to apt unless named in $UNKNOWN.
STANDINS = {
    "dpkg-query": 'for p in $MISSING; do [ "$p" = "$3" ] && exit 1; done\n'
    'printf "install ok installed"',
    "apt-cache": 'for p in $UNKNOWN; do [ "$p" = "$2" ] && exit 0; done\n'
    'printf "%s:\\n  Installed: (none)\\n  Candidate: 1.0\\n" "$2"',
    "apt-get": 'echo "apt-get $*" >> "$LOG"',
    "id": 'echo "$UID_IS"',
    "sudo": 'echo "sudo $*" >> "$LOG"\n[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\n"$@"',
}


def install(
    tmp_path: Path, *, missing: str = "", unknown: str = "", uid: int = 0, has: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Run the script with the stand-ins in ``has``; return what it printed, and the apt log."""
    bin_folder, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_folder.mkdir()
    for name in has:
        (bin_folder / name).write_text(f"#!/bin/sh\n{STANDINS[name]}\n")
        (bin_folder / name).chmod(0o755)
    for tool in ("env", "mktemp", "rm", "tail"):
        (bin_folder / tool).symlink_to(shutil.which(tool) or tool)
    done = subprocess.run(
        [BASH, str(SCRIPT)],
        capture_output=True, text=True, check=False,
        env={"PATH": str(bin_folder), "LOG": str(log), "MISSING": missing,
             "UNKNOWN": unknown, "UID_IS": str(uid)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    calls = log.read_text().splitlines() if log.exists() else []
    return done.stdout.splitlines(), calls


APT = ("dpkg-query", "apt-cache", "apt-get", "id")


def test_nothing_is_done_or_said_when_every_package_is_installed(tmp_path: Path) -> None:
    assert install(tmp_path, has=APT) == ([], [])


def test_only_the_missing_packages_are_installed_as_root(tmp_path: Path) -> None:
    said, calls = install(tmp_path, missing="libreoffice-writer tesseract-ocr-cym", has=APT)

    assert said == ["System packages: installing libreoffice-writer tesseract-ocr-cym"]
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends libreoffice-writer tesseract-ocr-cym",
    ]


def test_a_user_who_is_not_root_installs_with_sudo(tmp_path: Path) -> None:
    said, calls = install(tmp_path, missing="ghostscript", uid=1001, has=(*APT, "sudo"))

    assert said == ["System packages: installing ghostscript"]
    assert calls == [
        "sudo -n true",
        "sudo -n apt-get update -qq",
        "apt-get update -qq",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
        "--no-install-recommends ghostscript",
        "apt-get install -y -qq --no-install-recommends ghostscript",
    ]


def test_a_user_without_sudo_is_told_in_one_line_and_nothing_is_tried(tmp_path: Path) -> None:
    said, calls = install(tmp_path, missing="libreoffice-writer", uid=1001, has=APT)

    assert said == [
        "System packages: libreoffice-writer missing, and this user cannot install them (not "
        f"root, no sudo without a password): run `sudo {SCRIPT}` once; until then the tests "
        "that need them are skipped."
    ]
    assert calls == []


def test_a_machine_without_apt_is_told_in_one_line(tmp_path: Path) -> None:
    said, calls = install(tmp_path, missing="libreoffice-writer", has=("id",))

    assert said == [
        "System packages: not installed (no apt-get on this machine): install LibreOffice and "
        "Tesseract yourself; until then the tests that need them are skipped."
    ]
    assert calls == []


def test_a_package_apt_does_not_know_is_named_and_the_others_installed(tmp_path: Path) -> None:
    said, calls = install(
        tmp_path, missing="tesseract-ocr tesseract-ocr-cym", unknown="tesseract-ocr-cym", has=APT
    )

    assert said == [
        "System packages: apt on this machine has no tesseract-ocr-cym: install them yourself.",
        "System packages: installing tesseract-ocr",
    ]
    assert calls[-1] == "apt-get install -y -qq --no-install-recommends tesseract-ocr"


def _pytest_without_office(ci: str | None) -> subprocess.CompletedProcess[str]:
    """Run one needs_office test in a second pytest whose PATH has no LibreOffice on it."""
    path = os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if not any((Path(folder) / name).exists() for name in ("soffice", "libreoffice"))
    )
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = path
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_convert.py::test_find_office_finds_libreoffice"],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )  # fmt: skip


@pytest.fixture
def office_off_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure taking LibreOffice off PATH hides it (it may be installed where PATH is not)."""
    monkeypatch.setenv("PATH", "")
    if find_office() is not None:
        pytest.skip("LibreOffice is installed outside PATH here, so it cannot be hidden")
    monkeypatch.undo()


def test_a_test_that_needs_libreoffice_is_skipped_with_the_reason_without_it(
    office_off_path: None,
) -> None:
    done = _pytest_without_office(ci=None)

    assert done.returncode == 0, done.stdout
    [reason] = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reason.endswith(f": {NOT_INSTALLED}")
    assert "1 skipped" in done.stdout


def test_under_ci_a_test_that_needs_libreoffice_fails_without_it(office_off_path: None) -> None:
    done = _pytest_without_office(ci="true")

    assert done.returncode == 1, done.stdout
    assert f"CI=true: this test {NOT_INSTALLED}" in done.stdout
    assert "1 error" in done.stdout
