"""The Graph stand-in decides who may do what as Microsoft does: the client's credential (a
secret, a certificate, or none for a public client) and a delegated user's permissions."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from graph_standin import GraphStandin, graph_fixture
from msal import ConfidentialClientApplication

from support.certificates import app_certificate

OFFICE = "office@nursery.example"  # the setting's shared mailbox
MANAGER = "manager@nursery.example"

graph = graph_fixture(OFFICE, MANAGER)


def token(graph: GraphStandin, **form: str) -> Any:
    """POST to the token endpoint as the app, with exactly ``form``."""
    return requests.post(
        graph.token_endpoint,
        data={"client_id": graph.client_id, **form},
        verify=graph.ca_file,
        timeout=10,
    )


def code(graph: GraphStandin, redirect: str, scope: str) -> str:
    """Sign in at the authorize endpoint (as ``graph.login_as``) and return the code."""
    answer = requests.get(
        f"{graph.authority}/oauth2/v2.0/authorize",
        params={"client_id": graph.client_id, "redirect_uri": redirect, "scope": scope},
        verify=graph.ca_file,
        allow_redirects=False,
        timeout=10,
    )
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def refused(answer: requests.Response) -> tuple[int, str, str]:
    """The status, error and AADSTS code of the identity platform's refusal."""
    body = answer.json()
    return answer.status_code, body["error"], body["error_description"].split(":")[0]


def test_a_public_client_must_present_no_secret_and_a_web_app_must(graph: GraphStandin) -> None:
    native = f"{graph.url}common/oauth2/nativeclient"
    scope = "offline_access https://graph.microsoft.com/Mail.Send"
    given = {"grant_type": "authorization_code", "redirect_uri": native, "scope": scope}
    with_secret = token(graph, code=code(graph, native, scope), client_secret="s", **given)
    assert refused(with_secret) == (401, "invalid_client", "AADSTS700025")
    assert token(graph, code=code(graph, native, scope), **given).status_code == 200
    graph.native_client_platform = "web"
    without = token(graph, code=code(graph, native, scope), **given)
    assert refused(without) == (401, "invalid_client", "AADSTS7000218")
    app_only = token(graph, grant_type="client_credentials", scope=graph.scope)
    assert refused(app_only) == (401, "invalid_client", "AADSTS7000218")


@pytest.mark.parametrize(
    ("registered", "valid_days", "answer"),
    [
        (True, 30, "token"),
        (False, 30, "The key was not found."),
        (True, -1, "The key used is expired."),
    ],
)
def test_a_certificate_assertion_is_checked_against_the_apps_certificates(
    graph: GraphStandin, tmp_path: Path, registered: bool, valid_days: int, answer: str
) -> None:
    path, uploaded = app_certificate(tmp_path, valid_days=valid_days)
    thumbprint = graph.register_certificate(uploaded) if registered else ""
    pem = path.read_text()
    msal = ConfidentialClientApplication(  # msal 1.35+: signs with the SHA-256 thumbprint
        graph.client_id,
        client_credential={"private_key": pem, "public_certificate": pem},
        authority=graph.authority,
        instance_discovery=False,
        verify=str(graph.ca_file),
    )
    result = msal.acquire_token_for_client(scopes=[graph.scope])
    if answer == "token":
        assert "access_token" in result and len(thumbprint) == 40
        return
    description = result["error_description"]
    assert description.startswith("AADSTS700027: Client assertion contains an invalid signature.")
    assert f"[Reason - {answer}, Thumbprint of key used by client: '" in description


def test_a_delegated_user_reaches_a_shared_mailbox_with_shared_permissions_and_its_rights(
    graph: GraphStandin,
) -> None:
    graph.login_as = MANAGER
    redirect = "http://localhost/callback"
    scope = " ".join(
        f"https://graph.microsoft.com/{name}.Shared" for name in ("Mail.ReadWrite", "Mail.Send")
    )
    tokens = token(
        graph,
        grant_type="authorization_code",
        code=code(graph, redirect, scope),
        redirect_uri=redirect,
        client_secret=graph.client_secret,
    ).json()
    http = requests.Session()
    http.verify = str(graph.ca_file)
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    inbox = f"{graph.url}v1.0/users/{OFFICE}/mailFolders/inbox/messages"
    send = f"{graph.url}v1.0/users/{OFFICE}/sendMail"
    message = {
        "message": {
            "subject": "SAR-2026-001",
            "toRecipients": [{"emailAddress": {"address": MANAGER}}],
        }
    }
    assert http.get(inbox).status_code == 403  # no Full Access yet
    graph.delegate(OFFICE, MANAGER, "FullAccess")
    assert http.get(inbox).status_code == 200
    denied = http.post(send, json=message)
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "ErrorSendAsDenied")
    graph.delegate(OFFICE, MANAGER, "SendAs")
    assert http.post(send, json=message).status_code == 202
    own = f"{graph.url}v1.0/me/mailFolders/inbox/messages"
    assert http.get(own).status_code == 200  # .Shared reaches the user's own mailbox too
    wider = token(
        graph,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        scope="https://graph.microsoft.com/Mail.Send",
        client_secret=graph.client_secret,
    )
    assert refused(wider) == (400, "invalid_grant", "AADSTS65001")  # never consented to
