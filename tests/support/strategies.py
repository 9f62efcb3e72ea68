"""Hypothesis strategies for what a manager can type into a register cell."""

from __future__ import annotations

from hypothesis import strategies as st

# XML 1.0 has no place for these; openpyxl refuses the C0 controls when a cell is set
# (ILLEGAL_CHARACTERS_RE) and U+FFFE/U+FFFF when the workbook is saved.
XML_ILLEGAL = "".join(chr(code) for code in range(32) if chr(code) not in "\t\n\r") + "\ufffe\uffff"


def storable_text(
    *, min_size: int = 0, max_size: int = 60, exclude: str = ""
) -> st.SearchStrategy[str]:
    """Any text openpyxl can store: every Unicode character XML 1.0 allows."""
    alphabet = st.characters(exclude_categories=("Cs",), exclude_characters=XML_ILLEGAL + exclude)
    return st.text(alphabet, min_size=min_size, max_size=max_size)
