"""Party codes: TP1, TP2, … given once and for good, never to anyone else in the request."""

from __future__ import annotations

from collections.abc import Collection, Mapping


def party_code(on_sheet: Collection[int], given: Mapping[int, str], who: str) -> str:
    """Return the code for a third party whose Party cell is blank.

    ``on_sheet`` holds the numbers of the codes the request's rows carry now, ``given`` every
    code the journal knows was ever given in the request (number → who, case folded). The
    person gets back the code they were given before, if no row carries it; anyone else the
    next number never given, so that a code stays with its person even after their row is
    deleted (letters and replies carry it).
    """
    folded = who.casefold()
    for number in sorted(given):
        if folded and given[number] == folded and number not in on_sheet:
            return f"TP{number}"
    return f"TP{max((*on_sheet, *given), default=0) + 1}"
