"""The m365 back-end's own [mail] keys: their types and defaults, and what is checked of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import MailSettings
from pipeline.errors import LettersError

if TYPE_CHECKING:
    from pipeline.config import Config

AUTH_KINDS = ("app", "user")
# Each key and its TOML type, in the order the message for an unknown [mail] key lists them.
KEYS: dict[str, type | tuple[type, ...]] = {
    "graph_url": str,
    "authority_url": str,
    "mailbox": str,
    "tenant_id": str,
    "client_id": str,
    "auth": str,
    "secret_env": str,
    "certificate": str,
    "certificate_password_env": str,
    "token_file": str,
    "filed_folder": str,
    "ca_file": str,
    "timeout_seconds": int,
    "max_tries": int,
    "sends_per_minute": int,
}
_PATHS = ("certificate", "token_file", "ca_file")  # relative to the configuration file's folder


@dataclass(frozen=True)
class M365Settings(MailSettings):
    """The [mail] settings of the m365 back-end: the shared keys and its own."""

    graph_url: str = "https://graph.microsoft.com/"
    authority_url: str = "https://login.microsoftonline.com/"
    mailbox: str = ""
    tenant_id: str = ""
    client_id: str = ""
    auth: str = "app"
    secret_env: str = "LETTERS_CLIENT_SECRET"
    certificate: Path | None = None
    certificate_password_env: str = "LETTERS_CERTIFICATE_PASSWORD"
    token_file: Path = Path("~/.config/sar-letters/token.json")
    filed_folder: str = "Access requests/Filed"
    ca_file: Path | None = None
    timeout_seconds: int = 30
    max_tries: int = 5
    sends_per_minute: int = 30


def parse(common: MailSettings, table: Mapping[str, Any], where: Path) -> M365Settings:
    """Check the m365 keys in the [mail] table of the file ``where``, typed already."""
    base = where.resolve().parent
    values = {key: table[key] for key in KEYS if key in table}
    for key in _PATHS:
        if key in values:
            values[key] = (base / Path(values[key]).expanduser()).resolve()
    settings = M365Settings(**asdict(common), **values)
    settings = replace(settings, token_file=settings.token_file.expanduser())
    for key in ("mailbox", "tenant_id", "client_id"):
        if not getattr(settings, key):
            raise LettersError(
                f"{where}: mail.{key} is needed for the m365 back-end; see the README's "
                "Microsoft 365 section for where to find it."
            )
    if settings.auth not in AUTH_KINDS:
        raise LettersError(
            f'{where}: mail.auth is {settings.auth!r}; use "app" (the app signs in as '
            'itself) or "user" (the manager signs in once with `letters login`).'
        )
    for key in ("graph_url", "authority_url"):
        if not getattr(settings, key).startswith("https://"):
            raise LettersError(f"{where}: mail.{key} must start with https://.")
    for key in ("timeout_seconds", "max_tries", "sends_per_minute"):
        if getattr(settings, key) < 1:
            raise LettersError(f"{where}: mail.{key} must be 1 or more.")
    return settings


def settings_of(config: Config) -> M365Settings:
    """Return the m365 settings that ``parse`` read when ``config`` was loaded."""
    if not isinstance(config.mail, M365Settings):
        raise TypeError(f"mail.backend is {config.backend!r}: there are no m365 settings")
    return config.mail
