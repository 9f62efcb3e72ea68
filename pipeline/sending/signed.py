"""What is in signed/: the owner's signed letters, those still open in Word, and anything else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pipeline.folders import SIGNED, Folders
from pipeline.journal import Entry

# Windows and macOS write these into folders by themselves; they are nobody's letter.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
LIBREOFFICE_LOCK = ".~lock."


def signed_copy(folders: Folders, entry: Entry) -> Path | None:
    """Return the owner's signed copy of a letter: a scanned PDF, else the signed .docx."""
    stem = os.path.splitext(entry.file_name)[0]
    for suffix in (".pdf", ".docx"):
        found = folders.find(entry.ref, SIGNED, f"{stem}{suffix}")
        if found is not None:
            return found
    return None


def owner_files(name: str) -> tuple[str, str]:
    """Name the files Word and LibreOffice keep beside the document ``name`` while it is open.

    Word's owner file is "~$" and the name with its first two characters dropped when the
    name before the extension has 8 characters or more, its first one when it has 7, and
    nothing dropped when shorter (LibreOffice writes Word's the same way, for Word to read).
    """
    length = len(os.path.splitext(name)[0])
    word = "~$" + (name[2:] if length >= 8 else name[1:] if length == 7 else name)
    return word, f"{LIBREOFFICE_LOCK}{name}#"


def is_open(folders: Folders, ref: str, signed: Path) -> bool:
    """Say whether the signed letter ``signed`` of request ``ref`` is open in Word now."""
    present = folders.names(ref, SIGNED)
    return any(lock.casefold() in present for lock in owner_files(signed.name))


def unmatched(
    folders: Folders, entries: Mapping[str, Mapping[str, Entry]]
) -> list[tuple[Path, str]]:
    """Return every file in a signed/ folder that is no letter's, with what to do about it.

    ``entries`` holds each request's letters in the journal, by Ref. A letter's signed copy
    keeps its name, as .docx or a scanned .pdf; Word's own files beside a letter that is open
    are not listed (the letter waits, see ``is_open``).
    """
    found: list[tuple[Path, str]] = []
    for ref in sorted(folders.refs()):
        names = sorted(folders.spelt(ref, SIGNED))
        if not names:
            continue
        letters = {
            os.path.splitext(entry.file_name)[0].casefold(): entry.file_name
            for entry in entries.get(ref, {}).values()
        }
        locks = {
            lock.casefold()
            for name in names
            if _letter_stem(name) in letters
            for lock in owner_files(name)
        }
        for name in names:
            folded = name.casefold()
            if folded in SYSTEM_FILES or folded in locks or _letter_stem(name) in letters:
                continue
            if name.startswith(".") and not name.startswith(LIBREOFFICE_LOCK):
                continue  # hidden: nobody saved it here by hand
            found.append((folders.place(ref, SIGNED) / name, _advice(name, letters)))
    return found


def _letter_stem(name: str) -> str:
    """Return the case-folded stem of a letter's signed copy, "" for any other kind of file."""
    stem, suffix = os.path.splitext(name)
    return stem.casefold() if suffix.casefold() in (".docx", ".pdf") else ""


def _advice(name: str, letters: Mapping[str, str]) -> str:
    """Say what a file in signed/ that is no letter's is, and what to do with it."""
    if name.startswith(("~$", LIBREOFFICE_LOCK)):
        return (
            "a file Word or LibreOffice keeps while a document is open, and leaves behind if "
            "it stops: close the document, and if the file is still there, delete it"
        )
    stem = os.path.splitext(name)[0].casefold()
    like = [letters[key] for key in sorted(letters) if stem.startswith(key) and key != stem]
    if like:
        return (
            f"not sent, because its name is not the letter's: if it is the signed {like[0]}, "
            "rename it to exactly that name (a scan: the same name ending .pdf)"
        )
    return (
        "not sent: it matches no letter. A signed letter keeps the name it had in to-sign/ "
        "(as .docx, or a scanned .pdf); move anything else out of signed/"
    )
