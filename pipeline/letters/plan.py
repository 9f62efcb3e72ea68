"""Plan the letters a request needs now: which, with what placeholders, and where they go.

Planning writes nothing: the run writes what is planned, then journals each letter.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.folders import LETTER_PLACES, TO_SIGN, Folders
from pipeline.journal import Entry, Send
from pipeline.letters.context import context, goes_late
from pipeline.letters.due import due_letters, letter_for
from pipeline.letters.kinds import LetterId
from pipeline.letters.pool import Job
from pipeline.model import Letter, Request, ThirdParty
from pipeline.progress import Progress


@dataclass(frozen=True)
class PlannedLetter:
    """One letter to write into its request's to-sign folder."""

    letter: Letter
    job: Job  # its template, placeholder values and file
    rebuilt: bool  # it was generated before and has gone from its folders
    late: bool  # an extension notice that goes after the first month


@dataclass(frozen=True)
class LetterPlan:
    """The letters one request needs now, and the vanished ones that cannot be made again."""

    letters: tuple[PlannedLetter, ...]
    cannot_regenerate: tuple[str, ...]  # said for a person


def plan_letters(
    request: Request,
    parties: Sequence[ThirdParty],
    where: Progress,
    recorded: Mapping[str, Entry],
    sends: Mapping[str, Send],
    folders: Folders,
    config: Config,
    today: date,
    calendar: Calendar,
) -> LetterPlan:
    """Plan the letters ``request`` needs now, and those of its letters that vanished.

    ``recorded`` holds the request's own letters in the journal (but those withdrawn: they
    are never made again); ``folders`` is only read.
    """
    new = due_letters(
        request, parties, recorded, sends, today, config.deadlines, delay=where.delay_letter
    )
    rebuilt: list[Letter] = []
    cannot: list[str] = []
    if not request.closed:
        for entry in vanished(recorded, sends, folders, request.ref):
            letter = _rebuild(entry, request, parties)
            if letter is None:
                cannot.append(
                    f"{entry.file_name}: it has gone from {folders.of(request.ref)} and its "
                    f"third party {entry.party} is no longer on the Third parties sheet"
                )
            else:
                rebuilt.append(letter)
    by_party = {party.party: party for party in parties}
    planned = []
    for letter in [*new, *rebuilt]:
        party = by_party.get(letter.party) if letter.party else None
        values = context(letter, request, party, where.deadlines, config, today, calendar)
        target = folders.place(request.ref, TO_SIGN) / letter.file_name
        planned.append(
            PlannedLetter(
                letter,
                Job(letter.template, values, target),
                rebuilt=letter in rebuilt,
                late=goes_late(letter, where.deadlines, today),
            )
        )
    return LetterPlan(tuple(planned), tuple(cannot))


def vanished(
    recorded: Mapping[str, Entry], sends: Mapping[str, Send], folders: Folders, ref: str
) -> list[Entry]:
    """Return the request's letters, not yet sent, that are in none of its letter folders."""
    unsent = {
        entry.letter_id: os.path.splitext(entry.file_name.casefold())[0]
        for entry in recorded.values()
        if not (entry.letter_id in sends and sends[entry.letter_id].state == "sent")
    }
    wanted, present = set(unsent.values()), set[str]()
    for place in LETTER_PLACES:  # to-sign first: a folder is listed only if a letter is missing
        if wanted <= present:
            break
        present.update(
            os.path.splitext(name)[0]  # a letter counts as its .docx or as a scanned .pdf
            for name in folders.names(ref, place)
            if name.endswith((".docx", ".pdf"))
        )
    return [recorded[letter_id] for letter_id, stem in unsent.items() if stem not in present]


def _rebuild(entry: Entry, request: Request, parties: Sequence[ThirdParty]) -> Letter | None:
    """Make a vanished letter again, to whom and where the register says now.

    None when its third party is no longer on the Third parties sheet.
    """
    party = next((party for party in parties if party.party == entry.party), None)
    if entry.party and party is None:
        return None
    return letter_for(entry.kind, request, party, LetterId.parse(entry.letter_id).number)
