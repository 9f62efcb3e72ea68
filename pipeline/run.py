"""The weekly run: read the register, generate the letters due, write back, report."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import register_layout as layout
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.due import due_letters
from pipeline.errors import LettersError
from pipeline.journal import Entry, Journal, journal_path
from pipeline.lock import RunLock
from pipeline.model import LETTER_KINDS, Letter, Request, ThirdParty
from pipeline.outcome import Outcome
from pipeline.progress import Progress, by_ref, progress_all
from pipeline.register import Register, ensure_closed, open_register
from pipeline.register_write import apply_letters, apply_parties, apply_requests, save
from pipeline.render import Renderer, context
from pipeline.report import save_to_do, to_do

# The folders of each request's file (DESIGN section 4).
REQUEST_FOLDERS = ("request", "to-sign", "signed", "sent", "replies")
# Where a letter may be once generated: waiting, signed (as .docx or a scanned .pdf), or sent.
_LETTER_PLACES = ("to-sign", "signed", "sent")


def sheet_kind(letter_kind: str, letter_id: str) -> str:
    """Name a letter's kind as the Letters sheet shows it."""
    if letter_kind == "reminder":
        return "Reminder " + letter_id.rsplit("-", 1)[1]
    return {
        "acknowledgement": "Acknowledgement",
        "consent-family": "Consent request (family member)",
        "consent-agency": "Consent request (agency)",
        "extension": "Extension notice",
        "invitation": "Invitation",
    }[letter_kind]


def weekly_run(config: Config, today: date, *, dry_run: bool = False) -> Outcome:
    """Do the weekly job for ``config`` as of ``today``; with ``dry_run`` change nothing."""
    path = config.paths.register
    ensure_closed(path)
    lock = contextlib.nullcontext() if dry_run else RunLock(path)
    with lock, Journal(journal_path(path), read_only=dry_run) as journal:
        outcome = Outcome(today, dry_run, path, config.paths.working_folder)
        register = open_register(path, today, journal.assigned_refs())
        outcome.problems = list(register.problems)
        maker = _LetterMaker(config, today, journal, outcome)
        parties = by_ref(register.parties)
        outcome.progress = progress_all(
            register.requests,
            register.parties,
            today,
            maker.calendar,
            config.deadlines,
            register.refs_with_party_problems,
        )
        request_values: dict[int, dict[str, object]] = {}
        for request, where in outcome.progress:
            request_values[request.row] = _request_columns(request, where)
            maker.make(request, parties[request.ref], where)
            if request.closed is None:
                outcome.undecided += [
                    party
                    for party in parties[request.ref]
                    if party.reply_received and not party.decision
                ]
        for problem in register.problems:
            if problem.sheet == layout.REQUESTS and problem.row not in request_values:
                request_values[problem.row] = {"Status": f"Check this row: {problem.column}"}
        party_values: dict[int, dict[str, object]] = {
            party.row: {"Party": party.party} for party in register.parties if party.party_assigned
        }
        entries = journal.letters().values()
        letter_values = [_letter_columns(entry) for entry in entries]
        planned = [letter for letter, _ in [*outcome.generated, *outcome.regenerated]]
        outcome.by_post = {entry.file_name for entry in entries if entry.by == "Post"} | {
            letter.file_name for letter in planned if letter.by == "Post"
        }
        outcome.to_sign = _waiting(config.paths.working_folder, outcome, dry_run)
        if not dry_run:
            _write_back(register, request_values, party_values, letter_values, outcome)
        outcome.text = to_do(outcome)
        if not dry_run:
            outcome.report_file = save_to_do(outcome, outcome.text)
        return outcome


class _LetterMaker:
    """Generate each request's due letters, and any that vanished, exactly once each."""

    def __init__(self, config: Config, today: date, journal: Journal, outcome: Outcome) -> None:
        self.config, self.today, self.journal, self.outcome = config, today, journal, outcome
        self.calendar = Calendar(config.deadlines.bank_holidays)
        self.renderer = Renderer(config.paths.templates)
        self.recorded = journal.letters()

    def make(self, request: Request, parties: list[ThirdParty], where: Progress) -> None:
        """Write the letters ``request`` needs now into its to-sign folder."""
        folder = self.config.paths.working_folder / request.ref
        new = due_letters(request, parties, self.recorded, self.today, self.config.deadlines)
        rebuilt = []
        for entry in [] if request.closed else _vanished(request.ref, self.recorded, folder):
            letter = _rebuild(entry, parties)
            if letter is None:
                self.outcome.cannot_regenerate.append(
                    f"{entry.file_name}: it has gone from {folder} and its third party "
                    f"{entry.party} is no longer on the Third parties sheet"
                )
            else:
                rebuilt.append(letter)
        by_party = {party.party: party for party in parties}
        for letter in [*new, *rebuilt]:
            party = by_party.get(letter.party) if letter.party else None
            values = context(
                letter, request, party, where.deadlines, self.config, self.today, self.calendar
            )
            if values["letter"]["late"]:
                self.outcome.late_extensions.append(request.ref)
            if not self.outcome.dry_run:
                self._write(request, letter, values, folder)
            done = self.outcome.regenerated if letter in rebuilt else self.outcome.generated
            done.append((letter, folder / "to-sign" / letter.file_name))

    def _write(
        self, request: Request, letter: Letter, values: dict[str, Any], folder: Path
    ) -> None:
        if request.ref_assigned:
            # Before the letter carries the Ref, so a lost write-back cannot re-number it.
            self.journal.record_ref(request.ref, request.received, request.requester, request.child)
        for name in REQUEST_FOLDERS:
            (folder / name).mkdir(parents=True, exist_ok=True)
        # Written first, journaled second: a run killed between the two rewrites the same file.
        self.renderer.write(letter, values, folder / "to-sign")
        self.journal.record_generated(letter, self.today)


def _write_back(
    register: Register,
    request_values: dict[int, dict[str, object]],
    party_values: dict[int, dict[str, object]],
    letter_values: list[dict[str, object]],
    outcome: Outcome,
) -> None:
    changes = [
        *apply_requests(register, request_values),
        *apply_parties(register, party_values),
        *apply_letters(register, letter_values),
    ]
    if changes:
        try:
            outcome.backup = save(register, changes, outcome.today)
            outcome.register_written = True
        except LettersError as error:
            outcome.register_error = error.message


def _request_columns(request: Request, where: Progress) -> dict[str, object]:
    values: dict[str, object] = {
        "Promised by": where.deadlines.promised_by,
        "Legal deadline": where.deadlines.legal_deadline,
        "Days left": where.days_left,
        "Status": where.status,
    }
    if request.ref_assigned:
        values["Ref"] = request.ref
    return values


def _letter_columns(entry: Entry) -> dict[str, object]:
    return {
        "Letter": entry.letter_id,
        "Ref": entry.ref,
        "Party": entry.party,
        "Kind": sheet_kind(entry.kind, entry.letter_id),
        "Recipient": entry.recipient,
        "Generated": entry.generated,
        "By": entry.by,
        "To": entry.destination,
        "File": entry.file_name,
    }


def _vanished(ref: str, recorded: dict[str, Entry], folder: Path) -> list[Entry]:
    return [
        entry
        for entry in recorded.values()
        if entry.ref == ref and not _present(folder, entry.file_name)
    ]


def _present(folder: Path, file_name: str) -> bool:
    stem = Path(file_name).stem
    return any(
        (folder / place / f"{stem}{suffix}").exists()
        for place in _LETTER_PLACES
        for suffix in (".docx", ".pdf", ".PDF")
    )


def _rebuild(entry: Entry, parties: list[ThirdParty]) -> Letter | None:
    if entry.party and entry.party not in {party.party for party in parties}:
        return None
    return Letter(
        letter_id=entry.letter_id,
        ref=entry.ref,
        party=entry.party,
        kind=entry.kind,
        recipient=entry.recipient,
        by=entry.by,
        to=entry.destination,
        file_name=entry.file_name,
        template=LETTER_KINDS[entry.kind][0],
    )


def _waiting(working_folder: Path, outcome: Outcome, dry_run: bool) -> list[Path]:
    found = set(_letters_in(working_folder, "to-sign"))
    if dry_run:
        found.update(target for _letter, target in [*outcome.generated, *outcome.regenerated])
    return sorted(found)


def _letters_in(working_folder: Path, place: str) -> Iterator[Path]:
    if working_folder.is_dir():
        for path in working_folder.glob(f"*/{place}/*.docx"):
            if not path.name.startswith((".", "~$")):
                yield path
