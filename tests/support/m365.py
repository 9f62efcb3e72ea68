"""The m365 back-end on the Graph stand-in: its configuration (the ``m365`` fixture, registered
in tests/conftest.py) and the setting's addresses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graph_standin import GraphStandin

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.mail.m365_settings import M365Settings

from support.config import write_config

OFFICE = "office@nursery.example"
PARENT = "parent@family.example"
SECRET_ENV = "LETTERS_TEST_CLIENT_SECRET"


@pytest.fixture
def m365(graph: GraphStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """Return a configuration for the m365 back-end on the stand-in, app-only, secret set."""
    monkeypatch.setenv(SECRET_ENV, graph.client_secret)
    config = config_module.load(write_config(tmp_path))
    settings = M365Settings(
        backend="m365",
        graph_url=graph.url,
        authority_url=graph.url,
        mailbox=OFFICE,
        tenant_id=graph.tenant_id,
        client_id=graph.client_id,
        auth="app",
        secret_env=SECRET_ENV,
        token_file=tmp_path / "secrets" / "token.json",
        ca_file=graph.ca_file,
        timeout_seconds=10,
        max_tries=3,
        sends_per_minute=600,
    )
    return replace(config, backend="m365", mail=settings)


def with_mail(config: Config, **changes: Any) -> Config:
    """Return ``config`` with these [mail] keys changed."""
    return replace(config, mail=replace(config.mail, **changes))
