"""Graph's conventions: JSON objects, size limits, permissions, ids, dates, base64url."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from typing import Any

JSON = dict[str, Any]

MB = 1024 * 1024
SIMPLE_ATTACHMENT_LIMIT = 3 * MB  # larger attachments need an upload session
REQUEST_LIMIT = 4 * MB  # Graph refuses request bodies over 4 MB (upload chunks included)
DEFAULT_TOP = 10  # Graph's default page size for messages
MAX_BODY = 200 * MB  # never read more than this from a socket

PERMISSIONS = ("Mail.Send", "Mail.ReadWrite")
#: The delegated permissions a signed-in user can consent to: their own mailbox, or (.Shared)
#: the mailboxes shared with them as well.
DELEGATED = (*PERMISSIONS, "Mail.Send.Shared", "Mail.ReadWrite.Shared", "User.Read")


def utc_now() -> dt.datetime:
    """Now, in UTC, to the whole second (as Graph keeps its dates)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    """Graph's date-time form: UTC, whole seconds, ``Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_id(prefix: str = "AAMkAGI2") -> str:
    """A new id shaped like Graph's (the prefix tells messages, folders and attachments apart)."""
    return prefix + secrets.token_urlsafe(48).replace("-", "A").replace("_", "B")


def b64url(data: bytes) -> str:
    """Base64url without padding, as in a JWT."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: JSON) -> str:
    """A JSON object as compact base64url, a JWT's header or claims."""
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def guess_type(name: str) -> str:
    """The content type of a file name, application/octet-stream if unknown."""
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"
