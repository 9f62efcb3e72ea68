"""Message routes: list (with $filter, $orderby, $top, nextLink), create, read, change,
send, move and copy."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from urllib.parse import quote

from .attachments import AttachmentRoutes
from .conventions import DEFAULT_TOP, JSON, graph_id, utc_now
from .mime import message_mime
from .model import Folder, Mailbox, Message
from .odata import FilterParser, expands_attachments, order_by, page, selected
from .responses import GraphError, Response, json_response

if TYPE_CHECKING:
    from .routing import Request


class MessageRoutes(AttachmentRoutes):
    """/messages… (messages carry attachments, so these routes build on attachment routes)."""

    def _single(
        self, box: Mailbox, message: Message, query: dict[str, str], status: int = 200
    ) -> Response:
        data = self._message_json(
            box, message, select=selected(query), expand=expands_attachments(query)
        )
        data["@odata.context"] = (
            f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/messages/$entity"
        )
        return json_response(status, data)

    def _create_message(self, box: Mailbox, folder: Folder, data: JSON) -> Response:
        message = self._new_message(box, folder)
        self._apply_fields(box, message, data)
        self._store(box, message)
        return self._single(box, message, {}, status=201)

    def _list_messages(self, box: Mailbox, folder: Folder | None, request: Request) -> Response:
        query = request.query
        messages = [m for m in box.messages.values() if folder is None or m.folder_id == folder.id]
        pairs = [(m, m.to_json()) for m in messages]
        filter_fields: list[str] = []
        if query.get("$filter"):
            parser = FilterParser(query["$filter"])
            predicate = parser.parse()
            filter_fields = parser.fields
            pairs = [(m, j) for m, j in pairs if predicate(j)]
        order_by(pairs, query, filter_fields)
        select, expand = selected(query), expands_attachments(query)
        items = [self._message_json(box, m, select=select, expand=expand) for m, _ in pairs]
        where = f"mailFolders('{folder.id}')/messages" if folder else "messages"
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/{where}"
        return self._page(items, request, context, default_top=DEFAULT_TOP)

    def _page(
        self,
        items: list[JSON],
        request: Request,
        context: str,
        *,
        default_top: int,
    ) -> Response:
        """A page of a listing, its nextLink pointing back at the path asked for."""
        link = f"{self.url.rstrip('/')}{request.sent_path}"
        data = page(
            items,
            request.query,
            context=context,
            link=link,
            page_size=self.page_size,
            default_top=default_top,
        )
        return json_response(200, data)

    def _message_item(
        self,
        box: Mailbox,
        request: Request,
        rest: list[str],
        data: JSON,
    ) -> Response:
        message = self._message_or_404(box, rest[0])
        if len(rest) == 1:
            if request.method == "GET":
                return self._single(box, message, request.query)
            if request.method == "PATCH":
                self._apply_fields(box, message, data)
                return self._single(box, message, {})
            if request.method == "DELETE":
                del box.messages[message.id]
                return Response(204, b"", None)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        action = rest[1]
        if action == "$value" and request.method == "GET" and len(rest) == 2:
            return Response(200, message_mime(message), "text/plain")
        if action == "send" and request.method == "POST":
            self._permission(box, "Mail.Send")
            if not message.is_draft:
                raise GraphError(400, "ErrorInvalidOperation", "Only draft messages can be sent.")
            self._send(box, message)
            return Response(202, b"", None)
        if action in ("move", "copy") and request.method == "POST":
            destination = next((v for k, v in data.items() if k.lower() == "destinationid"), None)
            if not isinstance(destination, str):
                raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
            folder = self._folder_or_404(box, destination)
            moved = copy.deepcopy(message)
            moved.id = graph_id()
            moved.folder_id = folder.id
            moved.modified = utc_now()
            if action == "move":
                del box.messages[message.id]
                box.messages[moved.id] = moved
            else:
                self._store(box, moved)
            return self._single(box, moved, {}, status=201)
        if action == "attachments":
            return self._attachments(box, message, request, rest[2:], data)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")
