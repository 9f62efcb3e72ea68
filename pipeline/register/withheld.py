"""Read the Withheld sheet: what the owner keeps out of each request's copy, and why.

Each row names one thing withheld and the ground in the Data Protection Act 2018 it rests on
(docs/law.md rules 9-11). The rows go onto their request; a row with a problem holds back
that request's response letter until it is fixed, so no letter goes with the wrong grounds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from pipeline.deadlines import add_months
from pipeline.model import Withholding
from pipeline.register import layout
from pipeline.register.rows import RowReader, data_rows

if TYPE_CHECKING:  # the register stage's own object; only its type is needed here
    from pipeline.register.read import Register

# A health professional's opinion counts for six months (DPA 2018 Sch 3 paras 5(3), 6(3)).
OPINION_MONTHS = 6


def opinion_stale_from(opinion: date) -> date:
    """Return the first day an opinion given on ``opinion`` can no longer be relied on."""
    return add_months(opinion, OPINION_MONTHS)


def read_withheld(register: Register, today: date, nation: str) -> None:
    """Read the Withheld sheet onto its requests, recording each row's problems."""
    requests = {request.ref.upper(): request for request in register.requests}
    parties = {(party.ref.upper(), party.party) for party in register.parties}
    found: dict[str, list[Withholding]] = {}
    troubled: set[str] = set()
    for number, cells in data_rows(register, layout.WITHHELD):
        row = RowReader(register, layout.WITHHELD, cells, number)
        ref = row.text("Ref")
        if ref.upper() in register.held_refs:
            continue  # the request's own row has a problem, reported there
        if not ref:
            row.problem("Ref", "this is empty; type the Ref of the request, as on Requests.")
        elif ref.upper() not in requests:
            row.problem("Ref", f"{ref} matches no request on the Requests sheet; correct the Ref.")
        known = ref.upper() in requests
        item = _withholding(row, requests[ref.upper()].ref if known else ref)
        _check(row, item, parties if known else None, today, nation)
        if row.problems:
            register.problems.extend(row.problems)
            troubled.add(ref.upper())
            continue
        found.setdefault(ref.upper(), []).append(item)
    register.requests = [
        replace(
            request,
            withheld=tuple(found.get(request.ref.upper(), ())),
            withheld_problem=request.ref.upper() in troubled,
        )
        if request.ref.upper() in found or request.ref.upper() in troubled
        else request
        for request in register.requests
    ]


def _withholding(row: RowReader, ref: str) -> Withholding:
    return Withholding(
        row=row.row,
        ref=ref,
        what=row.required("What", "what is withheld, in words the parent can read"),
        ground=row.choice("Ground", layout.GROUNDS, required=True),
        party=row.text("Party").upper(),
        opinion_from=row.text("Opinion from"),
        opinion_date=row.date("Opinion date"),
        reasons=row.text("Reasons"),
    )


def _check(
    row: RowReader,
    item: Withholding,
    parties: set[tuple[str, str]] | None,
    today: date,
    nation: str,
) -> None:
    """Check what each ground needs: the party (``parties`` None: the request is unknown),
    the opinion and its age, the nation."""
    if parties is not None and item.party and (item.ref.upper(), item.party) not in parties:
        row.problem(
            "Party",
            f"{item.party} is not a third party of {item.ref} on the Third parties sheet; "
            "correct it or clear the cell.",
        )
    if item.ground == layout.SERIOUS_HARM:
        if not item.opinion_from:
            row.problem(
                "Opinion from",
                "this is empty; type the health professional whose opinion on serious harm "
                "you rely on (Schedule 3 needs one).",
            )
        if item.opinion_date is None:
            if not row.text("Opinion date"):
                row.problem(
                    "Opinion date", "this is empty; type the date of the health professional's "
                    "opinion, e.g. 1/6/2026.",
                )  # fmt: skip
        elif item.opinion_date > today:
            row.problem("Opinion date", f"{_uk(item.opinion_date)} is in the future.")
        elif today >= opinion_stale_from(item.opinion_date):
            row.problem(
                "Opinion date",
                f"the opinion of {_uk(item.opinion_date)} is more than six months old and can "
                "no longer be relied on; ask the health professional again and type the new "
                "date.",
            )
    if item.ground == layout.BEST_INTERESTS and nation == "SCT":
        row.problem(
            "Ground",
            "Best interests (Schedule 3 paragraph 21) does not apply in Scotland; choose "
            "another ground, or take advice.",
        )
    if item.ground == layout.THIRD_PARTY_GROUND and not item.reasons:
        row.problem(
            "Reasons",
            "this is empty; say why it is not reasonable to share it without consent "
            "(a refusal is one factor, not the answer on its own).",
        )


def _uk(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"
