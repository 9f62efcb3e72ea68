"""Crash on purpose at a named step, so tests can prove a killed run loses and repeats nothing.

Set ``LETTERS_CRASH_AT`` to a step's name (``send:after``), optionally with the occurrence to
crash at (``send:after#2``); ``LETTERS_CRASH_MODE=kill`` makes it a real SIGKILL of the process
instead of an exception, and ``LETTERS_CRASH_MODE=stop`` stops the process there (SIGSTOP) until
it is continued (SIGCONT), so a test can do what a person might do at that moment (open the
register in Excel) and see what the run makes of it. Unset, a checkpoint does nothing.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

STEPS = (
    "generate:written",  # a letter is in to-sign/, not yet journaled
    "send:journaled",  # a send is journaled as started, the back-end not yet called
    "send:done",  # the back-end has sent it, the journal not yet told
    "send:recorded",  # the journal says sent, the signed copy not yet moved to sent/
    "file:written",  # a reply's files are in replies/, not yet journaled
    "file:recorded",  # the journal has the filing, the inbox item not yet moved
    "register:saving",  # the new register is written beside the old, not yet checked and in place
)

_seen: Counter[str] = Counter()


class SimulatedCrash(RuntimeError):
    """The run stopped at a checkpoint because a test asked it to."""


def checkpoint(step: str) -> None:
    """Crash here if ``LETTERS_CRASH_AT`` names this step (and this occurrence of it)."""
    wanted = os.environ.get("LETTERS_CRASH_AT", "")
    if not wanted:
        return
    name, _, count = wanted.partition("#")
    if name != step:
        return
    _seen[step] += 1
    if _seen[step] != int(count or 1):
        return
    mode = os.environ.get("LETTERS_CRASH_MODE")
    if mode == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
        return  # continued: the run goes on from here
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise SimulatedCrash(f"stopped on purpose at {step} (LETTERS_CRASH_AT)")


def reset() -> None:
    """Forget how often each checkpoint was passed (between runs in one process)."""
    _seen.clear()
