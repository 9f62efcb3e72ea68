"""The run's writing of documents: each request's letters planned, written on every core and
journaled in order, with the consents records; the bundles kept up to date; and what was
written, and what waits to be signed, said for the report."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pipeline import faults
from pipeline.deadlines import Calendar
from pipeline.folders import TO_SIGN
from pipeline.history import by_request
from pipeline.journal import Entry, Filing, Send
from pipeline.letters.complaints import plan_complaint_letters
from pipeline.letters.plan import LetterPlan, PlannedLetter, plan_letters
from pipeline.letters.pool import Job, processes_for, write_all
from pipeline.letters.render import Renderer
from pipeline.model import COMPLAINT_KEY, Complaint, Request, ThirdParty
from pipeline.outcome import Generation
from pipeline.progress import Progress
from pipeline.records.consents import Bundles, RecordJob, keep_bundles, record_job
from pipeline.records.convert import Converter
from pipeline.run_context import RunContext

# Letters journaled in one commit: about 0.1 s of writing them, so a run killed loses, and its
# next run writes again, no more than that; 4,337 letters take 68 commits instead of 4,337.
JOURNAL_BATCH = 64


def documents(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, list[ThirdParty]],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    filings: Mapping[str, Filing],
    calendar: Calendar,
    converter: Converter,
    complaints: Sequence[Complaint] = (),
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[LetterPlan], tuple[Path, ...], Bundles]:
    """Plan and write the letters due and the consents records; keep the bundles up to date.

    The plans returned are the requests' in the register's order, then the complaints'.
    ``meanwhile`` is done while other processes write the letters, if they do.
    """
    digests = run.journal.document_digests()
    plans = _plan(run, progress, parties, entries, sends, calendar)
    recorded = by_request(entries)
    complaint_plans = [
        plan_complaint_letters(
            complaint, recorded.get(complaint.ref, {}), sends, run.folders, run.config, run.today
        )
        for complaint in complaints
    ]
    records = _write_documents(
        run,
        progress,
        parties,
        plans,
        entries,
        sends,
        digests,
        complaint_plans,
        complaints,
        meanwhile,
    )
    bundles = (
        Bundles()
        if run.dry_run
        else keep_bundles(run, progress, parties, filings, digests, converter)
    )
    return [_without_values(plan) for plan in [*plans, *complaint_plans]], records, bundles


def _without_values(plan: LetterPlan) -> LetterPlan:
    """Return ``plan`` keeping each letter and its file, not its placeholder values, which
    are written: 28 MB of the run until it ends, on 1,000 requests, and nothing reads them."""
    letters = [replace(letter, job=replace(letter.job, values={})) for letter in plan.letters]
    return replace(plan, letters=tuple(letters))


def _plan(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, list[ThirdParty]],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    calendar: Calendar,
) -> list[LetterPlan]:
    """Plan every request's letters, in the register's order."""
    recorded = by_request(entries)
    return [
        plan_letters(
            request,
            parties[request.ref],
            where,
            recorded.get(request.ref, {}),
            sends,
            run.folders,
            run.config,
            run.today,
            calendar,
        )
        for request, where in progress
    ]


def _write_documents(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, list[ThirdParty]],
    plans: Sequence[LetterPlan],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    digests: Mapping[str, str],
    complaint_plans: Sequence[LetterPlan] = (),
    complaints: Sequence[Complaint] = (),
    meanwhile: Callable[[], None] | None = None,
) -> tuple[Path, ...]:
    """Write each request's planned letters and changed consents record; return the records.

    Every document is written first, on every core for a large batch, and journaled once its
    file is on disk, in the order planned: a run stopped half-way resumes exactly.
    """
    if run.dry_run:
        return ()
    recorded = by_request(entries)
    documents: list[tuple[Request, PlannedLetter | RecordJob]] = []
    for (request, where), plan in zip(progress, plans, strict=True):
        documents += [(request, letter) for letter in plan.letters]
        found = record_job(
            request, parties[request.ref], where.deadlines, recorded.get(request.ref, {}),
            sends, run.config, digests, run.today,
        )  # fmt: skip
        if found is not None:
            documents.append((request, found))
    # Each request's folders made once, not once a letter (five folders, 0.5 s of 4,504 letters).
    made: set[str] = set()
    with run.journal.batch():
        for request, document in documents:
            if isinstance(document, PlannedLetter) and request.ref not in made:
                made.add(request.ref)
                if request.ref_assigned:
                    # Before the letter carries the Ref, so a lost write-back cannot re-number it.
                    run.journal.record_ref(
                        request.ref, request.received, request.requester, request.child
                    )
                run.folders.make(request.ref)
    # A complaint's letters go in its own folder, made the way a request's is.
    complaint_letters = [letter for plan in complaint_plans for letter in plan.letters]
    chosen = {c.ref: c for c in complaints if c.ref_assigned}
    with run.journal.batch():
        for ref in dict.fromkeys(letter.letter.ref for letter in complaint_letters):
            if ref in chosen:  # before the letter carries the Ref, as a request's
                run.journal.record_ref(
                    ref, chosen[ref].received, chosen[ref].complainant, COMPLAINT_KEY
                )
            run.folders.make(ref)
    renderer = Renderer(run.config.paths.templates)
    every: list[PlannedLetter | RecordJob] = [document for _, document in documents]
    every += complaint_letters
    jobs: list[Job] = [document.job for document in every]
    written = zip(
        every,
        write_all(renderer, jobs, processes_for(run.config.processes, len(jobs)), meanwhile),
        strict=True,
    )
    records: list[Path] = []
    journaled = JOURNAL_BATCH
    while journaled == JOURNAL_BATCH:
        # A batch at a time, each one commit (Journal.batch); an error stopping the run
        # commits what was written before it.
        journaled = 0
        with run.journal.batch():
            for document, target in itertools.islice(written, JOURNAL_BATCH):
                journaled += 1
                run.folders.wrote(target)
                if isinstance(document, PlannedLetter):
                    # Written first, journaled second: a run killed between the two rewrites
                    # the file.
                    faults.checkpoint("generate:written")
                    run.journal.record_generated(document.letter, run.today)
                else:
                    run.journal.record_document(document.name, document.digest, run.today)
                    records.append(target)
    return tuple(records)


def generation(
    run: RunContext,
    plans: Sequence[LetterPlan],
    entries: Mapping[str, Entry],
    readdressed: Collection[str],
) -> Generation:
    """Say which letters were written, and list every letter waiting to be signed.

    A letter withdrawn because its address changed, and made again, is a new letter to sign.
    """
    planned = [letter for plan in plans for letter in plan.letters]
    done = [(letter.letter, letter.job.target) for letter in planned]
    gone = [letter.rebuilt and letter.letter.letter_id not in readdressed for letter in planned]
    return Generation(
        generated=tuple(item for item, lost in zip(done, gone, strict=True) if not lost),
        regenerated=tuple(item for item, lost in zip(done, gone, strict=True) if lost),
        cannot_regenerate=tuple(gone for plan in plans for gone in plan.cannot_regenerate),
        late_extensions=tuple(letter.letter.ref for letter in planned if letter.late),
        to_sign=tuple(_waiting(run, planned)),
        by_post=frozenset(
            {entry.file_name for entry in entries.values() if entry.by == "Post"}
            | {letter.letter.file_name for letter in planned if letter.letter.by == "Post"}
        ),
    )


def _waiting(run: RunContext, planned: Sequence[PlannedLetter]) -> list[Path]:
    """Return the letters in every request's to-sign folder (in a dry run, as if written)."""
    found: dict[tuple[str, str], Path] = {}  # by request and name: the order of the paths
    for ref in run.folders.refs():
        place = run.folders.place(ref, TO_SIGN)
        for name in run.folders.spelt(ref, TO_SIGN):
            if name.casefold().endswith(".docx") and not name.startswith((".", "~$")):
                found[(ref, name)] = place / name
    if run.dry_run:
        for letter in planned:
            target = letter.job.target
            found[(target.parent.parent.name, target.name)] = target
    return [found[key] for key in sorted(found)]
