"""Work out where every request in the register stands, changing nothing."""

from __future__ import annotations

from datetime import date

from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.model import Request
from pipeline.progress import Progress, progress_all
from pipeline.register.read import open_register


def open_progress(config: Config, today: date) -> list[tuple[Request, Progress]]:
    """Return each request of the register with its deadlines and status."""
    register = open_register(config.paths.register, today)
    return progress_all(
        register.requests,
        register.parties,
        today,
        Calendar(config.deadlines.bank_holidays),
        config.deadlines,
        register.refs_with_party_problems,
    )
