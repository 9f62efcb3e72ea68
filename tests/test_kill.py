"""A run killed at any step and run again sends nothing twice, files nothing twice, loses nothing.

The run passes named checkpoints (``pipeline.faults.STEPS``); ``LETTERS_CRASH_AT`` makes it die
at one, as an exception or, with ``LETTERS_CRASH_MODE=kill``, as a real SIGKILL of the process.
Each test compares what two runs leave behind (one killed, one normal) with one clean run.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.faults import STEPS, SimulatedCrash
from pipeline.journal import Journal, journal_path
from pipeline.register import layout
from pipeline.run import weekly_run

from support.config import write_config
from support.files import REPO
from support.register import REF, party_row, request_row, write_register

FIRST, SECOND = date(2026, 11, 2), date(2026, 11, 9)


def _starting_state(folder: Path) -> None:
    """Week 1 done; the owner has signed; replies wait in the inbox; a new request is in."""
    write_register(
        folder / "registers" / "register.xlsx",
        [request_row(Ref=REF, Received=FIRST)],
        [
            party_row(Ref=REF, Name="Siobhán O'Brien", Organisation=None, Kind="Family member",
                      Address=None, Email="siobhan@example.org"),
            party_row(Ref=REF),  # by post
            party_row(Ref=REF, Name="Rachel Osei", Address=None, Email="rachel@example.org"),
        ],
    )  # fmt: skip
    config = config_module.load(write_config(folder))
    weekly_run(config, FIRST, office=None)
    for letter in (config.paths.working_folder / REF / "to-sign").glob("*.docx"):
        shutil.copyfile(letter, letter.parent.parent / "signed" / letter.name)
    reply = EmailMessage()
    reply["From"] = "siobhan@example.org"
    reply["Subject"] = f"Re: consent [{REF}/TP1]"
    reply["Message-ID"] = "<tp1-reply@example.org>"
    reply["Date"] = "Wed, 04 Nov 2026 10:00:00 +0000"
    reply.set_content("Yes, I consent.")
    reply.add_attachment(b"slip", maintype="application", subtype="pdf", filename="slip.pdf")
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    (config.paths.inbox / "reply.eml").write_bytes(bytes(reply))
    (config.paths.inbox / f"{REF} TP2.pdf").write_bytes(b"%PDF-1.4 scan")
    workbook = openpyxl.load_workbook(config.paths.register)
    requests = workbook[layout.REQUESTS]
    headers = [cell.value for cell in requests[1]]
    for header, value in request_row(
        Ref="SAR-2026-002", Received=date(2026, 11, 6), Requester="Mark Davies"
    ).items():
        requests.cell(row=3, column=headers.index(header) + 1, value=value)
    workbook.save(config.paths.register)


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("start")
    _starting_state(folder)
    return folder


def _copy(start: Path, to: Path) -> Config:
    shutil.copytree(start, to)
    return config_module.load(to / "letters.toml")


def outcome_of(config: Config) -> dict[str, Any]:
    """Return what a run leaves behind, without what differs by chance (Message-IDs, dates)."""
    work = config.paths.working_folder
    messages = []
    for path in sorted(config.paths.outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        names = sorted(str(part.get_filename()) for part in message.iter_attachments())
        messages.append((str(message["Subject"]), str(message["To"]), tuple(names)))
    with Journal(journal_path(config.paths.register)) as journal:
        sends = {key: (send.state, send.sent) for key, send in journal.sends().items()}
        filings = sorted((f.key, f.ref, f.party, f.files) for f in journal.filings().values())
        letters = sorted(journal.letters())
    workbook = openpyxl.load_workbook(config.paths.register)
    sheets = {}
    for name in layout.SHEETS:
        rows = list(workbook[name].iter_rows(values_only=True))
        headers = rows[0]
        sheets[name] = [
            {h: v for h, v in zip(headers, row, strict=False) if h != "Message id"}
            for row in rows[1:]
            if any(value is not None for value in row)
        ]
    return {
        "outbox": Counter(messages),
        "files": sorted(
            str(path.relative_to(work))
            for path in work.rglob("*")
            if path.is_file() and not path.name.startswith(("To-do", "."))
        ),
        "inbox": sorted(p.name for p in config.paths.inbox.rglob("*") if p.is_file()),
        "sends": sends,
        "filings": filings,
        "letters": letters,
        "register": sheets,
    }


@pytest.fixture(scope="module")
def clean(start: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = _copy(start, tmp_path_factory.mktemp("clean") / "run")
    weekly_run(config, SECOND, office=None)
    return outcome_of(config)


def test_the_scenario_passes_every_step(clean: dict[str, Any]) -> None:
    # Two replies filed, and so two letters withdrawn (they replied before their letters
    # went), two emails, one new letter, a register write.
    assert len(clean["filings"]) == 2
    assert sum(clean["outbox"].values()) == 2
    assert len(clean["letters"]) == 5
    assert sorted(name for name in clean["files"] if "withdrawn" in name) == [
        f"{REF}/withdrawn/{REF} consent request TP1 - Siobhán O'Brien (2).docx",
        f"{REF}/withdrawn/{REF} consent request TP1 - Siobhán O'Brien - withdrawn.txt",
        f"{REF}/withdrawn/{REF} consent request TP1 - Siobhán O'Brien.docx",
        f"{REF}/withdrawn/{REF} consent request TP2 - Smith & Sons Ltd (2).docx",
        f"{REF}/withdrawn/{REF} consent request TP2 - Smith & Sons Ltd - withdrawn.txt",
        f"{REF}/withdrawn/{REF} consent request TP2 - Smith & Sons Ltd.docx",
    ]


# The scenario passes each step twice (two replies, two emails), except the one new letter and
# the one register save: every occurrence is a kill point.
KILL_POINTS = [
    (step, occurrence)
    for step in STEPS
    for occurrence in ((1,) if step in ("generate:written", "register:saving") else (1, 2))
]


@pytest.mark.kill_point
@pytest.mark.parametrize(("step", "occurrence"), KILL_POINTS)
def test_a_run_stopped_at_a_step_and_run_again_does_everything_once(
    step: str,
    occurrence: int,
    start: Path,
    clean: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _copy(start, tmp_path / "run")
    monkeypatch.setenv("LETTERS_CRASH_AT", f"{step}#{occurrence}")
    with pytest.raises(SimulatedCrash):
        weekly_run(config, SECOND, office=None)
    monkeypatch.delenv("LETTERS_CRASH_AT")
    weekly_run(config, SECOND, office=None)
    assert outcome_of(config) == clean


def _cli_run(config: Config, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config.source),
         "--today", SECOND.isoformat()],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def clean_process(start: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = _copy(start, tmp_path_factory.mktemp("clean-process") / "run")
    assert _cli_run(config, {}).returncode == 0
    return outcome_of(config)


@pytest.mark.kill_point
@pytest.mark.parametrize("step", STEPS)
def test_a_process_killed_at_a_step_and_run_again_does_everything_once(
    step: str, start: Path, clean_process: dict[str, Any], tmp_path: Path
) -> None:
    config = _copy(start, tmp_path / "run")
    killed = _cli_run(config, {"LETTERS_CRASH_AT": step, "LETTERS_CRASH_MODE": "kill"})
    assert killed.returncode == -9, killed.stderr
    again = _cli_run(config, {})
    assert again.returncode == 0, again.stderr
    assert outcome_of(config) == clean_process


@pytest.mark.kill_point
def test_a_process_killed_while_converting_leaves_its_copies_only_in_the_working_folder(
    start: Path, clean_process: dict[str, Any], tmp_path: Path
) -> None:
    config = _copy(start, tmp_path / "run")
    # A LibreOffice that kills the run the moment it is started, with the copies it was given.
    programs, system_temp = tmp_path / "bin", tmp_path / "system-temp"
    programs.mkdir()
    system_temp.mkdir()
    (programs / "soffice").write_text("#!/bin/sh\nkill -KILL $PPID\nsleep 5\n")
    (programs / "soffice").chmod(0o755)
    path = f"{programs}{os.pathsep}{os.environ['PATH']}"
    killed = _cli_run(config, {"PATH": path, "TMPDIR": str(system_temp)})
    assert killed.returncode == -9, killed.stderr
    scratch = config.paths.working_folder / ".converting"
    assert {path.suffix for path in scratch.rglob("*") if path.is_file()} == {".docx"}
    assert not [path for path in system_temp.rglob("*") if path.suffix == ".docx"]

    again = _cli_run(config, {})

    assert again.returncode == 0, again.stderr
    assert not scratch.exists()
    assert outcome_of(config) == clean_process


@pytest.mark.kill_point
@pytest.mark.parametrize(("mode", "manager"), [("error", "deletes"), ("kill", "moves")])
def test_a_draft_sent_and_cleared_after_a_run_stopped_is_never_written_again(
    mode: str, manager: str, start: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _copy(start, tmp_path / "run")
    # Stopped just after the first email was put into the outbox, before the journal knew.
    if mode == "kill":
        crash = {"LETTERS_CRASH_AT": "send:done", "LETTERS_CRASH_MODE": "kill"}
        assert _cli_run(config, crash).returncode == -9
    else:
        monkeypatch.setenv("LETTERS_CRASH_AT", "send:done")
        with pytest.raises(SimulatedCrash):
            weekly_run(config, SECOND, office=None)
        monkeypatch.delenv("LETTERS_CRASH_AT")
    outbox = config.paths.outbox
    [draft] = outbox.glob("*.eml")
    first = email.message_from_bytes(draft.read_bytes(), policy=default)
    # The manager sends it from Outlook, then deletes it (or moves it into outbox/sent/).
    if manager == "deletes":
        draft.unlink()
    else:
        (outbox / "sent").mkdir()
        draft.rename(outbox / "sent" / draft.name)

    outcome = weekly_run(config, SECOND, office=None)

    subjects = Counter(
        str(email.message_from_bytes(path.read_bytes(), policy=default)["Subject"])
        for path in outbox.rglob("*.eml")
    )
    assert subjects[str(first["Subject"])] == (0 if manager == "deletes" else 1)
    assert sum(subjects.values()) == (1 if manager == "deletes" else 2)  # the other, once
    with Journal(journal_path(config.paths.register)) as journal:
        sends = journal.sends().values()
    [gone] = [send for send in sends if send.message_id == str(first["Message-ID"])]
    how = "gone from the outbox" if manager == "deletes" else "moved into outbox/sent/"
    assert (gone.state, gone.sent, gone.how) == ("sent", SECOND, how)
    assert sorted(send.state for send in sends if send.message_id) == ["ready", "sent"]
    [note] = [problem for problem in outcome.mail_problems if "stopped before" in problem]
    assert "counted as sent and not written again; check Sent Items in Outlook" in note
