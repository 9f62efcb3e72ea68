"""Attachment routes: a message's attachments, and upload sessions for large ones."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING
from urllib.parse import quote

from .conventions import JSON, MB, REQUEST_LIMIT, graph_id, guess_type, iso, utc_now
from .model import Attachment, Mailbox, Message
from .responses import GraphError, Response, json_response
from .store import MailStore

if TYPE_CHECKING:
    from .routing import Request


class AttachmentRoutes(MailStore):
    """/messages/{id}/attachments… and /upload/{token}."""

    def _attachments(
        self,
        box: Mailbox,
        message: Message,
        request: Request,
        rest: list[str],
        data: JSON,
    ) -> Response:
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/messages('{message.id}')"
        if not rest:
            if request.method == "GET":
                return json_response(
                    200,
                    {
                        "@odata.context": f"{context}/attachments",
                        "value": [a.to_json() for a in message.attachments],
                    },
                )
            if request.method == "POST":
                attachment = self._attachment_from_json(data)
                message.attachments.append(attachment)
                message.modified = utc_now()
                result = attachment.to_json()
                result["@odata.context"] = f"{context}/attachments/$entity"
                return json_response(201, result)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        if rest[0] == "createUploadSession" and request.method == "POST":
            return self._create_upload_session(box, message, data)
        return self._attachment_item(message, request.method, rest, context)

    def _create_upload_session(self, box: Mailbox, message: Message, data: JSON) -> Response:
        """Open an upload session for a large attachment; its chunks come to /upload/{token}."""
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
        expires = utc_now() + dt.timedelta(minutes=15)
        self._uploads[token] = {
            "mailbox": box.address,
            "message": message.id,
            "name": lowered.get("name") or "attachment",
            "content_type": lowered.get("contenttype") or guess_type(lowered.get("name") or ""),
            "is_inline": bool(lowered.get("isinline")),
            "size": size,
            "data": bytearray(),
            "expires": expires,
        }
        return json_response(
            201,
            {
                "@odata.context": f"{self.url}v1.0/$metadata#microsoft.graph.uploadSession",
                "uploadUrl": f"{self.url}upload/{token}",
                "expirationDateTime": iso(expires),
                "nextExpectedRanges": ["0-"],
            },
        )

    @staticmethod
    def _attachment_item(message: Message, method: str, rest: list[str], context: str) -> Response:
        """GET or DELETE one attachment, or GET its bytes ($value)."""
        attachment = next((a for a in message.attachments if a.id == rest[0]), None)
        if attachment is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if len(rest) == 1:
            if method == "GET":
                result = attachment.to_json()
                result["@odata.context"] = f"{context}/attachments/$entity"
                return json_response(200, result)
            if method == "DELETE":
                message.attachments.remove(attachment)
                return Response(204, b"", None)
        if len(rest) == 2 and rest[1] == "$value" and method == "GET":
            return Response(200, attachment.content, attachment.content_type)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[-1]}'.")

    def _upload(self, request: Request, token: str) -> Response:
        session = self._uploads.get(token)
        if session is None or session["expires"] <= utc_now():
            raise GraphError(404, "ErrorItemNotFound", "The upload session was not found.")
        if request.method == "DELETE":
            del self._uploads[token]
            return Response(204, b"", None)
        if request.method != "PUT":
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        content_range = request.headers.get("Content-Range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
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
        if len(request.body) != end - start + 1:
            raise GraphError(
                400, "InvalidContentRange", "Content-Length and Content-Range do not agree."
            )
        if len(request.body) > REQUEST_LIMIT:
            raise GraphError(413)
        received.extend(request.body)
        if len(received) < total:
            return json_response(
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
            graph_id("AAMkAGI2att"),
            session["name"],
            session["content_type"],
            bytes(received),
            is_inline=session["is_inline"],
        )
        message.attachments.append(attachment)
        message.modified = utc_now()
        location = (
            f"{self.url}v1.0/users('{quote(box.address)}')/messages('{message.id}')"
            f"/attachments('{attachment.id}')"
        )
        return Response(201, b"", None, {"Location": location})
