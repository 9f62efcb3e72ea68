"""History: the journal's sent and reply dates fill the register; the register's own stand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pipeline.history import with_history
from pipeline.journal import Entry, Filing, Send
from pipeline.model import Request, ThirdParty

from support.model import party_data, request_data
from support.register import REF

OTHER = "SAR-2026-002"


def a_request(ref: str = REF, acknowledged: date | None = None) -> Request:
    return request_data(ref=ref, acknowledged=acknowledged)


def a_party(code: str, ref: str = REF, **fields: object) -> ThirdParty:
    return party_data(row=int(code[2:]) + 1, ref=ref, party=code, **fields)


def entry(letter_id: str, kind: str) -> Entry:
    ref, _, rest = letter_id.partition("/")
    party = rest.split("/")[0] if "/" in rest else ""
    return Entry(
        letter_id=letter_id,
        ref=ref,
        party=party,
        kind=kind,
        recipient="Joan Smith",
        by="Email",
        destination="joan@example.org",
        file_name=f"{letter_id.replace('/', ' ')}.docx",
        generated=date(2026, 11, 2),
        regenerated=0,
    )


def send(letter_id: str, state: str, sent: date | None = None) -> Send:
    return Send(letter_id, date(2026, 11, 3), "<m@example.org>", state, sent, "")


def filing(key: str, party: str, received: date, filed: date, ref: str = REF) -> Filing:
    name = f"{ref} {party} reply {received.isoformat()} {key}.eml".replace("  ", " ")
    return Filing(key, ref, party, received, filed, name, (name,), f"{key}.eml")


def by_id(*items: Entry) -> dict[str, Entry]:
    return {item.letter_id: item for item in items}


def test_the_journals_sent_dates_fill_acknowledged_letter_sent_and_the_latest_reminder() -> None:
    entries = by_id(
        entry(f"{REF}/acknowledgement", "acknowledgement"),
        entry(f"{REF}/TP1/consent", "consent-agency"),
        entry(f"{REF}/TP1/reminder-2", "reminder"),  # listed first, sent last
        entry(f"{REF}/TP1/reminder-1", "reminder"),
        entry(f"{REF}/TP2/consent", "consent-family"),
        entry(f"{REF}/TP2/reminder-1", "reminder"),
    )
    sends = {
        f"{REF}/acknowledgement": send(f"{REF}/acknowledgement", "sent", date(2026, 11, 3)),
        f"{REF}/TP1/consent": send(f"{REF}/TP1/consent", "sent", date(2026, 11, 4)),
        f"{REF}/TP1/reminder-1": send(f"{REF}/TP1/reminder-1", "sent", date(2026, 11, 11)),
        f"{REF}/TP1/reminder-2": send(f"{REF}/TP1/reminder-2", "sent", date(2026, 11, 18)),
        f"{REF}/TP2/consent": send(f"{REF}/TP2/consent", "sending"),  # may not have gone
        f"{REF}/TP2/reminder-1": send(f"{REF}/TP2/reminder-1", "signed"),
    }
    parties = [a_party("TP1"), a_party("TP2")]

    requests, merged = with_history([a_request()], parties, entries, sends, {})

    assert requests == [a_request(acknowledged=date(2026, 11, 3))]
    assert merged == [
        a_party("TP1", letter_sent=date(2026, 11, 4), reminder_sent=date(2026, 11, 18)),
        a_party("TP2"),
    ]


def test_the_latest_filed_reply_fills_reply_received_and_reply() -> None:
    filings = {
        item.key: item
        for item in (
            filing("first", "TP1", date(2026, 11, 5), date(2026, 11, 9)),
            filing("latest", "TP1", date(2026, 11, 12), date(2026, 11, 16)),
            filing("late-filed", "TP1", date(2026, 11, 7), date(2026, 11, 17)),  # older post
            filing("requester", "", date(2026, 11, 20), date(2026, 11, 23)),
            filing("other-request", "TP2", date(2026, 11, 6), date(2026, 11, 9), ref=OTHER),
        )
    }
    parties = [a_party("TP1"), a_party("TP2")]

    _, merged = with_history([a_request()], parties, {}, {}, filings)

    assert merged == [
        a_party(
            "TP1",
            reply_received=date(2026, 11, 12),
            reply=f"{REF} TP1 reply 2026-11-12 latest.eml",
        ),
        a_party("TP2"),  # the other request's TP2 is another person
    ]


def test_of_two_replies_received_the_same_day_the_one_filed_last_fills_reply() -> None:
    filings = {
        item.key: item
        for item in (
            filing("one", "TP1", date(2026, 11, 5), date(2026, 11, 9)),
            filing("two", "TP1", date(2026, 11, 5), date(2026, 11, 9)),
        )
    }

    _, [merged] = with_history([a_request()], [a_party("TP1")], {}, {}, filings)

    assert (merged.reply_received, merged.reply) == (
        date(2026, 11, 5),
        f"{REF} TP1 reply 2026-11-05 two.eml",
    )


def test_the_registers_own_dates_stand_where_the_journal_knows_nothing() -> None:
    by_hand = a_party(
        "TP1",
        letter_sent=date(2026, 10, 1),  # sent before the pipeline was used
        reminder_sent=date(2026, 10, 8),
        reply_received=date(2026, 10, 14),  # a reply the manager recorded by hand
        reply="Phoned: happy to share",
        decision="Consents",
    )
    filed = a_party("TP2")
    request = a_request(acknowledged=date(2026, 9, 30))
    filings = {"x": filing("x", "TP2", date(2026, 11, 5), date(2026, 11, 9))}
    sends = {f"{REF}/TP2/consent": send(f"{REF}/TP2/consent", "sent", date(2026, 11, 3))}
    entries = by_id(entry(f"{REF}/TP2/consent", "consent-family"))

    requests, merged = with_history([request], [by_hand, filed], entries, sends, filings)

    assert requests == [request]
    assert merged == [
        by_hand,
        replace(
            filed,
            letter_sent=date(2026, 11, 3),
            reply_received=date(2026, 11, 5),
            reply=f"{REF} TP2 reply 2026-11-05 x.eml",
        ),
    ]


def test_the_journal_wins_where_it_knows() -> None:
    typed = a_party("TP1", letter_sent=date(2026, 11, 1), reply_received=date(2026, 11, 2))
    entries = by_id(entry(f"{REF}/TP1/consent", "consent-agency"))
    sends = {f"{REF}/TP1/consent": send(f"{REF}/TP1/consent", "sent", date(2026, 11, 3))}
    filings = {"x": filing("x", "TP1", date(2026, 11, 6), date(2026, 11, 9))}

    _, [merged] = with_history(
        [a_request(acknowledged=date(2026, 11, 1))], [typed], entries, sends, filings
    )

    assert (merged.letter_sent, merged.reply_received, merged.reply) == (
        date(2026, 11, 3),
        date(2026, 11, 6),
        f"{REF} TP1 reply 2026-11-06 x.eml",
    )
