"""Build registers/example-register.xlsx: a fictional setting with requests in every state.

Everyone here is fictional and every address is at example.org. The dates are set as at
late November 2026, so that `make letters` shows each state: new, consents out, reminder
due, a reply in, a refusal, extended (the notice due by tomorrow), extended too late (a delay
letter), waiting for ID, the month restarted on ID received, clean copy ready, closed.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.register import layout
from pipeline.register.new import blank_workbook

TARGET = Path(__file__).resolve().parent.parent / "registers" / "example-register.xlsx"

REQUESTS: list[dict[str, Any]] = [
    {  # closed: the whole procedure done
        "Ref": "SAR-2026-001",
        "Received": date(2026, 9, 1),
        "Requester": "Aoife O'Brien",
        "Relationship": "Mother",
        "Requester email": "aoife.obrien@example.org",
        "Child": "Ciarán O'Brien",
        "Child date of birth": date(2022, 5, 14),
        "Request letter": "request email 2026-09-01.pdf",
        "Clean copy ready": date(2026, 9, 24),
        "Meeting": datetime(2026, 9, 29, 10, 0),
        "Closed": date(2026, 9, 29),
        "Acknowledged": date(2026, 9, 2),
    },
    {  # clean copy ready, meeting set: the invitation is due
        "Ref": "SAR-2026-002",
        "Received": date(2026, 11, 12),
        "Requester": "Tomasz Nowak",
        "Relationship": "Father",
        "Requester email": "tomasz.nowak@example.org",
        "Child": "Lena Nowak",
        "Request letter": "letter from Mr Nowak.pdf",
        "Clean copy ready": date(2026, 11, 23),
        "Meeting": datetime(2026, 11, 26, 14, 0),
        "Acknowledged": date(2026, 11, 12),
    },
    {  # extended: the extension notice must go by Thu 26 Nov, the end of month one
        "Ref": "SAR-2026-003",
        "Received": date(2026, 10, 26),
        "Requester": "Priya Shah",
        "Relationship": "Person with parental responsibility",
        "Requester address": "14 Orchard Close\nMillbrook\nEX4 7QT",
        "Child": "Arjun Shah",
        "Extended": "Yes",
        "Extension reason": "The file holds records from three agencies and a safeguarding "
        "referral, each of which must be read with care before anything is disclosed.",
        "Acknowledged": date(2026, 10, 27),
    },
    {  # a refusal is in; one reply awaited
        "Ref": "SAR-2026-004",
        "Received": date(2026, 11, 5),
        "Requester": "Grace Adeyemi",
        "Relationship": "Mother",
        "Requester email": "grace.adeyemi@example.org",
        "Child": "Tobi Adeyemi",
        "Acknowledged": date(2026, 11, 6),
    },
    {  # a reply is in, waiting for the manager's decision
        "Ref": "SAR-2026-005",
        "Received": date(2026, 11, 16),
        "Requester": "Mark Davies",
        "Relationship": "Father",
        "Requester email": "mark.davies@example.org",
        "Child": "Elin Davies",
        "Acknowledged": date(2026, 11, 16),
    },
    {  # consents out more than a week ago: reminders are due
        "Ref": "SAR-2026-006",
        "Received": date(2026, 11, 12),
        "Requester": "Hannah Clarke",
        "Relationship": "Carer",
        "Requester email": "hannah.clarke@example.org",
        "Child": "Jayden Clarke",
        "Acknowledged": date(2026, 11, 12),
    },
    {  # consents out this week
        "Ref": "SAR-2026-007",
        "Received": date(2026, 11, 17),
        "Requester": "Ewa Kowalczyk",
        "Relationship": "Parent",
        "Requester email": "ewa.kowalczyk@example.org",
        "Child": "Maja Kowalczyk",
        # Asked on receipt; the month starts again on the day it came (Art 12A(2)(b)).
        "ID requested": date(2026, 11, 17),
        "ID received": date(2026, 11, 20),
        "Acknowledged": date(2026, 11, 18),
    },
    {  # waiting for ID: no deadline yet, no consent letters until it comes
        "Ref": "SAR-2026-008",
        "Received": date(2026, 11, 16),
        "Requester": "Dean Walsh",
        "Relationship": "Other",
        "Requester address": "Flat 3, 22 Station Road, Millbrook, EX4 2AB",
        "Child": "Ruby Walsh",
        "ID requested": date(2026, 11, 17),
        "Notes": "Says he is the child's uncle and has a court order; asked for a copy.",
        "Acknowledged": date(2026, 11, 17),
    },
    {  # new: nothing sent yet; third parties listed
        "Ref": "SAR-2026-009",
        "Received": date(2026, 11, 23),
        "Requester": "Zoë Müller-Lefèvre",
        "Relationship": "Mother",
        "Requester address": "7 Rue-Side Cottages\nHighfield\nEX9 3LP",
        "Child": "Noé Müller-Lefèvre",
        "Child date of birth": date(2023, 1, 30),
        "Request letter": "handwritten request.pdf",
    },
    {  # Extended typed after the first month ended (12 Nov): no extension, a delay letter
        "Ref": "SAR-2026-010",
        "Received": date(2026, 10, 12),
        "Requester": "Sophie Turner",
        "Relationship": "Mother",
        "Requester email": "sophie.turner@example.org",
        "Child": "Alfie Turner",
        "Request letter": "note of a request made in person 2026-10-12.docx",
        "Extended": "Yes",
        "Extension reason": "The file holds two years of daily records and incident reports "
        "from two rooms.",
        "Acknowledged": date(2026, 10, 13),
    },
    {  # new, Ref left blank for the pipeline to fill, third parties not yet entered
        "Received": date(2026, 11, 24),
        "Requester": "Chloe Bennett",
        "Relationship": "Mother",
        "Requester email": "chloe.bennett@example.org",
        "Child": "Freddie Bennett",
    },
]

AGENCY = "Agency"
FAMILY = "Family member"
NORTHSHIRE = "Northshire Children's Services"
HEALTH = "Northshire and Eastvale Integrated Children's Health and Wellbeing Partnership NHS Trust"
PARTIES: list[dict[str, Any]] = [
    {
        "Ref": "SAR-2026-001",
        "Party": "TP1",
        "Name": "Siobhán O'Brien",
        "Kind": FAMILY,
        "Role": "Grandmother",
        "Email": "siobhan.obrien@example.org",
        "Decision": "Consents",
        "Letter sent": date(2026, 9, 3),
        "Reply received": date(2026, 9, 8),
    },
    {
        "Ref": "SAR-2026-001",
        "Party": "TP2",
        "Name": "Rachel Osei",
        "Organisation": NORTHSHIRE,
        "Kind": AGENCY,
        "Role": "Social worker",
        "Email": "rachel.osei@example.org",
        "Decision": "Refuses",
        "Letter sent": date(2026, 9, 3),
        "Reply received": date(2026, 9, 15),
        "Decision notes": "Prefers the parent to apply to Children's Services directly. "
        "Their reports are scored through.",
    },
    {
        "Ref": "SAR-2026-002",
        "Party": "TP1",
        "Name": "Marek Nowak",
        "Kind": FAMILY,
        "Role": "Uncle",
        "Address": "3 Mill Lane\nMillbrook\nEX4 1BB",
        "Decision": "Consents",
        "Letter sent": date(2026, 11, 13),
        "Reply received": date(2026, 11, 17),
    },
    {
        "Ref": "SAR-2026-002",
        "Party": "TP2",
        "Name": "Sandra Hughes",
        "Organisation": HEALTH,
        "Kind": AGENCY,
        "Role": "Health visitor",
        "Email": "sandra.hughes@example.org",
        "Decision": "Refuses",
        "Letter sent": date(2026, 11, 13),
        "Reply received": date(2026, 11, 19),
        "Decision notes": "Health visitor's notes withheld; the parent may apply to the Trust.",
    },
    {
        "Ref": "SAR-2026-003",
        "Party": "TP1",
        "Name": "Kiran Shah",
        "Kind": FAMILY,
        "Role": "Father",
        "Address": "41 Kingsway\nEastvale\nEX8 5DW",
        "Letter sent": date(2026, 10, 28),
        "Reminder sent": date(2026, 11, 5),
        "Reply received": date(2026, 11, 12),
        "Decision": "Consents",
    },
    {
        "Ref": "SAR-2026-003",
        "Party": "TP2",
        "Name": "",
        "Organisation": NORTHSHIRE,
        "Kind": AGENCY,
        "Role": "Safeguarding team",
        "Email": "safeguarding@example.org",
        "Letter sent": date(2026, 10, 28),
        "Reminder sent": date(2026, 11, 5),
    },
    {
        "Ref": "SAR-2026-004",
        "Party": "TP1",
        "Name": "Folake Adeyemi",
        "Kind": FAMILY,
        "Role": "Grandmother",
        "Email": "folake.adeyemi@example.org",
        "Decision": "Refuses",
        "Letter sent": date(2026, 11, 9),
        "Reply received": date(2026, 11, 16),
        "Decision notes": "Refused by phone and in writing; to be weighed by the owner.",
    },
    {
        "Ref": "SAR-2026-004",
        "Party": "TP2",
        "Name": "Dr Imran Qureshi",
        "Organisation": "Millbrook Family Practice",
        "Kind": AGENCY,
        "Role": "GP",
        "Address": "Millbrook Family Practice\nHigh Street\nMillbrook\nEX4 1AA",
        "Letter sent": date(2026, 11, 9),
    },
    {
        "Ref": "SAR-2026-005",
        "Party": "TP1",
        "Name": "Gwen Davies",
        "Kind": FAMILY,
        "Role": "Mother",
        "Email": "gwen.davies@example.org",
        "Letter sent": date(2026, 11, 19),
        "Reply received": date(2026, 11, 23),
        "Reply": "SAR-2026-005 TP1 reply 2026-11-23.eml",
    },
    {
        "Ref": "SAR-2026-005",
        "Party": "TP2",
        "Name": "Owen Price",
        "Organisation": NORTHSHIRE,
        "Kind": AGENCY,
        "Role": "Family support worker",
        "Email": "owen.price@example.org",
        "Letter sent": date(2026, 11, 19),
    },
    {
        "Ref": "SAR-2026-006",
        "Party": "TP1",
        "Name": "Lee Clarke",
        "Kind": FAMILY,
        "Role": "Father",
        "Address": "9 Beech Road\nEastvale\nEX8 2HT",
        "Letter sent": date(2026, 11, 13),
    },
    {
        "Ref": "SAR-2026-006",
        "Party": "TP2",
        "Name": "Bernadette D'Souza",
        "Kind": FAMILY,
        "Role": "Grandmother",
        "Email": "bernadette.dsouza@example.org",
        "Letter sent": date(2026, 11, 13),
    },
    {
        "Ref": "SAR-2026-006",
        "Party": "TP3",
        "Name": "Amira Haddad",
        "Organisation": HEALTH,
        "Kind": AGENCY,
        "Role": "Speech and language therapist",
        "Email": "amira.haddad@example.org",
        "Letter sent": date(2026, 11, 13),
    },
    {
        "Ref": "SAR-2026-007",
        "Party": "TP1",
        "Name": "Piotr Kowalczyk",
        "Kind": FAMILY,
        "Role": "Father",
        "Email": "piotr.kowalczyk@example.org",
        "Letter sent": date(2026, 11, 19),
    },
    {
        "Ref": "SAR-2026-008",
        "Name": "Kelly Walsh",
        "Kind": FAMILY,
        "Role": "Mother",
        "Address": "22 Station Road\nMillbrook\nEX4 2AB",
    },
    {
        "Ref": "SAR-2026-009",
        "Name": "Étienne Lefèvre",
        "Kind": FAMILY,
        "Role": "Father",
        "Email": "etienne.lefevre@example.org",
    },
    {
        "Ref": "SAR-2026-009",
        "Name": "Joan Smith",
        "Organisation": "Smith & Sons <Ltd> Childminding",
        "Kind": AGENCY,
        "Role": "Childminder",
        "Address": "The Old Forge\nHighfield\nEX9 3AA",
    },
    {
        "Ref": "SAR-2026-009",
        "Name": "",
        "Organisation": HEALTH,
        "Kind": AGENCY,
        "Role": "Health visiting team",
        "Email": "hv.highfield@example.org",
    },
]


# What the owner kept out of SAR-2026-002's copy: the response letter says so.
WITHHELD: list[dict[str, Any]] = [
    {
        "Ref": "SAR-2026-002",
        "What": "One paragraph of the health visitor's report of 10 November 2026",
        "Ground": layout.SERIOUS_HARM,
        "Party": "TP2",
        "Opinion from": "Sandra Hughes, health visitor",
        "Opinion date": date(2026, 11, 19),
        "Reasons": "Her written opinion (filed with her reply) is that this paragraph would be "
        "likely to cause serious harm to another family member's mental health. The rest of "
        "her report is in the copy: her refusal alone would not have kept it out.",
    },
]

# Complaints to the setting: one just in (to acknowledge), one with its outcome typed.
COMPLAINTS: list[dict[str, Any]] = [
    {
        "Received": date(2026, 11, 20),
        "Complainant": "Grace Adeyemi",
        "Email": "grace.adeyemi@example.org",
        "Request": "SAR-2026-004",
        "Summary": "She was told on the phone that her request had to be made in writing.",
    },
    {
        "Ref": "C-2026-001",
        "Received": date(2026, 10, 2),
        "Complainant": "Aoife O'Brien",
        "Email": "aoife.obrien@example.org",
        "Request": "SAR-2026-001",
        "Summary": "The copy of Ciarán's file left out his summer term observations.",
        "Outcome": "We found that the summer term observations had been filed in the wrong "
        "folder. We have sent them to you, and we have changed how we search the files so that "
        "it does not happen again.",
        "Acknowledged": date(2026, 10, 5),
    },
]


def main() -> None:
    """Write the example register."""
    workbook = blank_workbook()
    for sheet_name, rows in (
        (layout.REQUESTS, REQUESTS),
        (layout.THIRD_PARTIES, PARTIES),
        (layout.WITHHELD, WITHHELD),
        (layout.COMPLAINTS, COMPLAINTS),
    ):
        sheet = workbook[sheet_name]
        headers = [column.header for column in layout.SHEETS[sheet_name]]
        for number, values in enumerate(rows, start=2):
            for header, value in values.items():
                if header in headers and value not in (None, ""):
                    sheet.cell(row=number, column=headers.index(header) + 1, value=value)
    workbook.save(TARGET)
    print(f"Wrote {TARGET}")


if __name__ == "__main__":
    main()
