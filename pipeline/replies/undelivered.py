"""Say which letters did not arrive: each bounce whose address is still the one that failed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.journal import Entry, Send, SetAside
from pipeline.model import Request, ThirdParty
from pipeline.replies.automatic import BOUNCE


@dataclass(frozen=True)
class Undelivered:
    """A letter that came back: to whom, where it went, and what the server said."""

    ref: str
    party: str  # "" for the requester
    who: str  # the third party or requester, as the register names them
    letter: str  # the letter's file name, "" when the bounce does not say which
    sent: date | None  # the day it went, when known
    address: str  # the address to check: where it went, else the one the server refused
    reason: str  # what the server said
    returned: date  # the day the bounce came
    filed_as: str  # the bounce's file in the request's replies/ ("" in a dry run)


def undelivered(
    handled: Iterable[SetAside],
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
) -> tuple[Undelivered, ...]:
    """Return the letters that did not arrive and still need the manager, oldest first.

    One for each request and party, its latest bounce, listed until the register holds
    another address for them, they have replied, or the request is closed.
    """
    latest: dict[tuple[str, str], SetAside] = {}
    for item in handled:
        if item.nature == BOUNCE and item.ref:
            key = (item.ref, item.party)
            if key not in latest or item.received >= latest[key].received:
                latest[key] = item
    if not latest:
        return ()
    open_requests = {request.ref: request for request in requests if request.closed is None}
    by_party = {(party.ref, party.party): party for party in parties}
    found = []
    for (ref, code), item in latest.items():
        request = open_requests.get(ref)
        party = by_party.get((ref, code)) if code else None
        if request is None or (code and (party is None or party.has_replied)):
            continue
        letter = _letter(item, entries, sends)
        address = (letter.destination if letter and letter.by == "Email" else "") or item.recipient
        now = (party.email if party else request.requester_email).strip()
        if address and now.casefold() != address.casefold():
            continue  # the register has been corrected since
        found.append(
            Undelivered(
                ref=ref,
                party=code,
                who=party.display_name if party else request.requester,
                letter=letter.file_name if letter else "",
                sent=sends[letter.letter_id].sent if letter and letter.letter_id in sends else None,
                address=address,
                reason=item.reason,
                returned=item.received,
                filed_as=item.file_name,
            )
        )
    return tuple(sorted(found, key=lambda gone: (gone.returned, gone.ref, gone.party)))


def _letter(
    item: SetAside, entries: Mapping[str, Entry], sends: Mapping[str, Send]
) -> Entry | None:
    """Return the letter a bounce returns: the one it names, else the last sent to them."""
    if item.letter_id in entries:
        return entries[item.letter_id]
    went = [
        (send.sent, entry.letter_id)
        for entry in entries.values()
        if (entry.ref, entry.party) == (item.ref, item.party)
        and (send := sends.get(entry.letter_id)) is not None
        and send.sent is not None
        and send.sent <= item.received
    ]
    return entries[max(went)[1]] if went else None
