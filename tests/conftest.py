"""The fixtures the tests share; the builders they use are in tests/support/."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest_graph import graph  # noqa: F401  (the Microsoft Graph stand-in fixture)

from pipeline import config as config_module
from pipeline.config import Config

from support.config import write_config
from support.register import Row, write_register


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
