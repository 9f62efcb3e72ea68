"""The journal's tables, and the upgrade of a journal made by an earlier version."""

from __future__ import annotations

import sqlite3

SCHEMA = """
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
    file_name  TEXT NOT NULL DEFAULT '',
    handed     TEXT,
    how        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS withdrawals (
    letter_id TEXT PRIMARY KEY,
    day       TEXT NOT NULL,
    reason    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS party_codes (
    ref   TEXT NOT NULL,
    party TEXT NOT NULL,
    who   TEXT NOT NULL,
    PRIMARY KEY (ref, party)
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


def upgrade(db: sqlite3.Connection) -> None:
    """Add the columns a journal made by an earlier version lacks (its new tables are made
    by the schema itself).

    Letters an earlier version recorded as sent stay sent: it counted an email as sent once
    written into the outbox, and what became of it since cannot be known now.
    """
    for table, column, kind in (
        ("letters", "salutation", "TEXT NOT NULL DEFAULT ''"),
        ("sends", "handed", "TEXT"),
        ("sends", "how", "TEXT NOT NULL DEFAULT ''"),
        ("filings", "sender", "TEXT NOT NULL DEFAULT ''"),
    ):
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
