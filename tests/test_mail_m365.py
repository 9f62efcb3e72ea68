"""The Microsoft 365 back-end, driven by the real O365 library against the Graph stand-in."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import stat
import time
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import requests

# The stand-in fixture, registered under its own name "graph" whatever it is imported as.
from graph_standin import GraphStandin

from pipeline.cli import main
from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.journal import Journal, journal_path
from pipeline.mail.base import Outgoing
from pipeline.mail.folder import FolderMail
from pipeline.mail.m365 import M365Mail, check, connect
from pipeline.mail.m365_login import login
from pipeline.run import weekly_run

from support.certificates import app_certificate
from support.config import write_config
from support.m365 import OFFICE, PARENT, SECRET_ENV, with_mail
from support.mail import kept_mail
from support.register import party_row, request_row, write_register

MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)


def letter(
    folder: Path, size: int = 20_000, name: str = "SAR-2026-001 TP1 consent.pdf"
) -> Outgoing:
    """Return a covering email for a signed letter of ``size`` bytes written into ``folder``."""
    path = folder / name
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(size))
    return Outgoing(
        message_id="<proposed@nursery.example>",
        sender=OFFICE,
        sender_name="Little Acorns Nursery",
        to=PARENT,
        to_name="Joan Smith",
        subject="Request for consent to disclose information [SAR-2026-001/TP1]",
        text="Dear Joan Smith,\n\nPlease find attached our letter.\n",
        html="<html><body><p>Dear Joan Smith,</p><p>Please find our letter.</p></body></html>",
        attachment=path,
        attachment_name=name,
    )


def send(backend: M365Mail, mail: Outgoing) -> str:
    """Do what the run does: prepare, (journal), send; return the Message-ID."""
    message_id = backend.prepare(mail)
    backend.send(mail, message_id)
    return message_id


def received_attachments(graph: GraphStandin, mailbox: str) -> list[tuple[str, bytes]]:
    """Return the attachments of every message in ``mailbox``'s inbox, decoded from its MIME."""
    found = []
    for item in graph.folder_messages(mailbox, "inbox"):
        message = BytesParser(policy=policy.default).parsebytes(
            graph.message_mime(mailbox, item["id"])
        )
        assert isinstance(message, EmailMessage)
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append((part.get_filename() or "", payload))
    return found


def reply_mime(subject: str, number: int, attachment: bytes = b"", answers: str = "") -> bytes:
    """Return a reply from the parent as MIME, with an optional PDF attached."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"Joan Smith <{PARENT}>"
    message["To"] = OFFICE
    message["Subject"] = subject
    message["Message-ID"] = f"<reply-{number}@family.example>"
    message["Date"] = "Thu, 19 Nov 2026 10:00:00 +0000"
    if answers:
        message["In-Reply-To"] = answers
        message["References"] = answers
    message.set_content(f"I consent. Reply number {number}.\n")
    if attachment:
        message.add_attachment(attachment, "application", "pdf", filename="signed consent.pdf")
    return message.as_bytes()


def test_a_letter_goes_from_the_mailbox_with_its_attachment_and_a_copy_in_sent_items(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    mail = letter(tmp_path)
    message_id = send(connect(m365), mail)
    sent = graph.sent(OFFICE)
    assert [item["internetMessageId"] for item in sent] == [message_id]
    assert sent[0]["subject"] == mail.subject
    assert sent[0]["toRecipients"][0]["emailAddress"]["address"] == PARENT
    assert received_attachments(graph, PARENT) == [
        (mail.attachment_name, mail.attachment.read_bytes())
    ]
    assert graph.folder_messages(OFFICE, "drafts") == []


def test_a_4_mb_letter_goes_through_an_upload_session(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    mail = letter(tmp_path, size=4 * 1024 * 1024)
    send(connect(m365), mail)
    assert graph.count("POST", r"/attachments/createUploadSession$", 201) == 1
    assert graph.count("POST", r"/attachments$") == 0
    assert received_attachments(graph, PARENT) == [
        (mail.attachment_name, mail.attachment.read_bytes())
    ]


def test_a_429_on_send_is_retried_after_retry_after_and_the_letter_is_sent_once(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    graph.fail("POST", r"/send$", 429, retry_after=1)
    started = time.monotonic()
    backend.send(mail, message_id)
    assert time.monotonic() - started >= 1
    assert graph.count("POST", r"/send$", 429) == 1
    assert [item["internetMessageId"] for item in graph.sent(OFFICE)] == [message_id]
    assert len(graph.folder_messages(PARENT, "inbox")) == 1


def test_a_503_that_does_not_clear_stops_with_one_line_and_nothing_is_sent(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    graph.fail("POST", r"/send$", 503, times=5, retry_after=0)
    with pytest.raises(LettersError) as raised:
        backend.send(mail, message_id)
    assert "\n" not in raised.value.message
    assert "busy" in raised.value.message and "3 tries" in raised.value.message
    assert graph.count("POST", r"/send$", 503) == 3
    assert graph.sent(OFFICE) == []


def test_handed_over_finds_a_sent_letter_in_sent_items_and_not_a_draft(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    backend = connect(m365)
    assert backend.delivers
    sent_id = send(backend, letter(tmp_path))
    draft_id = backend.prepare(letter(tmp_path, name="other.pdf"))
    assert backend.handed_over(sent_id)
    assert not backend.handed_over(draft_id)
    assert backend.departures([sent_id, draft_id]) == {}  # nothing waits for a person


def test_after_a_crash_between_send_and_journal_the_next_run_sends_nothing_again(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    mail = letter(tmp_path)
    message_id = send(connect(m365), mail)  # then the run is killed before journaling "sent"
    next_run = connect(m365)
    if not next_run.handed_over(message_id):  # what sending.py does with a "sending" entry
        next_run.send(mail, message_id)
    assert len(graph.sent(OFFICE)) == 1


def test_a_draft_left_by_a_crash_before_sending_is_found_and_sent_by_the_next_run(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    mail = letter(tmp_path)
    message_id = connect(m365).prepare(mail)  # killed after journaling "sending"
    next_run = connect(m365)
    assert not next_run.handed_over(message_id)
    assert next_run.send(mail, message_id) == ""
    assert [item["internetMessageId"] for item in graph.sent(OFFICE)] == [message_id]
    assert graph.folder_messages(OFFICE, "drafts") == []


def test_paging_over_three_pages_of_inbox_finds_every_reply_oldest_first(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    graph.page_size = 2
    for number in range(6):
        graph.deliver(OFFICE, reply_mime(f"Re: consent [SAR-2026-00{number}]", number))
    replies = connect(m365).replies()
    assert [reply.message_id for reply in replies] == [
        f"<reply-{number}@family.example>" for number in range(6)
    ]
    assert graph.count("GET", r"/mailFolders/inbox/messages$") == 3
    assert replies[0].sender == PARENT
    assert replies[0].subject == "Re: consent [SAR-2026-000]"
    assert replies[0].source == "inbox: Re: consent [SAR-2026-000]"


def test_only_messages_received_since_the_given_day_are_listed(
    m365: Config, graph: GraphStandin
) -> None:
    old = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
    new = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    graph.deliver(OFFICE, reply_mime("Newsletter", 1), received=old)
    graph.deliver(OFFICE, reply_mime("Re: consent [SAR-2026-001/TP1]", 2), received=new)
    listed = connect(m365).replies(since=dt.date(2026, 11, 1))
    assert [reply.subject for reply in listed] == ["Re: consent [SAR-2026-001/TP1]"]
    assert [reply.subject for reply in connect(m365).replies()] == [
        "Newsletter",
        "Re: consent [SAR-2026-001/TP1]",
    ]


def test_a_reply_lists_the_messages_it_answers(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    backend = connect(m365)
    letter_id = send(backend, letter(tmp_path))
    graph.deliver(OFFICE, reply_mime("Re: your letter", 1, answers=letter_id))
    (reply,) = backend.replies()
    assert reply.answers == (letter_id,)
    assert list(backend.problems) == []


def test_fetch_returns_the_whole_message_its_text_and_its_attachments(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    pdf = b"%PDF-1.7\nsigned consent\n" + os.urandom(2000)
    mime = reply_mime("Re: consent [SAR-2026-001/TP1]", 1, attachment=pdf)
    graph.deliver(OFFICE, mime)
    backend = connect(m365)
    (reply,) = backend.replies()
    content = backend.fetch(reply)
    assert content.message == mime
    assert "I consent. Reply number 1." in content.text
    assert content.attachments == (("signed consent.pdf", pdf),)
    assert content.original is None


def test_mark_filed_marks_read_and_moves_into_access_requests_filed_made_when_missing(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    graph.deliver(OFFICE, reply_mime("Re: consent [SAR-2026-001/TP1]", 1))
    graph.deliver(OFFICE, reply_mime("Re: consent [SAR-2026-002]", 2))
    backend = connect(m365)
    first, second = backend.replies()
    backend.mark_filed(first)
    backend.mark_filed(second)
    filed = graph.folder_messages(OFFICE, "Access requests/Filed")
    assert [item["internetMessageId"] for item in filed] == [first.message_id, second.message_id]
    assert all(item["isRead"] for item in filed)
    assert graph.folder_messages(OFFICE, "inbox") == []
    assert connect(m365).replies() == []
    backend.mark_filed(first)  # filed again after a stopped run: nothing to do


def test_filed_where_names_the_mail_folder_filed_replies_go_to(
    m365: Config, graph: GraphStandin
) -> None:
    graph.deliver(OFFICE, reply_mime("Re: consent [SAR-2026-001/TP1]", 1))
    backend = connect(m365)
    [reply] = backend.replies()
    assert backend.filed_where(reply) == "the mailbox folder Access requests/Filed"
    unnamed = connect(with_mail(m365, filed_folder=""))
    assert unnamed.filed_where(reply) == "the mailbox's Filed folder"


def test_an_expired_access_token_is_renewed_during_the_run(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    backend = connect(m365)
    graph.expire_tokens()
    send(backend, letter(tmp_path))
    assert graph.count("*", r"/messages$|/mailFolders/", 401) >= 1
    assert len(graph.sent(OFFICE)) == 1


def test_a_token_left_to_expire_between_runs_is_renewed_when_the_run_starts(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    connect(m365)
    graph.expire_tokens()
    send(connect(m365), letter(tmp_path))
    assert len(graph.sent(OFFICE)) == 1


def test_the_token_file_is_readable_by_its_owner_only(
    m365: Config,
    graph: GraphStandin,
) -> None:
    connect(m365)
    token_file = m365.mail.token_file
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("permission", "step"),
    [("Mail.Send", "send"), ("Mail.ReadWrite", "replies")],
)
def test_a_403_names_the_rbac_role_to_assign_and_the_hours_it_takes_to_apply(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
    permission: str,
    step: str,
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    graph.deny(permission)
    with pytest.raises(LettersError) as raised:
        backend.send(mail, message_id) if step == "send" else backend.replies()
    message = raised.value.message
    assert "\n" not in message
    assert f"in {OFFICE} (403 ErrorAccessDenied): the app has no Exchange role " in message
    assert (
        f'New-ManagementRoleAssignment -App {graph.client_id} -Role "Application {permission}" '
        f"-CustomResourceScope <a scope holding {OFFICE}>"
    ) in message
    assert message.endswith(
        "A new assignment can take up to two hours to apply: if it was just made, run again later."
    )
    assert "admin consent" not in message  # that would give the app every mailbox
    assert graph.sent(OFFICE) == []


def test_a_wrong_secret_says_so_in_one_line(
    m365: Config,
    graph: GraphStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    with pytest.raises(LettersError) as raised:
        connect(m365)
    assert "\n" not in raised.value.message
    assert "client secret is wrong" in raised.value.message
    assert SECRET_ENV in raised.value.message and "AADSTS7000215" in raised.value.message


def test_a_missing_secret_names_the_environment_variable(
    m365: Config,
    graph: GraphStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(LettersError, match=f"environment variable {SECRET_ENV}"):
        connect(m365)


def test_an_unknown_tenant_says_so_in_one_line(
    m365: Config,
    graph: GraphStandin,
) -> None:
    with pytest.raises(LettersError) as raised:
        connect(with_mail(m365, tenant_id="00000000-0000-0000-0000-000000000000"))
    assert "\n" not in raised.value.message
    assert "tenant" in raised.value.message and "mail.tenant_id" in raised.value.message


def test_an_unknown_client_id_says_so_in_one_line(
    m365: Config,
    graph: GraphStandin,
) -> None:
    with pytest.raises(LettersError) as raised:
        connect(with_mail(m365, client_id="11111111-1111-1111-1111-111111111111"))
    assert "\n" not in raised.value.message
    assert "mail.client_id" in raised.value.message


def test_an_unknown_mailbox_says_so_in_one_line(
    m365: Config,
    graph: GraphStandin,
) -> None:
    backend = connect(with_mail(m365, mailbox="nobody@nursery.example"))
    with pytest.raises(LettersError) as raised:
        backend.replies()
    assert "\n" not in raised.value.message
    assert "no mailbox nobody@nursery.example" in raised.value.message


def test_a_network_down_says_so_in_one_line(m365: Config, graph: GraphStandin) -> None:
    closed = "https://127.0.0.1:9/"
    with pytest.raises(LettersError) as raised:
        connect(with_mail(m365, authority_url=closed))
    assert "\n" not in raised.value.message
    assert "Cannot reach Microsoft 365" in raised.value.message


def test_login_stores_a_delegated_sign_in_that_later_runs_use(
    m365: Config,
    graph: GraphStandin,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    config = with_mail(m365, auth="user")
    shown: list[str] = []

    def browser(question: str) -> str:
        """Do what the manager does: open the address shown, sign in, copy where it ends."""
        address = next(line for line in shown if line.startswith("https://"))
        answer = requests.get(address, verify=str(graph.ca_file), allow_redirects=False, timeout=10)
        return answer.headers["Location"]

    login(config, prompt=browser, show=shown.append)
    assert stat.S_IMODE(config.mail.token_file.stat().st_mode) == 0o600
    send(connect(config), letter(tmp_path))
    assert len(graph.sent(OFFICE)) == 1
    graph.expire_tokens()  # a week later: renewed with the stored refresh token
    backend = connect(config)
    assert backend.replies() == []
    graph.expire_tokens()  # and again during the run
    assert backend.replies() == []
    graph.expire_tokens()
    graph.revoke_refresh_tokens()
    with pytest.raises(LettersError, match="run `letters login`"):
        connect(config)


@pytest.mark.parametrize("missing", ["Mail.Send", "Mail.ReadWrite"])
def test_login_check_says_what_it_proved_and_names_the_missing_role(
    m365: Config, graph: GraphStandin, missing: str
) -> None:
    assert check(m365)[1:] == [
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
        f"Sending from {OFFICE}: not proved (run `letters login --check --send-test` to send a "
        f"test message to {OFFICE} itself).",
    ]
    graph.deny(missing)
    lines = check(m365)
    assert any(f'no Exchange role "Application {missing}"' in line for line in lines)
    assert graph.sent(OFFICE) == [] and graph.folder_messages(OFFICE, "drafts") == []


def test_the_letter_sent_is_the_file_signed(
    m365: Config,
    graph: GraphStandin,
    tmp_path: Path,
) -> None:
    mail = letter(tmp_path, size=100)
    send(connect(m365), mail)
    (item,) = graph.folder_messages(PARENT, "inbox")
    attachment = item.get("attachments", [{}])[0]
    assert base64.b64decode(attachment.get("contentBytes", "")) == mail.attachment.read_bytes()


def test_pacing_keeps_sends_under_the_configured_rate(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    backend = connect(with_mail(m365, sends_per_minute=120))  # one every half second
    started = time.monotonic()
    for number in range(3):
        send(backend, letter(tmp_path, size=100, name=f"letter {number}.pdf"))
    assert time.monotonic() - started >= 1.0
    assert len(graph.sent(OFFICE)) == 3


def consent_sent(m365: Config, graph: GraphStandin, tmp_path: Path) -> tuple[Path, str]:
    """Generate on Monday, sign, and send TP1's consent letter from the mailbox on Tuesday;
    return the request's folder and the letter's internetMessageId."""
    write_register(
        m365.paths.register,
        [request_row()],
        [party_row(Address=None, Email=PARENT)],
    )
    weekly_run(m365, MONDAY, office=None, backend=FolderMail(tmp_path / "in", tmp_path / "out"))
    folder = m365.paths.working_folder / "SAR-2026-001"
    (unsigned,) = (folder / "to-sign").glob("*TP1*")
    shutil.copyfile(unsigned, folder / "signed" / unsigned.name)
    signed = unsigned.read_bytes()

    sent = weekly_run(m365, TUESDAY, office=None, backend=connect(m365))
    assert [entry.party for entry, _ in sent.sending.sent] == ["TP1"]
    (letter_id,) = [item["internetMessageId"] for item in graph.sent(OFFICE)]
    assert received_attachments(graph, PARENT) == [(unsigned.name, signed)]
    return folder, letter_id


def test_a_weekly_run_sends_a_signed_letter_and_files_the_reply_through_microsoft_365(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    folder, letter_id = consent_sent(m365, graph, tmp_path)

    pdf = b"%PDF-1.7\nconsent form\n"
    graph.deliver(OFFICE, reply_mime("Re: your letter", 1, attachment=pdf, answers=letter_id))
    filed = weekly_run(m365, WEDNESDAY, office=None, backend=connect(m365))
    assert [(filing.ref, filing.party) for filing in filed.replies.filed] == [
        ("SAR-2026-001", "TP1")
    ]
    replies = sorted(path.name for path in (folder / "replies").iterdir())
    assert any(name.endswith(".eml") for name in replies)
    assert any(name.endswith("signed consent.pdf") for name in replies)
    assert len(graph.folder_messages(OFFICE, "Access requests/Filed")) == 1
    assert graph.folder_messages(OFFICE, "inbox") == []


@pytest.mark.hostile_reply
def test_a_bounce_and_an_automatic_reply_in_the_mailbox_are_set_aside_not_filed(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    folder, letter_id = consent_sent(m365, graph, tmp_path)
    arrived = dt.datetime(2026, 11, 4, 9, 0, tzinfo=dt.UTC)
    for name in ("exchange-online-undeliverable.eml", "outlook-automatic-reply.eml"):
        # Written by Exchange inside the organisation: Graph has no internetMessageHeaders
        # for them, so the back-end reads each one's own MIME headers.
        data = kept_mail(name, letter_id).replace(b"TP2", b"TP1")
        graph.deliver(OFFICE, data.replace(b"kiran@example.org", PARENT.encode()),
                      received=arrived, internal=True)  # fmt: skip

    outcome = weekly_run(m365, WEDNESDAY, office=None, backend=connect(m365))

    assert list(outcome.replies.filed) == []
    [gone] = outcome.undelivered
    assert (gone.party, gone.address, gone.returned) == ("TP1", PARENT, WEDNESDAY)
    assert sorted(path.name for path in (folder / "replies").iterdir()) == [gone.filed_as]
    assert gone.filed_as == "SAR-2026-001 TP1 bounce 2026-11-04 - Smith & Sons Ltd.eml"
    assert list(outcome.replies.automatic) == [
        f"inbox: Automatic reply: Request for consent to disclose information [SAR-2026-001/TP1]: "
        f"an automatic reply from {PARENT} about SAR-2026-001/TP1; moved to the mailbox folder "
        "Access requests/Filed"
    ]
    assert len(graph.folder_messages(OFFICE, "Access requests/Filed")) == 2
    assert graph.folder_messages(OFFICE, "inbox") == []
    assert graph.count("GET", r"/messages/[^/]+/\$value$") >= 3  # each listed, the bounce filed


def test_an_app_with_a_certificate_signs_in_without_a_secret(
    m365: Config, graph: GraphStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV)
    pem, uploaded = app_certificate(tmp_path)
    graph.register_certificate(uploaded)
    send(connect(with_mail(m365, certificate=pem)), letter(tmp_path))
    assert len(graph.sent(OFFICE)) == 1


def test_a_send_that_went_but_was_answered_503_is_not_sent_again_on_the_404_that_follows(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    graph.fail("POST", r"/send$", 503, processed=True, retry_after=0)  # it went all the same
    graph.sent_items_after_requests = 4  # and Sent Items shows it a little later

    assert backend.send(mail, message_id) == ""

    assert graph.count("POST", r"/send$", 404) == 1  # the retry found the draft gone
    assert [item["internetMessageId"] for item in graph.sent(OFFICE)] == [message_id]
    assert len(graph.folder_messages(PARENT, "inbox")) == 1
    assert graph.count("POST", r"/mailFolders/drafts/messages$") == 0  # no draft made again


def test_a_send_that_timed_out_is_found_later_by_the_next_run_and_not_sent_again(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    config = with_mail(m365, timeout_seconds=1)
    mail = letter(tmp_path)
    backend, next_run = connect(config), connect(config)  # both signed in: requests counted
    message_id = backend.prepare(mail)
    graph.fail("POST", r"/send$", 503, processed=True, delay=1.5)  # it went; no answer in time
    graph.sent_items_after_requests = 3  # filed in Sent Items as the third request after it
    with pytest.raises(LettersError, match="Cannot reach Microsoft 365"):
        backend.send(mail, message_id)

    assert not next_run.handed_over(message_id)  # Sent Items does not show it yet
    assert next_run.send(mail, message_id) == ""  # no draft: looked for again, and found

    assert [item["internetMessageId"] for item in graph.sent(OFFICE)] == [message_id]
    assert len(graph.folder_messages(PARENT, "inbox")) == 1


def test_a_draft_gone_from_drafts_is_never_made_again_and_the_manager_is_told(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    (draft,) = graph.folder_messages(OFFICE, "drafts")
    del graph.mailbox(OFFICE).messages[draft["id"]]  # someone tidied Drafts in Outlook

    doubt = backend.send(mail, message_id)

    assert doubt.startswith(
        f"Microsoft 365 has no draft of the email for {mail.attachment_name} to {PARENT}, and "
        "it is not in Sent Items yet: a send was tried, so it is counted as sent and will not "
        "be sent again. Check Sent Items in Outlook later;"
    )
    assert f'with the subject "{mail.subject}".' in doubt
    assert graph.sent(OFFICE) == [] and graph.folder_messages(OFFICE, "drafts") == []
    assert graph.count("POST", r"/send$") == 1  # tried once, found gone, never made again


def test_a_draft_still_in_drafts_after_a_404_is_sent_then_once(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    backend = connect(m365)
    mail = letter(tmp_path)
    message_id = backend.prepare(mail)
    graph.fail("POST", r"/send$", 404)  # a send refused as if the draft were gone: it is not

    assert backend.send(mail, message_id) == ""

    assert [item["internetMessageId"] for item in graph.sent(OFFICE)] == [message_id]
    assert len(graph.folder_messages(PARENT, "inbox")) == 1


def test_a_send_that_timed_out_is_counted_as_sent_by_the_next_run_and_said_so(
    m365: Config, graph: GraphStandin, tmp_path: Path
) -> None:
    config = with_mail(m365, timeout_seconds=1)
    write_register(config.paths.register, [request_row()], [party_row(Address=None, Email=PARENT)])
    weekly_run(config, MONDAY, office=None, backend=FolderMail(tmp_path / "in", tmp_path / "out"))
    folder = config.paths.working_folder / "SAR-2026-001"
    for unsigned in (folder / "to-sign").glob("*TP1*"):
        shutil.copyfile(unsigned, folder / "signed" / unsigned.name)
    graph.fail("POST", r"/send$", 503, processed=True, delay=1.5)  # it went; no answer in time
    graph.sent_items_after_requests = 1000  # and Sent Items does not show it for a long while

    stopped = weekly_run(config, TUESDAY, office=None, backend=connect(config))
    assert [problem[:27] for problem in stopped.mail_problems] == ["Sending stopped at SAR-2026"]
    resumed = weekly_run(config, WEDNESDAY, office=None, backend=connect(config))
    later = weekly_run(config, date(2026, 11, 5), office=None, backend=connect(config))

    assert [entry.party for entry, _ in resumed.sending.sent] == ["TP1"]
    [doubt] = resumed.mail_problems
    assert "no draft of the email" in doubt and "counted as sent" in doubt
    assert (later.sending.sent, later.mail_problems) == ((), ())
    assert len(graph.folder_messages(PARENT, "inbox")) == 1  # it reached them once
    assert graph.count("POST", r"/send$") == 1
    with Journal(journal_path(config.paths.register)) as journal:
        [sent] = journal.sends().values()
    assert (sent.state, sent.sent, sent.how) == ("sent", WEDNESDAY, "unconfirmed")


def test_letters_login_check_on_the_command_line(
    graph: GraphStandin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(SECRET_ENV, graph.client_secret)
    path = write_config(
        tmp_path,
        mail={
            "backend": "m365",
            "graph_url": graph.url,
            "authority_url": graph.url,
            "mailbox": OFFICE,
            "tenant_id": graph.tenant_id,
            "client_id": graph.client_id,
            "secret_env": SECRET_ENV,
            "token_file": str(tmp_path / "token.json"),
            "ca_file": str(graph.ca_file),
        },
    )
    assert main(["login", "--check", "--config", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
        f"Sending from {OFFICE}: not proved (run `letters login --check --send-test` to send a "
        f"test message to {OFFICE} itself).",
    ]
    assert main(["login", "--check", "--send-test", "--config", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Sending from {OFFICE}: yes (Mail.Send): a test message went to {OFFICE} itself; it "
        "arrives in its Inbox shortly, and can be deleted there."
    )
    graph.deny("Mail.Send")
    assert main(["login", "--check", "--config", str(path)]) == 0
    assert 'no Exchange role "Application Mail.Send"' in capsys.readouterr().out


def test_a_run_that_cannot_sign_in_says_so_and_still_does_the_rest(
    m365: Config, graph: GraphStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_register(m365.paths.register, [request_row()])
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    outcome = weekly_run(m365, MONDAY, office=None)
    [problem] = outcome.mail_problems
    assert "client secret is wrong" in problem
    assert problem.endswith(
        "Nothing was sent or collected from the mailbox this time; the signed letters stay in "
        "signed/ and go next run."
    )
    assert "Problems sending (1):" in outcome.text
    assert [letter.kind for letter, _ in outcome.letters.generated] == ["acknowledgement"]
    assert outcome.write_back.written


def test_no_secret_or_token_appears_in_what_the_run_prints_or_saves(
    m365: Config, graph: GraphStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_register(m365.paths.register, [request_row()])
    outcome = weekly_run(m365, MONDAY, office=None)
    token = json.loads(m365.mail.token_file.read_text())
    secrets = [graph.client_secret, *_strings_named(token, "secret")]
    monkeypatch.setenv(SECRET_ENV, "not-the-secret-" + graph.client_secret[:6])
    failed = weekly_run(m365, TUESDAY, office=None)
    said = [outcome.text, failed.text, *failed.mail_problems]
    for text in said:
        for secret in [*secrets, "not-the-secret-"]:
            assert secret not in text
    assert all("eyJ" not in text for text in said)  # no access token (a JWT) either


def _strings_named(data: Any, word: str) -> list[str]:
    """Return every string value in ``data`` under a key containing ``word``."""
    if isinstance(data, dict):
        return [
            found
            for key, value in data.items()
            for found in ([value] if word in str(key).lower() and isinstance(value, str) else [])
            + _strings_named(value, word)
        ]
    if isinstance(data, list):
        return [found for item in data for found in _strings_named(item, word)]
    return []
