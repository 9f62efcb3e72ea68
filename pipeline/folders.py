"""The files in each request's folders, listed once: a run looks for thousands of letters."""

from __future__ import annotations

import os
from collections.abc import Collection, Set
from pathlib import Path


class Listing:
    """Find files in a request's folders by name, ignoring case as Windows and macOS do.

    Each folder (``to-sign``, ``signed``, ``sent``, … of one request) is listed once, when it is
    first asked about. Whoever writes, moves or deletes a file in a request's folders calls
    ``forget`` with that request's folder, so the next look lists them again.
    """

    def __init__(self) -> None:
        # request folder → place → case-folded name → the name as spelt on disk
        self._requests: dict[Path, dict[str, dict[str, str]]] = {}

    def find(self, folder: Path, place: str, name: str) -> Path | None:
        """Return the file ``name`` in ``folder``/``place`` as it is spelt there, or None."""
        spelt = self._listed(folder, place).get(name.casefold())
        return folder / place / spelt if spelt is not None else None

    def names(self, folder: Path, place: str) -> Set[str]:
        """Return the names of the files in ``folder``/``place``, case folded."""
        return self._listed(folder, place).keys()

    def spelt(self, folder: Path, place: str) -> Collection[str]:
        """Return the names of the files in ``folder``/``place`` as spelt on disk."""
        return self._listed(folder, place).values()

    def forget(self, folder: Path) -> None:
        """Forget what was listed in the request ``folder``: a file in it was written or moved."""
        self._requests.pop(folder, None)

    def _listed(self, folder: Path, place: str) -> dict[str, str]:
        places = self._requests.setdefault(folder, {})
        names = places.get(place)
        if names is None:
            try:
                listed = os.listdir(os.path.join(folder, place))
            except OSError:  # no such folder yet, or not a folder
                listed = []
            names = places[place] = {}
            for found in sorted(listed):
                names.setdefault(found.casefold(), found)
        return names
