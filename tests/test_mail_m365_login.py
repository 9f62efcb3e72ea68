"""`letters login` and `letters login --check` on the Graph stand-in: what is proved, and who may.

The stand-in decides as Microsoft does: an app-only token carries the app's permissions, a
delegated one what the user consented to, a shared mailbox also needs the user's Full Access and
Send As there, and a public client (the native-client redirect URI) must send no secret.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from graph_standin import GraphStandin

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.m365 import check, connect
from pipeline.mail.m365_check import TEST_SUBJECT
from pipeline.mail.m365_login import login

from support.m365 import OFFICE, with_mail

MANAGER = "manager@nursery.example"  # signs in for the setting's shared mailbox
NOT_PROVED = (
    f"Sending from {OFFICE}: not proved (run `letters login --check --send-test` to send a test "
    f"message to {OFFICE} itself)."
)
SENT = (
    f"Sending from {OFFICE}: yes (Mail.Send): a test message went to {OFFICE} itself; it arrives "
    "in its Inbox shortly, and can be deleted there."
)


def browser(graph: GraphStandin, shown: list[str]) -> Callable[[str], str]:
    """Play the manager: open the last address shown, sign in, paste where the browser ends."""

    def paste(question: str) -> str:
        return graph.sign_in([line for line in shown if line.startswith("https://")][-1])

    return paste


def signed_in(config: Config, graph: GraphStandin) -> list[str]:
    """Run `letters login` for ``config``; return what it showed."""
    shown: list[str] = []
    login(config, prompt=browser(graph, shown), show=shown.append)
    return shown


def asked(graph: GraphStandin) -> list[set[str]]:
    """The permissions each sign-in in the browser asked for, by short name."""
    return [
        {scope.rsplit("/", 1)[-1] for scope in str(request["query"].get("scope")).split()}
        for request in graph.request_details
        if request["path"].endswith("/oauth2/v2.0/authorize")
    ]


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


def test_a_delegated_sign_in_sends_no_secret_even_when_one_is_set(
    m365: Config, graph: GraphStandin
) -> None:
    config = with_mail(m365, auth="user")  # the fixture left the app's secret in the environment
    signed_in(config, graph)  # the stand-in answers AADSTS700025 to a public client's secret
    assert graph.count("POST", r"/oauth2/v2.0/token$", 401) == 0
    assert asked(graph) == [{"Mail.ReadWrite", "Mail.Send", "offline_access", "openid", "profile"}]
    assert check(config) == [
        f"Signed in to Microsoft 365 as {OFFICE} (user).",
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
        NOT_PROVED,
    ]


def test_a_shared_mailbox_is_reached_with_the_shared_permissions_of_whoever_signed_in(
    m365: Config, graph: GraphStandin
) -> None:
    graph.add_mailbox(MANAGER)
    graph.login_as = MANAGER
    graph.delegate(OFFICE, MANAGER, "FullAccess", "SendAs")
    config = with_mail(m365, auth="user")
    shown = signed_in(config, graph)
    assert (
        f"You signed in as {MANAGER}, and {OFFICE} is another mailbox, shared with you: "
        "Microsoft 365 asks once more, for the permissions on the mailboxes shared with you."
    ) in shown
    assert shown[-1].startswith(f"Signed in as {MANAGER}; the sign-in is kept in ")
    assert [scopes & {"Mail.ReadWrite.Shared", "Mail.Send.Shared"} for scopes in asked(graph)] == [
        set(),
        {"Mail.ReadWrite.Shared", "Mail.Send.Shared"},
    ]
    assert check(config, True) == [
        f"Signed in to Microsoft 365 as {MANAGER} (user) for {OFFICE}, shared with them.",
        f"Reading {OFFICE}: yes (Mail.ReadWrite).",
        f"Saving drafts in {OFFICE}: yes (Mail.ReadWrite).",
        SENT,
    ]
    assert [item["subject"] for item in graph.folder_messages(OFFICE, "inbox")] == [TEST_SUBJECT]
    graph.expire_tokens()  # a week later: renewed, still with the shared permissions
    assert [reply.subject for reply in connect(config).replies()] == [TEST_SUBJECT]


def test_a_shared_mailbox_without_full_access_or_send_as_says_what_the_user_lacks(
    m365: Config, graph: GraphStandin
) -> None:
    graph.add_mailbox(MANAGER)
    graph.login_as = MANAGER
    config = with_mail(m365, auth="user")
    signed_in(config, graph)
    assert check(config)[1] == (
        f"Microsoft 365 refused to read the mailbox in {OFFICE} (403 ErrorAccessDenied): "
        f"{MANAGER}, who signed in, lacks Full Access on {OFFICE}; an Exchange administrator "
        f"gives it in the Exchange admin centre (Recipients › Mailboxes › {OFFICE} › "
        "Delegation). If it is given already, run `letters login` again and accept the "
        "permission Mail.ReadWrite.Shared."
    )
    graph.delegate(OFFICE, MANAGER, "FullAccess")
    refused = check(config, True)[-1]
    assert refused.startswith(
        f"Microsoft 365 refused to send the test message in {OFFICE} (403 ErrorSendAsDenied): "
        f"{MANAGER}, who signed in, lacks Send As on {OFFICE};"
    )
    assert graph.sent(OFFICE) == [] and graph.folder_messages(OFFICE, "drafts") == []


def test_a_delegated_sign_in_lacking_mail_send_says_to_sign_in_again(
    m365: Config, graph: GraphStandin
) -> None:
    graph.deny("Mail.Send")  # not granted: the sign-in's token does not carry it
    config = with_mail(m365, auth="user")
    signed_in(config, graph)
    assert check(config, True)[-1] == (
        f"Microsoft 365 refused to send the test message in {OFFICE} (403 ErrorAccessDenied): "
        f"the sign-in of {OFFICE} does not allow Mail.Send; run `letters login` and accept every "
        "permission asked (or an administrator grants consent to the app's delegated "
        "permission Mail.Send in Microsoft Entra)."
    )


def test_an_app_whose_redirect_is_registered_as_web_is_told_where_to_register_it(
    m365: Config, graph: GraphStandin
) -> None:
    graph.native_client_platform = "web"
    with pytest.raises(LettersError) as raised:
        signed_in(with_mail(m365, auth="user"), graph)
    assert raised.value.message == (
        "Microsoft 365 refused to sign in: Microsoft Entra takes the app for a web app, which "
        "must send a secret; in App registrations › the app › Authentication, put the redirect "
        "URI https://login.microsoftonline.com/common/oauth2/nativeclient under Mobile and "
        "desktop applications, not Web (AADSTS7000218: The request body must contain the "
        "following parameter: 'client_assertion' or 'client_secret')."
    )
