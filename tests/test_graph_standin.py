"""The Microsoft Graph stand-in itself: plain HTTPS requests, and the real O365 library."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from graph_standin import GraphStandin, graph_fixture
from msal import ConfidentialClientApplication
from O365 import Account
from O365.connection import Connection, MSGraphProtocol
from O365.utils import FileSystemTokenBackend

OFFICE = "office@nursery.example"
PARENT = "parent@family.example"

graph = graph_fixture(OFFICE, PARENT)


# --------------------------------------------------------------------------------------------
# helpers


@pytest.fixture
def http(graph: GraphStandin) -> Iterator[requests.Session]:
    """A requests session trusting the stand-in's CA, with an app-only token."""
    with requests.Session() as session:
        session.verify = str(graph.ca_file)
        token = session.post(
            graph.token_endpoint,
            data={
                "grant_type": "client_credentials",
                "client_id": graph.client_id,
                "client_secret": graph.client_secret,
                "scope": graph.scope,
            },
        ).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        yield session


def api(graph: GraphStandin, path: str, mailbox: str = OFFICE) -> str:
    return f"{graph.url}v1.0/users/{mailbox}/{path}"


def token_request(graph: GraphStandin, tenant: str | None = None, **form: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": graph.client_id,
        "client_secret": graph.client_secret,
        "scope": graph.scope,
        **form,
    }
    url = f"{graph.url}{tenant or graph.tenant_id}/oauth2/v2.0/token"
    return requests.post(url, data=data, verify=graph.ca_file, timeout=10)


def draft(http: requests.Session, graph: GraphStandin, subject: str = "SAR-2026-001") -> Any:
    response = http.post(
        api(graph, "mailFolders/drafts/messages"),
        json={
            "subject": subject,
            "body": {"contentType": "HTML", "content": "<p>Please find attached.</p>"},
            "toRecipients": [{"emailAddress": {"address": PARENT, "name": "A Parent"}}],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def reply_mime(subject: str, in_reply_to: str | None = None, *, attach: bytes = b"") -> bytes:
    mime = EmailMessage()
    mime["From"] = "A Parent <parent@family.example>"
    mime["To"] = OFFICE
    mime["Subject"] = subject
    mime["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    mime["Message-ID"] = f"<{abs(hash(subject))}@family.example>"
    if in_reply_to:
        mime["In-Reply-To"] = in_reply_to
    mime.set_content("I consent.")
    if attach:
        mime.add_attachment(attach, maintype="application", subtype="pdf", filename="form.pdf")
    return mime.as_bytes()


# --------------------------------------------------------------------------------------------
# identity platform


def test_openid_configuration_points_back_at_the_server(graph: GraphStandin) -> None:
    url = f"{graph.authority}/v2.0/.well-known/openid-configuration"
    config = requests.get(url, verify=graph.ca_file, timeout=10).json()
    assert config["token_endpoint"] == f"{graph.authority}/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{graph.authority}/oauth2/v2.0/authorize"
    assert config["issuer"] == f"{graph.authority}/v2.0"
    unknown = requests.get(
        f"{graph.url}00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration",
        timeout=10,
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_tenant"
    assert "AADSTS90002" in unknown.json()["error_description"]


def test_client_credentials_token(graph: GraphStandin) -> None:
    response = token_request(graph)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["roles"] == ["Mail.Send", "Mail.ReadWrite"]
    graph.deny("Mail.Send")  # the app lacks it everywhere: later tokens say so
    token = token_request(graph).json()["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["roles"] == ["Mail.ReadWrite"]


@pytest.mark.parametrize(
    ("change", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", "AADSTS7000215"),
        ({"tenant": "00000000-0000-0000-0000-000000000000"}, 400, "invalid_request", "AADSTS90002"),
        (
            {"client_id": "11111111-1111-1111-1111-111111111111"},
            400,
            "unauthorized_client",
            "AADSTS700016",
        ),
        ({"scope": "Mail.Send"}, 400, "invalid_scope", "AADSTS1002012"),
    ],
)
def test_token_errors(
    graph: GraphStandin, change: dict[str, str], status: int, error: str, code: str
) -> None:
    tenant = change.pop("tenant", None)
    response = token_request(graph, tenant, **change)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert code in response.json()["error_description"]


def test_delegated_code_and_refresh_token(graph: GraphStandin) -> None:
    redirect = "http://localhost/callback"
    authorize = requests.get(
        f"{graph.authority}/oauth2/v2.0/authorize",
        params={"client_id": graph.client_id, "redirect_uri": redirect, "state": "s1"},
        verify=graph.ca_file,
        allow_redirects=False,
        timeout=10,
    )
    assert authorize.status_code == 302
    query = parse_qs(urlsplit(authorize.headers["Location"]).query)
    assert query["state"] == ["s1"]
    tokens = token_request(
        graph,
        grant_type="authorization_code",
        code=query["code"][0],
        redirect_uri=redirect,
        scope="offline_access https://graph.microsoft.com/Mail.Send",
    ).json()
    assert {"access_token", "refresh_token", "id_token", "client_info"} <= tokens.keys()
    me = requests.get(
        f"{graph.url}v1.0/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        verify=graph.ca_file,
        timeout=10,
    )
    assert me.json()["mail"] == OFFICE
    refreshed = token_request(
        graph, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != tokens["access_token"]
    graph.revoke_refresh_tokens()
    revoked = token_request(
        graph, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert revoked.status_code == 400
    assert revoked.json()["error"] == "invalid_grant"
    assert "AADSTS70008" in revoked.json()["error_description"]


def test_expired_token_is_refused_with_graphs_error(
    graph: GraphStandin, http: requests.Session
) -> None:
    assert http.get(api(graph, "mailFolders/inbox")).status_code == 200
    graph.expire_tokens()
    response = http.get(api(graph, "mailFolders/inbox"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert response.json()["error"]["message"] == ("Access token has expired or is not yet valid.")
    assert "Bearer" in response.headers["WWW-Authenticate"]


# --------------------------------------------------------------------------------------------
# mail


def test_draft_attach_send_lands_in_sent_items(graph: GraphStandin, http: requests.Session) -> None:
    message = draft(http, graph)
    assert message["isDraft"] is True
    assert message["internetMessageId"].endswith("@stand-in>")
    pdf = b"%PDF-1.7 letter"
    attached = http.post(
        api(graph, f"messages/{message['id']}/attachments"),
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "letter.pdf",
            "contentType": "application/pdf",
            "contentBytes": base64.b64encode(pdf).decode(),
        },
    )
    assert attached.status_code == 201
    assert attached.json()["size"] == len(pdf)
    assert http.post(api(graph, f"messages/{message['id']}/send")).status_code == 202
    sent = graph.sent(OFFICE)
    assert len(sent) == 1
    assert sent[0]["internetMessageId"] == message["internetMessageId"]
    assert sent[0]["conversationId"] == message["conversationId"]
    assert sent[0]["isDraft"] is False
    assert sent[0]["sentDateTime"].endswith("Z")
    assert sent[0]["attachments"][0]["name"] == "letter.pdf"
    assert graph.folder_messages(OFFICE, "drafts") == []
    assert http.get(api(graph, f"messages/{message['id']}")).status_code == 404
    # the recipient is a stand-in mailbox too: it arrives there
    assert graph.folder_messages(PARENT, "inbox")[0]["subject"] == "SAR-2026-001"
    assert graph.count("POST", r"/send$", 202) == 1
    found = http.get(
        api(graph, "mailFolders/sentitems/messages"),
        params={"$filter": f"internetMessageId eq '{message['internetMessageId']}'"},
    ).json()["value"]
    assert [m["id"] for m in found] == [sent[0]["id"]]


def test_simple_attachment_over_3_mb_is_refused(
    graph: GraphStandin, http: requests.Session
) -> None:
    message = draft(http, graph)
    response = http.post(
        api(graph, f"messages/{message['id']}/attachments"),
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "big.pdf",
            "contentBytes": base64.b64encode(b"x" * (3 * 1024 * 1024 + 1)).decode(),
        },
    )
    assert response.status_code == 413
    assert "error" in response.json()


def test_4_mb_attachment_through_an_upload_session(
    graph: GraphStandin, http: requests.Session
) -> None:
    message = draft(http, graph)
    content = bytes(range(256)) * (4 * 1024 * 4)  # 4 MB
    session = http.post(
        api(graph, f"messages/{message['id']}/attachments/createUploadSession"),
        json={
            "AttachmentItem": {"attachmentType": "file", "name": "big.pdf", "size": len(content)}
        },
    )
    assert session.status_code == 201
    upload = session.json()
    assert upload["nextExpectedRanges"] == ["0-"]
    assert upload["uploadUrl"].startswith(graph.url)
    chunk = 3 * 1024 * 1024
    statuses = []
    with requests.Session() as naive:  # no Authorization header, as Graph wants
        for start in range(0, len(content), chunk):
            piece = content[start : start + chunk]
            put = naive.put(
                upload["uploadUrl"],
                data=piece,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(content)}",
                },
                verify=graph.ca_file,
            )
            statuses.append(put.status_code)
            if put.status_code == 200:
                assert put.json()["nextExpectedRanges"] == [f"{chunk}-{len(content) - 1}"]
    assert statuses == [200, 201]
    assert "attachments('" in put.headers["Location"]
    listed = http.get(api(graph, f"messages/{message['id']}/attachments")).json()["value"]
    assert listed[0]["size"] == len(content)
    raw = http.get(api(graph, f"messages/{message['id']}/attachments/{listed[0]['id']}/$value"))
    assert raw.content == content
    assert graph.count("PUT", r"^/upload/") == 2


def test_inbox_paging_over_three_pages(graph: GraphStandin, http: requests.Session) -> None:
    for number in range(5):
        graph.deliver(OFFICE, reply_mime(f"Reply {number}"))
    graph.page_size = 2
    url: str | None = api(graph, "mailFolders/inbox/messages")
    pages = []
    while url:
        page = http.get(url).json()
        pages.append([m["subject"] for m in page["value"]])
        url = page.get("@odata.nextLink")
    assert len(pages) == 3
    assert sorted(s for page in pages for s in page) == [f"Reply {n}" for n in range(5)]
    assert pages[0] == ["Reply 4", "Reply 3"]  # newest first by default


def test_filters(graph: GraphStandin, http: requests.Session) -> None:
    old = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    new = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    graph.deliver(OFFICE, reply_mime("Old one"), received=old)
    new_id = graph.deliver(OFFICE, reply_mime("New one"), received=new)
    read_id = graph.deliver(OFFICE, reply_mime("New read one"), received=new, is_read=True)

    def subjects(**params: str) -> list[str]:
        response = http.get(api(graph, "mailFolders/inbox/messages"), params=params)
        assert response.status_code == 200, response.text
        return sorted(m["subject"] for m in response.json()["value"])

    assert subjects(**{"$filter": "receivedDateTime ge 2026-11-10T00:00:00Z"}) == [
        "New one",
        "New read one",
    ]
    assert subjects(
        **{
            "$filter": "receivedDateTime ge 2026-11-10T00:00:00+00:00 and isRead eq false",
            "$orderby": "receivedDateTime desc",
        }
    ) == ["New one"]
    message_id = graph.mailbox(OFFICE).messages[new_id].internet_message_id
    assert subjects(**{"$filter": f"internetMessageId eq '{message_id}'"}) == ["New one"]
    assert read_id
    # Graph's rule: properties in $orderby come first in $filter
    wrong = http.get(
        api(graph, "mailFolders/inbox/messages"),
        params={"$filter": "isRead eq false", "$orderby": "receivedDateTime desc"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "InefficientFilter"
    selected = http.get(
        api(graph, f"messages/{new_id}"), params={"$select": "subject,internetMessageHeaders"}
    ).json()
    assert {"subject", "internetMessageHeaders", "id"} <= selected.keys()
    assert "body" not in selected


def test_value_is_mime_with_attachments(graph: GraphStandin, http: requests.Session) -> None:
    message = draft(http, graph)
    http.post(
        api(graph, f"messages/{message['id']}/attachments"),
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "letter.pdf",
            "contentType": "application/pdf",
            "contentBytes": base64.b64encode(b"%PDF letter").decode(),
        },
    )
    raw = http.get(api(graph, f"messages/{message['id']}/$value")).content
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "SAR-2026-001"
    assert parsed["Message-ID"] == message["internetMessageId"]
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_content() == b"%PDF letter"
    # a delivered message gives back its own MIME, byte for byte
    mime = reply_mime("Re: SAR-2026-001", message["internetMessageId"], attach=b"%PDF form")
    delivered = graph.deliver(OFFICE, mime)
    assert http.get(api(graph, f"messages/{delivered}/$value")).content == mime
    got = http.get(api(graph, f"messages/{delivered}")).json()
    assert got["conversationId"] == message["conversationId"]
    assert got["hasAttachments"] is True
    assert got["from"]["emailAddress"] == {"name": "A Parent", "address": PARENT}


def test_move_and_child_folders(graph: GraphStandin, http: requests.Session) -> None:
    top = http.post(api(graph, "mailFolders"), json={"displayName": "Access requests"})
    assert top.status_code == 201
    child = http.post(
        api(graph, f"mailFolders/{top.json()['id']}/childFolders"), json={"displayName": "Filed"}
    )
    assert child.status_code == 201
    again = http.post(
        api(graph, f"mailFolders/{top.json()['id']}/childFolders"), json={"displayName": "Filed"}
    )
    assert again.status_code == 409
    found = http.get(
        api(graph, f"mailFolders/{top.json()['id']}/childFolders"),
        params={"$filter": "displayName eq 'Filed'"},
    ).json()["value"]
    assert [f["id"] for f in found] == [child.json()["id"]]
    names = [f["displayName"] for f in http.get(api(graph, "mailFolders")).json()["value"]]
    assert "Inbox" in names
    assert "Access requests" in names
    message_id = graph.deliver(OFFICE, reply_mime("Re: SAR-2026-001"))
    moved = http.post(
        api(graph, f"messages/{message_id}/move"), json={"destinationId": child.json()["id"]}
    )
    assert moved.status_code == 201
    assert moved.json()["id"] != message_id
    assert moved.json()["parentFolderId"] == child.json()["id"]
    assert http.get(api(graph, f"messages/{message_id}")).status_code == 404
    assert [m["subject"] for m in graph.folder_messages(OFFICE, "Access requests/Filed")] == [
        "Re: SAR-2026-001"
    ]
    patched = http.patch(api(graph, f"messages/{moved.json()['id']}"), json={"isRead": True})
    assert patched.json()["isRead"] is True


def test_injected_429_then_success(graph: GraphStandin, http: requests.Session) -> None:
    graph.fail("GET", r"/mailFolders/inbox/messages$", 429, retry_after=2)
    first = http.get(api(graph, "mailFolders/inbox/messages"))
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "2"
    assert first.json()["error"]["code"] == "TooManyRequests"
    assert http.get(api(graph, "mailFolders/inbox/messages")).status_code == 200
    assert [s for m, p, s in graph.requests if p.endswith("/inbox/messages")] == [429, 200]


def test_403_shapes(graph: GraphStandin, http: requests.Session) -> None:
    graph.deny("Mail.Send", OFFICE)
    message = draft(http, graph)
    response = http.post(api(graph, f"messages/{message['id']}/send"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ErrorAccessDenied"
    assert response.json()["error"]["message"] == (
        "Access is denied. Check credentials and try again."
    )
    graph.fail("*", r"/messages$", 503, retry_after=1)
    assert http.get(api(graph, "messages")).status_code == 503


def test_unknown_mailbox(graph: GraphStandin, http: requests.Session) -> None:
    user = http.get(f"{graph.url}v1.0/users/nobody@nursery.example")
    assert user.status_code == 404
    assert user.json()["error"]["code"] == "Request_ResourceNotFound"
    mail = http.get(api(graph, "mailFolders/inbox/messages", "nobody@nursery.example"))
    assert mail.status_code == 404
    assert mail.json()["error"]["code"] == "ErrorInvalidUser"
    assert http.get(f"{graph.url}v1.0/users/{OFFICE}").json()["mail"] == OFFICE


# --------------------------------------------------------------------------------------------
# the real O365 library, end to end


class StandinConnection(Connection):
    """O365's Connection with the msal authority (and its TLS trust) chosen by the caller.

    O365 2.1 hard-codes https://login.microsoftonline.com/<tenant> and gives msal no
    ``instance_discovery`` switch; msal would otherwise ask login.microsoftonline.com to
    validate any other authority host.
    """

    def __init__(self, credentials: Any, *, authority: str | None = None, **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        if authority:
            self._msal_authority = authority

    @property
    def msal_client(self) -> Any:
        if self._msal_client is None and self.auth_flow_type in ("authorization", "credentials"):
            self._msal_client = ConfidentialClientApplication(
                client_id=self.auth[0],
                client_credential=self.auth[1],
                authority=self._msal_authority,
                token_cache=self.token_backend,
                proxies=self.proxy,
                verify=self.verify_ssl,
                timeout=self.timeout,
                instance_discovery=False,
            )
        return super().msal_client


class StandinAccount(Account):
    connection_constructor = StandinConnection


def o365_account(graph: GraphStandin, token_dir: Path) -> Account:
    protocol = MSGraphProtocol(default_resource=OFFICE)
    protocol.protocol_url = graph.url
    protocol.service_url = f"{graph.url}v1.0/"
    return StandinAccount(
        (graph.client_id, graph.client_secret),
        auth_flow_type="credentials",
        tenant_id=graph.tenant_id,
        protocol=protocol,
        main_resource=OFFICE,
        authority=graph.authority,
        token_backend=FileSystemTokenBackend(token_path=token_dir, token_filename="o365.json"),
        requests_delay=0,
        timeout=10,
    )


def test_real_o365_end_to_end(graph: GraphStandin, tmp_path: Path) -> None:
    account = o365_account(graph, tmp_path)
    assert account.authenticate()
    mailbox = account.mailbox()
    message = mailbox.new_message()
    message.to.add(PARENT)
    message.subject = "SAR-2026-001 letter"
    message.body = "<p>Please find the letter attached.</p>"
    assert message.save_draft()
    small = tmp_path / "letter.pdf"
    small.write_bytes(b"%PDF-1.7 small")
    big = tmp_path / "bundle.pdf"
    big.write_bytes(b"%PDF" + b"\0" * (4 * 1024 * 1024))
    message.attachments.add([small, big])
    assert message.save_draft()
    fetched = mailbox.get_message(message.object_id)
    assert fetched.internet_message_id.endswith("@stand-in>")
    message.send()
    assert graph.count("POST", r"/createUploadSession$", 201) == 1
    assert graph.count("PUT", r"^/upload/") == 2
    [sent] = graph.sent(OFFICE)
    assert sent["internetMessageId"] == fetched.internet_message_id
    assert sorted(a["size"] for a in sent["attachments"]) == [14, 4 * 1024 * 1024 + 4]

    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    graph.deliver(OFFICE, reply_mime("Old"), received=since - dt.timedelta(days=1))
    for number in range(5):
        graph.deliver(OFFICE, reply_mime(f"Re: SAR-2026-00{number}", fetched.internet_message_id))
    graph.page_size = 2
    inbox = mailbox.inbox_folder()
    q = mailbox.new_query()
    query = (
        q.greater_equal("receivedDateTime", since)
        & q.equals("isRead", False)
        & q.orderby(("receivedDateTime", True))
    )
    replies = list(inbox.get_messages(limit=None, query=query, batch=2))
    assert [m.subject for m in replies] == [f"Re: SAR-2026-00{n}" for n in range(5)]
    assert graph.count("GET", r"/mailFolders/Inbox/messages$") == 3  # three pages
    assert {m.conversation_id for m in replies} == {fetched.conversation_id}
    filed = mailbox.get_folder(folder_name="Inbox").create_child_folder("Filed")
    replies[0].mark_as_read()
    assert replies[0].move(filed)
    [moved] = graph.folder_messages(OFFICE, "Inbox/Filed")
    assert (moved["subject"], moved["isRead"]) == ("Re: SAR-2026-000", True)
    eml = replies[1].get_mime_content()
    assert email.message_from_bytes(eml)["Subject"] == "Re: SAR-2026-001"


def test_real_o365_retries_a_429_get_after_retry_after(graph: GraphStandin, tmp_path: Path) -> None:
    account = o365_account(graph, tmp_path)
    assert account.authenticate()
    graph.fail("GET", r"/mailFolders/Inbox/messages$", 429, retry_after=1)
    started = time.monotonic()
    messages = list(account.mailbox().inbox_folder().get_messages(limit=5))
    assert messages == []
    assert time.monotonic() - started >= 1
    assert [s for m, p, s in graph.requests if p.endswith("/Inbox/messages")] == [429, 200]


def test_real_o365_app_only_after_the_token_expired(graph: GraphStandin, tmp_path: Path) -> None:
    """O365 2.1's own app-only refresh is unreliable once the token has expired (its backend
    then finds no scopes and msal asserts); authenticating afresh works."""
    graph.token_lifetime = 1  # the client sees it expire too (unlike graph.expire_tokens())
    account = o365_account(graph, tmp_path)
    assert account.authenticate()
    time.sleep(1.1)
    assert account.authenticate()  # a fresh client-credentials token
    assert list(account.mailbox().inbox_folder().get_messages(limit=1)) == []
    statuses = [(m, s) for m, p, s in graph.requests if not p.endswith("openid-configuration")]
    assert statuses == [("POST", 200), ("POST", 200), ("GET", 200)]


def test_real_o365_delegated_sign_in_refresh_and_revoked_refresh(
    graph: GraphStandin, tmp_path: Path
) -> None:
    protocol = MSGraphProtocol()  # default resource "me"
    protocol.protocol_url = graph.url
    protocol.service_url = f"{graph.url}v1.0/"
    account = StandinAccount(
        (graph.client_id, graph.client_secret),
        auth_flow_type="authorization",
        tenant_id=graph.tenant_id,
        protocol=protocol,
        authority=graph.authority,
        token_backend=FileSystemTokenBackend(token_path=tmp_path, token_filename="o365.json"),
        requests_delay=0,
        timeout=10,
    )
    # msal 1.39 warns on every auth-code flow that does not use response_mode="form_post"
    # (O365 does not pass it); nothing to do with the stand-in.
    with pytest.warns(UserWarning, match="response_mode='form_post' is recommended"):
        url, flow = account.get_authorization_url(
            requested_scopes=["message_all"], redirect_uri="http://localhost/callback"
        )
    assert url.startswith(graph.authority)
    graph.token_lifetime = 1  # so that the client sees its access tokens expire
    assert account.con.request_token(graph.sign_in(url), flow=flow)
    assert account.username == OFFICE
    assert (tmp_path / "o365.json").exists()
    time.sleep(1.1)
    assert list(account.mailbox().inbox_folder().get_messages(limit=1)) == []  # renewed
    graph.revoke_refresh_tokens()
    time.sleep(1.1)
    with pytest.raises(RuntimeError, match="invalid_grant"):
        list(account.mailbox().inbox_folder().get_messages(limit=1))
    assert graph.requests[-1][2] == 400


def test_send_mail_and_a_429_on_send(graph: GraphStandin, http: requests.Session) -> None:
    graph.fail("POST", r"/sendMail$", 429, retry_after=1)
    message = {
        "message": {
            "subject": "SAR-2026-002",
            "body": {"contentType": "Text", "content": "Hello"},
            "toRecipients": [{"emailAddress": {"address": "someone@elsewhere.example"}}],
            "attachments": [
                {
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": "letter.pdf",
                    "contentBytes": base64.b64encode(b"%PDF").decode(),
                }
            ],
        }
    }
    first = http.post(api(graph, "sendMail"), json=message)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
    assert graph.sent(OFFICE) == []  # refused, so not sent
    assert http.post(api(graph, "sendMail"), json=message).status_code == 202
    [sent] = graph.sent(OFFICE)
    assert sent["attachments"][0]["contentType"] == "application/pdf"
    assert graph.count("POST", r"/sendMail$", 202) == 1
    missing = http.post(api(graph, "sendMail"), json={"message": {"subject": "x"}})
    assert missing.json()["error"]["code"] == "ErrorInvalidRecipients"
