"""The one error type the pipeline raises for a person to act on, and the computer's own.

A file that cannot be written because the disk is full, the folder is read-only or another
program holds it is not a bug: ``file_error`` turns the system's error numbers into one line
naming the file and what to do, and the run translates them where its stages meet. Any other
error is a bug, and keeps its traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path


class LettersError(Exception):
    """Something a person must fix: what is wrong, where, and what to do.

    Every stage translates the exceptions of the libraries it owns into this one, so the
    command line can print ``Error: …`` and stop without a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def describe(error: BaseException) -> str:
    """Say in a few words why a file could not be read or written: the system's reason."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


# The troubles a file can have that are the computer's, not the pipeline's: what each means for
# a person, and what they can do. The one table of them (the journal's SQLite errors map here).
FULL, QUOTA, TOO_LARGE, READ_ONLY, DENIED, BUSY, FAILING = (
    "full", "quota", "too large", "read-only", "denied", "busy", "failing"
)  # fmt: skip
_FREE_SPACE = "Free some space on that drive (empty its recycle bin, move old files off it)"
TROUBLES = {
    FULL: ("the disk is full", _FREE_SPACE),
    QUOTA: ("your share of the disk (quota) is used up", f"{_FREE_SPACE}, or ask for more"),
    TOO_LARGE: ("the file is larger than this computer lets it be written", _FREE_SPACE),
    READ_ONLY: (
        "the drive or folder is read-only",
        "Make it writable (a memory stick's lock switch, a shared folder's permissions), or "
        "set the path in letters.toml to a folder that can be written",
    ),
    DENIED: (
        "permission denied: another program has it open, or this user may not write there",
        "Close it in the program that has it (Excel, Word, a PDF viewer, a sync program), or "
        "give this user permission to write in that folder",
    ),
    BUSY: ("another program is using it", "Close it in the program that has it"),
    FAILING: (
        "the drive did not answer (a memory stick taken out, a network drive disconnected?)",
        "Check the drive is connected and works",
    ),
}
# The error numbers (errno) of each trouble. ENOENT and the rest are left out: they mean a bug.
ERRNOS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: QUOTA,
    errno.EFBIG: TOO_LARGE,
    errno.EROFS: READ_ONLY,
    errno.EACCES: DENIED,
    errno.EPERM: DENIED,
    errno.EBUSY: BUSY,
    errno.ETXTBSY: BUSY,
    errno.EIO: FAILING,
}
# The last sentence of a message: what became of the run.
STOPPED = (
    "The run stopped there: what it had finished is kept, nothing half-written is left, "
    "and the next run carries on from there."
)


def advice(error: OSError, otherwise: str) -> str:
    """Say what to do about ``error``: the table's words for the computer's troubles, else
    ``otherwise`` (a sentence without its full stop, as theirs)."""
    trouble = ERRNOS.get(error.errno or 0)
    return TROUBLES[trouble][1] if trouble is not None else otherwise


def trouble_message(where: Path | str, trouble: str, reason: str, then: str = STOPPED) -> str:
    """Say that ``where`` cannot be written because of ``trouble``, what to do, and ``then``."""
    meaning, todo = TROUBLES[trouble]
    return f"{where}: cannot be written: {meaning} ({reason}). {todo}, then run again. {then}"


def file_error(
    error: OSError, where: Path | str | None = None, then: str = STOPPED
) -> LettersError | None:
    """Turn an OSError that is the computer's (disk full, read-only, held) into one for a person.

    ``where`` names the file when the error does not (a write to an open file names none);
    ``then`` says what became of the run. Return None for any other error: that one is a bug,
    and keeps its traceback.
    """
    trouble = ERRNOS.get(error.errno or 0)
    if trouble is None:
        return None
    named = error.filename if error.filename is not None else where
    reason = error.strerror or trouble
    return LettersError(trouble_message(named or "a file", trouble, reason, then))
