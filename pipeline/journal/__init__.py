"""Record what the pipeline has done, in SQLite beside the register."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import TracebackType

from pipeline.errors import BUSY, DENIED, FAILING, FULL, READ_ONLY, LettersError, trouble_message
from pipeline.journal.records import (
    READY,
    SENDING,
    SENT,
    SIGNED,
    Entry,
    Filing,
    Send,
    SetAside,
    Withdrawal,
)
from pipeline.journal.schema import SCHEMA, upgrade
from pipeline.model import Letter, ThirdParty

_SET_ASIDE = (
    "key, nature, ref, party, received, filed, file_name, recipient, reason, letter_id, source"
)

# SQLite's names for the troubles of the computer, not of the journal (pipeline.errors), by
# the start of their name (SQLITE_READONLY_DIRECTORY, SQLITE_IOERR_WRITE, …).
_TROUBLES = {
    "SQLITE_FULL": FULL,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_CANTOPEN": DENIED,
    "SQLITE_PERM": DENIED,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
    "SQLITE_IOERR": FAILING,
}

__all__ = [
    "READY",
    "SENDING",
    "SENT",
    "SIGNED",
    "Entry",
    "Filing",
    "Journal",
    "Send",
    "SetAside",
    "Withdrawal",
    "journal_path",
]


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
                    self._db.executescript(SCHEMA)
            else:
                if not path.exists():
                    # Made readable by its owner only: it names children and families.
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                self._db = sqlite3.connect(path, isolation_level=None)
                self._db.executescript(SCHEMA)
                upgrade(self._db)
        except sqlite3.DatabaseError as error:
            raise _trouble(path, error) or LettersError(
                f"{path}: the journal cannot be opened ({error}). Restore it from a backup; "
                "without it the pipeline cannot tell which letters it has already made."
            ) from None
        self._batched = False

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
        # The disk full, the folder read-only: the run stops there, as if killed, and says so.
        if isinstance(error, sqlite3.DatabaseError) and (problem := _trouble(self.path, error)):
            raise problem from error

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Commit everything recorded inside as one transaction, when it ends or is stopped.

        Each commit waits for the disk (about 8 ms): a run writing 4,337 letters one commit
        each spent 35 s on it. A run killed inside a batch loses the batch's records only,
        never a part of one, and their letters are on disk unjournaled, as a run killed
        between writing and journaling one letter leaves it: the next run writes them again.
        """
        if self._batched:  # already inside one
            yield
            return
        self._db.execute("BEGIN")
        self._batched = True
        try:
            yield
        finally:
            self._batched = False
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """Run the statements inside as one transaction of their own, or as part of a batch."""
        if self._batched:
            yield
            return
        with self._db:
            self._db.execute("BEGIN")
            yield

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
        with self._transaction():
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
            # A letter withdrawn and needed again (a Decision cleared) is a letter again.
            self._db.execute("DELETE FROM withdrawals WHERE letter_id = ?", (letter.letter_id,))
            self._db.execute(
                "INSERT INTO events (day, letter_id, what) VALUES (?, ?, 'generated')",
                (today.isoformat(), letter.letter_id),
            )

    def sends(self) -> dict[str, Send]:
        """Return where every signed letter is on its way out, by letter id."""
        rows = self._db.execute(
            "SELECT letter_id, signed, message_id, state, sent, file_name, handed, how FROM sends"
        )
        return {
            row[0]: Send(
                letter_id=row[0],
                signed=date.fromisoformat(row[1]),
                message_id=row[2],
                state=row[3],
                sent=date.fromisoformat(row[4]) if row[4] else None,
                file_name=row[5],
                handed=date.fromisoformat(row[6]) if row[6] else None,
                how=row[7],
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
        """Record, before the back-end is given it, that a letter is about to go."""
        self._event(
            "UPDATE sends SET state = 'sending', message_id = ?, handed = ? WHERE letter_id = ?",
            (message_id, today.isoformat(), letter_id),
            letter_id,
            f"sending {message_id}",
            today,
        )

    def record_ready(self, letter_id: str, file_name: str, today: date) -> None:
        """Record that a letter's email waits, ready to send, for a person to send it."""
        self._event(
            "UPDATE sends SET state = 'ready', handed = coalesce(handed, ?), file_name = ?"
            " WHERE letter_id = ?",
            (today.isoformat(), file_name, letter_id),
            letter_id,
            "ready to send",
            today,
        )

    def record_sent(
        self, letter_id: str, sent: date, file_name: str, today: date, how: str = ""
    ) -> None:
        """Record that a letter has gone (by email, or posted on ``sent``), and how."""
        self._event(
            "INSERT INTO sends (letter_id, signed, state, sent, file_name, how)"
            " VALUES (?, ?, 'sent', ?, ?, ?) ON CONFLICT(letter_id) DO UPDATE SET"
            " state = 'sent', sent = excluded.sent, file_name = excluded.file_name,"
            " how = excluded.how",
            (letter_id, sent.isoformat(), sent.isoformat(), file_name, how),
            letter_id,
            f"sent {sent.isoformat()}" + (f" ({how})" if how else ""),
            today,
        )

    def forget_signed(self, letter_id: str, today: date) -> None:
        """Forget a signed copy that was withdrawn before it went: a new one is to be signed."""
        self._event(
            "DELETE FROM sends WHERE letter_id = ? AND state = 'signed'",
            (letter_id,),
            letter_id,
            "signed copy withdrawn",
            today,
        )

    def withdrawals(self) -> dict[str, Withdrawal]:
        """Return every letter withdrawn as no longer needed, by letter id."""
        rows = self._db.execute("SELECT letter_id, day, reason FROM withdrawals")
        return {row[0]: Withdrawal(row[0], date.fromisoformat(row[1]), row[2]) for row in rows}

    def record_withdrawn(self, letter_id: str, reason: str, today: date) -> None:
        """Record that a letter is no longer needed: it is never sent, nor made again."""
        self._event(
            "INSERT OR REPLACE INTO withdrawals VALUES (?, ?, ?)",
            (letter_id, today.isoformat(), reason),
            letter_id,
            f"withdrawn: {reason}",
            today,
        )

    def given_parties(self) -> dict[str, dict[int, str]]:
        """Return every party code ever given, by Ref (upper case): number → who, case folded.

        A code is known from the codes recorded as given, and from every letter and filed reply
        that carries one (an earlier version recorded no codes; who is "" when not known).
        """
        rows = self._db.execute(
            "SELECT ref, party, who FROM party_codes UNION ALL"
            " SELECT ref, party, recipient FROM letters WHERE party != '' UNION ALL"
            " SELECT ref, party, '' FROM filings WHERE party != ''"
        )
        given: dict[str, dict[int, str]] = {}
        for ref, party, who in rows:
            if party.upper().startswith("TP") and party[2:].isdigit():
                codes = given.setdefault(ref.upper(), {})
                codes[int(party[2:])] = codes.get(int(party[2:])) or who.casefold()
        return given

    def record_parties(
        self, parties: Iterable[ThirdParty], given: Mapping[str, Mapping[int, str]]
    ) -> None:
        """Remember the party codes on the register not yet known (``given``, by Ref in upper
        case): so that none is ever given to anyone else."""
        new = [
            (party.ref, party.party, party.display_name.casefold())
            for party in parties
            if int(party.party[2:]) not in given.get(party.ref.upper(), {})
        ]
        if new:
            with self._transaction():
                self._db.executemany("INSERT OR IGNORE INTO party_codes VALUES (?, ?, ?)", new)

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
        with self._transaction():
            self._db.execute(sql, values)
            self._db.execute(
                "INSERT INTO events (day, letter_id, what) VALUES (?, ?, ?)",
                (today.isoformat(), subject, what),
            )


def _trouble(path: Path, error: sqlite3.DatabaseError) -> LettersError | None:
    """Turn SQLite's error for a disk full, a read-only folder or a held file into a person's."""
    name = getattr(error, "sqlite_errorname", "")
    trouble = next((t for prefix, t in _TROUBLES.items() if name.startswith(prefix)), None)
    return LettersError(trouble_message(path, trouble, str(error))) if trouble else None
