"""Send each letter the owner has signed, exactly once, and file it under sent/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from email.utils import make_msgid
from pathlib import Path

from pipeline.config import Setting
from pipeline.errors import LettersError
from pipeline.faults import checkpoint
from pipeline.folders import Listing
from pipeline.journal import Entry, Journal, Send
from pipeline.letters.kinds import KINDS, reference
from pipeline.mail.base import MailBackend, Outgoing
from pipeline.records.convert import Converter


@dataclass
class Sending:
    """What the sending stage did and found."""

    sent: list[tuple[Entry, str]] = field(default_factory=list)  # letter, how (email/posted)
    to_post: list[Path] = field(default_factory=list)  # signed, waiting for the Posted date
    problems: list[str] = field(default_factory=list)


def signed_copy(folder: Path, file_name: str, listing: Listing) -> Path | None:
    """Return the owner's signed copy of a letter: a scanned PDF, else the signed .docx."""
    stem = os.path.splitext(file_name)[0]
    for suffix in (".pdf", ".docx"):
        found = listing.find(folder, "signed", f"{stem}{suffix}")
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
    entries: Mapping[str, Entry],
    posted: Mapping[str, date],
    working_folder: Path,
    setting: Setting,
    journal: Journal,
    backend: MailBackend,
    converter: Converter,
    today: date,
    listing: Listing,
    *,
    dry_run: bool = False,
) -> Sending:
    """Send every signed letter by email, or record it as posted; each exactly once.

    ``listing`` is the run's view of the request folders; a folder is forgotten in it once a
    letter moves out of it.
    """
    result = Sending()
    sends = journal.sends()
    queue: list[tuple[Entry, Path]] = []
    folders: dict[str, Path] = {}
    for entry in entries.values():
        folder = folders.get(entry.ref)
        if folder is None:
            folder = folders[entry.ref] = working_folder / entry.ref
        send = sends.get(entry.letter_id)
        if send is not None and send.state == "sent":
            if not dry_run:
                _tidy(folder, entry, send, listing)  # a run stopped after sending, before moving
            continue
        signed = signed_copy(folder, entry.file_name, listing)
        if entry.by == "Post":
            posted_on = posted.get(entry.letter_id)
            if posted_on is None:
                if signed is not None:
                    result.to_post.append(signed)
                    if not dry_run:
                        journal.record_signed(entry.letter_id, today)
                continue
            if not dry_run:
                name = _file_sent(folder, entry, signed)
                listing.forget(folder)
                journal.record_sent(entry.letter_id, posted_on, name, today)
            result.sent.append((entry, f"posted {posted_on.isoformat()}"))
            continue
        if signed is not None:
            queue.append((entry, signed))
    if dry_run:
        result.sent += [(entry, f"by email to {entry.destination}") for entry, _ in queue]
        return result
    for entry, _ in queue:
        journal.record_signed(entry.letter_id, today)
    try:
        converted = converter.docx_to_pdf([path for _, path in queue if path.suffix == ".docx"])
    except LettersError as error:
        result.problems.append(
            f"{error.message} Nothing was emailed this time; the signed letters stay in "
            "signed/ and go next run."
        )
        return result
    result.problems += converter.problems
    for entry, signed in queue:
        try:
            _send_one(entry, signed, converted.get(signed), sends, setting, journal, backend, today)
        except LettersError as error:
            result.problems.append(
                f"Sending stopped at {entry.file_name}: {error.message} It and the letters "
                "after it are still in signed/ and go next time."
            )
            break
        finally:
            listing.forget(signed.parent.parent)  # its letter may have moved into sent/
        result.sent.append((entry, f"by email to {entry.destination}"))
    return result


def _send_one(
    entry: Entry,
    signed: Path,
    pdf: Path | None,
    sends: Mapping[str, Send],
    setting: Setting,
    journal: Journal,
    backend: MailBackend,
    today: date,
) -> None:
    folder = signed.parent.parent
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
        _keep(pdf, folder / "sent" / f"{Path(entry.file_name).stem}.pdf")
    name = f"{Path(entry.file_name).stem}{attachment.suffix.lower()}"
    journal.record_sent(entry.letter_id, today, name, today)
    checkpoint("send:recorded")
    _file_sent(folder, entry, signed)


def _keep(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` whole, or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _file_sent(folder: Path, entry: Entry, signed: Path | None) -> str:
    """Move the signed copy into sent/, and tidy the unsigned one out of to-sign/."""
    sent = folder / "sent"
    sent.mkdir(parents=True, exist_ok=True)
    kept = ""
    if signed is not None:
        os.replace(signed, sent / signed.name)
        kept = kept or signed.name
    unsigned = folder / "to-sign" / entry.file_name
    if unsigned.exists():
        if signed is None:
            os.replace(unsigned, sent / unsigned.name)  # posted from an unsigned printout
            kept = kept or unsigned.name
        else:
            unsigned.unlink()
    return kept or entry.file_name


def _tidy(folder: Path, entry: Entry, send: Send, listing: Listing) -> None:
    signed = signed_copy(folder, entry.file_name, listing)
    unsigned = listing.find(folder, "to-sign", entry.file_name)
    if signed is None and unsigned is None:
        return  # the usual case: filed under sent/ long ago
    if signed is not None and not (folder / "sent" / signed.name).exists():
        _file_sent(folder, entry, signed)
    # Listed before anything moved: filing the signed copy may have removed it since.
    if unsigned is not None and (signed is not None or (folder / "sent" / send.file_name).exists()):
        unsigned.unlink(missing_ok=True)
    listing.forget(folder)
