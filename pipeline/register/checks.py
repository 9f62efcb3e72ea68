"""Read each row of the Requests and Third parties sheets, checking every cell."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pipeline.model import Problem, Request, ThirdParty
from pipeline.register import layout
from pipeline.register.cells import CellError, text, to_date, to_datetime
from pipeline.register.codes import party_code

if TYPE_CHECKING:  # the register stage's own object; only its type is needed here
    from pipeline.register.read import Register

_LONGEST_REF = 40
_REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_PARTY_PATTERN = re.compile(r"^TP([1-9][0-9]*)$", re.IGNORECASE)
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowReader:
    """One data row being checked: reads cells by header and records problems."""

    def __init__(self, register: Register, sheet_name: str, cells: tuple[Any, ...], row: int):
        self.register, self.sheet, self.cells, self.row = register, sheet_name, cells, row
        self.problems: list[Problem] = []

    def raw(self, header: str) -> Any:
        column = self.register.columns[self.sheet].get(header.lower())
        if column is None or column > len(self.cells):
            return None
        return self.cells[column - 1]

    def text(self, header: str) -> str:
        return text(self.raw(header))

    def problem(self, header: str, message: str) -> None:
        self.problems.append(Problem(self.sheet, self.row, header, message))

    def required(self, header: str, what: str) -> str:
        value = self.text(header)
        if not value:
            self.problem(header, f"this is empty; type {what}.")
        return value

    def read(self, header: str, parse: Callable[[Any], Any]) -> Any:
        value = self.raw(header)
        if isinstance(value, str) and value.startswith("="):
            self.problem(header, "this holds a formula; type the value itself.")
            return None
        try:
            return parse(value)
        except CellError as error:
            self.problem(header, str(error))
            return None

    def date(self, header: str) -> date | None:
        result: date | None = self.read(header, to_date)
        return result

    def choice(self, header: str, choices: tuple[str, ...], required: bool) -> str:
        value = self.text(header)
        if not value:
            if required:
                self.problem(header, f"this is empty; choose one of {_listing(choices)}.")
            return ""
        for choice in choices:
            if choice.lower() == value.lower():
                return choice
        blank = "" if required else ", or leave it blank"
        self.problem(
            header, f'"{value}" is not one of {_listing(choices)}; choose one of them{blank}.'
        )
        return ""

    def email(self, header: str) -> str:
        value = self.text(header)
        if value and not _EMAIL_PATTERN.match(value):
            self.problem(
                header, f'"{value}" is not an email address; correct it or clear the cell.'
            )
        return value


def _listing(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def data_rows(register: Register, sheet_name: str) -> list[tuple[int, tuple[Any, ...]]]:
    mine = {
        register.columns[sheet_name][column.header.lower()]
        for column in layout.SHEETS[sheet_name]
        if not column.pipeline and column.header.lower() in register.columns[sheet_name]
    }
    rows = []
    for number, cells in enumerate(register.rows(sheet_name)[1:], start=2):
        # A row with nothing in the manager's columns is blank, however it is formatted.
        if any(text(cells[column - 1]) for column in mine if column <= len(cells)):
            rows.append((number, cells))
    return rows


def read_requests(
    register: Register, today: date, earlier_refs: Mapping[tuple[date, str, str], str]
) -> None:
    rows = data_rows(register, layout.REQUESTS)
    refs = Counter(
        text(row[1][register.columns[layout.REQUESTS]["ref"] - 1]).upper()
        for row in rows
        if len(row[1]) >= register.columns[layout.REQUESTS]["ref"]
    )
    # Refs the pipeline chose before are taken even if their row has gone: letters carry them.
    present = {ref for ref in refs if ref}
    used = present | {ref.upper() for ref in earlier_refs.values()}
    claimed: set[str] = set()
    for number, cells in rows:
        row = RowReader(register, layout.REQUESTS, cells, number)
        ref = row.text("Ref")
        if ref and not _REF_PATTERN.match(ref):
            row.problem(
                "Ref",
                f'"{ref}" has characters a reference cannot have; use letters, '
                "digits and hyphens only, e.g. SAR-2026-001.",
            )
        elif len(ref) > _LONGEST_REF:
            # It names the request's folder and every letter's file: it must fit in a path.
            row.problem(
                "Ref",
                f"{ref[:20]}… is {len(ref)} characters long; use a short reference of at most "
                f"{_LONGEST_REF} characters, e.g. SAR-2026-001.",
            )
        elif ref and refs[ref.upper()] > 1:
            others = [
                n for n, c in rows if n != number and _ref_of(register, c).upper() == ref.upper()
            ]
            row.problem(
                "Ref",
                f"{ref} is also the Ref of {'row' if len(others) == 1 else 'rows'} "
                f"{_and(others)}; give each request its own Ref.",
            )
        received = row.date("Received")
        if received is None and not row.text("Received"):
            row.problem(
                "Received",
                "this is empty; type the date the request reached the setting, e.g. 3/9/2026.",
            )
        elif received is not None and received > today:
            row.problem(
                "Received",
                f"{_uk(received)} is in the future; type the date the request reached the setting.",
            )
        requester = row.required("Requester", "the full name of the person asking")
        relationship = row.choice("Relationship", layout.RELATIONSHIPS, required=True)
        email = row.email("Requester email")
        address = row.text("Requester address")
        if not email and not address:
            row.problem(
                "Requester address",
                "there is no email and no address; type the "
                "requester's postal address or their email address.",
            )
        child = row.required("Child", "the child's full name")
        child_dob = row.date("Child date of birth")
        if child_dob is not None and child_dob > today:
            row.problem(
                "Child date of birth",
                f"{_uk(child_dob)} is in the future; correct it or clear the cell.",
            )
        asked = row.date("Clarification asked")
        answered = row.date("Clarification received")
        if answered is not None and asked is None and not row.text("Clarification asked"):
            row.problem(
                "Clarification received",
                "there is no Clarification asked date; "
                "type the date the setting asked, or clear this cell.",
            )
        if asked and answered and answered < asked:
            row.problem(
                "Clarification received",
                f"{_uk(answered)} is before Clarification "
                f"asked ({_uk(asked)}); correct one of the two dates.",
            )
        for header, value in (("Clarification asked", asked), ("Clarification received", answered)):
            if value is not None and value > today:
                row.problem(header, f"{_uk(value)} is in the future; type the date it happened.")
        extended = row.choice("Extended", layout.EXTENDED, required=False) == "Yes"
        reason = row.text("Extension reason")
        if extended and not reason:
            row.problem(
                "Extension reason",
                "Extended is Yes but there is no reason; type why "
                "the request is complex (it goes into the extension letter).",
            )
        clean_copy = row.date("Clean copy ready")
        meeting: datetime | None = row.read("Meeting", to_datetime)
        closed = row.date("Closed")
        acknowledged = row.date("Acknowledged")
        if row.problems:
            register.problems.extend(row.problems)
            if ref:
                register.held_refs.add(ref.upper())
            continue
        assert received is not None  # a row without it has a problem
        assigned = not ref
        if assigned:
            earlier = earlier_refs.get((received, requester.lower(), child.lower()), "")
            free = earlier and earlier.upper() not in present | claimed
            ref = earlier if free else _next_ref(received.year, used | claimed)
            claimed.add(ref.upper())
        register.requests.append(
            Request(
                row=number,
                ref=ref,
                received=received,
                requester=requester,
                relationship=relationship,
                requester_email=email,
                requester_address=address,
                child=child,
                child_dob=child_dob,
                request_letter=row.text("Request letter"),
                clarification_asked=asked,
                clarification_received=answered,
                extended=extended,
                extension_reason=reason,
                clean_copy_ready=clean_copy,
                meeting=meeting,
                closed=closed,
                acknowledged=acknowledged,
                ref_assigned=assigned,
            )
        )


def _ref_of(register: Register, cells: tuple[Any, ...]) -> str:
    column = register.columns[layout.REQUESTS]["ref"]
    return text(cells[column - 1]) if column <= len(cells) else ""


def _next_ref(year: int, used: set[str]) -> str:
    number = 1
    while f"SAR-{year}-{number:03d}" in used:
        number += 1
    return f"SAR-{year}-{number:03d}"


def read_parties(register: Register, given: Mapping[str, Mapping[int, str]]) -> None:
    by_ref = {request.ref.upper(): request.ref for request in register.requests}
    rows = data_rows(register, layout.THIRD_PARTIES)
    taken: dict[str, set[int]] = {}
    checked: list[tuple[RowReader, dict[str, Any]]] = []
    for number, cells in rows:
        row = RowReader(register, layout.THIRD_PARTIES, cells, number)
        ref = row.text("Ref")
        if not ref:
            row.problem(
                "Ref",
                "this is empty; type the Ref of the request this third party "
                "belongs to, as on the Requests sheet.",
            )
        elif ref.upper() in register.held_refs:
            continue  # the request's own row has a problem, reported there; this waits with it
        elif ref.upper() not in by_ref:
            row.problem(
                "Ref",
                f"{ref} matches no request on the Requests sheet; "
                "correct the Ref or add the request.",
            )
        kind = row.choice("Kind", layout.KINDS, required=True)
        organisation = row.text("Organisation")
        if kind == "Agency":
            name = row.text("Name")
            if not name and not organisation:
                row.problem(
                    "Organisation",
                    "this is empty for an agency; type the agency's "
                    "name (and the worker's name under Name if known).",
                )
        else:
            name = row.required("Name", "the person's full name")
        email = row.email("Email")
        address = row.text("Address")
        if not email and not address:
            row.problem(
                "Address",
                "there is no email and no address; type a postal address or an email address.",
            )
        decision = row.choice("Decision", layout.DECISIONS, required=False)
        party = row.text("Party")
        match = _PARTY_PATTERN.match(party)
        if party and not match:
            row.problem(
                "Party",
                f'"{party}" is not a party code like TP1; clear the cell and '
                "the pipeline will number the party.",
            )
        values: dict[str, Any] = {
            "ref": by_ref.get(ref.upper(), ref),
            "name": name,
            "organisation": organisation,
            "kind": kind,
            "role": row.text("Role"),
            "email": email,
            "address": address,
            "decision": decision,
            "decision_notes": row.text("Decision notes"),
            "letter_sent": row.date("Letter sent"),
            "reminder_sent": row.date("Reminder sent"),
            "reply_received": row.date("Reply received"),
            "reply": row.text("Reply"),
            "party": party.upper(),
        }
        if match:
            # Counted even on a row with a problem: its letters may already carry the code.
            numbers = taken.setdefault(values["ref"].upper(), set())
            if int(match.group(1)) in numbers:
                row.problem(
                    "Party",
                    f"{party.upper()} is used twice for {values['ref']}; "
                    "clear this cell and the pipeline will number the party.",
                )
            numbers.add(int(match.group(1)))
        if row.problems:
            register.problems.extend(row.problems)
            if ref.upper() in by_ref:
                register.refs_with_party_problems.add(by_ref[ref.upper()])
            continue
        checked.append((row, values))
    for row, values in checked:
        assigned = not values["party"]
        if assigned:
            numbers = taken.setdefault(values["ref"].upper(), set())
            who = (values["organisation"] if values["kind"] == "Agency" else "") or values["name"]
            values["party"] = party_code(numbers, given.get(values["ref"].upper(), {}), who)
            numbers.add(int(values["party"][2:]))
        register.parties.append(ThirdParty(row=row.row, party_assigned=assigned, **values))


def _uk(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"


def _and(numbers: list[int]) -> str:
    words = [str(number) for number in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
