"""Filing replies: matched by reference or thread, never guessed, each filed once and safely."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import PurePosixPath

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from pipeline.config import Config
from pipeline.journal import Journal, journal_path
from pipeline.mail.base import Reply
from pipeline.model import Request, ThirdParty
from pipeline.register import layout
from pipeline.replies.matching import Ambiguous, Match, match_reply
from pipeline.replies.writing import attachment_name
from pipeline.run import weekly_run

from support.files import DATA
from support.mail import FILING_DAY, MONDAY, TP1_STEM, TUESDAY, drop, inbox, replies, reply_eml
from support.model import party_data, request_data
from support.register import REF, as_date, cells, party, party_row, request_row
from support.xlsx import SHEET, sheet_tree

NOTHING = "no reference in its subject or file name, and it answers no letter that was sent"


# ---------------------------------------------------------------- matching, as plain data


def a_request(ref: str = REF) -> Request:
    return request_data(ref=ref, received=MONDAY)


def a_party(ref: str, code: str) -> ThirdParty:
    return party_data(ref=ref, party=code, letter_sent=TUESDAY)


def a_reply(subject: str = "", file_name: str = "", answers: tuple[str, ...] = ()) -> Reply:
    return Reply(
        key="<reply@example.org>",
        source=file_name or subject,
        subject=subject,
        sender="joan@example.org" if subject else "",
        received=date(2026, 11, 5),
        file_name=file_name,
        message_id="<reply@example.org>" if subject else "",
        answers=answers,
    )


REQUESTS = [a_request(REF), a_request("SAR-2026-0011")]
PARTIES = {
    REF: {code: a_party(REF, code) for code in ("TP1", "TP2")},
    "SAR-2026-0011": {"TP1": a_party("SAR-2026-0011", "TP1")},
}
SENT = {
    "<tp2-consent@example.org>": Match(REF, "TP2", f"{REF}/TP2/consent"),
    "<acknowledgement@example.org>": Match(REF, "", f"{REF}/acknowledgement"),
}


@pytest.mark.parametrize(
    ("subject", "file_name", "expected"),
    [
        ("Request for consent to disclose information [SAR-2026-001/TP2]", "", Match(REF, "TP2")),
        ("Re: Request for consent to disclose information SAR-2026-001 TP2", "", Match(REF, "TP2")),
        ("RE: [sar-2026-001/tp2]", "", Match(REF, "TP2")),
        ("", "SAR-2026-001 TP2.pdf", Match(REF, "TP2")),
        ("", "sar-2026-001_tp2.jpg", Match(REF, "TP2")),
        ("Re: Your request to see your child's records [SAR-2026-001]", "", Match(REF, "")),
        ("", "SAR-2026-001.pdf", Match(REF, "")),
        ("Re: [SAR-2026-0011/TP1]", "", Match("SAR-2026-0011", "TP1")),
        ("", "SAR-2026-0011 TP1.png", Match("SAR-2026-0011", "TP1")),
        ("Re: [SAR-2026-001/TP1]", "", Match(REF, "TP1")),
    ],
)
def test_match_reply_reads_the_reference_in_the_subject_or_file_name(
    subject: str, file_name: str, expected: Match
) -> None:
    assert match_reply(a_reply(subject, file_name), REQUESTS, PARTIES, {}) == expected


def test_match_reply_follows_the_thread_of_a_letter_that_was_sent() -> None:
    reply = a_reply(
        "Re: your letter", answers=("<someone-else@example.org>", "<tp2-consent@example.org>")
    )
    assert match_reply(reply, REQUESTS, PARTIES, SENT) == Match(REF, "TP2", f"{REF}/TP2/consent")


def test_match_reply_takes_the_party_from_the_thread_when_the_subject_has_only_the_ref() -> None:
    reply = a_reply(f"Re: [{REF}]", answers=("<tp2-consent@example.org>",))
    assert match_reply(reply, REQUESTS, PARTIES, SENT) == Match(REF, "TP2", f"{REF}/TP2/consent")


def test_match_reply_of_a_ref_without_a_party_is_the_requester() -> None:
    assert match_reply(a_reply(f"Re: your letter {REF}"), REQUESTS, PARTIES, {}) == Match(REF, "")


@pytest.mark.hostile_reply
def test_match_reply_says_when_the_party_is_not_a_third_party_of_that_request() -> None:
    found = match_reply(a_reply(f"Re: [{REF}/TP9]"), REQUESTS, PARTIES, {})
    assert found == "SAR-2026-001/TP9 is not a third party of that request"
    found = match_reply(a_reply("", "SAR-2026-0011 TP2.pdf"), REQUESTS, PARTIES, {})
    assert found == "SAR-2026-0011/TP2 is not a third party of that request"


@pytest.mark.hostile_reply
def test_match_reply_never_takes_a_longer_ref_for_a_shorter_one() -> None:
    only_the_shorter = [a_request(REF)]
    for subject in ("Re: [SAR-2026-0011/TP1]", "Re: SAR-2026-00111", "Re: XSAR-2026-001 TP1"):
        assert match_reply(a_reply(subject), only_the_shorter, PARTIES, {}) == NOTHING


@pytest.mark.hostile_reply
def test_match_reply_of_nothing_says_why() -> None:
    reply = a_reply("Re: your letter", answers=("<unknown@example.org>",))
    assert match_reply(reply, REQUESTS, PARTIES, SENT) == NOTHING
    assert match_reply(a_reply("", "scan 0001.pdf"), REQUESTS, PARTIES, SENT) == NOTHING


@pytest.mark.parametrize("file_name", ["SAR-2026-001 TP 2.pdf", "SAR-2026-001 TP02.pdf"])
@pytest.mark.hostile_reply
def test_match_reply_reads_a_party_code_written_loosely(file_name: str) -> None:
    assert match_reply(a_reply("", file_name), REQUESTS, PARTIES, {}) == Match(REF, "TP2")


@pytest.mark.parametrize(
    ("subject", "file_name", "answers", "said"),
    [
        (
            f"Re: [{REF}/TP1] and [SAR-2026-0011/TP1]", "", (),
            "it could be for SAR-2026-001/TP1 (its subject) or SAR-2026-0011/TP1 (its subject)",
        ),
        (
            f"Re: [{REF}/TP1] [{REF}/TP2]", "", (),
            "it could be for SAR-2026-001/TP1 (its subject) or SAR-2026-001/TP2 (its subject)",
        ),
        (
            "", "SAR-2026-001 TP1 and SAR-2026-0011 TP1.pdf", (),
            "it could be for SAR-2026-001/TP1 (its file name) or SAR-2026-0011/TP1 (its file "
            "name)",
        ),
        (
            "Re: [SAR-2026-0011/TP1]", "", ("<tp2-consent@example.org>",),
            "it could be for SAR-2026-0011/TP1 (its subject) or SAR-2026-001/TP2 (the email it "
            "answers)",
        ),
        (
            f"Re: [{REF}/TP1]", "", ("<tp2-consent@example.org>",),
            "it could be for SAR-2026-001/TP1 (its subject) or SAR-2026-001/TP2 (the email it "
            "answers)",
        ),
        (
            f"Re: [{REF}/TP2]", "", ("<acknowledgement@example.org>",),
            "it could be for SAR-2026-001/TP2 (its subject) or SAR-2026-001 (the email it "
            "answers)",
        ),
        (
            "Re: your letter", "", ("<acknowledgement@example.org>", "<tp2-consent@example.org>"),
            "it could be for SAR-2026-001 (the email it answers) or SAR-2026-001/TP2 (the email "
            "it answers)",
        ),
    ],
)  # fmt: skip
@pytest.mark.hostile_reply
def test_match_reply_never_chooses_between_two_requests_or_parties(
    subject: str, file_name: str, answers: tuple[str, ...], said: str
) -> None:
    found = match_reply(a_reply(subject, file_name, answers), REQUESTS, PARTIES, SENT)
    assert isinstance(found, Ambiguous)
    assert str(found) == f"{said}, so it was not filed"


@pytest.mark.parametrize(
    ("subject", "answers", "expected"),
    [
        (f"Re: Re: [{REF}/TP2] your letter [{REF}/TP2]", (), Match(REF, "TP2")),
        (f"Re: {REF} — consent [{REF}/TP2]", (), Match(REF, "TP2")),
        (f"Re: [{REF}/TP2]", ("<tp2-consent@example.org>",), SENT["<tp2-consent@example.org>"]),
        (f"Re: [{REF}]", ("<acknowledgement@example.org>",), SENT["<acknowledgement@example.org>"]),
    ],
)
def test_match_reply_takes_what_the_subject_and_thread_agree_on(
    subject: str, answers: tuple[str, ...], expected: Match
) -> None:
    assert match_reply(a_reply(subject, answers=answers), REQUESTS, PARTIES, SENT) == expected


@pytest.mark.hostile_reply
def test_a_ref_written_inside_a_longer_ref_is_the_longer_ones() -> None:
    longer = [a_request(REF), a_request(f"{REF}-B")]
    parties = {**PARTIES, f"{REF}-B": {"TP1": a_party(f"{REF}-B", "TP1")}}
    found = match_reply(a_reply(f"Re: [{REF}-B/TP1]"), longer, parties, {})
    assert found == Match(f"{REF}-B", "TP1")


# ---------------------------------------------------------------- attachment names


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../evil.sh", "evil.sh"),
        ("C:\\Windows\\x.bat", "x.bat"),
        ("a/b\\c/../d.doc", "d.doc"),
        (".hidden", "hidden"),
        ('a<b>c:d"e|f?g*h\x01\x1f\t.txt', "a b c d e f g h.txt"),
        ("report.p<d>f", "report.pdf"),
        ("x.jpg\x00.exe", "x.jpg.exe"),
        ("evil.sh.", "evil.sh"),
        ("letter." + "b" * 20, "letter.bbbbbbbbb"),
        (
            ("Minutes of the team around the family meeting held on " * 6)[:296] + ".pdf",
            "Minutes of the team around the family meeting held on.pdf",
        ),
        ("", "attachment 7"),
        ("..", "attachment 7"),
        ("/", "attachment 7"),
    ],
)
@pytest.mark.hostile_reply
def test_attachment_name_keeps_only_a_safe_base_name(given: str, safe: str) -> None:
    assert attachment_name(given, 7) == safe


@pytest.mark.hostile_reply
def test_a_long_attachment_name_without_spaces_is_cut_to_sixty_characters() -> None:
    assert len(PurePosixPath(attachment_name("n" * 296 + ".pdf", 1)).stem) <= 60


@pytest.mark.parametrize("odd", ["\x7f", "\x9b", "\u202e"], ids=["DEL", "CSI", "RLO"])
@pytest.mark.hostile_reply
def test_attachment_name_drops_control_and_direction_characters(odd: str) -> None:
    assert odd not in attachment_name(f"photo{odd}gnp.exe", 1)


# ---------------------------------------------------------------- filing through the run


def message_id_of(config: Config, letter_id: str) -> str:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return journal.sends()[letter_id].message_id


def break_cell(config: Config, sheet: str, row: int, header: str, value: str) -> None:
    """Type something the register checks refuse into one cell, as a slip of the hand."""
    workbook = openpyxl.load_workbook(config.paths.register)
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    worksheet.cell(row=row, column=headers.index(header) + 1).value = value
    workbook.save(config.paths.register)


def test_an_emailed_reply_is_filed_with_its_attachments_and_the_register_updated(
    sent: Config,
) -> None:
    slip = b"%PDF-1.4 the signed consent slip"
    drop(
        sent,
        "Re consent.eml",
        reply_eml(
            f"RE: Request for consent to disclose information [{REF}/TP1]",
            attachments=(("consent slip.pdf", slip), ("notes.txt", b"see slip")),
        ),
    )

    outcome = weekly_run(sent, FILING_DAY, office=None)

    [filing] = outcome.replies.filed
    assert (filing.ref, filing.party, filing.received, filing.filed) == (
        REF,
        "TP1",
        date(2026, 11, 5),
        FILING_DAY,
    )
    assert replies(sent) == [
        f"{TP1_STEM} - consent slip.pdf",
        f"{TP1_STEM} - notes.txt",
        f"{TP1_STEM}.eml",
    ]
    folder = sent.paths.working_folder / REF / "replies"
    assert (folder / f"{TP1_STEM} - consent slip.pdf").read_bytes() == slip
    kept = BytesParser(policy=policy.default).parsebytes((folder / f"{TP1_STEM}.eml").read_bytes())
    assert kept["Message-ID"] == "<reply-1@example.org>"
    assert inbox(sent) == []
    assert inbox(sent, "filed") == ["Re consent.eml"]
    tp1 = party(sent, "TP1")
    assert (as_date(tp1["Reply received"]), tp1["Reply"], tp1["Decision"]) == (
        date(2026, 11, 5),
        f"{TP1_STEM}.eml",
        None,
    )
    assert f"  {REF}/TP1: {TP1_STEM}.eml" in outcome.text


@pytest.mark.hostile_reply
def test_a_reply_that_matches_nothing_stays_in_the_inbox_and_is_listed(sent: Config) -> None:
    drop(sent, "hello.eml", reply_eml("Quick question about Friday", message_id="<q@example.org>"))

    outcome = weekly_run(sent, FILING_DAY, office=None)

    assert list(outcome.replies.filed) == []
    assert inbox(sent) == ["hello.eml"]
    assert replies(sent) == []
    assert "Replies that match nothing (1):" in outcome.text
    assert f"\n  hello.eml: {NOTHING}; it stays in the inbox\n" in outcome.text
    assert party(sent, "TP1")["Reply received"] is None


@pytest.mark.hostile_reply
def test_hostile_attachment_names_land_inside_the_replies_folder_with_safe_distinct_names(
    sent: Config,
) -> None:
    long_name = ("Minutes of the team around the family meeting held on " * 6)[:296] + ".pdf"
    hostile = (
        ("../../evil.sh", b"1"),
        ("C:\\Windows\\x.bat", b"2"),
        (".hidden", b"3"),
        ('a<b>c:d"e|f?g*h\x01\x1f.txt', b"4"),
        (long_name, b"5"),
        ("", b"6"),
        ("same.pdf", b"7"),
        ("same.pdf", b"8"),
    )
    assert len(long_name) == 300
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=hostile))

    weekly_run(sent, FILING_DAY, office=None)

    expected = {
        f"{TP1_STEM} - evil.sh": b"1",
        f"{TP1_STEM} - x.bat": b"2",
        f"{TP1_STEM} - hidden": b"3",
        f"{TP1_STEM} - a b c d e f g h.txt": b"4",
        f"{TP1_STEM} - Minutes of the team around the family meeting held on.pdf": b"5",
        f"{TP1_STEM} - attachment": b"6",  # a part with an empty name
        f"{TP1_STEM} - same.pdf": b"7",
        f"{TP1_STEM} - same (2).pdf": b"8",
    }
    assert replies(sent) == sorted([*expected, f"{TP1_STEM}.eml"])
    folder = sent.paths.working_folder / REF / "replies"
    for name, content in expected.items():
        assert (folder / name).read_bytes() == content
    everything = [path.name for path in sent.paths.register.parent.parent.rglob("*")]
    for bad in ("evil.sh", "x.bat", "C:\\Windows\\x.bat", ".hidden"):
        assert bad not in everything


@pytest.mark.hostile_reply
def test_attachments_whose_names_differ_only_in_case_are_both_kept(sent: Config) -> None:
    attached = (("Report.pdf", b"first"), ("report.PDF", b"second"))
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=attached))

    [filing] = weekly_run(sent, FILING_DAY, office=None).replies.filed

    assert len({name.casefold() for name in filing.files}) == len(filing.files)


def test_two_replies_from_the_same_party_on_the_same_day_get_distinct_names(
    sent: Config,
) -> None:
    for number in (1, 2):
        drop(
            sent,
            f"reply {number}.eml",
            reply_eml(
                f"[{REF}/TP1]",
                message_id=f"<reply-{number}@example.org>",
                attachments=(("slip.pdf", f"slip {number}".encode()),),
            ),
            age=number,
        )

    outcome = weekly_run(sent, FILING_DAY, office=None)

    assert [filing.file_name for filing in outcome.replies.filed] == [
        f"{TP1_STEM}.eml",
        f"{TP1_STEM} (2).eml",
    ]
    assert replies(sent) == [
        f"{TP1_STEM} (2) - slip.pdf",
        f"{TP1_STEM} (2).eml",
        f"{TP1_STEM} - slip.pdf",
        f"{TP1_STEM}.eml",
    ]
    folder = sent.paths.working_folder / REF / "replies"
    assert (folder / f"{TP1_STEM} (2) - slip.pdf").read_bytes() == b"slip 2"
    assert party(sent, "TP1")["Reply"] == f"{TP1_STEM} (2).eml"


@pytest.mark.hostile_reply
def test_the_same_reply_dropped_in_again_is_not_filed_twice(sent: Config) -> None:
    data = reply_eml(f"[{REF}/TP1]", attachments=(("slip.pdf", b"slip"),))
    drop(sent, "reply.eml", data)
    weekly_run(sent, FILING_DAY, office=None)
    before = replies(sent)
    drop(sent, "reply.eml", data)  # saved from Outlook a second time

    again = weekly_run(sent, date(2026, 11, 10), office=None)

    assert list(again.replies.filed) == []
    assert replies(sent) == before
    assert inbox(sent) == []
    assert inbox(sent, "filed") == ["reply (2).eml", "reply.eml"]


def test_an_outlook_reply_is_kept_as_eml_and_msg_with_its_attachments(
    sent: Config, uk_clock: None
) -> None:
    original = DATA / "outlook" / "attachmentFiles.msg"
    shutil.copyfile(original, sent.paths.inbox / f"{REF} TP1.msg")

    [filing] = weekly_run(sent, FILING_DAY, office=None).replies.filed

    stem = f"{REF} TP1 reply 2023-11-01 - Smith & Sons Ltd"  # the day Outlook received it
    assert filing.files == (
        f"{stem}.eml",
        f"{stem}.msg",
        f"{stem} - jpg.jpg",
        f"{stem} - png.png",
        f"{stem} - tif.tif",
    )
    assert replies(sent) == sorted(filing.files)
    folder = sent.paths.working_folder / REF / "replies"
    assert (folder / f"{stem}.msg").read_bytes() == original.read_bytes()
    kept = BytesParser(policy=policy.default).parsebytes((folder / f"{stem}.eml").read_bytes())
    assert isinstance(kept, EmailMessage)
    attached = {str(part.get_filename()): part.get_content() for part in kept.iter_attachments()}
    assert sorted(attached) == ["jpg.jpg", "png.png", "tif.tif"]
    for name, content in attached.items():
        assert (folder / f"{stem} - {name}").read_bytes() == content
    assert inbox(sent, "filed") == [f"{REF} TP1.msg"]
    assert party(sent, "TP1")["Reply"] == f"{stem}.eml"


@pytest.mark.hostile_reply
def test_text_from_a_reply_never_becomes_a_formula_in_the_register(
    setting: Callable[..., Config],
) -> None:
    config = setting(
        [request_row(Ref=REF)],
        [
            party_row(
                Ref=REF,
                Name="=SUM(1,2)",
                Organisation=None,
                Kind="Family member",
                Address=None,
                Email="sum@example.org",
            )
        ],
    )
    config.paths.inbox.mkdir(parents=True)
    drop(config, "reply.eml", reply_eml(f"[{REF}/TP1]", sender="=SUM(1,2) <sum@example.org>"))

    weekly_run(config, FILING_DAY, office=None)

    written = f"{REF} TP1 reply 2026-11-05 - =SUM(1,2).eml"
    [row] = cells(config.paths.register, layout.THIRD_PARTIES)
    assert row["Reply"] == written
    workbook = openpyxl.load_workbook(config.paths.register, read_only=True)
    headers = [cell.value for cell in next(workbook[layout.THIRD_PARTIES].iter_rows(max_row=1))]
    workbook.close()
    address = f"{get_column_letter(headers.index('Reply') + 1)}2"
    [cell] = [
        c
        for c in sheet_tree(config.paths.register, layout.THIRD_PARTIES).iter(f"{SHEET}c")
        if c.get("r") == address
    ]
    assert cell.find(f"{SHEET}f") is None
    assert cell.get("t") in ("s", "inlineStr")


@pytest.mark.hostile_reply
def test_a_reply_by_thread_to_a_request_whose_row_has_a_problem_stays_in_the_inbox(
    sent: Config,
) -> None:
    answered = message_id_of(sent, f"{REF}/TP1/consent")
    break_cell(sent, layout.REQUESTS, 2, "Received", "soon")
    drop(sent, "reply.eml", reply_eml("Re: your letter", in_reply_to=answered))

    outcome = weekly_run(sent, FILING_DAY, office=None)

    assert list(outcome.replies.filed) == []
    assert inbox(sent) == ["reply.eml"]
    assert len(outcome.replies.unmatched) == 1


@pytest.mark.hostile_reply
def test_a_reply_by_thread_to_a_party_whose_row_has_a_problem_is_not_named_for_the_requester(
    sent: Config,
) -> None:
    answered = message_id_of(sent, f"{REF}/TP2/consent")
    break_cell(sent, layout.THIRD_PARTIES, 3, "Kind", "Cousin")
    drop(
        sent,
        "reply.eml",
        reply_eml("Re: your letter", sender="kiran@example.org", in_reply_to=answered),
    )

    weekly_run(sent, FILING_DAY, office=None)

    assert not [name for name in replies(sent) if "Aoife O'Brien" in name]
