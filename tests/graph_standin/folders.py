"""Mail folder routes: list, create, read and delete folders and child folders."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from .conventions import JSON, graph_id
from .messages import MessageRoutes
from .model import Folder, Mailbox
from .odata import FilterParser
from .responses import GraphError, Response, json_response

if TYPE_CHECKING:
    from .routing import Request


class FolderRoutes(MessageRoutes):
    """/mailFolders… (folders hold messages, so these routes build on message routes)."""

    def _folders(self, box: Mailbox, request: Request, rest: list[str], data: JSON) -> Response:
        root = box.well_known("msgfolderroot")
        if not rest:
            if request.method == "GET":
                return self._list_folders(box, root, request)
            if request.method == "POST":
                return self._create_folder(box, root, data)
            raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
        folder = self._folder_or_404(box, rest[0])
        if len(rest) == 1:
            if request.method == "GET":
                return json_response(200, self._folder_json(box, folder))
            if request.method == "DELETE":
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
            if request.method == "GET":
                return self._list_folders(box, folder, request)
            if request.method == "POST":
                return self._create_folder(box, folder, data)
        if segment == "messages":
            if len(rest) == 2:
                if request.method == "GET":
                    return self._list_messages(box, folder, request)
                if request.method == "POST":
                    return self._create_message(box, folder, data)
            else:
                return self._message_item(box, request, rest[2:], data)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    def _folder_json(self, box: Mailbox, folder: Folder) -> JSON:
        data = folder.to_json(box)
        data["@odata.context"] = (
            f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/mailFolders/$entity"
        )
        return data

    def _list_folders(self, box: Mailbox, parent: Folder, request: Request) -> Response:
        items = [f.to_json(box) for f in box.folders.values() if f.parent_id == parent.id]
        if request.query.get("$filter"):
            predicate = FilterParser(request.query["$filter"]).parse()
            items = [i for i in items if predicate(i)]
        context = f"{self.url}v1.0/$metadata#users('{quote(box.address)}')/mailFolders"
        return self._page(items, request, context, default_top=10)

    def _create_folder(self, box: Mailbox, parent: Folder, data: JSON) -> Response:
        name = next((v for k, v in data.items() if k.lower() == "displayname"), None)
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "The folder name is missing.")
        for folder in box.folders.values():
            if folder.parent_id == parent.id and folder.display_name.lower() == name.lower():
                raise GraphError(409)
        folder = Folder(graph_id("AAMkAGI2fld"), name, parent.id)
        box.folders[folder.id] = folder
        return json_response(201, self._folder_json(box, folder))
