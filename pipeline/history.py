"""Combine the register's rows with the journal's history: what was sent, and what was filed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from pipeline.journal import SENT, Entry, Filing, Send
from pipeline.letters.kinds import LetterId
from pipeline.model import Complaint, Request, ThirdParty


def sent_on(sends: Mapping[str, Send], letter_id: str) -> date | None:
    """Return the day a letter went, or None while it has not."""
    send = sends.get(letter_id)
    return send.sent if send is not None and send.state == SENT else None


def by_request(entries: Mapping[str, Entry]) -> dict[str, dict[str, Entry]]:
    """Group the journal's letters by their request's Ref, each request's by letter id."""
    grouped: dict[str, dict[str, Entry]] = {}
    for letter_id, entry in entries.items():
        grouped.setdefault(entry.ref, {})[letter_id] = entry
    return grouped


def with_history(
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    entries: Mapping[str, Entry],
    sends: Mapping[str, Send],
    filings: Mapping[str, Filing],
) -> tuple[list[Request], list[ThirdParty]]:
    """Return the requests and parties with the journal's sent and reply dates filled in, and
    the address the last reply came from.

    The journal wins where it knows; otherwise the register's own dates stand (a letter sent
    before the pipeline was used, or a reply the manager recorded by hand). Bounces and
    automatic replies are not filings: they fill in nothing.
    """
    reminders: dict[tuple[str, str], list[date]] = {}
    for entry in entries.values():
        day = sent_on(sends, entry.letter_id)
        if entry.kind == "reminder" and day is not None:
            reminders.setdefault((entry.ref, entry.party), []).append(day)
    replies: dict[tuple[str, str], Filing] = {}
    for filing in filings.values():
        latest = replies.get((filing.ref, filing.party))
        if latest is None or filing.received >= latest.received:
            replies[(filing.ref, filing.party)] = filing
    # A row is copied only where the journal changes it: most rows are as the register says.
    merged_requests = []
    for request in requests:
        acknowledged = sent_on(sends, f"{request.ref}/acknowledgement") or request.acknowledged
        if acknowledged != request.acknowledged:
            request = replace(request, acknowledged=acknowledged)
        notice = str(LetterId.of(request.ref, "extension"))
        notice_sent = sent_on(sends, notice)
        if notice_sent is not None:
            # When it was given decides whether the extension counts (Art 12A(4)).
            posted = notice in entries and entries[notice].by == "Post"
            request = replace(request, extension_sent=notice_sent, extension_posted=posted)
        response_sent = sent_on(sends, f"{request.ref}/response")
        if response_sent != request.response_sent:
            request = replace(request, response_sent=response_sent)
        merged_requests.append(request)
    merged_parties = []
    for party in parties:
        key = (party.ref, party.party)
        reply = replies.get(key)
        consent = str(LetterId.of(party.ref, "consent-family", party.party))
        letter_sent = sent_on(sends, consent) or party.letter_sent
        reminder_sent = max(reminders[key]) if key in reminders else party.reminder_sent
        reply_received = reply.received if reply else party.reply_received
        reply_file = reply.file_name if reply else party.reply
        reply_from = reply.sender if reply else ""
        known = (letter_sent, reminder_sent, reply_received, reply_file, reply_from)
        if known != (
            party.letter_sent, party.reminder_sent, party.reply_received, party.reply,
            party.reply_from,
        ):  # fmt: skip
            party = replace(
                party,
                letter_sent=letter_sent,
                reminder_sent=reminder_sent,
                reply_received=reply_received,
                reply=reply_file,
                reply_from=reply_from,
            )
        merged_parties.append(party)
    return merged_requests, merged_parties


def complaints_with_history(
    complaints: Sequence[Complaint], sends: Mapping[str, Send]
) -> list[Complaint]:
    """Return the complaints with the days their letters went, where the journal knows them."""
    merged = []
    for complaint in complaints:
        acknowledged = (
            sent_on(sends, f"{complaint.ref}/complaint-acknowledgement") or complaint.acknowledged
        )
        outcome_sent = sent_on(sends, f"{complaint.ref}/complaint-outcome")
        if (acknowledged, outcome_sent) != (complaint.acknowledged, complaint.outcome_sent):
            complaint = replace(complaint, acknowledged=acknowledged, outcome_sent=outcome_sent)
        merged.append(complaint)
    return merged
