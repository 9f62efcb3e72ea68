"""Record what the pipeline has done, in SQLite beside the register."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

from pipeline.errors import LettersError
from pipeline.model import Letter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (
    letter_id   TEXT PRIMARY KEY,
    ref         TEXT NOT NULL,
    party       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    by          TEXT NOT NULL,
    destination TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    generated   TEXT NOT NULL,
    regenerated INTEGER NOT NULL DEFAULT 0,
    salutation  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS assigned_refs (
    ref       TEXT PRIMARY KEY,
    received  TEXT NOT NULL,
    requester TEXT NOT NULL,
    child     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sends (
    letter_id  TEXT PRIMARY KEY,
    signed     TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'signed',
    sent       TEXT,
    file_name  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS filings (
    key       TEXT PRIMARY KEY,
    ref       TEXT NOT NULL,
    party     TEXT NOT NULL,
    received  TEXT NOT NULL,
    filed     TEXT NOT NULL,
    file_name TEXT NOT NULL,
    files     TEXT NOT NULL,
    source    TEXT NOT NULL,
    sender    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS set_aside (
    key       TEXT PRIMARY KEY,
    nature    TEXT NOT NULL,
    ref       TEXT NOT NULL,
    party     TEXT NOT NULL,
    received  TEXT NOT NULL,
    filed     TEXT NOT NULL,
    file_name TEXT NOT NULL,
    recipient TEXT NOT NULL,
    reason    TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    source    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    name   TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    built  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY,
    day       TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    what      TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    """A letter as the journal knows it."""

    letter_id: str
    ref: str
    party: str
    kind: str
    recipient: str
    by: str
    destination: str
    file_name: str
    generated: date
    regenerated: int
    salutation: str = ""


@dataclass(frozen=True)
class Send:
    """Where a letter is on its way out: signed, being sent, or sent."""

    letter_id: str
    signed: date
    message_id: str  # chosen before the back-end is called; "" for post
    state: str  # "signed", "sending" or "sent"
    sent: date | None
    file_name: str  # its name in sent/


@dataclass(frozen=True)
class Filing:
    """A reply filed against its request and third party."""

    key: str
    ref: str
    party: str  # "" for a reply from the requester
    received: date
    filed: date
    file_name: str  # the main file in replies/
    files: tuple[str, ...]  # every file written for it, the main one first
    source: str
    sender: str = ""  # the From address of an emailed reply; "" for a scan


@dataclass(frozen=True)
class SetAside:
    """A bounce or an automatic reply, handled once and never counted as a reply."""

    key: str
    nature: str  # "bounce" or "automatic"
    ref: str  # the request it is about, "" when it matched none
    party: str  # "" for the requester
    received: date
    filed: date
    file_name: str  # a bounce's file in replies/; "" for an automatic reply
    recipient: str  # the address a bounce says failed ("" when it names none)
    reason: str  # what the server said, for a person
    letter_id: str  # the letter that bounced, when the bounce names it
    source: str


_SET_ASIDE = (
    "key, nature, ref, party, received, filed, file_name, recipient, reason, letter_id, source"
)


def journal_path(register: Path) -> Path:
    """Return where the journal of the register at ``register`` lives."""
    return register.with_name(f"{register.stem}.journal.sqlite")


class Journal:
    """The SQLite journal: every letter generated, and what happened to it."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if read_only:
                # A dry run must not create or change the journal: read it, or start empty.
                where = f"{path.resolve().as_uri()}?mode=ro" if path.exists() else ":memory:"
                self._db = sqlite3.connect(where, uri=True, isolation_level=None)
                if not path.exists():
                    self._db.executescript(_SCHEMA)
            else:
                if not path.exists():
                    # Made readable by its owner only: it names children and families.
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                self._db = sqlite3.connect(path, isolation_level=None)
                self._db.executescript(_SCHEMA)
                self._upgrade()
        except sqlite3.DatabaseError as error:
            raise LettersError(
                f"{path}: the journal cannot be opened ({error}). Restore it from a backup; "
                "without it the pipeline cannot tell which letters it has already made."
            ) from None

    def _upgrade(self) -> None:
        """Add the columns a journal made by an earlier version lacks."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(letters)")}
        if "salutation" not in columns:
            self._db.execute("ALTER TABLE letters ADD COLUMN salutation TEXT NOT NULL DEFAULT ''")
        filed = {row[1] for row in self._db.execute("PRAGMA table_info(filings)")}
        if "sender" not in filed:
            self._db.execute("ALTER TABLE filings ADD COLUMN sender TEXT NOT NULL DEFAULT ''")

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def letters(self) -> dict[str, Entry]:
        """Return every letter recorded, by letter id, in one query."""
        rows = self._db.execute(
            "SELECT letter_id, ref, party, kind, recipient, by, destination, file_name,"
            " generated, regenerated, salutation FROM letters ORDER BY rowid"
        ).fetchall()
        return {
            row[0]: Entry(
                letter_id=row[0],
                ref=row[1],
                party=row[2],
                kind=row[3],
                recipient=row[4],
                by=row[5],
                destination=row[6],
                file_name=row[7],
                generated=date.fromisoformat(row[8]),
                regenerated=row[9],
                salutation=row[10],
            )
            for row in rows
        }

    def assigned_refs(self) -> dict[tuple[date, str, str], str]:
        """Return the Refs the pipeline chose, by (received, requester, child)."""
        rows = self._db.execute("SELECT ref, received, requester, child FROM assigned_refs")
        return {(date.fromisoformat(row[1]), row[2], row[3]): row[0] for row in rows}

    def record_ref(self, ref: str, received: date, requester: str, child: str) -> None:
        """Remember a Ref the pipeline chose, so the same row gets it again next time."""
        self._db.execute(
            "INSERT OR IGNORE INTO assigned_refs VALUES (?, ?, ?, ?)",
            (ref, received.isoformat(), requester.lower(), child.lower()),
        )

    def record_generated(self, letter: Letter, today: date) -> None:
        """Record that ``letter`` was written into its request's to-sign folder."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO letters (letter_id, ref, party, kind, recipient, by, destination,"
                " file_name, generated, salutation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(letter_id) DO UPDATE SET file_name = excluded.file_name,"
                " recipient = excluded.recipient, by = excluded.by,"
                " destination = excluded.destination, generated = excluded.generated,"
                " salutation = excluded.salutation, regenerated = regenerated + 1",
                (
                    letter.letter_id,
                    letter.ref,
                    letter.party,
                    letter.kind,
                    letter.recipient,
                    letter.by,
                    letter.to,
                    letter.file_name,
                    today.isoformat(),
                    letter.salutation,
                ),
            )
            self._db.execute(
                "INSERT INTO events (day, letter_id, what) VALUES (?, ?, 'generated')",
                (today.isoformat(), letter.letter_id),
            )

    def sends(self) -> dict[str, Send]:
        """Return where every signed letter is on its way out, by letter id."""
        rows = self._db.execute(
            "SELECT letter_id, signed, message_id, state, sent, file_name FROM sends"
        )
        return {
            row[0]: Send(
                letter_id=row[0],
                signed=date.fromisoformat(row[1]),
                message_id=row[2],
                state=row[3],
                sent=date.fromisoformat(row[4]) if row[4] else None,
                file_name=row[5],
            )
            for row in rows
        }

    def record_signed(self, letter_id: str, today: date) -> None:
        """Record the day the owner's signed copy was first found."""
        self._event(
            "INSERT OR IGNORE INTO sends (letter_id, signed) VALUES (?, ?)",
            (letter_id, today.isoformat()),
            letter_id,
            "signed",
            today,
        )

    def record_sending(self, letter_id: str, message_id: str, today: date) -> None:
        """Record, before the back-end is called, that a letter is about to go."""
        self._event(
            "UPDATE sends SET state = 'sending', message_id = ? WHERE letter_id = ?",
            (message_id, letter_id),
            letter_id,
            f"sending {message_id}",
            today,
        )

    def record_sent(self, letter_id: str, sent: date, file_name: str, today: date) -> None:
        """Record that a letter has gone (by email, or posted on ``sent``)."""
        self._event(
            "INSERT INTO sends (letter_id, signed, state, sent, file_name)"
            " VALUES (?, ?, 'sent', ?, ?) ON CONFLICT(letter_id) DO UPDATE SET"
            " state = 'sent', sent = excluded.sent, file_name = excluded.file_name",
            (letter_id, sent.isoformat(), sent.isoformat(), file_name),
            letter_id,
            "sent",
            today,
        )

    def filings(self) -> dict[str, Filing]:
        """Return every filed reply, by its key, in the order they were filed."""
        rows = self._db.execute(
            "SELECT key, ref, party, received, filed, file_name, files, source, sender"
            " FROM filings ORDER BY rowid"
        )
        return {
            row[0]: Filing(
                key=row[0],
                ref=row[1],
                party=row[2],
                received=date.fromisoformat(row[3]),
                filed=date.fromisoformat(row[4]),
                file_name=row[5],
                files=tuple(row[6].split("\n")) if row[6] else (),
                source=row[7],
                sender=row[8],
            )
            for row in rows
        }

    def record_filed(self, filing: Filing) -> None:
        """Record that a reply's files are all written into its request's replies folder."""
        self._event(
            "INSERT OR IGNORE INTO filings (key, ref, party, received, filed, file_name, files,"
            " source, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                filing.key,
                filing.ref,
                filing.party,
                filing.received.isoformat(),
                filing.filed.isoformat(),
                filing.file_name,
                "\n".join(filing.files),
                filing.source,
                filing.sender,
            ),
            filing.key,
            "filed",
            filing.filed,
        )

    def set_aside(self) -> dict[str, SetAside]:
        """Return every bounce and automatic reply handled, by its key, in order."""
        rows = self._db.execute(f"SELECT {_SET_ASIDE} FROM set_aside ORDER BY rowid")
        return {
            row[0]: SetAside(*row[:4], *map(date.fromisoformat, row[4:6]), *row[6:]) for row in rows
        }

    def record_set_aside(self, item: SetAside) -> None:
        """Record a bounce filed, or an automatic reply moved aside: not a reply, not again."""
        values = tuple(
            value.isoformat() if isinstance(value, date) else value
            for value in (getattr(item, name) for name in _SET_ASIDE.split(", "))
        )
        self._event(
            f"INSERT OR IGNORE INTO set_aside ({_SET_ASIDE}) VALUES ({', '.join('?' * 11)})",
            values,
            item.key,
            item.nature,
            item.filed,
        )

    def replies_collected(self) -> date | None:
        """Return the day replies were last collected, or None before the first time."""
        row = self._db.execute("SELECT value FROM state WHERE key = 'replies collected'").fetchone()
        return date.fromisoformat(row[0]) if row else None

    def record_replies_collected(self, today: date) -> None:
        """Remember the day replies were collected, so a mailbox is read from about then."""
        self._db.execute(
            "INSERT INTO state VALUES ('replies collected', ?) ON CONFLICT(key) DO UPDATE"
            " SET value = excluded.value",
            (today.isoformat(),),
        )

    def document_digests(self) -> dict[str, str]:
        """Return the fingerprint of every built document, by file name."""
        return {
            str(name): str(digest)
            for name, digest in self._db.execute("SELECT name, digest FROM documents")
        }

    def record_document(self, name: str, digest: str, today: date) -> None:
        """Record that a document (consents record, bundle) was built from ``digest``."""
        self._event(
            "INSERT INTO documents VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
            " digest = excluded.digest, built = excluded.built",
            (name, digest, today.isoformat()),
            name,
            "built",
            today,
        )

    def _event(
        self, sql: str, values: tuple[str, ...], subject: str, what: str, today: date
    ) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(sql, values)
            self._db.execute(
                "INSERT INTO events (day, letter_id, what) VALUES (?, ?, ?)",
                (today.isoformat(), subject, what),
            )
