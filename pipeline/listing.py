"""The files in each request's folders, listed once: a run looks for thousands of letters."""

from __future__ import annotations

import os
from collections.abc import Set
from pathlib import Path


class Listing:
    """Find files by name, ignoring case as Windows and macOS do, one listing per folder.

    Only for looking: a file written or moved after its folder was listed is not seen.
    """

    def __init__(self) -> None:
        self._folders: dict[Path, dict[str, str]] = {}

    def find(self, folder: Path, name: str) -> Path | None:
        """Return the file ``name`` in ``folder`` as it is spelt there, or None."""
        spelt = self._listed(folder).get(name.casefold())
        return folder / spelt if spelt is not None else None

    def names(self, folder: Path) -> Set[str]:
        """Return the names of the files in ``folder``, case folded."""
        return self._listed(folder).keys()

    def _listed(self, folder: Path) -> dict[str, str]:
        names = self._folders.get(folder)
        if names is None:
            try:
                listed = os.listdir(folder)
            except OSError:  # no such folder yet, or not a folder
                listed = []
            names = self._folders[folder] = {}
            for found in sorted(listed):
                names.setdefault(found.casefold(), found)
        return names
