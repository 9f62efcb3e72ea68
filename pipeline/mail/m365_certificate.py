"""The app's certificate for Microsoft 365: read it, check it, say what is wrong with it.

The IT person makes the certificate, uploads its public part to the app in Microsoft Entra, and
points mail.certificate at the file holding it with its private key (PEM, or a PFX exported from
Windows, its password in an environment variable). Everything that can be wrong with that file
is said here as a certificate problem, before Microsoft is asked, and what Microsoft's sign-in
says about a certificate (AADSTS700027, …) is said here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from pipeline.errors import LettersError

# What Microsoft's sign-in answers about a certificate, and what to do: {certificate} is the
# file and its thumbprint, {client} the app.
REFUSALS = {
    "AADSTS700027": "the certificate {certificate} is not one registered for the app {client}; "
    "upload it in Microsoft Entra (App registrations › the app › Certificates & secrets › "
    "Certificates), or point mail.certificate at the one whose thumbprint is listed there",
    "AADSTS700024": "the sign-in signed with the certificate {certificate} was refused as outside "
    "its valid time: the computer's clock is wrong; correct its date and time, then run again",
}
_PRIVATE_KEY = b"PRIVATE KEY-----"


@dataclass(frozen=True)
class AppCertificate:
    """The app's certificate, checked: what msal signs with, and its thumbprint for a person."""

    path: Path
    private_key: str  # PEM, unencrypted: kept in memory only
    certificate: str  # PEM
    thumbprint: str  # SHA-1, upper-case hex: what Microsoft Entra lists for the app

    def credential(self) -> dict[str, str]:
        """Return msal's client_credential (msal 1.35+ signs with its SHA-256 thumbprint)."""
        return {"private_key": self.private_key, "public_certificate": self.certificate}

    def described(self) -> str:
        """Name the file and its thumbprint, for a message."""
        return f"{self.path} (thumbprint {self.thumbprint})"


def app_certificate(path: Path, password_env: str) -> AppCertificate:
    """Read and check the certificate file ``path``; say in one line what is wrong with it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LettersError(
            f"{path}: cannot read the certificate for Microsoft 365 ({error.strerror}); check "
            "mail.certificate names the app's certificate file (PEM with its private key, or PFX)."
        ) from error
    password = os.environ.get(password_env, "").encode() or None
    if b"-----BEGIN" in data:
        key, certificate = _from_pem(path, data, password, password_env)
    elif data[:1] == b"\x30":  # DER: a PKCS #12 (.pfx) file
        key, certificate = _from_pfx(path, data, password, password_env)
    else:
        raise LettersError(_not_a_certificate(path))
    if key.public_key() != certificate.public_key():
        raise LettersError(
            f"{path}: the certificate in it is not the one of its private key; put the "
            "certificate and the private key it was made with together in the file."
        )
    # Checked against the clock, as Microsoft will check it: a fact of now, not of the register.
    _check_dates(path, certificate, datetime.now(UTC))
    return AppCertificate(
        path=path,
        private_key=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),
    )


def _from_pem(
    path: Path, data: bytes, password: bytes | None, password_env: str
) -> tuple[PrivateKeyTypes, x509.Certificate]:
    """Return the private key and the certificate of a PEM file."""
    if _PRIVATE_KEY not in data:
        raise LettersError(
            f"{path}: holds no private key; mail.certificate needs the certificate and its "
            "private key in one PEM file (or a PFX file), not only the certificate uploaded to "
            "Microsoft Entra."
        )
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise LettersError(
            f"{path}: holds a private key but no certificate; add the certificate uploaded to "
            "Microsoft Entra (its -----BEGIN CERTIFICATE----- block) to the same file."
        )
    try:
        try:
            key = serialization.load_pem_private_key(data, password)
        except TypeError:  # a password is set for a key that has none, or none for one that has
            if password is None:
                raise LettersError(_needs_password(path, password_env)) from None
            key = serialization.load_pem_private_key(data, None)
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as error:
        if b"ENCRYPTED" in data and password is not None:
            raise LettersError(_wrong_password(path, password_env)) from error
        raise LettersError(_not_a_certificate(path)) from error
    return key, certificates[0]


def _from_pfx(
    path: Path, data: bytes, password: bytes | None, password_env: str
) -> tuple[PrivateKeyTypes, x509.Certificate]:
    """Return the private key and the certificate of a PFX (PKCS #12) file."""
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError as error:
        # PKCS #12 cannot tell a wrong password from a damaged file; a PFX usually has one.
        missing = _needs_password(path, password_env)
        raise LettersError(
            missing if password is None else _wrong_password(path, password_env)
        ) from error
    if key is None or certificate is None:
        raise LettersError(
            f"{path}: the PFX file lacks its {'private key' if key is None else 'certificate'}; "
            "export it again with the private key (Export-PfxCertificate, or `openssl pkcs12 "
            "-export`)."
        )
    return key, certificate


def _check_dates(path: Path, certificate: x509.Certificate, now: datetime) -> None:
    """Refuse a certificate that has expired or is not valid yet."""
    if certificate.not_valid_after_utc < now:
        raise LettersError(
            f"{path}: the certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}; "
            "make a new one, upload it to the app in Microsoft Entra (Certificates & secrets) "
            "and point mail.certificate at it."
        )
    if certificate.not_valid_before_utc > now:
        raise LettersError(
            f"{path}: the certificate is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; check the computer's date "
            "and time, or use the certificate in use now."
        )


def _needs_password(path: Path, password_env: str) -> str:
    return (
        f"{path}: the certificate's private key is protected by a password; put the password "
        f"in the environment variable {password_env} before the run (never in a file in the repo)."
    )


def _wrong_password(path: Path, password_env: str) -> str:
    return (
        f"{path}: the password in the environment variable {password_env} does not open the "
        "certificate's private key; put there the password the certificate was exported with."
    )


def _not_a_certificate(path: Path) -> str:
    return (
        f"{path}: is not a certificate with its private key (PEM or PFX); point "
        "mail.certificate at the file holding the certificate uploaded to the app in Microsoft "
        "Entra and its private key."
    )
