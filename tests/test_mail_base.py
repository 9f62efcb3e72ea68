"""The mail loader: each back-end found by its name and opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.base import backend, backend_names, connect, reply_sources
from pipeline.mail.folder import FolderMail

from conftest import write_config


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


def test_only_the_microsoft_365_back_end_signs_in() -> None:
    assert backend("folder", Path("letters.toml")).sign_in is None
    assert backend("m365", Path("letters.toml")).sign_in is not None
