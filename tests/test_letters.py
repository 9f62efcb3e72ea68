"""Each kind of letter, rendered by a real run and reopened with python-docx."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from pipeline.config import Config
from pipeline.run import weekly_run

from support.config import OWNER_NAME, SETTING_NAME
from support.documents import text_of
from support.register import party_row, request_row

TODAY = date(2026, 11, 25)


def letter(config: Config, ref: str, name: str) -> dict[str, str]:
    return text_of(config.paths.working_folder / ref / "to-sign" / name)


@pytest.fixture
def rendered(setting: Callable[..., Config]) -> Config:
    """Run once over a register that makes every kind of letter."""
    config = setting(
        [
            request_row(),
            request_row(
                Ref="SAR-2026-002",
                Received=date(2026, 10, 1),
                Requester="Zoë Müller-Lefèvre",
                Relationship="Person with parental responsibility",
                **{"Requester email": None, "Requester address": "7 Rue Cottages\nHighfield"},
                Child="Noé Müller",
                Extended="Yes",
                **{"Extension reason": "Records from three agencies & a referral <urgent>"},
                Acknowledged=date(2026, 10, 2),
            ),
            request_row(
                Ref="SAR-2026-003",
                Received=date(2026, 11, 16),
                **{"Clean copy ready": date(2026, 11, 24)},
                Meeting=datetime(2026, 12, 1, 10, 30),
                Acknowledged=date(2026, 11, 16),
            ),
            request_row(
                Ref="SAR-2026-004",
                Received=date(2026, 11, 10),
                Extended="Yes",
                **{"Extension reason": "Records held in two rooms"},
                Acknowledged=date(2026, 11, 10),
            ),
        ],
        [
            party_row(),
            party_row(
                Name="Siobhán O'Brien",
                Organisation=None,
                Kind="Family member",
                Role="Grandmother",
                Address=None,
                Email="siobhan@example.org",
            ),
            party_row(
                Ref="SAR-2026-002",
                Name="Kiran Shah",
                Organisation=None,
                Kind="Family member",
                Role="Father",
                **{"Letter sent": date(2026, 10, 5)},
            ),
        ],
    )
    outcome = weekly_run(config, TODAY)
    assert outcome.write_back.error == ""
    return config


def test_acknowledgement_names_the_requester_child_dates_and_goes_by_email(
    rendered: Config,
) -> None:
    text = letter(rendered, "SAR-2026-001", "SAR-2026-001 acknowledgement - Aoife O'Brien.docx")
    assert "Dear Aoife O'Brien," in text["body"]
    assert "Ciarán O'Brien" in text["body"]
    assert "25 November 2026" in text["body"]
    assert "Our reference: SAR-2026-001" in text["body"]
    assert "2 November 2026" in text["body"]  # received
    assert "16 November 2026" in text["body"]  # promised by: 2 Nov + 14 days, a Monday
    assert "2 December 2026" in text["body"]  # legal deadline: one month
    assert OWNER_NAME in text["body"] and "Owner" in text["body"]
    assert SETTING_NAME in text["header"]
    assert "Sent by email to aoife.obrien@example.org" in text["footer"]


def test_agency_consent_request_prints_ampersands_and_brackets_exactly(rendered: Config) -> None:
    name = "SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx"
    text = letter(rendered, "SAR-2026-001", name)
    assert "Smith & Sons <Ltd>" in text["body"]
    assert "Joan Smith" in text["body"] and "The Old Forge" in text["body"]
    assert "Our reference: SAR-2026-001/TP1" in text["body"]
    assert "apply to" in text["body"] and "directly" in text["body"]  # agency wording
    assert "REPLY SLIP" in text["body"].upper()
    assert "By post" in text["footer"]
    assert "&amp;" not in text["body"] and "&lt;" not in text["body"]


def test_family_consent_request_goes_by_email_with_a_reply_slip(rendered: Config) -> None:
    name = "SAR-2026-001 consent request TP2 - Siobhán O'Brien.docx"
    text = letter(rendered, "SAR-2026-001", name)
    assert "Dear Siobhán O'Brien," in text["body"]
    assert "Aoife O'Brien (mother)" in text["body"]
    assert "SAR-2026-001/TP2" in text["body"]
    assert "consent" in text["body"].lower() and "Signature" in text["body"]
    assert "Sent by email to siobhan@example.org" in text["footer"]


def test_reminder_says_when_the_first_letter_went_and_which_reminder_it_is(
    rendered: Config,
) -> None:
    text = letter(rendered, "SAR-2026-002", "SAR-2026-002 reminder 1 TP1 - Kiran Shah.docx")
    assert "5 October 2026" in text["body"]
    assert "reminder 1" in text["body"].lower()
    assert "SAR-2026-002/TP1" in text["body"]
    assert "Noé Müller" in text["body"]


def test_extension_notice_gives_the_reason_and_the_extended_deadline(rendered: Config) -> None:
    text = letter(rendered, "SAR-2026-004", "SAR-2026-004 extension notice - Aoife O'Brien.docx")
    assert "Records held in two rooms" in text["body"]
    # Tue 10 Nov 2026: month one ends Thu 10 Dec; three months is Wed 10 Feb 2027.
    assert "10 February 2027" in text["body"]
    assert "10 December 2026" in text["body"]
    assert "12A" in text["body"]
    assert "sorry" not in text["body"].lower()


def test_extension_typed_after_the_first_month_makes_a_delay_letter_instead(
    rendered: Config,
) -> None:
    folder = rendered.paths.working_folder / "SAR-2026-002" / "to-sign"
    assert not list(folder.glob("*extension notice*"))
    text = letter(rendered, "SAR-2026-002", "SAR-2026-002 delay letter - Zoë Müller-Lefèvre.docx")
    assert "Records from three agencies & a referral <urgent>" in text["body"]
    assert "2 November 2026" in text["body"]  # the one-month deadline (1 Nov a Sunday)
    assert "sorry" in text["body"].lower()
    assert "has not been extended" in text["body"]
    assert "we are doing so" not in text["body"]  # it claims no extension
    # Written Wed 25 Nov: the firm date is 10 days on, Sat 5 Dec, moved to Mon 7 Dec.
    assert "7 December 2026" in text["body"]
    assert "Information Commission" in text["body"]
    assert "7 Rue Cottages" in text["body"]
    assert "By post" in text["footer"]


def test_invitation_gives_the_meeting_the_copy_and_the_right_to_complain(
    rendered: Config,
) -> None:
    text = letter(rendered, "SAR-2026-003", "SAR-2026-003 invitation - Aoife O'Brien.docx")
    assert "Tuesday 1 December 2026 at 10:30" in text["body"]
    assert "the Information Commission (ICO)" in text["body"]
    assert "Wycliffe House" not in text["body"]  # no postal address until the owner types one
    # The setting's own complaints route comes first, then the regulator, then a court.
    body = text["body"]
    assert (
        body.index("complain to us")
        < body.index("Information Commission")
        < body.index("apply to a court")
    )
    assert "Your copy comes to you with our response letter" in body
    assert "Sent by email to aoife.obrien@example.org" in text["footer"]


def test_no_placeholder_is_left_in_any_letter(rendered: Config) -> None:
    letters = sorted(rendered.paths.working_folder.glob("*/to-sign/*.docx"))
    # 001: acknowledgement and two consent requests; 002: delay letter and reminder;
    # 003: invitation and the response that goes with the copy; 004: extension notice
    assert len(letters) == 8
    for path in letters:
        text = text_of(path)
        for part in text.values():
            assert "{{" not in part and "{%" not in part, path.name


def test_a_letter_asks_for_a_reply_within_days_of_receiving_it_never_by_a_date(
    rendered: Config,
) -> None:
    # Signed or posted a week late, a date would be past; the days from receipt still hold.
    agency = letter(
        rendered, "SAR-2026-001", "SAR-2026-001 consent request TP1 - Smith & Sons Ltd.docx"
    )["body"]
    family = letter(
        rendered, "SAR-2026-001", "SAR-2026-001 consent request TP2 - Siobhán O'Brien.docx"
    )["body"]
    reminder = letter(rendered, "SAR-2026-002", "SAR-2026-002 reminder 1 TP1 - Kiran Shah.docx")
    assert "please reply within 7 days of receiving this letter, using the reply slip" in agency
    assert "Please let us know within 7 days of receiving this letter, using" in family
    assert "please reply within 7 days of receiving this reminder, using" in reminder["body"]
    assert (
        "If we do not hear from you within 7 days of receiving this reminder," in (reminder["body"])
    )
    for text in (agency, family, reminder["body"]):
        assert "December 2026" not in text  # no reply-by date, a week after today
