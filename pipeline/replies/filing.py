"""File each reply against its request and third party, exactly once; never guess."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.errors import LettersError
from pipeline.faults import checkpoint
from pipeline.folders import REPLIES, write_whole
from pipeline.journal import Filing, Journal
from pipeline.letters.kinds import reference
from pipeline.letters.naming import safe_part
from pipeline.mail.base import MailBackend, Reply, ReplyContent
from pipeline.model import Request, ThirdParty

# After the reference: "/TP2", " TP2", "_tp2", and as people also write it, "TP 2" or "TP02".
_PARTY_AFTER_REF = re.compile(r"^\s*[-/_ ]?\s*TP\s*0*([1-9][0-9]*)(?![0-9])", re.IGNORECASE)
# An attachment over this is left in the message, not saved beside it (config: the lead's).
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Most file systems (ext4, APFS, NTFS in UTF-16 units) refuse a name over 255 bytes; with room
# for the hidden ".….partial" name a file is written under first.
_LONGEST_FILE_NAME = 255 - len("..partial")
_LONGEST_STEM = 150  # a reply's own part of each name, in bytes; the rest for the attachment


@dataclass(frozen=True)
class Collecting:
    """What the filing stage did and found."""

    filed: tuple[Filing, ...] = ()
    unmatched: tuple[str, ...] = ()  # left in the inbox, with why
    kept_out: tuple[str, ...] = ()  # attachments over the limit, not saved

    def __add__(self, other: Collecting) -> Collecting:
        """Put what two sources gave together, this one's first."""
        return Collecting(
            self.filed + other.filed,
            self.unmatched + other.unmatched,
            self.kept_out + other.kept_out,
        )


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
    who = reference(found.ref, found.party)
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
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> Collecting:
    """File every reply the back-end lists that matches a request; leave the rest.

    An attachment over ``max_attachment_bytes`` is not saved as a file of its own; the reply is
    filed all the same, and ``kept_out`` says which attachment stayed in the message and where.
    """
    filed: list[Filing] = []
    unmatched: list[str] = []
    kept_out: list[str] = []
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
            unmatched.append(f"{reply.source}: {found}; it stays in the inbox")
            continue
        third_party = by_ref.get(found.ref, {}).get(found.party)
        who = third_party.display_name if third_party else names[found.ref]
        received = reply.received or today
        if dry_run:
            filed.append(
                Filing(reply.key, found.ref, found.party, received, today, "", (), reply.source)
            )
            continue
        place = _Place(working_folder / found.ref / REPLIES, today, max_attachment_bytes)
        done = _file_one(backend, journal, reply, found, who, received, filings, place)
        if isinstance(done, str):
            unmatched.append(done)
        else:
            filed.append(done[0])
            kept_out += done[1]
    # What the back-end could not read is listed with what matched nothing.
    return Collecting(tuple(filed), tuple(unmatched + backend.problems), tuple(kept_out))


@dataclass(frozen=True)
class _Place:
    """Where and when a reply is filed, and the largest attachment saved beside it."""

    folder: Path
    today: date
    max_attachment_bytes: int


def _file_one(
    backend: MailBackend,
    journal: Journal,
    reply: Reply,
    found: Match,
    who: str,
    received: date,
    filings: dict[str, Filing],
    place: _Place,
) -> tuple[Filing, list[str]] | str:
    """File one matched reply and journal it; return it and its attachments left out, or why
    it stays in the inbox."""
    try:
        content = backend.fetch(reply)
    except LettersError as error:
        if not reply.file_name:
            raise  # a mailbox that fails fails for every reply: the run says so once
        # A damaged file in the inbox folder is that file's problem alone.
        return f"{error.message} It stays in the inbox."
    taken = {name for filing in filings.values() for name in (filing.file_name, *filing.files)}
    filing, too_big = _file(
        reply, content, found, who, received, place.today, taken, place.folder,
        place.max_attachment_bytes,
    )  # fmt: skip
    checkpoint("file:written")
    journal.record_filed(filing)
    filings[filing.key] = filing
    checkpoint("file:recorded")
    where = backend.filed_where(reply)
    backend.mark_filed(reply)
    kept_out = []
    for name, size in too_big:
        shown, limit = _megabytes(size, place.max_attachment_bytes)
        kept_out.append(
            f"{reference(found.ref, found.party)} {filing.file_name}: the attachment {name} "
            f"({shown} MB) is over the {limit} MB limit and was not saved; it is still in the "
            f"message ({where})"
        )
    return filing, kept_out


def _megabytes(size: int, limit: int) -> tuple[str, str]:
    """Return ``size`` and ``limit`` in MB, with just enough decimals to tell them apart."""
    shown = limit_shown = ""
    for places in range(1, 7):
        shown, limit_shown = (
            f"{value / 2**20:.{places}f}".rstrip("0").rstrip(".") for value in (size, limit)
        )
        if shown != limit_shown and "0" not in (shown, limit_shown):
            break
    return shown, limit_shown


def _file(
    reply: Reply,
    content: ReplyContent,
    found: Match,
    who: str,
    received: date,
    today: date,
    taken: set[str],
    folder: Path,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> tuple[Filing, list[tuple[str, int]]]:
    """Write a reply's message, original file and attachments into ``folder``, never over
    another file; return the filing and the attachments left out as too big (name, size)."""
    words = " ".join(part for part in (found.ref, found.party) if part)
    head = f"{words} reply {received.isoformat()}"
    # Room left for " (2)", " - " and an attachment's name after it.
    base = _fit(f"{head} - ", safe_part(who), "", _LONGEST_STEM).removesuffix(" - ")
    existing = _existing(folder)
    stem, number = base, 2
    while True:
        files, too_big = _named(stem, content, max_attachment_bytes)
        # Free, or this reply's own files from a run stopped after writing them, before the
        # journal: the same bytes, or (a .msg converted afresh) the same original or Message-ID.
        if files[0][0] not in taken and (
            all(_free_or_same(folder, existing, name, data) for name, data in files)
            or _left_by_a_stopped_run(folder, existing, files, reply, content)
        ):
            break
        stem, number = f"{base} ({number})", number + 1  # another reply from them that day
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        target = folder / existing.get(name.casefold(), name)
        if target.is_file():
            continue  # the same bytes, or the same message written by the stopped run: kept
        write_whole(target, data)
    filing = Filing(
        key=reply.key,
        ref=found.ref,
        party=found.party,
        received=received,
        filed=today,
        file_name=files[0][0],
        files=tuple(name for name, _ in files),
        source=reply.source,
    )
    return filing, too_big


def _named(
    stem: str, content: ReplyContent, max_attachment_bytes: int
) -> tuple[list[tuple[str, bytes]], list[tuple[str, int]]]:
    """Name each file of a reply filed as ``stem``; leave out attachments over the limit."""
    files: list[tuple[str, bytes]] = []
    if content.message is not None:
        files.append((f"{stem}.eml", content.message))
    if content.original is not None:
        files.append((f"{stem}{_suffix(content)}", content.original[1]))
    # Compared without case: Report.pdf and report.PDF are one file on Windows and macOS.
    used = {name.casefold() for name, _ in files}
    too_big: list[tuple[str, int]] = []
    for index, (given, data) in enumerate(content.attachments, start=1):
        safe = attachment_name(given, index)
        if len(data) > max_attachment_bytes:
            too_big.append((safe, len(data)))
            continue
        part, suffix = _split(safe)
        again = ""
        name = _fit(f"{stem} - ", part, suffix)
        while name.casefold() in used:
            again += " (again)"  # kept whole when a long name is cut to fit
            name = _fit(f"{stem} - ", part, again + suffix)
        used.add(name.casefold())
        files.append((name, data))
    return files, too_big


def _split(name: str) -> tuple[str, str]:
    """Split a safe attachment name into its stem and suffix (".pdf", or "")."""
    suffix = Path(name).suffix
    return (name[: -len(suffix)], suffix) if suffix else (name, "")


def _fit(head: str, part: str, suffix: str, longest: int = _LONGEST_FILE_NAME) -> str:
    """Return ``head + part + suffix``, ``part`` shortened so the name fits the file system."""
    name = f"{head}{part}{suffix}"
    while len(name.encode("utf-8")) > longest and part:
        part = part[:-1].rstrip(" .")
        name = f"{head}{part}{suffix}"
    return name


def _existing(folder: Path) -> dict[str, str]:
    """Map the casefolded name of each file in ``folder`` to its name on disk."""
    if not folder.is_dir():
        return {}
    return {path.name.casefold(): path.name for path in folder.iterdir()}


def _left_by_a_stopped_run(
    folder: Path,
    existing: dict[str, str],
    files: list[tuple[str, bytes]],
    reply: Reply,
    content: ReplyContent,
) -> bool:
    """Say whether the files already under these names are this reply's, from an earlier try."""
    if content.original is not None:
        name, data = files[1] if content.message is not None else files[0]
        return name.casefold() in existing and _free_or_same(folder, existing, name, data)
    there = existing.get(files[0][0].casefold())
    if there is None or not reply.message_id:
        return False
    try:
        with (folder / there).open("rb") as file:
            lines = []
            while (line := file.readline()).strip():  # the header block only, not attachments
                lines.append(line)
    except OSError:
        return False
    headers = BytesHeaderParser(policy=policy.default).parsebytes(b"".join(lines))
    return " ".join(str(headers.get("Message-ID", "")).split()) == reply.message_id


def _free_or_same(folder: Path, existing: dict[str, str], name: str, data: bytes) -> bool:
    """Say whether ``name`` is free in ``folder``, or a file there holds exactly ``data``."""
    there = existing.get(name.casefold())
    if there is None:
        return True
    path = folder / there
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _suffix(content: ReplyContent) -> str:
    if content.original is None:
        return ".eml"
    return Path(attachment_name(content.original[0], 0)).suffix.lower() or ".bin"


def attachment_name(given: str, index: int) -> str:
    """Make a sender's attachment name safe: no folders, no hidden files, no odd characters."""
    name = PureWindowsPath(PurePosixPath(given.replace("\x00", "")).name).name
    stem, suffix = Path(name).stem, Path(name).suffix
    suffix = re.sub(r"[^A-Za-z0-9.]", "", suffix)[:10].rstrip(".")
    stem = safe_part(stem.lstrip("."), longest=60)
    return f"{stem or f'attachment {index}'}{suffix}"
