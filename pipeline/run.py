"""The weekly run: file replies, send signed letters, generate what is due, write back, report."""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline import faults
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.errors import LettersError
from pipeline.folders import Listing
from pipeline.history import by_request, with_history
from pipeline.journal import Entry, Filing, Journal, Send, journal_path
from pipeline.letters.due import due_letters
from pipeline.letters.pool import Job, processes_for, write_all
from pipeline.letters.render import Renderer, context
from pipeline.lock import RunLock
from pipeline.mail.base import MailBackend, connect, reply_sources
from pipeline.model import LETTER_KINDS, Letter, Request, ThirdParty
from pipeline.outcome import Outcome
from pipeline.progress import Progress, by_ref, progress_all
from pipeline.records.consents import Records, keep_bundle, record_job
from pipeline.records.convert import NO_OFFICE_NOTE, Converter, find_office
from pipeline.register.read import Register, load_register, read_rows
from pipeline.register.writeback import write_back
from pipeline.replies.filing import Match, collect_replies
from pipeline.report import save_to_do, to_do
from pipeline.sending.send import send_signed

# The folders of each request's file (DESIGN section 4).
REQUEST_FOLDERS = ("request", "to-sign", "signed", "sent", "replies")
# Where a letter may be once generated: waiting, signed (as .docx or a scanned .pdf), or sent.
_LETTER_PLACES = ("to-sign", "signed", "sent")


def weekly_run(
    config: Config,
    today: date,
    *,
    dry_run: bool = False,
    backend: MailBackend | None = None,
    office: str | None = "find",
) -> Outcome:
    """Do the weekly job for ``config`` as of ``today``; with ``dry_run`` change nothing.

    ``backend`` replaces the configured mail back-end, and ``office`` the LibreOffice found on
    this machine (None: convert nothing), for tests and for a setting without either.
    """
    faults.reset()
    path = config.paths.register
    # Loaded before the lock and the journal: a file that is refused leaves nothing behind.
    loaded = load_register(path)
    # The register's values live as long as the run: hundreds of thousands of objects that
    # the cycle collector would scan again at every full collection, for nothing.
    gc.freeze()
    try:
        return _run(config, today, loaded, dry_run, backend, office)
    finally:
        gc.unfreeze()


def _run(
    config: Config,
    today: date,
    loaded: Register,
    dry_run: bool,
    backend: MailBackend | None,
    office: str | None,
) -> Outcome:
    path = config.paths.register
    lock = contextlib.nullcontext() if dry_run else RunLock(path)
    with (
        lock,
        Journal(journal_path(path), read_only=dry_run) as journal,
        tempfile.TemporaryDirectory(prefix="letters-") as scratch,
    ):
        outcome = Outcome(today, dry_run, path, config.paths.working_folder)
        register = read_rows(loaded, today, journal.assigned_refs())
        outcome.problems = list(register.problems)
        converter = Converter(find_office() if office == "find" else office, Path(scratch))
        if not converter.available:
            outcome.notes.append(NO_OFFICE_NOTE)
        entries = journal.letters()
        listing = Listing()  # the request folders, each listed once and again once it changes
        mail = _open_mail(config, backend, outcome)
        _collect(mail, config, journal, register, entries, outcome)
        if mail is not None:
            sending = send_signed(
                _still_wanted(entries, register),
                register.posted,
                config.paths.working_folder,
                config.setting,
                journal,
                mail,
                converter,
                today,
                listing,
                dry_run=dry_run,
            )
            outcome.sent, outcome.to_post = sending.sent, sending.to_post
            outcome.mail_problems += sending.problems

        sends, filings = journal.sends(), journal.filings()
        requests, parties_list = with_history(
            register.requests, register.parties, entries, sends, filings
        )
        maker = _LetterMaker(config, today, journal, outcome, entries, sends, listing)
        outcome.progress = progress_all(
            requests,
            parties_list,
            today,
            maker.calendar,
            config.deadlines,
            register.refs_with_party_problems,
        )
        _letters_and_records(maker, outcome, parties_list, filings, converter)
        planned = [letter for letter, _ in [*outcome.generated, *outcome.regenerated]]
        if planned and not dry_run:
            entries = journal.letters()  # with the letters this run wrote
        outcome.by_post = {entry.file_name for entry in entries.values() if entry.by == "Post"} | {
            letter.file_name for letter in planned if letter.by == "Post"
        }
        outcome.to_sign = _waiting(config.paths.working_folder, listing, outcome)
        if not dry_run:
            write_back(register, outcome, requests, parties_list, entries, sends)
        outcome.text = to_do(outcome)
        if not dry_run:
            outcome.report_file = save_to_do(outcome, outcome.text)
        return outcome


def _open_mail(config: Config, backend: MailBackend | None, outcome: Outcome) -> MailBackend | None:
    """Connect to the mail back-end; if it fails, say why and carry on without it."""
    if backend is not None:
        return backend
    try:
        return connect(config)
    except LettersError as error:
        outcome.mail_problems.append(
            f"{error.message} Nothing was sent or collected from the mailbox this time; the "
            "signed letters stay in signed/ and go next run."
        )
        return None


def _collect(
    mail: MailBackend | None,
    config: Config,
    journal: Journal,
    register: Register,
    entries: Mapping[str, Entry],
    outcome: Outcome,
) -> None:
    """File the replies from the back-end, and always from the inbox folder.

    Scanned postal replies and messages saved from another mail program are dropped into the
    inbox folder whatever the back-end, so a mailbox back-end is read first, then the folder.
    """
    sources = reply_sources(config, mail)
    sent_ids = _sent_ids(entries, journal.sends())
    # A mailbox holds much else: read it from a week before the last run (a reply filed
    # already is never filed twice), or a month back the first time.
    last = journal.replies_collected()
    since = (last - timedelta(days=7)) if last else outcome.today - timedelta(days=31)
    collected = True
    for source in sources:
        try:
            collecting = collect_replies(
                source,
                journal,
                register.requests,
                register.parties,
                sent_ids,
                config.paths.working_folder,
                outcome.today,
                since=since,
                dry_run=outcome.dry_run,
                max_attachment_bytes=int(config.mail.max_attachment_mb * 1024 * 1024),
            )
        except LettersError as error:
            outcome.mail_problems.append(f"Collecting replies stopped: {error.message}")
            collected = False
            continue
        outcome.filed += collecting.filed
        outcome.kept_out += collecting.kept_out
        outcome.unmatched += collecting.unmatched + collecting.problems
    if collected and mail is not None and not outcome.dry_run:
        journal.record_replies_collected(outcome.today)


def _sent_ids(entries: Mapping[str, Entry], sends: Mapping[str, Send]) -> dict[str, Match]:
    """Map each sent message's Message-ID to the request and party it was for."""
    return {
        send.message_id: Match(entries[letter_id].ref, entries[letter_id].party)
        for letter_id, send in sends.items()
        if send.message_id and letter_id in entries
    }


def _still_wanted(entries: Mapping[str, Entry], register: Register) -> dict[str, Entry]:
    """Leave out letters of requests that are closed or whose row has a problem."""
    held = register.held_refs
    closed = {request.ref for request in register.requests if request.closed is not None}
    return {
        letter_id: entry
        for letter_id, entry in entries.items()
        if entry.ref.upper() not in held and entry.ref not in closed
    }


class _LetterMaker:
    """Plan each request's due letters, and any that vanished, then write them all at once.

    Every document is planned first and written afterwards, on every core for a large batch;
    each is journaled once its file is on disk, in the order planned.
    """

    def __init__(
        self,
        config: Config,
        today: date,
        journal: Journal,
        outcome: Outcome,
        entries: Mapping[str, Entry],
        sends: Mapping[str, Send],
        listing: Listing,
    ) -> None:
        self.config, self.today, self.journal, self.outcome = config, today, journal, outcome
        self.sends, self.listing = sends, listing
        self.calendar = Calendar(config.deadlines.bank_holidays)
        self.renderer = Renderer(config.paths.templates)
        self.recorded = by_request(entries)
        self.digests = journal.document_digests()
        self.jobs: list[Job] = []
        self.done: list[Callable[[], None]] = []

    def plan(self, request: Request, parties: list[ThirdParty], where: Progress) -> None:
        """Plan the letters ``request`` needs now, into its to-sign folder."""
        folder = self.config.paths.working_folder / request.ref
        mine = self.recorded.get(request.ref, {})
        new = due_letters(request, parties, mine, self.sends, self.today, self.config.deadlines)
        rebuilt = []
        gone = [] if request.closed else _vanished(mine, self.sends, folder, self.listing)
        for entry in gone:
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
                self._plan_letter(request, letter, values, folder)
            done = self.outcome.regenerated if letter in rebuilt else self.outcome.generated
            done.append((letter, folder / "to-sign" / letter.file_name))

    def _plan_letter(
        self, request: Request, letter: Letter, values: dict[str, Any], folder: Path
    ) -> None:
        if request.ref_assigned:
            # Before the letter carries the Ref, so a lost write-back cannot re-number it.
            self.journal.record_ref(request.ref, request.received, request.requester, request.child)
        for name in REQUEST_FOLDERS:
            (folder / name).mkdir(parents=True, exist_ok=True)

        def written() -> None:
            self.listing.forget(folder)
            # Written first, journaled second: a run killed between the two rewrites the file.
            faults.checkpoint("generate:written")
            self.journal.record_generated(letter, self.today)

        self.jobs.append(Job(letter.template, values, folder / "to-sign" / letter.file_name))
        self.done.append(written)

    def plan_record(
        self, request: Request, parties: list[ThirdParty], where: Progress, records: Records
    ) -> None:
        """Plan the request's consents record, if it changed."""
        mine = self.recorded.get(request.ref, {})
        found = record_job(
            request, parties, where.deadlines, mine, self.sends, self.config, self.digests,
            self.today,
        )  # fmt: skip
        if found is None:
            return

        def written() -> None:
            self.journal.record_document(found.name, found.digest, self.today)
            records.records.append(found.job.target)

        self.jobs.append(found.job)
        self.done.append(written)

    def write(self) -> None:
        """Write every planned document, journaling each once it is on disk."""
        processes = processes_for(self.config.processes, len(self.jobs))
        for index, _path in enumerate(write_all(self.renderer, self.jobs, processes)):
            self.done[index]()


def _letters_and_records(
    maker: _LetterMaker,
    outcome: Outcome,
    parties_list: list[ThirdParty],
    filings: Mapping[str, Filing],
    converter: Converter,
) -> None:
    """Generate each request's due letters and keep its consents record and bundle."""
    parties = by_ref(parties_list)
    records = Records()
    for request, where in outcome.progress:
        maker.plan(request, parties[request.ref], where)
        if request.closed is None:
            outcome.undecided += [
                party
                for party in parties[request.ref]
                if party.reply_received and not party.decision
            ]
        if not outcome.dry_run:
            maker.plan_record(request, parties[request.ref], where, records)
    maker.write()
    if not outcome.dry_run:
        filed: dict[str, list[Filing]] = {}
        for filing in filings.values():
            filed.setdefault(filing.ref, []).append(filing)
        for request, _where in outcome.progress:
            keep_bundle(
                request,
                parties[request.ref],
                filed.get(request.ref, []),
                maker.config,
                maker.journal,
                maker.digests,
                converter,
                outcome.today,
                records,
            )
    outcome.records, outcome.bundles = records.records, records.bundles
    outcome.notes += records.notes


def _vanished(
    recorded: Mapping[str, Entry], sends: Mapping[str, Send], folder: Path, listing: Listing
) -> list[Entry]:
    """Return the request's letters, not yet sent, that are in none of its letter folders."""
    unsent = {
        entry.letter_id: os.path.splitext(entry.file_name.casefold())[0]
        for entry in recorded.values()
        if not (entry.letter_id in sends and sends[entry.letter_id].state == "sent")
    }
    wanted, present = set(unsent.values()), set[str]()
    for place in _LETTER_PLACES:  # to-sign first: a folder is listed only if a letter is missing
        if wanted <= present:
            break
        present.update(
            os.path.splitext(name)[0]  # a letter counts as its .docx or as a scanned .pdf
            for name in listing.names(folder, place)
            if name.endswith((".docx", ".pdf"))
        )
    return [recorded[letter_id] for letter_id, stem in unsent.items() if stem not in present]


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
        salutation=entry.salutation,
    )


def _waiting(working_folder: Path, listing: Listing, outcome: Outcome) -> list[Path]:
    """Return the letters in every request's to-sign folder (in a dry run, as if written)."""
    found: dict[tuple[str, str], Path] = {}  # by request and name: the order of the paths
    for ref, folder in _request_folders(working_folder):
        place = folder / "to-sign"
        for name in listing.spelt(folder, "to-sign"):
            if name.casefold().endswith(".docx") and not name.startswith((".", "~$")):
                found[(ref, name)] = place / name
    if outcome.dry_run:
        for _letter, target in [*outcome.generated, *outcome.regenerated]:
            found[(target.parent.parent.name, target.name)] = target
    return [found[key] for key in sorted(found)]


def _request_folders(working_folder: Path) -> Iterator[tuple[str, Path]]:
    try:
        listed = os.scandir(working_folder)
    except OSError:  # no working folder yet
        return
    with listed:
        for found in listed:
            if not found.name.startswith(".") and found.is_dir():
                yield found.name, working_folder / found.name
