"""The ``letters`` command: parse options, call the core, print."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipeline import config as config_module
from pipeline.checks import check
from pipeline.errors import LettersError
from pipeline.report import status_table
from pipeline.run import weekly_run
from pipeline.setup import demo_config, example_register, init, login
from pipeline.status import open_progress


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date written YYYY-MM-DD, e.g. 2026-11-25"
        ) from None


def parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the configuration file (default: letters.toml here; without it, the demo)",
    )
    common.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help="act as if today were this date (for catching up, and for tests)",
    )
    top = argparse.ArgumentParser(
        prog="letters",
        description="SAR letters: the weekly paperwork of subject access requests.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", parents=[common], help="the weekly job: generate letters, update the register"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="show what would happen; change nothing"
    )
    commands.add_parser(
        "check", parents=[common], help="check configuration, register and templates"
    )
    commands.add_parser(
        "status", parents=[common], help="list open requests, deadlines and days left"
    )
    commands.add_parser("init", parents=[common], help="create letters.toml and a blank register")
    login = commands.add_parser(
        "login", parents=[common], help="sign in to Microsoft 365 once, or check the mailbox"
    )
    login.add_argument(
        "--check",
        action="store_true",
        help="only check that the mailbox can be read and sent from, and say what is missing",
    )
    login.add_argument(
        "--send-test",
        action="store_true",
        help="prove sending by sending a test message to the mailbox itself",
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    today: date = args.today or date.today()
    try:
        if args.command == "init":
            for line in init(args.config or config_module.DEFAULT_CONFIG):
                print(line)
            return 0
        config = config_module.load(_config_path(args.config))
        if args.command == "run":
            outcome = weekly_run(
                config, today, dry_run=args.dry_run, example_register=example_register(Path.cwd())
            )
            print(outcome.text, end="")
            if outcome.report_file:
                print(f"This list is saved as {outcome.report_file}")
            if outcome.report_error:
                sys.stdout.flush()  # the list first, as the message says it is above
                print(f"Error: {outcome.report_error}", file=sys.stderr)
            return 1 if outcome.write_back.error or outcome.report_error else 0
        if args.command == "login":
            for line in login(config, check_only=args.check, send_test=args.send_test):
                print(line)
            return 0
        if args.command == "check":
            said, problems = check(config, today, example_register(Path.cwd()))
            for line in said:
                print(line)
            return 1 if problems else 0
        for line in status_table(open_progress(config, today)):
            print(line)
        return 0
    except LettersError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1


def _config_path(given: Path | None) -> Path:
    if given is not None:
        return given
    if config_module.DEFAULT_CONFIG.exists():
        return config_module.DEFAULT_CONFIG
    path = demo_config(Path.cwd())
    print(
        "No letters.toml here, so this is a DEMO on the example register "
        "(registers/example-register.xlsx), working in demo/.\n"
        "To start your own register, run `letters init` (or `make init`).\n"
    )
    return path
