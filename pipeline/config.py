"""Read and check the setting's configuration file (TOML)."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import LettersError
from pipeline.mail.base import backend, backend_names, every_backend_key

DEFAULT_CONFIG = Path("letters.toml")
NATIONS = ("ENG", "WLS", "SCT", "NIR")


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
    """The [mail] keys every back-end shares; a back-end's settings add its own keys."""

    backend: str = "folder"
    max_attachment_mb: float = 25  # a reply's attachment larger than this is not saved


@dataclass(frozen=True)
class Regulator:
    """The data protection regulator, as every letter that mentions complaints names it.

    Kept in one place because its name and address change (docs/law.md section 14): a
    postal address is printed only once the owner has filled one in.
    """

    name: str = "the Information Commission"
    known_as: str = "ICO"
    description: str = "the UK's independent regulator for data protection"
    website: str = "https://ico.org.uk"
    complaints_url: str = "https://ico.org.uk/make-a-complaint/"
    phone: str = "0303 123 1113"
    phone_welsh: str = "0330 414 6421"
    postal_address: str = ""
    checked: str = "2026-12-02"


@dataclass(frozen=True)
class Privacy:
    """What the response letter tells a parent about the child's data (UK GDPR Art 15(1)-(2)).

    Each field is one point of Article 15, in the words of the setting's privacy notice.
    """

    notice: str = ""
    purposes: str = ""
    categories: str = ""
    recipients: str = ""
    retention: str = ""
    source: str = ""
    automated: str = ""
    transfers: str = ""
    complaint_form: str = ""


@dataclass(frozen=True)
class Config:
    """The whole configuration, with paths made absolute."""

    source: Path
    setting: Setting
    paths: Paths
    deadlines: DeadlineRules
    backend: str
    mail: MailSettings = MailSettings()  # the back-end's settings: the shared keys and its own
    processes: int = 0  # letters are written by this many processes at once; 0: one per core
    regulator: Regulator = Regulator()
    privacy: Privacy = Privacy()


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
    # The keys every back-end shares; each back-end declares its own (pipeline.mail.base).
    "mail": {"backend": str, "max_attachment_mb": (int, float)},
    "run": {"processes": int},
    "regulator": dict.fromkeys(Regulator.__dataclass_fields__, str),
    "privacy": dict.fromkeys(Privacy.__dataclass_fields__, str),
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
        windows = _windows_path_line(path, error)
        if windows:
            raise LettersError(windows) from None
        raise LettersError(
            f"{path}: this is not valid TOML ({error}). Compare it with the example "
            "that `letters init` writes."
        ) from None
    return parse(raw, path)


# A key given one text in double quotes (and perhaps a comment after it).
_QUOTED_LINE = re.compile(r'^\s*(?P<key>[\w.-]+)\s*=\s*"(?P<text>[^"]*)"')
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_USE_SLASHES = "Use forward slashes or single quotes; write it as:"
# What TOML makes of a backslash and a letter inside double quotes, as in "C:\new\reports".
_ESCAPES = {
    "\n": ("\\n", "a new line"),
    "\t": ("\\t", "a tab"),
    "\r": ("\\r", "a carriage return"),
    "\b": ("\\b", "a backspace"),
    "\f": ("\\f", "a form feed"),
}


def _windows_path_line(path: Path, error: tomllib.TOMLDecodeError) -> str:
    """Say how to write the line of a TOML error when a backslash in double quotes caused it."""
    found = _AT_LINE.search(str(error))
    lines = path.read_text("utf-8").splitlines()
    number = int(found.group(1)) if found else 0
    quoted = _QUOTED_LINE.match(lines[number - 1]) if 0 < number <= len(lines) else None
    if quoted is None or "\\" not in quoted["text"] or _reads(quoted["text"]):
        return ""
    return (
        f"{path}, line {number}: a \\ inside double quotes starts an escape in TOML, so this "
        f"Windows path cannot be read. {_USE_SLASHES} {_corrected(quoted['key'], quoted['text'])}"
    )


def _reads(text: str) -> bool:
    """Say whether ``text`` is valid between double quotes in TOML, escapes and all."""
    try:
        tomllib.loads(f'text = "{text}"')
    except tomllib.TOMLDecodeError:
        return False
    return True


def _corrected(key: str, text: str) -> str:
    """Return ``key = text`` in single quotes, where a backslash is itself (else with slashes)."""
    if "'" in text:
        return f'{key} = "{text.replace(chr(92), "/")}"'
    return f"{key} = '{text}'"


def _check_path(section: str, key: str, text: str, path: Path) -> None:
    """Refuse a path that TOML read with an escape in it: a Windows path in double quotes."""
    escaped = [char for char in text if char in _ESCAPES]
    if escaped:
        written, meaning = _ESCAPES[escaped[0]]
        typed = "".join(_ESCAPES[char][0] if char in _ESCAPES else char for char in text)
        raise LettersError(
            f"{path}: {section}.{key}: inside double quotes, TOML reads the {written} of this "
            f"Windows path as {meaning}. {_USE_SLASHES} {_corrected(key, typed)}"
        )


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
    if backend not in backend_names():
        raise LettersError(
            f"{path}: mail.backend is {backend!r}; use one of {', '.join(backend_names())}."
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
    mail = _mail(raw.get("mail", {}), backend, path)
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
        regulator=Regulator(**_texts("regulator", value)),
        privacy=Privacy(**_texts("privacy", value)),
    )


def _texts(section: str, value: Callable[[str, str], Any]) -> dict[str, str]:
    """Return a section of plain texts, each key as the file or the example gives it."""
    return {key: " ".join(str(value(section, key) or "").split()) for key in _SCHEMA[section]}


def _mail(raw: dict[str, Any], name: str, path: Path) -> MailSettings:
    """Check the [mail] keys every back-end shares, then have the back-end check its own."""
    shared = {key: raw[key] for key in _SCHEMA["mail"] if key in raw}
    common = MailSettings(**{**shared, "backend": name})
    if common.max_attachment_mb <= 0:
        raise LettersError(f"{path}: mail.max_attachment_mb must be more than 0.")
    return backend(name, path).settings(common, raw, path)


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
            keys = _keys(section, key)
            expected = keys.get(key)
            if expected is None:
                raise LettersError(
                    f"{path}: unknown key {section}.{key}; the keys of [{section}] are "
                    f"{', '.join(keys)}."
                )
            types = expected if isinstance(expected, tuple) else (expected,)
            # TOML booleans are ints to Python; a true/false where a number belongs is wrong.
            if isinstance(item, bool) or not isinstance(item, types):
                words = " or ".join(_TYPE_WORDS[kind] for kind in types)
                raise LettersError(f"{path}: {section}.{key} must be {words}, not {item!r}.")
            if isinstance(item, list) and not all(isinstance(line, str) for line in item):
                raise LettersError(f"{path}: {section}.{key} must be a list of text lines.")
            if section == "paths":
                _check_path(section, key, str(item), path)


def _keys(section: str, key: str) -> Mapping[str, type | tuple[type, ...]]:
    """Return the keys of ``section`` with their types; for [mail], every back-end's if needed."""
    if section == "mail" and key not in _SCHEMA["mail"]:
        return _every_mail_key()
    return _SCHEMA[section]


@functools.cache
def _every_mail_key() -> dict[str, type | tuple[type, ...]]:
    """Return every key [mail] may hold: the back-end, each back-end's own keys, the rest."""
    # A back-end's keys are allowed (and checked) under any back-end: switching back to the
    # folder leaves them in the file. "backend" comes first, as in the example file.
    shared = _SCHEMA["mail"]
    return {"backend": shared["backend"], **every_backend_key(), **shared}
