"""What the stand-in remembers: settings, logs, mailboxes, tokens, upload sessions, faults."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509

from .certificates import make_certificate
from .conventions import JSON
from .model import Mailbox

if TYPE_CHECKING:
    from .routing import StandinServer


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
    processed: bool = False  # the request is done all the same; only its answer is the fault
    delay: float = 0.0  # seconds before answering (longer than a client's timeout: a timeout)


@dataclass
class Filing:
    """A sent message on its way to Sent Items: hidden from every folder until it is due."""

    box: Mailbox
    message: Any  # the Message
    requests_left: int
    due: float  # time.monotonic()


class StandinState:
    """The stand-in's settings and state, shared by the route families mixed into GraphStandin."""

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
        #: Where the app registers the native-client redirect URI: "mobile" (Mobile and desktop
        #: applications, a public client) or "web" (a web app, which must send a secret).
        self.native_client_platform = "mobile"
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
        #: Graph files the Sent Items copy of a sent message a while after answering 202: it
        #: is in no folder until this many more requests have come in, and this many seconds
        #: have passed (0 and 0: at once).
        self.sent_items_after_requests = 0
        self.sent_items_after_seconds = 0.0
        self._filing: list[Filing] = []
        self._denied_everywhere: set[str] = set()
        #: The certificates uploaded to the app (``register_certificate``).
        self._certificates: list[x509.Certificate] = []
        #: The delegated permissions each user consented to, by address.
        self._consents: dict[str, set[str]] = {}
        #: The token of the Graph request being answered (requests are answered one at a time).
        self._caller: Token | None = None
        self._seq = 0
        self._lock = threading.RLock()
        self._server: StandinServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

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

    def mailbox(self, address: str) -> Mailbox:
        return self.mailboxes[address.lower()]
