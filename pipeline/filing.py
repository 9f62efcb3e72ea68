"""File each reply against its request and third party, exactly once; never guess."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.due import safe_part
from pipeline.faults import checkpoint
from pipeline.journal import Filing, Journal
from pipeline.mail import MailBackend, Reply, ReplyContent
from pipeline.model import Request, ThirdParty

# After the reference: "/TP2", " TP2", "_tp2", and as people also write it, "TP 2" or "TP02".
_PARTY_AFTER_REF = re.compile(r"^\s*[-/_ ]?\s*TP\s*0*([1-9][0-9]*)(?![0-9])", re.IGNORECASE)


@dataclass
class Collecting:
    """What the filing stage did and found."""

    filed: list[Filing] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # left in the inbox, with why
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Match:
    """The request and third party a reply belongs to ("" for the requester)."""

    ref: str
    party: str


def match_reply(
    reply: Reply,
    requests: Sequence[Request],
    parties: Mapping[str, Mapping[str, ThirdParty]],
    sent_ids: Mapping[str, Match],
) -> Match | str:
    """Find the request and party ``reply`` answers; or say why it matches nothing."""
    text = f"{reply.subject}\n{reply.file_name}"
    for request in sorted(requests, key=lambda request: -len(request.ref)):
        found = re.search(
            rf"(?<![A-Za-z0-9]){re.escape(request.ref)}(?![A-Za-z0-9])", text, re.IGNORECASE
        )
        if not found:
            continue
        code = _PARTY_AFTER_REF.match(text[found.end() :])
        if code is None:
            threaded = _by_thread(reply, sent_ids)
            if threaded is not None and threaded.ref == request.ref:
                return _known(threaded, requests, parties)
            return Match(request.ref, "")
        party = f"TP{code.group(1)}"
        if party not in parties.get(request.ref, {}):
            return f"{request.ref}/{party} is not a third party of that request"
        return Match(request.ref, party)
    threaded = _by_thread(reply, sent_ids)
    if threaded is not None:
        return _known(threaded, requests, parties)
    return "no reference in its subject or file name, and it answers no letter that was sent"


def _known(
    found: Match, requests: Sequence[Request], parties: Mapping[str, Mapping[str, ThirdParty]]
) -> Match | str:
    """Keep a match by thread only while its request and party rows are in good order."""
    if found.ref in {request.ref for request in requests} and (
        not found.party or found.party in parties.get(found.ref, {})
    ):
        return found
    who = f"{found.ref}/{found.party}" if found.party else found.ref
    return f"it answers a letter for {who}, whose row in the register has a problem to fix first"


def _by_thread(reply: Reply, sent_ids: Mapping[str, Match]) -> Match | None:
    for message_id in reply.answers:
        if message_id in sent_ids:
            return sent_ids[message_id]
    return None


def collect_replies(
    backend: MailBackend,
    journal: Journal,
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    sent_ids: Mapping[str, Match],
    working_folder: Path,
    today: date,
    *,
    since: date | None = None,
    dry_run: bool = False,
) -> Collecting:
    """File every reply the back-end lists that matches a request; leave the rest."""
    result = Collecting()
    by_ref: dict[str, dict[str, ThirdParty]] = {}
    for party in parties:
        by_ref.setdefault(party.ref, {})[party.party] = party
    names = {request.ref: request.requester for request in requests}
    filings = journal.filings()
    for reply in backend.replies(since):
        if reply.key in filings:
            if not dry_run:
                backend.mark_filed(reply)  # a run stopped after filing, before moving it
            continue
        found = match_reply(reply, requests, by_ref, sent_ids)
        if isinstance(found, str):
            result.unmatched.append(f"{reply.source}: {found}; it stays in the inbox")
            continue
        third_party = by_ref.get(found.ref, {}).get(found.party)
        who = third_party.display_name if third_party else names[found.ref]
        received = reply.received or today
        if dry_run:
            result.filed.append(
                Filing(reply.key, found.ref, found.party, received, today, "", (), reply.source)
            )
            continue
        taken = {filing.file_name for filing in filings.values()}
        filing = _file(
            reply,
            backend.fetch(reply),
            found,
            who,
            received,
            today,
            taken,
            working_folder / found.ref / "replies",
        )
        checkpoint("file:written")
        journal.record_filed(filing)
        filings[filing.key] = filing
        checkpoint("file:recorded")
        backend.mark_filed(reply)
        result.filed.append(filing)
    result.problems.extend(backend.problems)
    return result


def _file(
    reply: Reply,
    content: ReplyContent,
    found: Match,
    who: str,
    received: date,
    today: date,
    taken: set[str],
    folder: Path,
) -> Filing:
    """Write a reply's message, original file and attachments into ``folder``."""
    words = " ".join(part for part in (found.ref, found.party) if part)
    base = f"{words} reply {received.isoformat()} - {safe_part(who)}"
    stem, number = base, 2
    main_suffix = ".eml" if content.message is not None else _suffix(content)
    while f"{stem}{main_suffix}" in taken:  # another reply the same day from the same person
        stem, number = f"{base} ({number})", number + 1
    files: list[tuple[str, bytes]] = []
    if content.message is not None:
        files.append((f"{stem}.eml", content.message))
    if content.original is not None:
        files.append((f"{stem}{_suffix(content)}", content.original[1]))
    # Compared without case: Report.pdf and report.PDF are one file on Windows and macOS.
    used = {name.casefold() for name, _ in files}
    for index, (given, data) in enumerate(content.attachments, start=1):
        name = f"{stem} - {attachment_name(given, index)}"
        while name.casefold() in used:
            name = f"{Path(name).stem} (again){Path(name).suffix}"
        used.add(name.casefold())
        files.append((name, data))
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        partial = folder / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, folder / name)
    return Filing(
        key=reply.key,
        ref=found.ref,
        party=found.party,
        received=received,
        filed=today,
        file_name=files[0][0],
        files=tuple(name for name, _ in files),
        source=reply.source,
    )


def _suffix(content: ReplyContent) -> str:
    if content.original is None:
        return ".eml"
    return Path(attachment_name(content.original[0], 0)).suffix.lower() or ".bin"


def attachment_name(given: str, index: int) -> str:
    """Make a sender's attachment name safe: no folders, no hidden files, no odd characters."""
    name = PureWindowsPath(PurePosixPath(given.replace("\x00", "")).name).name
    stem, suffix = Path(name).stem, Path(name).suffix
    suffix = re.sub(r"[^A-Za-z0-9.]", "", suffix)[:10]
    stem = safe_part(stem.lstrip("."), longest=60)
    return f"{stem or f'attachment {index}'}{suffix}"
