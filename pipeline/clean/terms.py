"""What is searched for to mark a third party's mentions, and how a page's words are matched.

Matching is bounded on purpose, so that a look-alike word is never marked:

- A term matches whole words only, one or more in a row: ``Nan`` never marks ``Nancy``.
- Words are compared after folding what does not change a name: case, accents (Welsh ``ŵ``),
  punctuation and spaces inside and around a word (so a name split by a line break or a
  hyphen, ``Hartley-`` / ``Boateng``, a phone number in any spacing, a postcode with or
  without its space all match), a possessive ``'s``, and OCR's usual confusions of one
  character for another (``0``/``o``, ``1``/``l``/``i``/``|``, ``5``/``s``, ``rn``/``m``,
  ``vv``/``w``).
- Nothing else: no spelling distance, so ``Hartly`` or ``Heartley`` are not ``Hartley``.
- A part of a name is searched for on its own only when it identifies the party: at least
  three letters, not a common word, and not also a part of the child's, the requester's or a
  consenting (or other) party's name. The full name always is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.model import Request, ThirdParty

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")

# First names that are also everyday words: searched for only as part of the full name.
_COMMON_WORDS = frozenset(
    [
        "may",
        "june",
        "april",
        "august",
        "summer",
        "autumn",
        "rose",
        "lily",
        "daisy",
        "iris",
        "ivy",
        "holly",
        "hazel",
        "violet",
        "grace",
        "hope",
        "faith",
        "joy",
        "amber",
        "ruby",
        "pearl",
        "crystal",
        "dawn",
        "sky",
        "rain",
        "storm",
        "bill",
        "will",
        "mark",
        "pat",
        "sue",
        "jack",
        "frank",
        "art",
        "chase",
        "hunter",
        "mason",
        "page",
        "dean",
        "rich",
        "sandy",
        "rusty",
        "gene",
        "earl",
        "king",
        "read",
        "nurse",
        "mum",
        "dad",
        "nan",
        "gran",
        "the",
        "and",
        "for",
    ]
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_CONFUSIONS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s"})


def fold(text: str) -> str:
    """Fold a word or phrase to the form words are compared in (see the module's rules)."""
    text = text.replace("|", "l").casefold()
    text = re.sub(r"['’]s$", "", text)
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = re.sub(r"[^0-9a-z]", "", text)
    return text.replace("rn", "m").replace("vv", "w").translate(_CONFUSIONS)


@dataclass(frozen=True)
class Term:
    """One thing searched for: what it is for a person, and its folded form."""

    party: str  # TP2
    text: str  # as the register says it
    key: str  # folded


@dataclass(frozen=True)
class Marked:
    """A party whose mentions are marked: its code, who, why, and what is searched for."""

    party: str
    note: str  # on each mark: "TP2 Gwendolyn Hartley-Boateng — refused (Sch 2 para 16)"
    why: str  # in the log, which names no one: "refused (Sch 2 para 16): <Decision notes>"
    terms: tuple[Term, ...]


def redacted(party: ThirdParty) -> bool:
    """Say whether a party's mentions are to be marked: it refuses, or has not decided."""
    return party.decision != "Consents"


def _name_parts(name: str) -> list[str]:
    """Return the words of a name without titles, hyphenated parts split out too."""
    words = [word.strip(".,") for word in name.split()]
    words = [word for word in words if word and word.rstrip(".") not in TITLES]
    parts: list[str] = []
    for word in words:
        parts.append(word)
        if "-" in word:
            parts += [piece for piece in word.split("-") if piece]
    return parts


def _names_of(people: Iterable[str]) -> set[str]:
    return {fold(part) for name in people for part in _name_parts(name)}


def terms_for(
    party: ThirdParty, request: Request, parties: Sequence[ThirdParty]
) -> tuple[Term, ...]:
    """Return every term searched for to mark ``party``'s mentions in its request's file."""
    others = _names_of(
        [request.child, request.requester]
        + [other.name for other in parties if other.party != party.party]
    )
    found: list[str] = []
    if party.name:
        words = [word for word in party.name.split() if word.rstrip(".") not in TITLES]
        found.append(" ".join(words))
        if len(words) > 2:
            found.append(f"{words[0]} {words[-1]}")
        surname = words[-1] if words else ""
        found += [f"{title} {surname}" for title in TITLES if surname]
        found += [
            part
            for part in _name_parts(party.name)
            if len(fold(part)) >= 3
            and fold(part) not in _COMMON_WORDS
            and fold(part) not in others
            and not part.endswith(".")
        ]
    if party.kind == "Agency" and party.organisation:
        found.append(party.organisation)
    if party.email:
        found.append(party.email.strip())
    found += _address_terms(party.address)
    found += [alias.strip() for alias in re.split(r"[;,\n]", party.also_known_as)]
    found += [variant for text in found for variant in _phone_variants(text)]
    terms: dict[str, Term] = {}
    for text in found:
        key = fold(text)
        if len(key) >= 2 and key not in terms:
            terms[key] = Term(party.party, text, key)
    return tuple(sorted(terms.values(), key=lambda term: -len(term.key)))


def _phone_variants(text: str) -> list[str]:
    """Return a phone number as written from abroad or at home: 029… and +44 29…."""
    digits = re.sub(r"[\s()-]", "", text)
    if not re.fullmatch(r"\+?\d{9,13}", digits):
        return []
    if digits.startswith("+44"):
        return ["0" + digits[3:]]
    return ["+44" + digits[1:]] if digits.startswith("0") else []


def _address_terms(address: str) -> list[str]:
    """Return the postal address's lines that identify it (a house and street, a postcode)."""
    found = [match.group(0) for match in _POSTCODE.finditer(address)]
    for line in re.split(r"[,\n]", address):
        line = _POSTCODE.sub("", line).strip()
        if any(char.isdigit() for char in line) or len(line.split()) >= 2:
            found.append(line)
    return found


@dataclass(frozen=True)
class Word:
    """One word of a page, where it is, and its folded form."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points
    text: str
    key: str


@dataclass(frozen=True)
class Found:
    """A term found on a page: the words it covers."""

    term: Term
    boxes: tuple[tuple[float, float, float, float], ...]


def find(words: Sequence[Word], terms: Sequence[Term]) -> list[Found]:
    """Return every run of whole words that matches a term, the longest term first.

    A word already covered by a longer match is not matched again.
    """
    taken: set[int] = set()
    found: list[Found] = []
    for term in terms:  # longest first: "Mrs Hartley-Boateng" before "Boateng"
        start = 0
        while start < len(words):
            end = _match_from(words, start, term.key, taken)
            if end is None:
                start += 1
                continue
            covered = range(start, end)
            taken.update(covered)
            found.append(Found(term, tuple(words[index].box for index in covered)))
            start = end
    return found


def _match_from(words: Sequence[Word], start: int, key: str, taken: set[int]) -> int | None:
    """Return the end of the run of words from ``start`` that spells ``key``, or None."""
    first = words[start].key
    if start in taken or not first or not key.startswith(first):
        return None
    spelt, index = "", start
    while index < len(words) and len(spelt) < len(key):
        if index in taken:
            return None
        spelt += words[index].key
        if not key.startswith(spelt):
            return None
        index += 1
    return index if spelt == key else None
