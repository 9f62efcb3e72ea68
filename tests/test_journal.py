"""The journal: a journal made by an earlier version opens, keeps what it holds, and learns more."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from pipeline.journal import Filing, Journal, SetAside

DAY = date(2026, 11, 9)


def test_a_journal_from_before_bounces_were_told_apart_keeps_its_filings(
    tmp_path: Path,
) -> None:
    path = tmp_path / "register.journal.sqlite"
    with sqlite3.connect(path) as old:  # the filings table as earlier versions made it
        old.execute(
            "CREATE TABLE filings (key TEXT PRIMARY KEY, ref TEXT NOT NULL, party TEXT NOT NULL,"
            " received TEXT NOT NULL, filed TEXT NOT NULL, file_name TEXT NOT NULL,"
            " files TEXT NOT NULL, source TEXT NOT NULL)"
        )
        old.execute(
            "INSERT INTO filings VALUES ('scan:abc', 'SAR-2026-001', 'TP1', '2026-11-05',"
            " '2026-11-09', 'reply.pdf', 'reply.pdf', 'SAR-2026-001 TP1.pdf')"
        )
    old.close()
    bounce = SetAside("<ndr@example.org>", "bounce", "SAR-2026-001", "TP2", DAY, DAY,
                      "bounce.eml", "kiran@example.org", "550 5.1.1", "SAR-2026-001/TP2/consent",
                      "bounce.eml")  # fmt: skip

    with Journal(path) as journal:
        journal.record_set_aside(bounce)
        journal.record_filed(
            Filing("<r@example.org>", "SAR-2026-001", "", DAY, DAY, "r.eml", ("r.eml",), "r.eml",
                   "aoife@example.org")
        )  # fmt: skip

    with Journal(path, read_only=True) as journal:
        filings = journal.filings()
        assert (filings["scan:abc"].sender, filings["<r@example.org>"].sender) == (
            "",
            "aoife@example.org",
        )
        assert journal.set_aside() == {bounce.key: bounce}
