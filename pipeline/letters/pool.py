"""Write many documents at once: one process per core, each with its own template cache.

The run plans every document first, then writes them here. The results come back in the
order of the jobs, each as soon as it and every job before it is on disk, so the caller
journals each one after its file exists and a run stopped half-way resumes exactly.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import LettersError
from pipeline.letters.render import Renderer

# Jobs handed to a process at a time: 16 letters are about 20 ms of its work.
CHUNK = 16
# Below this many documents a new process costs more (about half a second to start) than it
# saves (about 20 ms a letter).
SMALL_BATCH = 60


@dataclass(frozen=True)
class Job:
    """One document to write: its template, its placeholder values and where it goes."""

    template: str
    values: dict[str, Any]
    target: Path


def cores() -> int:
    """Return how many cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Windows and macOS


def processes_for(setting: int, jobs: int) -> int:
    """Return how many processes to write ``jobs`` documents with (``setting`` 0: every core)."""
    return 1 if jobs < SMALL_BATCH else setting or cores()


def write_all(
    renderer: Renderer, jobs: list[Job], processes: int, meanwhile: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Write every job's document, yielding each path in the jobs' order once it is written.

    When other processes write them, ``meanwhile`` runs in a thread of this one, which would
    otherwise only wait for them; it is done when the last path has been yielded.
    """
    if processes <= 1:
        for job in jobs:
            yield renderer.write_file(job.template, job.values, job.target)
        return
    # "spawn" everywhere: the same on Windows, macOS and Linux, and no copy of the run's
    # open journal or mail connection in the children.
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(renderer.folder,),
    )
    helper = threading.Thread(target=meanwhile or (lambda: None), daemon=True)
    try:
        # A few jobs at a time (a letter takes ~1 ms, handing one over ~0.5 ms of the run's
        # time and the worker's); each chunk stops at its first error and hands back what it
        # wrote before it, so an error stops the batch right after the last document written
        # before it, as in one process.
        chunks = [jobs[start : start + CHUNK] for start in range(0, len(jobs), CHUNK)]
        written = pool.map(_write_chunk, chunks)
        helper.start()
        try:
            for paths in written:
                yield from paths
        except _Stopped as stopped:
            before, error = stopped.args
            yield from before
            raise error from stopped.__cause__  # the other process's traceback
        helper.join()
    except BrokenProcessPool:
        raise LettersError(
            "a process writing letters stopped before it finished (was the computer short of "
            "memory?). The letters written so far are kept and journaled; run again, and if it "
            "happens again set processes = 1 under [run] in letters.toml."
        ) from None
    finally:
        # A run stopped by an error writes nothing more than what is already under way.
        pool.shutdown(wait=True, cancel_futures=True)
        if helper.ident is not None:
            helper.join()


_renderer: Renderer | None = None


def _start(folder: Path) -> None:
    global _renderer
    _renderer = Renderer(folder)
    # A run killed (SIGKILL, the out-of-memory killer) cannot stop its processes, and they
    # would wait for work for ever: each one holds its own end of the queue they read from.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    """Wait for the run that started this process to end, then end too."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


class _Stopped(Exception):
    """A chunk stopped by an error: the documents written before it, and the error."""

    def __init__(self, written: list[Path], error: BaseException) -> None:
        super().__init__(written, error)


def _write_chunk(jobs: list[Job]) -> list[Path]:
    assert _renderer is not None, "the process was started without its renderer"
    written: list[Path] = []
    for job in jobs:
        try:
            written.append(_renderer.write_file(job.template, job.values, job.target))
        except Exception as error:
            raise _Stopped(written, error) from None
    return written
