"""A large batch of letters is written on several processes, exactly as one process writes it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import zipfile
from concurrent.futures.process import _RemoteTraceback
from datetime import date
from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.errors import LettersError
from pipeline.generate import JOURNAL_BATCH
from pipeline.journal import Journal, journal_path
from pipeline.letters.context import sample_context
from pipeline.letters.pool import SMALL_BATCH, Job, cores, processes_for, write_all
from pipeline.letters.render import Renderer
from pipeline.run import weekly_run

from support.config import write_config
from support.files import REPO, TEMPLATES
from support.register import party_row, request_row, write_register

TODAY = date(2026, 11, 25)


def many_requests(folder: Path, processes: int) -> Config:
    """A register of 12 requests with five third parties each: 84 letters and records."""
    requests, parties = [], []
    for number in range(1, 13):
        ref = f"SAR-2026-{number:03d}"
        requests.append(request_row(Ref=ref, Requester=f"Parent {number} O'Example"))
        for index in range(5):
            party = {"Ref": ref, "Name": f"Person {number}-{index}"}
            if index % 2:
                party |= {"Kind": "Family member", "Organisation": None, "Address": None}
                party["Email"] = f"person{number}-{index}@example.org"
            parties.append(party_row(**party))
    write_register(folder / "registers" / "register.xlsx", requests, parties)
    path = write_config(folder)
    path.write_text(
        path.read_text("utf-8").replace("processes = 0", f"processes = {processes}"), "utf-8"
    )
    return config_module.load(path)


def documents(folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    """Every .docx under ``folder``: its parts, in order, with their contents."""
    found = {}
    for path in sorted(folder.rglob("*.docx")):
        with zipfile.ZipFile(path) as package:
            found[path.relative_to(folder).as_posix()] = [
                (item.filename, package.read(item)) for item in package.infolist()
            ]
    return found


def journaled(config: Config) -> list[tuple[str, str, str]]:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return sorted(
            (entry.letter_id, entry.file_name, entry.generated.isoformat())
            for entry in journal.letters().values()
        )


def test_a_large_batch_on_two_processes_is_what_one_process_writes(tmp_path: Path) -> None:
    one = many_requests(tmp_path / "one", processes=1)
    two = many_requests(tmp_path / "two", processes=2)
    first = weekly_run(one, TODAY, office=None)
    second = weekly_run(two, TODAY, office=None)
    assert len(first.letters.generated) == len(second.letters.generated) == 12 + 60
    assert len(first.letters.generated) + len(first.records) >= SMALL_BATCH
    assert documents(one.paths.working_folder) == documents(two.paths.working_folder)
    assert journaled(one) == journaled(two)
    assert first.write_back.written and second.write_back.written


def test_each_letter_is_yielded_in_order_once_written(tmp_path: Path) -> None:
    config = config_module.parse({}, Path("letters.toml"))
    values = sample_context(config, TODAY, Calendar())
    jobs = [
        Job(name, values, tmp_path / f"{number:02d} {name}")
        for number, name in enumerate(["acknowledgement.docx", "reminder.docx"] * 5)
    ]
    written = []
    for path in write_all(Renderer(TEMPLATES), jobs, 2):
        assert path.exists()
        written.append(path)
    assert written == [job.target for job in jobs]


def test_a_broken_template_in_a_large_batch_stops_it_as_one_process_would(
    tmp_path: Path,
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    for template in TEMPLATES.glob("*.docx"):
        (templates / template.name).write_bytes(template.read_bytes())
    (templates / "reminder.docx").write_bytes(b"not a Word file")
    config = config_module.parse({}, Path("letters.toml"))
    values = sample_context(config, TODAY, Calendar())
    jobs = [Job("acknowledgement.docx", values, tmp_path / f"{n}.docx") for n in range(20)]
    jobs.insert(10, Job("reminder.docx", values, tmp_path / "broken.docx"))
    written = []
    with pytest.raises(LettersError, match=r"reminder\.docx: this is not a Word \.docx") as error:
        written.extend(write_all(Renderer(templates), jobs, 2))
    assert isinstance(error.value.__cause__, _RemoteTraceback)  # it failed in another process
    assert written == [job.target for job in jobs[:10]]
    assert not (tmp_path / "broken.docx").exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_a_rendering_process_killed_mid_batch_stops_it_with_a_clear_error(
    tmp_path: Path,
) -> None:
    config = config_module.parse({}, Path("letters.toml"))
    values = sample_context(config, TODAY, Calendar())
    jobs = [Job("acknowledgement.docx", values, tmp_path / f"{n:03d}.docx") for n in range(200)]
    batch = write_all(Renderer(TEMPLATES), jobs, 2)
    written = [next(batch)]
    for process in multiprocessing.active_children():
        os.kill(process.pid, signal.SIGKILL)  # as the out-of-memory killer would
    with pytest.raises(LettersError, match="a process writing letters stopped"):
        written.extend(batch)
    assert written == [job.target for job in jobs[: len(written)]]
    assert len(written) < len(jobs)


@pytest.mark.parametrize(
    ("setting", "jobs", "processes"),
    [(0, SMALL_BATCH - 1, 1), (0, SMALL_BATCH, cores()), (1, 5000, 1), (3, 5000, 3)],
)
def test_a_small_batch_stays_in_one_process(setting: int, jobs: int, processes: int) -> None:
    assert processes_for(setting, jobs) == processes


@pytest.mark.kill_point
def test_a_run_killed_in_the_middle_of_its_journal_batches_and_run_again_journals_each_once(
    tmp_path: Path,
) -> None:
    clean = many_requests(tmp_path / "clean", processes=2)
    killed = many_requests(tmp_path / "killed", processes=2)
    weekly_run(clean, TODAY, office=None)
    # Killed at the 70th letter: the first batch of letters and records is journaled, the
    # second is written but not journaled.
    command = [sys.executable, "-m", "pipeline", "run", "--config", str(killed.source),
               "--today", TODAY.isoformat()]  # fmt: skip
    crash = {
        "LETTERS_CRASH_AT": f"generate:written#{JOURNAL_BATCH + 6}",
        "LETTERS_CRASH_MODE": "kill",
    }
    # Its output read to the end: so the processes it started must have ended with it.
    stopped = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                             env={**os.environ, **crash}, check=False, timeout=120)  # fmt: skip
    assert stopped.returncode == -9, stopped.stderr
    assert 0 < len(journaled(killed)) < len(journaled(clean))
    again = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert again.returncode == 0, again.stderr
    assert journaled(killed) == journaled(clean)
    assert documents(killed.paths.working_folder) == documents(clean.paths.working_folder)
    with Journal(journal_path(killed.paths.register), read_only=True) as journal:
        assert {entry.regenerated for entry in journal.letters().values()} == {0}
