"""Check the configuration, the register and the templates, changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pipeline.config import Config
from pipeline.deadlines import Calendar, Deadlines
from pipeline.example import example_setting
from pipeline.letters.complaints import sample_complaint_context
from pipeline.letters.context import sample_context, sample_party, sample_request
from pipeline.letters.kinds import COMPLAINANT, KINDS
from pipeline.letters.render import Renderer, check_templates
from pipeline.model import Problem
from pipeline.records.consents import TEMPLATE, record_context
from pipeline.register.read import open_register


def check(
    config: Config, today: date, example_register: Path | None = None
) -> tuple[list[str], list[Problem | str]]:
    """Return what to print, and every problem found (empty when all is well).

    The example setting left in letters.toml comes first, unless this is the demo (a register
    of ``example_register``'s people only).
    """
    register = open_register(config.paths.register, today, nation=config.deadlines.bank_holidays)
    example = example_setting(config, register, example_register, today)
    problems: list[Problem | str] = []
    said = [f"Configuration {config.source}: fine."]
    if example.holds_letters:
        problems.append(example.warning())
        said = [example.warning(), f"Configuration {config.source}: the example setting."]
    problems.extend(register.problems)
    said.append(
        f"Register {config.paths.register}: {len(register.requests)} request(s) and "
        f"{len(register.parties)} third part{'y' if len(register.parties) == 1 else 'ies'} "
        f"read, {len(register.problems)} row problem(s)."
    )
    said.extend(f"  {problem}" for problem in register.problems)
    calendar = Calendar(config.deadlines.bank_holidays)
    letter_sample = sample_context(config, today, calendar)
    complaint_sample = sample_complaint_context(config, today)
    samples = {
        kind.template: complaint_sample if kind.to == COMPLAINANT else letter_sample
        for kind in KINDS.values()
    }
    request, party = sample_request(today), sample_party(today)
    due = Deadlines(today, today, today, 0)
    samples[TEMPLATE] = record_context(request, [party], {}, due, config, today)
    template_problems = check_templates(Renderer(config.paths.templates), samples)
    problems.extend(template_problems)
    said.append(
        f"Templates {config.paths.templates}: "
        + ("fine." if not template_problems else f"{len(template_problems)} problem(s).")
    )
    said.extend(f"  {problem}" for problem in template_problems)
    said += _regulator_note(config, today)
    said.append("All fine." if not problems else "Fix the problems above, then run again.")
    return said, problems


# The regulator's details are checked against ico.org.uk at least this often (README).
_RECHECK_REGULATOR = timedelta(days=365)


def _regulator_note(config: Config, today: date) -> list[str]:
    """Say when the regulator's details in letters.toml are due to be checked again."""
    checked = config.regulator.checked
    try:
        day = date.fromisoformat(checked)
    except ValueError:
        return [
            f"Note: regulator.checked is {checked!r}; type the day you last checked the "
            "regulator's details on ico.org.uk, e.g. 2026-12-02."
        ]
    if today - day <= _RECHECK_REGULATOR:
        return []
    return [
        f"Note: the regulator's details in letters.toml were last checked on {checked}; check "
        "its name, web page, phone and postal address on ico.org.uk, then change "
        "regulator.checked."
    ]
