"""The app's certificate as the IT person makes it: a real RSA key and certificate, saved as
PEM (key and certificate in one file) or as a PFX exported with a password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def app_certificate(
    folder: Path,
    *,
    name: str = "app.pem",
    valid_days: float = 365,
    password: bytes | None = None,
    pfx: bool = False,
) -> tuple[Path, bytes]:
    """Write a self-signed certificate for "SAR letters" with its private key into ``folder``;
    return the file and the certificate's PEM (what is uploaded to the app in Microsoft Entra).

    ``valid_days`` below 0 makes one that has expired; ``password`` encrypts the key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SAR letters")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=max(1.0, -valid_days + 1)))
        .not_valid_after(now + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path = folder / name
    if pfx:
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"SAR letters", key, certificate, None, encryption
            )
        )
    else:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
            + certificate.public_bytes(serialization.Encoding.PEM)
        )
    return path, certificate.public_bytes(serialization.Encoding.PEM)
