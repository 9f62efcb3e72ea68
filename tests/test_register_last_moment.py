"""The register is not replaced under someone who opened or saved it in the run's last moment.

The run is stopped for real (``LETTERS_CRASH_MODE=stop``, a SIGSTOP) at ``register:saving``,
when the new register is written beside the old and about to replace it. Meanwhile the manager
opens the register in Excel or LibreOffice, or saves it; then the run is continued (SIGCONT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.register import layout
from pipeline.run import weekly_run

from support.config import write_config
from support.files import REPO
from support.register import cells, party_row, request_row, write_register

TODAY = date(2026, 11, 4)
KEPT = "The letters of this run are kept; their register columns are filled next time."


def make_setting(folder: Path) -> Config:
    write_register(folder / "registers" / "register.xlsx", [request_row()], [party_row()])
    return config_module.load(write_config(folder))


def stopped_just_before_replacing(
    config: Config, meanwhile: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    """Run `letters run`, do ``meanwhile`` while it waits to replace the register, finish it."""
    command = [sys.executable, "-m", "pipeline", "run", "--config", str(config.source),
               "--today", TODAY.isoformat()]  # fmt: skip
    env = {**os.environ, "LETTERS_CRASH_AT": "register:saving", "LETTERS_CRASH_MODE": "stop"}
    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        _, status = os.waitpid(run.pid, os.WUNTRACED)  # returns once it has stopped itself
        assert os.WIFSTOPPED(status), status
        saving = config.paths.register.with_name(".register.xlsx.saving")
        assert saving.is_file()  # the new register waits beside the old
        meanwhile()
        os.kill(run.pid, signal.SIGCONT)
        out, err = run.communicate()
    return subprocess.CompletedProcess(command, run.returncode, out, err)


@pytest.mark.kill_point
@pytest.mark.parametrize(
    ("lock_file", "program"),
    [("~$register.xlsx", "Excel"), (".~lock.register.xlsx#", "LibreOffice")],
)
def test_a_register_opened_just_before_it_is_replaced_is_left_as_it_was(
    lock_file: str, program: str, tmp_path: Path
) -> None:
    config = make_setting(tmp_path / "setting")
    before = config.paths.register.read_bytes()
    lock = config.paths.register.with_name(lock_file)

    done = stopped_just_before_replacing(config, lambda: lock.write_bytes(b"manager"))

    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (
        f"Register NOT written: {config.paths.register}: the register is open in {program} "
        f"(found {lock_file} beside it). Save and close it, then run again. {KEPT}"
    ) in done.stdout
    assert config.paths.register.read_bytes() == before
    assert not config.paths.register.with_name(".register.xlsx.saving").exists()
    # Closed again, the next run writes it, as one clean run does.
    lock.unlink()
    outcome = weekly_run(config, TODAY, office=None)
    assert outcome.write_back.written
    clean = make_setting(tmp_path / "clean")
    weekly_run(clean, TODAY, office=None)
    for sheet in (layout.REQUESTS, layout.THIRD_PARTIES):
        assert cells(config.paths.register, sheet) == cells(clean.paths.register, sheet)


@pytest.mark.kill_point
def test_a_register_saved_just_before_it_is_replaced_keeps_the_managers_save(
    tmp_path: Path,
) -> None:
    config = make_setting(tmp_path / "setting")
    saved_by_manager = tmp_path / "saved.xlsx"
    write_register(saved_by_manager, [request_row(Notes="typed while the run worked")])

    done = stopped_just_before_replacing(
        config, lambda: config.paths.register.write_bytes(saved_by_manager.read_bytes())
    )

    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the register changed on disk while the run was working" in done.stdout
    assert config.paths.register.read_bytes() == saved_by_manager.read_bytes()
    assert not config.paths.register.with_name(".register.xlsx.saving").exists()
