"""Read and check the setting's configuration file (TOML)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import LettersError

DEFAULT_CONFIG = Path("letters.toml")
NATIONS = ("ENG", "WLS", "SCT", "NIR")
BACKENDS = ("folder", "m365")
AUTH_KINDS = ("app", "user")


@dataclass(frozen=True)
class Setting:
    """The setting's details for the letterhead, and who signs and who runs the job."""

    name: str
    address: tuple[str, ...]
    phone: str
    email: str
    owner_name: str
    owner_role: str
    manager_name: str


@dataclass(frozen=True)
class Paths:
    """Where the register, the letters, the templates and the mail folders are."""

    register: Path
    working_folder: Path
    templates: Path
    inbox: Path
    outbox: Path


@dataclass(frozen=True)
class DeadlineRules:
    """The numbers behind the deadlines and reminders."""

    promise_days: int = 14
    reminder_after_days: int = 7
    max_reminders: int = 2
    bank_holidays: str = "ENG"


@dataclass(frozen=True)
class MailSettings:
    """How mail is sent and collected; the Microsoft 365 keys matter only for ``m365``."""

    backend: str = "folder"
    graph_url: str = "https://graph.microsoft.com/"
    authority_url: str = "https://login.microsoftonline.com/"
    mailbox: str = ""
    tenant_id: str = ""
    client_id: str = ""
    auth: str = "app"
    secret_env: str = "LETTERS_CLIENT_SECRET"
    certificate: Path | None = None
    token_file: Path = Path("~/.config/sar-letters/token.json")
    filed_folder: str = "Access requests/Filed"
    ca_file: Path | None = None
    timeout_seconds: int = 30
    max_tries: int = 5
    sends_per_minute: int = 30
    max_attachment_mb: float = 25  # a reply's attachment larger than this is not saved


@dataclass(frozen=True)
class Config:
    """The whole configuration, with paths made absolute."""

    source: Path
    setting: Setting
    paths: Paths
    deadlines: DeadlineRules
    backend: str
    mail: MailSettings = MailSettings()
    processes: int = 0  # letters are written by this many processes at once; 0: one per core


# Each section's keys and their types; anything else in the file is an error.
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "setting": {"name": str, "address": (list, str), "phone": str, "email": str},
    "owner": {"name": str, "role": str},
    "manager": {"name": str},
    "paths": {
        "register": str,
        "working_folder": str,
        "templates": str,
        "inbox": str,
        "outbox": str,
    },
    "deadlines": {
        "promise_days": int,
        "reminder_after_days": int,
        "max_reminders": int,
        "bank_holidays": str,
    },
    "mail": {
        "backend": str,
        "graph_url": str,
        "authority_url": str,
        "mailbox": str,
        "tenant_id": str,
        "client_id": str,
        "auth": str,
        "secret_env": str,
        "certificate": str,
        "token_file": str,
        "filed_folder": str,
        "ca_file": str,
        "timeout_seconds": int,
        "max_tries": int,
        "sends_per_minute": int,
        "max_attachment_mb": (int, float),
    },
    "run": {"processes": int},
}
_TYPE_WORDS = {
    str: "text in quotes",
    int: "a whole number",
    float: "a number",
    list: "a list in [ ]",
}


def example_text() -> str:
    """Return the commented example configuration shipped with the package."""
    return resources.files("pipeline").joinpath("letters.example.toml").read_text("utf-8")


def load(path: Path) -> Config:
    """Read the configuration file at ``path`` and check every key."""
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise LettersError(
            f"{path}: there is no configuration file here. Run `letters init` to create one."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise LettersError(
            f"{path}: this is not valid TOML ({error}). Compare it with the example "
            "that `letters init` writes."
        ) from None
    return parse(raw, path)


def parse(raw: dict[str, Any], path: Path) -> Config:
    """Check the TOML data ``raw`` read from ``path`` and build the configuration."""
    _check_schema(raw, path)
    base = path.resolve().parent
    defaults = _defaults()

    def value(section: str, key: str) -> Any:
        return raw.get(section, {}).get(key, defaults.get(section, {}).get(key))

    address = value("setting", "address")
    lines = tuple(address) if isinstance(address, list) else tuple(address.splitlines())
    nation = value("deadlines", "bank_holidays").upper()
    if nation not in NATIONS:
        raise LettersError(
            f"{path}: deadlines.bank_holidays is {nation!r}; use one of {', '.join(NATIONS)}."
        )
    backend = value("mail", "backend")
    if backend not in BACKENDS:
        raise LettersError(
            f"{path}: mail.backend is {backend!r}; use one of {', '.join(BACKENDS)}."
        )
    rules = DeadlineRules(
        promise_days=value("deadlines", "promise_days"),
        reminder_after_days=value("deadlines", "reminder_after_days"),
        max_reminders=value("deadlines", "max_reminders"),
        bank_holidays=nation,
    )
    for key in ("promise_days", "reminder_after_days", "max_reminders"):
        if getattr(rules, key) < 0:
            raise LettersError(f"{path}: deadlines.{key} must not be negative.")
    mail = _mail(raw.get("mail", {}), base, path)
    processes = value("run", "processes")
    if processes < 0:
        raise LettersError(f"{path}: run.processes must be 0 (one process per core) or more.")
    return Config(
        source=path.resolve(),
        setting=Setting(
            name=value("setting", "name"),
            address=tuple(line.strip() for line in lines if line.strip()),
            phone=value("setting", "phone"),
            email=value("setting", "email"),
            owner_name=value("owner", "name"),
            owner_role=value("owner", "role"),
            manager_name=value("manager", "name"),
        ),
        paths=Paths(**{key: base / value("paths", key) for key in _SCHEMA["paths"]}),
        deadlines=rules,
        backend=backend,
        mail=mail,
        processes=processes,
    )


def _mail(raw: dict[str, Any], base: Path, path: Path) -> MailSettings:
    """Check the [mail] section: the Microsoft 365 keys are required only for m365."""
    values = {key: item for key, item in raw.items()}
    for key in ("certificate", "token_file", "ca_file"):
        if key in values:
            values[key] = (base / Path(values[key]).expanduser()).resolve()
    settings = MailSettings(**values)
    settings = replace(settings, token_file=settings.token_file.expanduser())
    if settings.max_attachment_mb <= 0:
        raise LettersError(f"{path}: mail.max_attachment_mb must be more than 0.")
    if settings.backend != "m365":
        return settings
    for key in ("mailbox", "tenant_id", "client_id"):
        if not getattr(settings, key):
            raise LettersError(
                f"{path}: mail.{key} is needed for the m365 back-end; see the README's "
                "Microsoft 365 section for where to find it."
            )
    if settings.auth not in AUTH_KINDS:
        raise LettersError(
            f'{path}: mail.auth is {settings.auth!r}; use "app" (the app signs in as '
            'itself) or "user" (the manager signs in once with `letters login`).'
        )
    for key in ("graph_url", "authority_url"):
        if not getattr(settings, key).startswith("https://"):
            raise LettersError(f"{path}: mail.{key} must start with https://.")
    for key in ("timeout_seconds", "max_tries", "sends_per_minute"):
        if getattr(settings, key) < 1:
            raise LettersError(f"{path}: mail.{key} must be 1 or more.")
    return settings


def _defaults() -> dict[str, dict[str, Any]]:
    return tomllib.loads(example_text())


def _check_schema(raw: dict[str, Any], path: Path) -> None:
    for section, table in raw.items():
        if section not in _SCHEMA:
            raise LettersError(
                f"{path}: unknown section [{section}]; the sections are "
                f"{', '.join('[' + name + ']' for name in _SCHEMA)}."
            )
        if not isinstance(table, dict):
            raise LettersError(f"{path}: {section} must be a section written [{section}].")
        for key, item in table.items():
            expected = _SCHEMA[section].get(key)
            if expected is None:
                raise LettersError(
                    f"{path}: unknown key {section}.{key}; the keys of [{section}] are "
                    f"{', '.join(_SCHEMA[section])}."
                )
            types = expected if isinstance(expected, tuple) else (expected,)
            # TOML booleans are ints to Python; a true/false where a number belongs is wrong.
            if isinstance(item, bool) or not isinstance(item, types):
                words = " or ".join(_TYPE_WORDS[kind] for kind in types)
                raise LettersError(f"{path}: {section}.{key} must be {words}, not {item!r}.")
            if isinstance(item, list) and not all(isinstance(line, str) for line in item):
                raise LettersError(f"{path}: {section}.{key} must be a list of text lines.")
