"""What one weekly run did and found: plain data for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.journal import Entry, Filing
from pipeline.model import Letter, Problem, Request, ThirdParty
from pipeline.progress import Progress


@dataclass
class Outcome:
    """What one run did and found, for the report."""

    today: date
    dry_run: bool
    register: Path
    working_folder: Path
    generated: list[tuple[Letter, Path]] = field(default_factory=list)
    regenerated: list[tuple[Letter, Path]] = field(default_factory=list)
    cannot_regenerate: list[str] = field(default_factory=list)
    to_sign: list[Path] = field(default_factory=list)
    progress: list[tuple[Request, Progress]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    late_extensions: list[str] = field(default_factory=list)
    register_written: bool = False
    backup: Path | None = None
    register_error: str = ""
    undecided: list[ThirdParty] = field(default_factory=list)  # replied, no Decision yet
    by_post: set[str] = field(default_factory=set)  # file names of letters that go by post
    report_file: Path | None = None
    text: str = ""  # the to-do list, as printed and saved
    sent: list[tuple[Entry, str]] = field(default_factory=list)  # letter, how it went
    to_post: list[Path] = field(default_factory=list)  # signed, to print and post
    filed: list[Filing] = field(default_factory=list)  # replies filed this run
    unmatched: list[str] = field(default_factory=list)  # replies left in the inbox, and why
    kept_out: list[str] = field(default_factory=list)  # reply attachments over the size limit
    mail_problems: list[str] = field(default_factory=list)  # sending that failed, and why
    records: list[Path] = field(default_factory=list)  # consents records written
    bundles: list[Path] = field(default_factory=list)  # request bundles built
    notes: list[str] = field(default_factory=list)  # things to know, said once
