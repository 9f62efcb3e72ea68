"""The Microsoft 365 mail back-end: send from the setting's mailbox and file its replies (Graph).

Signing in is m365_auth, the [mail] keys m365_settings, how each request reaches Graph and
what its failures say m365_graph, and what `letters login --check` proves m365_check.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Collection
from datetime import date, datetime
from email import policy
from email.parser import BytesHeaderParser
from io import BytesIO
from typing import Any

import requests

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.base import (
    Backend,
    Departed,
    Outgoing,
    Reply,
    ReplyContent,
    SignIn,
    Waiting,
    answered_ids,
    attached_files,
)
from pipeline.mail.m365_auth import account, authenticate
from pipeline.mail.m365_check import CheckedMailbox
from pipeline.mail.m365_graph import READ, SEND, http_status
from pipeline.mail.m365_login import login
from pipeline.mail.m365_settings import KEYS, parse, settings_of

# Graph wants a receivedDateTime filter whenever results are ordered by it; this takes them all.
OLDEST = "1900-01-01T00:00:00Z"
PAGE_SIZE = 50
_LISTED = "id,internetMessageId,subject,from,receivedDateTime,conversationId,internetMessageHeaders"


def connect(config: Config) -> M365Mail:
    """Sign in to Microsoft 365 afresh and open the configured mailbox (what the run calls)."""
    return M365Mail(config)


class M365Mail(CheckedMailbox):
    """Send letters as drafts sent from the mailbox; collect and file the replies in its inbox."""

    name = "m365"
    delivers = True  # a letter sent from the mailbox has gone; nothing waits for a person

    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = settings_of(config)
        self.problems: list[str] = []
        self.account = account(config)
        self.connection = self.account.con
        with self._talking("sign in", READ):
            authenticate(config, self.connection)
        self.url = f"{self.settings.graph_url.rstrip('/')}/v1.0/users/{self.settings.mailbox}"
        self._drafts: dict[str, str] = {}  # internetMessageId -> Graph id of the draft
        self._listed: dict[str, str] = {}  # Reply.key -> Graph id of the message
        self._filed_folder: str | None = None
        self._last_send: float | None = None  # time.monotonic(), for pacing only

    def prepare(self, mail: Outgoing) -> str:
        """Save ``mail`` as a draft with its letter attached, and return its internetMessageId."""
        files = attached_files(mail)
        with self._talking(f"save the email for {mail.attachment_name} in Drafts", READ):
            message = self.account.new_message()
            message.to.add((" ".join(mail.to_name.split()), mail.to.strip()))
            message.sender.address = self.settings.mailbox
            message.sender.name = " ".join(mail.sender_name.split())
            message.subject = " ".join(mail.subject.split())
            message.body = mail.html  # Graph keeps one body per message: the HTML one
            message.body_type = "HTML"
            # Saved first and attached after: O365 then uploads a letter over 3 MB in a session.
            saved = message.save_draft()
            message.attachments.add([(BytesIO(content), name) for name, content in files])
            saved = saved and message.save_draft()
            if not saved:
                raise LettersError(
                    f"Microsoft 365 did not save the email for {mail.attachment_name}; run again."
                )
            draft = self._get(f"/messages/{message.object_id}", {"$select": "internetMessageId"})
        message_id = str(draft["internetMessageId"])
        self._drafts[message_id] = str(message.object_id)
        return message_id

    def send(self, mail: Outgoing, message_id: str) -> str:
        """Send the draft ``message_id``, keeping a copy in Sent Items; never send it twice.

        A draft that is not in Drafts, or gone when sent (404), has most likely gone already:
        Graph answers ``send`` with 202 and files the Sent Items copy later, so a try that
        timed out or was refused with 503 may have gone all the same. It is never made again.
        """
        draft = self._drafts.get(message_id) or self._find("drafts", message_id)
        self._drafts.pop(message_id, None)
        if draft is not None and self._send_draft(draft, mail):
            return ""
        return self._gone(mail, message_id)

    def _send_draft(self, draft: str, mail: Outgoing) -> bool:
        """Send the draft with Graph id ``draft``; say False if it is not there (404)."""
        self._pace()
        with self._talking(f"send the email for {mail.attachment_name}", SEND):
            try:
                self.connection.post(f"{self.url}/messages/{draft}/send", data=None)
            except requests.HTTPError as error:
                if http_status(error) != 404:
                    raise
                return False
        return True

    def handed_over(self, message_id: str) -> bool:
        """Say whether Sent Items holds a message with this internetMessageId."""
        return self._find("sentitems", message_id) is not None

    def departures(self, message_ids: Collection[str]) -> dict[str, Waiting | Departed]:
        """Say nothing: a letter sent from the mailbox has gone, none is left ready to send."""
        return {}

    def _gone(self, mail: Outgoing, message_id: str) -> str:
        """Settle a draft that left Drafts after a send was tried: sent, unless still a draft.

        Sent Items is looked at again after a while; if Drafts has it after all, it had not
        gone and is sent now. When neither shows it, it is counted as sent, and said so.
        """
        for wait in self._looks():
            time.sleep(wait)
            if self._find("sentitems", message_id) is not None:
                return ""
            draft = self._find("drafts", message_id)
            if draft is not None and self._send_draft(draft, mail):
                return ""  # still a draft after all, so it had not gone: this send is the one
        return (
            f"Microsoft 365 has no draft of the email for {mail.attachment_name} to {mail.to}, "
            "and it is not in Sent Items yet: a send was tried, so it is counted as sent and "
            "will not be sent again. Check Sent Items in Outlook later; if it is not there, "
            f"send the signed letter (in the request's sent/ folder) by hand, with the subject "
            f'"{mail.subject}".'
        )

    def _looks(self) -> list[float]:
        """Return how long to wait before each look in Sent Items: at once, then longer."""
        return [0.0, *(0.5 * 2**n for n in range(max(0, self.settings.max_tries - 1)))]

    def replies(self, since: date | None = None) -> list[Reply]:
        """List the messages in the inbox since ``since``, oldest first, over every page."""
        self.problems = []
        found: list[Reply] = []
        start = f"{since.isoformat()}T00:00:00Z" if since else OLDEST
        params: dict[str, str] | None = {
            # The date comes first in $filter, as Graph requires with $orderby on it.
            "$filter": f"receivedDateTime ge {start}",
            "$orderby": "receivedDateTime asc",
            "$select": _LISTED,
            "$top": str(PAGE_SIZE),
        }
        url: str | None = f"{self.url}/mailFolders/inbox/messages"
        while url:
            page = self._get_url(url, params, "list the inbox", READ)
            params = None  # the next link carries them
            for item in page.get("value", []):
                try:
                    found.append(self._reply(item))
                except (KeyError, TypeError, ValueError) as error:
                    subject = item.get("subject", "") if isinstance(item, dict) else ""
                    self.problems.append(
                        f"inbox of {self.settings.mailbox}: the message {subject!r} cannot be "
                        f"read ({error}); file it by hand and move it out of the inbox."
                    )
            url = page.get("@odata.nextLink")
        return found

    def fetch(self, reply: Reply) -> ReplyContent:
        """Return ``reply`` as MIME, with its plain text and its file attachments."""
        graph_id = self._graph_id(reply)
        with self._talking(f"read the reply {reply.source}", READ):
            mime = self.connection.get(f"{self.url}/messages/{graph_id}/$value").content
            body = self._get(
                f"/messages/{graph_id}",
                {"$select": "body"},
                headers={"Prefer": 'outlook.body-content-type="text"'},
            )
            attachments: list[tuple[str, bytes]] = []
            url: str | None = f"{self.url}/messages/{graph_id}/attachments"
            while url:
                page = self.connection.get(url).json()
                for item in page.get("value", []):
                    if item.get("@odata.type") != "#microsoft.graph.fileAttachment":
                        continue  # an attached email or link: it is in the MIME kept whole
                    attachments.append((str(item.get("name") or ""), self._file(graph_id, item)))
                url = page.get("@odata.nextLink")
        text = str((body.get("body") or {}).get("content") or "").replace("\r\n", "\n")
        return ReplyContent(mime, None, text, tuple(attachments))

    def mark_filed(self, reply: Reply) -> None:
        """Mark ``reply`` read and move it into the Filed folder, unless it has gone already."""
        graph_id = self._listed.get(reply.key) or self._find("inbox", reply.message_id)
        if graph_id is None:
            return  # moved by an earlier run that was stopped before it could record it
        folder = self._folder()
        with self._talking(f"move the reply {reply.source} to {self.settings.filed_folder}", READ):
            try:
                self.connection.patch(f"{self.url}/messages/{graph_id}", data={"isRead": True})
                self.connection.post(
                    f"{self.url}/messages/{graph_id}/move", data={"destinationId": folder}
                )
            except requests.HTTPError as error:
                if http_status(error) != 404:
                    raise
        self._listed.pop(reply.key, None)

    def filed_where(self, reply: Reply) -> str:
        """Name the mail folder that ``mark_filed`` moves ``reply`` to."""
        folder = self.settings.filed_folder
        return f"the mailbox folder {folder}" if folder else "the mailbox's Filed folder"

    def _reply(self, item: dict[str, Any]) -> Reply:
        """Return the reply that the listed Graph message ``item`` is."""
        graph_id = str(item["id"])
        message_id = str(item.get("internetMessageId") or "")
        key = message_id or f"graph:{graph_id}"
        self._listed[key] = graph_id
        headers = item.get("internetMessageHeaders")
        if not headers:  # none kept (a message from inside the organisation): read its MIME
            mime = self.connection.get(f"{self.url}/messages/{graph_id}/$value").content
            parsed = BytesHeaderParser(policy=policy.default).parsebytes(mime)
            pairs = [(name, str(value)) for name, value in parsed.items()]
        else:
            pairs = [(str(header["name"]), str(header["value"])) for header in headers]
        wanted = [
            value
            for target in ("in-reply-to", "references")
            for name, value in pairs
            if name.lower() == target
        ]
        subject = " ".join(str(item.get("subject") or "").split())
        received = item.get("receivedDateTime")
        return Reply(
            key=key,
            source=f"inbox: {subject}",
            subject=subject,
            sender=str(((item.get("from") or {}).get("emailAddress") or {}).get("address") or ""),
            received=_day(str(received)) if received else None,
            file_name="",
            message_id=message_id,
            answers=answered_ids(*wanted),
            headers=tuple(pairs),
        )

    def _file(self, graph_id: str, item: dict[str, Any]) -> bytes:
        """Return the content of the file attachment ``item``, downloading it when not inline."""
        if item.get("contentBytes") is not None:
            return base64.b64decode(item["contentBytes"])
        url = f"{self.url}/messages/{graph_id}/attachments/{item['id']}/$value"
        return bytes(self.connection.get(url).content)

    def _find(self, folder: str, message_id: str) -> str | None:
        """Return the Graph id of the message ``message_id`` in ``folder``, None if not there."""
        if not message_id:
            return None
        quoted = message_id.replace("'", "''")
        page = self._get(
            f"/mailFolders/{folder}/messages",
            {"$filter": f"internetMessageId eq '{quoted}'", "$select": "id"},
        )
        found = page.get("value") or []
        return str(found[0]["id"]) if found else None

    def _graph_id(self, reply: Reply) -> str:
        """Return the Graph id of a listed ``reply``."""
        graph_id = self._listed.get(reply.key) or self._find("inbox", reply.message_id)
        if graph_id is None:
            raise LettersError(
                f"{reply.source}: the reply left the inbox during the run; run again."
            )
        return graph_id

    def _folder(self) -> str:
        """Return the Graph id of the Filed folder, making each level of it when missing."""
        if self._filed_folder is not None:
            return self._filed_folder
        parent: str | None = None
        for name in (part.strip() for part in self.settings.filed_folder.split("/")):
            if not name:
                continue
            children = f"/mailFolders/{parent}/childFolders" if parent else "/mailFolders"
            quoted = name.replace("'", "''")
            page = self._get(children, {"$filter": f"displayName eq '{quoted}'", "$select": "id"})
            found = page.get("value") or []
            if found:
                parent = str(found[0]["id"])
            else:
                made = self._get_url(
                    self.url + children,
                    None,
                    f"make the mail folder {name}",
                    READ,
                    method="post",
                    data={"displayName": name},
                )
                parent = str(made["id"])
        if parent is None:
            raise LettersError('mail.filed_folder is empty; name a mail folder, e.g. "Filed".')
        self._filed_folder = parent
        return parent

    def _pace(self) -> None:
        """Wait so that sends stay under the mailbox's limit of messages a minute."""
        interval = 60.0 / max(1, self.settings.sends_per_minute)
        if self._last_send is not None:
            wait = self._last_send + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_send = time.monotonic()


def _day(value: str) -> date:
    """Return the local calendar day of a Graph timestamp, as Outlook shows it."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


def check(config: Config, send_test: bool = False) -> list[str]:
    """Say for `letters login --check` whether the mailbox can be read and sent from."""
    try:
        return M365Mail(config).check(send_test)
    except LettersError as error:
        return [error.message]


# What the loader finds (pipeline.mail.base): the run, `letters login` and `letters login --check`.
BACKEND = Backend(connect=connect, keys=KEYS, settings=parse, sign_in=SignIn(login, check))
