"""Awkward replies: filed only where they belong, never guessed, and none of them stops the run.

Each run goes through ``checked_run`` (tests/support/guard.py): what is written is inside a
request's replies/ folder or the inbox, and nothing that was there is overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import pytest

from pipeline.config import Config
from pipeline.journal import Filing, Journal, journal_path
from pipeline.run import weekly_run

from support.documents import scanned_pdf, text_of
from support.guard import checked_run
from support.mail import FILING_DAY, TP1_STEM, drop, inbox, replies, reply_eml
from support.register import REF, party, party_row, request_row

OTHER = "SAR-2026-002"


@pytest.fixture
def two_requests(setting: Callable[..., Config]) -> Config:
    """Two requests, each with a third party TP1 to write to by post; their letters made."""
    config = setting(
        [request_row(Ref=REF), request_row(Ref=OTHER, Requester="Mary Jones")],
        [party_row(Ref=REF, Party="TP1"), party_row(Ref=OTHER, Party="TP1", Name="Sam Lee")],
    )
    weekly_run(config, date(2026, 11, 2), office=None)
    config.paths.inbox.mkdir(parents=True)
    return config


def filing_keys(config: Config) -> list[str]:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return list(journal.filings())


def consent_id(config: Config, code: str) -> str:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return journal.sends()[f"{REF}/{code}/consent"].message_id


# ---------------------------------------------------------------- never guessed


@pytest.mark.hostile_reply
def test_a_reply_naming_two_requests_stays_in_the_inbox_listed_with_both(
    two_requests: Config,
) -> None:
    drop(two_requests, "both.eml", reply_eml(f"Re: [{REF}/TP1] and [{OTHER}/TP1]"))

    outcome = checked_run(two_requests, date(2026, 11, 2))

    assert (list(outcome.replies.filed), inbox(two_requests)) == ([], ["both.eml"])
    assert (
        "\nReplies that need you (1):\n"
        "  Look at each before anything is decided. What was not filed stays where it is until "
        "it is put right, and is tried again at the next run.\n"
        f"  both.eml: it could be for {REF}/TP1 (its subject) or {OTHER}/TP1 (its subject), so "
        "it was not filed; it stays in the inbox. Save it again with the one reference it is "
        "for in its subject or file name, or file it by hand.\n"
    ) in outcome.text


@pytest.mark.hostile_reply
def test_a_subject_and_a_thread_that_disagree_leave_the_reply_in_the_inbox(sent: Config) -> None:
    drop(sent, "reply.eml", reply_eml(f"Re: [{REF}/TP2]", in_reply_to=consent_id(sent, "TP1")))

    outcome = checked_run(sent)

    assert (list(outcome.replies.filed), inbox(sent)) == ([], ["reply.eml"])
    assert (
        f"reply.eml: it could be for {REF}/TP2 (its subject) or {REF}/TP1 (the email it "
        "answers), so it was not filed"
    ) in outcome.text
    assert party(sent, "TP1")["Reply received"] is None
    assert party(sent, "TP2")["Reply received"] is None


# ---------------------------------------------------------------- the same file twice


@pytest.mark.hostile_reply
def test_the_same_scan_saved_for_two_requests_is_filed_for_each(two_requests: Config) -> None:
    form = scanned_pdf()  # the standard consent form, scanned blank the same way twice
    drop(two_requests, f"{REF} TP1.pdf", form, age=1)
    drop(two_requests, f"{OTHER} TP1.pdf", form, age=2)

    outcome = checked_run(two_requests, date(2026, 11, 9))

    assert [(filing.ref, filing.party) for filing in outcome.replies.filed] == [
        (REF, "TP1"),
        (OTHER, "TP1"),
    ]
    sha = hashlib.sha256(form).hexdigest()
    assert filing_keys(two_requests) == [f"scan:{sha} {REF}/TP1", f"scan:{sha} {OTHER}/TP1"]
    for ref in (REF, OTHER):
        folder = two_requests.paths.working_folder / ref / "replies"
        assert [path.read_bytes() for path in folder.iterdir()] == [form]
    assert inbox(two_requests) == []


@pytest.mark.hostile_reply
def test_a_scan_filed_under_an_earlier_versions_key_is_not_filed_again(
    two_requests: Config,
) -> None:
    form = scanned_pdf()
    with Journal(journal_path(two_requests.paths.register)) as journal:
        # As earlier versions journaled a scan: by its content alone.
        journal.record_filed(
            Filing(f"scan:{hashlib.sha256(form).hexdigest()}", REF, "TP1", FILING_DAY,
                   FILING_DAY, "SAR-2026-001 TP1 reply 2026-11-09 - Smith & Sons Ltd.pdf",
                   ("SAR-2026-001 TP1 reply 2026-11-09 - Smith & Sons Ltd.pdf",), "x.pdf")
        )  # fmt: skip
    drop(two_requests, f"{REF} TP1.pdf", form, age=1)
    drop(two_requests, f"{OTHER} TP1.pdf", form, age=2)

    outcome = checked_run(two_requests, date(2026, 11, 10))

    assert [(filing.ref, filing.party) for filing in outcome.replies.filed] == [(OTHER, "TP1")]
    assert inbox(two_requests) == []
    assert inbox(two_requests, "filed") == [f"{REF} TP1.pdf", f"{OTHER} TP1.pdf"]


# ---------------------------------------------------------------- never blocks the run


@pytest.mark.hostile_reply
def test_forty_attachments_of_one_long_name_are_numbered_within_the_limit(sent: Config) -> None:
    name = "Consent form for the team around the family, signed and dated " * 2 + ".pdf"
    attached = tuple((name, f"page {number}".encode()) for number in range(1, 41))
    drop(sent, "forty.eml", reply_eml(f"[{REF}/TP1]", attachments=attached))

    [filing] = checked_run(sent).replies.filed

    assert len(filing.files) == 41
    assert filing.files[2].endswith(" (2).pdf") and filing.files[40].endswith(" (40).pdf")
    folder = sent.paths.working_folder / REF / "replies"
    for number, file_name in enumerate(filing.files[1:], start=1):
        assert len(f".{file_name}.partial".encode()) <= 255
        assert (folder / file_name).read_bytes() == f"page {number}".encode()


@pytest.mark.hostile_reply
def test_a_reply_that_cannot_be_written_stays_in_the_inbox_and_the_rest_are_filed(
    two_requests: Config,
) -> None:
    blocked = two_requests.paths.working_folder / REF / "replies"
    blocked.rmdir()
    blocked.write_text("a file where the replies folder should be")
    drop(two_requests, "first.eml", reply_eml(f"[{REF}/TP1]", message_id="<1@x.org>"), age=1)
    drop(two_requests, "second.eml", reply_eml(f"[{OTHER}/TP1]", message_id="<2@x.org>"), age=2)

    outcome = weekly_run(two_requests, FILING_DAY, office=None)

    assert [filing.ref for filing in outcome.replies.filed] == [OTHER]
    assert inbox(two_requests) == ["first.eml"]
    [said] = outcome.replies.need_you
    assert said.startswith(f"first.eml: cannot be filed into {blocked} (")
    assert said.endswith(
        "); it stays in the inbox. Check the folder can be written to and the disk is not full, "
        "then run again."
    )
    assert outcome.write_back.written
    blocked.unlink()
    blocked.mkdir()

    again = weekly_run(two_requests, date(2026, 11, 10), office=None)

    assert [filing.ref for filing in again.replies.filed] == [REF]
    assert inbox(two_requests) == []


@pytest.mark.hostile_reply
def test_a_reply_that_cannot_be_moved_is_filed_once_and_said(sent: Config) -> None:
    (sent.paths.inbox / "filed").write_text("a file where the filed folder should be")
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]"))

    outcome = weekly_run(sent, FILING_DAY, office=None)

    assert [filing.party for filing in outcome.replies.filed] == ["TP1"]
    [said] = outcome.replies.need_you
    assert said.startswith(f"{sent.paths.inbox / 'reply.eml'}: filed, but cannot be moved into ")
    assert "reply.eml" in inbox(sent)
    (sent.paths.inbox / "filed").unlink()

    again = weekly_run(sent, date(2026, 11, 10), office=None)

    assert (list(again.replies.filed), list(again.replies.need_you)) == ([], [])
    assert inbox(sent, "filed") == ["reply.eml"]
    assert replies(sent) == [f"{TP1_STEM}.eml"]


# ---------------------------------------------------------------- from another address


@pytest.mark.hostile_reply
def test_a_reply_from_another_address_is_filed_and_marked_for_the_manager(sent: Config) -> None:
    drop(sent, "reply.eml", reply_eml(f"RE: [{REF}/TP1]", sender="J <j.smith@elsewhere.example>"))

    outcome = checked_run(sent)

    [filing] = outcome.replies.filed
    assert (filing.party, filing.sender) == ("TP1", "j.smith@elsewhere.example")
    assert (
        f"  {REF}/TP1 Smith & Sons <Ltd>: the reply {TP1_STEM}.eml came from "
        "j.smith@elsewhere.example, not joan@example.org as on the register (from another "
        "address); check it is theirs before deciding.\n"
    ) in outcome.text
    record = text_of(sent.paths.working_folder / REF / f"{REF} consents record.docx")["body"]
    assert "From another address: j.smith@elsewhere.example" in record


def test_a_reply_from_the_same_address_in_other_letters_is_not_marked(sent: Config) -> None:
    drop(sent, "reply.eml", reply_eml(f"RE: [{REF}/TP1]", sender="Joan <JOAN@Example.ORG>"))

    outcome = checked_run(sent)

    assert "from another address" not in outcome.text
    record = text_of(sent.paths.working_folder / REF / f"{REF} consents record.docx")["body"]
    assert "From another address" not in record


@pytest.mark.hostile_reply
def test_a_reply_for_the_requester_from_another_address_is_said(sent: Config) -> None:
    drop(sent, "reply.eml", reply_eml(f"RE: [{REF}]", sender="someone@elsewhere.example"))

    outcome = checked_run(sent)

    assert [filing.party for filing in outcome.replies.filed] == [""]
    assert list(outcome.replies.need_you) == [
        f"{REF} Aoife O'Brien: the reply {REF} reply 2026-11-05 - Aoife O'Brien.eml came from "
        "someone@elsewhere.example, not aoife.obrien@example.org as on the register (from "
        "another address); check it is theirs before acting on it."
    ]
