"""The configuration file: the example loads, and every mistake names its key."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline import config as config_module
from pipeline.errors import LettersError

M365_REQUIRED = "backend = 'm365'\nmailbox = 'm'\ntenant_id = 't'\nclient_id = 'c'\n"


def load_text(tmp_path: Path, text: str) -> config_module.Config:
    path = tmp_path / "letters.toml"
    path.write_text(text, encoding="utf-8")
    return config_module.load(path)


def test_the_example_configuration_loads_with_the_design_defaults(tmp_path: Path) -> None:
    config = load_text(tmp_path, config_module.example_text())
    assert config.deadlines == config_module.DeadlineRules(14, 7, 2, "ENG")
    assert config.backend == "folder"
    assert config.paths.register == tmp_path / "registers" / "register.xlsx"
    assert config.setting.address == ("1 Example Lane", "Exampletown", "EX1 2MP")


def test_missing_keys_take_the_example_values(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[setting]\nname = "Bumblebees"\n')
    assert config.setting.name == "Bumblebees"
    assert config.deadlines.promise_days == 14


def test_an_address_may_be_one_text_with_line_breaks(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[setting]\naddress = """1 Lane\nTown\n"""\n')
    assert config.setting.address == ("1 Lane", "Town")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[setting]\ncolour = 'red'\n",
            "unknown key setting.colour; the keys of [setting] are name, address, phone, email.",
        ),
        (
            "[deadline]\npromise_days = 10\n",
            "unknown section [deadline]; the sections are [setting], [owner], [manager], "
            "[paths], [deadlines], [mail], [run], [regulator], [privacy].",
        ),
        (
            "[deadlines]\npromise_days = '14'\n",
            "deadlines.promise_days must be a whole number, not '14'.",
        ),
        (
            "[deadlines]\nmax_reminders = true\n",
            "deadlines.max_reminders must be a whole number, not True.",
        ),
        ("[setting]\nname = 3\n", "setting.name must be text in quotes, not 3."),
        (
            "[deadlines]\nbank_holidays = 'FR'\n",
            "deadlines.bank_holidays is 'FR'; use one of ENG, WLS, SCT, NIR.",
        ),
        ("[mail]\nbackend = 'pigeon'\n", "mail.backend is 'pigeon'; use one of folder, m365."),
        (
            "[mail]\nbackend = 'm365'\ntenant_id = 't'\nclient_id = 'c'\n",
            "mail.mailbox is needed for the m365 back-end; see the README's Microsoft 365 "
            "section for where to find it.",
        ),
        (
            "[mail]\nbackend = 'm365'\nmailbox = 'm'\ntenant_id = 't'\nclient_id = 'c'\n"
            "auth = 'password'\n",
            'mail.auth is \'password\'; use "app" (the app signs in as itself) or "user" (the '
            "manager signs in once with `letters login`).",
        ),
        (
            "[mail]\nbackend = 'm365'\nmailbox = 'm'\ntenant_id = 't'\nclient_id = 'c'\n"
            "graph_url = 'http://graph.example.org/'\n",
            "mail.graph_url must start with https://.",
        ),
        (
            "[mail]\nmax_tries = 0\nbackend = 'm365'\nmailbox = 'm'\ntenant_id = 't'\n"
            "client_id = 'c'\n",
            "mail.max_tries must be 1 or more.",
        ),
        (
            "[mail]\nsecret = 'hunter2'\n",
            "unknown key mail.secret; the keys of [mail] are "
            "backend, graph_url, authority_url, mailbox, tenant_id, client_id, auth, secret_env, "
            "certificate, certificate_password_env, token_file, filed_folder, ca_file, "
            "timeout_seconds, max_tries, sends_per_minute, max_attachment_mb.",
        ),
        ("[deadlines]\npromise_days = -1\n", "deadlines.promise_days must not be negative."),
        ("[mail]\nmax_attachment_mb = 0\n", "mail.max_attachment_mb must be more than 0."),
        ("setting = 3\n", "setting must be a section written [setting]."),
        (
            "[setting]\naddress = [1, 2]\n",
            "setting.address must be a list of text lines.",
        ),
    ],
)
@pytest.mark.bad_input
def test_each_mistake_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LettersError) as error:
        load_text(tmp_path, text)
    assert str(error.value) == f"{tmp_path / 'letters.toml'}: {message}"


@pytest.mark.bad_input
def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    with pytest.raises(LettersError, match="this is not valid TOML"):
        load_text(tmp_path, "[setting\n")


WINDOWS_ADVICE = (
    "a \\ inside double quotes starts an escape in TOML, so this Windows path cannot be "
    "read. Use forward slashes or single quotes; write it as: "
)


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        (
            r'register = "C:\Users\Office\register.xlsx"',
            r"register = 'C:\Users\Office\register.xlsx'",
        ),
        (r'register = "D:\office\register.xlsx"  # ours', r"register = 'D:\office\register.xlsx'"),
        (r'working_folder = "C:\SAR\letters\"', r"working_folder = 'C:\SAR\letters\'"),
        (
            'register = "C:\\Users\\O\'Brien\\register.xlsx"',
            'register = "C:/Users/O\'Brien/register.xlsx"',
        ),
    ],
)
@pytest.mark.bad_input
def test_a_windows_path_in_double_quotes_says_how_to_write_it(
    tmp_path: Path, typed: str, corrected: str
) -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(typed)  # the error the file gives: an escape TOML does not have

    with pytest.raises(LettersError) as error:
        load_text(tmp_path, f"[paths]\n{typed}\n")

    assert str(error.value) == f"{tmp_path / 'letters.toml'}, line 2: {WINDOWS_ADVICE}{corrected}"
    load_text(tmp_path, f"[paths]\n{corrected}\n")  # the line as it says loads


@pytest.mark.bad_input
def test_a_windows_path_whose_backslashes_read_as_escapes_says_how_to_write_it(
    tmp_path: Path,
) -> None:
    typed = r'register = "C:\new\reports\register.xlsx"'
    assert "\n" in tomllib.loads(typed)["register"]  # no TOML error: \n and \r are escapes

    with pytest.raises(LettersError) as error:
        load_text(tmp_path, f"[paths]\n{typed}\n")

    assert str(error.value) == (
        f"{tmp_path / 'letters.toml'}: paths.register: inside double quotes, TOML reads the \\n "
        "of this Windows path as a new line. Use forward slashes or single quotes; write it as: "
        r"register = 'C:\new\reports\register.xlsx'"
    )


def test_a_toml_mistake_beside_a_backslash_is_not_blamed_on_it(tmp_path: Path) -> None:
    with pytest.raises(LettersError) as error:
        load_text(tmp_path, '[paths]\nregister = "C:\\\\Office\\\\register.xlsx" ours\n')

    assert "this is not valid TOML (" in str(error.value)


@pytest.mark.bad_input
def test_a_missing_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(LettersError) as error:
        config_module.load(tmp_path / "nothing.toml")
    assert str(error.value) == (
        f"{tmp_path / 'nothing.toml'}: there is no configuration file here. "
        "Run `letters init` to create one."
    )


def test_the_example_is_valid_toml_with_every_key_documented() -> None:
    raw = tomllib.loads(config_module.example_text())
    assert set(raw) == {
        "setting", "owner", "manager", "paths", "deadlines", "mail", "run", "regulator", "privacy",
    }  # fmt: skip
    assert set(raw["regulator"]) == set(config_module.Regulator.__dataclass_fields__)
    assert set(raw["privacy"]) == set(config_module.Privacy.__dataclass_fields__)


def test_the_regulator_is_named_in_one_place_with_no_postal_address_until_typed(
    tmp_path: Path,
) -> None:
    config = load_text(tmp_path, "")
    assert config.regulator.name == "the Information Commission"
    assert config.regulator.known_as == "ICO"
    assert config.regulator.phone == "0303 123 1113"
    assert config.regulator.postal_address == ""
    typed = load_text(tmp_path, "[regulator]\npostal_address = '1 New Street, Manchester'\n")
    assert typed.regulator.postal_address == "1 New Street, Manchester"
    assert typed.regulator.name == "the Information Commission"


def test_the_privacy_information_has_a_nursery_default_each_point_on_one_line(
    tmp_path: Path,
) -> None:
    privacy = load_text(tmp_path, "").privacy
    assert all(getattr(privacy, key) for key in config_module.Privacy.__dataclass_fields__)
    assert privacy.purposes.startswith("to care for your child safely")
    assert "\n" not in privacy.categories and "  " not in privacy.categories
    changed = load_text(tmp_path, "[privacy]\nretention = 'until your child is 25.'\n")
    assert changed.privacy.retention == "until your child is 25."
    with pytest.raises(LettersError, match=r"unknown key privacy\.fees"):
        load_text(tmp_path, "[privacy]\nfees = 'none'\n")


def test_processes_default_to_one_per_core_and_may_not_be_negative(tmp_path: Path) -> None:
    assert load_text(tmp_path, "").processes == 0
    assert load_text(tmp_path, "[run]\nprocesses = 1\n").processes == 1
    with pytest.raises(LettersError, match=r"run\.processes must be 0"):
        load_text(tmp_path, "[run]\nprocesses = -1\n")


def test_the_microsoft_365_keys_are_read_with_paths_made_absolute(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        "[mail]\nbackend = 'm365'\nmailbox = 'office@example.org'\ntenant_id = 't'\n"
        "client_id = 'c'\nca_file = 'certs/ca.pem'\ntoken_file = '~/tokens/t.json'\n",
    )
    assert config.mail.backend == config.backend == "m365"
    assert config.mail.mailbox == "office@example.org"
    assert config.mail.ca_file == tmp_path / "certs" / "ca.pem"
    assert config.mail.token_file == Path("~/tokens/t.json").expanduser()
    assert (config.mail.auth, config.mail.secret_env) == ("app", "LETTERS_CLIENT_SECRET")
    assert config.mail.filed_folder == "Access requests/Filed"


def test_the_folder_back_end_needs_no_microsoft_365_keys(tmp_path: Path) -> None:
    config = load_text(tmp_path, "[mail]\nbackend = 'folder'\n")
    assert config.mail == config_module.MailSettings(backend="folder", max_attachment_mb=25)


def test_the_token_file_is_by_default_in_the_users_config_folder(tmp_path: Path) -> None:
    config = load_text(tmp_path, f"[mail]\n{M365_REQUIRED}")
    assert config.mail.token_file == Path("~/.config/sar-letters/token.json").expanduser()


def test_microsoft_365_keys_left_after_going_back_to_the_folder_are_still_checked(
    tmp_path: Path,
) -> None:
    config = load_text(tmp_path, "[mail]\nbackend = 'folder'\nmailbox = 'office@example.org'\n")
    assert config.mail == config_module.MailSettings(backend="folder")
    with pytest.raises(LettersError) as error:
        load_text(tmp_path, "[mail]\nbackend = 'folder'\nmax_tries = 'five'\n")
    assert str(error.value).endswith(": mail.max_tries must be a whole number, not 'five'.")


def test_loading_a_folder_configuration_leaves_the_microsoft_365_libraries_unloaded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "letters.toml"
    path.write_text(config_module.example_text(), encoding="utf-8")
    # In a fresh process: these tests load the m365 back-end for each other.
    script = (
        "import sys; from pathlib import Path; from pipeline import config; "
        f"config.load(Path({str(path)!r})); print(sorted({{'O365', 'msal'}} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "[]\n")
