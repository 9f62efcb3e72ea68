"""Read each row of the Complaints sheet, checking every cell (DPA 2018 s.164A).

A complaint gets its own reference, ``C-2026-001``, which names its folder and its letters
the way a request's Ref does; the pipeline fills it in when the cell is blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from pipeline.model import COMPLAINT_KEY, Complaint
from pipeline.register import layout
from pipeline.register.rows import RowReader, data_rows

if TYPE_CHECKING:  # the register stage's own object; only its type is needed here
    from pipeline.register.read import Register

_COMPLAINT_REF = re.compile(r"^C-[0-9]{4}-[0-9]{3,}$", re.IGNORECASE)


def read_complaints(
    register: Register,
    today: date,
    earlier_refs: Mapping[tuple[date, str, str], str] | None = None,
) -> None:
    """Read the Complaints sheet into complaints; a row with a problem waits until fixed.

    A complaint with a blank Ref is given the one an earlier run chose for it if a run chose
    it but the register could not be written (``earlier_refs``, by received date, complainant
    and ``COMPLAINT_KEY``): its letters already carry it. Otherwise the next free one.
    """
    requests = {request.ref.upper(): request.ref for request in register.requests}
    known = requests.keys() | register.held_refs
    rows = data_rows(register, layout.COMPLAINTS)
    typed = [
        RowReader(register, layout.COMPLAINTS, cells, number).text("Ref") for number, cells in rows
    ]
    present = {ref.upper() for ref in typed if ref}
    chosen = {key[:2]: ref for key, ref in (earlier_refs or {}).items() if key[2] == COMPLAINT_KEY}
    # Refs chosen before are taken even if their row has gone: letters carry them.
    used = present | {ref.upper() for ref in chosen.values()}
    seen: set[str] = set()
    for (number, cells), ref in zip(rows, typed, strict=True):
        row = RowReader(register, layout.COMPLAINTS, cells, number)
        if ref and not _COMPLAINT_REF.match(ref):
            row.problem(
                "Ref", f'"{ref}" is not a complaint reference like C-2026-001; clear the cell '
                "and the pipeline will give one.",
            )  # fmt: skip
        elif ref and ref.upper() in seen:
            row.problem(
                "Ref", f"{ref} is used twice; clear this cell and the pipeline will give one."
            )
        seen.add(ref.upper())
        received = row.date("Received")
        if received is None and not row.text("Received"):
            row.problem(
                "Received", "this is empty; type the date the complaint reached the setting."
            )
        elif received is not None and received > today:
            row.problem("Received", f"{_uk(received)} is in the future; type the day it came.")
        complainant = row.required("Complainant", "the full name of the person complaining")
        email = row.email("Email")
        address = row.text("Address")
        if not email and not address:
            row.problem("Address", "there is no email and no address; type one, to write to.")
        about = row.text("Request")
        if about and about.upper() not in known:
            row.problem(
                "Request", f"{about} matches no request on the Requests sheet; correct the Ref "
                "or clear the cell.",
            )  # fmt: skip
        outcome = row.text("Outcome")
        closed = row.date("Closed")
        if closed is not None and not outcome:
            row.problem(
                "Outcome", "Closed is filled in but there is no Outcome; type what was decided."
            )
        acknowledged = row.date("Acknowledged")
        if row.problems or received is None:
            register.problems.extend(row.problems)
            if ref:
                register.held_refs.add(ref.upper())
            continue
        assigned = not ref
        if assigned:
            earlier = chosen.get((received, complainant.lower()), "")
            ref = earlier if earlier and earlier.upper() not in present else ""
            ref = ref or _next_ref(received.year, used)
            present.add(ref.upper())
            used.add(ref.upper())
        register.complaints.append(
            Complaint(
                row=number,
                ref=ref.upper(),
                received=received,
                complainant=complainant,
                email=email,
                address=address,
                request=requests.get(about.upper(), about),
                summary=row.text("Summary"),
                outcome=outcome,
                closed=closed,
                acknowledged=acknowledged,
                ref_assigned=assigned,
            )
        )


def _next_ref(year: int, used: set[str]) -> str:
    number = 1
    while f"C-{year}-{number:03d}" in used:
        number += 1
    return f"C-{year}-{number:03d}"


def _uk(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"
