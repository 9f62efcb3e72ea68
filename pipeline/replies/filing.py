"""File each reply against its request and third party, exactly once; never guess.

A bounce is filed as one and said to be a letter that did not arrive; an automatic reply is
moved aside and said once; neither counts as a reply. A reply that cannot be filed stays where
it is and is listed with the reason, and the rest go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from pipeline.errors import LettersError, advice, describe
from pipeline.faults import checkpoint
from pipeline.folders import REPLIES
from pipeline.journal import Filing, Journal, SetAside
from pipeline.mail.base import MailBackend, Reply, ReplyContent
from pipeline.model import Complaint, Request, ThirdParty
from pipeline.replies.automatic import AUTOMATIC, BOUNCE, nature, read_report
from pipeline.replies.matching import Ambiguous, Match, match_reply
from pipeline.replies.writing import Written, write_reply

# An attachment over this is left in the message, not saved beside it (config: the lead's).
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
SCAN = "scan:"  # the start of a scanned reply's key: its content's sha256


@dataclass(frozen=True)
class Collecting:
    """What the filing stage did and found."""

    filed: tuple[Filing, ...] = ()
    unmatched: tuple[str, ...] = ()  # left in the inbox, with why
    kept_out: tuple[str, ...] = ()  # attachments over the limit, not saved
    bounces: tuple[SetAside, ...] = ()  # filed as bounces (in a dry run: to be)
    automatic: tuple[str, ...] = ()  # automatic replies moved aside, each said once
    need_you: tuple[str, ...] = ()  # not filed, or filed but to check first: what and why

    def __add__(self, other: Collecting) -> Collecting:
        """Put what two sources gave together, this one's first."""
        return Collecting(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def filing_key(reply: Reply, found: Match) -> str:
    """Return the journal's key for ``reply`` filed as ``found``.

    A scan is known by its content and where it is filed: the same form saved for two
    requests is two replies. An email is known by its Message-ID wherever it is filed.
    """
    return f"{reply.key} {found.who}" if reply.key.startswith(SCAN) else reply.key


@dataclass(frozen=True)
class Correspondent:
    """Whom a reference's own replies come from: a request's requester, a complaint's
    complainant."""

    ref: str
    name: str
    email: str


def correspondents(
    requests: Sequence[Request], complaints: Sequence[Complaint] = ()
) -> list[Correspondent]:
    """Return the requester of each request and the complainant of each complaint."""
    return [Correspondent(r.ref, r.requester, r.requester_email) for r in requests] + [
        Correspondent(c.ref, c.complainant, c.email) for c in complaints
    ]


def collect_replies(
    backend: MailBackend,
    journal: Journal,
    requests: Sequence[Request],
    parties: Sequence[ThirdParty],
    sent_ids: Mapping[str, Match],
    working_folder: Path,
    today: date,
    *,
    since: date | None = None,
    dry_run: bool = False,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
    complaints: Sequence[Complaint] = (),
) -> Collecting:
    """File every reply the back-end lists that matches a request or a complaint; leave the
    rest.

    An attachment over ``max_attachment_bytes`` is not saved as a file of its own; the reply is
    filed all the same, and ``kept_out`` says which attachment stayed in the message and where.
    """
    collector = _Collector(
        backend, journal, correspondents(requests, complaints), parties, sent_ids, dry_run
    )
    place = _Place(working_folder, today, max_attachment_bytes)
    for reply in backend.replies(since):
        try:
            collector.take(reply, place)
        except LettersError as error:
            if not reply.file_name:
                raise  # a mailbox that fails fails for every reply: the run says so once
            # A damaged or locked file in the inbox folder is that file's problem alone.
            collector.need_you.append(f"{error.message} It stays in the inbox.")
    # What the back-end could not read is listed with what matched nothing.
    return collector.result(backend.problems)


@dataclass(frozen=True)
class _Place:
    """Where and when replies are filed, and the largest attachment saved beside one."""

    working_folder: Path
    today: date
    max_attachment_bytes: int

    def folder(self, ref: str) -> Path:
        return self.working_folder / ref / REPLIES


class _Collector:
    """One source's replies as they are filed: what it was given, and what it did so far."""

    def __init__(
        self,
        backend: MailBackend,
        journal: Journal,
        requests: Sequence[Correspondent],
        parties: Sequence[ThirdParty],
        sent_ids: Mapping[str, Match],
        dry_run: bool,
    ) -> None:
        self.backend, self.journal, self.dry_run = backend, journal, dry_run
        self.requests, self.sent_ids = requests, sent_ids
        self.by_ref: dict[str, dict[str, ThirdParty]] = {}
        for party in parties:
            self.by_ref.setdefault(party.ref, {})[party.party] = party
        self.by_request = {request.ref: request for request in requests}
        self.filings = journal.filings()
        self.handled = journal.set_aside()
        self.filed: list[Filing] = []
        self.unmatched: list[str] = []
        self.kept_out: list[str] = []
        self.bounces: list[SetAside] = []
        self.automatic: list[str] = []
        self.need_you: list[str] = []

    def result(self, problems: Sequence[str]) -> Collecting:
        return Collecting(
            tuple(self.filed), (*self.unmatched, *problems), tuple(self.kept_out),
            tuple(self.bounces), tuple(self.automatic), tuple(self.need_you),
        )  # fmt: skip

    def take(self, reply: Reply, place: _Place) -> None:
        """File, set aside or list one reply."""
        if reply.key in self.handled:
            self._move(reply)  # a run stopped after recording it, before moving it
            return
        kind = nature(reply.headers, reply.sender, reply.subject)
        if kind == BOUNCE:
            self._bounce(reply, place)
        elif kind == AUTOMATIC:
            self._automatic(reply, place, "an automatic reply")
        else:
            self._reply(reply, place)

    def _match(self, reply: Reply) -> Match | Ambiguous | str:
        return match_reply(reply, self.requests, self.by_ref, self.sent_ids)

    def _who(self, found: Match) -> str:
        party = self.by_ref.get(found.ref, {}).get(found.party)
        return party.display_name if party else self.by_request[found.ref].name

    def _not_matched(self, reply: Reply, found: Ambiguous | str, what: str = "") -> None:
        said = f"{reply.source}: {what + ', but ' if what else ''}{found}; it stays in the inbox"
        if isinstance(found, Ambiguous):
            self.need_you.append(
                f"{said}. Save it again with the one reference it is for in its subject or file "
                "name, or file it by hand."
            )
        else:
            self.unmatched.append(said)

    def _reply(self, reply: Reply, place: _Place) -> None:
        if not reply.key.startswith(SCAN) and reply.key in self.filings:
            self._move(reply)  # filed before: dropped in again, or a run stopped before moving
            return
        found = self._match(reply)
        if not isinstance(found, Match):
            self._not_matched(reply, found)
            return
        key = filing_key(reply, found)
        before = self.filings.get(reply.key)  # a scan journaled by its content alone
        if key in self.filings or (
            before is not None and (before.ref, before.party) == (found.ref, found.party)
        ):
            self._move(reply)
            return
        received = reply.received or place.today
        filing = Filing(key, found.ref, found.party, received, place.today, "", (),
                        reply.source, reply.sender)  # fmt: skip
        if not self.dry_run:
            content = self.backend.fetch(reply)
            written = self._write(reply, content, found, received, place, "reply")
            if written is None:
                return
            filing = replace(filing, file_name=written.files[0], files=written.files)
            checkpoint("file:written")
            self.journal.record_filed(filing)
            self.filings[key] = filing
            checkpoint("file:recorded")
            self._say_kept_out(reply, found, filing, written, place.max_attachment_bytes)
            self._move(reply)
        self.filed.append(filing)
        self._from_elsewhere(reply, found, filing)

    def _bounce(self, reply: Reply, place: _Place) -> None:
        """File a bounce beside the replies as one, matched to the letter that did not arrive."""
        content = self.backend.fetch(reply)
        report = read_report(content.message)
        if not report.failed:  # a delay or a delivery notice: the letter may still arrive
            self._automatic(reply, place, "a delivery notice that is not a failure")
            return
        # The letter it returns, by its Message-ID or its subject's reference.
        view = replace(
            reply,
            subject=f"{reply.subject}\n{report.original_subject}",
            answers=(*report.original_ids, *reply.answers),
        )
        found = self._match(view)
        if not isinstance(found, Match):
            self._not_matched(reply, found, "a bounce (a letter that did not arrive)")
            return
        received = reply.received or place.today
        item = SetAside(
            reply.key, BOUNCE, found.ref, found.party, received, place.today, "",
            report.recipients[0] if report.recipients else "", report.reason, found.letter,
            reply.source,
        )  # fmt: skip
        if not self.dry_run:
            # The whole message alone: its parts are the letter that went, already in sent/.
            whole = replace(content, attachments=())
            written = self._write(reply, whole, found, received, place, "bounce")
            if written is None:
                return
            item = replace(item, file_name=written.files[0])
            self.journal.record_set_aside(item)
            self.handled[item.key] = item
            self._move(reply)
        self.bounces.append(item)

    def _automatic(self, reply: Reply, place: _Place, what: str) -> None:
        """Move an automatic reply aside, and say so once: it is not a reply."""
        found = self._match(reply)
        if not isinstance(found, Match) and not reply.file_name:
            # In a mailbox, an automatic message about none of our letters is not ours to move.
            self._not_matched(reply, found, what)
            return
        matched = found if isinstance(found, Match) else None
        about = f" about {matched.who}" if matched is not None else ""
        where = self.backend.filed_where(reply)
        said = f"{reply.source}: {what} from {reply.sender or 'an unknown sender'}{about}"
        if self.dry_run:
            self.automatic.append(f"{said}; to be moved to {where}")
            return
        item = SetAside(
            reply.key, AUTOMATIC, matched.ref if matched else "",
            matched.party if matched else "", reply.received or place.today, place.today, "",
            "", what, matched.letter if matched else "", reply.source,
        )  # fmt: skip
        self.journal.record_set_aside(item)
        self.handled[item.key] = item
        moved = self._move(reply)  # said once, here, whether it could be moved or not
        self.automatic.append(f"{said}; moved to {where}" if moved else f"{said}; not moved")

    def _write(
        self,
        reply: Reply,
        content: ReplyContent,
        found: Match,
        received: date,
        place: _Place,
        label: str,
    ) -> Written | None:
        """Write a reply's files; on failure say why (it stays in the inbox) and return None."""
        taken = {name for item in self.filings.values() for name in (item.file_name, *item.files)}
        taken |= {item.file_name for item in self.handled.values() if item.file_name}
        folder = place.folder(found.ref)
        try:
            return write_reply(
                reply, content, found, self._who(found), received, taken, folder,
                place.max_attachment_bytes, label,
            )  # fmt: skip
        except OSError as error:
            self.need_you.append(
                f"{reply.source}: cannot be filed into {folder} ({describe(error)}); it stays "
                "in the inbox. "
                + advice(error, "Check the folder can be written to and the disk is not full")
                + ", then run again."
            )
            return None

    def _move(self, reply: Reply) -> bool:
        """Move ``reply`` out of the inbox; for an inbox file, say why not instead of stopping."""
        if self.dry_run:
            return False
        try:
            self.backend.mark_filed(reply)
        except LettersError as error:
            if not reply.file_name:
                raise  # a mailbox that fails fails for every reply: the run says so once
            self.need_you.append(error.message)
            return False
        return True

    def _say_kept_out(
        self, reply: Reply, found: Match, filing: Filing, written: Written, most: int
    ) -> None:
        where = self.backend.filed_where(reply)  # asked before the move, as it will be named
        for name, size in written.too_big:
            shown, limit = _megabytes(size, most)
            self.kept_out.append(
                f"{found.who} {filing.file_name}: the attachment {name} ({shown} MB) is over "
                f"the {limit} MB limit and was not saved; it is still in the message ({where})"
            )

    def _from_elsewhere(self, reply: Reply, found: Match, filing: Filing) -> None:
        """Say when the requester's reply came from another address than the register's.

        A third party's is said while it waits for a Decision (its row carries the sender).
        """
        request = self.by_request[found.ref]
        expected = request.email.strip()
        if found.party or not reply.sender or not expected:
            return
        if reply.sender.casefold() != expected.casefold():
            self.need_you.append(
                f"{found.who} {request.name}: the reply {filing.file_name or reply.source} "
                f"came from {reply.sender}, not {expected} as on the register (from another "
                "address); check it is theirs before acting on it."
            )


def _megabytes(size: int, limit: int) -> tuple[str, str]:
    """Return ``size`` and ``limit`` in MB, with just enough decimals to tell them apart."""
    shown = limit_shown = ""
    for places in range(1, 7):
        shown, limit_shown = (
            f"{value / 2**20:.{places}f}".rstrip("0").rstrip(".") for value in (size, limit)
        )
        if shown != limit_shown and "0" not in (shown, limit_shown):
            break
    return shown, limit_shown
