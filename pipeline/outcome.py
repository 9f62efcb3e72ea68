"""What one weekly run did and found: each stage's result, assembled once, for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.clean.stage import CleanCopies
from pipeline.complaints import ComplaintProgress
from pipeline.example import ExampleSetting
from pipeline.letters.withdraw import Withdrawing
from pipeline.model import Complaint, Letter, Problem, Request, ThirdParty
from pipeline.progress import Progress
from pipeline.records.consents import Bundles
from pipeline.register.writeback import WriteBack
from pipeline.replies.filing import Collecting
from pipeline.replies.undelivered import Undelivered
from pipeline.sending.send import Sending


@dataclass(frozen=True)
class Generation:
    """The letters the run wrote (or, in a dry run, would write), and those waiting to sign."""

    generated: tuple[tuple[Letter, Path], ...] = ()
    regenerated: tuple[tuple[Letter, Path], ...] = ()  # had gone from their folder
    cannot_regenerate: tuple[str, ...] = ()  # had gone, and cannot be made again: why
    late_extensions: tuple[str, ...] = ()  # Refs whose extension notice goes after month one
    to_sign: tuple[Path, ...] = ()  # every letter in a to-sign folder
    by_post: frozenset[str] = frozenset()  # file names of letters that go by post


@dataclass(frozen=True)
class Outcome:
    """What one run did and found; the report reads only this."""

    today: date
    dry_run: bool
    register: Path
    working_folder: Path
    problems: tuple[Problem, ...]  # rows skipped, and why
    progress: tuple[tuple[Request, Progress], ...]
    replies: Collecting
    sending: Sending
    withdrawing: Withdrawing
    letters: Generation
    records: tuple[Path, ...]  # consents records written
    bundles: Bundles
    undecided: tuple[ThirdParty, ...]  # replied, no Decision yet
    write_back: WriteBack
    mail_problems: tuple[str, ...]  # the mailbox or sending failed, and why
    notes: tuple[str, ...]  # things to know, said once
    example: ExampleSetting  # letters.toml's example values left, and whether this is the demo
    undelivered: tuple[Undelivered, ...] = ()  # letters that came back, still to put right
    clean: CleanCopies = field(default_factory=CleanCopies)  # redaction reviews and clean copies
    text: str = ""  # the to-do list, as printed and saved
    report_file: Path | None = None
    report_error: str = ""  # why the to-do list could not be saved, for a person
    complaints: tuple[tuple[Complaint, ComplaintProgress], ...] = ()  # each open complaint
