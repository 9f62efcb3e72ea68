"""Read each row of the Requests and Third parties sheets, checking every cell."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from pipeline.model import Request, ThirdParty
from pipeline.register import layout
from pipeline.register.cells import text, to_datetime
from pipeline.register.codes import party_code
from pipeline.register.rows import RowReader, data_rows

if TYPE_CHECKING:  # the register stage's own object; only its type is needed here
    from pipeline.register.read import Register

_LONGEST_REF = 40
_REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_PARTY_PATTERN = re.compile(r"^TP([1-9][0-9]*)$", re.IGNORECASE)


def read_requests(
    register: Register, today: date, earlier_refs: Mapping[tuple[date, str, str], str]
) -> None:
    """Read the Requests sheet into requests; a row with a problem holds its third parties."""
    rows = data_rows(register, layout.REQUESTS)
    refs = Counter(_ref_of(register, cells).upper() for _, cells in rows)
    free = _FreeRefs({ref for ref in refs if ref}, earlier_refs)
    for number, cells in rows:
        row = RowReader(register, layout.REQUESTS, cells, number)
        values = _request_values(row, rows, refs, today)
        if row.problems:
            register.problems.extend(row.problems)
            if values["ref"]:
                register.held_refs.add(values["ref"].upper())
            continue
        assigned = not values["ref"]
        if assigned:
            values["ref"] = free.give(values["received"], values["requester"], values["child"])
        register.requests.append(Request(row=number, ref_assigned=assigned, **values))


def _request_values(
    row: RowReader, rows: list[tuple[int, tuple[Any, ...]]], refs: Counter[str], today: date
) -> dict[str, Any]:
    """Check each cell of a Requests row, recording its problems; return the request's fields."""
    ref = _request_ref(row, rows, refs)
    received = _received(row, today)
    requester = row.required("Requester", "the full name of the person asking")
    relationship = row.choice("Relationship", layout.RELATIONSHIPS, required=True)
    email, address = _email_or_address(
        row, "Requester email", "Requester address",
        "the requester's postal address or their email address",
    )  # fmt: skip
    child = row.required("Child", "the child's full name")
    child_dob = row.date("Child date of birth")
    if child_dob is not None and child_dob > today:
        row.problem(
            "Child date of birth",
            f"{_uk(child_dob)} is in the future; correct it or clear the cell.",
        )
    asked, answered = _clarification(row, today)
    id_asked, id_came = _identity(row, today, received)
    extended, reason = _extension(row)
    return {
        "ref": ref,
        "received": received,
        "requester": requester,
        "relationship": relationship,
        "requester_email": email,
        "requester_address": address,
        "child": child,
        "child_dob": child_dob,
        "request_letter": row.text("Request letter"),
        "clarification_asked": asked,
        "clarification_received": answered,
        "id_requested": id_asked,
        "id_received": id_came,
        "extended": extended,
        "extension_reason": reason,
        "clean_copy_ready": row.date("Clean copy ready"),
        "meeting": row.read("Meeting", to_datetime),
        "closed": row.date("Closed"),
        "acknowledged": row.date("Acknowledged"),
    }


def _request_ref(
    row: RowReader, rows: list[tuple[int, tuple[Any, ...]]], refs: Counter[str]
) -> str:
    """Check a request's Ref: its characters, its length, and that no other row has it."""
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
            n for n, c in rows if n != row.row and _ref_of(row.register, c).upper() == ref.upper()
        ]
        row.problem(
            "Ref",
            f"{ref} is also the Ref of {'row' if len(others) == 1 else 'rows'} "
            f"{_and(others)}; give each request its own Ref.",
        )
    return ref


def _received(row: RowReader, today: date) -> date | None:
    """Check the date a request was received: given, and not in the future."""
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
    return received


def _email_or_address(
    row: RowReader, email_header: str, address_header: str, wanted: str
) -> tuple[str, str]:
    """Check an email address, and that there is an email or a postal address to write to."""
    email = row.email(email_header)
    address = row.text(address_header)
    if not email and not address:
        row.problem(address_header, f"there is no email and no address; type {wanted}.")
    return email, address


def _clarification(row: RowReader, today: date) -> tuple[date | None, date | None]:
    """Check when clarification was asked for and received: in order, neither in the future."""
    return _asked_and_answered(
        row, today, "Clarification asked", "Clarification received", "the setting asked"
    )


def _identity(
    row: RowReader, today: date, received: date | None
) -> tuple[date | None, date | None]:
    """Check when proof of identity was asked for and received: in order, not in the future."""
    asked, came = _asked_and_answered(
        row, today, "ID requested", "ID received", "the setting asked for proof of identity"
    )
    if asked and received and asked < received:
        row.problem(
            "ID requested",
            f"{_uk(asked)} is before the request was received ({_uk(received)}); "
            "correct one of the two dates.",
        )
    return asked, came


def _asked_and_answered(
    row: RowReader, today: date, asked_header: str, answer_header: str, asking: str
) -> tuple[date | None, date | None]:
    """Check a question's two dates: an answer only after its question, neither in the future."""
    asked = row.date(asked_header)
    answered = row.date(answer_header)
    if answered is not None and asked is None and not row.text(asked_header):
        row.problem(
            answer_header,
            f"there is no {asked_header} date; type the date {asking}, or clear this cell.",
        )
    if asked and answered and answered < asked:
        row.problem(
            answer_header,
            f"{_uk(answered)} is before {asked_header} ({_uk(asked)}); "
            "correct one of the two dates.",
        )
    for header, value in ((asked_header, asked), (answer_header, answered)):
        if value is not None and value > today:
            row.problem(header, f"{_uk(value)} is in the future; type the date it happened.")
    return asked, answered


def _extension(row: RowReader) -> tuple[bool, str]:
    """Check whether the deadline is extended, and that an extension has its reason."""
    extended = row.choice("Extended", layout.EXTENDED, required=False) == "Yes"
    reason = row.text("Extension reason")
    if extended and not reason:
        row.problem(
            "Extension reason",
            "Extended is Yes but there is no reason; type why "
            "the request is complex (it goes into the extension letter).",
        )
    return extended, reason


def _ref_of(register: Register, cells: tuple[Any, ...]) -> str:
    column = register.columns[layout.REQUESTS]["ref"]
    return text(cells[column - 1]) if column <= len(cells) else ""


class _FreeRefs:
    """Give a request with a blank Ref the one an earlier run chose for it, or the next free."""

    def __init__(
        self, present: set[str], earlier_refs: Mapping[tuple[date, str, str], str]
    ) -> None:
        # Refs the pipeline chose before are taken even if their row has gone: letters carry them.
        self.present, self.earlier_refs = present, earlier_refs
        self.used = present | {ref.upper() for ref in earlier_refs.values()}
        self.claimed: set[str] = set()

    def give(self, received: date, requester: str, child: str) -> str:
        earlier = self.earlier_refs.get((received, requester.lower(), child.lower()), "")
        free = earlier and earlier.upper() not in self.present | self.claimed
        ref = earlier if free else _next_ref(received.year, self.used | self.claimed)
        self.claimed.add(ref.upper())
        return ref


def _next_ref(year: int, used: set[str]) -> str:
    number = 1
    while f"SAR-{year}-{number:03d}" in used:
        number += 1
    return f"SAR-{year}-{number:03d}"


def read_parties(register: Register, given: Mapping[str, Mapping[int, str]]) -> None:
    """Read the Third parties sheet, numbering a blank Party with a code never given before.

    ``given`` holds every code the journal knows was given, by Ref in upper case.
    """
    by_ref = {request.ref.upper(): request.ref for request in register.requests}
    taken: dict[str, set[int]] = {}  # a request's Ref, upper-case → its party numbers
    checked: list[tuple[RowReader, dict[str, Any]]] = []
    for number, cells in data_rows(register, layout.THIRD_PARTIES):
        row = RowReader(register, layout.THIRD_PARTIES, cells, number)
        values = _party_values(row, by_ref)
        if values is None:
            continue  # the request's own row has a problem, reported there; this waits with it
        _count_party_code(row, values["ref"], values["party"], taken)
        if row.problems:
            register.problems.extend(row.problems)
            if values["ref"].upper() in by_ref:
                register.refs_with_party_problems.add(values["ref"])
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


def _party_values(row: RowReader, by_ref: dict[str, str]) -> dict[str, Any] | None:
    """Check each cell of a Third parties row, recording its problems; return its fields.

    None: the row's request has a problem itself, and the row waits with it.
    """
    ref = row.text("Ref")
    if ref.upper() in row.register.held_refs:
        return None
    if not ref:
        row.problem(
            "Ref",
            "this is empty; type the Ref of the request this third party "
            "belongs to, as on the Requests sheet.",
        )
    elif ref.upper() not in by_ref:
        row.problem(
            "Ref",
            f"{ref} matches no request on the Requests sheet; correct the Ref or add the request.",
        )
    kind = row.choice("Kind", layout.KINDS, required=True)
    organisation = row.text("Organisation")
    name = _party_name(row, kind, organisation)
    email, address = _email_or_address(
        row, "Email", "Address", "a postal address or an email address"
    )
    decision = row.choice("Decision", layout.DECISIONS, required=False)
    party = row.text("Party")
    if party and not _PARTY_PATTERN.match(party):
        row.problem(
            "Party",
            f'"{party}" is not a party code like TP1; clear the cell and '
            "the pipeline will number the party.",
        )
    return {
        "ref": by_ref.get(ref.upper(), ref),
        "name": name,
        "organisation": organisation,
        "kind": kind,
        "role": row.text("Role"),
        "email": email,
        "address": address,
        "decision": decision,
        "decision_notes": row.text("Decision notes"),
        "also_known_as": row.text("Also known as"),
        "letter_sent": row.date("Letter sent"),
        "reminder_sent": row.date("Reminder sent"),
        "reply_received": row.date("Reply received"),
        "reply": row.text("Reply"),
        "party": party.upper(),
    }


def _party_name(row: RowReader, kind: str, organisation: str) -> str:
    """Check a third party's name: a person needs one, an agency a name or an organisation."""
    if kind != "Agency":
        return row.required("Name", "the person's full name")
    name = row.text("Name")
    if not name and not organisation:
        row.problem(
            "Organisation",
            "this is empty for an agency; type the agency's "
            "name (and the worker's name under Name if known).",
        )
    return name


def _count_party_code(row: RowReader, ref: str, party: str, taken: dict[str, set[int]]) -> None:
    """Count a typed party code as taken in its request, reporting one used twice."""
    match = _PARTY_PATTERN.match(party)
    if not match:
        return
    # Counted even on a row with a problem: its letters may already carry the code.
    numbers = taken.setdefault(ref.upper(), set())
    if int(match.group(1)) in numbers:
        row.problem(
            "Party",
            f"{party} is used twice for {ref}; "
            "clear this cell and the pipeline will number the party.",
        )
    numbers.add(int(match.group(1)))


def _uk(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"


def _and(numbers: list[int]) -> str:
    words = [str(number) for number in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
