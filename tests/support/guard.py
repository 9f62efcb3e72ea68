"""The guard around a run fed hostile replies: nothing escapes replies/ or the inbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pipeline.config import Config
from pipeline.outcome import Outcome
from pipeline.run import weekly_run

from support.files import snapshot
from support.mail import FILING_DAY


def own_files(config: Config, root: Path) -> Callable[[Path], bool]:
    """Return a test of whether a path is one the run itself keeps, whatever the replies."""
    register = config.paths.register.relative_to(root)
    work = config.paths.working_folder.relative_to(root)

    def is_own(path: Path) -> bool:
        run_lock = f".{register.name}.run-lock"  # holds the process id while a run works
        if (
            path == register
            or path.name.startswith(f"{register.stem}.journal")
            or (path.name == run_lock)
        ):
            return path.parent == register.parent
        if path.parent == register.parent / "backups":
            return True
        if path.parent == work:
            return re.fullmatch(r"To-do \d{4}-\d\d-\d\d\.txt", path.name) is not None
        if path.parent.parent == work:
            ref = path.parent.name
            return path.name in (f"{ref} consents record.docx", f"{ref} request bundle.pdf")
        # A letter a filed reply made unnecessary is withdrawn, with its note.
        return path.parent.name == "withdrawn" and path.parent.parent.parent == work

    return is_own


def checked_run(config: Config, today: date = FILING_DAY) -> Outcome:
    """Run the week as the manager does, and prove nothing escaped or was overwritten."""
    root = config.source.parent
    before = snapshot(root)
    outcome = weekly_run(config, today, office=None)
    after = snapshot(root)
    is_own = own_files(config, root)
    inbox_folder = config.paths.inbox.relative_to(root)
    work = config.paths.working_folder.relative_to(root)
    for path in after.keys() - before.keys():
        in_replies = path.parent.name == "replies" and path.parent.parent.parent == work
        assert in_replies or inbox_folder in path.parents or is_own(path), path
        assert not path.name.startswith("."), f"{path}: a partial file was left behind"
    for path in before.keys() & after.keys():
        assert before[path] == after[path] or is_own(path), f"{path} was overwritten"
    for path in before.keys() - after.keys():
        withdrawn = path.parent.parent / "withdrawn" / path.name
        assert inbox_folder in path.parents or withdrawn in after, f"{path} was removed"
    return outcome
