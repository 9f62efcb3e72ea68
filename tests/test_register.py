"""Specifications for opening and checking the request register (DESIGN.md §1 step 2 and §2).

Every problem is reported as `sheet, row N, column: what is wrong, how to fix it`; a row with a
problem is skipped and every other row is read.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Border, PatternFill, Side

from pipeline.errors import LettersError
from pipeline.register import layout
from pipeline.register.new import blank_workbook, create
from pipeline.register.read import Register, open_register

from support.register import Row, party_row, request_row, write_register

TODAY = date(2026, 12, 1)  # the request_row() default was received on 2/11/2026
RELATIONSHIPS = "Mother, Father, Parent, Carer, Person with parental responsibility or Other"
HOW_DATE = "type it as day/month/year, e.g. 3/9/2026."


def read(
    tmp_path: Path,
    requests: list[Row],
    parties: list[Row] | None = None,
    earlier_refs: dict[tuple[date, str, str], str] | None = None,
) -> Register:
    path = write_register(tmp_path / "register.xlsx", requests, parties)
    return open_register(path, TODAY, earlier_refs)


def messages(register: Register) -> list[str]:
    return [str(problem) for problem in register.problems]


def rows(items: list[Any]) -> list[int]:
    return [item.row for item in items]


def saved(tmp_path: Path, workbook: openpyxl.Workbook) -> Path:
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    return path


# --- Each problem, as the manager reads it ----------------------------------------------------
# One register holds every case, one row each, so the whole table costs one workbook.

REQUEST_PROBLEMS: list[tuple[str, Row, str]] = [
    (
        "received-empty",
        {"Received": None},
        "Received: this is empty; type the date the request reached the setting, e.g. 3/9/2026.",
    ),
    (
        "requester-empty",
        {"Requester": None},
        "Requester: this is empty; type the full name of the person asking.",
    ),
    (
        "relationship-empty",
        {"Relationship": None},
        f"Relationship: this is empty; choose one of {RELATIONSHIPS}.",
    ),
    ("child-empty", {"Child": None}, "Child: this is empty; type the child's full name."),
    (
        "received-unreadable",
        {"Received": "next Tuesday"},
        f'Received: "next Tuesday" is not a date I can read; {HOW_DATE}',
    ),
    (
        "received-impossible",
        {"Received": "31/2/2026"},
        f'Received: "31/2/2026" is not a real date; {HOW_DATE}',
    ),
    (
        "received-in-the-future",
        {"Received": date(2026, 12, 2)},
        "Received: 2/12/2026 is in the future; type the date the request reached the setting.",
    ),
    (
        "received-formula",
        {"Received": "=TODAY()"},
        "Received: this holds a formula; type the value itself.",
    ),
    (
        "ref-bad-characters",
        {"Ref": "SAR/2026/001"},
        'Ref: "SAR/2026/001" has characters a reference cannot have; use letters, digits and '
        "hyphens only, e.g. SAR-2026-001.",
    ),
    (
        "ref-with-a-space",
        {"Ref": "SAR 2026 002"},
        'Ref: "SAR 2026 002" has characters a reference cannot have; use letters, digits and '
        "hyphens only, e.g. SAR-2026-001.",
    ),
    (
        "no-email-and-no-address",
        {"Requester email": None},
        "Requester address: there is no email and no address; type the requester's postal "
        "address or their email address.",
    ),
    (
        "bad-email",
        {"Requester email": "aoife.obrien.example.org"},
        'Requester email: "aoife.obrien.example.org" is not an email address; correct it or '
        "clear the cell.",
    ),
    (
        "extended-without-reason",
        {"Extended": "Yes"},
        "Extension reason: Extended is Yes but there is no reason; type why the request is "
        "complex (it goes into the extension letter).",
    ),
    (
        "clarification-received-before-asked",
        {"Clarification asked": date(2026, 11, 5), "Clarification received": date(2026, 11, 3)},
        "Clarification received: 3/11/2026 is before Clarification asked (5/11/2026); correct "
        "one of the two dates.",
    ),
    (
        "clarification-received-without-asked",
        {"Clarification received": date(2026, 11, 3)},
        "Clarification received: there is no Clarification asked date; type the date the "
        "setting asked, or clear this cell.",
    ),
    (
        "clarification-asked-in-the-future",
        {"Clarification asked": date(2026, 12, 3)},
        "Clarification asked: 3/12/2026 is in the future; type the date it happened.",
    ),
    (
        "id-received-without-requested",
        {"ID received": date(2026, 11, 3)},
        "ID received: there is no ID requested date; type the date the setting asked for proof "
        "of identity, or clear this cell.",
    ),
    (
        "id-received-before-requested",
        {"ID requested": date(2026, 11, 5), "ID received": date(2026, 11, 3)},
        "ID received: 3/11/2026 is before ID requested (5/11/2026); correct one of the two dates.",
    ),
    (
        "id-requested-before-the-request-arrived",
        {"ID requested": date(2026, 10, 30)},
        "ID requested: 30/10/2026 is before the request was received (2/11/2026); correct one "
        "of the two dates.",
    ),
    (
        "id-received-in-the-future",
        {"ID requested": date(2026, 11, 2), "ID received": date(2026, 12, 3)},
        "ID received: 3/12/2026 is in the future; type the date it happened.",
    ),
    (
        "child-born-in-the-future",
        {"Child date of birth": date(2027, 1, 4)},
        "Child date of birth: 4/1/2027 is in the future; correct it or clear the cell.",
    ),
    (
        "unknown-relationship",
        {"Relationship": "Aunt"},
        f'Relationship: "Aunt" is not one of {RELATIONSHIPS}; choose one of them.',
    ),
    (
        "unknown-extended",
        {"Extended": "Maybe"},
        'Extended: "Maybe" is not one of Yes or No; choose one of them, or leave it blank.',
    ),
    (
        "meeting-without-a-time",
        {"Meeting": "15/12/2026"},
        'Meeting: "15/12/2026" needs both a date and a time; type the date and time, '
        "e.g. 15/12/2026 10:30.",
    ),
    (
        "closed-unreadable",
        {"Closed": "done"},
        f'Closed: "done" is not a date I can read; {HOW_DATE}',
    ),
]

PARTY_PROBLEMS: list[tuple[str, Row, str]] = [
    (
        "family-member-without-a-name",
        {"Kind": "Family member", "Name": None, "Organisation": None},
        "Name: this is empty; type the person's full name.",
    ),
    (
        "agency-with-neither-name-nor-organisation",
        {"Kind": "Agency", "Name": None, "Organisation": None},
        "Organisation: this is empty for an agency; type the agency's name (and the worker's "
        "name under Name if known).",
    ),
    (
        "kind-empty",
        {"Kind": None},
        "Kind: this is empty; choose one of Family member or Agency.",
    ),
    (
        "unknown-kind",
        {"Kind": "Friend"},
        'Kind: "Friend" is not one of Family member or Agency; choose one of them.',
    ),
    (
        "unknown-decision",
        {"Decision": "Yes"},
        'Decision: "Yes" is not one of Consents or Refuses; choose one of them, or leave it blank.',
    ),
    (
        "ref-empty",
        {"Ref": None},
        "Ref: this is empty; type the Ref of the request this third party belongs to, as on "
        "the Requests sheet.",
    ),
    (
        "ref-matching-no-request",
        {"Ref": "SAR-2026-009"},
        "Ref: SAR-2026-009 matches no request on the Requests sheet; correct the Ref or add the "
        "request.",
    ),
    (
        "no-email-and-no-address",
        {"Address": None},
        "Address: there is no email and no address; type a postal address or an email address.",
    ),
    (
        "bad-email",
        {"Email": "joan at example.org"},
        'Email: "joan at example.org" is not an email address; correct it or clear the cell.',
    ),
    (
        "party-not-a-code",
        {"Party": "Gran"},
        'Party: "Gran" is not a party code like TP1; clear the cell and the pipeline will '
        "number the party.",
    ),
    (
        "reply-received-unreadable",
        {"Reply received": "last week"},
        f'Reply received: "last week" is not a date I can read; {HOW_DATE}',
    ),
]


@pytest.fixture(scope="module")
def request_cases(tmp_path_factory: pytest.TempPathFactory) -> Register:
    """Read a register with one Requests row per case in REQUEST_PROBLEMS, from row 2."""
    requests = [
        request_row(**{"Ref": f"SAR-2026-{number:03d}", **overrides})
        for number, (_, overrides, _) in enumerate(REQUEST_PROBLEMS, start=101)
    ]
    path = write_register(tmp_path_factory.mktemp("requests") / "register.xlsx", requests)
    return open_register(path, TODAY)


@pytest.fixture(scope="module")
def party_cases(tmp_path_factory: pytest.TempPathFactory) -> Register:
    """Read a register with one good request and one Third parties row per PARTY_PROBLEMS case."""
    parties = [party_row(**overrides) for _, overrides, _ in PARTY_PROBLEMS]
    path = write_register(
        tmp_path_factory.mktemp("parties") / "register.xlsx", [request_row()], parties
    )
    return open_register(path, TODAY)


@pytest.mark.parametrize(
    ("row", "expected"),
    [(row, expected) for row, (_, _, expected) in enumerate(REQUEST_PROBLEMS, start=2)],
    ids=[case for case, _, _ in REQUEST_PROBLEMS],
)
@pytest.mark.bad_input
def test_a_request_row_problem_is_reported_and_the_row_skipped(
    request_cases: Register, row: int, expected: str
) -> None:
    reported = [str(problem) for problem in request_cases.problems if problem.row == row]

    assert reported == [f"Requests, row {row}, {expected}"]
    assert row not in rows(request_cases.requests)


@pytest.mark.parametrize(
    ("row", "expected"),
    [(row, expected) for row, (_, _, expected) in enumerate(PARTY_PROBLEMS, start=2)],
    ids=[case for case, _, _ in PARTY_PROBLEMS],
)
@pytest.mark.bad_input
def test_a_third_party_row_problem_is_reported_and_the_row_skipped(
    party_cases: Register, row: int, expected: str
) -> None:
    reported = [str(problem) for problem in party_cases.problems if problem.row == row]

    assert reported == [f"Third parties, row {row}, {expected}"]
    assert row not in rows(party_cases.parties)


@pytest.mark.bad_input
def test_every_problem_case_is_reported_on_its_own_row_only(
    request_cases: Register, party_cases: Register
) -> None:
    assert len(request_cases.problems) == len(REQUEST_PROBLEMS)
    assert request_cases.requests == []
    assert len(party_cases.problems) == len(PARTY_PROBLEMS)
    assert party_cases.parties == []
    assert rows(party_cases.requests) == [2]


# --- Rows read and rows skipped ---------------------------------------------------------------


def test_a_complete_request_row_is_read_into_a_request(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [
            request_row(
                Received="2/11/2026",
                Relationship="Person with parental responsibility",
                **{
                    "Requester address": "4 Mill Lane\nHighfield",
                    "Child date of birth": date(2023, 4, 17),
                    "Request letter": "request.pdf",
                    "Clarification asked": "3 Nov 2026",
                    "Clarification received": "2026-11-06",
                    "ID requested": "2/11/2026",
                    "ID received": date(2026, 11, 9),
                    "Extended": "Yes",
                    "Extension reason": "Several agencies are named in the file.",
                    "Meeting": "15/12/2026 at 2.30 pm",
                },
            )
        ],
    )

    assert list(register.problems) == []
    [request] = register.requests
    assert request.row == 2
    assert request.ref == "SAR-2026-001"
    assert not request.ref_assigned
    assert request.received == date(2026, 11, 2)
    assert request.requester == "Aoife O'Brien"
    assert request.relationship == "Person with parental responsibility"
    assert request.requester_email == "aoife.obrien@example.org"
    assert request.requester_address == "4 Mill Lane\nHighfield"
    assert request.child == "Ciarán O'Brien"
    assert request.child_dob == date(2023, 4, 17)
    assert request.request_letter == "request.pdf"
    assert request.clarification_asked == date(2026, 11, 3)
    assert request.clarification_received == date(2026, 11, 6)
    assert request.id_requested == date(2026, 11, 2)
    assert request.id_received == date(2026, 11, 9)
    assert request.extended
    assert request.extension_reason == "Several agencies are named in the file."
    assert request.meeting == datetime(2026, 12, 15, 14, 30)
    assert request.closed is None


@pytest.mark.bad_input
def test_a_row_with_a_problem_is_skipped_and_every_other_row_is_read(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [
            request_row(Ref="SAR-2026-001"),
            request_row(Ref="SAR-2026-002", Child=None),
            request_row(Ref="SAR-2026-003"),
        ],
    )

    assert messages(register) == [
        "Requests, row 3, Child: this is empty; type the child's full name."
    ]
    assert [request.ref for request in register.requests] == ["SAR-2026-001", "SAR-2026-003"]
    assert register.held_refs == {"SAR-2026-002"}


@pytest.mark.bad_input
def test_a_row_can_have_several_problems_each_reported(tmp_path: Path) -> None:
    register = read(tmp_path, [request_row(Received="31/2/2026", Requester=None, Extended="Yes")])

    assert messages(register) == [
        f'Requests, row 2, Received: "31/2/2026" is not a real date; {HOW_DATE}',
        "Requests, row 2, Requester: this is empty; type the full name of the person asking.",
        "Requests, row 2, Extension reason: Extended is Yes but there is no reason; type why the "
        "request is complex (it goes into the extension letter).",
    ]


def test_cells_with_formatting_inside_their_text_are_read_as_plain_text(tmp_path: Path) -> None:
    bold = InlineFont(b=True)
    register = read(
        tmp_path,
        [
            request_row(
                Requester=CellRichText(["Aoife ", TextBlock(bold, "O'Brien")]),
                Received=CellRichText([TextBlock(bold, "2/11"), "/2026"]),
            )
        ],
    )

    assert list(register.problems) == []
    [request] = register.requests
    assert (request.requester, request.received) == ("Aoife O'Brien", date(2026, 11, 2))


def test_choices_are_matched_ignoring_case_and_read_as_listed(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [request_row(Relationship="mother", Extended=" YES ", **{"Extension reason": "Complex"})],
        [party_row(Kind="family member", Decision="CONSENTS", Organisation=None)],
    )

    assert list(register.problems) == []
    [request] = register.requests
    assert request.relationship == "Mother"
    assert request.extended
    [party] = register.parties
    assert party.kind == "Family member"
    assert party.decision == "Consents"


@pytest.mark.bad_input
def test_a_duplicate_ref_is_reported_on_both_rows_each_naming_the_other(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [
            request_row(Ref="SAR-2026-001"),
            request_row(Ref="SAR-2026-002"),
            request_row(Ref="sar-2026-001"),
        ],
    )

    assert messages(register) == [
        "Requests, row 2, Ref: SAR-2026-001 is also the Ref of row 4; give each request its "
        "own Ref.",
        "Requests, row 4, Ref: sar-2026-001 is also the Ref of row 2; give each request its "
        "own Ref.",
    ]
    assert rows(register.requests) == [3]
    assert register.held_refs == {"SAR-2026-001"}


@pytest.mark.bad_input
def test_third_parties_of_a_request_with_a_problem_wait_silently(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [request_row(Ref="SAR-2026-001", Child=None), request_row(Ref="SAR-2026-002")],
        [
            party_row(Ref="SAR-2026-001"),
            party_row(Ref="sar-2026-001", Address=None),  # its own problem waits too
            party_row(Ref="SAR-2026-002"),
        ],
    )

    assert messages(register) == [
        "Requests, row 2, Child: this is empty; type the child's full name."
    ]
    assert register.held_refs == {"SAR-2026-001"}
    assert [(party.row, party.ref) for party in register.parties] == [(4, "SAR-2026-002")]
    assert register.refs_with_party_problems == set()


@pytest.mark.bad_input
def test_a_request_with_a_third_party_problem_is_named_and_still_read(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [request_row(Ref="SAR-2026-001"), request_row(Ref="SAR-2026-002")],
        [
            party_row(Ref="sar-2026-001", Email="joan@example"),
            party_row(Ref="SAR-2026-001", Name="Mary Byrne"),
            party_row(Ref="SAR-2026-002"),
            party_row(Ref="SAR-2026-404"),
        ],
    )

    assert messages(register) == [
        'Third parties, row 2, Email: "joan@example" is not an email address; correct it or '
        "clear the cell.",
        "Third parties, row 5, Ref: SAR-2026-404 matches no request on the Requests sheet; "
        "correct the Ref or add the request.",
    ]
    assert register.refs_with_party_problems == {"SAR-2026-001"}
    assert rows(register.requests) == [2, 3]
    assert rows(register.parties) == [3, 4]


@pytest.mark.bad_input
def test_a_duplicate_party_code_within_a_request_is_reported_on_the_later_row(
    tmp_path: Path,
) -> None:
    register = read(
        tmp_path,
        [request_row(Ref="SAR-2026-001"), request_row(Ref="SAR-2026-002")],
        [
            party_row(Ref="SAR-2026-001", Party="TP1"),
            party_row(Ref="SAR-2026-002", Party="TP1"),
            party_row(Ref="SAR-2026-001", Party="tp1", Name="Mary Byrne"),
        ],
    )

    assert messages(register) == [
        "Third parties, row 4, Party: TP1 is used twice for SAR-2026-001; clear this cell and "
        "the pipeline will number the party.",
    ]
    assert [(party.row, party.ref, party.party) for party in register.parties] == [
        (2, "SAR-2026-001", "TP1"),
        (3, "SAR-2026-002", "TP1"),
    ]
    assert register.refs_with_party_problems == {"SAR-2026-001"}


def test_a_fully_blank_but_formatted_row_in_the_middle_is_ignored(tmp_path: Path) -> None:
    path = write_register(
        tmp_path / "register.xlsx",
        [request_row(Ref="SAR-2026-001"), {}, request_row(Ref="SAR-2026-002")],
    )
    workbook = openpyxl.load_workbook(path)
    requests = workbook[layout.REQUESTS]
    thin = Side(style="thin")
    for cell in requests[3]:
        cell.fill = PatternFill("solid", start_color="FFFFFF00")
        cell.border = Border(top=thin, bottom=thin)
    requests.cell(row=3, column=17, value="   ")  # Notes: only spaces
    workbook.save(path)

    register = open_register(path, TODAY)

    assert list(register.problems) == []
    assert rows(register.requests) == [2, 4]


# --- Refs and party codes the pipeline gives --------------------------------------------------


def test_a_blank_ref_is_given_the_next_free_one_for_its_year(tmp_path: Path) -> None:
    register = read(
        tmp_path,
        [
            request_row(Ref="SAR-2026-001"),
            request_row(Ref=None),
            request_row(Ref="SAR-2026-003", Child=None),  # a row with a problem keeps its Ref
            request_row(Ref=None, Requester="Bríd Walsh"),
            request_row(Ref=None, Received=date(2025, 12, 30)),
        ],
    )

    assert messages(register) == [
        "Requests, row 4, Child: this is empty; type the child's full name."
    ]
    assert [(r.row, r.ref, r.ref_assigned) for r in register.requests] == [
        (2, "SAR-2026-001", False),
        (3, "SAR-2026-002", True),
        (5, "SAR-2026-004", True),
        (6, "SAR-2025-001", True),
    ]


def test_a_blank_ref_gets_back_the_ref_an_earlier_run_gave_it(tmp_path: Path) -> None:
    earlier = {(date(2026, 11, 2), "aoife o'brien", "ciarán o'brien"): "SAR-2026-007"}

    register = read(
        tmp_path,
        [request_row(Ref="SAR-2026-001", Requester="Bríd Walsh"), request_row(Ref=None)],
        earlier_refs=earlier,
    )

    assert list(register.problems) == []
    assert [(r.row, r.ref, r.ref_assigned) for r in register.requests] == [
        (2, "SAR-2026-001", False),
        (3, "SAR-2026-007", True),
    ]


def test_an_earlier_ref_the_manager_has_since_typed_elsewhere_is_not_given_twice(
    tmp_path: Path,
) -> None:
    earlier = {(date(2026, 11, 2), "aoife o'brien", "ciarán o'brien"): "SAR-2026-001"}

    register = read(
        tmp_path,
        [request_row(Ref=None), request_row(Ref="SAR-2026-001", Requester="Bríd Walsh")],
        earlier_refs=earlier,
    )

    assert [(r.row, r.ref) for r in register.requests] == [(2, "SAR-2026-002"), (3, "SAR-2026-001")]


def test_an_earlier_ref_is_given_back_even_when_a_new_blank_row_comes_first(
    tmp_path: Path,
) -> None:
    earlier = {(date(2026, 11, 2), "aoife o'brien", "ciarán o'brien"): "SAR-2026-001"}

    register = read(
        tmp_path,
        [
            request_row(Ref=None, Received=date(2026, 10, 30), Requester="Bríd Walsh"),
            request_row(Ref=None),
        ],
        earlier_refs=earlier,
    )

    assert [(r.row, r.ref) for r in register.requests] == [(2, "SAR-2026-002"), (3, "SAR-2026-001")]


def test_a_ref_an_earlier_run_gave_is_not_reused_when_its_row_has_gone(tmp_path: Path) -> None:
    earlier = {(date(2026, 10, 1), "sinéad ryan", "oisín ryan"): "SAR-2026-001"}

    register = read(tmp_path, [request_row(Ref=None)], earlier_refs=earlier)

    assert [(r.row, r.ref, r.ref_assigned) for r in register.requests] == [
        (2, "SAR-2026-002", True)
    ]


def test_a_blank_party_is_numbered_after_the_highest_code_in_its_request(tmp_path: Path) -> None:
    path = write_register(
        tmp_path / "register.xlsx",
        [request_row(Ref="SAR-2026-001"), request_row(Ref="SAR-2026-002")],
        [
            party_row(Ref="SAR-2026-001"),
            party_row(Ref="SAR-2026-001", Party="TP1"),
            party_row(Ref="sar-2026-001", Party="tp3"),
            party_row(Ref="SAR-2026-002"),
            party_row(Ref="SAR-2026-002"),
        ],
    )

    first, second = open_register(path, TODAY), open_register(path, TODAY)

    expected = [
        (2, "SAR-2026-001", "TP4", True),
        (3, "SAR-2026-001", "TP1", False),
        (4, "SAR-2026-001", "TP3", False),
        (5, "SAR-2026-002", "TP1", True),
        (6, "SAR-2026-002", "TP2", True),
    ]
    assert [(p.row, p.ref, p.party, p.party_assigned) for p in first.parties] == expected
    assert first.parties == second.parties
    assert list(first.problems) == []


@pytest.mark.bad_input
def test_a_party_code_on_a_row_with_a_problem_is_not_given_to_another_party(
    tmp_path: Path,
) -> None:
    register = read(
        tmp_path,
        [request_row()],
        [
            party_row(Party="TP1"),
            party_row(Party="TP2", Address=None),  # a problem; it keeps TP2 for when it is fixed
            party_row(),
        ],
    )

    assert [(p.row, p.party) for p in register.parties] == [(2, "TP1"), (4, "TP3")]


# --- Sheets and headers -----------------------------------------------------------------------


def test_headers_are_matched_ignoring_case_and_spaces_in_any_order_and_extras_ignored(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    values: dict[str, Row] = {
        layout.REQUESTS: request_row(**{"Requester address": "4 Mill Lane"}),
        layout.THIRD_PARTIES: party_row(),
        layout.LETTERS: {},
        layout.COMPLAINTS: {},
        layout.WITHHELD: {},
    }
    for name, columns in layout.SHEETS.items():
        worksheet = workbook.create_sheet(name)
        # Only the manager's columns, last first, shouted and padded, with a column of her own.
        headers = [column.header for column in reversed(columns) if not column.pipeline]
        worksheet.append(["Key worker", *(f"  {header.upper()} " for header in headers)])
        if values[name]:
            worksheet.append(["Sam", *(values[name].get(header) for header in headers)])
    path = tmp_path / "register.xlsx"
    workbook.save(path)

    register = open_register(path, TODAY)

    assert list(register.problems) == []
    [request] = register.requests
    assert (request.ref, request.requester, request.child) == (
        "SAR-2026-001",
        "Aoife O'Brien",
        "Ciarán O'Brien",
    )
    assert request.requester_address == "4 Mill Lane"
    [party] = register.parties
    assert (party.ref, party.party, party.organisation) == (
        "SAR-2026-001",
        "TP1",
        "Smith & Sons <Ltd>",
    )


def test_letters_posted_by_hand_are_read(tmp_path: Path) -> None:
    path = write_register(tmp_path / "register.xlsx", [request_row()])
    workbook = openpyxl.load_workbook(path)
    letters = workbook[layout.LETTERS]
    letters["A2"], letters["M2"] = "SAR-2026-001/acknowledgement", date(2026, 11, 4)
    letters["A3"], letters["M3"] = "SAR-2026-001/TP1/consent", "sometime"
    letters["A4"] = "SAR-2026-001/extension"
    workbook.save(path)

    register = open_register(path, TODAY)

    assert register.posted == {"SAR-2026-001/acknowledgement": date(2026, 11, 4)}
    assert register.letter_rows == {
        "SAR-2026-001/acknowledgement": 2,
        "SAR-2026-001/TP1/consent": 3,
        "SAR-2026-001/extension": 4,
    }
    assert messages(register) == [
        f'Letters, row 3, Posted: "sometime" is not a date I can read; {HOW_DATE}'
    ]


def test_a_missing_pipeline_column_is_not_a_problem(tmp_path: Path) -> None:
    workbook = blank_workbook()
    workbook[layout.REQUESTS].delete_cols(22)  # Status
    for header, value in request_row().items():
        column = [c.header for c in layout.REQUEST_COLUMNS].index(header) + 1
        workbook[layout.REQUESTS].cell(row=2, column=column, value=value)
    path = saved(tmp_path, workbook)

    register = open_register(path, TODAY)

    assert list(register.problems) == []
    assert rows(register.requests) == [2]


@pytest.mark.bad_input
def test_a_missing_sheet_is_refused_naming_the_file_and_the_sheets(tmp_path: Path) -> None:
    workbook = blank_workbook()
    workbook.remove(workbook[layout.THIRD_PARTIES])
    path = saved(tmp_path, workbook)

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f'{path}: the register has no sheet named "Third parties". It needs the sheets Requests, '
        "Third parties, Letters; rename the sheet back, or start from a blank register made by "
        "`letters init`."
    )


@pytest.mark.bad_input
def test_a_missing_manager_column_is_refused_naming_it(tmp_path: Path) -> None:
    workbook = blank_workbook()
    workbook[layout.REQUESTS].delete_cols(7)  # Child
    path = saved(tmp_path, workbook)

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f'{path}: sheet Requests has no column headed "Child" in row 1. Put the heading back '
        "(headings are matched ignoring case and spaces at either end), then run again."
    )


@pytest.mark.bad_input
def test_a_duplicated_header_is_refused_naming_it(tmp_path: Path) -> None:
    workbook = blank_workbook()
    workbook[layout.THIRD_PARTIES].cell(row=1, column=15, value=" email ")
    path = saved(tmp_path, workbook)

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f'{path}: sheet Third parties, row 1 has two columns headed "email". Rename or remove '
        "one, then run again."
    )


# --- Files that cannot be read ----------------------------------------------------------------


@pytest.mark.bad_input
def test_a_missing_register_is_refused_saying_where_to_look(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f"{path}: there is no register here. Check paths.register in letters.toml, or run "
        "`letters init` to create a blank one."
    )


@pytest.mark.bad_input
def test_a_register_not_saved_as_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("Ref,Received\nSAR-2026-001,2/11/2026\n", encoding="utf-8")

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f"{path}: the register must be an Excel workbook saved as .xlsx (in Excel: File › Save "
        "As › Excel Workbook)."
    )


@pytest.mark.bad_input
def test_a_corrupt_register_is_refused_saying_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"this is not a workbook \x00\x01\x02")

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f"{path}: this file cannot be read as an Excel workbook (File is not a zip file). Open it "
        "in Excel and save it again as .xlsx, or restore it from registers/backups/."
    )


@pytest.mark.bad_input
def test_a_register_with_a_damaged_part_inside_is_refused(tmp_path: Path) -> None:
    path = write_register(tmp_path / "register.xlsx", [request_row()])
    damaged = io.BytesIO()
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(damaged, "w") as copy:
        for name in original.namelist():
            data = original.read(name)
            copy.writestr(name, data[: len(data) // 2] if name.endswith("sheet1.xml") else data)
    path.write_bytes(damaged.getvalue())

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value).startswith(f"{path}: this file cannot be read as an Excel workbook (")


@pytest.mark.parametrize(
    ("lock", "program"),
    [("~$register.xlsx", "Excel"), (".~lock.register.xlsx#", "LibreOffice")],
)
@pytest.mark.bad_input
def test_a_register_open_in_excel_or_libreoffice_is_refused_before_reading(
    tmp_path: Path, lock: str, program: str
) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"not read: the lock is checked first")
    (tmp_path / lock).write_text("", encoding="utf-8")

    with pytest.raises(LettersError) as refused:
        open_register(path, TODAY)

    assert str(refused.value) == (
        f"{path}: the register is open in {program} (found {lock} beside it). Save and close "
        "it, then run again. Nothing was done."
    )


# --- A new register ---------------------------------------------------------------------------


@pytest.mark.bad_input
def test_create_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"the manager's register")

    with pytest.raises(LettersError) as refused:
        create(path)

    assert str(refused.value) == f"{path}: a file is already there; it was left as it is."
    assert path.read_bytes() == b"the manager's register"


def test_create_makes_the_five_sheets_with_frozen_headers_grey_for_the_pipeline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "registers" / "register.xlsx"

    create(path)

    assert sorted(p.name for p in path.parent.iterdir()) == ["register.xlsx"]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Requests", "Third parties", "Letters", "Complaints", "Withheld",
    ]  # fmt: skip
    grey: dict[str, list[str]] = {}
    for name, columns in layout.SHEETS.items():
        worksheet = workbook[name]
        assert worksheet.freeze_panes == "A2"
        assert [cell.value for cell in worksheet[1]] == [column.header for column in columns]
        grey[name] = [cell.value for cell in worksheet[1] if cell.fill.fgColor.rgb == "FFD9D9D9"]
        assert grey[name] == [column.header for column in columns if column.pipeline]
    assert grey["Complaints"] == ["Ref", "Acknowledge by", "Acknowledged", "Status"]
    assert grey["Withheld"] == []
    assert grey["Letters"] == [  # all the pipeline's but Posted
        "Letter",
        "Ref",
        "Party",
        "Kind",
        "Recipient",
        "Generated",
        "Signed",
        "Sent",
        "By",
        "To",
        "File",
        "Message id",
    ]


def test_create_offers_drop_down_lists_for_the_fixed_choices(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"

    create(path)

    workbook = openpyxl.load_workbook(path)

    def drop_downs(name: str) -> set[tuple[str, str, str]]:
        validations = workbook[name].data_validations.dataValidation
        return {(v.type, str(v.sqref), v.formula1) for v in validations}

    assert drop_downs(layout.REQUESTS) == {
        (
            "list",
            "D2:D501",  # Relationship
            '"Mother,Father,Parent,Carer,Person with parental responsibility,Other"',
        ),
        ("list", "N2:N501", '"Yes,No"'),  # Extended
    }
    assert drop_downs(layout.THIRD_PARTIES) == {
        ("list", "D2:D501", '"Family member,Agency"'),  # Kind
        ("list", "H2:H501", '"Consents,Refuses"'),  # Decision
    }
    assert drop_downs(layout.LETTERS) == set()


def test_a_new_register_reads_with_no_rows_and_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    create(path)

    register = open_register(path, TODAY)

    assert (register.requests, register.parties, register.problems) == ([], [], [])
    assert (register.posted, register.load_warnings) == ({}, [])


def test_a_ref_on_three_rows_names_the_other_two_rows(tmp_path: Path) -> None:
    path = write_register(
        tmp_path / "register.xlsx",
        [request_row(), request_row(), request_row()],
    )
    register = open_register(path, date(2026, 11, 25))
    assert str(register.problems[0]) == (
        "Requests, row 2, Ref: SAR-2026-001 is also the Ref of rows 3 and 4; "
        "give each request its own Ref."
    )
    assert register.requests == []


def test_two_extra_columns_with_the_same_heading_are_left_alone(tmp_path: Path) -> None:
    path = write_register(tmp_path / "register.xlsx", [request_row()])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Requests"]
    sheet.cell(row=1, column=30, value="Comments")
    sheet.cell(row=1, column=31, value="comments")
    workbook.save(path)
    register = open_register(path, date(2026, 11, 25))
    assert [request.ref for request in register.requests] == ["SAR-2026-001"]
