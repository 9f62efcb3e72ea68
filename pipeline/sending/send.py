"""Send each letter the owner has signed, exactly once, and file it under sent/."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from email.utils import make_msgid
from pathlib import Path

from pipeline.config import Setting
from pipeline.errors import LettersError
from pipeline.faults import checkpoint
from pipeline.folders import SENT as SENT_PLACE
from pipeline.folders import TO_SIGN, Folders, clean_copy_name, protected_copy_name
from pipeline.history import by_request
from pipeline.journal import READY, SENDING, SENT, Entry, Send
from pipeline.letters.kinds import COMPLAINANT, KINDS, reference
from pipeline.mail.base import Enclosure, MailBackend, Outgoing
from pipeline.records.convert import Converter
from pipeline.run_context import RunContext
from pipeline.sending import outbox
from pipeline.sending.signed import is_open, signed_copy, unmatched

__all__ = ["Sending", "compose", "send_signed", "signed_copy"]


@dataclass(frozen=True)
class Sending:
    """What the sending stage did and found."""

    sent: tuple[tuple[Entry, str], ...] = ()  # letter, how it went (by email, posted, left …)
    ready: tuple[tuple[Entry, str], ...] = ()  # emails waiting in the outbox: letter, its file
    to_post: tuple[Path, ...] = ()  # signed, waiting for the Posted date
    # A response among them, and the clean copy to print and enclose with it.
    enclose: tuple[tuple[Path, Path], ...] = ()
    still_open: tuple[Path, ...] = ()  # signed, but open in Word: not sent this run
    # Signed responses not emailed, as the copy they bring is not there: letter, the copy.
    without_copy: tuple[tuple[Path, Path], ...] = ()
    unmatched: tuple[tuple[Path, str], ...] = ()  # in signed/, no letter's: what to do
    problems: tuple[str, ...] = ()


def compose(
    entry: Entry,
    setting: Setting,
    attachment: Path,
    message_id: str,
    enclosures: tuple[Enclosure, ...] = (),
) -> Outgoing:
    """Write the covering email for a signed letter, and what goes with it."""
    quoted = reference(entry.ref, entry.party)
    subject = f"{KINDS[entry.kind].subject} [{quoted}]"
    about = "your complaint" if KINDS[entry.kind].to == COMPLAINANT else "the request"
    paragraphs = [
        f"{entry.salutation or 'Dear ' + entry.recipient},",
        f"Please find attached our letter about {about} with our reference "
        f"{quoted}. When you reply, please keep the reference in the subject line.",
    ]
    if enclosures:
        paragraphs.append(
            "The copy of the records is attached too, as a PDF that opens with a password. "
            "We will give you the password separately, by phone or in a letter: it is never "
            "sent in the same email as the copy."
        )
    paragraphs += [
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
        enclosures=enclosures,
    )


def enclosures_of(folders: Folders, entry: Entry) -> tuple[Enclosure, ...]:
    """Return what goes with ``entry`` by email: the response brings the protected clean copy."""
    if entry.kind != "response":
        return ()
    protected = folders.of(entry.ref) / protected_copy_name(entry.ref)
    return (Enclosure(protected, protected.name, "the protected clean copy"),)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_signed(
    run: RunContext,
    entries: Mapping[str, Entry],
    posted: Mapping[str, date],
    backend: MailBackend,
    converter: Converter,
    held: Collection[str] = frozenset(),
) -> Sending:
    """Send every signed letter by email, or record it as posted; each exactly once.

    Emails left ready to send by an earlier run are looked for first, before this run writes
    any: those that have left the outbox are recorded as sent. The letters ``held`` are not
    sent (withdrawn, or their request closed or waiting for its row to be fixed).
    """
    sends = run.journal.sends()
    before = outbox.look(run, entries, sends, backend)
    if before.left:
        sends = run.journal.sends()
    sent: list[tuple[Entry, str]] = list(before.left)
    to_post: list[Path] = []
    still_open: list[Path] = []
    without_copy: list[tuple[Path, Path]] = []
    enclose: list[tuple[Path, Path]] = []
    queue: list[tuple[Entry, Path]] = []
    for entry in entries.values():
        send = sends.get(entry.letter_id)
        if entry.letter_id in held:
            continue
        if send is not None and send.state in (SENT, READY):
            if not run.dry_run:
                _tidy(run.folders, entry, send)  # a run stopped after sending, before moving
            continue
        signed = signed_copy(run.folders, entry)
        if signed is not None and is_open(run.folders, entry.ref, signed):
            still_open.append(signed)  # the owner may still be signing it
        elif entry.by == "Post":
            sent += _post(run, entry, signed, posted.get(entry.letter_id), to_post)
            if entry.kind == "response" and signed in to_post:
                enclose.append((signed, run.folders.of(entry.ref) / clean_copy_name(entry.ref)))
        elif signed is not None:
            # The response says the copy comes with its email: it waits for the copy.
            missing = [e.path for e in enclosures_of(run.folders, entry) if not e.path.is_file()]
            if missing and (send is None or send.state != SENDING):
                without_copy += [(signed, path) for path in missing]
            else:
                queue.append((entry, signed))
    found = Sending(
        to_post=tuple(to_post),
        still_open=tuple(still_open),
        without_copy=tuple(without_copy),
        enclose=tuple(enclose),
        unmatched=tuple(unmatched(run.folders, by_request(entries))),
    )
    if run.dry_run:
        sent += [(entry, f"by email to {entry.destination}") for entry, _ in queue]
        return replace(found, sent=tuple(sent), ready=before.waiting)
    emailed, problems = _email(run, queue, sends, backend, converter)
    after = outbox.look(run, entries, run.journal.sends(), backend, unproven=_UNPROVEN)
    return replace(
        found,
        sent=(*sent, *emailed, *after.left),
        ready=after.waiting,
        problems=(*problems, *after.notes),
    )


# Said of an email found gone from the outbox by the run that finished its sending.
_UNPROVEN = (
    "It was written by a run that stopped before it could record it, so it is counted as "
    "sent and not written again; check Sent Items in Outlook, and if it did not go, send the "
    "signed letter (in the request's sent/ folder) by hand."
)


def _post(
    run: RunContext, entry: Entry, signed: Path | None, posted_on: date | None, to_post: list[Path]
) -> list[tuple[Entry, str]]:
    """List a signed letter to print and post, or record it as sent on its Posted date."""
    if posted_on is None:
        if signed is not None:
            to_post.append(signed)
            if not run.dry_run:
                run.journal.record_signed(entry.letter_id, run.today)
        return []
    if not run.dry_run:
        name = _file_sent(run.folders, entry, signed)
        run.journal.record_sent(entry.letter_id, posted_on, name, run.today, "posted")
    return [(entry, f"posted {posted_on.isoformat()}")]


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
            doubt = _send_one(run, entry, signed, converted.get(signed), sends, backend)
        except LettersError as error:
            problems.append(
                f"Sending stopped at {entry.file_name}: {error.message} It and the letters "
                "after it are still in signed/ and go next time."
            )
            break
        if doubt:
            problems.append(f"{entry.file_name}: {doubt}")
        if backend.delivers:
            sent.append((entry, f"by email to {entry.destination}"))
    return sent, problems


def _send_one(
    run: RunContext,
    entry: Entry,
    signed: Path,
    pdf: Path | None,
    sends: Mapping[str, Send],
    backend: MailBackend,
) -> str:
    """Hand one signed letter to the back-end, journaled before and after; return any doubt."""
    setting, journal, today = run.config.setting, run.journal, run.today
    attachment = pdf or signed
    before = sends.get(entry.letter_id)
    mail = compose(
        entry,
        setting,
        attachment,
        make_msgid(domain=setting.email.rpartition("@")[2] or "localhost"),
        enclosures_of(run.folders, entry),
    )
    doubt = ""
    if before is not None and before.state == SENDING:
        # Journaled as started but never as done: it may or may not have gone. Ask the
        # back-end by the Message-ID journaled then; it goes only if still in hand.
        if not backend.handed_over(before.message_id):
            doubt = backend.send(mail, before.message_id)
            checkpoint("send:done")
    else:
        message_id = backend.prepare(mail)
        journal.record_sending(entry.letter_id, message_id, today)
        checkpoint("send:journaled")
        doubt = backend.send(mail, message_id)
        checkpoint("send:done")
    if pdf is not None:
        # Kept before the journal says sent: after that, only the tidying of signed/ is left.
        run.folders.copy(pdf, entry.ref, SENT_PLACE, f"{Path(entry.file_name).stem}.pdf")
    name = f"{Path(entry.file_name).stem}{attachment.suffix.lower()}"
    if backend.delivers:
        journal.record_sent(entry.letter_id, today, name, today, "unconfirmed" if doubt else "")
    else:
        journal.record_ready(entry.letter_id, name, today)
    checkpoint("send:recorded")
    _file_sent(run.folders, entry, signed)
    return doubt


def _file_sent(folders: Folders, entry: Entry, signed: Path | None) -> str:
    """Move the signed copy into sent/, and tidy the unsigned one out of to-sign/."""
    folders.place(entry.ref, SENT_PLACE).mkdir(parents=True, exist_ok=True)
    kept = ""
    if signed is not None:
        folders.move(signed, entry.ref, SENT_PLACE)
        kept = signed.name
    unsigned = folders.place(entry.ref, TO_SIGN) / entry.file_name
    if unsigned.exists():
        if signed is None:
            folders.move(unsigned, entry.ref, SENT_PLACE)  # posted from an unsigned printout
            kept = unsigned.name
        else:
            folders.remove(unsigned)
    return kept or entry.file_name


def _tidy(folders: Folders, entry: Entry, send: Send) -> None:
    signed = signed_copy(folders, entry)
    unsigned = folders.find(entry.ref, TO_SIGN, entry.file_name)
    if signed is None and unsigned is None:
        return  # the usual case: filed under sent/ long ago
    sent = folders.place(entry.ref, SENT_PLACE)
    if signed is not None and not (sent / signed.name).exists():
        _file_sent(folders, entry, signed)
    # Listed before anything moved: filing the signed copy may have removed it since.
    if unsigned is not None and (signed is not None or (sent / send.file_name).exists()):
        folders.remove(unsigned)
