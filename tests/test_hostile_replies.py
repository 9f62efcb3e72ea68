"""Hostile replies: whatever a reply carries, it lands in <Ref>/replies/ or stays in the inbox.

Every run here goes through ``checked_run`` (tests/support/guard.py), which walks the whole
temporary tree before and after: everything written is inside a request's replies/ folder or
the inbox (besides the run's own register, journal, backups, to-do list, consents record and
bundle), and no file that was there before is changed, except those of the run itself.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pipeline.config import Config
from pipeline.faults import SimulatedCrash
from pipeline.journal import Journal
from pipeline.mail.base import Reply, ReplyContent
from pipeline.register import layout
from pipeline.replies import filing as filing_module
from pipeline.replies.filing import collect_replies
from pipeline.replies.writing import named
from pipeline.run import weekly_run

from support.files import DATA
from support.guard import checked_run
from support.mail import FILING_DAY, TP1_STEM, drop, inbox, replies, reply_eml
from support.model import party_data, request_data
from support.register import REF, party, party_row, request_row
from support.xlsx import SHEET, sheet_tree

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(10)}
HEADERS = (
    b"From: Joan Smith <joan@example.org>\r\n"
    b"To: office@example.org\r\n"
    b"Subject: RE: [SAR-2026-001/TP1]\r\n"
    b"Date: Thu, 05 Nov 2026 12:00:00 +0000\r\n"
    b"Message-ID: <broken@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
)
MIXED = b'Content-Type: multipart/mixed; boundary="AAA"\r\n\r\n'
TEXT_PART = b"--AAA\r\nContent-Type: text/plain\r\n\r\nPlease see attached.\r\n"
SLIP_PART = (
    b"--AAA\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="slip.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n"
)


def replies_folder(config: Config, ref: str = REF) -> Path:
    return config.paths.working_folder / ref / "replies"


def attachments_of(config: Config) -> dict[str, bytes]:
    """Return the files filed beside the message, by their name without the reply's stem."""
    folder = replies_folder(config)
    return {
        path.name.removeprefix(f"{TP1_STEM} - "): path.read_bytes()
        for path in folder.iterdir()
        if path.name.startswith(f"{TP1_STEM} - ")
    }


# ---------------------------------------------------------------- attachment names


@pytest.mark.hostile_reply
def test_paths_and_reserved_windows_names_become_plain_names_after_the_replies_stem(
    sent: Config,
) -> None:
    hostile = (
        ("..\\..\\..\\up.docx", b"1"),
        ("/etc/passwd", b"2"),
        ("\\\\server\\share\\unc.pdf", b"3"),
        ("C:relative.txt", b"4"),
        ("CON", b"5"),
        ("aux.pdf", b"6"),
        ("NUL.txt", b"7"),
        ("com1.docx", b"8"),
        ("lpt9 .tar.gz", b"9"),
    )
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=hostile))

    checked_run(sent)

    assert attachments_of(sent) == {
        "up.docx": b"1",
        "passwd": b"2",
        "unc.pdf": b"3",
        "relative.txt": b"4",
        "CON": b"5",
        "aux.pdf": b"6",
        "NUL.txt": b"7",
        "com1.docx": b"8",
        "lpt9 .tar.gz": b"9",
    }
    for name in replies(sent):
        # Windows reserves a name by what comes before its first dot; the stem comes first.
        assert name.split(".")[0].rstrip(" ").upper() not in RESERVED
        assert name.startswith(f"{REF} TP1 reply ")


@pytest.mark.hostile_reply
def test_a_300_character_name_of_four_byte_letters_still_fits_the_file_system(
    sent: Config,
) -> None:
    long_name = "𝒜" * 296 + ".pdf"  # 1,188 bytes in UTF-8; 255 is the limit on ext4 and APFS
    assert len(long_name) == 300
    attached = ((long_name, b"long"), (long_name, b"twice"))
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=attached))

    [filing] = checked_run(sent).replies.filed

    first, second = [name for name in filing.files if name.endswith(".pdf")]
    assert first.startswith(f"{TP1_STEM} - 𝒜")
    assert second.endswith("𝒜 (2).pdf")
    for name, content in ((first, b"long"), (second, b"twice")):
        assert len(f".{name}.partial".encode()) <= 255
        assert (replies_folder(sent) / name).read_bytes() == content


@pytest.mark.hostile_reply
def test_names_that_are_one_once_made_safe_are_each_kept_under_a_name_of_their_own(
    sent: Config,
) -> None:
    given = ("a:b.pdf", "a?b.pdf", "a b.pdf", "A B.PDF", "a b (again).pdf", "a|b.pdf")
    attached = tuple((name, f"{number}".encode()) for number, name in enumerate(given))
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=attached))

    [filing] = checked_run(sent).replies.filed

    kept = attachments_of(sent)
    assert sorted(kept.values()) == [f"{number}".encode() for number in range(len(given))]
    assert len({name.casefold() for name in filing.files}) == len(filing.files) == 7


@pytest.mark.hostile_reply
def test_files_already_in_replies_keep_their_bytes_and_the_reply_goes_beside_them(
    sent: Config,
) -> None:
    folder = replies_folder(sent)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TP1_STEM}.eml").write_bytes(b"filed by hand")
    (folder / f"{TP1_STEM} - slip.pdf").write_bytes(b"the slip posted last week")
    drop(sent, "reply.eml", reply_eml(f"[{REF}/TP1]", attachments=(("slip.pdf", b"new"),)))

    [filing] = checked_run(sent).replies.filed

    assert filing.files == (f"{TP1_STEM} (2).eml", f"{TP1_STEM} (2) - slip.pdf")
    assert (folder / f"{TP1_STEM}.eml").read_bytes() == b"filed by hand"
    assert (folder / f"{TP1_STEM} - slip.pdf").read_bytes() == b"the slip posted last week"
    assert (folder / f"{TP1_STEM} (2) - slip.pdf").read_bytes() == b"new"


# ---------------------------------------------------------------- malformed messages


def nested(depth: int) -> bytes:
    inner = b"Subject: inner\r\n\r\nhello\r\n"
    for _ in range(depth):
        inner = b"Subject: inner\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return HEADERS + b"Content-Type: message/rfc822\r\n\r\n" + inner


MALFORMED = {
    "broken boundary": HEADERS + MIXED + b"--BBB\r\nContent-Type: text/plain\r\n\r\nhi\r\n--BBB--",
    "invalid base64": HEADERS + MIXED + TEXT_PART + SLIP_PART + b"!!!not*base64@@@=\r\n--AAA--\r\n",
    "multipart with no end": HEADERS + MIXED + TEXT_PART + SLIP_PART + b"JVBERi0xLjQ=\r\n",
    "no headers": b"just some text\r\nsaved from a web page\r\n",
    "nested 500 deep": nested(500),
}


@pytest.mark.hostile_reply
@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_message_is_filed_as_far_as_it_can_be_or_left_and_listed(
    sent: Config, kind: str
) -> None:
    data = MALFORMED[kind]
    drop(sent, "broken.eml", data, age=1)
    drop(
        sent,
        "good.eml",
        reply_eml(f"[{REF}/TP2]", message_id="<good@example.org>", sender="kiran@example.org"),
        age=2,
    )

    outcome = checked_run(sent)

    assert [
        filing.party for filing in outcome.replies.filed if filing.key == "<good@example.org>"
    ] == ["TP2"]
    broken = [filing for filing in outcome.replies.filed if filing.key != "<good@example.org>"]
    if broken:  # filed: the message kept whole, byte for byte, whatever could not be read in it
        [filing] = broken
        assert (replies_folder(sent) / filing.file_name).read_bytes() == data
        assert inbox(sent, "filed") == ["broken.eml", "good.eml"]
    else:  # left where it is and listed, with what to do
        assert inbox(sent) == ["broken.eml"]
        # Unreadable headers match nothing; a reference that can be read, then a body that
        # cannot, is a reply that needs the manager.
        listed = "match nothing" if kind == "no headers" else "need you"
        assert f"Replies that {listed} (1):" in outcome.text
        assert re.search(r"broken\.eml: cannot (be )?read", outcome.text)
    expected = {
        "broken boundary": True,
        "invalid base64": True,
        "multipart with no end": True,
        "no headers": False,
        "nested 500 deep": False,
    }
    assert bool(broken) is expected[kind]
    if kind == "multipart with no end":
        assert attachments_of(sent) == {"slip.pdf": b"%PDF-1.4"}


# ---------------------------------------------------------------- huge attachments, zips


@pytest.mark.hostile_reply
def test_an_attachment_over_the_limit_is_kept_out_and_said_the_rest_is_filed(
    sent: Config,
) -> None:
    # A limit of 1 KB (mail.max_attachment_mb), so the test needs no 25 MB of data.
    sent = replace(sent, mail=replace(sent.mail, max_attachment_mb=1024 / (1024 * 1024)))
    big = b"B" * 3000
    attached = (("small.pdf", b"S" * 1024), ("../scan of everything.pdf", big), ("x.txt", b"x"))
    drop(sent, "big reply.eml", reply_eml(f"[{REF}/TP1]", attachments=attached))

    outcome = checked_run(sent)
    [filing] = outcome.replies.filed

    assert attachments_of(sent) == {"small.pdf": b"S" * 1024, "x.txt": b"x"}
    assert filing.files == (f"{TP1_STEM}.eml", f"{TP1_STEM} - small.pdf", f"{TP1_STEM} - x.txt")
    filed = sent.paths.inbox / "filed" / "big reply.eml"
    assert "Attachments not saved (1):" in outcome.text
    assert list(outcome.replies.kept_out) == [
        f"{REF}/TP1 {TP1_STEM}.eml: the attachment scan of everything.pdf (0.003 MB) is over "
        f"the 0.001 MB limit and was not saved; it is still in the message ({filed})"
    ]
    assert filed.is_file()
    message = BytesParser(policy=policy.default).parsebytes(
        (replies_folder(sent) / f"{TP1_STEM}.eml").read_bytes()
    )
    assert [part.get_content() for part in message.iter_attachments()][1] == big
    assert party(sent, "TP1")["Reply"] == f"{TP1_STEM}.eml"


class Mailbox:
    """A mailbox back-end as far as filing sees one: one reply, filed into its Filed folder."""

    name = "m365"

    def __init__(self, content: ReplyContent) -> None:
        self.content = content
        self.problems: list[str] = []
        self.moved: list[str] = []
        self.reply = Reply(
            "<m@example.org>", f"inbox: RE: [{REF}]", f"RE: [{REF}]", "a@example.org",
            date(2026, 11, 5), "", "<m@example.org>", (),
        )  # fmt: skip

    def replies(self, since: date | None = None) -> list[Reply]:
        return [self.reply]

    def fetch(self, reply: Reply) -> ReplyContent:
        return self.content

    def mark_filed(self, reply: Reply) -> None:
        self.moved.append(reply.key)

    def filed_where(self, reply: Reply) -> str:
        return "the mailbox folder Access requests/Filed"


@pytest.mark.hostile_reply
def test_an_attachment_over_the_limit_in_a_mailbox_is_said_to_be_in_its_filed_folder(
    tmp_path: Path,
) -> None:
    content = ReplyContent(b"whole message", None, "", (("a.pdf", b"a" * 2048), ("b.pdf", b"b")))
    mailbox = Mailbox(content)
    with Journal(tmp_path / "journal.sqlite") as journal:
        found = collect_replies(
            mailbox,  # type: ignore[arg-type]  # a stand-in
            journal,
            [request_data(ref=REF)],
            [party_data(ref=REF)],
            {},
            tmp_path / "work",
            FILING_DAY,
            max_attachment_bytes=1024,
        )
    stem = f"{REF} reply 2026-11-05 - Aoife O'Brien"
    assert list(found.kept_out) == [
        f"{REF} {stem}.eml: the attachment a.pdf (0.002 MB) is over the 0.001 MB limit and "
        "was not saved; it is still in the message (the mailbox folder Access requests/Filed)"
    ]
    assert sorted(path.name for path in (tmp_path / "work" / REF / "replies").iterdir()) == [
        f"{stem} - b.pdf",
        f"{stem}.eml",
    ]
    assert mailbox.moved == ["<m@example.org>"]


def test_the_default_limit_is_25_mb_and_an_attachment_of_exactly_the_limit_is_saved() -> None:
    assert filing_module.MAX_ATTACHMENT_BYTES == 25 * 1024 * 1024
    files, too_big = named(
        "stem", ReplyContent(b"m", None, "", (("a", b"a" * 10), ("b", b"b" * 11))), 10
    )
    assert [name for name, _ in files] == ["stem.eml", "stem - a"]
    assert too_big == [("b", 11)]


@pytest.mark.hostile_reply
def test_a_zip_is_saved_as_it_came_and_never_opened(sent: Config) -> None:
    packed = io.BytesIO()
    members = ("evil.sh", "../escaped.txt", "inner/secret.pdf", "/absolute.txt")
    with zipfile.ZipFile(packed, "w") as archive:
        for member in members:
            archive.writestr(member, b"#!/bin/sh\necho owned\n")
    drop(
        sent,
        "reply.eml",
        reply_eml(f"[{REF}/TP1]", attachments=(("records.zip", packed.getvalue()),)),
    )

    checked_run(sent)

    assert attachments_of(sent) == {"records.zip": packed.getvalue()}
    root = sent.source.parent
    everything = {path.name for path in root.rglob("*")} | {p.name for p in root.parent.glob("*")}
    for member in ("evil.sh", "escaped.txt", "secret.pdf", "absolute.txt", "inner"):
        assert member not in everything


# ---------------------------------------------------------------- formulas


@pytest.mark.hostile_reply
@pytest.mark.parametrize("sign", ["=", "+", "-", "@"])
def test_subjects_and_names_that_start_like_a_formula_are_written_as_text(
    sent: Config, sign: str
) -> None:
    drop(
        sent,
        f"{sign}reply.eml",
        reply_eml(
            f'{sign}HYPERLINK("http://x.example","x") [{REF}/TP1]',
            sender=f"\"{sign}cmd|' /C calc'!A0\" <joan@example.org>",
            attachments=((f"{sign}SUM(1,2).csv", b"1,2"),),
        ),
    )

    [filing] = checked_run(sent).replies.filed

    assert all(name.startswith(f"{REF} TP1 reply ") for name in filing.files)
    assert attachments_of(sent) == {f"{sign}SUM(1,2).csv": b"1,2"}
    row = party(sent, "TP1")
    assert row["Reply"] == f"{TP1_STEM}.eml"
    assert isinstance(row["Reply received"], type(row["Letter sent"]))  # a date, as the others
    with zipfile.ZipFile(sent.paths.register) as package:
        sheet2 = ElementTree.fromstring(package.read("xl/worksheets/sheet2.xml"))
    third_parties = sheet_tree(sent.paths.register, layout.THIRD_PARTIES)
    assert ElementTree.tostring(sheet2) == ElementTree.tostring(third_parties)
    assert list(sheet2.iter(f"{SHEET}f")) == []


# ---------------------------------------------------------------- references that do not hold


@pytest.mark.hostile_reply
def test_a_reply_naming_a_request_that_does_not_exist_or_another_requests_party_is_left(
    setting: Callable[..., Config],
) -> None:
    other = "SAR-2026-002"
    config = setting(
        [request_row(Ref=REF), request_row(Ref=other, Requester="Mary Jones")],
        [
            party_row(Ref=REF, Party="TP1"),
            party_row(Ref=REF, Party="TP2", Name="Kiran Shah"),
            party_row(Ref=other, Party="TP3", Name="Sam Lee"),
        ],
    )
    weekly_run(config, date(2026, 11, 2), office=None)  # the letters of the first week
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    drop(config, "unknown.eml", reply_eml("Re: [SAR-2026-099/TP1]", message_id="<u@x.org>"))
    drop(config, "other party.eml", reply_eml(f"Re: [{REF}/TP3]", message_id="<o@x.org>"))

    outcome = checked_run(config, date(2026, 11, 2))

    assert list(outcome.replies.filed) == []
    assert inbox(config) == ["other party.eml", "unknown.eml"]
    assert "Replies that match nothing (2):" in outcome.text
    assert f"other party.eml: {REF}/TP3 is not a third party of that request" in outcome.text
    assert "unknown.eml: no reference in its subject or file name" in outcome.text
    for ref in (REF, other):
        assert not replies_folder(config, ref).is_dir() or not list(
            replies_folder(config, ref).iterdir()
        )


# ---------------------------------------------------------------- a run stopped while filing


@pytest.mark.parametrize("name", ["attachmentFiles.msg", "reply.eml"])
def test_a_run_stopped_after_writing_a_reply_files_it_once_under_the_same_names(
    sent: Config, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    if name.endswith(".msg"):  # converted to .eml afresh each time: new MIME boundaries
        shutil.copyfile(DATA / "outlook" / name, sent.paths.inbox / f"{REF} TP1.msg")
    else:
        drop(sent, name, reply_eml(f"[{REF}/TP1]", attachments=(("slip.pdf", b"slip"),)))
    monkeypatch.setenv("LETTERS_CRASH_AT", "file:written")
    with pytest.raises(SimulatedCrash):
        weekly_run(sent, FILING_DAY, office=None)
    written = replies(sent)
    monkeypatch.delenv("LETTERS_CRASH_AT")

    [filing] = checked_run(sent).replies.filed

    assert replies(sent) == written == sorted(filing.files)
