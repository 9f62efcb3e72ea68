"""The app's certificate (mail.certificate): real certificates made with `cryptography`, signed
in with through msal to the Graph stand-in, and every way the file can be wrong said as a
certificate problem, before Microsoft is asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from graph_standin import GraphStandin

from pipeline.config import Config
from pipeline.errors import LettersError
from pipeline.mail.m365 import connect

from support.certificates import app_certificate
from support.m365 import SECRET_ENV, with_mail

PASSWORD_ENV = "LETTERS_TEST_CERTIFICATE_PASSWORD"


@pytest.fixture
def app(m365: Config, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Config]:
    """Return the app-only configuration signing in with the certificate file given, no secret."""
    monkeypatch.delenv(SECRET_ENV)
    return lambda path: with_mail(m365, certificate=path, certificate_password_env=PASSWORD_ENV)


def refusal(config: Config) -> str:
    """Return what connecting with ``config`` says, in its one line."""
    with pytest.raises(LettersError) as raised:
        connect(config)
    message = raised.value.message
    assert "\n" not in message and "tenant" not in message
    return message


def test_a_pfx_exported_with_a_password_signs_in_with_the_password_from_the_environment(
    app: Callable[[Path], Config],
    graph: GraphStandin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pfx, uploaded = app_certificate(tmp_path, name="app.pfx", password=b"c0rrect", pfx=True)
    graph.register_certificate(uploaded)
    monkeypatch.setenv(PASSWORD_ENV, "c0rrect")
    assert connect(app(pfx)).replies() == []
    assert graph.count("POST", r"/oauth2/v2.0/token$", 200) == 1


def test_a_password_left_in_the_environment_for_a_key_without_one_is_not_needed(
    app: Callable[[Path], Config],
    graph: GraphStandin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pem, uploaded = app_certificate(tmp_path)  # its key has no password
    graph.register_certificate(uploaded)
    monkeypatch.setenv(PASSWORD_ENV, "for another certificate")
    assert connect(app(pem)).replies() == []


def test_a_certificate_unknown_to_the_app_is_named_with_its_thumbprint(
    app: Callable[[Path], Config], graph: GraphStandin, tmp_path: Path
) -> None:
    pem, _ = app_certificate(tmp_path)  # made, but never uploaded to the app
    message = refusal(app(pem))
    thumbprint = message.split("(thumbprint ")[1].split(")")[0]
    assert message == (
        f"Microsoft 365 refused to sign in: the certificate {pem} (thumbprint {thumbprint}) is "
        f"not one registered for the app {graph.client_id}; upload it in Microsoft Entra (App "
        "registrations › the app › Certificates & secrets › Certificates), or point "
        "mail.certificate at the one whose thumbprint is listed there (AADSTS700027: Client "
        "assertion contains an invalid signature)."
    )
    assert len(thumbprint) == 40 and thumbprint == thumbprint.upper()


def test_a_file_that_cannot_be_read_says_so(
    app: Callable[[Path], Config], graph: GraphStandin, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.pem"
    assert refusal(app(missing)) == (
        f"{missing}: cannot read the certificate for Microsoft 365 (No such file or directory); "
        "check mail.certificate names the app's certificate file (PEM with its private key, or "
        "PFX)."
    )


@pytest.mark.bad_input
@pytest.mark.parametrize(
    "content",
    [
        b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        b"certificate: see the IT folder\n",
        b"",
    ],
    ids=["garbage PEM", "text", "empty"],
)
def test_a_file_that_is_no_certificate_says_so(
    app: Callable[[Path], Config], graph: GraphStandin, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "app.pem"
    path.write_bytes(content)
    assert refusal(app(path)) == (
        f"{path}: is not a certificate with its private key (PEM or PFX); point "
        "mail.certificate at the file holding the certificate uploaded to the app in Microsoft "
        "Entra and its private key."
    )
    assert graph.count("POST", r"/token$") == 0  # Microsoft was not asked


@pytest.mark.bad_input
def test_the_certificate_alone_or_the_key_alone_says_which_is_missing(
    app: Callable[[Path], Config], graph: GraphStandin, tmp_path: Path
) -> None:
    pem, uploaded = app_certificate(tmp_path)
    alone = tmp_path / "uploaded.cer"
    alone.write_bytes(uploaded)
    assert refusal(app(alone)).startswith(f"{alone}: holds no private key; ")
    key = tmp_path / "key.pem"
    key.write_bytes(pem.read_bytes().replace(uploaded, b""))
    assert refusal(app(key)).startswith(f"{key}: holds a private key but no certificate; ")
    other, _ = app_certificate(tmp_path, name="other.pem")
    mixed = tmp_path / "mixed.pem"
    mixed.write_bytes(
        key.read_bytes() + other.read_bytes().split(b"-----END PRIVATE KEY-----\n")[1]
    )
    assert refusal(app(mixed)) == (
        f"{mixed}: the certificate in it is not the one of its private key; put the certificate "
        "and the private key it was made with together in the file."
    )


@pytest.mark.bad_input
@pytest.mark.parametrize("pfx", [False, True], ids=["PEM", "PFX"])
def test_a_missing_or_wrong_password_says_where_the_password_goes(
    app: Callable[[Path], Config],
    graph: GraphStandin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pfx: bool,
) -> None:
    path, _ = app_certificate(tmp_path, password=b"c0rrect", pfx=pfx)
    assert refusal(app(path)) == (
        f"{path}: the certificate's private key is protected by a password; put the password "
        f"in the environment variable {PASSWORD_ENV} before the run (never in a file in the "
        "repo)."
    )
    monkeypatch.setenv(PASSWORD_ENV, "wr0ng")
    assert refusal(app(path)) == (
        f"{path}: the password in the environment variable {PASSWORD_ENV} does not open the "
        "certificate's private key; put there the password the certificate was exported with."
    )


@pytest.mark.bad_input
def test_an_expired_certificate_says_when_it_expired_and_what_to_do(
    app: Callable[[Path], Config], graph: GraphStandin, tmp_path: Path
) -> None:
    path, uploaded = app_certificate(tmp_path, valid_days=-3)
    graph.register_certificate(uploaded)
    message = refusal(app(path))
    assert message.startswith(f"{path}: the certificate expired on 20")
    assert message.endswith(
        "; make a new one, upload it to the app in Microsoft Entra (Certificates & secrets) and "
        "point mail.certificate at it."
    )
    assert graph.count("POST", r"/token$") == 0
