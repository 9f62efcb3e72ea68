"""Name letters' files so a person understands them and every file system accepts them."""

from __future__ import annotations

import re
import unicodedata

from pipeline.letters.kinds import KINDS

_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
# Windows refuses paths over 260 characters; the name of a person or agency gets at most this.
_LONGEST_NAME = 60


def safe_part(text: str, longest: int = _LONGEST_NAME) -> str:
    """Make text safe inside a file name on Windows and macOS, cut at a word if too long."""
    # Control and format characters (DEL, C1 codes, the right-to-left override that makes
    # "\u202egnp.exe" look like "exe.png") have no place in a file name. Every such character
    # is unprintable, so a printable name, nearly every name, skips the look at each character
    # (0.02 s of the nothing-to-do run on 1,000 requests, which names every letter again).
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    text = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", text).split()).strip(" .")
    if len(text) > longest:
        cut = text[: longest + 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else text[:longest]).rstrip(" .,")
    return text


def file_name(ref: str, kind: str, who: str, party: str = "", number: int = 0) -> str:
    """Return a file name a person understands, safe on Windows and macOS."""
    label = KINDS[kind].label + (f" {number}" if number else "")
    words = " ".join(part for part in (ref, label, party) if part)
    who = safe_part(who)
    return f"{words} - {who}.docx" if who else f"{words}.docx"
