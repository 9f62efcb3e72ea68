"""Work out where every request in the register stands, changing nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.model import Request, ThirdParty
from pipeline.progress import Progress, progress_of
from pipeline.register import open_register


def open_progress(config: Config, today: date) -> list[tuple[Request, Progress]]:
    """Return each request of the register with its deadlines and status."""
    register = open_register(config.paths.register, today)
    calendar = Calendar(config.deadlines.bank_holidays)
    parties: dict[str, list[ThirdParty]] = defaultdict(list)
    for party in register.parties:
        parties[party.ref].append(party)
    return [
        (
            request,
            progress_of(
                request,
                parties[request.ref],
                today,
                calendar,
                config.deadlines,
                party_problem=request.ref in register.refs_with_party_problems,
            ),
        )
        for request in register.requests
    ]
