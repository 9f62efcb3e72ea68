"""Make sure only one weekly run works on a register at a time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.errors import LettersError

try:  # POSIX
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True


class RunLock:
    """An exclusive lock on a file beside the register, released when the run ends."""

    def __init__(self, register: Path) -> None:
        self.path = register.with_name(f".{register.name}.run-lock")
        self._handle: IO[str] | None = None
        # Whether the run before did not end well: killed, stopped by an error, or the computer
        # went off. It may have left half-written files anywhere; one that ended well cleared
        # its process id from the file.
        self.last_run_stopped = False

    def __enter__(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+", encoding="utf-8")
        except OSError as error:  # named by its folder: the manager has never seen the lock
            error.filename = str(self.path.parent)
            raise
        if not _try_lock(handle):
            handle.close()
            raise LettersError(
                f"{self.path.parent}: another run is working on this register right now. "
                "Wait for it to finish, then run again."
            )
        try:
            handle.seek(0)
            self.last_run_stopped = bool(handle.read().strip())
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError as error:  # the disk full: say which folder, as a write names none
            with contextlib.suppress(OSError):
                handle.close()  # (what it could not write, it cannot write on closing either)
            error.filename = str(self.path.parent)
            raise
        self._handle = handle
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            if kind is None:  # ended well, so it left nothing half-written for the next to find
                with contextlib.suppress(OSError):  # (a full disk cannot stop it ending)
                    self._handle.seek(0)
                    self._handle.truncate()
            self._handle.close()
            self._handle = None
