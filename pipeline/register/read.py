"""Open the Excel request register and read its rows, reporting every problem."""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import LettersError
from pipeline.model import Complaint, Problem, Request, ThirdParty
from pipeline.register import layout
from pipeline.register.cells import text
from pipeline.register.checks import read_parties, read_requests
from pipeline.register.complaints import read_complaints
from pipeline.register.rows import RowReader
from pipeline.register.values import Rows, read_values
from pipeline.register.withheld import read_withheld


@dataclass
class Register:
    """An open register: its values, where each column is, and what was read.

    The workbook itself (openpyxl's, to change and save) is loaded only when the run has
    something to write, or at once when the values need openpyxl to be read exactly.
    """

    path: Path
    original: bytes  # the file as read, to detect a change on disk and to compare on save
    values: dict[str, Rows]  # sheet title → its rows from row 1, as openpyxl reads them
    columns: dict[str, dict[str, int]]  # sheet → lower-case header → column number
    requests: list[Request] = field(default_factory=list)
    parties: list[ThirdParty] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    posted: dict[str, date] = field(default_factory=dict)  # Letters sheet: letter → Posted
    letter_rows: dict[str, int] = field(default_factory=dict)  # Letters sheet: letter → row
    problems: list[Problem] = field(default_factory=list)
    # Refs of request rows that have a problem: their third parties wait with them.
    held_refs: set[str] = field(default_factory=set)
    # Refs of requests with a third-party row that has a problem.
    refs_with_party_problems: set[str] = field(default_factory=set)
    loaded: Workbook | None = None  # let go once saved (pipeline/register/write.py)
    load_warnings: list[str] = field(default_factory=list)
    # Why openpyxl read the values, when they could not be read straight from the file.
    read_by_openpyxl: str = ""
    # What a register made by an earlier version lacks, added at the next write-back: the
    # sheets, and the columns of the sheets it has.
    missing_sheets: frozenset[str] = frozenset()
    missing_columns: dict[str, tuple[layout.Column, ...]] = field(default_factory=dict)

    @property
    def workbook(self) -> Workbook:
        """Return the workbook to change, loading it from the bytes read the first time."""
        if self.loaded is None:
            self.loaded, self.load_warnings = _load(self.path, self.original)
        return self.loaded

    def sheet(self, name: str) -> Worksheet:
        """Return one of the register's sheets, to change."""
        return _sheet(self.path, self.workbook, name)

    def rows(self, name: str) -> Rows:
        """Return the values of one of the register's sheets, row 1 first (none if missing)."""
        if name in self.missing_sheets:
            return []
        return self.values[_title(self.path, list(self.values), name)]

    @property
    def digest(self) -> str:
        """Return a fingerprint of the file as it was read."""
        return hashlib.sha256(self.original).hexdigest()


def lock_files(path: Path) -> list[Path]:
    """Return the lock files Excel and LibreOffice leave beside a workbook they have open."""
    return [
        path.with_name("~$" + path.name),
        path.with_name(".~lock." + path.name + "#"),
    ]


def ensure_closed(path: Path, then: str = "Nothing was done.") -> None:
    """Refuse to go on while the register is open in Excel or LibreOffice; ``then`` says what
    became of the run."""
    for lock in lock_files(path):
        if lock.exists():
            program = "Excel" if lock.name.startswith("~$") else "LibreOffice"
            raise LettersError(
                f"{path}: the register is open in {program} (found {lock.name} beside it). "
                f"Save and close it, then run again. {then}"
            )


def open_register(
    path: Path,
    today: date,
    earlier_refs: Mapping[tuple[date, str, str], str] | None = None,
    nation: str = "ENG",
) -> Register:
    """Load the register at ``path`` and read every sheet, collecting problems."""
    return read_rows(load_register(path), today, earlier_refs, nation=nation)


def load_register(path: Path) -> Register:
    """Load the workbook and find its columns; refuse a file that is not a usable register.

    A register reached through a symbolic link (a synced folder, say) is read, locked and
    written where it really lives: Excel's lock file is beside the real file.
    """
    if path.is_symlink():
        path = path.resolve()
    ensure_closed(path)
    try:
        original = path.read_bytes()
    except FileNotFoundError:
        raise LettersError(
            f"{path}: there is no register here. Check paths.register in letters.toml, "
            "or run `letters init` to create a blank one."
        ) from None
    _refuse(path, original)
    reading = read_values(original)
    values = reading.sheets
    workbook: Workbook | None = None
    load_warnings: list[str] = []
    if values is None:
        workbook, load_warnings = _load(path, original)
        values = {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    missing_sheets = frozenset(
        name for name in layout.ADDED_SHEETS if not _has_sheet(list(values), name)
    )
    columns = {
        name: {} if name in missing_sheets else _header_map(path, values, name)
        for name in layout.SHEETS
    }
    missing_columns = {
        name: lacking
        for name in layout.SHEETS
        if name not in missing_sheets
        and (lacking := _missing_columns(columns[name], layout.SHEETS[name]))
    }
    return Register(
        path,
        original,
        values,
        columns,
        loaded=workbook,
        load_warnings=load_warnings,
        read_by_openpyxl=reading.left_to_openpyxl,
        missing_sheets=missing_sheets,
        missing_columns=missing_columns,
    )


def _missing_columns(
    found: dict[str, int], columns: tuple[layout.Column, ...]
) -> tuple[layout.Column, ...]:
    return tuple(
        column for column in columns if column.added and column.header.lower() not in found
    )


def read_rows(
    register: Register,
    today: date,
    earlier_refs: Mapping[tuple[date, str, str], str] | None = None,
    given_parties: Mapping[str, Mapping[int, str]] | None = None,
    nation: str = "ENG",
) -> Register:
    """Read every row of a loaded register, collecting problems.

    A request with a blank Ref is given the next free one, or the one it was given before
    (``earlier_refs``, by received date, requester and child) if a run chose it but the
    register could not be written: its letters already carry that Ref (a complaint likewise,
    by received date and complainant). A third party with a
    blank Party gets a code never given before in its request (``given_parties``, by Ref in
    upper case: number → who), or the one it was given itself.
    """
    read_requests(register, today, earlier_refs or {})
    read_parties(register, given_parties or {})
    read_withheld(register, today, nation)
    read_complaints(register, today, earlier_refs or {})
    _read_letters(register)
    return register


# An Office file protected by a password to open is not a zip but an OLE compound file.
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _refuse(path: Path, original: bytes) -> None:
    """Refuse a file the pipeline must not, or cannot, read as a register."""
    if path.suffix.lower() == ".xlsm":
        raise LettersError(
            f"{path}: the register is a macro-enabled workbook (.xlsm). The pipeline will not "
            "write to a file that holds macros; save a copy as .xlsx (File › Save As › Excel "
            "Workbook), keep the macros elsewhere, and point paths.register at the copy."
        )
    if path.suffix.lower() != ".xlsx":
        raise LettersError(
            f"{path}: the register must be an Excel workbook saved as .xlsx "
            "(in Excel: File › Save As › Excel Workbook)."
        )
    if original.startswith(_OLE_MAGIC):
        raise LettersError(
            f"{path}: the register is protected with a password to open, so it cannot be "
            "read. In Excel: File › Info › Protect Workbook › Encrypt with Password, clear the "
            "password and save; keep the register safe with the computer's own sign-in instead."
        )


def _load(path: Path, original: bytes) -> tuple[Workbook, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # rich_text keeps formatting within a cell, which a plain load would drop on save.
            workbook = openpyxl.load_workbook(io.BytesIO(original), rich_text=True)
        # SyntaxError covers a damaged XML part inside a sound zip (lxml and ElementTree).
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as error:
            raise LettersError(
                f"{path}: this file cannot be read as an Excel workbook ({error}). "
                "Open it in Excel and save it again as .xlsx, or restore it from "
                "registers/backups/."
            ) from None
    return workbook, [str(warning.message) for warning in caught]


def _header_map(path: Path, values: dict[str, Rows], sheet_name: str) -> dict[str, int]:
    rows = values[_title(path, list(values), sheet_name)]
    # Two extra columns with the same heading are the manager's business; two of ours are not.
    ours = {column.header.lower() for column in layout.SHEETS[sheet_name]}
    found: dict[str, int] = {}
    for number, value in enumerate(rows[0] if rows else (), start=1):
        header = text(value).lower()
        if not header:
            continue
        if header in found and header in ours:
            raise LettersError(
                f"{path}: sheet {sheet_name}, row 1 has two columns headed "
                f'"{text(value)}". Rename or remove one, then run again.'
            )
        found.setdefault(header, number)
    for column in layout.SHEETS[sheet_name]:
        if not (column.pipeline or column.added) and column.header.lower() not in found:
            raise LettersError(
                f'{path}: sheet {sheet_name} has no column headed "{column.header}" in row 1. '
                "Put the heading back (headings are matched ignoring case and spaces at "
                "either end), then run again."
            )
    return found


def _sheet(path: Path, workbook: Workbook, name: str) -> Worksheet:
    return workbook[_title(path, workbook.sheetnames, name)]


def _has_sheet(titles: list[str], name: str) -> bool:
    return any(title.strip().lower() == name.lower() for title in titles)


def _title(path: Path, titles: list[str], name: str) -> str:
    for title in titles:
        if title.strip().lower() == name.lower():
            return title
    needed = ", ".join(sheet for sheet in layout.SHEETS if sheet not in layout.ADDED_SHEETS)
    raise LettersError(
        f'{path}: the register has no sheet named "{name}". It needs the sheets '
        f"{needed}; rename the sheet back, or start from a blank "
        "register made by `letters init`."
    )


def sheet(register: Register, name: str) -> Worksheet:
    """Return one of the register's sheets."""
    return register.sheet(name)


def _read_letters(register: Register) -> None:
    columns = register.columns[layout.LETTERS]
    for number, cells in enumerate(register.rows(layout.LETTERS)[1:], start=2):
        row = RowReader(register, layout.LETTERS, cells, number)
        letter = row.text("Letter")
        if not letter:
            continue
        register.letter_rows[letter] = number
        if "posted" in columns:
            posted = row.date("Posted")
            if posted is not None:
                register.posted[letter] = posted
        register.problems.extend(row.problems)
