"""A request and a third party as plain data, as the register stage hands them on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pipeline.model import Request, ThirdParty

from support.register import REF

_REQUEST = Request(
    row=2, ref=REF, received=date(2026, 11, 2), requester="Aoife O'Brien",
    relationship="Mother", requester_email="aoife.obrien@example.org", requester_address="",
    child="Ciarán O'Brien", child_dob=None, request_letter="", clarification_asked=None,
    clarification_received=None, extended=False, extension_reason="", clean_copy_ready=None,
    meeting=None, closed=None, acknowledged=None,
)  # fmt: skip
_PARTY = ThirdParty(
    row=2, ref=REF, party="TP1", name="Joan Smith",
    organisation="Smith & Sons <Ltd>", kind="Agency", role="Childminder",
    email="joan@example.org", address="", decision="", decision_notes="", letter_sent=None,
    reminder_sent=None, reply_received=None, reply="",
)  # fmt: skip


def request_data(**fields: Any) -> Request:
    """Return a request as the register stage hands it on, with ``fields`` changed."""
    return replace(_REQUEST, **fields)


def party_data(**fields: Any) -> ThirdParty:
    """Return a third party as the register stage hands it on, with ``fields`` changed."""
    return replace(_PARTY, **fields)
