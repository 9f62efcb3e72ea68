"""Emails left ready to send: which still wait in the outbox, which have left it, and when.

A back-end that leaves an email ready to send (the folder: a draft in the outbox) cannot see it
sent; it sees it leave. The register counts it as sent from then, on the latest day it can
have left: the back-end's own clue (a folder's time), never after the run that finds it gone
and never before the day it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from pipeline.journal import READY, Entry, Send
from pipeline.mail.base import MailBackend, Waiting
from pipeline.run_context import RunContext


@dataclass(frozen=True)
class Outbox:
    """What a look at the outbox found: emails that left it (recorded as sent), and the rest."""

    left: tuple[tuple[Entry, str], ...] = ()  # letter, how and by when it left
    waiting: tuple[tuple[Entry, str], ...] = ()  # letter, the file waiting to be sent
    notes: tuple[str, ...] = field(default=())  # for the manager: what could not be proved


def left_on(latest: date | None, handed: date | None, today: date) -> date:
    """Return the day an email that has left the outbox is recorded as sent.

    The back-end's latest day when it can be right: not after today, and not before the day
    the email was written (a folder whose time was not kept, as on some USB sticks, says
    nothing); otherwise today, the day the run found it gone.
    """
    if latest is None or latest > today or (handed is not None and latest < handed):
        return today
    return latest


def look(
    run: RunContext,
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    backend: MailBackend,
    unproven: str = "",
) -> Outbox:
    """Look for every email left ready to send; record those that have left as sent.

    ``unproven``, when given, is said of each one found gone: the run asks again after writing
    this run's emails, when only an email a stopped run wrote and never recorded can be gone.
    """
    ready = {
        send.message_id.strip(): send
        for send in sends.values()
        if send.state == READY and send.letter_id in entries
    }
    if not ready or backend.delivers:
        return Outbox()
    left, waiting, notes = [], [], []
    departures = backend.departures(ready)
    # In the order the manager reads them, by file name (a Message-ID's order is chance).
    for message_id in sorted(
        departures, key=lambda found: entries[ready[found].letter_id].file_name
    ):
        place, send = departures[message_id], ready[message_id]
        entry = entries[send.letter_id]
        if isinstance(place, Waiting):
            waiting.append((entry, place.where))
            continue
        day = left_on(place.latest, send.handed, run.today)
        if not run.dry_run:
            run.journal.record_sent(entry.letter_id, day, send.file_name, run.today, place.how)
        said = f"left the outbox by {day.day:02d}/{day.month:02d}/{day.year} ({place.how})"
        left.append((entry, said))
        if unproven:
            notes.append(f"{entry.file_name}: {said}. {unproven}")
    return Outbox(tuple(left), tuple(waiting), tuple(notes))
