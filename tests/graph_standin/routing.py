"""The request handler, and the dispatch of each request: injected faults, the identity
platform, Graph (authentication, the user, mail), errors as JSON, and the request log."""

from __future__ import annotations

import email.message
import http.server
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .conventions import JSON, MAX_BODY, REQUEST_LIMIT, iso, utc_now
from .folders import FolderRoutes
from .identity import IdentityPlatform
from .model import Mailbox
from .responses import ERROR_TEXTS, GraphError, IdentityError, Response, json_response
from .state import Fault, Token

if TYPE_CHECKING:
    from .server import GraphStandin


@dataclass(frozen=True)
class Request:
    """One request as the routes see it, read off the socket by the dispatch."""

    method: str
    path: str  # unquoted, without the query
    sent_path: str  # as sent, still quoted: a nextLink repeats it
    query: dict[str, str]  # the last value of each parameter
    body: bytes
    headers: email.message.Message  # case-insensitive, as the handler read them


class StandinServer(http.server.ThreadingHTTPServer):
    """The HTTP server, one thread a request, that hands every request to its stand-in."""

    daemon_threads = True
    allow_reuse_address = True
    standin: GraphStandin


class RequestHandler(http.server.BaseHTTPRequestHandler):
    """The request handler: every request, whatever its method, goes to the dispatch."""

    # HTTP/1.0: one request per connection, so clients close their sockets after each answer
    # and nothing lingers when the server stops.
    protocol_version = "HTTP/1.0"
    server: StandinServer
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet; the stand-in keeps its own log

    def _handle(self) -> None:
        self.server.standin._dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class Router(FolderRoutes, IdentityPlatform):
    """Route each request to its family, and answer errors as the real services do."""

    def _dispatch(self, handler: RequestHandler) -> None:
        request = self._read(handler)
        with self._lock:
            self._file_sent_items()
            fault = self._fault(request.method, request.path)
            if fault is None:
                response = self._answer(request)
            else:
                if fault.processed:
                    self._answer(request)  # done all the same: only the answer is lost
                response = self._fault_response(fault)
            self._log(request, response)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)  # outside the lock: the rest of the stand-in goes on
        handler.send_response(response.status)
        if response.content_type and response.body:
            handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.send_header("request-id", str(uuid.uuid4()))
        for key, value in response.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if request.method != "HEAD" and response.body:
            handler.wfile.write(response.body)

    @staticmethod
    def _read(handler: RequestHandler) -> Request:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        return Request(
            method=handler.command.upper(),
            path=unquote(split.path),
            sent_path=split.path,
            query={k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()},
            body=handler.rfile.read(min(length, MAX_BODY)) if length > 0 else b"",
            headers=handler.headers,
        )

    def _log(self, request: Request, response: Response) -> None:
        self.requests.append((request.method, request.path, response.status))
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        self.request_details.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query,
                "status": response.status,
                "headers": headers,
                "body_size": len(request.body),
            }
        )

    def _answer(self, request: Request) -> Response:
        """Route the request, and answer its errors as Graph and the identity platform do."""
        try:
            return self._route(request)
        except GraphError as error:
            return self._graph_error(error, request)
        except IdentityError as error:
            return self._identity_error(error)
        except Exception as error:  # a bug in the stand-in: say so loudly, as a 500
            return self._graph_error(
                GraphError(500, "generalException", f"stand-in bug: {error!r}"), request
            )

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method in ("*", method) and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None

    def _fault_response(self, fault: Fault) -> Response:
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.body is None:
            code, message = ERROR_TEXTS.get(fault.status, ("UnknownError", "Error."))
            return json_response(fault.status, self._error_body(code, message), headers)
        if isinstance(fault.body, dict | list):
            return json_response(fault.status, fault.body, headers)
        raw = fault.body.encode() if isinstance(fault.body, str) else bytes(fault.body)
        return Response(fault.status, raw, "text/plain", headers)

    @staticmethod
    def _error_body(code: str, message: str) -> JSON:
        return {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": iso(utc_now()),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        }

    def _graph_error(self, error: GraphError, request: Request) -> Response:
        body = self._error_body(error.code, error.message)
        client_request = request.headers.get("client-request-id")
        if client_request:
            body["error"]["innerError"]["client-request-id"] = client_request
        headers = dict(error.headers)
        if error.status == 401:
            headers.setdefault(
                "WWW-Authenticate",
                'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
                'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
            )
        return json_response(error.status, body, headers)

    @staticmethod
    def _identity_error(error: IdentityError) -> Response:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return json_response(
            error.status,
            {
                "error": error.error,
                "error_description": f"{error.description} Trace ID: {trace} Correlation ID: "
                f"{correlation} Timestamp: {utc_now().strftime('%Y-%m-%d %H:%M:%SZ')}",
                "error_codes": [int(re.findall(r"AADSTS(\d+)", error.description)[0])]
                if "AADSTS" in error.description
                else [],
                "timestamp": utc_now().strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": "https://login.microsoftonline.com/error?code="
                + "".join(re.findall(r"AADSTS(\d+)", error.description)[:1]),
            },
        )

    def _route(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if not parts:
            raise GraphError(404, "NotFound", "Not found.")
        if parts[0] == "upload" and len(parts) == 2:
            return self._upload(request, parts[1])
        if parts[0] == "v1.0":
            if len(request.body) > REQUEST_LIMIT:
                raise GraphError(413)
            return self._graph(request, parts[1:])
        return self._identity(request, parts)

    def _authenticate(self, request: Request) -> Token:
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        token = self._tokens.get(auth[7:].strip())
        if token is None:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Invalid JWT token. The token is not recognized.",
            )
        if token.expires <= utc_now():
            raise GraphError(401)
        return token

    def _graph(self, request: Request, parts: list[str]) -> Response:
        token = self._caller = self._authenticate(request)
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
        if not rest:
            if token.user is not None and token.user.lower() != box.address.lower():
                raise GraphError(403)  # another user's profile needs User.Read.All
            if request.method != "GET":
                raise GraphError(405, "Request_BadRequest", "Method not allowed.")
            return json_response(200, self._user_json(box))
        data = self._body_json(request.body) if request.method in ("POST", "PATCH") else {}
        return self._mail(box, request, rest, data)

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

    def _mail(self, box: Mailbox, request: Request, rest: list[str], data: JSON) -> Response:
        head = rest[0]
        if head.lower() == "sendmail" and len(rest) == 1 and request.method == "POST":
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
            return self._folders(box, request, rest[1:], data)
        if head == "messages":
            if len(rest) == 1:
                if request.method == "GET":
                    return self._list_messages(box, None, request)
                if request.method == "POST":
                    return self._create_message(box, box.well_known("drafts"), data)
                raise GraphError(405, "ErrorInvalidRequest", "Method not allowed.")
            return self._message_item(box, request, rest[1:], data)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{head}'.")
