"""The working folder's layout, and the only ways the run writes into it: whole or not at all.

Each request has a folder named by its Ref (DESIGN section 4). This module names its places
and documents, writes every file through a hidden ``.partial`` file beside it, and lists each
request's places once for a run that looks for thousands of letters: every move, write or
removal made through ``Folders`` keeps that listing right by itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection, Iterator, Set
from pathlib import Path

REQUEST = "request"  # the request letter as received
TO_SIGN = "to-sign"  # letters waiting for the owner
SIGNED = "signed"  # the owner's signed letters: the approval to send
SENT = "sent"  # copies of what was sent
REPLIES = "replies"  # every reply, with its attachments
WITHDRAWN = "withdrawn"  # letters no longer needed, kept, never sent
FILE = "file"  # the child's file as the setting holds it
APPROVED = "approved"  # the owner's reviewed redaction review

# Hidden in the working folder: the copies made to convert documents to PDF, and the pages
# drawn for a bundle. Removed after use, and at the start of the next run after a killed one.
SCRATCH = ".converting"

# Made with a request's first letter, so the manager sees where everything goes.
REQUEST_PLACES = (REQUEST, TO_SIGN, SIGNED, SENT, REPLIES)
# Where a letter may be once generated: waiting, signed (as .docx or a scanned .pdf), or sent.
LETTER_PLACES = (TO_SIGN, SIGNED, SENT)


def record_name(ref: str) -> str:
    """Return the file name of a request's consents record."""
    return f"{ref} consents record.docx"


def bundle_name(ref: str) -> str:
    """Return the file name of a request's bundle."""
    return f"{ref} request bundle.pdf"


def review_name(ref: str) -> str:
    """Return the file name of a request's redaction review (and of its approved copy)."""
    return f"{ref} redaction review.pdf"


def clean_copy_name(ref: str) -> str:
    """Return the file name of a request's clean copy."""
    return f"{ref} clean copy.pdf"


def protected_copy_name(ref: str) -> str:
    """Return the file name of a request's clean copy encrypted with a password, for email."""
    return f"{ref} clean copy (password protected).pdf"


def redaction_log_name(ref: str) -> str:
    """Return the file name of a request's redaction log (internal, never sent)."""
    return f"{ref} redaction log.pdf"


# Hidden in each request's folder: what the review found, for checking its approved copy, and
# the OCR of the file's pages, kept by page content so a rebuilt review does not OCR again.
REVIEW_RECORD = ".redaction review.json"
OCR_CACHE = ".ocr"
PASSWORD = ".clean copy password"  # the protected copy's, shown in the to-do list while open


def partial_of(target: Path) -> Path:
    """Return the hidden file ``target`` is written under before it is put in place."""
    return target.with_name(f".{target.name}.partial")


@contextlib.contextmanager
def whole(target: Path, *, sync: bool = False) -> Iterator[Path]:
    """Yield a hidden file beside ``target`` to write; put it in place only if all went well.

    With ``sync`` the file is on the disk before it replaces ``target`` (the register, and the
    emails the manager sends). On any failure the hidden file is removed and ``target`` is as
    it was.
    """
    partial = partial_of(target)
    try:
        yield partial
        if sync:
            with partial.open("rb+") as written:
                os.fsync(written.fileno())
        os.replace(partial, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        # The system's own error names the file meant: not the hidden one, nor none (a write).
        named = str(getattr(error, "filename", None)) in ("None", str(partial))
        if isinstance(error, OSError) and error.errno is not None and named:
            error.filename = str(target)
        raise


def write_whole(target: Path, data: bytes | str, *, sync: bool = False) -> Path:
    """Write ``data`` (text as UTF-8) to ``target``, all or nothing; return ``target``."""
    with whole(target, sync=sync) as partial:
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        else:
            partial.write_bytes(data)
    return target


def copy_whole(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target``, all or nothing; return ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with whole(target) as partial:
        shutil.copyfile(source, partial)
    return target


def sweep_partials(folder: Path) -> None:
    """Remove the hidden half-written files a run stopped while writing left in ``folder``."""
    try:
        names = os.listdir(folder)
    except OSError:  # no such folder yet
        return
    for name in names:
        if name.startswith(".") and name.endswith((".partial", ".saving")):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


class Folders:
    """The request folders under the working folder, each place listed once a run.

    Names are found ignoring case, as Windows and macOS do. A place is listed when it is first
    asked about, and listed again after a file in its request's folder was written, moved or
    removed through this object (``wrote`` tells it of a file written elsewhere).
    """

    def __init__(self, working_folder: Path) -> None:
        self.working_folder = working_folder
        # Ref → place → case-folded name → the name as spelt on disk. Keyed by text, not by
        # Path: a run asks thousands of times, and hashing a Path costs 30 ms on 1,000 requests.
        self._listed: dict[str, dict[str, dict[str, str]]] = {}

    @property
    def scratch(self) -> Path:
        """Return the hidden folder where documents are copied to be converted."""
        return self.working_folder / SCRATCH

    def clear_scratch(self) -> None:
        """Remove the copies a run left behind (killed while converting), if any."""
        shutil.rmtree(self.scratch, ignore_errors=True)

    def sweep_partials(self) -> None:
        """Remove the hidden half-written files a stopped run left anywhere in the folders."""
        sweep_partials(self.working_folder)
        for ref in self.refs():
            folder = self.of(ref)
            sweep_partials(folder)  # a consents record, a bundle
            try:
                places = [found.path for found in os.scandir(folder) if found.is_dir()]
            except OSError:  # gone since it was listed
                continue
            for place in places:  # to-sign/, replies/, withdrawn/, …
                sweep_partials(Path(place))

    def of(self, ref: str) -> Path:
        """Return the folder of the request ``ref``."""
        return self.working_folder / ref

    def place(self, ref: str, place: str) -> Path:
        """Return the folder ``place`` (``to-sign``, ``sent``, …) of the request ``ref``."""
        return self.working_folder / ref / place

    def make(self, ref: str) -> Path:
        """Create the request's folders where missing; return the request's folder."""
        folder = self.of(ref)
        for place in REQUEST_PLACES:
            (folder / place).mkdir(parents=True, exist_ok=True)
        return folder

    def refs(self) -> Iterator[str]:
        """Yield the name of each request folder in the working folder."""
        try:
            listed = os.scandir(self.working_folder)
        except OSError:  # no working folder yet
            return
        with listed:
            for found in listed:
                if not found.name.startswith(".") and found.is_dir():
                    yield found.name

    def find(self, ref: str, place: str, name: str) -> Path | None:
        """Return the file ``name`` in the request's ``place`` as it is spelt there, or None."""
        spelt = self._names(ref, place).get(name.casefold())
        return self.place(ref, place) / spelt if spelt is not None else None

    def names(self, ref: str, place: str) -> Set[str]:
        """Return the names of the files in the request's ``place``, case folded."""
        return self._names(ref, place).keys()

    def spelt(self, ref: str, place: str) -> Collection[str]:
        """Return the names of the files in the request's ``place`` as spelt on disk."""
        return self._names(ref, place).values()

    def move(self, source: Path, ref: str, place: str, name: str = "") -> Path:
        """Move ``source`` into the request's ``place`` (under ``name``); return where it went."""
        folder = self.place(ref, place)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (name or source.name)
        try:
            os.replace(source, target)
        finally:
            self._forget(source, target)
        return target

    def copy(self, source: Path, ref: str, place: str, name: str) -> Path:
        """Copy ``source`` into the request's ``place`` as ``name``, all or nothing."""
        target = self.place(ref, place) / name
        try:
            return copy_whole(source, target)
        finally:
            self._forget(target)

    def remove(self, path: Path) -> None:
        """Remove the file ``path`` from a request folder, if it is there."""
        try:
            path.unlink(missing_ok=True)
        finally:
            self._forget(path)

    def wrote(self, path: Path) -> None:
        """Note that ``path`` was written by someone else (a rendering process)."""
        self._forget(path)

    def _forget(self, *paths: Path) -> None:
        for path in paths:  # <working folder>/<Ref>/<place>/<name>: forget the request's places
            self._listed.pop(path.parent.parent.name, None)

    def _names(self, ref: str, place: str) -> dict[str, str]:
        places = self._listed.setdefault(ref, {})
        names = places.get(place)
        if names is None:
            try:
                listed = os.listdir(os.path.join(self.working_folder, ref, place))
            except OSError:  # no such folder yet, or not a folder
                listed = []
            names = places[place] = {}
            for found in sorted(listed):
                names.setdefault(found.casefold(), found)
        return names
