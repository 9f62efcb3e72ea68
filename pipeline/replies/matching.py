"""Match a reply to its request and third party by reference or thread; never guess."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.letters.kinds import reference
from pipeline.mail.base import Reply
from pipeline.model import ThirdParty

# After the reference: "/TP2", " TP2", "_tp2", and as people also write it, "TP 2" or "TP02".
_PARTY_AFTER_REF = re.compile(r"^\s*[-/_ ]?\s*TP\s*0*([1-9][0-9]*)(?![0-9])", re.IGNORECASE)
NOTHING = "no reference in its subject or file name, and it answers no letter that was sent"


class Referenced(Protocol):
    """What a reply can be for: a request, or a complaint, known by its reference."""

    @property
    def ref(self) -> str: ...


@dataclass(frozen=True)
class Match:
    """The request and third party a reply belongs to ("" for the requester)."""

    ref: str
    party: str
    letter: str = ""  # the letter id it answers, when known by the thread

    @property
    def who(self) -> str:
        """Return the request and party as a person quotes them: ``SAR-2026-001/TP2``."""
        return reference(self.ref, self.party)

    def same_place(self, other: Match) -> bool:
        """Say whether ``other`` names the same request and party (whatever the letter)."""
        return (self.ref, self.party) == (other.ref, other.party)


@dataclass(frozen=True)
class Ambiguous:
    """A reply that names, or answers, more than one request or party: not guessed."""

    candidates: tuple[tuple[Match, str], ...]  # each place and where it was found

    def __str__(self) -> str:
        named = [f"{match.who} ({where})" for match, where in self.candidates]
        return f"it could be for {' or '.join(named)}, so it was not filed"


def match_reply(
    reply: Reply,
    requests: Sequence[Referenced],
    parties: Mapping[str, Mapping[str, ThirdParty]],
    sent_ids: Mapping[str, Match],
) -> Match | Ambiguous | str:
    """Find the request and party ``reply`` answers; say why it matches nothing, or which
    places it could be for when its subject, file name and thread do not agree."""
    named: list[tuple[Match, str]] = []
    for where, text in (("its subject", reply.subject), ("its file name", reply.file_name)):
        for found in _references(text, requests):
            if found.party and found.party not in parties.get(found.ref, {}):
                return f"{found.who} is not a third party of that request"
            named.append((found, where))
    threaded = _distinct(
        [(sent_ids[i], "the email it answers") for i in reply.answers if i in sent_ids]
    )
    if len(threaded) > 1:
        return Ambiguous(tuple(threaded))
    thread = threaded[0][0] if threaded else None
    if not named:
        return _known(thread, requests, parties) if thread is not None else NOTHING
    refs = {match.ref for match, _ in named}
    specific = _distinct([(match, where) for match, where in named if match.party])
    if len(refs) > 1 or len(specific) > 1:
        return Ambiguous(tuple(_distinct(named)))
    by_reference = specific[0] if specific else named[0]
    if thread is None:
        return by_reference[0]
    if thread.ref != by_reference[0].ref or (specific and not thread.same_place(by_reference[0])):
        return Ambiguous((by_reference, threaded[0]))
    # The reference names the request (and maybe the party); the thread agrees and says more.
    return _known(thread, requests, parties)


def _references(text: str, requests: Sequence[Referenced]) -> Iterator[Match]:
    """Yield each request reference written in ``text``, with the party after it if any.

    A Ref written inside a longer one (SAR-2026-001 in SAR-2026-001-B) is the longer one's.
    """
    if not text:
        return
    spans: list[tuple[int, int, str]] = []
    for request in requests:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(request.ref)}(?![A-Za-z0-9])"
        spans += [(m.start(), m.end(), request.ref) for m in re.finditer(pattern, text, re.I)]
    for start, end, ref in sorted(spans):
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans):
            continue
        code = _PARTY_AFTER_REF.match(text[end:])
        yield Match(ref, f"TP{code.group(1)}" if code else "")


def _distinct(found: Sequence[tuple[Match, str]]) -> list[tuple[Match, str]]:
    """Keep the first of each request and party in ``found``, in order."""
    kept: list[tuple[Match, str]] = []
    for match, where in found:
        if not any(match.same_place(other) for other, _ in kept):
            kept.append((match, where))
    return kept


def _known(
    found: Match, requests: Sequence[Referenced], parties: Mapping[str, Mapping[str, ThirdParty]]
) -> Match | str:
    """Keep a match by thread only while its request and party rows are in good order."""
    if found.ref in {request.ref for request in requests} and (
        not found.party or found.party in parties.get(found.ref, {})
    ):
        return found
    return (
        f"it answers a letter for {found.who}, whose row in the register has a problem to fix first"
    )
