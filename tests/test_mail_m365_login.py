"""`letters login --check` on the Graph stand-in: what is proved, and what is not."""

from __future__ import annotations

from graph_standin import GraphStandin

from pipeline.config import Config
from pipeline.mail.m365 import check
from pipeline.mail.m365_check import TEST_SUBJECT

from support.m365 import OFFICE

NOT_PROVED = (
    f"Sending from {OFFICE}: not proved (run `letters login --check --send-test` to send a test "
    f"message to {OFFICE} itself)."
)
SENT = (
    f"Sending from {OFFICE}: yes (Mail.Send): a test message went to {OFFICE} itself; it arrives "
    "in its Inbox shortly, and can be deleted there."
)


def test_send_test_sends_a_message_that_arrives_in_the_mailboxs_own_inbox(
    m365: Config, graph: GraphStandin
) -> None:
    assert check(m365, True)[1:] == [
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
        SENT,
    ]
    [arrived] = graph.folder_messages(OFFICE, "inbox")
    assert arrived["subject"] == TEST_SUBJECT
    assert arrived["from"]["emailAddress"]["address"] == OFFICE
    assert graph.folder_messages(OFFICE, "drafts") == []


def test_a_403_on_the_send_test_names_the_rbac_role_and_sends_nothing(
    m365: Config, graph: GraphStandin
) -> None:
    graph.deny("Mail.Send", OFFICE)
    *proved, refused = check(m365, True)
    assert proved[1:] == [
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
    ]
    assert refused == (
        f"Microsoft 365 refused to send the test message in {OFFICE} (403 ErrorAccessDenied): "
        'the app has no Exchange role "Application Mail.Send" for this mailbox; an Exchange '
        "administrator assigns it to the app with New-ManagementRoleAssignment -App "
        f'{graph.client_id} -Role "Application Mail.Send" -CustomResourceScope <a scope holding '
        f"{OFFICE}> (README, Microsoft 365, step 3). A new assignment can take up to two hours "
        "to apply: if it was just made, run again later."
    )
    assert graph.sent(OFFICE) == [] and graph.folder_messages(OFFICE, "drafts") == []


def test_a_400_on_the_recipientless_draft_is_not_taken_for_mail_send(
    m365: Config, graph: GraphStandin
) -> None:
    graph.deny("Mail.Send", OFFICE)  # missing, but Graph looks at the recipients first:
    graph.fail(
        "POST",
        r"/send$",
        400,
        body={
            "error": {
                "code": "ErrorInvalidRecipients",
                "message": "At least one recipient is required, but none were found.",
            }
        },
    )
    assert check(m365)[-1] == NOT_PROVED
    assert graph.folder_messages(OFFICE, "drafts") == []
