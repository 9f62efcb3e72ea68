"""Keep each request's consents record and, once every reply is in, its request bundle."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.deadlines import Deadlines
from pipeline.errors import LettersError
from pipeline.folders import REPLIES, REQUEST, bundle_name, record_name
from pipeline.history import sent_on
from pipeline.journal import Entry, Filing, Send
from pipeline.letters.context import (
    GROUND_WORDS,
    Fields,
    letterhead,
    long_date,
    relationship_words,
)
from pipeline.letters.pool import Job
from pipeline.model import Request, ThirdParty
from pipeline.progress import Progress
from pipeline.records.bundle import Part, build_bundle
from pipeline.records.convert import Converter
from pipeline.run_context import RunContext

TEMPLATE = "consents-record.docx"
INTERNAL = "Internal — not for the requester"  # the bundle's cover page and first bookmark
_ORDER = {"Refuses": 0, "Replied, not yet decided": 1, "No reply yet": 2, "Consents": 3}


def decision_words(party: ThirdParty) -> str:
    """Say where a third party's answer stands, in the record's words."""
    if party.decision:
        return party.decision
    return "Replied, not yet decided" if party.reply_received else "No reply yet"


def record_context(
    request: Request,
    parties: Sequence[ThirdParty],
    reminders: Mapping[str, list[date]],
    due: Deadlines,
    config: Config,
    today: date,
) -> dict[str, Any]:
    """Build the consents record's placeholders: refusals first, then the rest."""
    rows = sorted(parties, key=lambda party: (_ORDER[decision_words(party)], party.party))
    counts: dict[str, int] = {}
    for party in parties:
        counts[decision_words(party)] = counts.get(decision_words(party), 0) + 1
    words = {
        "Refuses": "refuse{s}",
        "Consents": "consent{s}",
        "Replied, not yet decided": "replied, not yet decided",
        "No reply yet": "not replied",
    }
    summary = f"{len(parties)} third part{'y' if len(parties) == 1 else 'ies'}: " + ", ".join(
        f"{count} " + words[key].format(s="s" if count == 1 else "")
        for key, count in sorted(counts.items(), key=lambda item: _ORDER[item[0]])
    )
    return {
        "date": long_date(today),
        "summary": summary,
        **letterhead(config.setting),
        "request": Fields(
            "request",
            ref=request.ref,
            requester=request.requester,
            relationship=relationship_words(request.relationship),
            child=request.child,
            received=long_date(request.received),
            promised_by=long_date(due.promised_by),
            legal_deadline=long_date(due.legal_deadline),
        ),
        "parties": [
            Fields(
                "party",
                code=party.party,
                name=party.name,
                organisation=party.organisation,
                kind=party.kind,
                role=party.role,
                letter_sent=long_date(party.letter_sent) if party.letter_sent else "",
                reminders=", ".join(long_date(day) for day in reminders.get(party.party, [])),
                reply_received=long_date(party.reply_received) if party.reply_received else "",
                # Said so the owner checks it is theirs before deciding on it.
                reply_from=party.reply_from if party.replied_from_elsewhere else "",
                decision=decision_words(party),
                decision_notes=party.decision_notes,
                reply_file=party.reply,
            )
            for party in rows
        ],
        "withheld": [
            Fields(
                "item",
                what=item.what,
                ground=item.ground,
                law=GROUND_WORDS[item.ground][1],
                party=item.party,
                opinion=(
                    f"{item.opinion_from}, {long_date(item.opinion_date)}"
                    if item.opinion_date
                    else item.opinion_from
                ),
                reasons=item.reasons,
            )
            for item in request.withheld
        ],
    }


def reminder_dates(
    ref: str, entries: Mapping[str, Entry], sends: Mapping[str, Send], parties: Sequence[ThirdParty]
) -> dict[str, list[date]]:
    """Return each party's reminder dates, from the journal or else the register."""
    found: dict[str, list[date]] = {}
    for entry in entries.values():
        day = sent_on(sends, entry.letter_id)
        if entry.ref == ref and entry.kind == "reminder" and day is not None:
            found.setdefault(entry.party, []).append(day)
    for party in parties:
        if party.party not in found and party.reminder_sent:
            found[party.party] = [party.reminder_sent]
    return {party: sorted(days) for party, days in found.items()}


def _digest(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class RecordJob:
    """A consents record to rewrite, and what to journal once it is written."""

    job: Job
    name: str
    digest: str


def record_job(
    request: Request,
    parties: Sequence[ThirdParty],
    due: Deadlines,
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    config: Config,
    digests: Mapping[str, str],
    today: date,
) -> RecordJob | None:
    """Return the job that rewrites the request's consents record, or None if unchanged.

    ``entries`` are the request's own letters in the journal, and ``digests`` the journal's
    fingerprints of the documents it built.
    """
    if not (parties or request.withheld) or request.closed is not None:
        return None
    folder = config.paths.working_folder / request.ref
    values = record_context(
        request, parties, reminder_dates(request.ref, entries, sends, parties), due, config, today
    )
    record = folder / record_name(request.ref)
    digest = _digest({key: value for key, value in values.items() if key != "date"})
    if digest == digests.get(record.name, "") and record.exists():
        return None
    return RecordJob(Job(TEMPLATE, values, record), record.name, digest)


@dataclass(frozen=True)
class Bundles:
    """The request bundles a run built, and what the manager should know about them."""

    built: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


def keep_bundles(
    run: RunContext,
    progress: Sequence[tuple[Request, Progress]],
    parties: Mapping[str, Sequence[ThirdParty]],
    filings: Mapping[str, Filing],
    digests: Mapping[str, str],
    converter: Converter,
) -> Bundles:
    """Rebuild each request's bundle when every reply is in and one of its parts changed."""
    filed: dict[str, list[Filing]] = {}
    for filing in filings.values():
        filed.setdefault(filing.ref, []).append(filing)
    built: list[Path] = []
    notes: list[str] = []
    for request, _where in progress:
        bundle = _keep_bundle(
            run, request, parties[request.ref], filed.get(request.ref, []), digests, converter,
            notes,
        )  # fmt: skip
        if bundle is not None:
            built.append(bundle)
    return Bundles(tuple(built), tuple(notes))


def _keep_bundle(
    run: RunContext,
    request: Request,
    parties: Sequence[ThirdParty],
    filings: Sequence[Filing],
    digests: Mapping[str, str],
    converter: Converter,
    notes: list[str],
) -> Path | None:
    """Rebuild one request's bundle if it is due and changed; return it when rebuilt."""
    if not parties or request.closed is not None:
        return None
    if not all(party.has_replied for party in parties):
        return None
    folder = run.folders.of(request.ref)
    record = folder / record_name(request.ref)
    named = run.folders.place(request.ref, REQUEST) / request.request_letter
    if request.request_letter and not named.exists():
        notes.append(
            f"{request.ref}: the request letter {request.request_letter!r} named in the "
            f"register is not in {request.ref}/{REQUEST}/. Save it there and the bundle is "
            "rebuilt with it."
        )
    parts = bundle_parts(request, folder, filings, record)
    bundle = folder / bundle_name(request.ref)
    inputs = _digest(
        [INTERNAL] + [(part.title, part.path.name, _fingerprint(part.path)) for part in parts]
    )
    if inputs == digests.get(bundle.name, "") and bundle.exists():
        return None
    from pipeline.records.pages import text_to_pdf  # Pillow's drawing: only when one is built

    converter.staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cover-", dir=converter.staging) as scratch:
        cover = Path(scratch) / "cover.pdf"
        text_to_pdf(INTERNAL, _cover_lines(request), cover)
        try:
            notes += build_bundle([Part(INTERNAL, cover), *parts], bundle, converter)
        except LettersError as error:
            notes.append(error.message)
            return None
    run.journal.record_document(bundle.name, inputs, run.today)
    return bundle


def _cover_lines(request: Request) -> list[str]:
    """Say on the bundle's first page what it is, and that it is never given to the requester."""
    return [
        f"Request bundle for {request.ref}: the request, every third party's reply and the "
        "consents record, kept on file with the copy of the request letter.",
        "",
        "It holds third parties' replies and decisions, including refusals: it is for the "
        "setting only and is never given to the requester. What the requester receives is "
        "the clean copy of the child's file, with the response letter.",
    ]


def bundle_parts(
    request: Request, folder: Path, filings: Sequence[Filing], record: Path
) -> list[Part]:
    """List the bundle's parts in order: the request, each reply and attachment, the record."""
    parts = []
    received = folder / REQUEST
    named = received / request.request_letter if request.request_letter else None
    letters = (
        sorted(path for path in received.glob("*") if path.is_file()) if received.is_dir() else []
    )
    if named is not None and named in letters:
        letters.remove(named)
        letters.insert(0, named)
    parts += [
        Part(f"Request: {path.name}", path) for path in letters if not path.name.startswith(".")
    ]
    replies = folder / REPLIES
    for filing in sorted(filings, key=lambda item: (item.party or "~", item.received, item.key)):
        who = filing.party or "requester"
        for index, name in enumerate(filing.files):
            path = replies / name
            if path.exists() and path.suffix.lower() != ".msg":
                label = "Reply" if index == 0 else "Attachment"
                parts.append(Part(f"{label} ({who}, {filing.received:%d/%m/%Y}): {name}", path))
    parts.append(Part("Consents record", record))
    return parts


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
