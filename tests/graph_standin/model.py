"""The mail store's records: mailboxes, folders, messages and attachments, and their Graph JSON."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from .conventions import JSON, b64url, graph_id, iso, utc_now

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


@dataclass
class Attachment:
    id: str
    name: str
    content_type: str
    content: bytes
    is_inline: bool = False
    content_id: str | None = None
    modified: dt.datetime = field(default_factory=utc_now)

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
    created: dt.datetime = field(default_factory=utc_now)
    modified: dt.datetime = field(default_factory=utc_now)
    received: dt.datetime = field(default_factory=utc_now)
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
            "@odata.etag": f'W/"{b64url(self.modified.isoformat().encode())}"',
            "id": self.id,
            "createdDateTime": iso(self.created),
            "lastModifiedDateTime": iso(self.modified),
            "changeKey": b64url(self.modified.isoformat().encode()),
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
            "conversationIndex": b64url(self.conversation_id.encode())[:30],
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
    # Exchange's mailbox permissions given to other users, by their lower-case address:
    # "FullAccess" (Add-MailboxPermission), "SendAs" (Add-RecipientPermission), "SendOnBehalf".
    delegates: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        root = Folder(graph_id("AQMkADAw"), "Top of Information Store", "", "msgfolderroot")
        self.folders[root.id] = root
        for key, name in WELL_KNOWN.items():
            if key != "msgfolderroot":
                folder = Folder(graph_id("AQMkADAw"), name, root.id, key)
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
