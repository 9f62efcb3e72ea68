"""The stand-in: start and stop its HTTPS server, and the helpers tests drive it with."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import ssl
import threading
from typing import Any

from .conventions import JSON, PERMISSIONS, utc_now
from .mime import message_mime
from .model import Mailbox
from .routing import RequestHandler, Router, StandinServer
from .state import Fault


class GraphStandin(Router):
    """The stand-in's state and server. Use as a context manager, or start()/stop()."""

    def start(self) -> GraphStandin:
        server = StandinServer(("127.0.0.1", 0), RequestHandler)
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

    def add_mailbox(self, address: str, display_name: str | None = None) -> Mailbox:
        with self._lock:
            box = Mailbox(address, display_name or address.split("@")[0].title())
            self.mailboxes[address.lower()] = box
            if self.login_as is None:
                self.login_as = address
            return box

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

    def delegate(self, mailbox: str, user: str, *rights: str) -> None:
        """Give ``user`` Exchange's mailbox permissions on ``mailbox`` (a shared mailbox):
        "FullAccess" to read and write it, "SendAs" or "SendOnBehalf" to send from it."""
        if not set(rights) <= {"FullAccess", "SendAs", "SendOnBehalf"}:
            raise ValueError(f"unknown mailbox rights {rights}")
        with self._lock:
            self.mailbox(mailbox).delegates.setdefault(user.lower(), set()).update(rights)

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
        processed: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests whose method is `method` ("*" for any) and whose
        path (no query) matches `path_regex` (re.search) with `status`, Graph's error JSON for
        that status (or `body`: a dict is sent as JSON, bytes/str as they are), and a
        Retry-After header when `retry_after` is given. With `processed` the request is done
        all the same (a send that went, answered 503); `delay` waits that many seconds before
        answering (longer than the client's timeout, it is a timeout)."""
        with self._lock:
            self._faults.append(
                Fault(
                    method.upper(),
                    re.compile(path_regex),
                    status,
                    times,
                    retry_after,
                    body,
                    processed,
                    delay,
                )
            )

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on (401 on use)."""
        with self._lock:
            past = utc_now() - dt.timedelta(seconds=1)
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
        internal: bool = False,
    ) -> str:
        """Put a message, given as MIME, into a mailbox's folder (Inbox by default), as if it
        had arrived; returns its Graph id. `$value` gives back these very bytes. An
        ``internal`` one came from inside the organisation (an out-of-office reply, a
        non-delivery report Exchange wrote itself): it has no internetMessageHeaders."""
        parsed = email.message_from_bytes(mime_bytes, policy=email.policy.default)
        with self._lock:
            box = self.mailbox(mailbox)
            target = box.folder(folder) or box.folder_by_path(folder)
            if target is None:
                raise KeyError(f"no folder {folder!r} in {mailbox}")
            message = self._message_from_mime(box, parsed, mime_bytes)
            message.folder_id = target.id
            message.is_read = is_read
            if internal:
                message.headers = []
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
