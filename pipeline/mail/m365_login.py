"""`letters login`: the delegated sign-in (auth = "user"), done once in the browser."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.m365_auth import GraphConnection, account, scopes, sign_in_problem
from pipeline.mail.m365_settings import settings_of


def login(
    config: Config,
    prompt: Callable[[str], str] = input,
    show: Callable[[str], None] = print,
) -> None:
    """Walk the manager through consent in the browser once, and store the sign-in.

    Signed in as someone else than the mailbox (a shared mailbox), a second round asks for the
    permissions on the mailboxes shared with them (Mail.ReadWrite.Shared, Mail.Send.Shared).
    """
    settings = settings_of(config)
    if settings.auth != "user":
        raise LettersError(
            'mail.auth is "app": the app signs in by itself with its secret or certificate; '
            '`letters login` is only for auth = "user". Use `letters login --check`.'
        )
    connection: GraphConnection = account(config).con
    mailbox = settings.mailbox
    whom = f"{mailbox} (or, if it is a shared mailbox, as yourself)"
    user = _signed_in(_browser(config, connection, whom, None, prompt, show)) or mailbox
    if user.lower() != mailbox.lower():
        show(
            f"You signed in as {user}, and {mailbox} is another mailbox, shared with you: "
            "Microsoft 365 asks once more, for the permissions on the mailboxes shared with you."
        )
        connection.scopes = scopes(config, user)
        user = _signed_in(_browser(config, connection, user, user, prompt, show)) or user
    connection.token_backend.save_token(force=True)
    show(
        f"Signed in as {user}; the sign-in is kept in {settings.token_file} (readable by you only)."
    )


def _browser(
    config: Config,
    connection: GraphConnection,
    whom: str,
    hint: str | None,
    prompt: Callable[[str], str],
    show: Callable[[str], None],
) -> dict[str, Any]:
    """Have the manager sign in as ``whom`` in the browser; return msal's result, signed in."""
    settings = settings_of(config)
    try:
        with warnings.catch_warnings():
            # msal recommends form_post, which needs a web server to receive it; the manager
            # pastes the address instead (PKCE and state still protect the code).
            warnings.filterwarnings("ignore", "response_mode='form_post'", UserWarning)
            flow = connection.msal_client.initiate_auth_code_flow(
                scopes=connection.scopes,
                redirect_uri=connection.oauth_redirect_url,
                login_hint=hint,
            )
    except (requests.ConnectionError, requests.Timeout) as error:
        raise LettersError(
            f"Cannot reach Microsoft 365 at {settings.authority_url} ({type(error).__name__}); "
            "check the internet connection, then run `letters login` again."
        ) from error
    show(f"1. Open this address in a browser and sign in as {whom}:")
    show(str(flow["auth_uri"]))
    show("2. Accept the permissions asked (reading and sending mail).")
    show("3. The browser ends on a blank page: copy the whole address from its address bar.")
    pasted = prompt("Paste that address here: ").strip()
    answer = {key: values[0] for key, values in parse_qs(urlparse(pasted).query).items()}
    if "code" not in answer and "error" not in answer:
        raise LettersError(
            "That is not the address the browser ended on (it has no code=…); run "
            "`letters login` again and copy the whole address after signing in."
        )
    try:
        result: dict[str, Any] = connection.msal_client.acquire_token_by_auth_code_flow(
            flow, answer
        )
    except ValueError as error:  # msal: the state does not match this login
        raise LettersError(
            f"That address belongs to another sign-in ({error}); run `letters login` again."
        ) from error
    except (requests.ConnectionError, requests.Timeout) as error:
        raise LettersError(
            f"Cannot reach Microsoft 365 to finish signing in ({type(error).__name__}); check the "
            "internet connection, then run `letters login` again."
        ) from error
    if "access_token" not in result:
        raise LettersError(sign_in_problem(config, result))
    return result


def _signed_in(result: dict[str, Any]) -> str:
    """Return who signed in, from the ID token msal read (its preferred_username)."""
    return str((result.get("id_token_claims") or {}).get("preferred_username") or "")
