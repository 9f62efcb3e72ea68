"""Keep each request's redaction review, and its clean copy once the owner has approved it."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.clean.file import file_documents
from pipeline.clean.terms import Marked, redacted, terms_for
from pipeline.errors import LettersError
from pipeline.folders import (
    APPROVED,
    FILE,
    OCR_CACHE,
    PASSWORD,
    REVIEW_RECORD,
    clean_copy_name,
    protected_copy_name,
    redaction_log_name,
    review_name,
    write_whole,
)
from pipeline.model import Request, ThirdParty
from pipeline.progress import Progress
from pipeline.records.convert import Converter
from pipeline.run_context import RunContext


@dataclass(frozen=True)
class CleanCopies:
    """The reviews and clean copies a run made, and what the owner and manager must do."""

    reviews: tuple[Path, ...] = ()  # built (or built again) this run
    to_approve: tuple[str, ...] = ()  # reviews waiting for the owner, as Ref/name
    clean: tuple[Path, ...] = ()  # clean copies written this run
    ready: tuple[tuple[str, date], ...] = ()  # Ref and day: Clean copy ready, where blank
    by_hand: tuple[str, ...] = ()  # pages of a review to check by hand
    unreadable: tuple[str, ...] = ()  # documents of a file/ folder that could not be read
    file_wanted: tuple[str, ...] = ()  # Refs ready for the review, with nothing in file/
    problems: tuple[str, ...] = ()  # an approval refused, a proof failed, OCR missing
    # Clean copies taken away because the file or a decision changed after the approval.
    taken_away: tuple[str, ...] = ()
    # Ref, protected copy and its password: to give the requester apart from the copy.
    passwords: tuple[tuple[str, Path, str], ...] = ()
    would: tuple[str, ...] = ()  # a dry run: what the run would build or apply

    def step(self, ref: str) -> str:
        """Say what the request's clean copy waits for, for its Status: "" if nothing here."""
        if ref in self.file_wanted:
            return "the child's file to put in file/"
        if any(entry.partition("/")[0] == ref for entry in self.to_approve):
            return "redaction review to approve"
        return ""


def marked_parties(request: Request, parties: Sequence[ThirdParty]) -> list[Marked]:
    """Return the parties whose mentions are marked, with each mark's note and the log's why."""
    marked = []
    for party in parties:
        if not redacted(party):
            continue
        decision = "refused" if party.decision == "Refuses" else "no decision yet"
        why = f"{decision} (Sch 2 para 16)"
        who = party.name or party.organisation
        if party.name and party.organisation and party.kind == "Agency":
            who = f"{party.name} ({party.organisation})"
        note = f"{party.party} {who} — {why}"
        if party.decision_notes:
            why += f": {party.decision_notes}"
        marked.append(Marked(party.party, note, why, terms_for(party, request, parties)))
    return marked


def keep_clean_copies(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, Sequence[ThirdParty]],
    converter: Converter,
) -> CleanCopies:
    """Build each ready request's review when its file or parties changed; apply approvals."""
    found = _Found()
    digests = run.journal.document_digests()
    for request, _where in progress:
        own = parties.get(request.ref, [])
        if request.closed is not None:
            continue
        if own and all(p.has_replied for p in own):
            _keep(run, request, own, converter, digests, found)
        if request.clean_copy_ready is not None or request.ref in found.made:
            _protected(run, request.ref, digests, found)
    return found.result()


# What the journal keeps for a clean copy taken away before anything was sent, in place of
# the fingerprint of what it was made from: its Clean copy ready is to be cleared, and then
# has been. A clean copy made again replaces either.
TAKEN_AWAY = "taken away"
TAKEN_AWAY_CLEARED = "taken away; Clean copy ready cleared"


@dataclass(frozen=True)
class TakenAway:
    """The clean copies taken away before the letters went: made from what has changed."""

    refs: frozenset[str] = frozenset()  # Refs whose Clean copy ready no longer holds
    said: tuple[str, ...] = ()  # for a person
    would: tuple[str, ...] = ()  # a dry run: what the run would take away


def take_away(
    run: RunContext,
    requests: Sequence[Request],
    parties: Mapping[str, Sequence[ThirdParty]],
    gone: Collection[str],
) -> TakenAway:
    """Take away each clean copy whose child's file or decisions changed since its review was
    approved, before anything is sent, so that no response brings it; say whose Clean copy
    ready no longer holds, for the write-back to clear.

    ``gone``: Refs whose response has gone, or is going, with the copy: theirs is left to the
    clean stage, as before. A Clean copy ready the write-back could not clear is cleared by
    the next run, which the journal tells.
    """
    digests = run.journal.document_digests()
    found = _Found()
    cleared: set[str] = set()
    for request in requests:
        ref, name = request.ref, clean_copy_name(request.ref)
        made = digests.get(name)
        if made is None or made == TAKEN_AWAY_CLEARED or request.closed or ref in gone:
            continue
        if made == TAKEN_AWAY:
            if request.clean_copy_ready is not None:
                cleared.add(ref)  # the register was not written last time: again
            elif not run.dry_run:
                run.journal.record_document(name, TAKEN_AWAY_CLEARED, run.today)
            continue
        if not _stale(run, request, parties.get(ref, []), digests):
            continue
        if run.dry_run:
            found.would.append(
                f"{ref}: its clean copy would be taken away: the child's file or a third "
                "party's decision changed since the review was approved"
            )
        else:
            _set_aside(run, ref, digests, found)
            run.journal.record_document(name, TAKEN_AWAY, run.today)
        if request.clean_copy_ready is not None:
            cleared.add(ref)
            found.taken_away.append(
                f"{ref}: Clean copy ready ({request.clean_copy_ready:%d/%m/%Y}) is cleared on "
                "the register, as there is no clean copy now; it is filled in again when the "
                "new one is made, and its response made then."
            )
    return TakenAway(frozenset(cleared), tuple(found.taken_away), tuple(found.would))


def _stale(
    run: RunContext, request: Request, parties: Sequence[ThirdParty], digests: Mapping[str, str]
) -> bool:
    """Say whether the request's clean copy, in its folder, was made from a file or marks
    that have changed since."""
    ref, folder = request.ref, run.folders.of(request.ref)
    built = digests.get(review_name(ref))
    if built is None or not (folder / clean_copy_name(ref)).is_file():
        return False  # as the clean stage: a copy removed by hand is made again from its approval
    documents = file_documents(run.folders.place(ref, FILE))
    return _inputs(folder, documents, marked_parties(request, parties)) != built


def look_clean_copies(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, Sequence[ThirdParty]],
) -> CleanCopies:
    """Say what ``keep_clean_copies`` would do, changing nothing (a dry run)."""
    found = _Found()
    digests = run.journal.document_digests()
    for request, _where in progress:
        own, ref = parties.get(request.ref, []), request.ref
        if request.closed is not None or not own or not all(p.has_replied for p in own):
            continue
        folder = run.folders.of(ref)
        documents = file_documents(run.folders.place(ref, FILE))
        if not documents:
            found.file_wanted.append(ref)
            continue
        inputs = _inputs(folder, documents, marked_parties(request, own))
        review = folder / review_name(ref)
        approved = run.folders.find(ref, APPROVED, review_name(ref))
        if inputs != digests.get(review.name) or not review.is_file():
            found.would.append(f"{ref}: the redaction review would be built from {ref}/{FILE}/")
        elif approved is None:
            found.to_approve.append(f"{ref}/{review_name(ref)}")
        elif _digest([inputs, _file_digest(approved)]) != digests.get(clean_copy_name(ref)):
            found.would.append(f"{ref}: the approved review would be applied and checked")
        _password(folder, ref, found)
    return found.result()


def _inputs(folder: Path, documents: Sequence[Path], marked: Sequence[Marked]) -> str:
    """Return the digest of what a review is made from: the file's documents and the marks."""
    return _digest(
        [(path.relative_to(folder).as_posix(), _file_digest(path)) for path in documents]
        + [(party.party, party.note, [term.key for term in party.terms]) for party in marked]
    )


def _password(folder: Path, ref: str, found: _Found) -> None:
    """List the protected copy's password, while the copy is there."""
    protected, kept = folder / protected_copy_name(ref), folder / PASSWORD
    if protected.is_file() and kept.is_file():
        found.passwords.append((ref, protected, kept.read_text(encoding="utf-8").strip()))


@dataclass
class _Found:
    """What one call finds, request by request, for its frozen result."""

    reviews: list[Path] = field(default_factory=list)
    to_approve: list[str] = field(default_factory=list)
    clean: list[Path] = field(default_factory=list)
    ready: list[tuple[str, date]] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    file_wanted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    taken_away: list[str] = field(default_factory=list)
    passwords: list[tuple[str, Path, str]] = field(default_factory=list)
    made: set[str] = field(default_factory=set)  # Refs whose clean copy this run wrote
    would: list[str] = field(default_factory=list)

    def result(self) -> CleanCopies:
        return CleanCopies(
            reviews=tuple(self.reviews), to_approve=tuple(self.to_approve),
            clean=tuple(self.clean), ready=tuple(self.ready), by_hand=tuple(self.by_hand),
            unreadable=tuple(self.unreadable), file_wanted=tuple(self.file_wanted),
            problems=tuple(self.problems), taken_away=tuple(self.taken_away),
            passwords=tuple(self.passwords), would=tuple(self.would),
        )  # fmt: skip


def _keep(
    run: RunContext,
    request: Request,
    parties: Sequence[ThirdParty],
    converter: Converter,
    digests: Mapping[str, str],
    found: _Found,
) -> None:
    """Keep one request's review and clean copy up to date."""
    ref, folders = request.ref, run.folders
    folder = folders.of(ref)
    documents = file_documents(folders.place(ref, FILE))
    if not documents:
        folders.place(ref, FILE).mkdir(parents=True, exist_ok=True)
        found.file_wanted.append(ref)
        return
    # PyMuPDF and OCRmyPDF are imported only for a request with a file: most runs have none.
    from pipeline.clean.file import gather
    from pipeline.clean.ocr import make_searchable
    from pipeline.clean.review import build_review

    marked = marked_parties(request, parties)
    review, record = folder / review_name(ref), folder / REVIEW_RECORD
    inputs = _inputs(folder, documents, marked)
    converter.staging.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="clean-", dir=converter.staging))
    try:
        if inputs != digests.get(review.name) or not review.is_file() or not record.is_file():
            if digests.get(review.name) not in (None, inputs):
                _set_aside(run, ref, digests, found)
            gathered = gather(folders.place(ref, FILE), converter, scratch)
            if gathered.pdf.page_count == 0:
                found.unreadable.extend(
                    f"could not read: {ref}/{FILE}/{item}" for item in gathered.unreadable
                )
                return
            searchable = make_searchable(gathered.pdf, folder / OCR_CACHE, scratch)
            if searchable.problem:
                found.problems.append(
                    f"{ref}: the scanned pages could not be OCR'd ({searchable.problem}), so "
                    "nothing on them is marked: check them by hand. Install Tesseract (make "
                    "system-packages) and run again."
                )
            build_review(
                searchable.pdf, gathered.starts, marked, searchable.by_hand,
                gathered.unreadable, ref, review, record,
            )  # fmt: skip
            folders.wrote(review)
            if not searchable.problem:  # else built again next run, when OCR may work
                run.journal.record_document(review.name, inputs, run.today)
            found.reviews.append(review)
        folders.place(ref, APPROVED).mkdir(parents=True, exist_ok=True)
        _listed(ref, record, found)
        _apply(run, request, marked, inputs, scratch, digests, found)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _set_aside(run: RunContext, ref: str, digests: Mapping[str, str], found: _Found) -> None:
    """Take away what was made from the review before the file or a decision changed.

    The earlier approval is kept in approved/ under another name, for the owner to look at;
    the clean copy made from it, and its protected copy, are removed so that neither can go
    to the requester. A clean copy the manager made by hand is not touched.
    """
    folders, folder = run.folders, run.folders.of(ref)
    said = []
    approved = folders.find(ref, APPROVED, review_name(ref))
    if approved is not None:
        earlier = _free(
            approved.with_name(
                f"{ref} redaction review (approved before {run.today.strftime('%d-%m-%Y')}).pdf"
            )
        )
        folders.move(approved, ref, APPROVED, earlier.name)
        said.append(f"the earlier approval is kept as {ref}/{APPROVED}/{earlier.name}")
    clean = folder / clean_copy_name(ref)
    if clean.name in digests and clean.is_file():
        for name in (clean_copy_name(ref), protected_copy_name(ref), PASSWORD):
            folders.remove(folder / name)
        said.append("the clean copy made from it and its protected copy were removed")
    if said:
        found.taken_away.append(
            f"{ref}: the child's file or a third party's decision changed since the review was "
            f"approved, so nothing made from it can go: {'; '.join(said)}. The review is built "
            "again from the file as it is now, once every third party has answered: mark the "
            f"new {review_name(ref)} and save it into {APPROVED}/."
        )


def _free(path: Path) -> Path:
    """Return ``path``, or the first ``… (2).pdf`` beside it not yet taken."""
    number, free = 1, path
    while free.exists():
        number += 1
        free = path.with_name(f"{path.stem} ({number}){path.suffix}")
    return free


def _listed(ref: str, record: Path, found: _Found) -> None:
    """List a review's pages to check by hand and its unreadable files, from its record."""
    kept = json.loads(record.read_text(encoding="utf-8"))
    pages = kept.get("by_hand", [])
    if pages:
        listed = ", ".join(str(page) for page in pages)
        found.by_hand.append(
            f"{ref}: page{'s' if len(pages) > 1 else ''} {listed} of {review_name(ref)}: "
            "little or no text found (handwriting, a photo): check by hand"
        )
    found.unreadable.extend(
        f"could not read: {ref}/{FILE}/{item}" for item in kept.get("missing", [])
    )


def _apply(
    run: RunContext,
    request: Request,
    marked: Sequence[Marked],
    inputs: str,
    scratch: Path,
    digests: Mapping[str, str],
    found: _Found,
) -> None:
    """Apply the request's approved review when it is new or changed."""
    ref, folder = request.ref, run.folders.of(request.ref)
    approved = run.folders.find(ref, APPROVED, review_name(ref))
    clean = folder / clean_copy_name(ref)
    if approved is None:
        found.to_approve.append(f"{ref}/{review_name(ref)}")
        return
    approval = _digest([inputs, _file_digest(approved)])
    if approval == digests.get(clean.name) and clean.is_file():
        return
    from pipeline.clean.apply import apply_review
    from pipeline.clean.log import write_log

    try:
        applied = apply_review(
            approved, folder / REVIEW_RECORD, marked, clean, folder / OCR_CACHE, scratch
        )
    except LettersError as error:
        found.problems.append(f"{ref}: {error.message}")
        return
    saved = date.fromtimestamp(approved.stat().st_mtime)
    write_log(
        folder / redaction_log_name(ref), ref, applied.removals, applied.kept,
        run.config.setting.owner_name, saved, run.today,
    )  # fmt: skip
    if not applied.proof_ocr:
        found.problems.append(
            f"{ref}: the clean copy was checked by its text only: Tesseract is not installed "
            "for the OCR pass. Install it (make system-packages)."
        )
    run.folders.wrote(clean)
    run.journal.record_document(clean.name, approval, run.today)
    found.clean.append(clean)
    found.made.add(ref)
    if request.clean_copy_ready is None:
        found.ready.append((ref, run.today))


def protect_clean_copies(run: RunContext, requests: Sequence[Request]) -> None:
    """Protect each open request's clean copy before sending, so its response can bring it.

    What goes wrong is said by the clean stage, which looks again after the letters.
    """
    digests = run.journal.document_digests()
    for request in requests:
        if request.closed is None and request.clean_copy_ready is not None:
            _protected(run, request.ref, digests, _Found())


def _protected(run: RunContext, ref: str, digests: Mapping[str, str], found: _Found) -> None:
    """Keep the protected copy of the request's clean copy, ours or one made by hand.

    It is made again, with a new password, whenever the clean copy is not the one it was
    made from; its password is listed while both are there.
    """
    folder = run.folders.of(ref)
    clean, protected, kept = (
        folder / clean_copy_name(ref), folder / protected_copy_name(ref), folder / PASSWORD
    )  # fmt: skip
    if not clean.is_file():
        return
    digest = _file_digest(clean)
    if digests.get(protected.name) != digest or not protected.is_file() or not kept.is_file():
        from pipeline.clean.protect import new_password, protect

        password = new_password()
        try:
            protect(clean, protected, password)
        except LettersError as error:
            found.problems.append(f"{ref}: {error.message}")
            return
        write_whole(kept, password)
        run.journal.record_document(protected.name, digest, run.today)
    _password(folder, ref, found)


def _digest(values: object) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
