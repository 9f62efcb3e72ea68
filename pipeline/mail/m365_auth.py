"""Signing in to Microsoft 365 for the m365 back-end: the connection, the token cache, renewal.

The app's certificate is m365_certificate; the delegated sign-in in the browser, m365_login.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msal  # type: ignore[import-untyped]  # msal ships no type information
import requests

# O365 ships no type information; these are the only two modules of it the pipeline uses.
from O365 import Account  # type: ignore[import-untyped]
from O365.connection import Connection, MSGraphProtocol  # type: ignore[import-untyped]
from O365.utils.token import FileSystemTokenBackend  # type: ignore[import-untyped]

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.m365_certificate import REFUSALS, app_certificate
from pipeline.mail.m365_settings import settings_of

# O365 logs every HTTP error it raises; we say each in one line, so keep its log quiet unless
# the program configures logging itself.
logging.getLogger("O365").addHandler(logging.NullHandler())

DELEGATED_PERMISSIONS = ("Mail.ReadWrite", "Mail.Send")
# The "Retry-After" to assume when a 429 or 503 comes without one, in seconds.
DEFAULT_RETRY_AFTER = 2.0
RETRIED_STATUSES = frozenset({429, 503})
# The AADSTS codes a person can act on, and what to say about each.
_AADSTS = {
    "AADSTS90002": "the tenant id {tenant} is not a Microsoft 365 tenant; correct mail.tenant_id",
    "AADSTS900023": "the tenant id {tenant} is not valid; correct mail.tenant_id",
    "AADSTS700016": "no app has the client id {client} in tenant {tenant}; correct "
    "mail.client_id (the Application (client) ID in Microsoft Entra)",
    "AADSTS7000215": "the client secret is wrong; put the secret's Value (not its ID) from "
    "Microsoft Entra in the environment variable {secret}",
    "AADSTS7000222": "the client secret has expired; make a new one in Microsoft Entra and "
    "put it in the environment variable {secret}",
    "AADSTS65001": "the permissions asked have not been consented to; run `letters login` and "
    "accept them (or an administrator grants consent to the app's delegated permissions)",
    "AADSTS7000218": "Microsoft Entra takes the app for a web app, which must send a secret; in "
    "App registrations › the app › Authentication, put the redirect URI "
    "https://login.microsoftonline.com/common/oauth2/nativeclient under Mobile and desktop "
    "applications, not Web",
    "AADSTS700082": "the stored sign-in has expired; run `letters login`",
    "AADSTS70043": "the stored sign-in has expired; run `letters login`",
    "AADSTS70008": "the stored sign-in has expired; run `letters login`",
    "AADSTS50173": "the stored sign-in is no longer valid; run `letters login`",
}


class GraphConnection(Connection):  # type: ignore[misc]  # O365 is untyped
    """O365's connection, at our authority, with timeouts, our CA and our own retries."""

    def __init__(self, credentials: Any, *, authority: str, max_tries: int, **kwargs: Any) -> None:
        # request_retries=0: urllib3 would retry GET/PUT/DELETE only; _internal_request retries all.
        super().__init__(credentials, request_retries=0, requests_delay=0, **kwargs)
        self.authority = authority
        self.max_tries = max(1, max_tries)
        self.scopes: list[str] = []
        self.msal_app: Any = None  # msal's client, made on first use
        self.renew: Callable[[], str] | None = None  # set by authenticate()
        self.signed_in_as = ""  # delegated: who signed in (the mailbox's user, or a delegate)

    @property
    def msal_client(self) -> Any:
        """Return msal's client for our authority (O365 hard-codes login.microsoftonline.com)."""
        client: Any = self.msal_app
        if client is None:
            http = requests.Session()
            # Per request: a session's verify loses to REQUESTS_CA_BUNDLE (requests #3829).
            http.request = functools.partial(  # type: ignore[method-assign]
                http.request, timeout=self.timeout, verify=self.verify_ssl
            )
            common: dict[str, Any] = {
                "client_id": self.auth[0],
                "authority": self.authority,
                "token_cache": self.token_backend,
                "http_client": http,
                "instance_discovery": False,
            }
            try:
                if self.auth_flow_type == "public":
                    client = msal.PublicClientApplication(**common)
                else:
                    client = msal.ConfidentialClientApplication(
                        client_credential=self.auth[1], **common
                    )
            except ValueError as error:  # msal cannot read the authority's openid-configuration
                raise LettersError(
                    f"Microsoft 365 does not know the tenant at {self.authority}; "
                    "correct mail.tenant_id (the Directory (tenant) ID in Microsoft Entra)."
                ) from error
            self.msal_app = client
        return client

    def refresh_token(self) -> bool:
        """Sign in afresh, not trusting the cached token (O365's app-only refresh fails)."""
        if self.renew is None:
            return False
        cache = self.token_backend
        for token in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(token)  # Graph refused it: msal must not hand it out again
        self.update_session_auth_header(access_token=self.renew())
        return True

    def _internal_request(
        self,
        session_obj: requests.Session,
        url: str,
        method: str,
        ignore40x: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """Make one request: sign in again once on 401, wait and try again on 429 and 503."""
        tries, renewed = 0, not ignore40x or self.renew is None
        while True:
            tries += 1
            # Per request: a session's verify loses to REQUESTS_CA_BUNDLE (requests #3829).
            again = {
                **kwargs,
                "headers": dict(kwargs.get("headers") or {}),
                "verify": self.verify_ssl,
            }
            try:
                response: requests.Response = super()._internal_request(
                    session_obj, url, method, False, **again
                )
                return response
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else 0
                if status == 401 and not renewed:  # the access token expired during the run
                    renewed = True
                    tries -= 1
                    self.refresh_token()
                    continue
                if status not in RETRIED_STATUSES or tries >= self.max_tries:
                    raise
                time.sleep(retry_after(error.response))


def retry_after(response: requests.Response | None) -> float:
    """Return how many seconds Graph asked to wait before trying again."""
    value = response.headers.get("Retry-After", "") if response is not None else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return DEFAULT_RETRY_AFTER


class PrivateTokenBackend(FileSystemTokenBackend):  # type: ignore[misc]  # O365 is untyped
    """O365's token file, readable by its owner only (0600, in a 0700 folder)."""

    def save_token(self, force: bool = False) -> bool:
        """Write the token cache where only this user can read it."""
        path = Path(self.token_path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created 0600 before anything is written into it: never readable by others.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        saved: bool = super().save_token(force=force)
        return saved


def account(config: Config) -> Account:
    """Return O365's account for the configured mailbox, not yet signed in."""
    settings = settings_of(config)
    graph_url = settings.graph_url.rstrip("/") + "/"
    protocol_class = type(
        "GraphProtocol",
        (MSGraphProtocol,),
        {"_protocol_url": graph_url, "_oauth_scope_prefix": graph_url},
    )
    account_class = type("GraphAccount", (Account,), {"connection_constructor": GraphConnection})
    token_file = Path(settings.token_file)
    if settings.auth == "app":
        secret = os.environ.get(settings.secret_env, "")
        credentials: Any = (settings.client_id, _client_credential(config, secret))
        flow = "credentials"
    else:  # delegated: a public client, whatever the environment holds (AADSTS700025 otherwise)
        credentials, flow = (settings.client_id,), "public"
    resource = f"users/{settings.mailbox}"
    result: Account = account_class(
        credentials,
        protocol=protocol_class(default_resource=resource),
        main_resource=resource,
        auth_flow_type=flow,
        tenant_id=settings.tenant_id,
        token_backend=PrivateTokenBackend(
            token_path=token_file.parent, token_filename=token_file.name
        ),
        timeout=settings.timeout_seconds,
        verify_ssl=str(settings.ca_file) if settings.ca_file else True,
        authority=settings.authority_url.rstrip("/") + "/" + settings.tenant_id,
        max_tries=settings.max_tries,
    )
    connection = result.con
    connection.scopes = scopes(config, settings.mailbox if settings.auth == "user" else "")
    connection.oauth_redirect_url = (
        settings.authority_url.rstrip("/") + "/common/oauth2/nativeclient"
    )
    return result


def scopes(config: Config, signed_in_as: str) -> list[str]:
    """Return the permissions to ask for: the app's, or the signed-in user's on the mailbox.

    Delegated, a mailbox that is not the signed-in user's own (a shared mailbox) needs the
    .Shared permissions, which reach the mailboxes shared with that user.
    """
    settings = settings_of(config)
    graph_url = settings.graph_url.rstrip("/") + "/"
    if settings.auth == "app":
        return [graph_url + ".default"]
    shared = bool(signed_in_as) and signed_in_as.lower() != settings.mailbox.lower()
    return [graph_url + name + (".Shared" if shared else "") for name in DELEGATED_PERMISSIONS]


def _client_credential(config: Config, secret: str) -> Any:
    """Return the app's credential: the certificate when configured, else the secret."""
    settings = settings_of(config)
    if settings.certificate:
        return app_certificate(settings.certificate, settings.certificate_password_env).credential()
    if not secret:
        raise LettersError(
            f"The environment variable {settings.secret_env} holding the app's client secret "
            "is not set; set it before the run (never write the secret in a file in the repo)."
        )
    return secret


def authenticate(config: Config, connection: GraphConnection) -> None:
    """Sign in afresh (or refresh the stored sign-in) and put the token on the session."""
    settings = settings_of(config)

    def renew() -> str:
        try:
            if settings.auth == "app":
                result = connection.msal_client.acquire_token_for_client(scopes=connection.scopes)
            else:
                accounts = connection.msal_client.get_accounts()
                if not accounts:
                    raise LettersError(
                        f"No Microsoft 365 sign-in is stored in {settings.token_file}; "
                        "run `letters login`."
                    )
                connection.signed_in_as = str(accounts[0].get("username") or "")
                connection.scopes = scopes(config, connection.signed_in_as)
                result = connection.msal_client.acquire_token_silent_with_error(
                    connection.scopes, account=accounts[0]
                )
                if result is None:
                    raise LettersError(
                        "The stored Microsoft 365 sign-in cannot be renewed; run `letters login`."
                    )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise LettersError(
                f"Cannot reach Microsoft 365 to sign in at {settings.authority_url} "
                f"({type(error).__name__}); "
                "check the internet connection, then run again."
            ) from error
        except ValueError as error:  # msal: the authority's configuration cannot be read
            raise LettersError(
                f"Microsoft 365 does not know the tenant {settings.tenant_id}; "
                "correct mail.tenant_id (the Directory (tenant) ID in Microsoft Entra)."
            ) from error
        if "access_token" not in result:
            raise LettersError(sign_in_problem(config, result))
        connection.token_backend.save_token(force=True)
        return str(result["access_token"])

    if settings.auth == "user":
        connection.load_token_from_backend()  # once: a renewal must not bring back stale tokens
    connection.renew = renew
    token = renew()
    if connection.session is None:
        connection.session = connection.get_session()
    connection.update_session_auth_header(access_token=token)


def sign_in_problem(config: Config, result: dict[str, Any]) -> str:
    """Say, in one line, why Microsoft's sign-in refused, from msal's error result."""
    settings = settings_of(config)
    description = str(result.get("error_description") or result.get("error") or "")
    code = description.split(":", 1)[0].strip()
    words = {
        "tenant": settings.tenant_id,
        "client": settings.client_id,
        "secret": settings.secret_env,
    }
    if code in REFUSALS and settings.certificate:
        certificate = app_certificate(settings.certificate, settings.certificate_password_env)
        what = REFUSALS[code].format(certificate=certificate.described(), **words)
    elif code in _AADSTS:
        what = _AADSTS[code].format(**words)
    elif result.get("error") == "invalid_grant":
        what = "the stored sign-in is no longer valid; run `letters login`"
    elif result.get("error") == "invalid_client":
        what = (
            f"the app's credentials were refused; check mail.client_id and the secret in "
            f"{settings.secret_env}"
        )
    else:
        what = "check mail.tenant_id, mail.client_id and the app's secret or certificate"
    # Microsoft's description runs on with trace ids; its first sentence names the code.
    first = description.split(". ")[0].rstrip(".") if description else "no reason given"
    return f"Microsoft 365 refused to sign in: {what} ({first})."
