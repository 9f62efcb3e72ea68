"""The example setting that letters.toml starts with: no real letter may carry it.

`letters init` writes letters.toml from the example, whose setting (Little Acorns Nursery,
1 Example Lane, office@example.org, Alex Example, …) is fictional. Until those values are the
setting's own, letters are written only for the demo: a register whose every recipient is one
of the example register's fictional people. A register the manager keeps, or the demo's copy
once one real person is typed into it, holds someone else, so it can never pass for the demo.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.config import Config, Setting, parse
from pipeline.errors import LettersError
from pipeline.model import Request, ThirdParty
from pipeline.register.read import Register, open_register

# The keys of letters.toml whose example values would reach a letter, and the Setting field
# each fills.
KEYS = {
    "setting.name": "name",
    "setting.address": "address",
    "setting.phone": "phone",
    "setting.email": "email",
    "owner.name": "owner_name",
    "manager.name": "manager_name",
}

Recipient = tuple[str, ...]


@dataclass(frozen=True)
class ExampleSetting:
    """Which keys of letters.toml still hold the example setting, and whether this is the demo."""

    source: Path | None = None  # the letters.toml read
    keys: tuple[str, ...] = ()  # its keys that still hold the example's values
    demo: bool = False  # every recipient in the register is one of the example register's

    @property
    def holds_letters(self) -> bool:
        """Say whether letters must wait: the example setting, and a register of real people."""
        return bool(self.keys) and not self.demo

    def warning(self) -> str:
        """Say, in one line, which values to change before any letter is generated or sent."""
        *others, last = self.keys
        keys = f"{', '.join(others)} and {last}" if others else last
        return (
            f"Change letters.toml first: {keys} in {self.source} still "
            f"{'hold' if len(self.keys) > 1 else 'holds'} the example setting's values. Put in "
            "your setting's own; until then no letter is generated or sent."
        )


@functools.cache
def _example() -> Setting:
    """Return the setting of the example letters.toml (every key left out takes its value)."""
    return parse({}, Path("letters.toml")).setting


def example_keys(setting: Setting) -> tuple[str, ...]:
    """Return the keys of letters.toml whose values are still the example setting's."""
    example = _example()
    found = []
    for key, field in KEYS.items():
        mine, theirs = getattr(setting, field), getattr(example, field)
        # Any line of the example's address left in (the postcode, say) is still the example.
        if field == "address":
            mine, theirs = {_plain(line) for line in mine}, {_plain(line) for line in theirs}
            if mine & theirs:
                found.append(key)
        elif _plain(mine) == _plain(theirs):
            found.append(key)
    return tuple(found)


def example_setting(
    config: Config, register: Register, example_register: Path | None, today: date
) -> ExampleSetting:
    """Say what of the example setting is left, and whether ``register`` is the demo's."""
    keys = example_keys(config.setting)
    if not keys or example_register is None or not register.requests:
        return ExampleSetting(config.source, keys)
    try:
        example = open_register(example_register, today)
    except LettersError:
        return ExampleSetting(config.source, keys)  # no example to compare with: not the demo
    fictional = recipients(example.requests, example.parties)
    demo = recipients(register.requests, register.parties) <= fictional
    return ExampleSetting(config.source, keys, demo)


def recipients(requests: Iterable[Request], parties: Iterable[ThirdParty]) -> set[Recipient]:
    """Return everyone a letter could go to: each requester and third party, as written."""
    people = {
        (request.requester, "", request.requester_email, request.requester_address)
        for request in requests
    }
    people |= {(party.name, party.organisation, party.email, party.address) for party in parties}
    return {tuple(_plain(part) for part in person) for person in people}


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()
