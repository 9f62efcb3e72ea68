"""The `letters` command: each subcommand, its output and its exit status."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.cli import main, parser
from pipeline.run import weekly_run

from support.clean import digital_pdf
from support.config import write_config
from support.files import REPO, TEMPLATES
from support.register import REF, party_row, request_row, write_register


def templates_with(folder: Path, template: str, paragraph: str) -> Path:
    """Copy the templates into ``folder`` and add ``paragraph`` to one of them."""
    import docx

    templates = folder / "templates"
    templates.mkdir()
    for source in TEMPLATES.glob("*.docx"):
        (templates / source.name).write_bytes(source.read_bytes())
    document = docx.Document(str(templates / template))
    document.add_paragraph(paragraph)
    document.save(str(templates / template))
    return templates


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty folder, as a manager would after `cd` into their setting's folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_the_config_and_a_blank_register_and_never_overwrites(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run_cli(capsys, "init")
    assert status == 0
    assert "Wrote letters.toml" in out
    assert f"Created a blank register at {here / 'registers' / 'register.xlsx'}" in out
    config = (here / "letters.toml").read_text()
    (here / "letters.toml").write_text(config + "\n# mine\n")
    register = (here / "registers" / "register.xlsx").read_bytes()
    status, out, _ = run_cli(capsys, "init")
    assert status == 0
    assert out.splitlines()[:2] == [
        "letters.toml is already there; it was left as it is.",
        f"{here / 'registers' / 'register.xlsx'} is already there; it was left as it is.",
    ]
    assert (here / "letters.toml").read_text().endswith("# mine\n")
    assert (here / "registers" / "register.xlsx").read_bytes() == register


def test_run_on_a_fresh_init_generates_nothing_and_succeeds(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "init")
    status, out, _ = run_cli(capsys, "run", "--today", "2026-11-25")
    assert status == 0
    assert out.startswith("Change letters.toml first: setting.name, setting.address, ")
    assert "No letter was generated or sent: letters.toml still holds the example" in out
    assert "No open requests." in out


def test_run_without_a_config_is_a_demo_on_the_example_register(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "registers").mkdir()
    (here / "registers" / "example-register.xlsx").write_bytes(
        (REPO / "registers" / "example-register.xlsx").read_bytes()
    )
    (here / "letter_templates").symlink_to(TEMPLATES)
    status, out, _ = run_cli(capsys, "run", "--today", "2026-11-25")
    assert status == 0
    assert out.startswith("No letters.toml here, so this is a DEMO on the example register")
    assert "run `letters init`" in out
    assert "Replies to read and decide (1):" in out
    assert "  SAR-2026-005/TP1 Gwen Davies: replied 23/11/2026" in out
    assert (here / "demo" / "register.xlsx").exists()
    letters = sorted((here / "demo" / "letters").glob("*/to-sign/*.docx"))
    assert len(letters) == 16
    assert (here / "registers" / "example-register.xlsx").read_bytes() == (
        REPO / "registers" / "example-register.xlsx"
    ).read_bytes()
    status, out, _ = run_cli(capsys, "run", "--today", "2026-11-25")
    assert "Generated 0 new letter(s)." in out


def test_a_missing_config_and_no_example_says_to_run_init(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = run_cli(capsys, "status")
    assert status == 1
    assert err.startswith("Error: There is no letters.toml in ")
    assert "Run `letters init` to start a register." in err
    assert "Traceback" not in err


def test_status_lists_open_requests_with_both_deadlines_and_days_left(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_register(
        here / "registers" / "register.xlsx",
        [request_row(), request_row(Ref="SAR-2026-002", Closed=date(2026, 11, 20))],
    )
    write_config(here)
    before = (here / "registers" / "register.xlsx").read_bytes()
    status, out, _ = run_cli(capsys, "status", "--today", "2026-11-25")
    assert status == 0
    assert out.splitlines() == [
        "  Ref           Requester      Received    Promised by  Legal deadline  Days left  Status",
        "  SAR-2026-001  Aoife O'Brien  02/11/2026  16/11/2026   02/12/2026      -7         "
        "Overdue by 7 working days: Acknowledgement to sign and send",
    ]
    assert (here / "registers" / "register.xlsx").read_bytes() == before
    assert not (here / "letters").exists()


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Return every folder and file under ``folder``, with each file's bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def _ready_for_clean_copy(here: Path) -> None:
    """Write a register whose one request has every third party's answer, and a config."""
    write_register(
        here / "registers" / "register.xlsx",
        [request_row(Acknowledged=date(2026, 11, 3))],
        [party_row(Decision="Consents")],
    )
    write_config(here)


def test_status_names_the_clean_copys_next_step_the_childs_file_and_writes_nothing(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ready_for_clean_copy(here)
    before = _tree(here)
    status, out, _ = run_cli(capsys, "status", "--today", "2026-11-25")
    assert status == 0
    assert out.splitlines()[1].endswith(
        "Overdue by 7 working days: Ready for clean copy: the child's file to put in file/"
    )
    assert _tree(here) == before  # no journal, no letters/SAR-2026-001/file/ made


def test_status_names_the_clean_copys_next_step_the_review_to_approve_and_writes_nothing(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ready_for_clean_copy(here)
    (here / "letters" / REF / "file").mkdir(parents=True)
    digital_pdf(here / "letters" / REF / "file" / "Visit notes.pdf", ["Key person notes."])
    config = config_module.load(here / "letters.toml")
    weekly_run(config, date(2026, 11, 25), office=None)  # builds the review, journals it
    assert (here / "letters" / REF / f"{REF} redaction review.pdf").is_file()
    before = _tree(here)
    status, out, _ = run_cli(capsys, "status", "--today", "2026-11-25")
    assert status == 0
    assert out.splitlines()[1].endswith(
        "Overdue by 7 working days: Ready for clean copy: redaction review to approve"
    )
    assert _tree(here) == before  # the journal opened read only


@pytest.mark.bad_input
def test_check_reports_register_problems_and_changes_nothing(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_register(
        here / "registers" / "register.xlsx",
        [request_row(Relationship="Aunt")],
        [party_row(Ref="SAR-2026-009")],
    )
    write_config(here)
    before = (here / "registers" / "register.xlsx").read_bytes()
    status, out, _ = run_cli(capsys, "check", "--today", "2026-11-25")
    assert status == 1
    assert "1 request(s)" not in out
    assert (
        '  Requests, row 2, Relationship: "Aunt" is not one of Mother, Father, Parent, Carer, '
        "Person with parental responsibility or Other; choose one of them."
    ) in out.splitlines()
    assert out.splitlines()[-1] == "Fix the problems above, then run again."
    assert (here / "registers" / "register.xlsx").read_bytes() == before
    assert sorted(p.name for p in here.iterdir()) == ["letters.toml", "registers"]


@pytest.mark.bad_input
def test_check_names_the_template_and_the_placeholder_no_field_provides(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = templates_with(
        here, "reminder.docx", "Favourite colour: {{ request.favourite_colour }}"
    )
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here, templates=templates.as_posix())
    status, out, _ = run_cli(capsys, "check", "--today", "2026-11-25")
    assert status == 1
    assert (
        f"  {templates / 'reminder.docx'}: the placeholder {{{{ request.favourite_colour }}}} "
        "is not a field the pipeline provides. Correct it in Word; the placeholders are listed "
        "in letter_templates/README.md."
    ) in out.splitlines()
    assert "Register " in out and "0 row problem(s)" in out


def test_check_on_a_good_setting_says_all_fine(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here)
    status, out, _ = run_cli(capsys, "check", "--today", "2026-11-25")
    assert status == 0
    assert out.splitlines()[-1] == "All fine."


def test_errors_are_one_line_for_a_person_without_a_traceback(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here)
    (here / "registers" / "~$register.xlsx").write_bytes(b"x")
    status, out, err = run_cli(capsys, "run")
    assert status == 1
    assert out == ""
    assert err == (
        f"Error: {here / 'registers' / 'register.xlsx'}: the register is open in Excel "
        "(found ~$register.xlsx beside it). Save and close it, then run again. "
        "Nothing was done.\n"
    )


@pytest.mark.bad_input
def test_a_windows_path_in_letters_toml_is_one_error_line_saying_how_to_write_it(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = write_config(here).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("register = "))
    lines[line - 1] = r'register = "C:\Users\Office\register.xlsx"   # the register'
    (here / "letters.toml").write_text("\n".join(lines), encoding="utf-8")

    status, out, err = run_cli(capsys, "check")

    assert (status, out) == (1, "")
    assert err == (
        f"Error: letters.toml, line {line}: a \\ inside double quotes starts an escape "
        "in TOML, so this Windows path cannot be read. Use forward slashes or single quotes; "
        r"write it as: register = 'C:\Users\Office\register.xlsx'" + "\n"
    )


@pytest.mark.bad_input
def test_a_bad_today_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--today", "25/11/2026"])
    assert exit_.value.code == 2
    assert "'25/11/2026' is not a date written YYYY-MM-DD" in capsys.readouterr().err


def test_every_command_and_option_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, command in commands.items():
        assert f"letters {name}" in readme, name
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in readme, f"letters {name} {option}"


def test_python_dash_m_pipeline_is_the_same_command(here: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0
    for command in ("run", "check", "status", "init"):
        assert command in done.stdout


@pytest.mark.bad_input
def test_check_names_a_broken_placeholder(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    templates = templates_with(here, "invitation.docx", "See you {{ request.meeting")
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here, templates=templates.as_posix())
    status, out, _ = run_cli(capsys, "check", "--today", "2026-11-25")
    assert status == 1
    assert f"  {templates / 'invitation.docx'}: a placeholder is broken (" in out
    assert "retype the {{ … }} or {% … %} in one go." in out


def test_login_on_the_folder_back_end_says_it_needs_none(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here)
    status, _, err = run_cli(capsys, "login", "--check")
    assert status == 1
    assert err == (
        f"Error: {here / 'letters.toml'}: the folder mail back-end needs no sign-in; "
        '`letters login` is for backend = "m365".\n'
    )


@pytest.mark.parametrize(
    ("trick", "said"),
    [
        ("{{ ''.__class__.__mro__ }}", "a placeholder tries to reach beyond the letter's fields"),
        ("{{ request.__class__ }}", "a placeholder tries to reach beyond the letter's fields"),
        (
            "{{ setting.name.__globals__ }}",
            "the placeholder {{ ….__globals__ }} is not a field the pipeline provides",
        ),
    ],
)
@pytest.mark.bad_input
def test_a_template_that_reaches_into_python_is_refused_by_check(
    here: Path, capsys: pytest.CaptureFixture[str], trick: str, said: str
) -> None:
    templates = templates_with(here, "acknowledgement.docx", f"Trick: {trick}")
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here, templates=templates.as_posix())
    status, out, _ = run_cli(capsys, "check", "--today", "2026-11-25")
    assert status == 1
    [line] = [line for line in out.splitlines() if "acknowledgement.docx" in line]
    assert line.startswith(f"  {templates / 'acknowledgement.docx'}: ")
    assert said in line
    assert line.endswith("letter_templates/README.md.")


@pytest.mark.bad_input
def test_a_template_with_a_trick_stops_the_run_and_leaves_earlier_letters_alone(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = templates_with(here, "invitation.docx", "{{ ''.__class__.__mro__ }}")
    write_register(here / "registers" / "register.xlsx", [request_row()])
    write_config(here, templates=templates.as_posix())
    assert run_cli(capsys, "run", "--today", "2026-11-25")[0] == 0
    letters = sorted((here / "letters").rglob("*.docx"))
    before = {path: path.read_bytes() for path in letters}
    set_cells_path = here / "registers" / "register.xlsx"
    import openpyxl

    workbook = openpyxl.load_workbook(set_cells_path)
    sheet = workbook["Requests"]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("Clean copy ready") + 1, value=date(2026, 11, 25))
    sheet.cell(row=2, column=headers.index("Meeting") + 1, value="30/11/2026 10:00")
    workbook.save(set_cells_path)
    status, _, err = run_cli(capsys, "run", "--today", "2026-11-25")
    assert status == 1
    assert err.startswith(f"Error: {templates / 'invitation.docx'}: ")
    assert "Traceback" not in err
    assert {path: path.read_bytes() for path in letters} == before
    assert not list((here / "letters").rglob("*invitation*"))
