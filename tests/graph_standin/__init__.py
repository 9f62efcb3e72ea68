"""A stand-in for Microsoft Graph mail and the Microsoft identity platform, for tests.

A small, stateful HTTPS server on 127.0.0.1 (a CA and a certificate for 127.0.0.1 made at
start-up) serving the subset of Microsoft Graph v1.0 mail, and of the identity platform
(OpenID configuration, token and authorize endpoints), that a mail back-end built on the O365
library uses, answering with the JSON shapes of Microsoft's documentation.

Fixture (``graph``, see ``graph_fixture``): ``graph.url`` (``https://127.0.0.1:<port>/``, the
``graph_url``), ``graph.authority`` (``<url><tenant_id>``, the msal authority),
``graph.tenant_id``, ``graph.client_id``, ``graph.client_secret``, ``graph.ca_file``;
``add_mailbox``, ``deliver`` (MIME into a folder), ``folder_messages``, ``sent``,
``message_mime``; ``fail`` (inject 429/503/401/403/… with Retry-After, optionally after doing
the request all the same, or after a delay: a timeout); ``sent_items_after_requests`` and
``sent_items_after_seconds`` (Graph files a sent message's Sent Items copy later; until then
it is in no folder); ``deny``/``allow`` (a missing permission: 403), ``expire_tokens``,
``token_lifetime``, ``revoke_refresh_tokens``, ``sign_in`` (plays the browser in the delegated
flow, as ``login_as``), ``delegate`` (a user's Full Access / Send As on a shared mailbox),
``register_certificate`` (the app's certificates), ``page_size``; ``requests`` (a log of
(method, path, status)) and ``count``.

Who may do what, as Microsoft decides it: an app-only token carries the app's permissions
(``deny``); a delegated token carries the permissions the user consented to (``scp``: Mail.Send,
Mail.ReadWrite for their own mailbox, the ``.Shared`` ones for a mailbox shared with them, which
also needs ``delegate``). A public client (redirect URI ``…/common/oauth2/nativeclient``) must
send no secret, an app-only one a secret or an assertion signed with a registered certificate.

The fixture points REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE at the stand-in's CA for the test
(``trust_standin``): requests lets those override a Session's own ``verify``, and O365 and
msal only ever set ``session.verify``. So clients need no TLS setting of their own.

Pointing O365 + msal at it, nothing patched: an ``MSGraphProtocol`` whose ``protocol_url`` is
``graph.url`` and ``service_url`` is ``graph.url + "v1.0/"``, and a ``Connection`` subclass
(``Account.connection_constructor``) whose msal client uses ``authority=graph.authority`` and
``instance_discovery=False`` (otherwise msal asks login.microsoftonline.com to validate the
127.0.0.1 authority). See ``StandinConnection`` in ``tests/test_graph_standin.py``.

The package, one concern a module: ``server`` (GraphStandin: start, stop and the helpers above),
``fixture`` (the pytest fixture), ``routing`` (the request handler and the dispatch),
``identity`` (the identity platform), ``credentials`` (the client's secret, certificate or
none), ``folders``, ``messages`` and ``attachments`` (the
Graph mail routes, one family a module), ``store`` and ``model`` (the mail store and its
records), ``odata`` ($filter), ``mime``, ``certificates``, ``responses`` (errors and their
JSON), ``state`` and ``conventions``.
"""

from .certificates import make_certificate
from .conventions import (
    DEFAULT_TOP,
    JSON,
    MAX_BODY,
    MB,
    PERMISSIONS,
    REQUEST_LIMIT,
    SIMPLE_ATTACHMENT_LIMIT,
    iso,
)
from .fixture import graph_fixture, trust_standin
from .mime import message_mime
from .model import WELL_KNOWN, Attachment, Folder, Mailbox, Message
from .odata import FilterParser, Predicate
from .responses import ERROR_TEXTS, GraphError, IdentityError, Response
from .server import GraphStandin
from .state import Fault, Token

__all__ = [
    "DEFAULT_TOP",
    "ERROR_TEXTS",
    "JSON",
    "MAX_BODY",
    "MB",
    "PERMISSIONS",
    "REQUEST_LIMIT",
    "SIMPLE_ATTACHMENT_LIMIT",
    "WELL_KNOWN",
    "Attachment",
    "Fault",
    "FilterParser",
    "Folder",
    "GraphError",
    "GraphStandin",
    "IdentityError",
    "Mailbox",
    "Message",
    "Predicate",
    "Response",
    "Token",
    "graph_fixture",
    "iso",
    "make_certificate",
    "message_mime",
    "trust_standin",
]
