"""The weekly run: file replies, send signed letters, generate what is due, write back, report."""

from __future__ import annotations

import contextlib
import functools
import gc
import tempfile
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from pipeline import faults
from pipeline.clean.stage import (
    CleanCopies,
    TakenAway,
    keep_clean_copies,
    look_clean_copies,
    protect_clean_copies,
    take_away,
)
from pipeline.complaints import ComplaintProgress, complaint_progress
from pipeline.config import Config
from pipeline.deadlines import Calendar
from pipeline.errors import LettersError, file_error
from pipeline.example import ExampleSetting, example_setting
from pipeline.folders import Folders, sweep_partials
from pipeline.generate import documents, generation
from pipeline.history import complaints_with_history, with_history
from pipeline.journal import READY, SIGNED, Entry, Filing, Journal, Send, journal_path
from pipeline.letters.withdraw import Rows, Withdrawing, withdraw_letters
from pipeline.lock import RunLock
from pipeline.mail.base import MailBackend, connect, reply_sources
from pipeline.model import Complaint, Request, ThirdParty
from pipeline.outcome import Generation, Outcome
from pipeline.progress import Progress, by_ref, extension_lapsed, progress_all, with_clean_step
from pipeline.records.consents import Bundles
from pipeline.records.convert import NO_OFFICE_NOTE, Converter, find_office
from pipeline.register import layout
from pipeline.register.read import Register, load_register, read_rows
from pipeline.register.write import prepare
from pipeline.register.writeback import WriteBack, write_back
from pipeline.replies.filing import Collecting, collect_replies
from pipeline.replies.matching import Match
from pipeline.replies.undelivered import Undelivered, undelivered
from pipeline.report import save_to_do, to_do
from pipeline.run_context import RunContext
from pipeline.sending.send import Sending, send_signed

# What became of a run whose to-do list could not be saved.
_PRINTED = "The to-do list is printed above, and everything else the run did is kept."


def weekly_run(
    config: Config,
    today: date,
    *,
    dry_run: bool = False,
    backend: MailBackend | None = None,
    office: str | None = "find",
    example_register: Path | None = None,
) -> Outcome:
    """Do the weekly job for ``config`` as of ``today``; with ``dry_run`` change nothing.

    ``backend`` replaces the configured mail back-end, and ``office`` the LibreOffice found on
    this machine (None: convert nothing), for tests and for a setting without either. While
    letters.toml holds the example setting, letters are generated and sent only for the demo:
    a register whose people are all ``example_register``'s.
    """
    faults.reset()
    # The one collector policy of the run. Reading the register makes hundreds of thousands
    # of objects that live as long as the run: the cycle collector is off while they are made
    # (0.12 s on 1,000 requests) and then leaves them out of every full collection (0.10 s).
    gc.disable()
    try:
        # Loaded before the lock and the journal: a file that is refused leaves nothing behind.
        loaded = load_register(config.paths.register)
    finally:
        gc.enable()
    gc.freeze()
    try:
        return _run(config, today, loaded, dry_run, backend, office, example_register)
    except OSError as error:
        # A disk full, a read-only folder, a file another program holds: the run stops there
        # as if killed, which every step survives, and says so. Any other error is a bug.
        problem = file_error(error)
        if problem is None:
            raise
        raise problem from error
    finally:
        gc.unfreeze()


def _run(
    config: Config,
    today: date,
    loaded: Register,
    dry_run: bool,
    backend: MailBackend | None,
    office: str | None,
    example_register: Path | None,
) -> Outcome:
    """Hold the run lock and the journal while the stages run; then report."""
    path = config.paths.register
    lock = RunLock(path)  # a dry run changes nothing, so it takes no lock
    with (
        contextlib.nullcontext() if dry_run else lock,
        Journal(journal_path(path), read_only=dry_run) as journal,
        tempfile.TemporaryDirectory(prefix="letters-") as scratch,
    ):
        run = RunContext(config, today, dry_run, journal, Folders(config.paths.working_folder))
        if not dry_run:  # a run stopped while writing left these; nothing else writes them now
            registers, inbox, outbox = loaded.path.parent, config.paths.inbox, config.paths.outbox
            for folder in (registers, registers / "backups", inbox, inbox / "filed", outbox):
                sweep_partials(folder)
            sweep_partials(outbox / "sent")
            if lock.last_run_stopped:
                run.folders.sweep_partials()  # every request's folders: only when worth it
        given = journal.given_parties()
        register = read_rows(
            loaded, today, journal.assigned_refs(), given, config.deadlines.bank_holidays
        )
        if not dry_run:
            journal.record_parties(register.parties, given)
        example = example_setting(config, register, example_register, today)
        staging = None
        if not dry_run:
            # Copies of documents to convert go in the working folder, never the system's
            # temporary folder; any that a run killed while converting left there go now.
            run.folders.clear_scratch()
            staging = run.folders.scratch
        converter = Converter(find_office() if office == "find" else office, Path(scratch), staging)
        try:
            outcome = _stages(run, register, converter, backend, example)
        finally:
            if not dry_run:
                run.folders.clear_scratch()
        text = to_do(outcome)
        report_file, report_error = None, ""
        try:
            report_file = None if dry_run else save_to_do(outcome.working_folder, today, text)
        except OSError as error:
            problem = file_error(error, then=_PRINTED)
            if problem is None:
                raise
            report_error = problem.message
        return replace(outcome, text=text, report_file=report_file, report_error=report_error)


def _stages(
    run: RunContext,
    register: Register,
    converter: Converter,
    backend: MailBackend | None,
    example: ExampleSetting,
) -> Outcome:
    """Do the run's stages in order (DESIGN section 1) and assemble what they did.

    With the example setting on a register of real people, nothing is sent and no letter,
    consents record or bundle written; replies are filed and the register kept up to date.
    """
    config, journal, today, dry_run = run.config, run.journal, run.today, run.dry_run
    held = example.holds_letters
    entries = journal.letters()
    # One calendar for the run: it learns each year's bank holidays once, and a calendar
    # made per request learnt them a thousand times (0.3 s on 1,000 requests).
    calendar = Calendar(config.deadlines.bank_holidays)
    mail, mail_problems = _open_mail(config, backend)
    replies, collect_problems = _collect(run, mail, register, entries)
    # Before anything is sent: a clean copy made from what has changed since must not go.
    taken = TakenAway() if held else _take_away(run, register, entries)
    withdrawing, sending = (
        (Withdrawing(), Sending())
        if held
        else _send(run, register, entries, mail, converter, calendar)
    )
    sends, filings = journal.sends(), journal.filings()
    progress, parties = _progress(run, register, entries, sends, filings, calendar)
    complaints = _complaints(register, entries, sends, run.today, calendar)
    grouped = by_ref(parties)
    # Letters withdrawn are never made again, unless needed again (a Decision cleared).
    current = {key: entry for key, entry in entries.items() if key not in journal.withdrawals()}
    plans, records, bundles = (
        ([], (), Bundles())
        if held
        else documents(
            run,
            progress,
            grouped,
            current,
            sends,
            filings,
            calendar,
            converter,
            [complaint for complaint, _ in complaints],
            # The write-back's loading, done while the letters are written on other cores.
            meanwhile=functools.partial(prepare, register),
        )
    )
    if any(plan.letters for plan in plans) and not dry_run:
        entries = journal.letters()  # with the letters this run wrote
    clean = (
        CleanCopies()
        if held
        else look_clean_copies(run, progress, grouped)
        if dry_run
        else keep_clean_copies(run, progress, grouped, converter)
    )
    clean = replace(
        clean,
        taken_away=(*taken.said, *clean.taken_away),
        would=(*taken.would, *clean.would),
    )
    progress = [
        (request, with_clean_step(where, clean.step(request.ref))) for request, where in progress
    ]
    return Outcome(
        today=today,
        dry_run=dry_run,
        register=config.paths.register,
        working_folder=config.paths.working_folder,
        problems=tuple(register.problems),
        progress=tuple(progress),
        replies=replies,
        sending=sending,
        withdrawing=withdrawing,
        letters=Generation() if held else generation(run, plans, entries, withdrawing.again),
        records=records,
        bundles=bundles,
        undecided=_undecided(progress, grouped),
        undelivered=_did_not_arrive(
            journal, replies, [request for request, _ in progress], parties, entries, sends
        ),
        write_back=(
            WriteBack()
            if dry_run
            else write_back(
                register,
                progress,
                parties,
                entries,
                sends,
                journal.withdrawals(),
                today,
                complaints,
                clean_copies=dict(clean.ready),
                taken_away=taken.refs,
            )
        ),
        mail_problems=(*mail_problems, *collect_problems, *sending.problems),
        notes=(*([] if converter.available or held else [NO_OFFICE_NOTE]), *bundles.notes),
        example=example,
        complaints=tuple(complaints),
        clean=clean,
    )


def _complaints(
    register: Register,
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    today: date,
    calendar: Calendar,
) -> list[tuple[Complaint, ComplaintProgress]]:
    """Say where every complaint stands, with the days its letters went."""
    ready = {
        entries[letter_id].ref
        for letter_id, send in sends.items()
        if send.state == READY and letter_id in entries
    }
    return [
        (complaint, complaint_progress(complaint, today, calendar, complaint.ref in ready))
        for complaint in complaints_with_history(register.complaints, sends)
    ]


def _progress(
    run: RunContext,
    register: Register,
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    filings: Mapping[str, Filing],
    calendar: Calendar,
) -> tuple[list[tuple[Request, Progress]], list[ThirdParty]]:
    """Say where every request stands, with the journal's history; return its parties too."""
    requests, parties = with_history(register.requests, register.parties, entries, sends, filings)
    ready = Counter(
        entries[letter_id].ref
        for letter_id, send in sends.items()
        if send.state == READY and letter_id in entries
    )
    progress = progress_all(
        requests,
        parties,
        run.today,
        calendar,
        run.config.deadlines,
        register.refs_with_party_problems,
        ready,
    )
    return progress, parties


def _did_not_arrive(
    journal: Journal,
    replies: Collecting,
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
) -> tuple[Undelivered, ...]:
    """List the letters that came back and still need the manager."""
    # The bounces filed this run are journaled already, but not in a dry run.
    bounces = {**journal.set_aside(), **{item.key: item for item in replies.bounces}}
    return undelivered(bounces.values(), requests, parties, entries, sends)


def _open_mail(config: Config, backend: MailBackend | None) -> tuple[MailBackend | None, list[str]]:
    """Connect to the mail back-end; if it fails, say why and carry on without it."""
    if backend is not None:
        return backend, []
    try:
        return connect(config), []
    except LettersError as error:
        return None, [
            f"{error.message} Nothing was sent or collected from the mailbox this time; the "
            "signed letters stay in signed/ and go next run."
        ]


def _collect(
    run: RunContext, mail: MailBackend | None, register: Register, entries: Mapping[str, Entry]
) -> tuple[Collecting, list[str]]:
    """File the replies from the back-end, and always from the inbox folder.

    Scanned postal replies and messages saved from another mail program are dropped into the
    inbox folder whatever the back-end, so a mailbox back-end is read first, then the folder.
    """
    config, journal = run.config, run.journal
    sources = reply_sources(config, mail)
    sent_ids = _sent_ids(entries, journal.sends())
    # A mailbox holds much else: read it from a week before the last run (a reply filed
    # already is never filed twice), or a month back the first time.
    last = journal.replies_collected()
    since = (last - timedelta(days=7)) if last else run.today - timedelta(days=31)
    collected, problems = Collecting(), []
    for source in sources:
        try:
            collected += collect_replies(
                source,
                journal,
                register.requests,
                register.parties,
                sent_ids,
                config.paths.working_folder,
                run.today,
                since=since,
                dry_run=run.dry_run,
                max_attachment_bytes=int(config.mail.max_attachment_mb * 1024 * 1024),
                complaints=register.complaints,
            )
        except LettersError as error:
            problems.append(f"Collecting replies stopped: {error.message}")
    if not problems and mail is not None and not run.dry_run:
        journal.record_replies_collected(run.today)
    return collected, problems


def _sent_ids(entries: Mapping[str, Entry], sends: Mapping[str, Send]) -> dict[str, Match]:
    """Map each sent message's Message-ID to the request and party it was for."""
    return {
        send.message_id: Match(entries[letter_id].ref, entries[letter_id].party, letter_id)
        for letter_id, send in sends.items()
        if send.message_id and letter_id in entries
    }


def _send(
    run: RunContext,
    register: Register,
    entries: Mapping[str, Entry],
    mail: MailBackend | None,
    converter: Converter,
    calendar: Calendar,
) -> tuple[Withdrawing, Sending]:
    """Withdraw the letters that must not go, then send the signed letters that may."""
    withdrawing = _withdraw(run, register, entries, calendar)
    withdrawn = {*run.journal.withdrawals(), *withdrawing.letter_ids, *withdrawing.again}
    if mail is None:
        return withdrawing, Sending()
    held = _held(register, entries, withdrawn)
    if not run.dry_run:
        protect_clean_copies(run, register.requests)
    return withdrawing, send_signed(run, entries, register.posted, mail, converter, held)


def _take_away(run: RunContext, register: Register, entries: Mapping[str, Entry]) -> TakenAway:
    """Take away the clean copies made from what changed since (pipeline/clean/stage.py); the
    requests whose Clean copy ready no longer holds go on as the register will say."""
    responses = {
        letter_id: entry for letter_id, entry in entries.items() if entry.kind == "response"
    }
    going = {letter_id for letter_id, send in run.journal.sends().items() if send.state != SIGNED}
    gone = {
        entry.ref
        for letter_id, entry in responses.items()
        if letter_id in going or letter_id in register.posted
    }
    taken = take_away(run, register.requests, by_ref(register.parties), gone)
    if taken.refs:
        register.requests = [
            replace(request, clean_copy_ready=None) if request.ref in taken.refs else request
            for request in register.requests
        ]
    return taken


def _withdraw(
    run: RunContext, register: Register, entries: Mapping[str, Entry], calendar: Calendar
) -> Withdrawing:
    """Withdraw the letters not yet gone that must not go, from the register as it is now."""
    journal = run.journal
    sends, filings = journal.sends(), journal.filings()
    requests, parties = with_history(register.requests, register.parties, entries, sends, filings)
    rows = Rows.of(
        requests,
        parties,
        register.held_refs,
        register.refs_with_party_problems,
        register.posted,
        request_problem=any(problem.sheet == layout.REQUESTS for problem in register.problems),
        lapsed_extensions={
            request.ref
            for request in requests
            if extension_lapsed(request, run.today, calendar, run.config.deadlines)
        },
        complaints=complaints_with_history(register.complaints, sends),
        complaint_problem=any(problem.sheet == layout.COMPLAINTS for problem in register.problems),
    )
    return withdraw_letters(run, rows, entries, sends, journal.withdrawals())


def _held(
    register: Register, entries: Mapping[str, Entry], withdrawn: Collection[str]
) -> frozenset[str]:
    """Return the letters not to send: withdrawn, or of requests closed or with a problem."""
    held = register.held_refs
    closed = {request.ref for request in register.requests if request.closed is not None}
    closed |= {complaint.ref for complaint in register.complaints if complaint.closed is not None}
    return frozenset(withdrawn) | {
        letter_id
        for letter_id, entry in entries.items()
        if entry.ref.upper() in held or entry.ref in closed
    }


def _undecided(
    progress: Sequence[tuple[Request, Progress]], parties: Mapping[str, list[ThirdParty]]
) -> tuple[ThirdParty, ...]:
    """Return the third parties of open requests who replied and have no Decision yet."""
    return tuple(
        party
        for request, _where in progress
        if request.closed is None
        for party in parties[request.ref]
        if party.reply_received and not party.decision
    )
