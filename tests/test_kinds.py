"""The table of letter kinds and the letter id: one owner for each fact about a letter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.letters.kinds import KINDS, THIRD_PARTY, LetterId, letter_id, reference, sheet_kind

from support.files import TEMPLATES


def test_every_kind_has_its_template_in_letter_templates() -> None:
    for kind in KINDS.values():
        assert (TEMPLATES / kind.template).is_file(), kind.key


def test_letter_ids_read_as_the_journal_has_always_kept_them() -> None:
    assert letter_id("SAR-2026-001", "acknowledgement") == "SAR-2026-001/acknowledgement"
    assert letter_id("SAR-2026-001", "consent-agency", "TP2") == "SAR-2026-001/TP2/consent"
    assert letter_id("SAR-2026-001", "consent-family", "TP2") == "SAR-2026-001/TP2/consent"
    assert letter_id("SAR-2026-001", "reminder", "TP2", 2) == "SAR-2026-001/TP2/reminder-2"


@given(
    ref=st.from_regex(r"[A-Z]{1,4}(-[0-9]{1,4}){0,3}", fullmatch=True),
    party=st.sampled_from(["", "TP1", "TP12"]),
    kind=st.sampled_from(sorted(KINDS)),
    number=st.integers(min_value=1, max_value=99),
)
def test_a_letter_id_is_read_back_as_it_was_written(
    ref: str, party: str, kind: str, number: int
) -> None:
    made = LetterId.of(ref, kind, party if KINDS[kind].to == THIRD_PARTY else "",
                       number if KINDS[kind].numbered else 0)  # fmt: skip
    assert LetterId.parse(str(made)) == made


@pytest.mark.parametrize("text", ["", "acknowledgement", "A/B/C/reminder-1"])
def test_text_that_is_no_letter_id_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a letter id"):
        LetterId.parse(text)


def test_the_letters_sheet_numbers_reminders() -> None:
    assert sheet_kind("reminder", "SAR-2026-001/TP2/reminder-2") == "Reminder 2"
    assert sheet_kind("consent-agency", "SAR-2026-001/TP2/consent") == "Consent request (agency)"


def test_the_reference_names_the_party_when_there_is_one() -> None:
    assert reference("SAR-2026-001") == "SAR-2026-001"
    assert reference("SAR-2026-001", "TP2") == "SAR-2026-001/TP2"
