"""The example setting never reaches a real letter, and the demo on the example register is
unaffected."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pipeline import config as config_module
from pipeline.cli import main
from pipeline.example import example_keys
from pipeline.register import layout
from pipeline.run import weekly_run

from support.config import write_config
from support.documents import scanned_pdf
from support.files import REPO, TEMPLATES
from support.register import REF, cells, party_row, request_row, write_register

TODAY = "2026-11-25"
EXAMPLE_REGISTER = REPO / "registers" / "example-register.xlsx"
EVERY_KEY = (
    "setting.name",
    "setting.address",
    "setting.phone",
    "setting.email",
    "owner.name",
    "manager.name",
)
# A request of the setting's own: no one in it is in the example register.
OWN_REQUEST = request_row(
    Requester="Bethan Hughes", Child="Osian Hughes", **{"Requester email": "bethan@example.org"}
)


def warning(config_path: Path) -> str:
    return (
        "Change letters.toml first: setting.name, setting.address, setting.phone, "
        f"setting.email, owner.name and manager.name in {config_path} still hold the example "
        "setting's values. Put in your setting's own; until then no letter is generated or sent."
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = main(list(args))
    return status, capsys.readouterr().out.splitlines()


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder as after `letters init`: the example letters.toml, the setting's own register.

    The example register is there too, as in the project's folder: it is not theirs.
    """
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, example_setting=True)
    write_register(tmp_path / "registers" / "register.xlsx", [OWN_REQUEST], [party_row()])
    shutil.copyfile(EXAMPLE_REGISTER, tmp_path / "registers" / "example-register.xlsx")
    return tmp_path


@pytest.fixture
def demo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh clone: the example register and the templates, and no letters.toml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "registers").mkdir()
    shutil.copyfile(EXAMPLE_REGISTER, tmp_path / "registers" / "example-register.xlsx")
    (tmp_path / "letter_templates").symlink_to(TEMPLATES)
    return tmp_path


def test_each_example_value_left_in_letters_toml_is_named(tmp_path: Path) -> None:
    example = config_module.load(write_config(tmp_path, example_setting=True)).setting
    filled = config_module.load(write_config(tmp_path)).setting

    assert example_keys(example) == EVERY_KEY
    assert example_keys(filled) == ()
    postcode_left = replace(filled, address=("4 Orchard Row", "Northbridge", "ex1  2mp"))
    assert example_keys(postcode_left) == ("setting.address",)
    assert example_keys(replace(filled, owner_name="Alex Example")) == ("owner.name",)


def test_check_says_first_which_values_to_change(
    own: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run_cli(capsys, "check", "--today", TODAY)

    assert status == 1
    assert out[0] == warning(own / "letters.toml")
    assert out[1] == f"Configuration {own / 'letters.toml'}: the example setting."
    assert out[-1] == "Fix the problems above, then run again."


@pytest.mark.bad_input
def test_a_run_on_the_settings_own_register_with_the_example_setting_writes_no_letter(
    own: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (own / "mail" / "inbox").mkdir(parents=True)
    (own / "mail" / "inbox" / f"{REF}.pdf").write_bytes(scanned_pdf())

    status, out = run_cli(capsys, "run", "--today", TODAY)

    assert status == 0
    assert out[0] == warning(own / "letters.toml")
    said = out.index(
        "No letter was generated or sent: letters.toml still holds the example setting (see "
        "the first line)."
    )
    assert out[said + 1 : said + 3] == [
        "  Done: the register read, the replies that came in filed, and the register's "
        "deadlines and status kept up to date.",
        "  Not done: no letter, consents record or request bundle generated; no signed letter "
        "sent.",
    ]
    assert "Letters to sign (0):" not in out
    assert "Replies filed (1):" in out
    assert list((own / "letters").rglob("*.docx")) == []
    assert sorted(path.name for path in (own / "letters" / REF / "replies").iterdir()) == [
        f"{REF} reply 2026-11-25 - Bethan Hughes.pdf"
    ]
    [request] = cells(own / "registers" / "register.xlsx", layout.REQUESTS)
    assert request["Legal deadline"] is not None and request["Acknowledged"] is None


def test_a_dry_run_with_the_example_setting_says_it_changed_nothing(
    own: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run_cli(capsys, "run", "--dry-run", "--today", TODAY)

    assert status == 0
    assert out[0] == warning(own / "letters.toml")
    assert "  Done: the register and the replies waiting read; nothing changed (dry run)." in out
    assert not (own / "letters").exists()


@pytest.mark.bad_input
def test_a_signed_letter_is_not_sent_while_letters_toml_holds_the_example_setting(
    tmp_path: Path,
) -> None:
    write_register(tmp_path / "registers" / "register.xlsx", [OWN_REQUEST])
    filled = config_module.load(write_config(tmp_path))
    weekly_run(filled, date(2026, 11, 2), office=None)
    folder = filled.paths.working_folder / REF
    [letter] = (folder / "to-sign").iterdir()
    shutil.move(letter, folder / "signed" / letter.name)
    example = config_module.load(write_config(tmp_path, example_setting=True))

    outcome = weekly_run(example, date(2026, 11, 3), office=None, example_register=EXAMPLE_REGISTER)

    assert outcome.example.holds_letters
    assert outcome.sending.sent == ()
    assert [path.name for path in (folder / "signed").iterdir()] == [letter.name]
    assert not example.paths.outbox.exists() or list(example.paths.outbox.iterdir()) == []


def test_the_demo_is_unaffected(demo_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run_cli(capsys, "run", "--today", TODAY)

    assert status == 0
    assert out[0].startswith("No letters.toml here, so this is a DEMO on the example register")
    assert not any(line.startswith("Change letters.toml first") for line in out)
    assert len(list((demo_folder / "demo" / "letters").glob("*/to-sign/*.docx"))) == 16
    status, out = run_cli(capsys, "check", "--today", TODAY)
    assert out[3] == f"Configuration {demo_folder / 'demo' / 'letters.toml'}: fine."


@pytest.mark.bad_input
def test_the_demo_register_with_one_real_person_typed_in_is_no_longer_the_demo(
    demo_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "run", "--today", TODAY)  # the demo, as the manager first sees it
    register = demo_folder / "demo" / "register.xlsx"
    workbook = openpyxl.load_workbook(register)
    sheet = workbook[layout.REQUESTS]
    headers = [cell.value for cell in sheet[1]]
    sheet.append([OWN_REQUEST.get(header) if header != "Ref" else None for header in headers])
    workbook.save(register)

    status, out = run_cli(capsys, "run", "--today", TODAY)

    assert status == 0
    assert warning(demo_folder / "demo" / "letters.toml") in out
    assert not (demo_folder / "demo" / "letters" / "SAR-2026-012").exists()
