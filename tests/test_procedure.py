"""One request walked through the whole procedure, week by week, on the folder mail back-end."""

from __future__ import annotations

import email
import email.utils
import shutil
from datetime import date
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import pytest
from graph_standin import GraphStandin
from pypdf import PdfReader

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.outcome import Outcome
from pipeline.register import layout
from pipeline.run import weekly_run

from support.config import SETTING_EMAIL, SETTING_NAME, write_config
from support.documents import scanned_pdf
from support.files import DATA
from support.mail import parse, send_drafts
from support.register import REF, cells, party, party_row, request_row, set_cells, write_register


def sign_everything(config: Config) -> list[str]:
    """Do what the owner does: open each letter waiting, sign it, save it into signed/."""
    signed = []
    for letter in sorted(config.paths.working_folder.glob(f"{REF}/to-sign/*.docx")):
        shutil.copyfile(letter, letter.parent.parent / "signed" / letter.name)
        signed.append(letter.name)
    return signed


class Mailroom(Protocol):
    """The mail back-end's world, as a test sees it: what was sent, and replies coming in."""

    def config(self, folder: Path) -> dict[str, str] | None:
        """Return the [mail] keys that point the run at this back-end (None: the default)."""

    def sent(self) -> list[EmailMessage]:
        """Return every message sent so far."""

    def send_what_waits(self, day: date) -> None:
        """Do what the manager does with emails left ready to send: send them, on ``day``."""

    def deliver(self, message: EmailMessage, file_name: str) -> None:
        """Put an emailed reply where the back-end reads replies from."""

    def filed(self) -> list[str]:
        """Return the subjects of emailed replies the back-end has moved out of the way."""


class FolderMailroom:
    """The folder back-end: an outbox of .eml drafts and an inbox of saved messages."""

    def __init__(self) -> None:
        self.folder = Path()

    def config(self, folder: Path) -> dict[str, str] | None:
        self.folder = folder
        return None

    def sent(self) -> list[EmailMessage]:
        return [
            parse(path.read_bytes())
            for path in sorted((self.folder / "mail" / "outbox" / "sent").glob("*.eml"))
        ]

    def send_what_waits(self, day: date) -> None:
        send_drafts(self.folder / "mail" / "outbox", day)

    def deliver(self, message: EmailMessage, file_name: str) -> None:
        inbox = self.folder / "mail" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / file_name).write_bytes(bytes(message))

    def filed(self) -> list[str]:
        done = self.folder / "mail" / "inbox" / "filed"
        return sorted(str(parse(path.read_bytes())["Subject"]) for path in done.glob("*.eml"))


class M365Mailroom:
    """The Microsoft 365 back-end, against the Microsoft Graph stand-in on 127.0.0.1."""

    mailbox = SETTING_EMAIL  # the setting's own mailbox

    def __init__(self, graph: GraphStandin, monkeypatch: pytest.MonkeyPatch) -> None:
        self.graph = graph
        graph.add_mailbox(self.mailbox, SETTING_NAME)
        monkeypatch.setenv("LETTERS_TEST_SECRET", graph.client_secret)

    def config(self, folder: Path) -> dict[str, str] | None:
        return {
            "backend": "m365",
            "graph_url": self.graph.url,
            "authority_url": self.graph.url,
            "mailbox": self.mailbox,
            "tenant_id": self.graph.tenant_id,
            "client_id": self.graph.client_id,
            "auth": "app",
            "secret_env": "LETTERS_TEST_SECRET",
            "token_file": str(folder / "token" / "token.json"),
            "ca_file": str(self.graph.ca_file),
        }

    def sent(self) -> list[EmailMessage]:
        return [
            parse(self.graph.message_mime(self.mailbox, message["id"]))
            for message in self.graph.sent(self.mailbox)
        ]

    def send_what_waits(self, day: date) -> None:
        pass  # sent from the mailbox by the run: nothing waits

    def deliver(self, message: EmailMessage, file_name: str) -> None:
        # The server receives it when it was sent: its Date is its receivedDateTime.
        received = email.utils.parsedate_to_datetime(str(message["Date"]))
        self.graph.deliver(self.mailbox, bytes(message), received=received)

    def filed(self) -> list[str]:
        folder = self.graph.folder_messages(self.mailbox, "Access requests/Filed")
        return sorted(str(message["subject"]) for message in folder)


@pytest.fixture(params=["folder", "m365"])
def mailroom(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Mailroom:
    if request.param == "m365":
        return M365Mailroom(request.getfixturevalue("graph"), monkeypatch)
    return FolderMailroom()


def attachment_text(message: EmailMessage) -> str:
    [part] = list(message.iter_attachments())
    data = part.get_content()
    assert isinstance(data, bytes)
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def request(config: Config) -> dict[str, Any]:
    return cells(config.paths.register, layout.REQUESTS)[0]


def day(value: Any) -> date:
    assert value is not None
    return value.date() if hasattr(value, "date") else value  # type: ignore[no-any-return]


def run(config: Config, today: date) -> Outcome:
    outcome = weekly_run(config, today)
    assert outcome.write_back.error == "", outcome.write_back.error
    assert list(outcome.mail_problems) == [], outcome.mail_problems
    return outcome


@pytest.fixture
def procedure(tmp_path: Path, mailroom: Mailroom) -> Config:
    write_register(
        tmp_path / "registers" / "register.xlsx",
        [request_row(Ref=REF, Received=date(2026, 11, 2), **{"Request letter": "request.pdf"})],
        [
            party_row(
                Ref=REF,
                Name="Siobhán O'Brien",
                Organisation=None,
                Kind="Family member",
                Role="Grandmother",
                Address=None,
                Email="siobhan@example.org",
            ),
            party_row(Ref=REF),  # Smith & Sons <Ltd>, by post
            party_row(
                Ref=REF,
                Name="Rachel Osei",
                Organisation="Northshire Children's Services",
                Role="Social worker",
                Address=None,
                Email="rachel.osei@example.org",
            ),
        ],
    )
    return config_module.load(write_config(tmp_path, mail=mailroom.config(tmp_path)))


@pytest.mark.needs_office
def test_one_request_goes_through_the_whole_procedure(
    procedure: Config, mailroom: Mailroom
) -> None:
    config = procedure
    folder = config.paths.working_folder / REF

    # Week 1, Monday: the request is in the register; every first letter is generated.
    first = run(config, date(2026, 11, 2))
    assert sorted(letter.letter_id for letter, _ in first.letters.generated) == [
        f"{REF}/TP1/consent",
        f"{REF}/TP2/consent",
        f"{REF}/TP3/consent",
        f"{REF}/acknowledgement",
    ]
    assert request(config)["Status"] == "Acknowledgement to sign and send"
    assert request(config)["Acknowledged"] is None
    (folder / "request" / "request.pdf").write_bytes(scanned_pdf())

    # The owner signs all four; on Tuesday they go: three by email, one to print and post.
    # (Emails left ready to send in the outbox are sent by the manager, and counted once they
    # have left it: by the run straight after.)
    assert len(sign_everything(config)) == 4
    second = run(config, date(2026, 11, 3))
    assert len(second.sending.sent) + len(second.sending.ready) == 3
    assert [path.name for path in second.sending.to_post] == [
        f"{REF} consent request TP2 - Smith & Sons Ltd.docx"
    ]
    mailroom.send_what_waits(date(2026, 11, 3))
    after = run(config, date(2026, 11, 3))
    assert len(second.sending.sent) + len(after.sending.sent) == 3
    assert after.sending.ready == ()
    messages = mailroom.sent()
    assert sorted(str(message["Subject"]) for message in messages) == [
        f"Request for consent to disclose information [{REF}/TP1]",
        f"Request for consent to disclose information [{REF}/TP3]",
        f"Your request to see your child's records [{REF}]",
    ]
    for message in messages:
        [sender] = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (
            SETTING_NAME,
            SETTING_EMAIL,
        )
        [part] = list(message.iter_attachments())
        assert part.get_content_type() == "application/pdf"
        assert part.get_filename().endswith(".pdf")
    ack = next(m for m in messages if "Your request" in str(m["Subject"]))
    assert str(ack["To"]) == "Aoife O'Brien <aoife.obrien@example.org>"
    assert "Aoife O'Brien" in attachment_text(ack) and "Ciarán O'Brien" in attachment_text(ack)
    assert sorted(p.name for p in (folder / "sent").iterdir()) == sorted(
        [name.replace(".docx", ".pdf") for name in _emailed(second, after)]
        + [name for name in _emailed(second, after)]
    )
    assert not list((folder / "to-sign").glob("*TP1*"))
    assert day(request(config)["Acknowledged"]) == date(2026, 11, 3)
    assert day(party(config, "TP1")["Letter sent"]) == date(2026, 11, 3)
    assert party(config, "TP2")["Letter sent"] is None  # not posted yet
    letters = {row["Letter"]: row for row in cells(config.paths.register, layout.LETTERS)}
    tp1 = letters[f"{REF}/TP1/consent"]
    assert (day(tp1["Signed"]), day(tp1["Sent"]), tp1["By"], tp1["To"]) == (
        date(2026, 11, 3),
        date(2026, 11, 3),
        "Email",
        "siobhan@example.org",
    )
    assert tp1["File"] == f"{REF} consent request TP1 - Siobhán O'Brien.pdf"
    assert tp1["Message id"].startswith("<") and tp1["Message id"].endswith(">")

    # The manager posts TP2's letter on Wednesday and types the date under Posted.
    set_cells(
        config, layout.LETTERS, {"Letter": f"{REF}/TP2/consent"}, {"Posted": date(2026, 11, 4)}
    )
    # Replies come: TP1 answers the email (consent); TP2 sends the slip back, scanned (refusal).
    reply = EmailMessage()
    reply["From"] = "Siobhán O'Brien <siobhan@example.org>"
    reply["To"] = SETTING_EMAIL
    reply["Subject"] = "Re: your letter"
    reply["Date"] = "Thu, 05 Nov 2026 09:12:00 +0000"
    reply["Message-ID"] = "<reply-tp1@example.org>"
    reply["In-Reply-To"] = tp1["Message id"]
    reply.set_content("I am happy for you to share what I told you. Siobhán")
    mailroom.deliver(reply, "reply from grandmother.eml")
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    (config.paths.inbox / f"{REF} TP2.pdf").write_bytes(scanned_pdf())

    third = run(config, date(2026, 11, 9))
    assert sorted((f.party, f.file_name) for f in third.replies.filed) == [
        ("TP1", f"{REF} TP1 reply 2026-11-05 - Siobhán O'Brien.eml"),
        ("TP2", f"{REF} TP2 reply 2026-11-09 - Smith & Sons Ltd.pdf"),
    ]
    assert [p.name for p in (config.paths.inbox / "filed").glob("*.pdf")] == [f"{REF} TP2.pdf"]
    assert mailroom.filed() == ["Re: your letter"]
    assert day(party(config, "TP2")["Letter sent"]) == date(2026, 11, 4)
    assert day(party(config, "TP1")["Reply received"]) == date(2026, 11, 5)
    assert party(config, "TP1")["Reply"] == f"{REF} TP1 reply 2026-11-05 - Siobhán O'Brien.eml"
    assert party(config, "TP1")["Decision"] is None  # the manager decides, never the pipeline
    assert "Replies to read and decide (2):" in third.text
    assert request(config)["Status"] == "Waiting for 1 of 3 replies"

    # The manager records the decisions. TP3 has been silent a week: a reminder.
    set_cells(config, layout.THIRD_PARTIES, {"Party": "TP1"}, {"Decision": "Consents"})
    set_cells(
        config,
        layout.THIRD_PARTIES,
        {"Party": "TP2"},
        {"Decision": "Refuses", "Decision notes": "Prefers the parent to apply to them."},
    )
    fourth = run(config, date(2026, 11, 10))
    assert [letter.letter_id for letter, _ in fourth.letters.generated] == [f"{REF}/TP3/reminder-1"]
    assert sign_everything(config) == [
        f"{REF} reminder 1 TP3 - Northshire Children's Services.docx"
    ]
    fifth = run(config, date(2026, 11, 11))
    mailroom.send_what_waits(date(2026, 11, 11))
    fifth_after = run(config, date(2026, 11, 11))
    assert [entry.letter_id for entry, _ in (*fifth.sending.sent, *fifth_after.sending.sent)] == [
        f"{REF}/TP3/reminder-1"
    ]
    assert day(party(config, "TP3")["Reminder sent"]) == date(2026, 11, 11)
    record = folder / f"{REF} consents record.docx"
    assert record.exists()

    # TP3 answers from Outlook; the manager saves the message into the inbox.
    shutil.copyfile(
        DATA / "outlook" / "attachmentFiles.msg",
        config.paths.inbox / f"Re {REF} TP3 consent.msg",
    )
    sixth = run(config, date(2026, 11, 16))
    [filing] = sixth.replies.filed
    assert filing.party == "TP3"
    replies = sorted(p.name for p in (folder / "replies").iterdir())
    assert f"{filing.file_name}" in replies
    assert any(name.endswith(" - jpg.jpg") for name in replies)
    # Every third party has now replied; the promise (16 Nov) is today.
    assert request(config)["Status"] == "Ready for clean copy: the child's file to put in file/"
    assert request(config)["Days left"] == 0
    assert "Ready for the clean copy (1):" in sixth.text
    set_cells(config, layout.THIRD_PARTIES, {"Party": "TP3"}, {"Decision": "Consents"})

    # Every reply is in and decided: the consents record and the bundle are up to date.
    seventh = run(config, date(2026, 11, 17))
    bundle = folder / f"{REF} request bundle.pdf"
    assert bundle in seventh.bundles.built
    titles = [item.title for item in PdfReader(bundle).outline]  # type: ignore[union-attr]
    assert titles[0] == "Internal — not for the requester"
    assert titles[1] == "Request: request.pdf"
    assert titles[2].startswith("Reply (TP1, 05/11/2026)")
    assert titles[3].startswith("Reply (TP2, 09/11/2026)")
    assert titles[4].startswith("Reply (TP3, ")
    assert any("jpg.jpg" in title for title in titles)
    assert titles[-1] == "Consents record"
    text = "\n".join(page.extract_text() for page in PdfReader(bundle).pages)
    assert "Refuses" in text and "Smith & Sons <Ltd>" in text

    # Nothing more happens on a quiet week: nothing sent, filed or generated twice.
    eighth = run(config, date(2026, 11, 18))
    assert (eighth.sending.sent, eighth.replies.filed, eighth.letters.generated) == ((), (), ())
    assert len(mailroom.sent()) == 4


def _emailed(*outcomes: Outcome) -> list[str]:
    return [entry.file_name for outcome in outcomes for entry, _ in outcome.sending.sent]
