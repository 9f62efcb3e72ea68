"""What every stage of one weekly run is given: the settings, the day, and where things are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.config import Config
from pipeline.folders import Folders
from pipeline.journal import Journal


@dataclass(frozen=True)
class RunContext:
    """One run's settings, day and shared stores; the stages read it and return results."""

    config: Config
    today: date
    dry_run: bool
    journal: Journal
    folders: Folders
