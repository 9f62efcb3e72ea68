"""How the token endpoint knows the client: its id, and its secret, certificate or none.

As Microsoft Entra does: an app-only (client credentials) request must carry the app's secret or
an assertion signed with one of its certificates (``register_certificate``); a delegated request
whose redirect URI is registered for "Mobile and desktop applications" (the native-client URI,
unless ``native_client_platform`` is "web") comes from a public client and must carry neither,
any other comes from a web app and must carry one. The answers are the identity platform's
error JSON with its AADSTS codes.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .conventions import JSON, utc_now
from .responses import IdentityError
from .state import StandinState

if TYPE_CHECKING:
    from .routing import Request

#: The redirect URI of "Mobile and desktop applications": a client using it is public.
NATIVE_CLIENT = "/common/oauth2/nativeclient"


def _unknown_client(client_id: str | None, tenant: str) -> IdentityError:
    return IdentityError(
        400,
        "unauthorized_client",
        f"AADSTS700016: Application with identifier '{client_id}' was not found in the "
        f"directory '{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You may have "
        "sent your authentication request to the wrong tenant.",
    )


class ClientCredentials(StandinState):
    """Check who is asking for a token, with the credential its kind of client must present."""

    def register_certificate(self, certificate_pem: bytes) -> str:
        """Upload a certificate's public part to the app, as in Certificates & secrets; return
        its SHA-1 thumbprint as Entra lists it (upper-case hex)."""
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        with self._lock:
            self._certificates.append(certificate)
        return certificate.fingerprint(hashes.SHA1()).hex().upper()

    def _check_client(self, form: dict[str, str], request: Request, *, public: bool) -> None:
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if client_id != self.client_id:
            raise _unknown_client(client_id, self.tenant_id)
        assertion = form.get("client_assertion")
        if public:
            if secret or assertion:
                raise IdentityError(
                    401,
                    "invalid_client",
                    "AADSTS700025: Client is public so neither 'client_assertion' nor "
                    "'client_secret' should be presented.",
                )
            return
        if assertion:
            self._check_assertion(assertion)
            return
        if not secret:
            raise IdentityError(
                401,
                "invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: "
                "'client_assertion' or 'client_secret'.",
            )
        if secret != self.client_secret:
            raise IdentityError(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID, for a "
                f"secret added to app '{self.client_id}'.",
            )

    def _check_assertion(self, assertion: str) -> None:
        """A certificate credential: a JWT signed with the key of a registered certificate."""
        try:
            head, body, signature = assertion.split(".")
            header, claims = _b64_json(head), _b64_json(body)
        except ValueError as error:
            raise IdentityError(
                401, "invalid_client", "AADSTS50027: JWT token is invalid or malformed."
            ) from error
        if claims.get("sub") != self.client_id or claims.get("iss") != self.client_id:
            raise IdentityError(
                401,
                "invalid_client",
                "AADSTS700023: Client assertion audience claim does not match Realm issuer.",
            )
        used = _thumbprint_hex(header)
        certificate = next((c for c in self._certificates if used in _thumbprints(c)), None)
        if certificate is None:
            raise self._invalid_signature("The key was not found.", used)
        if certificate.not_valid_after_utc < utc_now():
            raise self._invalid_signature("The key used is expired.", used)
        now = utc_now().timestamp()
        if not (claims.get("nbf", 0) - 300 <= now <= claims.get("exp", 0) + 300):
            raise IdentityError(
                401,
                "invalid_client",
                "AADSTS700024: Client assertion is not within its valid time range. Current "
                f"time: {utc_now():%Y-%m-%dT%H:%M:%S}Z.",
            )
        try:
            _verify(certificate, header.get("alg"), f"{head}.{body}".encode(), signature)
        except (InvalidSignature, ValueError) as error:
            raise self._invalid_signature(
                "The provided signature value did not match the expected signature value.", used
            ) from error

    def _invalid_signature(self, reason: str, thumbprint: str) -> IdentityError:
        return IdentityError(
            401,
            "invalid_client",
            f"AADSTS700027: Client assertion contains an invalid signature. [Reason - {reason}, "
            f"Thumbprint of key used by client: '{thumbprint.upper()}', Please visit the Azure "
            "Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id "
            f"'{self.client_id}'. Review the documentation at "
            "https://docs.microsoft.com/en-us/graph/api/application-get to find the SAMPLE of how "
            "to retrieve the keys.]",
        )


def _b64_json(part: str) -> JSON:
    value: Any = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _thumbprint_hex(header: JSON) -> str:
    """The thumbprint the client named (x5t#S256, or x5t), as lower-case hex."""
    value = str(header.get("x5t#S256") or header.get("x5t") or "")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


def _thumbprints(certificate: x509.Certificate) -> tuple[str, str]:
    """A certificate's SHA-1 and SHA-256 thumbprints, as lower-case hex."""
    return (
        certificate.fingerprint(hashes.SHA1()).hex(),
        certificate.fingerprint(hashes.SHA256()).hex(),
    )


def _verify(certificate: x509.Certificate, algorithm: Any, signed: bytes, signature: str) -> None:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or algorithm not in ("PS256", "RS256"):
        raise ValueError(f"unsupported key or algorithm {algorithm!r}")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    if algorithm == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        key.verify(raw, signed, pss, hashes.SHA256())
    else:
        key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA256())
