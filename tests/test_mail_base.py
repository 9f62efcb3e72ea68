"""The mail loader: each back-end found by its name, opened, and its own keys checked by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.config import Config, MailSettings
from pipeline.errors import LettersError
from pipeline.mail import m365
from pipeline.mail.base import backend, backend_names, connect, every_backend_key, reply_sources
from pipeline.mail.folder import FolderMail
from pipeline.mail.m365_settings import M365Settings

from support.config import write_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_module.load(write_config(tmp_path))


def test_every_module_of_the_mail_package_but_the_interface_and_helpers_is_a_back_end() -> None:
    names = backend_names()
    assert {"folder", "m365"} <= set(names)
    assert "base" not in names and not any("_" in name for name in names)
    assert names == tuple(sorted(names))


def test_an_unknown_back_end_says_which_to_set(tmp_path: Path) -> None:
    with pytest.raises(LettersError) as error:
        backend("pigeon", tmp_path / "letters.toml")
    assert str(error.value) == (
        f"{tmp_path / 'letters.toml'}: this version has no 'pigeon' mail back-end; "
        'set mail.backend = "folder".'
    )


def test_connect_opens_the_configured_back_end_on_the_configured_folders(config: Config) -> None:
    mail = connect(config)
    assert isinstance(mail, FolderMail)
    assert (mail.inbox, mail.outbox) == (config.paths.inbox, config.paths.outbox)


def test_replies_are_read_from_the_mailbox_first_then_from_the_inbox_folder(
    config: Config,
) -> None:
    mailbox = FolderMail(config.paths.inbox.parent / "elsewhere", config.paths.outbox)
    mailbox.name = "mailbox"  # any back-end that is not the folder
    first, then = reply_sources(config, mailbox)
    assert first is mailbox
    assert isinstance(then, FolderMail) and then.inbox == config.paths.inbox


def test_the_folder_back_end_is_read_once_and_the_inbox_folder_even_without_one(
    config: Config,
) -> None:
    folder = connect(config)
    assert reply_sources(config, folder) == [folder]
    [alone] = reply_sources(config, None)
    assert isinstance(alone, FolderMail) and alone.inbox == config.paths.inbox


def test_each_back_end_declares_its_own_keys_and_only_one_signs_in() -> None:
    assert list(every_backend_key()) == list(m365.BACKEND.keys)
    assert backend("folder", Path("letters.toml")).sign_in is None
    assert backend("m365", Path("letters.toml")).sign_in is not None


def test_a_back_end_checks_its_own_keys(tmp_path: Path) -> None:
    where = tmp_path / "letters.toml"
    common = MailSettings(backend="m365", max_attachment_mb=10)
    table = {
        "backend": "m365",
        "mailbox": "m",
        "tenant_id": "t",
        "client_id": "c",
        "ca_file": "ca.pem",
    }
    settings = m365.BACKEND.settings(common, table, where)
    assert settings == M365Settings(
        backend="m365",
        max_attachment_mb=10,
        mailbox="m",
        tenant_id="t",
        client_id="c",
        token_file=Path("~/.config/sar-letters/token.json").expanduser(),
        ca_file=tmp_path / "ca.pem",
    )
    with pytest.raises(LettersError) as error:
        m365.BACKEND.settings(common, {**table, "sends_per_minute": 0}, where)
    assert str(error.value) == f"{where}: mail.sends_per_minute must be 1 or more."
    folder = backend("folder", where)
    assert folder.settings(common, table, where) == common
