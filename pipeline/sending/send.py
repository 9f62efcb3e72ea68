"""Send each letter the owner has signed, exactly once, and file it under sent/."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email.utils import make_msgid
from pathlib import Path

from pipeline.config import Setting
from pipeline.errors import LettersError
from pipeline.faults import checkpoint
from pipeline.folders import SENT, SIGNED, TO_SIGN, Folders
from pipeline.journal import Entry, Send
from pipeline.letters.kinds import KINDS, reference
from pipeline.mail.base import MailBackend, Outgoing
from pipeline.records.convert import Converter
from pipeline.run_context import RunContext


@dataclass(frozen=True)
class Sending:
    """What the sending stage did and found."""

    sent: tuple[tuple[Entry, str], ...] = ()  # letter, how it went (by email / posted)
    to_post: tuple[Path, ...] = ()  # signed, waiting for the Posted date
    problems: tuple[str, ...] = ()


def signed_copy(folders: Folders, entry: Entry) -> Path | None:
    """Return the owner's signed copy of a letter: a scanned PDF, else the signed .docx."""
    stem = os.path.splitext(entry.file_name)[0]
    for suffix in (".pdf", ".docx"):
        found = folders.find(entry.ref, SIGNED, f"{stem}{suffix}")
        if found is not None:
            return found
    return None


def compose(entry: Entry, setting: Setting, attachment: Path, message_id: str) -> Outgoing:
    """Write the covering email for a signed letter."""
    quoted = reference(entry.ref, entry.party)
    subject = f"{KINDS[entry.kind].subject} [{quoted}]"
    paragraphs = [
        f"{entry.salutation or 'Dear ' + entry.recipient},",
        f"Please find attached our letter about the request with our reference "
        f"{quoted}. When you reply, please keep the reference in the subject line.",
        "Kind regards,",
        f"{setting.owner_name}\n{setting.owner_role}\n{setting.name}",
    ]
    text = "\n\n".join(paragraphs) + "\n"
    html = "".join(
        "<p>" + _escape(paragraph).replace("\n", "<br>") + "</p>" for paragraph in paragraphs
    )
    return Outgoing(
        message_id=message_id,
        sender=setting.email,
        sender_name=setting.name,
        to=entry.destination,
        to_name=entry.recipient,
        subject=subject,
        text=text,
        html=f"<html><body>{html}</body></html>",
        attachment=attachment,
        attachment_name=f"{Path(entry.file_name).stem}{attachment.suffix.lower()}",
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_signed(
    run: RunContext,
    entries: Mapping[str, Entry],
    posted: Mapping[str, date],
    backend: MailBackend,
    converter: Converter,
) -> Sending:
    """Send every signed letter by email, or record it as posted; each exactly once."""
    sent: list[tuple[Entry, str]] = []
    to_post: list[Path] = []
    sends = run.journal.sends()
    queue: list[tuple[Entry, Path]] = []
    for entry in entries.values():
        send = sends.get(entry.letter_id)
        if send is not None and send.state == "sent":
            if not run.dry_run:
                _tidy(run.folders, entry, send)  # a run stopped after sending, before moving
            continue
        signed = signed_copy(run.folders, entry)
        if entry.by == "Post":
            posted_on = posted.get(entry.letter_id)
            if posted_on is None:
                if signed is not None:
                    to_post.append(signed)
                    if not run.dry_run:
                        run.journal.record_signed(entry.letter_id, run.today)
                continue
            if not run.dry_run:
                name = _file_sent(run.folders, entry, signed)
                run.journal.record_sent(entry.letter_id, posted_on, name, run.today)
            sent.append((entry, f"posted {posted_on.isoformat()}"))
            continue
        if signed is not None:
            queue.append((entry, signed))
    if run.dry_run:
        sent += [(entry, f"by email to {entry.destination}") for entry, _ in queue]
        return Sending(tuple(sent), tuple(to_post))
    emailed, problems = _email(run, queue, sends, backend, converter)
    return Sending(tuple(sent + emailed), tuple(to_post), tuple(problems))


def _email(
    run: RunContext,
    queue: list[tuple[Entry, Path]],
    sends: Mapping[str, Send],
    backend: MailBackend,
    converter: Converter,
) -> tuple[list[tuple[Entry, str]], list[str]]:
    """Email each signed letter in ``queue``, in order, stopping at the first that fails."""
    for entry, _ in queue:
        run.journal.record_signed(entry.letter_id, run.today)
    try:
        converted = converter.docx_to_pdf([path for _, path in queue if path.suffix == ".docx"])
    except LettersError as error:
        return [], [
            f"{error.message} Nothing was emailed this time; the signed letters stay in "
            "signed/ and go next run."
        ]
    sent: list[tuple[Entry, str]] = []
    problems = list(converter.problems)
    for entry, signed in queue:
        try:
            _send_one(run, entry, signed, converted.get(signed), sends, backend)
        except LettersError as error:
            problems.append(
                f"Sending stopped at {entry.file_name}: {error.message} It and the letters "
                "after it are still in signed/ and go next time."
            )
            break
        sent.append((entry, f"by email to {entry.destination}"))
    return sent, problems


def _send_one(
    run: RunContext,
    entry: Entry,
    signed: Path,
    pdf: Path | None,
    sends: Mapping[str, Send],
    backend: MailBackend,
) -> None:
    setting, journal, today = run.config.setting, run.journal, run.today
    attachment = pdf or signed
    before = sends.get(entry.letter_id)
    mail = compose(
        entry,
        setting,
        attachment,
        make_msgid(domain=setting.email.rpartition("@")[2] or "localhost"),
    )
    if before is not None and before.state == "sending":
        # Journaled as started but never as done: it may or may not have gone. Ask the
        # back-end by the Message-ID journaled then, and only send if it has not.
        if not backend.was_sent(before.message_id):
            backend.send(mail, before.message_id)
            checkpoint("send:done")
    else:
        message_id = backend.prepare(mail)
        journal.record_sending(entry.letter_id, message_id, today)
        checkpoint("send:journaled")
        backend.send(mail, message_id)
        checkpoint("send:done")
    if pdf is not None:
        # Kept before the journal says sent: after that, only the tidying of signed/ is left.
        run.folders.copy(pdf, entry.ref, SENT, f"{Path(entry.file_name).stem}.pdf")
    name = f"{Path(entry.file_name).stem}{attachment.suffix.lower()}"
    journal.record_sent(entry.letter_id, today, name, today)
    checkpoint("send:recorded")
    _file_sent(run.folders, entry, signed)


def _file_sent(folders: Folders, entry: Entry, signed: Path | None) -> str:
    """Move the signed copy into sent/, and tidy the unsigned one out of to-sign/."""
    folders.place(entry.ref, SENT).mkdir(parents=True, exist_ok=True)
    kept = ""
    if signed is not None:
        folders.move(signed, entry.ref, SENT)
        kept = signed.name
    unsigned = folders.place(entry.ref, TO_SIGN) / entry.file_name
    if unsigned.exists():
        if signed is None:
            folders.move(unsigned, entry.ref, SENT)  # posted from an unsigned printout
            kept = unsigned.name
        else:
            folders.remove(unsigned)
    return kept or entry.file_name


def _tidy(folders: Folders, entry: Entry, send: Send) -> None:
    signed = signed_copy(folders, entry)
    unsigned = folders.find(entry.ref, TO_SIGN, entry.file_name)
    if signed is None and unsigned is None:
        return  # the usual case: filed under sent/ long ago
    sent = folders.place(entry.ref, SENT)
    if signed is not None and not (sent / signed.name).exists():
        _file_sent(folders, entry, signed)
    # Listed before anything moved: filing the signed copy may have removed it since.
    if unsigned is not None and (signed is not None or (sent / send.file_name).exists()):
        folders.remove(unsigned)
