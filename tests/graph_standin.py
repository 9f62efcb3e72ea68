"""A stand-in for Microsoft Graph mail and the Microsoft identity platform, for tests.

A small, stateful HTTPS server on 127.0.0.1 (a CA and a certificate for 127.0.0.1 made at
start-up) serving the subset of Microsoft Graph v1.0 mail, and of the identity platform
(OpenID configuration, token and authorize endpoints), that a mail back-end built on the O365
library uses, answering with the JSON shapes of Microsoft's documentation.

Fixture (``graph``, see ``graph_fixture``): ``graph.url`` (``https://127.0.0.1:<port>/``, the
``graph_url``), ``graph.authority`` (``<url><tenant_id>``, the msal authority),
``graph.tenant_id``, ``graph.client_id``, ``graph.client_secret``, ``graph.ca_file``;
``add_mailbox``, ``deliver`` (MIME into a folder), ``folder_messages``, ``sent``,
``message_mime``; ``fail`` (inject 429/503/401/403/… with Retry-After), ``deny``/``allow`` (a
missing permission: 403), ``expire_tokens``, ``token_lifetime``, ``revoke_refresh_tokens``,
``sign_in`` (plays the browser in the delegated flow), ``page_size``; ``requests`` (a log of
(method, path, status)) and ``count``.

The fixture points REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE at the stand-in's CA for the test
(``trust_standin``): requests lets those override a Session's own ``verify``, and O365 and
msal only ever set ``session.verify``. So clients need no TLS setting of their own.

Pointing O365 + msal at it, nothing patched: an ``MSGraphProtocol`` whose ``protocol_url`` is
``graph.url`` and ``service_url`` is ``graph.url + "v1.0/"``, and a ``Connection`` subclass
(``Account.connection_constructor``) whose msal client uses ``authority=graph.authority`` and
``instance_discovery=False`` (otherwise msal asks login.microsoftonline.com to validate the
127.0.0.1 authority). See ``StandinConnection`` in ``tests/test_graph_standin.py``.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email
import email.policy
import email.utils
import http.server
import ipaddress
import json
import os
import re
import secrets
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

JSON = dict[str, Any]

MB = 1024 * 1024
SIMPLE_ATTACHMENT_LIMIT = 3 * MB  # larger attachments need an upload session
REQUEST_LIMIT = 4 * MB  # Graph refuses request bodies over 4 MB (upload chunks included)
DEFAULT_TOP = 10  # Graph's default page size for messages
MAX_BODY = 200 * MB  # never read more than this from a socket

WELL_KNOWN = {
    "msgfolderroot": "",
    "inbox": "Inbox",
    "drafts": "Drafts",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "outbox": "Outbox",
    "archive": "Archive",
}

PERMISSIONS = ("Mail.Send", "Mail.ReadWrite")

ERROR_TEXTS = {
    400: ("BadRequest", "The request is malformed or incorrect."),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    404: ("ErrorItemNotFound", "The specified object was not found in the store."),
    409: ("ErrorFolderExists", "A folder with the specified name already exists."),
    413: ("RequestEntityTooLarge", "The maximum request length supported is 4MB."),
    429: ("TooManyRequests", "Application is over its MailboxConcurrency limit."),
    500: ("generalException", "An unspecified error has occurred."),
    503: ("ServiceNotAvailable", "The service is temporarily unavailable. Try again later."),
    504: ("UnknownError", "The gateway timed out."),
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    """Graph's date-time form: UTC, whole seconds, ``Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _graph_id(prefix: str = "AAMkAGI2") -> str:
    return prefix + secrets.token_urlsafe(48).replace("-", "A").replace("_", "B")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_json(value: JSON) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


# --------------------------------------------------------------------------------------------
# TLS


def make_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """Make a CA and a server certificate for 127.0.0.1; returns (ca, cert, key) paths."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Graph stand-in test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "graph-standin-ca.pem"
    cert_file = directory / "graph-standin-cert.pem"
    key_file = directory / "graph-standin-key.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


# --------------------------------------------------------------------------------------------
# State


@dataclass
class Attachment:
    id: str
    name: str
    content_type: str
    content: bytes
    is_inline: bool = False
    content_id: str | None = None
    modified: dt.datetime = field(default_factory=_now)

    def to_json(self, *, with_content: bool = True) -> JSON:
        data: JSON = {
            "@odata.type": "#microsoft.graph.fileAttachment",
            "@odata.mediaContentType": self.content_type,
            "id": self.id,
            "lastModifiedDateTime": iso(self.modified),
            "name": self.name,
            "contentType": self.content_type,
            "size": len(self.content),
            "isInline": self.is_inline,
            "contentId": self.content_id,
            "contentLocation": None,
        }
        if with_content:
            data["contentBytes"] = base64.b64encode(self.content).decode("ascii")
        return data


@dataclass
class Message:
    id: str
    folder_id: str
    internet_message_id: str
    conversation_id: str
    subject: str = ""
    body_type: str = "text"
    body: str = ""
    sender: JSON | None = None  # {"emailAddress": {"name", "address"}}
    to: list[JSON] = field(default_factory=list)
    cc: list[JSON] = field(default_factory=list)
    bcc: list[JSON] = field(default_factory=list)
    reply_to: list[JSON] = field(default_factory=list)
    is_read: bool = True
    is_draft: bool = True
    importance: str = "normal"
    categories: list[str] = field(default_factory=list)
    flag: JSON = field(default_factory=lambda: {"flagStatus": "notFlagged"})
    headers: list[JSON] = field(default_factory=list)  # internetMessageHeaders
    attachments: list[Attachment] = field(default_factory=list)
    created: dt.datetime = field(default_factory=_now)
    modified: dt.datetime = field(default_factory=_now)
    received: dt.datetime = field(default_factory=_now)
    sent: dt.datetime | None = None
    mime: bytes | None = None  # kept for messages delivered as MIME
    in_reply_to: str | None = None
    references: str | None = None
    seq: int = 0  # insertion order, a stable tie-break for equal dates

    def body_preview(self) -> str:
        text = re.sub(r"<[^>]+>", " ", self.body) if self.body_type == "html" else self.body
        return " ".join(text.split())[:255]

    def to_json(self) -> JSON:
        sent = self.sent or self.created
        data: JSON = {
            "@odata.etag": f'W/"{_b64url(self.modified.isoformat().encode())}"',
            "id": self.id,
            "createdDateTime": iso(self.created),
            "lastModifiedDateTime": iso(self.modified),
            "changeKey": _b64url(self.modified.isoformat().encode()),
            "categories": list(self.categories),
            "receivedDateTime": iso(self.received),
            "sentDateTime": iso(sent),
            "hasAttachments": any(not a.is_inline for a in self.attachments),
            "internetMessageId": self.internet_message_id,
            "subject": self.subject,
            "bodyPreview": self.body_preview(),
            "importance": self.importance,
            "parentFolderId": self.folder_id,
            "conversationId": self.conversation_id,
            "conversationIndex": _b64url(self.conversation_id.encode())[:30],
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": self.is_read,
            "isDraft": self.is_draft,
            "webLink": "https://outlook.office365.com/owa/?ItemID="
            + quote(self.id, safe="")
            + "&exvsurl=1&viewmodel=ReadMessageItem",
            "inferenceClassification": "focused",
            "body": {"contentType": self.body_type, "content": self.body},
            "sender": copy.deepcopy(self.sender),
            "from": copy.deepcopy(self.sender),
            "toRecipients": copy.deepcopy(self.to),
            "ccRecipients": copy.deepcopy(self.cc),
            "bccRecipients": copy.deepcopy(self.bcc),
            "replyTo": copy.deepcopy(self.reply_to),
            "flag": copy.deepcopy(self.flag),
        }
        return data


@dataclass
class Folder:
    id: str
    display_name: str
    parent_id: str
    well_known: str | None = None

    def to_json(self, box: Mailbox) -> JSON:
        messages = [m for m in box.messages.values() if m.folder_id == self.id]
        return {
            "id": self.id,
            "displayName": self.display_name,
            "parentFolderId": self.parent_id,
            "childFolderCount": sum(1 for f in box.folders.values() if f.parent_id == self.id),
            "unreadItemCount": sum(1 for m in messages if not m.is_read),
            "totalItemCount": len(messages),
            "sizeInBytes": sum(
                len(m.body) + sum(len(a.content) for a in m.attachments) for m in messages
            ),
            "isHidden": False,
        }


@dataclass
class Mailbox:
    address: str
    display_name: str
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)  # permissions the app lacks here

    def __post_init__(self) -> None:
        root = Folder(_graph_id("AQMkADAw"), "Top of Information Store", "", "msgfolderroot")
        self.folders[root.id] = root
        for key, name in WELL_KNOWN.items():
            if key != "msgfolderroot":
                folder = Folder(_graph_id("AQMkADAw"), name, root.id, key)
                self.folders[folder.id] = folder

    def well_known(self, key: str) -> Folder:
        return next(f for f in self.folders.values() if f.well_known == key)

    def folder(self, ident: str) -> Folder | None:
        if ident.lower() in WELL_KNOWN:
            return self.well_known(ident.lower())
        return self.folders.get(ident)

    def folder_by_path(self, path: str) -> Folder | None:
        """A folder by its display-name path from the top: "Inbox", "Access requests/Filed"."""
        current = self.well_known("msgfolderroot")
        for part in path.strip("/").split("/"):
            found = [
                f
                for f in self.folders.values()
                if f.parent_id == current.id and f.display_name.lower() == part.lower()
            ]
            if not found:
                return None
            current = found[0]
        return current


@dataclass
class Token:
    value: str
    client_id: str
    expires: dt.datetime
    user: str | None = None  # mailbox address for delegated tokens
    scopes: str = ""


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: int | float | None
    body: Any


class GraphError(Exception):
    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_code, default_message = ERROR_TEXTS.get(status, ("UnknownError", "Error."))
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.headers = headers or {}


class IdentityError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


# --------------------------------------------------------------------------------------------
# $filter


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)|(?P<word>[^\s(),']+))"
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise GraphError(400, "BadRequest", f"Invalid filter clause: {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _parse_value(kind: str, raw: str) -> Any:
    if kind == "str":
        return raw[1:-1].replace("''", "'")
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphError(400, "BadRequest", f"Invalid filter value: {raw!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


Predicate = Callable[[JSON], bool]


class FilterParser:
    """Graph's $filter, enough for mail: comparisons, and/or/not, parentheses,
    startswith/contains, on properties and paths like from/emailAddress/address."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.fields: list[str] = []  # properties in the order they appear

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise GraphError(400, "BadRequest", "Invalid filter clause: unexpected text.")
        return predicate

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise GraphError(400, "BadRequest", "Invalid filter clause: unexpected end.")
        self.pos += 1
        return token

    def _or(self) -> Predicate:
        left = self._and()
        while (tok := self._peek()) and tok[1].lower() == "or":
            self.pos += 1
            right = self._and()
            left = (lambda a, b: lambda m: a(m) or b(m))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._unary()
        while (tok := self._peek()) and tok[1].lower() == "and":
            self.pos += 1
            right = self._unary()
            left = (lambda a, b: lambda m: a(m) and b(m))(left, right)
        return left

    def _unary(self) -> Predicate:
        tok = self._take()
        if tok[1].lower() == "not":
            inner = self._unary()
            return lambda m: not inner(m)
        if tok[0] == "lp":
            inner = self._or()
            if self._take()[0] != "rp":
                raise GraphError(400, "BadRequest", "Invalid filter clause: missing ')'.")
            return inner
        if tok[0] != "word":
            raise GraphError(400, "BadRequest", f"Invalid filter clause near {tok[1]!r}.")
        nxt = self._peek()
        if nxt and nxt[0] == "lp":  # function call: startswith(prop, 'x')
            self.pos += 1
            prop = self._take()[1]
            if self._take()[0] != "comma":
                raise GraphError(400, "BadRequest", "Invalid filter clause: expected ','.")
            kind, raw = self._take()
            if self._take()[0] != "rp":
                raise GraphError(400, "BadRequest", "Invalid filter clause: missing ')'.")
            needle = str(_parse_value(kind, raw)).lower()
            self.fields.append(prop)
            name = tok[1].lower()
            if name == "startswith":
                return lambda m: str(_lookup(m, prop) or "").lower().startswith(needle)
            if name == "endswith":
                return lambda m: str(_lookup(m, prop) or "").lower().endswith(needle)
            if name == "contains":
                return lambda m: needle in str(_lookup(m, prop) or "").lower()
            raise GraphError(400, "BadRequest", f"Unsupported filter function {tok[1]!r}.")
        prop = tok[1]
        op = self._take()[1].lower()
        if op not in _OPS:
            raise GraphError(400, "BadRequest", f"Invalid filter operator {op!r}.")
        kind, raw = self._take()
        value = _parse_value(kind, raw)
        self.fields.append(prop)

        def compare(message: JSON) -> bool:
            actual = _lookup(message, prop)
            expected = value
            if isinstance(expected, dt.datetime):
                if not isinstance(actual, str):
                    return False
                actual = dt.datetime.fromisoformat(actual.replace("Z", "+00:00"))
            elif isinstance(expected, str) and isinstance(actual, str):
                actual, expected = actual.lower(), expected.lower()
            if op == "eq":
                return bool(actual == expected)
            if op == "ne":
                return bool(actual != expected)
            if actual is None or expected is None:
                return False
            return bool(
                {
                    "gt": actual > expected,
                    "ge": actual >= expected,
                    "lt": actual < expected,
                    "le": actual <= expected,
                }[op]
            )

        return compare


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("/"):
        if not isinstance(data, dict):
            return None
        key = next((k for k in data if k.lower() == part.lower()), None)
        data = data.get(key) if key else None
    return data


# --------------------------------------------------------------------------------------------
# MIME


def _address(mail: JSON | None) -> str:
    if not mail:
        return ""
    box = mail.get("emailAddress", {})
    return email.utils.formataddr((box.get("name") or "", box.get("address") or ""))


def _recipient(name: str, address: str) -> JSON:
    return {"emailAddress": {"name": name or address, "address": address}}


def message_mime(message: Message) -> bytes:
    """The RFC 5322 form of a message, from its fields and attachments (or as delivered)."""
    if message.mime is not None:
        return message.mime
    mime = EmailMessage()
    if message.sender:
        mime["From"] = _address(message.sender)
    if message.to:
        mime["To"] = ", ".join(_address(r) for r in message.to)
    if message.cc:
        mime["Cc"] = ", ".join(_address(r) for r in message.cc)
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.format_datetime(message.sent or message.created)
    mime["Message-ID"] = message.internet_message_id
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
    if message.references:
        mime["References"] = message.references
    for header in message.headers:
        mime[header["name"]] = header["value"]
    mime.set_content(message.body, subtype="html" if message.body_type == "html" else "plain")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.name,
        )
    return mime.as_bytes(policy=email.policy.SMTP)


# --------------------------------------------------------------------------------------------
# The server


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    standin: GraphStandin


class _Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so clients close their sockets after each answer
    # and nothing lingers when the server stops.
    protocol_version = "HTTP/1.0"
    server: _Server
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet; the stand-in keeps its own log

    def _handle(self) -> None:
        self.server.standin._dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json", headers or {})


class GraphStandin:
    """The stand-in's state and server. Use as a context manager, or start()/stop()."""

    def __init__(self, cert_dir: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="graph-standin-")
            cert_dir = Path(self._tmp.name)
        self.ca_file, self._cert_file, self._key_file = make_certificate(cert_dir)
        self.tenant_id = str(uuid.uuid4())
        self.client_id = str(uuid.uuid4())
        self.client_secret = "stand-in~" + secrets.token_urlsafe(24)
        #: Force a small page size for message and folder listings (None: honour $top).
        self.page_size: int | None = None
        #: Lifetime of the access tokens the stand-in issues, in seconds.
        self.token_lifetime = 3599
        #: Who signs in at the authorize endpoint (delegated flow); first mailbox by default.
        self.login_as: str | None = None
        #: (method, path, status) of every request, in order.
        self.requests: list[tuple[str, str, int]] = []
        #: Fuller log: dicts with method, path, query, status, headers (Authorization hidden).
        self.request_details: list[JSON] = []
        self.mailboxes: dict[str, Mailbox] = {}
        self._tokens: dict[str, Token] = {}
        self._refresh_tokens: dict[str, JSON] = {}
        self._codes: dict[str, JSON] = {}
        self._uploads: dict[str, JSON] = {}
        self._faults: list[Fault] = []
        self._denied_everywhere: set[str] = set()
        self._seq = 0
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> GraphStandin:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._cert_file, self._key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> GraphStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.port}/{self.tenant_id}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def scope(self) -> str:
        """The app-only scope to ask for (O365 asks for https://graph.microsoft.com/.default)."""
        return "https://graph.microsoft.com/.default"

    # ---- test helpers ---------------------------------------------------------------------

    def add_mailbox(self, address: str, display_name: str | None = None) -> Mailbox:
        with self._lock:
            box = Mailbox(address, display_name or address.split("@")[0].title())
            self.mailboxes[address.lower()] = box
            if self.login_as is None:
                self.login_as = address
            return box

    def mailbox(self, address: str) -> Mailbox:
        return self.mailboxes[address.lower()]

    def deny(self, permission: str, mailbox: str | None = None) -> None:
        """Make the app lack a permission ("Mail.Send" or "Mail.ReadWrite"), for one mailbox
        or (mailbox=None) everywhere: the requests that need it get 403 ErrorAccessDenied."""
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}")
        with self._lock:
            if mailbox is None:
                self._denied_everywhere.add(permission)
            else:
                self.mailbox(mailbox).denied.add(permission)

    def allow(self, permission: str, mailbox: str | None = None) -> None:
        with self._lock:
            if mailbox is None:
                self._denied_everywhere.discard(permission)
            else:
                self.mailbox(mailbox).denied.discard(permission)

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` requests whose method is `method` ("*" for any) and whose
        path (no query) matches `path_regex` (re.search) with `status`, Graph's error JSON for
        that status (or `body`: a dict is sent as JSON, bytes/str as they are), and a
        Retry-After header when `retry_after` is given."""
        with self._lock:
            self._faults.append(
                Fault(method.upper(), re.compile(path_regex), status, times, retry_after, body)
            )

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on (401 on use)."""
        with self._lock:
            past = _now() - dt.timedelta(seconds=1)
            for token in self._tokens.values():
                token.expires = past

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far is refused (400 invalid_grant AADSTS70008)."""
        with self._lock:
            for grant in self._refresh_tokens.values():
                grant["revoked"] = True

    def deliver(
        self,
        mailbox: str,
        mime_bytes: bytes,
        *,
        folder: str = "inbox",
        received: dt.datetime | None = None,
        is_read: bool = False,
    ) -> str:
        """Put a message, given as MIME, into a mailbox's folder (Inbox by default), as if it
        had arrived; returns its Graph id. `$value` gives back these very bytes."""
        parsed = email.message_from_bytes(mime_bytes, policy=email.policy.default)
        with self._lock:
            box = self.mailbox(mailbox)
            target = box.folder(folder) or box.folder_by_path(folder)
            if target is None:
                raise KeyError(f"no folder {folder!r} in {mailbox}")
            message = self._message_from_mime(box, parsed, mime_bytes)
            message.folder_id = target.id
            message.is_read = is_read
            if received is not None:
                message.received = received.astimezone(dt.UTC).replace(microsecond=0)
            self._store(box, message)
            return message.id

    def folder_messages(self, mailbox: str, folder_name: str) -> list[JSON]:
        """Messages (Graph JSON) of a folder, by well-known name, id or display-name path
        ("Access requests/Filed"), oldest first."""
        with self._lock:
            box = self.mailbox(mailbox)
            folder = box.folder(folder_name) or box.folder_by_path(folder_name)
            if folder is None:
                return []
            messages = [m for m in box.messages.values() if m.folder_id == folder.id]
            messages.sort(key=lambda m: (m.received, m.seq))
            return [self._message_json(box, m, expand=True) for m in messages]

    def sent(self, mailbox: str) -> list[JSON]:
        return self.folder_messages(mailbox, "sentitems")

    def message_mime(self, mailbox: str, message_id: str) -> bytes:
        with self._lock:
            return message_mime(self.mailbox(mailbox).messages[message_id])

    def sign_in(self, authorization_url: str) -> str:
        """Play the browser in the delegated (authorization code) flow: open the authorize URL
        the client made, sign in as `login_as` and consent; returns the URL the browser would
        be sent back to (give it to O365's ``request_token``)."""
        import requests

        response = requests.get(
            authorization_url, allow_redirects=False, verify=str(self.ca_file), timeout=10
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in refused: {response.status_code} {response.text}")
        return str(response.headers["Location"])

    def count(self, method: str, path_regex: str, status: int | None = None) -> int:
        """How many logged requests match (method "*" for any)."""
        pattern = re.compile(path_regex)
        return sum(
            1
            for m, p, s in list(self.requests)
            if (method == "*" or m == method.upper())
            and pattern.search(p)
            and (status is None or s == status)
        )

    # ---- internals: state ---------------------------------------------------------------

    def _store(self, box: Mailbox, message: Message) -> None:
        self._seq += 1
        message.seq = self._seq
        box.messages[message.id] = message

    def _new_message(self, box: Mailbox, folder: Folder) -> Message:
        return Message(
            id=_graph_id(),
            folder_id=folder.id,
            internet_message_id=f"<{uuid.uuid4().hex}@stand-in>",
            conversation_id=_graph_id("AAQkAGI2"),
            sender=_recipient(box.display_name, box.address),
        )

    def _conversation_for(self, box: Mailbox, *message_ids: str | None) -> str | None:
        wanted = set()
        for value in message_ids:
            wanted.update(re.findall(r"<[^>]+>", value or ""))
        for message in box.messages.values():
            if message.internet_message_id in wanted:
                return message.conversation_id
        return None

    def _message_from_mime(self, box: Mailbox, parsed: Any, raw: bytes | None) -> Message:
        message = self._new_message(box, box.well_known("inbox"))
        message.is_draft = False
        message.mime = raw
        message.subject = str(parsed.get("Subject", "") or "")
        senders = email.utils.getaddresses([str(v) for v in parsed.get_all("From", [])])
        message.sender = _recipient(*senders[0]) if senders else None
        for header, target in (("To", message.to), ("Cc", message.cc)):
            for name, address in email.utils.getaddresses(
                [str(v) for v in parsed.get_all(header, [])]
            ):
                target.append(_recipient(name, address))
        if parsed.get("Message-ID"):
            message.internet_message_id = str(parsed["Message-ID"]).strip()
        message.in_reply_to = str(parsed["In-Reply-To"]) if parsed.get("In-Reply-To") else None
        message.references = str(parsed["References"]) if parsed.get("References") else None
        conversation = self._conversation_for(box, message.in_reply_to, message.references)
        if conversation:
            message.conversation_id = conversation
        if parsed.get("Date"):
            try:
                message.sent = email.utils.parsedate_to_datetime(str(parsed["Date"]))
            except (TypeError, ValueError):
                message.sent = None
            if message.sent is not None and message.sent.tzinfo is None:
                message.sent = message.sent.replace(tzinfo=dt.UTC)
        body = parsed.get_body(preferencelist=("html", "plain"))
        if body is not None:
            message.body_type = "html" if body.get_content_subtype() == "html" else "text"
            message.body = body.get_content()
        for part in parsed.iter_attachments():
            content = part.get_payload(decode=True) or b""
            message.attachments.append(
                Attachment(
                    _graph_id("AAMkAGI2att"),
                    part.get_filename() or "attachment",
                    part.get_content_type(),
                    content,
                    is_inline=part.get_content_disposition() == "inline",
                    content_id=(
                        str(part["Content-ID"]).strip("<>") if part["Content-ID"] else None
                    ),
                )
            )
        message.headers = [{"name": k, "value": str(v)} for k, v in parsed.items()]
        return message

    def _message_json(
        self,
        box: Mailbox,
        message: Message,
        *,
        select: list[str] | None = None,
        expand: bool = False,
    ) -> JSON:
        data = message.to_json()
        if select:
            wanted = {s.lower() for s in select}
            if "internetmessageheaders" in wanted:
                data["internetMessageHeaders"] = copy.deepcopy(message.headers)
            data = {
                k: v for k, v in data.items() if k.lower() in wanted or k in ("id", "@odata.etag")
            }
        if expand:
            data["attachments"] = [a.to_json() for a in message.attachments]
        del box
        return data

    def _apply_fields(self, box: Mailbox, message: Message, data: JSON) -> None:
        """Set a message's fields from Graph JSON (create or PATCH)."""
        lowered = {k.lower(): v for k, v in data.items()}
        if "subject" in lowered:
            message.subject = lowered["subject"] or ""
        if "body" in lowered and lowered["body"] is not None:
            body = {k.lower(): v for k, v in lowered["body"].items()}
            message.body_type = str(body.get("contenttype", "text")).lower()
            message.body = body.get("content", "") or ""
        for key, attr in (
            ("torecipients", "to"),
            ("ccrecipients", "cc"),
            ("bccrecipients", "bcc"),
            ("replyto", "reply_to"),
        ):
            if key in lowered:
                setattr(message, attr, [self._check_recipient(r) for r in lowered[key] or []])
        if lowered.get("from"):
            message.sender = self._check_recipient(lowered["from"])
        if "isread" in lowered:
            message.is_read = bool(lowered["isread"])
        if "importance" in lowered:
            message.importance = str(lowered["importance"]).lower()
        if "categories" in lowered:
            message.categories = list(lowered["categories"] or [])
        if lowered.get("flag"):
            message.flag = dict(lowered["flag"])
        if "internetmessageheaders" in lowered:
            headers = lowered["internetmessageheaders"] or []
            for header in headers:
                if not str(header.get("name", "")).lower().startswith("x-"):
                    raise GraphError(
                        400,
                        "InvalidInternetMessageHeader",
                        f"The internet message header name '{header.get('name')}' should "
                        "start with 'x-' or 'X-'.",
                    )
            message.headers = [{"name": h["name"], "value": h["value"]} for h in headers]
        for item in lowered.get("attachments") or []:
            message.attachments.append(self._attachment_from_json(item))
        message.modified = _now()
        del box

    @staticmethod
    def _check_recipient(value: Any) -> JSON:
        address = _lookup(value, "emailAddress/address")
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient isn't valid., Recipient '' is not resolved.",
            )
        name = _lookup(value, "emailAddress/name") or address
        return _recipient(name, address)

    @staticmethod
    def _attachment_from_json(data: JSON) -> Attachment:
        kind = str(data.get("@odata.type", "#microsoft.graph.fileAttachment"))
        if kind.lower() != "#microsoft.graph.fileattachment":
            raise GraphError(400, "ErrorInvalidRequest", f"Unsupported attachment {kind!r}.")
        lowered = {k.lower(): v for k, v in data.items()}
        try:
            content = base64.b64decode(lowered.get("contentbytes") or "", validate=True)
        except ValueError as error:
            raise GraphError(400, "ErrorInvalidRequest", "Invalid contentBytes.") from error
        if len(content) > SIMPLE_ATTACHMENT_LIMIT:
            raise GraphError(413)
        name = lowered.get("name") or "attachment"
        return Attachment(
            _graph_id("AAMkAGI2att"),
            name,
            lowered.get("contenttype") or _guess_type(name),
            content,
            is_inline=bool(lowered.get("isinline")),
            content_id=lowered.get("contentid"),
        )

    def _send(self, box: Mailbox, message: Message, *, save: bool = True) -> None:
        if not (message.to or message.cc or message.bcc):
            raise GraphError(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient is required, but none were found.",
            )
        box.messages.pop(message.id, None)
        now = _now()
        message.is_draft = False
        message.is_read = True
        message.sent = now
        message.received = now
        message.modified = now
        if message.sender is None:
            message.sender = _recipient(box.display_name, box.address)
        if save:
            message.id = _graph_id()
            message.folder_id = box.well_known("sentitems").id
            self._store(box, message)
        mime = message_mime(message)
        for recipient in message.to + message.cc + message.bcc:
            address = str(_lookup(recipient, "emailAddress/address")).lower()
            if address in self.mailboxes:
                target = self.mailboxes[address]
                copy_ = self._message_from_mime(
                    target, email.message_from_bytes(mime, policy=email.policy.default), mime
                )
                copy_.folder_id = target.well_known("inbox").id
                copy_.is_read = False
                self._store(target, copy_)

    # ---- internals: HTTP ----------------------------------------------------------------

    def _dispatch(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        method = handler.command.upper()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        with self._lock:
            try:
                response = self._fault(method, path) or self._route(
                    handler, method, path, query, body
                )
            except GraphError as error:
                response = self._graph_error(error, handler)
            except IdentityError as error:
                response = self._identity_error(error)
            except Exception as error:  # a bug in the stand-in: say so loudly, as a 500
                response = self._graph_error(
                    GraphError(500, "generalException", f"stand-in bug: {error!r}"), handler
                )
            self.requests.append((method, path, response.status))
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "authorization"}
            self.request_details.append(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "status": response.status,
                    "headers": headers,
                    "body_size": len(body),
                }
            )
        handler.send_response(response.status)
        if response.content_type and response.body:
            handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.send_header("request-id", str(uuid.uuid4()))
        for key, value in response.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if method != "HEAD" and response.body:
            handler.wfile.write(response.body)

    def _fault(self, method: str, path: str) -> Response | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method in ("*", method) and fault.pattern.search(path):
                fault.times -= 1
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                if fault.body is None:
                    code, message = ERROR_TEXTS.get(fault.status, ("UnknownError", "Error."))
                    return _json(fault.status, self._error_body(code, message), headers)
                if isinstance(fault.body, dict | list):
                    return _json(fault.status, fault.body, headers)
                raw = fault.body.encode() if isinstance(fault.body, str) else bytes(fault.body)
                return Response(fault.status, raw, "text/plain", headers)
        return None

    @staticmethod
    def _error_body(code: str, message: str) -> JSON:
        return {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": iso(_now()),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        }

    def _graph_error(self, error: GraphError, handler: _Handler) -> Response:
        body = self._error_body(error.code, error.message)
        client_request = handler.headers.get("client-request-id")
        if client_request:
            body["error"]["innerError"]["client-request-id"] = client_request
        headers = dict(error.headers)
        if error.status == 401:
            headers.setdefault(
                "WWW-Authenticate",
                'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
                'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
            )
        return _json(error.status, body, headers)

    @staticmethod
    def _identity_error(error: IdentityError) -> Response:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return _json(
            error.status,
            {
                "error": error.error,
                "error_description": f"{error.description} Trace ID: {trace} Correlation ID: "
                f"{correlation} Timestamp: {_now().strftime('%Y-%m-%d %H:%M:%SZ')}",
                "error_codes": [int(re.findall(r"AADSTS(\d+)", error.description)[0])]
                if "AADSTS" in error.description
                else [],
                "timestamp": _now().strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": "https://login.microsoftonline.com/error?code="
                + "".join(re.findall(r"AADSTS(\d+)", error.description)[:1]),
            },
        )

    def _route(
        self, handler: _Handler, method: str, path: str, query: dict[str, str], body: bytes
    ) -> Response:
        parts = [p for p in path.split("/") if p]
        if not parts:
            raise GraphError(404, "NotFound", "Not found.")
        if parts[0] == "upload" and len(parts) == 2:
            return self._upload(method, parts[1], handler, body)
        if parts[0] == "v1.0":
            if len(body) > REQUEST_LIMIT:
                raise GraphError(413)
            return self._graph(handler, method, parts[1:], query, body)
        return self._identity(handler, method, parts, query, body)

    # ---- identity platform --------------------------------------------------------------

    def _identity(
        self,
        handler: _Handler,
        method: str,
        parts: list[str],
        query: dict[str, str],
        body: bytes,
    ) -> Response:
        tenant = parts[0]
        rest = "/".join(parts[1:])
        if tenant == "common" and rest == "discovery/instance":
            # Instance discovery (only reached if a client is told to use this endpoint).
            return _json(
                200,
                {
                    "tenant_discovery_endpoint": f"{self.authority}/v2.0/.well-known/"
                    "openid-configuration",
                    "api-version": "1.1",
                    "metadata": [
                        {
                            "preferred_network": f"127.0.0.1:{self.port}",
                            "preferred_cache": f"127.0.0.1:{self.port}",
                            "aliases": [f"127.0.0.1:{self.port}"],
                        }
                    ],
                },
            )
        known_tenant = tenant in (self.tenant_id, "organizations", "common")
        if rest == "v2.0/.well-known/openid-configuration" and method == "GET":
            if not known_tenant:
                raise IdentityError(
                    400,
                    "invalid_tenant",
                    f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have "
                    "the correct tenant ID and are signing into the correct cloud.",
                )
            return _json(200, self._openid_configuration(tenant))
        if rest == "oauth2/v2.0/authorize" and method == "GET":
            return self._authorize(tenant, query)
        if rest == "oauth2/v2.0/token" and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            if not known_tenant:
                raise IdentityError(
                    400,
                    "invalid_request",
                    f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have "
                    "the correct tenant ID and are signing into the correct cloud.",
                )
            return self._token(form, handler)
        raise IdentityError(404, "not_found", f"No such endpoint: /{'/'.join(parts)}")

    def _openid_configuration(self, tenant: str) -> JSON:
        del tenant
        base = self.authority
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{self.url}{self.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.url}oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "oid",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": f"127.0.0.1:{self.port}",
            "rbac_url": "https://pas.windows.net",
        }

    def _authorize(self, tenant: str, query: dict[str, str]) -> Response:
        """Delegated sign-in, consented at once as `login_as`: 302 to the redirect URI."""
        del tenant
        if query.get("client_id") != self.client_id:
            raise IdentityError(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{query.get('client_id')}' was not "
                f"found in the directory '{self.tenant_id}'.",
            )
        redirect = query.get("redirect_uri", "")
        if not self.login_as:
            raise IdentityError(400, "invalid_request", "AADSTS50020: No user to sign in.")
        code = secrets.token_urlsafe(32)
        self._codes[code] = {
            "user": self.login_as,
            "nonce": query.get("nonce"),
            "scope": query.get("scope", ""),
            "redirect_uri": redirect,
        }
        params = {"code": code, "state": query.get("state", ""), "session_state": str(uuid.uuid4())}
        return Response(302, b"", None, {"Location": f"{redirect}?{urlencode(params)}"})

    def _check_client(self, form: dict[str, str], handler: _Handler) -> None:
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        auth = handler.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if client_id != self.client_id:
            raise IdentityError(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the "
                f"directory '{self.tenant_id}'. This can happen if the application has not "
                "been installed by the administrator of the tenant or consented to by any user "
                "in the tenant. You may have sent your authentication request to the wrong "
                "tenant.",
            )
        if form.get("client_assertion"):
            # A certificate credential: the assertion is a JWT from the client (not verified).
            try:
                claims = json.loads(
                    base64.urlsafe_b64decode(form["client_assertion"].split(".")[1] + "==")
                )
            except (ValueError, IndexError) as error:
                raise IdentityError(
                    401, "invalid_client", "AADSTS50027: JWT token is invalid or malformed."
                ) from error
            if claims.get("sub") != self.client_id:
                raise IdentityError(
                    401,
                    "invalid_client",
                    "AADSTS700023: Client assertion audience claim does not match Realm issuer.",
                )
            return
        if secret != self.client_secret:
            raise IdentityError(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID, for a "
                f"secret added to app '{self.client_id}'.",
            )

    def _token(self, form: dict[str, str], handler: _Handler) -> Response:
        grant = form.get("grant_type")
        self._check_client(form, handler)
        scope = form.get("scope", "")
        if grant == "client_credentials":
            if not scope.endswith("/.default"):
                raise IdentityError(
                    400,
                    "invalid_scope",
                    f"AADSTS1002012: The provided value for scope {scope} is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed to the "
                    "resource identifier (application ID URI).",
                )
            token = self._issue(user=None, scopes=scope)
            return _json(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": self.token_lifetime,
                    "ext_expires_in": self.token_lifetime,
                    "access_token": token.value,
                },
            )
        if grant == "authorization_code":
            code = self._codes.pop(form.get("code", ""), None)
            if code is None:
                raise IdentityError(
                    400,
                    "invalid_grant",
                    "AADSTS70008: The provided authorization code or refresh token has expired "
                    "due to inactivity. Send a new interactive authorization request for this "
                    "user and resource.",
                )
            return self._delegated(code["user"], code["scope"] or scope, code["nonce"])
        if grant == "refresh_token":
            refresh = self._refresh_tokens.get(form.get("refresh_token", ""))
            if refresh is None or refresh.get("revoked"):
                raise IdentityError(
                    400,
                    "invalid_grant",
                    "AADSTS70008: The provided authorization code or refresh token has expired "
                    "due to inactivity. Send a new interactive authorization request for this "
                    "user and resource.",
                )
            return self._delegated(refresh["user"], scope or refresh["scope"], None)
        raise IdentityError(
            400,
            "unsupported_grant_type",
            f"AADSTS70003: The app requested an unsupported grant type '{grant}'.",
        )

    def _issue(self, *, user: str | None, scopes: str) -> Token:
        # Shaped like Graph's tokens (a JWT whose claims carry the granted permissions: "roles"
        # app-only, "scp" delegated) so a client can read which permission is missing; the
        # signature is random and the server only trusts tokens it remembers.
        now = int(_now().timestamp())
        granted = [p for p in PERMISSIONS if p not in self._denied_everywhere]
        claims: JSON = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "app_displayname": "SAR letters (stand-in)",
            "appid": self.client_id,
            "idtyp": "user" if user else "app",
            "tid": self.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        if user:
            claims["upn"] = user
            claims["scp"] = " ".join(granted)
        else:
            claims["roles"] = granted
        value = ".".join(
            [
                _b64url_json({"typ": "JWT", "alg": "RS256", "kid": "stand-in"}),
                _b64url_json(claims),
                _b64url(secrets.token_bytes(64)),
            ]
        )
        token = Token(
            value,
            self.client_id,
            _now() + dt.timedelta(seconds=self.token_lifetime),
            user=user,
            scopes=scopes,
        )
        self._tokens[value] = token
        return token

    def _delegated(self, user: str, scope: str, nonce: str | None) -> Response:
        box = self.mailbox(user)
        requested = [s for s in scope.split() if s not in ("openid", "profile", "offline_access")]
        scopes = " ".join(s.rsplit("/", 1)[-1] for s in requested) or "Mail.ReadWrite Mail.Send"
        token = self._issue(user=box.address, scopes=scopes)
        refresh = "0.AAAA" + secrets.token_urlsafe(64)
        self._refresh_tokens[refresh] = {"user": box.address, "scope": scope, "revoked": False}
        now = int(_now().timestamp())
        claims = {
            "aud": self.client_id,
            "iss": f"{self.authority}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": box.display_name,
            "oid": box.user_id,
            "preferred_username": box.address,
            "sub": _b64url(box.user_id.encode()),
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        id_token = ".".join([_b64url_json({"typ": "JWT", "alg": "none"}), _b64url_json(claims), ""])
        return _json(
            200,
            {
                "token_type": "Bearer",
                "scope": scopes,
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token.value,
                "refresh_token": refresh,
                "id_token": id_token,
                "client_info": _b64url_json({"uid": box.user_id, "utid": self.tenant_id}),
            },
        )

    # ---- Graph --------------------------------------------------------------------------

    def _authenticate(self, handler: _Handler) -> Token:
        auth = handler.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        token = self._tokens.get(auth[7:].strip())
        if token is None:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Invalid JWT token. The token is not recognized.",
            )
        if token.expires <= _now():
            raise GraphError(401)
        return token

    def _permission(self, box: Mailbox, permission: str) -> None:
        if permission in box.denied or permission in self._denied_everywhere:
            raise GraphError(403)

    def _graph(
        self,
        handler: _Handler,
        method: str,
        parts: list[str],
        query: dict[str, str],
        body: bytes,
    ) -> Response:
        token = self._authenticate(handler)
        if not parts:
            raise GraphError(400, "BadRequest", "Invalid request.")
        if parts[0] == "me":
            if token.user is None:
                raise GraphError(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            address, rest = token.user, parts[1:]
        elif parts[0] == "users" and len(parts) >= 2:
            address, rest = parts[1], parts[2:]
        else:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{parts[0]}'.")
        box = self.mailboxes.get(address.lower())
        if box is None:
            if not rest:
                raise GraphError(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{address}' does not exist or one of its queried "
                    "reference-property objects are not present.",
                )
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{address}' is invalid.")
        if token.user is not None and token.user.lower() != box.address.lower():
            raise GraphError(403)
        if not rest:
            if method != "GET":
                raise GraphError(405, "Request_BadRequest", "Method not allowed.")
            return _json(200, self._user_json(box))
        data = self._body_json(body) if method in ("POST", "PATCH") else {}
        return self._mail(box, method, rest, query, data, body, handler)

    def _user_json(self, box: Mailbox) -> JSON:
        given, _, surname = box.display_name.partition(" ")
        return {
            "@odata.context": f"{self.url}v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": box.display_name,
            "givenName": given or None,
            "jobTitle": None,
            "mail": box.address,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-GB",
            "surname": surname or None,
            "userPrincipalName": box.address,
            "id": box.user_id,
        }

    @staticmethod
    def _body_json(body: bytes) -> JSON:
        if not body:
            return {}
        try:
            data = json.loads(body)
        except ValueError as error:
            raise GraphError(
                400, "RequestBodyRead", "Invalid JSON. A token was not recognized in the JSON."
            ) from error
        if not isinstance(data, dict):
            raise GraphError(400, "RequestBodyRead", "The request body must be a JSON object.")
        return data

    def _mail(
        self,
        box: Mailbox,
        method: str,
        rest: list[str],
        query: dict[str, str],
        data: JSON,
        body: bytes,
        handler: _Handler,
    ) -> Response:
        head = rest[0]
        if head.lower() == "sendmail" and len(rest) == 1 and method == "POST":
            self._permission(box, "Mail.Send")
            message_data = next((v for k, v in data.items() if k.lower() == "message"), None)
            if not isinstance(message_data, dict):
                raise GraphError(
                    400, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty."
                )
            message = self._new_message(box, box.well_known("drafts"))
            self._apply_fields(box, message, message_data)
            save = next((v for k, v in data.items() if k.lower() == "savetosentitems"), True)
            self._send(box, message, save=save is not False)
            return Response(202, b"", None)
        self._permission(box, "Mail.ReadWrite")
        if head == "mailFolders":
            return self._folders(box, method, rest[1:], query, data, body, handler)
        if head == "messages":
            if len(rest) == 1:
                if method == "GET":
                    return self._list_messages(box, None, query, handler)
                if method == "POST":
                    return self._create_message(box, box.well_known("drafts"), data)
                raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
            return self._message_item(box, method, rest[1:], query, data, handler)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{head}'.")

    # -- folders --

    def _folder_or_404(self, box: Mailbox, ident: str) -> Folder:
        folder = box.folder(ident)
        if folder is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return folder

    def _folders(
        self,
        box: Mailbox,
        method: str,
        rest: list[str],
        query: dict[str, str],
        data: JSON,
        body: bytes,
        handler: _Handler,
    ) -> Response:
        del body
        root = box.well_known("msgfolderroot")
        if not rest:
            if method == "GET":
                return self._list_folders(box, root, query, handler)
            if method == "POST":
                return self._create_folder(box, root, data)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        folder = self._folder_or_404(box, rest[0])
        if len(rest) == 1:
            if method == "GET":
                return _json(200, self._folder_json(box, folder))
            if method == "DELETE":
                if folder.well_known:
                    raise GraphError(
                        403,
                        "ErrorDeleteDistinguishedFolder",
                        "Distinguished folders cannot be deleted.",
                    )
                del box.folders[folder.id]
                return Response(204, b"", None)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        segment = rest[1]
        if segment == "childFolders" and len(rest) == 2:
            if method == "GET":
                return self._list_folders(box, folder, query, handler)
            if method == "POST":
                return self._create_folder(box, folder, data)
        if segment == "messages":
            if len(rest) == 2:
                if method == "GET":
                    return self._list_messages(box, folder, query, handler)
                if method == "POST":
                    return self._create_message(box, folder, data)
            else:
                return self._message_item(box, method, rest[2:], query, data, handler)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    def _folder_json(self, box: Mailbox, folder: Folder) -> JSON:
        data = folder.to_json(box)
        data["@odata.context"] = (
            f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/mailFolders/$entity"
        )
        return data

    def _list_folders(
        self, box: Mailbox, parent: Folder, query: dict[str, str], handler: _Handler
    ) -> Response:
        items = [f.to_json(box) for f in box.folders.values() if f.parent_id == parent.id]
        if query.get("$filter"):
            predicate = FilterParser(query["$filter"]).parse()
            items = [i for i in items if predicate(i)]
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/mailFolders"
        return self._page(items, query, handler, context, default_top=10)

    def _create_folder(self, box: Mailbox, parent: Folder, data: JSON) -> Response:
        name = next((v for k, v in data.items() if k.lower() == "displayname"), None)
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "The folder name is missing.")
        for folder in box.folders.values():
            if folder.parent_id == parent.id and folder.display_name.lower() == name.lower():
                raise GraphError(409)
        folder = Folder(_graph_id("AAMkAGI2fld"), name, parent.id)
        box.folders[folder.id] = folder
        return _json(201, self._folder_json(box, folder))

    # -- messages --

    def _message_or_404(self, box: Mailbox, ident: str) -> Message:
        message = box.messages.get(ident)
        if message is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return message

    def _single(
        self, box: Mailbox, message: Message, query: dict[str, str], status: int = 200
    ) -> Response:
        select = [s.strip() for s in query.get("$select", "").split(",") if s.strip()]
        expand = "attachments" in query.get("$expand", "").lower()
        data = self._message_json(box, message, select=select or None, expand=expand)
        data["@odata.context"] = (
            f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/messages/$entity"
        )
        return _json(status, data)

    def _create_message(self, box: Mailbox, folder: Folder, data: JSON) -> Response:
        message = self._new_message(box, folder)
        self._apply_fields(box, message, data)
        self._store(box, message)
        return self._single(box, message, {}, status=201)

    def _list_messages(
        self, box: Mailbox, folder: Folder | None, query: dict[str, str], handler: _Handler
    ) -> Response:
        messages = [m for m in box.messages.values() if folder is None or m.folder_id == folder.id]
        select = [s.strip() for s in query.get("$select", "").split(",") if s.strip()]
        pairs = [(m, m.to_json()) for m in messages]
        filter_fields: list[str] = []
        if query.get("$filter"):
            parser = FilterParser(query["$filter"])
            predicate = parser.parse()
            filter_fields = parser.fields
            pairs = [(m, j) for m, j in pairs if predicate(j)]
        order = query.get("$orderby", "receivedDateTime desc")
        keys = [o.strip().split() for o in order.split(",") if o.strip()]
        if query.get("$filter") and query.get("$orderby"):
            wanted = [k[0].lower() for k in keys]
            present = [f.lower() for f in filter_fields[: len(wanted)]]
            if wanted != present:
                raise GraphError(
                    400,
                    "InefficientFilter",
                    "The restriction or sort order is too complex for this operation.",
                )
        for key in reversed(keys):
            prop, direction = key[0], (key[1].lower() if len(key) > 1 else "asc")
            pairs.sort(
                key=lambda pair, p=prop: (str(_lookup(pair[1], p) or ""), pair[0].seq),
                reverse=direction == "desc",
            )
        items = [
            self._message_json(
                box,
                m,
                select=select or None,
                expand="attachments" in query.get("$expand", "").lower(),
            )
            for m, _ in pairs
        ]
        where = f"mailFolders('{folder.id}')/messages" if folder else "messages"
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/{where}"
        return self._page(items, query, handler, context, default_top=DEFAULT_TOP)

    def _page(
        self,
        items: list[JSON],
        query: dict[str, str],
        handler: _Handler,
        context: str,
        *,
        default_top: int,
    ) -> Response:
        try:
            top = int(query.get("$top", default_top))
            skip = int(query.get("$skip", 0))
        except ValueError as error:
            raise GraphError(400, "BadRequest", "Invalid $top or $skip.") from error
        top = max(1, min(top, 1000))
        size = min(top, self.page_size) if self.page_size else top
        page = items[skip : skip + size]
        data: JSON = {"@odata.context": context, "value": page}
        if skip + size < len(items):
            params = dict(query)
            params["$skip"] = str(skip + size)
            path = urlsplit(handler.path).path
            data["@odata.nextLink"] = f"{self.url.rstrip('/')}{path}?{urlencode(params)}"
        return _json(200, data)

    def _message_item(
        self,
        box: Mailbox,
        method: str,
        rest: list[str],
        query: dict[str, str],
        data: JSON,
        handler: _Handler,
    ) -> Response:
        message = self._message_or_404(box, rest[0])
        if len(rest) == 1:
            if method == "GET":
                return self._single(box, message, query)
            if method == "PATCH":
                self._apply_fields(box, message, data)
                return self._single(box, message, {})
            if method == "DELETE":
                del box.messages[message.id]
                return Response(204, b"", None)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        action = rest[1]
        if action == "$value" and method == "GET" and len(rest) == 2:
            return Response(200, message_mime(message), "text/plain")
        if action == "send" and method == "POST":
            self._permission(box, "Mail.Send")
            if not message.is_draft:
                raise GraphError(400, "ErrorInvalidOperation", "Only draft messages can be sent.")
            self._send(box, message)
            return Response(202, b"", None)
        if action in ("move", "copy") and method == "POST":
            destination = next((v for k, v in data.items() if k.lower() == "destinationid"), None)
            if not isinstance(destination, str):
                raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
            folder = self._folder_or_404(box, destination)
            moved = copy.deepcopy(message)
            moved.id = _graph_id()
            moved.folder_id = folder.id
            moved.modified = _now()
            if action == "move":
                del box.messages[message.id]
                box.messages[moved.id] = moved
            else:
                self._store(box, moved)
            return self._single(box, moved, {}, status=201)
        if action == "attachments":
            return self._attachments(box, message, method, rest[2:], data, handler)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")

    def _attachments(
        self,
        box: Mailbox,
        message: Message,
        method: str,
        rest: list[str],
        data: JSON,
        handler: _Handler,
    ) -> Response:
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/messages('{message.id}')"
        if not rest:
            if method == "GET":
                return _json(
                    200,
                    {
                        "@odata.context": f"{context}/attachments",
                        "value": [a.to_json() for a in message.attachments],
                    },
                )
            if method == "POST":
                attachment = self._attachment_from_json(data)
                message.attachments.append(attachment)
                message.modified = _now()
                result = attachment.to_json()
                result["@odata.context"] = f"{context}/attachments/$entity"
                return _json(201, result)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        if rest[0] == "createUploadSession" and method == "POST":
            item = next((v for k, v in data.items() if k.lower() == "attachmentitem"), None)
            if not isinstance(item, dict):
                raise GraphError(400, "ErrorInvalidParameter", "AttachmentItem is missing.")
            lowered = {k.lower(): v for k, v in item.items()}
            size = lowered.get("size")
            if str(lowered.get("attachmenttype", "file")).lower() != "file":
                raise GraphError(400, "ErrorInvalidParameter", "Only file attachments.")
            if not isinstance(size, int) or size <= 0:
                raise GraphError(400, "ErrorInvalidParameter", "The attachment size is missing.")
            if size > 150 * MB:
                raise GraphError(
                    413,
                    "ErrorAttachmentSizeShouldNotBeGreaterThanMaximum",
                    "The attachment is larger than 150 MB.",
                )
            token = secrets.token_urlsafe(32)
            expires = _now() + dt.timedelta(minutes=15)
            self._uploads[token] = {
                "mailbox": box.address,
                "message": message.id,
                "name": lowered.get("name") or "attachment",
                "content_type": lowered.get("contenttype")
                or _guess_type(lowered.get("name") or ""),
                "is_inline": bool(lowered.get("isinline")),
                "size": size,
                "data": bytearray(),
                "expires": expires,
            }
            return _json(
                201,
                {
                    "@odata.context": f"{self.url}v1.0/$metadata#microsoft.graph.uploadSession",
                    "uploadUrl": f"{self.url}upload/{token}",
                    "expirationDateTime": iso(expires),
                    "nextExpectedRanges": ["0-"],
                },
            )
        attachment = next((a for a in message.attachments if a.id == rest[0]), None)
        if attachment is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if len(rest) == 1:
            if method == "GET":
                result = attachment.to_json()
                result["@odata.context"] = f"{context}/attachments/$entity"
                return _json(200, result)
            if method == "DELETE":
                message.attachments.remove(attachment)
                return Response(204, b"", None)
        if len(rest) == 2 and rest[1] == "$value" and method == "GET":
            return Response(200, attachment.content, attachment.content_type)
        del handler
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[-1]}'.")

    def _upload(self, method: str, token: str, handler: _Handler, body: bytes) -> Response:
        session = self._uploads.get(token)
        if session is None or session["expires"] <= _now():
            raise GraphError(404, "ErrorItemNotFound", "The upload session was not found.")
        if method == "DELETE":
            del self._uploads[token]
            return Response(204, b"", None)
        if method != "PUT":
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", handler.headers.get("Content-Range", ""))
        if not match:
            raise GraphError(
                400, "InvalidContentRange", "The Content-Range header is missing or malformed."
            )
        start, end, total = (int(g) for g in match.groups())
        received = session["data"]
        if total != session["size"] or start != len(received) or end < start or end >= total:
            raise GraphError(
                416,
                "InvalidRange",
                f"The range {start}-{end}/{total} is not the expected "
                f"range {len(received)}-/{session['size']}.",
            )
        if len(body) != end - start + 1:
            raise GraphError(
                400, "InvalidContentRange", "Content-Length and Content-Range do not agree."
            )
        if len(body) > REQUEST_LIMIT:
            raise GraphError(413)
        received.extend(body)
        if len(received) < total:
            return _json(
                200,
                {
                    "expirationDateTime": iso(session["expires"]),
                    "nextExpectedRanges": [f"{len(received)}-{total - 1}"],
                },
            )
        del self._uploads[token]
        box = self.mailbox(session["mailbox"])
        message = self._message_or_404(box, session["message"])
        attachment = Attachment(
            _graph_id("AAMkAGI2att"),
            session["name"],
            session["content_type"],
            bytes(received),
            is_inline=session["is_inline"],
        )
        message.attachments.append(attachment)
        message.modified = _now()
        location = (
            f"{self.url}v1.0/users('{quote(box.address)}')/messages('{message.id}')"
            f"/attachments('{attachment.id}')"
        )
        return Response(201, b"", None, {"Location": location})


def _guess_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


# --------------------------------------------------------------------------------------------
# pytest


def trust_standin(patch: pytest.MonkeyPatch, standin: GraphStandin) -> None:
    """Make every `requests` session of the test trust the stand-in and not use a proxy.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's own ``verify``
    (O365 and msal both set ``session.verify`` and never pass ``verify=`` per request), so
    with those set, ``verify_ssl=graph.ca_file`` alone is not enough; point them at our CA.
    """
    patch.setenv("REQUESTS_CA_BUNDLE", str(standin.ca_file))
    patch.setenv("CURL_CA_BUNDLE", str(standin.ca_file))
    for variable in ("NO_PROXY", "no_proxy"):
        patch.setenv(variable, ",".join(filter(None, [os.environ.get(variable), "127.0.0.1"])))


def graph_fixture(
    *mailboxes: str, name: str = "graph", scope: str = "function"
) -> Callable[..., Iterator[GraphStandin]]:
    """Make a pytest fixture that runs a fresh stand-in (one per test by default), with these
    mailboxes already added, and stops it at teardown."""

    @pytest.fixture(name=name, scope=scope)  # type: ignore[call-overload, misc]
    def _graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStandin]:
        standin = GraphStandin(cert_dir=tmp_path_factory.mktemp("graph-standin"))
        with standin, pytest.MonkeyPatch.context() as patch:
            trust_standin(patch, standin)
            for address in mailboxes:
                standin.add_mailbox(address)
            yield standin

    return _graph
