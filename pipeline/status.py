"""Work out where every request in the register stands, changing nothing."""

from __future__ import annotations

from datetime import date

from pipeline.clean.stage import look_clean_copies
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.folders import Folders
from pipeline.journal import Journal, journal_path
from pipeline.model import Request
from pipeline.progress import Progress, by_ref, progress_all, with_clean_step
from pipeline.register.read import open_register
from pipeline.run_context import RunContext


def open_progress(config: Config, today: date) -> list[tuple[Request, Progress]]:
    """Return each request of the register with its deadlines and status.

    A request ready for its clean copy names the copy's next step, as the weekly run's to-do
    list does, found the way a dry run finds it: the journal read only, nothing written.
    """
    register = open_register(config.paths.register, today)
    progress = progress_all(
        register.requests,
        register.parties,
        today,
        Calendar(config.deadlines.bank_holidays),
        config.deadlines,
        register.refs_with_party_problems,
    )
    folders = Folders(config.paths.working_folder)
    # Read only, a journal not there yet is an empty one, and is not created.
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        run = RunContext(config, today, dry_run=True, journal=journal, folders=folders)
        clean = look_clean_copies(run, progress, by_ref(register.parties))
    return [
        (request, with_clean_step(where, clean.step(request.ref))) for request, where in progress
    ]
