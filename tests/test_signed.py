"""What is in signed/: a letter still open in Word waits, and a file no letter's is listed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.run import weekly_run
from pipeline.sending.signed import owner_files

from support.register import REF, party_row, request_row

MONDAY, TUESDAY = date(2026, 11, 2), date(2026, 11, 3)
ACK = f"{REF} acknowledgement - Aoife O'Brien.docx"
TP1 = f"{REF} consent request TP1 - Smith & Sons Ltd.docx"


@pytest.fixture
def generated(setting: Callable[..., Config]) -> Config:
    """Monday's letters, waiting in to-sign/: the acknowledgement by email, TP1 by post."""
    config = setting([request_row(Ref=REF)], [party_row(Ref=REF)])
    weekly_run(config, MONDAY, office=None)
    return config


def signed(config: Config) -> Path:
    return config.paths.working_folder / REF / "signed"


def sign(config: Config, name: str, as_name: str = "") -> Path:
    """Do what the owner does: save the signed letter into signed/ (under ``as_name``)."""
    source = config.paths.working_folder / REF / "to-sign" / name
    return Path(shutil.copyfile(source, signed(config) / (as_name or name)))


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("SAR-2026-001 acknowledgement - Jo.docx", "~$R-2026-001 acknowledgement - Jo.docx"),
        ("Letters.docx", "~$etters.docx"),  # 7 characters before the extension: one dropped
        ("Letter.docx", "~$Letter.docx"),  # 6 or fewer: none dropped
        ("ab.docx", "~$ab.docx"),
    ],
)
def test_words_owner_file_is_named_by_words_own_rule(name: str, word: str) -> None:
    assert owner_files(name) == (word, f".~lock.{name}#")


@pytest.mark.parametrize("lock", ["~$R-2026-001 acknowledgement - Aoife O'Brien.docx", "libre"])
def test_a_signed_letter_still_open_in_word_is_not_sent_that_run(
    generated: Config, lock: str
) -> None:
    letter = sign(generated, ACK)
    owner = signed(generated) / (lock if lock != "libre" else f".~lock.{ACK}#")
    owner.write_bytes(b"\x0bAlex Example")

    held = weekly_run(generated, TUESDAY, office=None)

    assert list(held.sending.still_open) == [letter]
    assert held.sending.ready == () and held.sending.unmatched == ()
    assert "Signed letters still open in Word (1):" in held.text
    assert f"\n  {REF}/signed/{ACK}\n" in held.text
    assert list(generated.paths.outbox.glob("*.eml")) == []

    owner.unlink()  # Word closed
    sent = weekly_run(generated, TUESDAY, office=None)
    assert [entry.file_name for entry, _ in sent.sending.ready] == [ACK]
    assert "still open in Word" not in sent.text


def test_a_file_in_signed_that_matches_no_letter_is_listed_and_never_sent(
    generated: Config,
) -> None:
    renamed = sign(generated, ACK, ACK.replace(".docx", " (signed).docx"))
    stray = signed(generated) / "~$notes.docx"  # Word's, left by a crash
    stray.write_bytes(b"\x0bAlex Example")
    (signed(generated) / "notes.txt").write_text("call Joan", encoding="utf-8")
    (signed(generated) / "Thumbs.db").write_bytes(b"")  # Windows' own: not listed

    outcome = weekly_run(generated, TUESDAY, office=None)

    assert [(path.name, advice[:30]) for path, advice in outcome.sending.unmatched] == [
        (renamed.name, "not sent, because its name is "),
        ("notes.txt", "not sent: it matches no letter"),
        ("~$notes.docx", "a file Word or LibreOffice kee"),
    ]
    [(_, advice)] = [item for item in outcome.sending.unmatched if item[0] == renamed]
    assert f"if it is the signed {ACK}, rename it to exactly that name" in advice
    assert outcome.sending.ready == () and outcome.sending.sent == ()
    assert list(generated.paths.outbox.glob("*.eml")) == []
    assert "Files in signed/ that match no letter (3):" in outcome.text
    assert f"  {REF}/signed/notes.txt: not sent: it matches no letter." in outcome.text


def test_the_signed_folder_sections_appear_only_when_they_have_something(
    generated: Config,
) -> None:
    sign(generated, TP1)  # by post: listed to print, nothing else

    outcome = weekly_run(generated, TUESDAY, office=None)

    assert "still open in Word" not in outcome.text
    assert "match no letter" not in outcome.text
    assert "Emails to send now" not in outcome.text
