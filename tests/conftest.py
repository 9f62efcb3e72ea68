"""The fixtures the tests share, and the needs_office hook; the builders are in tests/support/."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest_graph import graph  # noqa: F401  (the Microsoft Graph stand-in fixture)

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.run import weekly_run

from support.config import write_config
from support.m365 import m365  # noqa: F401  (the m365 back-end on the stand-in)
from support.mail import MONDAY, TUESDAY, send_drafts
from support.office import MARKER, require_office
from support.register import REF, Row, party_row, request_row, write_register


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before its fixtures, skip a test that needs LibreOffice when it is missing (CI: fail)."""
    if item.get_closest_marker(MARKER) is not None:
        require_office()


@pytest.fixture
def uk_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in the setting's time zone: a reply's received day is the day in the UK."""
    if not hasattr(time, "tzset"):  # Windows: the machine's own zone applies
        yield
        return
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def setting(tmp_path: Path) -> Callable[..., Config]:
    """Return a function that writes a register and config into tmp_path and loads it."""

    def make(requests: list[Row], parties: list[Row] | None = None) -> Config:
        write_register(tmp_path / "registers" / "register.xlsx", requests, parties)
        return config_module.load(write_config(tmp_path))

    return make


@pytest.fixture(scope="session")
def letters_sent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A request whose acknowledgement and two consent letters went by email on Tuesday.

    Their emails were written into the outbox by Tuesday's run, sent by the manager that
    afternoon and moved into outbox/sent/; Tuesday's second run recorded them as sent.

    Built once for the whole run: tests change only the copy ``sent`` makes of it.
    """
    base = tmp_path_factory.mktemp("sent")
    write_register(
        base / "registers" / "register.xlsx",
        [request_row(Ref=REF)],
        [
            party_row(Ref=REF, Address=None, Email="joan@example.org"),
            party_row(
                Ref=REF,
                Name="Kiran Shah",
                Organisation=None,
                Kind="Family member",
                Role="Uncle",
                Address=None,
                Email="kiran@example.org",
            ),
        ],
    )
    config = config_module.load(write_config(base))
    weekly_run(config, MONDAY, office=None)
    folder = config.paths.working_folder / REF
    for letter in (folder / "to-sign").iterdir():
        shutil.copyfile(letter, folder / "signed" / letter.name)
    weekly_run(config, TUESDAY, office=None)
    send_drafts(config.paths.outbox, TUESDAY)
    weekly_run(config, TUESDAY, office=None)
    return base


@pytest.fixture
def sent(letters_sent: Path, tmp_path: Path) -> Config:
    """A copy of Tuesday's state for one test to change."""
    shutil.copytree(letters_sent, tmp_path, dirs_exist_ok=True)
    config = config_module.load(tmp_path / "letters.toml")
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    return config
