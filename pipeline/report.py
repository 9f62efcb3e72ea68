"""Write the run's to-do list and the status table, for the screen and for printing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipeline.deadlines import EXTENSION_LATE
from pipeline.folders import REPLIES, bundle_name, write_whole
from pipeline.letters.kinds import reference
from pipeline.model import Request
from pipeline.outcome import Outcome
from pipeline.progress import Progress


def _uk(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _relative(path: Path, base: Path) -> str:
    # As path.relative_to(base), by the text alone: the to-do list names thousands of letters.
    text, prefix = str(path), os.path.join(base, "")
    return text[len(prefix) :] if text.startswith(prefix) else text


def status_table(progress: Sequence[tuple[Request, Progress]]) -> list[str]:
    """Return the open requests as aligned lines: both deadlines, days left, status."""
    rows = [
        ("Ref", "Requester", "Received", "Promised by", "Legal deadline", "Days left", "Status")
    ]
    for request, where in progress:
        if request.closed is not None:
            continue
        rows.append(
            (
                request.ref,
                request.requester,
                _uk(request.received),
                _uk(where.deadlines.promised_by) if where.shows_deadlines else "",
                _uk(where.deadlines.legal_deadline) if where.shows_deadlines else "",
                "" if where.days_left is None else str(where.days_left),
                where.status,
            )
        )
    if len(rows) == 1:
        return ["  No open requests."]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]


def _section(title: str, items: Sequence[str], advice: str = "") -> list[str]:
    """Return one part of the to-do list: a heading with a count, advice, then the items."""
    lines = ["", f"{title} ({len(items)}):"]
    if not items:
        return [*lines, "  None."]
    if advice:
        lines.append(f"  {advice}")
    return lines + [f"  {item}" for item in items]


def _shown(title: str, items: Sequence[str], advice: str = "") -> list[str]:
    """Return a part of the to-do list that is shown only when it has something in it."""
    return _section(title, items, advice) if items else []


def to_do(outcome: Outcome) -> str:
    """Return the run's to-do list as printable text, section by section."""
    held = outcome.example.holds_letters
    lines = [
        *([outcome.example.warning(), ""] if held else []),
        *_heading(outcome),
        *_extension_notices(outcome),  # first: a day late and the extension is lost
        *(
            _held_back(outcome)
            if held
            else [*_emails_to_send(outcome), *_letters_written(outcome), *_sending(outcome)]
        ),
        *_undelivered(outcome),  # letters sent before, whatever this run may send
        *([] if held else [*_to_sign(outcome), *_signed_folders(outcome), *_withdrawn(outcome)]),
        *_replies(outcome),
        *_identity(outcome),
        *_clean_copies(outcome),
        *_requests(outcome),
        *_complaints(outcome),
        *_endings(outcome),
    ]
    return "\n".join(lines) + "\n"


def _held_back(outcome: Outcome) -> list[str]:
    """Say what a run with the example setting did, and the letters it did not do."""
    lines = [
        "",
        "No letter was generated or sent: letters.toml still holds the example setting (see "
        "the first line).",
        "  Done: the register and the replies waiting read; nothing changed (dry run)."
        if outcome.dry_run
        else "  Done: the register read, the replies that came in filed, and the register's "
        "deadlines and status kept up to date.",
        "  Not done: no letter, consents record or request bundle generated; no signed letter "
        "sent.",
    ]
    return lines + _shown("Problems with the mailbox", outcome.mail_problems)


def _heading(outcome: Outcome) -> list[str]:
    today = outcome.today
    return [
        f"SAR letters — weekly run for {today:%A} {today.day} {today:%B %Y}"
        + (" (dry run: nothing was changed)" if outcome.dry_run else ""),
        f"Register: {outcome.register}",
        f"Letters folder: {outcome.working_folder}",
    ]


def _emails_to_send(outcome: Outcome) -> list[str]:
    """List the emails waiting in the outbox: first, as sending them is the first thing to do."""
    ready = outcome.sending.ready
    if not ready:
        return []
    return _section(
        "Emails to send now",
        [
            f"{os.path.basename(where)}  to {entry.recipient} <{entry.destination}>"
            for entry, where in ready
        ],
        f"They are in {os.path.dirname(ready[0][1])}. Double-click each: Outlook opens it as "
        "a draft with the signed letter attached; press Send. Then move it into the outbox's "
        "sent/ folder (or delete it): the next run records it as sent. Until then the "
        "register says Ready to send and no reminder is counted from it. All at once: send "
        "them all, then select every email in the outbox and move them into sent/ together.",
    )


def _letters_written(outcome: Outcome) -> list[str]:
    base, letters = outcome.working_folder, outcome.letters
    lines = [
        "",
        f"{'Would generate' if outcome.dry_run else 'Generated'} "
        f"{len(letters.generated)} new letter(s).",
    ]
    lines += [f"  {_relative(target, base)}" for _letter, target in letters.generated]
    if letters.regenerated:
        lines += [
            "",
            f"{'Would regenerate' if outcome.dry_run else 'Regenerated'} "
            f"{len(letters.regenerated)} letter(s) that had gone from their folder "
            "(deleted by mistake?):",
        ]
        lines += [f"  {_relative(target, base)}" for _letter, target in letters.regenerated]
    lines += [f"  Could not regenerate {gone}." for gone in letters.cannot_regenerate]
    return lines


def _sending(outcome: Outcome) -> list[str]:
    sending = outcome.sending
    lines = _section(
        "Letters sent",
        [f"{entry.file_name}: {how}" for entry, how in sending.sent],
    )
    lines += _shown("Problems sending", outcome.mail_problems)
    base, enclose = outcome.working_folder, dict(sending.enclose)
    lines += _section(
        "Letters to print and post",
        [_relative(path, base) + _enclosed(enclose.get(path), base) for path in sending.to_post],
        "Print each signed letter, post it, and type the date under Posted on the Letters "
        "sheet; the next run files it as sent.",
    )
    return lines + _shown(
        "Responses waiting for their clean copy",
        [
            f"{_relative(letter, base)}: "
            + (
                f"goes at the next run, with {_relative(copy, base)}: the copy was made this "
                "run, after the emails went"
                if copy.is_file()
                else f"not emailed, as {_relative(copy, base)} is not there"
            )
            for letter, copy in sending.without_copy
        ],
        "The response says the copy is attached to its email, so it goes only with it. The "
        "run makes the protected copy from the clean copy: approve the redaction review (save "
        "it into approved/), or, for a copy made by hand, save it as a PDF named "
        "<Ref> clean copy.pdf in the request's folder. The next run sends both.",
    )


def _enclosed(copy: Path | None, base: Path) -> str:
    """Say what to print and enclose with a posted response: the clean copy."""
    if copy is None:
        return ""
    if copy.is_file():
        return f"  (the response: print {_relative(copy, base)} and enclose it)"
    return "  (the response: enclose the clean copy)"


def _undelivered(outcome: Outcome) -> list[str]:
    lines = []
    for gone in outcome.undelivered:
        line = f"{reference(gone.ref, gone.party)} {gone.who}: {gone.letter or 'their letter'}"
        line += f", sent {_uk(gone.sent)}" if gone.sent else ""
        line += f" to {gone.address}" if gone.address else ""
        line += f", came back on {_uk(gone.returned)}" + (f": {gone.reason}" if gone.reason else "")
        if gone.filed_as:
            line += f" (the bounce is {gone.ref}/{REPLIES}/{gone.filed_as})"
        lines.append(line)
    return _shown(
        "Letters that did not arrive",
        lines,
        "Check each address with the person, then correct it in the register (Email on the "
        "Third parties sheet, Requester email on the Requests sheet); a letter is listed here "
        "until then, or until they reply. The pipeline sends a letter only once, so it does "
        "not send this one again by itself: once the address is right, send the copy kept in "
        "the request's sent/ folder yourself (attached to an email, or printed and posted). "
        "Reminders still fall due as before, and go to the address the register holds when "
        "they are written.",
    )


def _to_sign(outcome: Outcome) -> list[str]:
    letters = outcome.letters
    lines = _section(
        "Letters to sign",
        [
            _relative(path, outcome.working_folder)
            + ("  (goes by post)" if path.name in letters.by_post else "")
            for path in letters.to_sign
        ],
        "Open each in Word, check it, sign it, and save it into the request's signed/ "
        "folder (as .docx, or a scanned .pdf of the same name).",
    )
    return lines + [
        f"  Note: the extension notice for {ref} goes after the first month; "
        "the requester should have been told within one month of receipt."
        for ref in letters.late_extensions
    ]


def _signed_folders(outcome: Outcome) -> list[str]:
    """List what in the signed/ folders was not sent: letters still open, files no letter's."""
    sending, base = outcome.sending, outcome.working_folder
    return _shown(
        "Signed letters still open in Word",
        [_relative(path, base) for path in sending.still_open],
        "Not sent this run, in case they are still being signed: save and close each, and "
        "the next run sends it.",
    ) + _shown(
        "Files in signed/ that match no letter",
        [f"{_relative(path, base)}: {advice}" for path, advice in sending.unmatched],
    )


def _withdrawn(outcome: Outcome) -> list[str]:
    """List the letters withdrawn this run, once: each with why."""
    return _shown(
        "Withdrawn letters",
        [
            f"{item.entry.ref}/{item.entry.file_name}: {item.reason}"
            + ("; a new letter is in to-sign/" if item.again else "")
            for item in outcome.withdrawing.withdrawn
        ],
        "Not sent, and kept in the request's withdrawn/ folder with a note saying why. A "
        "letter withdrawn because the register changed is made again as it says now, for "
        "the owner to sign.",
    )


def _replies(outcome: Outcome) -> list[str]:
    replies = outcome.replies
    lines = _section(
        "Replies filed",
        [
            f"{filing.ref}{'/' + filing.party if filing.party else ' (from the requester)'}: "
            f"{filing.file_name}"
            for filing in replies.filed
        ],
    )
    lines += _shown(
        "Automatic replies set aside",
        replies.automatic,
        "Out-of-office and other automatic replies are not replies: nothing was recorded, and "
        "reminders go on. If one is in fact a reply, record it by hand under Reply received.",
    )
    lines += _shown(
        "Attachments not saved",
        replies.kept_out,
        "Open the message to see them; save one by hand into the request's replies/ "
        "folder if it is needed.",
    )
    lines += _section(
        "Replies that match nothing",
        replies.unmatched,
        "They stay where they are. Rename a scan to carry the reference and party (e.g. "
        "SAR-2026-001 TP2.pdf), or record the reply by hand under Reply received.",
    )
    lines += _shown(
        "Replies that need you",
        [
            *replies.need_you,
            *(
                f"{reference(party.ref, party.party)} {party.display_name}: the reply "
                f"{party.reply} came from {party.reply_from}, not {party.email} as on the "
                "register (from another address); check it is theirs before deciding."
                for party in outcome.undecided
                if party.replied_from_elsewhere
            ),
        ],
        "Look at each before anything is decided. What was not filed stays where it is until "
        "it is put right, and is tried again at the next run.",
    )
    return lines + _section(
        "Replies to read and decide",
        [
            f"{reference(party.ref, party.party)} {party.display_name}: replied "
            f"{_uk(party.reply_received)}" + (f" ({party.reply})" if party.reply else "")
            for party in outcome.undecided
            if party.reply_received is not None
        ],
        "Read each reply, then type Consents or Refuses under Decision on the Third "
        "parties sheet, with your reasons under Decision notes.",
    )


def _extension_notices(outcome: Outcome) -> list[str]:
    """List each extension whose notice has yet to be given, by the day it must go."""
    items = [
        f"Extension notice must go by {_uk(where.notice_must_go_by)}: {request.ref} "
        f"({request.requester}). Sign and send it by then (by post, two working days "
        "earlier); after that it extends nothing."
        for request, where in outcome.progress
        if where.notice_must_go_by is not None and request.closed is None
    ]
    return ["", *items] if items else []


def _identity(outcome: Outcome) -> list[str]:
    """List the proofs of identity to chase, and those asked for long after the request."""
    items = []
    for request, where in outcome.progress:
        if request.closed is not None or request.id_requested is None:
            continue
        if where.chase_id:
            items.append(
                f"{request.ref} ({request.requester}): ID asked for on "
                f"{_uk(request.id_requested)} has not arrived; chase it."
            )
        if where.id_asked_late:
            items.append(
                f"{request.ref} ({request.requester}): ID was asked for {where.id_asked_late} "
                "days after the request arrived. The law lets a setting ask when it has real "
                "doubts about who is asking; the deadline shown takes the earlier reading."
            )
    return _shown("Proof of identity", items)


def _clean_copies(outcome: Outcome) -> list[str]:
    """Say what the redaction reviews and clean copies need from the owner and the manager."""
    clean, base = outcome.clean, outcome.working_folder
    return [
        *_shown(
            "The child's file is needed",
            [f"{ref}: put the child's file into {ref}/file/" for ref in clean.file_wanted],
            "Every third party has answered: the redaction review is built from file/.",
        ),
        *_shown("Files in file/ that could not be read", clean.unreadable,
                "Put a readable copy in file/ (a PDF without a password, a picture, a .docx)."),
        *_shown("Clean copies this run would make (dry run: nothing was made)", clean.would),
        *_shown("Redaction reviews to approve", clean.to_approve,
                "Remove the marks that should not apply, add any missing, and save the review "
                "into the request's approved/ folder under the same name."),
        *_shown("Review pages to check by hand", clean.by_hand),
        *_shown("Clean copies taken away", clean.taken_away),
        *_shown("Clean copies not written", clean.problems),
        *_shown("Clean copies written", [_relative(path, base) for path in clean.clean],
                "Read it before it goes: the redaction log beside it says what was removed."),
        *_shown("Passwords of the protected clean copies",
                [f"{ref}: {_relative(path, base)}: password {password}"
                 for ref, path, password in clean.passwords],
                "The protected copy goes attached to the response's email; give the requester "
                "its password by phone or in a separate letter, never in the same email."),
    ]  # fmt: skip


def _requests(outcome: Outcome) -> list[str]:
    lines = _section(
        "Requests at risk or overdue",
        [
            f"{'OVERDUE' if where.overdue else 'AT RISK'}  {request.ref} ({request.requester}): "
            f"{where.status}; promised by {_uk(where.deadlines.promised_by)}, legal deadline "
            f"{_uk(where.deadlines.legal_deadline)}, {where.days_left} working day(s) left"
            for request, where in outcome.progress
            if where.overdue or where.at_risk
        ],
    )
    waiting = {path.name.partition(" delay letter")[0] for path in outcome.letters.to_sign
               if " delay letter" in path.name}  # fmt: skip
    lines += _shown(
        "Delay letters",
        [
            f"{request.ref} ({request.requester}): "
            + (
                "the extension notice did not go within the first month, so there is no extension."
                if where.deadlines.extension == EXTENSION_LATE
                else f"the legal deadline, {_uk(where.deadlines.legal_deadline)}, has passed."
            )
            + " A delay letter (an apology, a firm date, the rights to complain) is in "
            "to-sign/; its firm date is 10 days after it was written: change it in Word "
            "before signing if you cannot keep it."
            for request, where in outcome.progress
            if where.delay_letter and request.closed is None and request.ref in waiting
        ],
    )
    lines += _section(
        "Ready for the clean copy",
        [
            f"{request.ref} ({request.requester}): every third party has replied; the bundle "
            f"is {request.ref}/{bundle_name(request.ref)}"
            for request, where in outcome.progress
            if where.ready_for_clean_copy
        ],
    )
    changed = [*outcome.records, *outcome.bundles.built]
    if changed:
        lines += ["", "Consents records and bundles brought up to date:"]
        lines += [f"  {_relative(path, outcome.working_folder)}" for path in changed]
    lines += ["", "Open requests:", *status_table(outcome.progress)]
    return lines + _section(
        "Rows with problems",
        [str(problem) for problem in outcome.problems],
        "Nothing was generated for these rows. Fix them in the register and run again.",
    )


def _complaints(outcome: Outcome) -> list[str]:
    """List the open complaints, those at risk or overdue first, each with where it stands."""
    open_ones = [item for item in outcome.complaints if item[0].closed is None]
    open_ones.sort(key=lambda item: (not item[1].overdue, not item[1].at_risk, item[0].ref))
    return _shown(
        "Complaints",
        [
            ("OVERDUE  " if where.overdue else "AT RISK  " if where.at_risk else "")
            + f"{complaint.ref} ({complaint.complainant}, received {_uk(complaint.received)}): "
            f"{where.status}"
            for complaint, where in open_ones
        ],
        "Acknowledge each complaint within 30 days; type the Outcome when it is decided, and "
        "Closed once the outcome letter has gone.",
    )


def _endings(outcome: Outcome) -> list[str]:
    lines = ["", *(f"Note: {note}" for note in dict.fromkeys(outcome.notes))]
    saved = outcome.write_back
    if outcome.dry_run:
        lines.append("Register: not written (dry run).")
    elif saved.error:
        lines.append(f"Register NOT written: {saved.error}")
    elif saved.written:
        lines.append(f"Register updated; the previous version is saved as {saved.backup}.")
        if saved.added:
            lines.append(
                "The register gained what this version of the pipeline reads, once: "
                + "; ".join(saved.added)
                + ". Nothing you typed was changed."
            )
    else:
        lines.append("Register: nothing to update.")
    return lines


def save_to_do(working_folder: Path, today: date, text: str) -> Path:
    """Save the to-do list in the working folder as a dated text file, all or nothing."""
    working_folder.mkdir(parents=True, exist_ok=True)
    return write_whole(working_folder / f"To-do {today.isoformat()}.txt", text)
