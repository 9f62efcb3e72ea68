"""The folder back-end: drafts in outbox/ that Outlook opens, replies saved into inbox/."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from dataclasses import replace
from datetime import date, datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from pathlib import Path

import extract_msg
import pytest

from pipeline.errors import LettersError
from pipeline.mail.base import Departed, Outgoing, Reply, Waiting
from pipeline.mail.folder import FolderMail

from support.documents import DOCX_TYPE
from support.files import DATA
from support.mail import parse

OUTLOOK = DATA / "outlook"
PDF = b"%PDF-1.4\n% a signed letter\n%%EOF\n"
DOCX = b"PK\x03\x04 a signed letter as Word saves it"
JPEG = b"\xff\xd8\xff\xe0 a photographed reply"
SUBJECT = "Request for consent to disclose [SAR-2026-001/TP2]"
OUR_ID = "<sar-2026-001.tp2.1@nursery.example.org>"


# Every test here reads dates as the setting does: in the UK.
pytestmark = pytest.mark.usefixtures("uk_clock")


def crlf_free(part: MIMEPart | None) -> str:
    """Return the text of ``part`` with the line endings a program reading it would show."""
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


def outgoing(tmp_path: Path, attachment: str, content: bytes, **fields: str) -> Outgoing:
    """Return a letter to send, its signed attachment written into ``tmp_path/signed``."""
    path = tmp_path / "signed" / attachment
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    values = {
        "message_id": OUR_ID,
        "sender": "office@nursery.example.org",
        "sender_name": "Little Acorns Nursery",
        "to": "joan@smith-sons.example.org",
        "to_name": "Joan Smith",
        "subject": SUBJECT,
        "text": "Dear Joan,\nPlease find our letter attached.\n",
        "html": "<p>Dear Joan,</p><p>Please find our letter attached.</p>\n",
        "attachment_name": attachment,
        **fields,
    }
    return Outgoing(attachment=path, **values)


@pytest.mark.parametrize(
    ("sender_name", "to_name", "attachment", "content", "content_type"),
    [
        ("Zoë's Nursery", "Zoë Müller-Lefèvre", "Lettre pour Zoë.pdf", PDF, "application/pdf"),
        ("O'Brien Day Nursery", "Smith & Sons <Ltd>", "SAR-2026-001 TP2.docx", DOCX, DOCX_TYPE),
    ],
)
def test_send_writes_a_draft_that_any_mail_program_reads_back(
    tmp_path: Path,
    sender_name: str,
    to_name: str,
    attachment: str,
    content: bytes,
    content_type: str,
) -> None:
    outbox = tmp_path / "mail" / "outbox"  # created by the first send
    mail = outgoing(tmp_path, attachment, content, sender_name=sender_name, to_name=to_name)

    FolderMail(tmp_path / "inbox", outbox).send(mail)

    raw = (outbox / (Path(attachment).stem + ".eml")).read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends CRLF, as Outlook expects"
    raw.decode("ascii")  # 7-bit clean: encoded words, quoted-printable and base64 only
    message = parse(raw)
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (sender_name, "office@nursery.example.org")
    (recipient,) = message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (to_name, mail.to)
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == OUR_ID
    assert message["X-Unsent"] == "1"
    assert message["Date"].datetime is not None
    assert crlf_free(message.get_body(("plain",))) == mail.text
    assert crlf_free(message.get_body(("html",))) == mail.html
    (part,) = message.iter_attachments()
    assert part.get_filename() == attachment
    assert part.get_content_type() == content_type
    assert part.get_content() == content


def test_a_non_ascii_attachment_name_is_rfc2231_encoded(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    FolderMail(tmp_path / "inbox", outbox).send(outgoing(tmp_path, "Lettre pour Zoë.pdf", PDF))

    assert (
        b"filename*=utf-8''Lettre%20pour%20Zo%C3%AB.pdf"
        in (outbox / "Lettre pour Zoë.eml").read_bytes()
    )


def test_a_second_send_with_the_same_name_is_kept_beside_the_first(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mail = FolderMail(tmp_path / "inbox", outbox)
    mail.send(outgoing(tmp_path, "SAR-2026-001 TP2.pdf", PDF))
    mail.send(
        outgoing(tmp_path, "SAR-2026-001 TP2.pdf", PDF, message_id="<second@nursery.example.org>")
    )

    assert sorted(path.name for path in outbox.iterdir()) == [  # and no temporary file left
        "SAR-2026-001 TP2 (2).eml",
        "SAR-2026-001 TP2.eml",
    ]
    assert parse((outbox / "SAR-2026-001 TP2.eml").read_bytes())["Message-ID"] == OUR_ID
    second = parse((outbox / "SAR-2026-001 TP2 (2).eml").read_bytes())
    assert second["Message-ID"] == "<second@nursery.example.org>"


def test_a_prepared_draft_is_hidden_until_sent_and_handed_over_only_then(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mail = FolderMail(tmp_path / "inbox", outbox)
    letter = outgoing(tmp_path, "SAR-2026-001 TP2.pdf", PDF)
    assert mail.handed_over(OUR_ID)  # nothing prepared: nothing is held back

    assert mail.prepare(letter) == OUR_ID
    assert [path.name for path in outbox.iterdir()] == [".SAR-2026-001 TP2.eml.pending"]
    assert not mail.handed_over(OUR_ID)  # written, but no mail program can open it
    assert mail.handed_over("<another@nursery.example.org>")

    assert mail.send(letter, OUR_ID) == ""
    assert [path.name for path in outbox.iterdir()] == ["SAR-2026-001 TP2.eml"]
    assert parse((outbox / "SAR-2026-001 TP2.eml").read_bytes())["Message-ID"] == OUR_ID
    assert mail.handed_over(OUR_ID)
    (outbox / "SAR-2026-001 TP2.eml").unlink()  # sent from Outlook and deleted
    assert mail.handed_over(OUR_ID)  # so a run stopped before recording it never writes it again


def test_departures_say_what_waits_and_what_left_and_by_when(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mail = FolderMail(tmp_path / "inbox", outbox)
    ids = [f"<letter-{n}@nursery.example.org>" for n in range(4)]
    for n, message_id in enumerate(ids):
        mail.send(outgoing(tmp_path, f"SAR-2026-001 TP{n}.pdf", PDF, message_id=message_id))
    (outbox / "sent").mkdir()
    (outbox / "SAR-2026-001 TP1.eml").rename(outbox / "sent" / "SAR-2026-001 TP1.eml")
    (outbox / "SAR-2026-001 TP2.eml").unlink()
    mail.prepare(outgoing(tmp_path, "SAR-2026-001 TP3.pdf", PDF, message_id=ids[3]))
    (outbox / "SAR-2026-001 TP3.eml").unlink()  # and prepared again: not yet handed over
    thursday = datetime(2026, 11, 5, 16, 0).timestamp()
    for folder in (outbox, outbox / "sent"):
        os.utime(folder, (thursday, thursday))

    found = mail.departures(ids)

    assert found == {
        ids[0]: Waiting(str(outbox / "SAR-2026-001 TP0.eml")),
        ids[1]: Departed(date(2026, 11, 5), "moved into outbox/sent/"),
        ids[2]: Departed(date(2026, 11, 5), "gone from the outbox"),
    }
    assert mail.departures([]) == {}


def test_send_refuses_a_missing_letter_and_a_malformed_address(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mail = FolderMail(tmp_path / "inbox", outbox)
    letter = outgoing(tmp_path, "SAR-2026-001 TP2.pdf", PDF)
    letter.attachment.unlink()
    with pytest.raises(LettersError, match=r"SAR-2026-001 TP2\.pdf: cannot read the signed letter"):
        mail.send(letter)

    bad = outgoing(tmp_path, "SAR-2026-001 TP3.pdf", PDF, to="joan at smith-sons")
    with pytest.raises(LettersError, match="'joan at smith-sons' is not an email address"):
        mail.send(bad)
    assert not outbox.exists() or not any(outbox.iterdir()), "nothing half-written"


def reply_eml() -> bytes:
    """Return a reply to our letter as a mail program saves it, with two attachments."""
    forwarded = EmailMessage()
    forwarded["Subject"] = "Original request"
    forwarded["From"] = "aoife.obrien@example.org"
    forwarded.set_content("Please send me Ciarán's file.\n")
    message = EmailMessage()
    message["From"] = "Joan Smith <joan@smith-sons.example.org>"
    message["To"] = "Little Acorns Nursery <office@nursery.example.org>"
    message["Subject"] = "RE: " + SUBJECT
    # 08:15 in Tokyo on the 4th is still the 3rd in the UK.
    message["Date"] = "Wed, 04 Nov 2026 08:15:00 +0900"
    message["Message-ID"] = "<reply-1@smith-sons.example.org>"
    message["In-Reply-To"] = OUR_ID
    message["References"] = f"<earlier@nursery.example.org> {OUR_ID}"
    message.set_content("We consent.\n")
    message.add_alternative("<p>We <b>consent</b>.</p>", subtype="html")
    message.add_attachment(PDF, "application", "pdf", filename="consent form.pdf")
    message.add_attachment(forwarded)
    return message.as_bytes(policy=policy.SMTP)


def html_only_eml() -> bytes:
    """Return a reply with no Message-ID and only an HTML body."""
    message = EmailMessage()
    message["From"] = "Aoife O'Brien <aoife.obrien@example.org>"
    message["Subject"] = "Ciarán [SAR-2026-001]"
    message["Date"] = "not a date"
    message.set_content(
        "<html><head><style>p {color: red}</style></head>"
        "<body><p>Dear manager,</p><p>Smith &amp; Sons\n  may see it.</p></body></html>",
        subtype="html",
    )
    return message.as_bytes()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Return an inbox holding every kind of reply and some files that are none, oldest first."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    files: dict[str, bytes] = {
        "RE consent TP2.eml": reply_eml(),
        "attachmentFiles.msg": (OUTLOOK / "attachmentFiles.msg").read_bytes(),
        "msgInMsg.msg": (OUTLOOK / "msgInMsg.msg").read_bytes(),
        "nonUnicodeMail.msg": (OUTLOOK / "nonUnicodeMail.msg").read_bytes(),
        "Attach sample eml received.msg": (OUTLOOK / "Attach sample eml received.msg").read_bytes(),
        "SAR-2026-001 TP2.pdf": PDF,
        "SAR-2026-001 TP3.jpg": JPEG,
        "html only.EML": html_only_eml(),
        "notes.txt": b"ring Joan on Monday",
        "broken.msg": b"\x00junk that is not an Outlook file" * 3,
        # Never listed, never complained of: hidden, Office lock, half-downloaded, system.
        ".secret.eml": reply_eml(),
        "~$draft.msg": b"lock",
        "scan.pdf.crdownload": PDF,
        "Thumbs.db": b"cache",
    }
    for age, (name, content) in enumerate(files.items()):
        (folder / name).write_bytes(content)
        os.utime(folder / name, (1_800_000_000 + age, 1_800_000_000 + age))
    (folder / "filed").mkdir()
    (folder / "filed" / "old reply.eml").write_bytes(reply_eml())
    return folder


def sha(path: Path) -> str:
    """Return the sha256 of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.hostile_reply
def test_replies_lists_emails_outlook_items_and_scans_oldest_first(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")

    replies = mail.replies()

    attachment_files = "<000001da0c5d$22ab1460$68013d20$@hmailserver.test>"
    eml_in_msg = "<000001dc64d7$ceee9240$6ccbb6c0$@hmailserver.test>"
    # Each email's own headers come with it, to tell a reply from a bounce or an automatic one:
    # an .eml's as saved, an Outlook message's as it arrived; a scan has none.
    assert ("Message-ID", "<reply-1@smith-sons.example.org>") in replies[0].headers
    assert ("X-Mailer", "Microsoft Outlook 15.0") in replies[1].headers
    assert replies[5].headers == ()
    assert [replace(reply, headers=()) for reply in replies] == [
        Reply(
            key="<reply-1@smith-sons.example.org>",
            source="RE consent TP2.eml",
            subject="RE: " + SUBJECT,
            sender="joan@smith-sons.example.org",
            received=date(2026, 11, 3),
            file_name="RE consent TP2.eml",
            message_id="<reply-1@smith-sons.example.org>",
            answers=(OUR_ID, "<earlier@nursery.example.org>"),
        ),
        Reply(
            key=attachment_files,
            source="attachmentFiles.msg",
            subject="attachmentFiles",
            sender="hmailuser@hmailserver.test",
            received=date(2023, 11, 1),
            file_name="attachmentFiles.msg",
            message_id=attachment_files,
            answers=(),
        ),
        Reply(
            key="file:" + sha(inbox / "msgInMsg.msg"),  # Outlook kept no Message-ID
            source="msgInMsg.msg",
            subject="I have attachments!",
            sender="",
            received=None,  # never sent: a draft saved from Outlook
            file_name="msgInMsg.msg",
            message_id="",
            answers=(),
        ),
        Reply(
            key="file:" + sha(inbox / "nonUnicodeMail.msg"),
            source="nonUnicodeMail.msg",
            subject="Non Unicode mail subject",
            sender="",
            received=None,
            file_name="nonUnicodeMail.msg",
            message_id="",
            answers=(),
        ),
        Reply(
            key=eml_in_msg,
            source="Attach sample eml received.msg",
            subject="Attach sample.eml",
            sender="hmailuser@hmailserver.test",
            received=date(2025, 12, 4),
            file_name="Attach sample eml received.msg",
            message_id=eml_in_msg,
            answers=(),
        ),
        Reply(
            key="scan:" + hashlib.sha256(PDF).hexdigest(),
            source="SAR-2026-001 TP2.pdf",
            subject="",
            sender="",
            received=None,
            file_name="SAR-2026-001 TP2.pdf",
            message_id="",
            answers=(),
        ),
        Reply(
            key="scan:" + hashlib.sha256(JPEG).hexdigest(),
            source="SAR-2026-001 TP3.jpg",
            subject="",
            sender="",
            received=None,
            file_name="SAR-2026-001 TP3.jpg",
            message_id="",
            answers=(),
        ),
        Reply(
            key="file:" + sha(inbox / "html only.EML"),
            source="html only.EML",
            subject="Ciarán [SAR-2026-001]",
            sender="aoife.obrien@example.org",
            received=None,  # its Date cannot be read
            file_name="html only.EML",
            message_id="",
            answers=(),
        ),
    ]
    assert list(mail.problems) == [
        f"{inbox / 'notes.txt'}: not a saved email (.eml, .msg) or a scanned reply (PDF or image);"
        " move it out of the inbox.",
        f"{inbox / 'broken.msg'}: cannot be read as an email (not an OLE2 structured storage file);"
        " open it in Outlook and save it again, or move it out of the inbox.",
    ]


def test_replies_of_a_missing_inbox_is_empty(tmp_path: Path) -> None:
    mail = FolderMail(tmp_path / "inbox", tmp_path / "outbox")
    assert (mail.replies(), mail.problems) == ([], [])


def by_name(mail: FolderMail) -> dict[str, Reply]:
    """Return the replies ``mail`` lists, by file name."""
    return {reply.file_name: reply for reply in mail.replies()}


def test_fetch_of_an_eml_keeps_it_whole_with_its_text_and_attachments(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    replies = by_name(mail)

    content = mail.fetch(replies["RE consent TP2.eml"])
    assert content.message == (inbox / "RE consent TP2.eml").read_bytes()
    assert content.original is None
    assert content.text == "We consent.\n"
    (pdf_name, pdf), (eml_name, eml) = content.attachments
    assert (pdf_name, pdf) == ("consent form.pdf", PDF)
    assert eml_name == "Original request.eml"
    assert parse(eml)["Subject"] == "Original request"

    html_only = mail.fetch(replies["html only.EML"])
    assert html_only.text == "Dear manager,\nSmith & Sons may see it."
    assert html_only.attachments == ()


def test_fetch_of_an_outlook_item_converts_it_and_keeps_the_original(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    replies = by_name(mail)

    content = mail.fetch(replies["attachmentFiles.msg"])
    assert content.original == ("attachmentFiles.msg", (inbox / "attachmentFiles.msg").read_bytes())
    assert content.text == "attachmentFiles\n\n"
    names = [name for name, _ in content.attachments]
    assert names == ["jpg.jpg", "png.png", "tif.tif"]
    jpg, png, tif = (data for _, data in content.attachments)
    assert (jpg[:2], png[:4], tif[:4], len(jpg)) == (b"\xff\xd8", b"\x89PNG", b"II*\x00", 726)
    assert content.message is not None
    message = parse(content.message)
    assert message["Subject"] == "attachmentFiles"
    assert message["From"].addresses[0].addr_spec == "hmailuser@hmailserver.test"
    assert message["Message-ID"] == "<000001da0c5d$22ab1460$68013d20$@hmailserver.test>"
    assert [(p.get_filename(), p.get_content()) for p in message.iter_attachments()] == list(
        content.attachments
    )

    plain = mail.fetch(replies["nonUnicodeMail.msg"])
    assert (plain.text, plain.attachments) == ("Non Unicode mail body!\n", ())
    assert plain.message is not None
    assert parse(plain.message)["Subject"] == "Non Unicode mail subject"


@pytest.mark.parametrize(
    ("file_name", "attached_subject", "others"),
    [
        ("msgInMsg.msg", "Microsoft Outlook テスト メッセージ", ["green.png"]),
        ("Attach sample eml received.msg", "sample", []),
    ],
)
def test_fetch_keeps_an_email_attached_to_an_outlook_item(
    inbox: Path, file_name: str, attached_subject: str, others: list[str]
) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    content = mail.fetch(by_name(mail)[file_name])

    assert [name for name, _ in content.attachments] == [attached_subject + ".msg", *others]
    with extract_msg.openMsg(io.BytesIO(content.attachments[0][1])) as attached:
        assert isinstance(attached, extract_msg.Message)
        assert attached.subject == attached_subject
    assert content.message is not None
    message = parse(content.message)
    assert message["Subject"] == by_name(mail)[file_name].subject
    forwarded = next(message.iter_attachments())
    assert forwarded.get_content_type() == "message/rfc822"
    assert forwarded.get_filename() == attached_subject + ".eml"
    assert forwarded.get_content()["Subject"] == attached_subject


def test_fetch_of_a_scan_keeps_the_file_as_it_is(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    content = mail.fetch(by_name(mail)["SAR-2026-001 TP3.jpg"])

    assert content.message is None
    assert content.original == ("SAR-2026-001 TP3.jpg", JPEG)
    assert (content.text, content.attachments) == ("", ())


@pytest.mark.hostile_reply
def test_fetch_of_a_reply_gone_from_the_inbox_names_it(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    reply = by_name(mail)["SAR-2026-001 TP2.pdf"]
    (inbox / "SAR-2026-001 TP2.pdf").unlink()

    with pytest.raises(LettersError, match=r"SAR-2026-001 TP2\.pdf: the reply left the inbox"):
        mail.fetch(reply)


def test_mark_filed_moves_the_reply_once_beside_earlier_ones(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    replies = by_name(mail)
    shutil.copy(inbox / "SAR-2026-001 TP2.pdf", inbox / "filed" / "SAR-2026-001 TP2.pdf")

    mail.mark_filed(replies["SAR-2026-001 TP2.pdf"])
    mail.mark_filed(replies["SAR-2026-001 TP2.pdf"])  # a run stopped after moving it
    mail.mark_filed(replies["attachmentFiles.msg"])

    assert sorted(path.name for path in (inbox / "filed").iterdir()) == [
        "SAR-2026-001 TP2 (2).pdf",
        "SAR-2026-001 TP2.pdf",
        "attachmentFiles.msg",
        "old reply.eml",
    ]
    assert "SAR-2026-001 TP2.pdf" not in by_name(mail)
    assert "attachmentFiles.msg" not in by_name(mail)


def test_filed_where_names_the_file_mark_filed_then_moves_the_reply_to(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    reply = by_name(mail)["SAR-2026-001 TP2.pdf"]
    shutil.copy(inbox / "SAR-2026-001 TP2.pdf", inbox / "filed" / "SAR-2026-001 TP2.pdf")

    where = mail.filed_where(reply)
    mail.mark_filed(reply)

    assert where == str(inbox / "filed" / "SAR-2026-001 TP2 (2).pdf")
    assert Path(where).is_file()


@pytest.mark.hostile_reply
def test_mark_filed_leaves_a_different_file_saved_under_the_same_name(inbox: Path) -> None:
    mail = FolderMail(inbox, inbox.parent / "outbox")
    reply = by_name(mail)["SAR-2026-001 TP2.pdf"]
    (inbox / "SAR-2026-001 TP2.pdf").write_bytes(PDF + b"% the second page, scanned later\n")

    mail.mark_filed(reply)

    assert (inbox / "SAR-2026-001 TP2.pdf").exists()
