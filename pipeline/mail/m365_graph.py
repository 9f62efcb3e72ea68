"""Talk to Microsoft Graph for the m365 back-end: each request one step, each failure one line.

M365Mail (pipeline.mail.m365) is a GraphMailbox: what it asks of the mailbox goes through
``_get``, ``_get_url`` and ``_talking`` here, which turn HTTP and network errors into a
LettersError that says what was being done, what went wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests

from pipeline.errors import LettersError

if TYPE_CHECKING:
    from pipeline.mail.m365_auth import GraphConnection
    from pipeline.mail.m365_settings import M365Settings

READ, SEND = "Mail.ReadWrite", "Mail.Send"
# Graph's error codes for a mailbox that does not exist or is not on Exchange Online.
NO_MAILBOX = frozenset(
    {"ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "ResourceNotFound", "ErrorMailboxNotFound"}
)


class GraphMailbox:
    """One mailbox over Microsoft Graph: its requests, and their failures said for a person."""

    # Set by M365Mail when it signs in.
    connection: GraphConnection  # O365's connection, signed in
    settings: M365Settings
    url: str  # the mailbox's Graph address: <graph_url>/v1.0/users/<mailbox>

    def _get(self, path: str, params: dict[str, str] | None, **kwargs: Any) -> dict[str, Any]:
        """GET ``path`` of the mailbox and return its JSON."""
        return self._get_url(self.url + path, params, "read the mailbox", READ, **kwargs)

    def _get_url(
        self,
        url: str,
        params: dict[str, str] | None,
        doing: str,
        permission: str,
        method: str = "get",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Request ``url`` and return its JSON, as one step that a person can understand."""
        with self._talking(doing, permission):
            if method == "get":
                response = self.connection.get(url, params=params, **kwargs)
            else:
                response = self.connection.oauth_request(url, method, **kwargs)
            data = response.json()
        if not isinstance(data, dict):
            raise LettersError(f"Microsoft 365 answered oddly when asked to {doing}; run again.")
        return data

    @contextmanager
    def _talking(self, doing: str, permission: str) -> Iterator[None]:
        """Turn what goes wrong while talking to Microsoft 365 into one line for a person."""
        try:
            yield
        except LettersError:
            raise
        except requests.HTTPError as error:
            raise LettersError(self._http_problem(error, doing, permission)) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise LettersError(
                f"Cannot reach Microsoft 365 at {self.settings.graph_url} to {doing} "
                f"({type(error).__name__}); check the internet connection, then run again."
            ) from error

    def _http_problem(self, error: requests.HTTPError, doing: str, permission: str) -> str:
        """Say in one line what an HTTP error from Graph means and what to do."""
        status = http_status(error)
        code, said = _graph_error(error.response)
        mailbox = self.settings.mailbox
        if status == 403:
            refused = f"Microsoft 365 refused to {doing} in {mailbox} (403 {code})"
            return f"{refused}: {self._forbidden(code, permission)}"
        if status == 401:
            return (
                f"Microsoft 365 did not accept the sign-in to {doing} (401 {code}); check "
                'mail.tenant_id and mail.client_id, or run `letters login` for auth = "user".'
            )
        if status == 404 and code in NO_MAILBOX:
            return (
                f"Microsoft 365 has no mailbox {mailbox} ({code}); correct mail.mailbox (the "
                "mailbox's email address), then run again."
            )
        if status in (429, 503):
            return (
                f"Microsoft 365 is too busy to {doing} ({status}), still after "
                f"{self.settings.max_tries} tries; run again later: what was done is recorded."
            )
        return f"Microsoft 365 could not {doing} ({status} {code} {said}); run again later."

    def _forbidden(self, code: str, permission: str) -> str:
        """Say what to do about a 403: the app's RBAC role, or the signed-in user's access."""
        settings, mailbox = self.settings, self.settings.mailbox
        if settings.auth == "app":
            role = f'"Application {permission}"'
            return (
                f"the app has no Exchange role {role} for this mailbox; an Exchange "
                f"administrator assigns it to the app with New-ManagementRoleAssignment -App "
                f"{settings.client_id} -Role {role} -CustomResourceScope <a scope holding "
                f"{mailbox}> (README, Microsoft 365, step 3). A new assignment can take up to two "
                "hours to apply: if it was just made, run again later."
            )
        user = self.connection.signed_in_as or "the person who signed in"
        if user.lower() == mailbox.lower():
            return (
                f"the sign-in of {user} does not allow {permission}; run `letters login` and "
                "accept every permission asked (or an administrator grants consent to the "
                f"app's delegated permission {permission} in Microsoft Entra)."
            )
        needed = {READ: "Full Access", SEND: "Full Access and Send As"}.get(permission, "")
        if code == "ErrorSendAsDenied":
            needed = "Send As"
        return (
            f"{user}, who signed in, lacks {needed} on {mailbox}; an Exchange administrator "
            f"gives it in the Exchange admin centre (Recipients › Mailboxes › {mailbox} › "
            "Delegation). If it is given already, run `letters login` again and accept the "
            f"permission {permission}.Shared."
        )


def http_status(error: requests.HTTPError) -> int:
    """Return the HTTP status of ``error``, 0 when it has no response."""
    return error.response.status_code if error.response is not None else 0


def _graph_error(response: requests.Response | None) -> tuple[str, str]:
    """Return Graph's error code and message from an error response."""
    try:
        body = response.json() if response is not None else {}
        inner = body.get("error") or {}
        return str(inner.get("code") or ""), " ".join(str(inner.get("message") or "").split())
    except (ValueError, AttributeError):
        return "", ""
