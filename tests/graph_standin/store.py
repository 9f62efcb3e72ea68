"""The mail store's changes: storing, creating, filling in, sending and delivering messages."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email
import email.policy
import email.utils
import re
import time
import uuid
from typing import Any

from .conventions import JSON, SIMPLE_ATTACHMENT_LIMIT, graph_id, guess_type, utc_now
from .mime import message_mime, recipient_json
from .model import Attachment, Folder, Mailbox, Message
from .odata import lookup
from .responses import GraphError
from .state import Filing, StandinState


class MailStore(StandinState):
    """Look-ups and changes in the mailboxes, used by every route family."""

    def _file_sent_items(self) -> None:
        """Put into Sent Items each sent message whose time has come (one request more)."""
        for filing in list(self._filing):
            filing.requests_left -= 1
            if filing.requests_left <= 0 and time.monotonic() >= filing.due:
                self._filing.remove(filing)
                self._store(filing.box, filing.message)

    def _store(self, box: Mailbox, message: Message) -> None:
        self._seq += 1
        message.seq = self._seq
        box.messages[message.id] = message

    def _new_message(self, box: Mailbox, folder: Folder) -> Message:
        return Message(
            id=graph_id(),
            folder_id=folder.id,
            internet_message_id=f"<{uuid.uuid4().hex}@stand-in>",
            conversation_id=graph_id("AAQkAGI2"),
            sender=recipient_json(box.display_name, box.address),
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
        message.sender = recipient_json(*senders[0]) if senders else None
        for header, target in (("To", message.to), ("Cc", message.cc)):
            for name, address in email.utils.getaddresses(
                [str(v) for v in parsed.get_all(header, [])]
            ):
                target.append(recipient_json(name, address))
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
                    graph_id("AAMkAGI2att"),
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
            # Graph leaves the property out where Exchange kept no transport headers: a
            # message from inside the organisation, or a copy in Sent Items.
            if "internetmessageheaders" in wanted and message.headers:
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
        message.modified = utc_now()
        del box

    @staticmethod
    def _check_recipient(value: Any) -> JSON:
        address = lookup(value, "emailAddress/address")
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient isn't valid., Recipient '' is not resolved.",
            )
        name = lookup(value, "emailAddress/name") or address
        return recipient_json(name, address)

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
            graph_id("AAMkAGI2att"),
            name,
            lowered.get("contenttype") or guess_type(name),
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
        now = utc_now()
        message.is_draft = False
        message.is_read = True
        message.sent = now
        message.received = now
        message.modified = now
        if message.sender is None:
            message.sender = recipient_json(box.display_name, box.address)
        if save:
            message.id = graph_id()
            message.folder_id = box.well_known("sentitems").id
            if self.sent_items_after_requests or self.sent_items_after_seconds:
                due = time.monotonic() + self.sent_items_after_seconds
                self._filing.append(Filing(box, message, self.sent_items_after_requests, due))
            else:
                self._store(box, message)
        mime = message_mime(message)
        for recipient in message.to + message.cc + message.bcc:
            address = str(lookup(recipient, "emailAddress/address")).lower()
            if address in self.mailboxes:
                target = self.mailboxes[address]
                copy_ = self._message_from_mime(
                    target, email.message_from_bytes(mime, policy=email.policy.default), mime
                )
                copy_.folder_id = target.well_known("inbox").id
                copy_.is_read = False
                self._store(target, copy_)

    def _permission(self, box: Mailbox, permission: str) -> None:
        if permission in box.denied or permission in self._denied_everywhere:
            raise GraphError(403)
        caller = self._caller
        if caller is None or caller.user is None:
            return  # app-only: the app's own permissions, checked above
        # Delegated: the permissions the user consented to, and (another user's or a shared
        # mailbox) the mailbox permissions Exchange gives the user there.
        granted = set(caller.scopes.split())
        if caller.user.lower() == box.address.lower():
            if not granted & {permission, f"{permission}.Shared"}:
                raise GraphError(403)
            return
        rights = box.delegates.get(caller.user.lower(), set())
        if f"{permission}.Shared" not in granted or "FullAccess" not in rights:
            raise GraphError(403)
        if permission == "Mail.Send" and not rights & {"SendAs", "SendOnBehalf"}:
            raise GraphError(
                403,
                "ErrorSendAsDenied",
                "The user account which was used to submit this request does not have the right "
                "to send mail on behalf of the specified sending account. Cannot submit message.",
            )

    def _folder_or_404(self, box: Mailbox, ident: str) -> Folder:
        folder = box.folder(ident)
        if folder is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return folder

    def _message_or_404(self, box: Mailbox, ident: str) -> Message:
        message = box.messages.get(ident)
        if message is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return message
