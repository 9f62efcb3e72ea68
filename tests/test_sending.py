"""Sending: only what the owner signed goes, as PDF or .docx, exactly once, then kept in sent/."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Collection
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.faults import SimulatedCrash
from pipeline.journal import Entry, Journal, Send, journal_path
from pipeline.mail.base import Departed, Outgoing, Reply, ReplyContent, Waiting
from pipeline.mail.folder import FolderMail
from pipeline.records.convert import NO_OFFICE_NOTE
from pipeline.register import layout
from pipeline.run import weekly_run
from pipeline.sending.send import compose

from support.config import OWNER_NAME, SETTING_EMAIL, SETTING_NAME, write_config
from support.documents import DOCX_TYPE, scanned_pdf
from support.mail import outbox_messages
from support.register import REF, as_date, cells, party_row, request_row, set_cells, write_register

MONDAY = date(2026, 11, 2)  # the request arrives; the first letters are generated
TUESDAY = date(2026, 11, 3)  # the owner has signed; the run sends
ACK = f"{REF} acknowledgement - Aoife O'Brien.docx"
TP1 = f"{REF} consent request TP1 - Siobhán Ní Bhriain.docx"
TP2 = f"{REF} consent request TP2 - Smith & Sons Ltd.docx"
TP3 = f"{REF} consent request TP3 - Northshire Children's Services.docx"
EML1 = TP1.replace(".docx", ".eml")
SUBJECTS = {
    ACK: f"Your request to see your child's records [{REF}]",
    TP1: f"Request for consent to disclose information [{REF}/TP1]",
    TP2: f"Request for consent to disclose information [{REF}/TP2]",
    TP3: f"Request for consent to disclose information [{REF}/TP3]",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One request whose four first letters all go by email, generated on Monday (once)."""
    base = tmp_path_factory.mktemp("generated")
    write_register(
        base / "registers" / "register.xlsx",
        [request_row(Ref=REF)],
        [
            party_row(
                Ref=REF,
                Name="Siobhán Ní Bhriain",
                Organisation=None,
                Kind="Family member",
                Role="Grandmother",
                Address=None,
                Email="siobhan@example.org",
            ),
            party_row(Ref=REF, Address=None, Email="joan@example.org"),
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
    weekly_run(config_module.load(write_config(base)), MONDAY, office=None)
    return base


@pytest.fixture
def four_by_email(generated: Path, tmp_path: Path) -> Config:
    """A copy of Monday's state, register, journal and letters, for one test to change."""
    shutil.copytree(generated, tmp_path, dirs_exist_ok=True)
    return config_module.load(tmp_path / "letters.toml")


def folder(config: Config) -> Path:
    return config.paths.working_folder / REF


def names(path: Path) -> list[str]:
    return sorted(item.name for item in path.iterdir()) if path.is_dir() else []


def sign(config: Config, *letters: str) -> None:
    """Do what the owner does: sign each letter and save it into signed/ under the same name."""
    for name in letters:
        shutil.copyfile(folder(config) / "to-sign" / name, folder(config) / "signed" / name)


def subjects(config: Config) -> Counter[str]:
    return Counter(str(message["Subject"]) for message in outbox_messages(config))


def only(config: Config, subject: str) -> EmailMessage:
    [message] = [m for m in outbox_messages(config) if str(m["Subject"]) == subject]
    return message


def attachment(message: EmailMessage) -> tuple[str, str, bytes]:
    """Return the one attachment's file name, type and content."""
    [part] = list(message.iter_attachments())
    content = part.get_content()
    assert isinstance(content, bytes)
    return str(part.get_filename()), part.get_content_type(), content


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


def sends(config: Config) -> dict[str, Send]:
    with Journal(journal_path(config.paths.register), read_only=True) as journal:
        return journal.sends()


class RefusesTheSecondMessage:
    """A mail back-end whose server refuses the second message of a run; otherwise a folder."""

    name = "refusing"
    delivers = False

    def __init__(self, inner: FolderMail) -> None:
        self.inner = inner
        self.problems: list[str] = []
        self.sends = 0

    def prepare(self, mail: Outgoing) -> str:
        return self.inner.prepare(mail)

    def send(self, mail: Outgoing, message_id: str) -> str:
        self.sends += 1
        if self.sends == 2:
            raise LettersError("The mail server refused the message (552 mailbox full).")
        return self.inner.send(mail, message_id)

    def handed_over(self, message_id: str) -> bool:
        return self.inner.handed_over(message_id)

    def departures(self, message_ids: Collection[str]) -> dict[str, Waiting | Departed]:
        return self.inner.departures(message_ids)

    def replies(self, since: date | None = None) -> list[Reply]:
        found = self.inner.replies()
        self.problems = self.inner.problems
        return found

    def fetch(self, reply: Reply) -> ReplyContent:
        return self.inner.fetch(reply)

    def mark_filed(self, reply: Reply) -> None:
        self.inner.mark_filed(reply)


def test_letters_left_in_to_sign_are_never_sent(four_by_email: Config) -> None:
    config = four_by_email
    assert names(folder(config) / "to-sign") == sorted([ACK, TP1, TP2, TP3])

    outcome = weekly_run(config, TUESDAY, office=None)

    assert list(outcome.sending.sent) == []
    assert outbox_messages(config) == []
    assert sends(config) == {}
    assert names(folder(config) / "to-sign") == sorted([ACK, TP1, TP2, TP3])
    assert names(folder(config) / "sent") == []
    assert "Letters sent (0):" in outcome.text


@pytest.mark.needs_office
def test_a_signed_docx_goes_as_a_pdf_when_libreoffice_is_there(four_by_email: Config) -> None:
    config = four_by_email
    sign(config, TP1)

    outcome = weekly_run(config, TUESDAY)  # LibreOffice as found on this machine

    name, kind, content = attachment(only(config, SUBJECTS[TP1]))
    assert (name, kind) == (TP1.replace(".docx", ".pdf"), "application/pdf")
    assert content.startswith(b"%PDF-")
    assert names(folder(config) / "sent") == sorted([TP1, TP1.replace(".docx", ".pdf")])
    assert NO_OFFICE_NOTE not in outcome.text
    assert sends(config)[f"{REF}/TP1/consent"].file_name == TP1.replace(".docx", ".pdf")


def test_a_signed_docx_goes_as_docx_without_libreoffice_and_the_run_says_so_once(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, ACK, TP1)

    outcome = weekly_run(config, TUESDAY, office=None)

    for letter in (ACK, TP1):
        name, kind, content = attachment(only(config, SUBJECTS[letter]))
        assert (name, kind) == (letter, DOCX_TYPE)
        assert content == (folder(config) / "sent" / letter).read_bytes()
    assert outcome.text.count(NO_OFFICE_NOTE) == 1
    assert outcome.text.count("LibreOffice is not installed") == 1


@pytest.mark.parametrize("suffix", [".pdf", ".PDF"])
def test_a_scanned_pdf_in_signed_is_sent_as_that_pdf(four_by_email: Config, suffix: str) -> None:
    config = four_by_email
    scan = scanned_pdf()
    (folder(config) / "signed" / TP2.replace(".docx", suffix)).write_bytes(scan)

    weekly_run(config, TUESDAY, office=None)

    name, kind, content = attachment(only(config, SUBJECTS[TP2]))
    assert (name, kind, content) == (TP2.replace(".docx", ".pdf"), "application/pdf", scan)
    assert names(folder(config) / "sent") == [TP2.replace(".docx", suffix)]
    assert TP2 not in names(folder(config) / "to-sign")
    assert sends(config)[f"{REF}/TP2/consent"].file_name == TP2.replace(".docx", ".pdf")


def test_a_signed_letters_email_waits_in_the_outbox_ready_to_send_and_is_written_once(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, TP1)

    outcome = weekly_run(config, TUESDAY, office=None)

    assert list(outcome.sending.sent) == []  # written, not sent: the manager sends it
    [(entry, where)] = outcome.sending.ready
    assert (entry.letter_id, where) == (f"{REF}/TP1/consent", str(config.paths.outbox / EML1))
    assert names(folder(config) / "sent") == [TP1]
    assert names(folder(config) / "signed") == []
    assert names(folder(config) / "to-sign") == sorted([ACK, TP2, TP3])
    send = sends(config)[f"{REF}/TP1/consent"]
    message = only(config, SUBJECTS[TP1])
    assert (send.state, send.signed, send.sent, send.handed, send.file_name) == (
        "ready",
        TUESDAY,
        None,
        TUESDAY,
        TP1,
    )
    assert send.message_id == str(message["Message-ID"])
    [row] = [r for r in cells(config.paths.register, layout.LETTERS) if r["Party"] == "TP1"]
    assert (as_date(row["Signed"]), row["Sent"], row["File"]) == (TUESDAY, "Ready to send", TP1)
    [party] = [p for p in cells(config.paths.register, layout.THIRD_PARTIES) if p["Party"] == "TP1"]
    assert party["Letter sent"] is None
    assert outcome.text.index("Emails to send now (1):") < outcome.text.index("Generated")
    assert f"  {EML1}  to Siobhán Ní Bhriain <siobhan@example.org>\n" in outcome.text

    again = weekly_run(config, date(2026, 11, 4), office=None)
    assert list(again.sending.sent) == []
    assert [entry.letter_id for entry, _ in again.sending.ready] == [f"{REF}/TP1/consent"]
    assert subjects(config) == Counter({SUBJECTS[TP1]: 1})


def test_a_letter_without_an_email_address_waits_for_its_posted_date(
    setting: Callable[..., Config],
) -> None:
    config = setting([request_row(Ref=REF)], [party_row(Ref=REF)])  # TP1 has an address only
    weekly_run(config, MONDAY, office=None)
    by_post = f"{REF} consent request TP1 - Smith & Sons Ltd.docx"
    sign(config, ACK, by_post)

    tuesday = weekly_run(config, TUESDAY, office=None)
    assert [entry.letter_id for entry, _ in tuesday.sending.ready] == [f"{REF}/acknowledgement"]
    assert list(tuesday.sending.sent) == []
    assert list(tuesday.sending.to_post) == [folder(config) / "signed" / by_post]
    assert "Letters to print and post (1):" in tuesday.text
    assert f"\n  {REF}/signed/{by_post}\n" in tuesday.text
    assert sends(config)[f"{REF}/TP1/consent"].state == "signed"

    wednesday = weekly_run(config, date(2026, 11, 4), office=None)  # printed, not posted yet
    assert list(wednesday.sending.sent) == []
    assert list(wednesday.sending.to_post) == [folder(config) / "signed" / by_post]

    set_cells(
        config, layout.LETTERS, {"Letter": f"{REF}/TP1/consent"}, {"Posted": date(2026, 11, 4)}
    )
    friday = weekly_run(config, date(2026, 11, 6), office=None)

    assert [(entry.letter_id, how) for entry, how in friday.sending.sent] == [
        (f"{REF}/TP1/consent", "posted 2026-11-04")
    ]
    assert list(friday.sending.to_post) == []
    send = sends(config)[f"{REF}/TP1/consent"]
    assert (send.state, send.sent, send.message_id) == ("sent", date(2026, 11, 4), "")
    assert names(folder(config) / "sent") == sorted([ACK, by_post])
    assert names(folder(config) / "signed") == []
    assert names(folder(config) / "to-sign") == []
    [party] = cells(config.paths.register, layout.THIRD_PARTIES)
    assert as_date(party["Letter sent"]) == date(2026, 11, 4)
    assert subjects(config) == Counter({SUBJECTS[ACK]: 1})  # never emailed


def test_a_refusing_back_end_stops_sending_and_the_next_run_sends_the_rest_once(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, ACK, TP1, TP2, TP3)
    refusing = RefusesTheSecondMessage(FolderMail(config.paths.inbox, config.paths.outbox))

    stopped = weekly_run(config, TUESDAY, office=None, backend=refusing)

    assert [entry.file_name for entry, _ in stopped.sending.ready] == [ACK]
    assert list(stopped.mail_problems) == [
        f"Sending stopped at {TP1}: The mail server refused the message (552 mailbox full). "
        "It and the letters after it are still in signed/ and go next time."
    ]
    assert refusing.sends == 2  # nothing tried after the refusal
    assert names(folder(config) / "signed") == sorted([TP1, TP2, TP3])
    assert names(folder(config) / "sent") == [ACK]
    assert subjects(config) == Counter({SUBJECTS[ACK]: 1})

    resumed = weekly_run(config, date(2026, 11, 4), office=None)

    assert [entry.file_name for entry, _ in resumed.sending.ready] == [ACK, TP1, TP2, TP3]
    assert list(resumed.mail_problems) == []
    assert subjects(config) == Counter({subject: 1 for subject in SUBJECTS.values()})
    assert names(folder(config) / "signed") == []
    assert {send.state for send in sends(config).values()} == {"ready"}


def test_a_send_stopped_after_the_email_was_written_is_not_sent_again(
    four_by_email: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = four_by_email
    sign(config, TP1)
    monkeypatch.setenv("LETTERS_CRASH_AT", "send:done")

    with pytest.raises(SimulatedCrash):
        weekly_run(config, TUESDAY, office=None)

    before = sends(config)[f"{REF}/TP1/consent"]
    assert before.state == "sending"
    assert FolderMail(config.paths.inbox, config.paths.outbox).handed_over(before.message_id)
    monkeypatch.delenv("LETTERS_CRASH_AT")

    outcome = weekly_run(config, TUESDAY, office=None)

    assert [entry.file_name for entry, _ in outcome.sending.ready] == [TP1]
    assert subjects(config) == Counter({SUBJECTS[TP1]: 1})
    after = sends(config)[f"{REF}/TP1/consent"]
    assert (after.state, after.message_id) == ("ready", before.message_id)
    assert names(folder(config) / "sent") == [TP1]


@pytest.mark.parametrize("step", ["send:journaled", "send:recorded"])  # send:done: above
def test_a_run_stopped_at_any_step_of_a_send_sends_each_letter_once(
    four_by_email: Config, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    config = four_by_email
    sign(config, ACK, TP1)
    monkeypatch.setenv("LETTERS_CRASH_AT", f"{step}#2")  # while sending the second letter

    with pytest.raises(SimulatedCrash):
        weekly_run(config, TUESDAY, office=None)
    monkeypatch.delenv("LETTERS_CRASH_AT")
    weekly_run(config, TUESDAY, office=None)
    weekly_run(config, date(2026, 11, 4), office=None)

    assert subjects(config) == Counter({SUBJECTS[ACK]: 1, SUBJECTS[TP1]: 1})
    assert names(folder(config) / "sent") == sorted([ACK, TP1])
    assert names(folder(config) / "signed") == []
    assert names(folder(config) / "to-sign") == sorted([TP2, TP3])
    assert {send.state for send in sends(config).values()} == {"ready"}


@pytest.mark.needs_office
def test_a_run_stopped_after_recording_a_send_keeps_the_pdf_that_went(
    four_by_email: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = four_by_email
    sign(config, TP1)
    monkeypatch.setenv("LETTERS_CRASH_AT", "send:recorded")
    with pytest.raises(SimulatedCrash):
        weekly_run(config, TUESDAY)
    monkeypatch.delenv("LETTERS_CRASH_AT")

    weekly_run(config, TUESDAY, office=None)  # the tidying needs no LibreOffice

    pdf = TP1.replace(".docx", ".pdf")
    assert names(folder(config) / "sent") == sorted([TP1, pdf])
    assert (folder(config) / "sent" / pdf).read_bytes() == attachment(only(config, SUBJECTS[TP1]))[
        2
    ]
    [row] = [r for r in cells(config.paths.register, layout.LETTERS) if r["Party"] == "TP1"]
    assert row["File"] == pdf


def test_the_covering_email_carries_the_reference_and_the_names_as_written(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, ACK, TP1)

    weekly_run(config, TUESDAY, office=None)

    ack, consent = only(config, SUBJECTS[ACK]), only(config, SUBJECTS[TP1])
    assert str(ack["Subject"]) == "Your request to see your child's records [SAR-2026-001]"
    assert str(consent["Subject"]) == (
        "Request for consent to disclose information [SAR-2026-001/TP1]"
    )
    [to] = consent["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Siobhán Ní Bhriain", "siobhan@example.org")
    [to] = ack["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Aoife O'Brien", "aoife.obrien@example.org")
    assert plain_text(consent) == (
        "Dear Siobhán Ní Bhriain,\n\n"
        "Please find attached our letter about the request with our reference "
        "SAR-2026-001/TP1. When you reply, please keep the reference in the subject line.\n\n"
        "Kind regards,\n\n"
        f"{OWNER_NAME}\nOwner\n{SETTING_NAME}\n"
    )
    assert plain_text(ack).startswith("Dear Aoife O'Brien,\n\n")
    assert "with our reference SAR-2026-001. When you reply" in plain_text(ack)
    html = consent.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>Dear Siobhán Ní Bhriain,</p>" in html.get_content()
    assert f"<p>{OWNER_NAME}<br>Owner<br>{SETTING_NAME}</p>" in html.get_content()


def test_the_covering_email_escapes_names_in_its_html(setting: Callable[..., Config]) -> None:
    config = setting([request_row(Ref=REF)])
    entry = Entry(
        letter_id=f"{REF}/TP4/consent",
        ref=REF,
        party="TP4",
        kind="consent-family",
        recipient="Zoë & Ann <O'Neill>",
        by="Email",
        destination="zoe@example.org",
        file_name=f"{REF} consent request TP4 - Zoë & Ann O'Neill.docx",
        generated=MONDAY,
        regenerated=0,
    )
    signed = folder(config) / "signed" / "letter.pdf"

    mail = compose(entry, config.setting, signed, "<one@example.org>")

    assert mail.subject == f"Request for consent to disclose information [{REF}/TP4]"
    assert mail.text.startswith("Dear Zoë & Ann <O'Neill>,\n\n")
    assert "<p>Dear Zoë &amp; Ann &lt;O'Neill&gt;,</p>" in mail.html
    assert "<O'Neill>" not in mail.html
    assert mail.attachment_name == f"{REF} consent request TP4 - Zoë & Ann O'Neill.pdf"
    assert (mail.to, mail.to_name, mail.sender) == (
        "zoe@example.org",
        "Zoë & Ann <O'Neill>",
        SETTING_EMAIL,
    )


def test_the_covering_email_to_an_agency_greets_the_worker_the_letter_greets(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, TP2)

    weekly_run(config, TUESDAY, office=None)

    assert plain_text(only(config, SUBJECTS[TP2])).startswith("Dear Joan Smith,\n\n")


def test_a_sending_failure_is_not_listed_among_replies_that_match_nothing(
    four_by_email: Config,
) -> None:
    config = four_by_email
    sign(config, ACK, TP1)
    refusing = RefusesTheSecondMessage(FolderMail(config.paths.inbox, config.paths.outbox))

    outcome = weekly_run(config, TUESDAY, office=None, backend=refusing)

    assert f"Sending stopped at {TP1}" in outcome.text
    assert "Replies that match nothing (0):" in outcome.text
