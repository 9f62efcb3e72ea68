"""Write a reply's files into its request's replies folder: safe names, never over another file."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.folders import write_whole
from pipeline.letters.naming import safe_part
from pipeline.mail.base import Reply, ReplyContent
from pipeline.replies.matching import Match

# Most file systems (ext4, APFS, NTFS in UTF-16 units) refuse a name over 255 bytes; with room
# for the hidden ".….partial" name a file is written under first.
_LONGEST_FILE_NAME = 255 - len("..partial")
_LONGEST_STEM = 150  # a reply's own part of each name, in bytes; the rest for the attachment


@dataclass(frozen=True)
class Written:
    """The files written for one reply, the main one first, and the attachments left out."""

    files: tuple[str, ...]
    too_big: tuple[tuple[str, int], ...]  # (safe name, size) of attachments over the limit


def write_reply(
    reply: Reply,
    content: ReplyContent,
    found: Match,
    who: str,
    received: date,
    taken: set[str],
    folder: Path,
    max_attachment_bytes: int,
    label: str = "reply",
) -> Written:
    """Write a reply's message, original file and attachments into ``folder``, never over
    another file, as ``<Ref> <party> <label> <date> - <who>``; raise OSError having removed
    what it wrote when a file cannot be written."""
    words = " ".join(part for part in (found.ref, found.party) if part)
    head = f"{words} {label} {received.isoformat()}"
    # Room left for " (2)", " - " and an attachment's name after it.
    base = _fit(f"{head} - ", safe_part(who), "", _LONGEST_STEM).removesuffix(" - ")
    existing = _existing(folder)
    stem, number = base, 2
    while True:
        files, too_big = named(stem, content, max_attachment_bytes)
        # Free, or this reply's own files from a run stopped after writing them, before the
        # journal: the same bytes, or (a .msg converted afresh) the same original or Message-ID.
        if files[0][0] not in taken and (
            all(_free_or_same(folder, existing, name, data) for name, data in files)
            or _left_by_a_stopped_run(folder, existing, files, reply, content)
        ):
            break
        stem, number = f"{base} ({number})", number + 1  # another reply from them that day
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, data in files:
            target = folder / existing.get(name.casefold(), name)
            if target.is_file():
                continue  # the same bytes, or the same message written by the stopped run: kept
            written.append(write_whole(target, data))
    except OSError:
        for path in written:  # all of it or none of it: the reply stays in the inbox
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    return Written(tuple(name for name, _ in files), tuple(too_big))


def named(
    stem: str, content: ReplyContent, max_attachment_bytes: int
) -> tuple[list[tuple[str, bytes]], list[tuple[str, int]]]:
    """Name each file of a reply filed as ``stem``; leave out attachments over the limit.

    Attachments of one name are numbered, ``slip.pdf``, ``slip (2).pdf``, each name within
    the file system's limit however many there are.
    """
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
        name, number = _fit(f"{stem} - ", part, suffix), 2
        while name.casefold() in used:
            name = _fit(f"{stem} - ", part, f" ({number}){suffix}")  # kept whole when cut
            number += 1
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
