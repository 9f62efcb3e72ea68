"""The response goes with the clean copy: by email, protected by a password given apart from it;
by post, with the copy printed and enclosed. It never goes by email without the copy."""

from __future__ import annotations

import os
import shutil
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pymupdf
from graph_standin import GraphStandin

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.mail.folder import FolderMail
from pipeline.mail.m365 import connect
from pipeline.run import weekly_run

from support.config import write_config
from support.m365 import PARENT
from support.mail import outbox_messages, send_drafts
from support.register import REF, party_row, request_row, write_register

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
RESPONSE = f"{REF} response - Aoife O'Brien.docx"
CLEAN = f"{REF} clean copy.pdf"
PROTECTED = f"{REF} clean copy (password protected).pdf"


def _register(path: Path, **request: object) -> None:
    write_register(
        path,
        [request_row(**{"Clean copy ready": MONDAY, **request})],
        [party_row(Decision="Consents")],
    )


def _config(base: Path, **request: object) -> Config:
    _register(base / "registers" / "register.xlsx", **request)
    return config_module.load(write_config(base))


def _clean_copy(folder: Path, pages: int = 2, noise: int = 0) -> bytes:
    """Write a clean copy made by hand (a PDF with properties of its own); return its bytes."""
    document = pymupdf.open()
    for number in range(pages):
        document.new_page().insert_text((72, 72), f"Key person's notes, page {number + 1}.")
    if noise:  # a scan's worth of bytes that do not compress
        document[0].insert_image(pymupdf.Rect(72, 100, 300, 300), stream=_png(noise))
    document.set_metadata({"author": "Office scanner 3", "title": "Ciarán's file"})
    folder.mkdir(parents=True, exist_ok=True)
    document.save(folder / CLEAN)
    return (folder / CLEAN).read_bytes()


def _png(size: int) -> bytes:
    """Return a PNG of about ``size`` bytes of noise."""
    side = int((size / 3) ** 0.5) + 1
    return pymupdf.Pixmap(pymupdf.csRGB, side, side, os.urandom(side * side * 3), False).tobytes()


def _sign(folder: Path) -> None:
    shutil.copyfile(folder / "to-sign" / RESPONSE, folder / "signed" / RESPONSE)


def _files(message: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = payload
    return found


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def _response_email(config: Config) -> EmailMessage:
    [message] = [m for m in outbox_messages(config) if "our response" in str(m["Subject"])]
    return message


def test_a_signed_response_waits_for_its_clean_copy_and_is_never_emailed_without_it(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    folder = config.paths.working_folder / REF
    weekly_run(config, MONDAY, office=None)
    _sign(folder)
    outcome = weekly_run(config, TUESDAY, office=None)
    assert not any("our response" in str(m["Subject"]) for m in outbox_messages(config))
    assert (folder / "signed" / RESPONSE).is_file()
    assert "Responses waiting for their clean copy" in outcome.text
    assert f"{REF}/signed/{RESPONSE}: not emailed, as {REF}/{PROTECTED} is not there" in (
        outcome.text
    )
    # The manager saves the copy they made by hand; the next run protects it and sends both.
    _clean_copy(folder)
    outcome = weekly_run(config, TUESDAY, office=None)
    assert "Responses waiting for their clean copy" not in outcome.text
    message = _response_email(config)
    files = _files(message)
    assert sorted(files) == sorted([RESPONSE, PROTECTED])
    ((ref, path, password),) = outcome.clean.passwords
    assert (ref, path) == (REF, folder / PROTECTED)
    assert f"password {password}" in outcome.text
    assert password not in message.as_string()
    assert "password" in _text(message) and "separately" in _text(message)
    with pymupdf.open(stream=files[PROTECTED], filetype="pdf") as protected:
        assert protected.needs_pass and not protected.authenticate("wrong")
        assert protected.authenticate(password)
        assert "page 2" in protected[1].get_text()
        assert not protected.metadata["author"] and not protected.metadata["title"]


def test_the_protected_copy_is_made_again_with_a_new_password_when_the_clean_copy_changes(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    folder = config.paths.working_folder / REF
    _clean_copy(folder)
    first = weekly_run(config, MONDAY, office=None)
    again = weekly_run(config, MONDAY, office=None)
    assert first.clean.passwords == again.clean.passwords  # the same copy: the same password
    _clean_copy(folder, pages=3)
    changed = weekly_run(config, MONDAY, office=None)
    ((_, path, password),) = changed.clean.passwords
    assert password != first.clean.passwords[0][2]
    with pymupdf.open(path) as protected:
        assert protected.authenticate(password) and protected.page_count == 3


def test_a_clean_copy_that_cannot_be_read_is_named_and_nothing_is_protected(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    folder = config.paths.working_folder / REF
    folder.mkdir(parents=True)
    (folder / CLEAN).write_bytes(b"%PDF-1.7\nhalf a scan")
    outcome = weekly_run(config, MONDAY, office=None)
    assert f"{REF}: {folder / CLEAN}: cannot be read as a PDF" in outcome.text
    assert not (folder / PROTECTED).exists() and outcome.clean.passwords == ()


def test_a_response_by_post_says_to_print_and_enclose_the_clean_copy(tmp_path: Path) -> None:
    config = _config(
        tmp_path, **{"Requester email": None, "Requester address": "4 Mill Lane\nEX2 4BB"}
    )
    folder = config.paths.working_folder / REF
    _clean_copy(folder)
    weekly_run(config, MONDAY, office=None)
    _sign(folder)
    outcome = weekly_run(config, TUESDAY, office=None)
    assert (
        f"{REF}/signed/{RESPONSE}  (the response: print {REF}/{CLEAN} and enclose it)"
        in outcome.text
    )


def test_microsoft_365_sends_a_large_protected_copy_through_an_upload_session(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    _register(m365.paths.register, **{"Requester email": PARENT})
    folder = m365.paths.working_folder / REF
    _clean_copy(folder, noise=4 * 1024 * 1024)
    outbox = FolderMail(tmp_path / "in", tmp_path / "out")
    first = weekly_run(m365, MONDAY, office=None, backend=outbox)
    ((_, _, password),) = first.clean.passwords
    _sign(folder)
    sent = weekly_run(m365, TUESDAY, office=None, backend=connect(m365))
    assert [entry.kind for entry, _ in sent.sending.sent] == ["response"]
    assert graph.count("POST", r"/attachments/createUploadSession$", 201) == 1
    [item] = graph.folder_messages(PARENT, "inbox")
    mime = graph.message_mime(PARENT, item["id"])
    message = BytesParser(policy=policy.default).parsebytes(mime)
    assert isinstance(message, EmailMessage)
    files = _files(message)
    assert sorted(files) == sorted([RESPONSE, PROTECTED])
    assert files[PROTECTED] == (folder / PROTECTED).read_bytes()
    assert len(files[PROTECTED]) > 3 * 1024 * 1024
    assert password.encode() not in mime


def test_a_delay_letter_not_yet_gone_is_withdrawn_once_the_response_has_gone(
    tmp_path: Path,
) -> None:
    # Received 2 Nov: the month ended Wed 2 Dec; a week later the copy is ready at last.
    config = _config(tmp_path, **{"Clean copy ready": date(2026, 12, 9)})
    folder = config.paths.working_folder / REF
    _clean_copy(folder)
    weekly_run(config, date(2026, 12, 9), office=None)
    delay = f"{REF} delay letter - Aoife O'Brien.docx"
    assert (folder / "to-sign" / delay).is_file()
    _sign(folder)
    weekly_run(config, date(2026, 12, 10), office=None)
    send_drafts(config.paths.outbox, date(2026, 12, 10))
    weekly_run(config, date(2026, 12, 11), office=None)  # finds it gone from the outbox
    outcome = weekly_run(config, date(2026, 12, 14), office=None)
    assert not (folder / "to-sign" / delay).exists()
    assert (folder / "withdrawn" / delay).is_file()
    assert "the response has gone with the copy" in outcome.text
