"""The Microsoft identity platform: OpenID configuration, authorize and token endpoints."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from .conventions import DELEGATED, JSON, PERMISSIONS, b64url, b64url_json, utc_now
from .credentials import NATIVE_CLIENT, ClientCredentials
from .responses import IdentityError, Response, json_response
from .state import Token

if TYPE_CHECKING:
    from .routing import Request

#: The answer to a code used twice, a refresh token revoked, or either unknown.
_GRANT_EXPIRED = (
    "AADSTS70008: The provided authorization code or refresh token has expired due to "
    "inactivity. Send a new interactive authorization request for this user and resource."
)


def _tenant_not_found(tenant: str) -> str:
    return (
        f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct "
        "tenant ID and are signing into the correct cloud."
    )


class IdentityPlatform(ClientCredentials):
    """/{tenant}/…: sign-in, tokens issued and refreshed."""

    def _identity(self, request: Request, parts: list[str]) -> Response:
        tenant = parts[0]
        rest = "/".join(parts[1:])
        if tenant == "common" and rest == "discovery/instance":
            # Instance discovery (only reached if a client is told to use this endpoint).
            return json_response(
                200,
                {
                    "tenant_discovery_endpoint": f"{self.authority}/v2.0/.well-known/"
                    "openid-configuration",
                    "api-version": "1.1",
                    "metadata": [
                        {
                            "preferred_network": f"127.0.0.1:{self.port}",
                            "preferred_cache": f"127.0.0.1:{self.port}",
                            "aliases": [f"127.0.0.1:{self.port}"],
                        }
                    ],
                },
            )
        known_tenant = tenant in (self.tenant_id, "organizations", "common")
        if rest == "v2.0/.well-known/openid-configuration" and request.method == "GET":
            if not known_tenant:
                raise IdentityError(400, "invalid_tenant", _tenant_not_found(tenant))
            return json_response(200, self._openid_configuration(tenant))
        if rest == "oauth2/v2.0/authorize" and request.method == "GET":
            return self._authorize(tenant, request.query)
        if rest == "oauth2/v2.0/token" and request.method == "POST":
            form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
            if not known_tenant:
                raise IdentityError(400, "invalid_request", _tenant_not_found(tenant))
            return self._token(form, request)
        raise IdentityError(404, "not_found", f"No such endpoint: /{'/'.join(parts)}")

    def _openid_configuration(self, tenant: str) -> JSON:
        del tenant
        base = self.authority
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{self.url}{self.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.url}oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "oid",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": f"127.0.0.1:{self.port}",
            "rbac_url": "https://pas.windows.net",
        }

    def _authorize(self, tenant: str, query: dict[str, str]) -> Response:
        """Delegated sign-in, consented at once as `login_as`: 302 to the redirect URI."""
        del tenant
        if query.get("client_id") != self.client_id:
            raise IdentityError(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{query.get('client_id')}' was not "
                f"found in the directory '{self.tenant_id}'.",
            )
        redirect = query.get("redirect_uri", "")
        if not self.login_as:
            raise IdentityError(400, "invalid_request", "AADSTS50020: No user to sign in.")
        code = secrets.token_urlsafe(32)
        self._codes[code] = {
            "user": self.login_as,
            "nonce": query.get("nonce"),
            "scope": query.get("scope", ""),
            "redirect_uri": redirect,
        }
        params = {"code": code, "state": query.get("state", ""), "session_state": str(uuid.uuid4())}
        return Response(302, b"", None, {"Location": f"{redirect}?{urlencode(params)}"})

    def _token(self, form: dict[str, str], request: Request) -> Response:
        grant = form.get("grant_type")
        refresh = self._refresh_tokens.get(form.get("refresh_token", ""))
        if grant == "authorization_code":
            native = form.get("redirect_uri", "").endswith(NATIVE_CLIENT)
            public = native and self.native_client_platform == "mobile"
        else:
            public = grant == "refresh_token" and bool(refresh and refresh["public"])
        self._check_client(form, request, public=public)
        scope = form.get("scope", "")
        if grant == "client_credentials":
            if not scope.endswith("/.default"):
                raise IdentityError(
                    400,
                    "invalid_scope",
                    f"AADSTS1002012: The provided value for scope {scope} is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed to the "
                    "resource identifier (application ID URI).",
                )
            token = self._issue(user=None, scopes=scope)
            return json_response(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": self.token_lifetime,
                    "ext_expires_in": self.token_lifetime,
                    "access_token": token.value,
                },
            )
        if grant == "authorization_code":
            code = self._codes.pop(form.get("code", ""), None)
            if code is None:
                raise IdentityError(400, "invalid_grant", _GRANT_EXPIRED)
            self._consent(code["user"], code["scope"] or scope)
            return self._delegated(code["user"], code["scope"] or scope, code["nonce"], public)
        if grant == "refresh_token":
            if refresh is None or refresh.get("revoked"):
                raise IdentityError(400, "invalid_grant", _GRANT_EXPIRED)
            wanted = scope or refresh["scope"]
            if "/.default" in wanted:  # delegated: whatever the user has consented to
                wanted = " ".join(sorted(self._consents.get(refresh["user"], set())))
            missing = set(_permissions(wanted)) - self._consents.get(refresh["user"], set())
            if missing:
                raise IdentityError(
                    400,
                    "invalid_grant",
                    f"AADSTS65001: The user or administrator has not consented to use the "
                    f"application with ID '{self.client_id}' named 'SAR letters (stand-in)'. "
                    "Send an interactive authorization request for this user and resource.",
                )
            return self._delegated(refresh["user"], wanted, None, refresh["public"])
        raise IdentityError(
            400,
            "unsupported_grant_type",
            f"AADSTS70003: The app requested an unsupported grant type '{grant}'.",
        )

    def _issue(self, *, user: str | None, scopes: str) -> Token:
        # Shaped like Graph's tokens (a JWT whose claims carry the granted permissions: "roles"
        # app-only, "scp" delegated) so a client can read which permission is missing; the
        # signature is random and the server only trusts tokens it remembers.
        now = int(utc_now().timestamp())
        granted = [p for p in PERMISSIONS if p not in self._denied_everywhere]
        claims: JSON = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "app_displayname": "SAR letters (stand-in)",
            "appid": self.client_id,
            "idtyp": "user" if user else "app",
            "tid": self.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        if user:
            claims["upn"] = user
            claims["scp"] = " ".join(p for p in scopes.split() if p not in self._denied_everywhere)
        else:
            claims["roles"] = granted
        value = ".".join(
            [
                b64url_json({"typ": "JWT", "alg": "RS256", "kid": "stand-in"}),
                b64url_json(claims),
                b64url(secrets.token_bytes(64)),
            ]
        )
        token = Token(
            value,
            self.client_id,
            utc_now() + dt.timedelta(seconds=self.token_lifetime),
            user=user,
            scopes=scopes,
        )
        self._tokens[value] = token
        return token

    def _consent(self, user: str, scope: str) -> None:
        """The user accepted the permissions asked (the stand-in's authorize page always does)."""
        self._consents.setdefault(user, set()).update(_permissions(scope))

    def _delegated(self, user: str, scope: str, nonce: str | None, public: bool) -> Response:
        box = self.mailbox(user)
        scopes = " ".join(_permissions(scope))
        token = self._issue(user=box.address, scopes=scopes)
        refresh = "0.AAAA" + secrets.token_urlsafe(64)
        self._refresh_tokens[refresh] = {
            "user": box.address,
            "scope": scope,
            "revoked": False,
            "public": public,
        }
        now = int(utc_now().timestamp())
        claims = {
            "aud": self.client_id,
            "iss": f"{self.authority}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": box.display_name,
            "oid": box.user_id,
            "preferred_username": box.address,
            "sub": b64url(box.user_id.encode()),
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        id_token = ".".join([b64url_json({"typ": "JWT", "alg": "none"}), b64url_json(claims), ""])
        return json_response(
            200,
            {
                "token_type": "Bearer",
                "scope": scopes,
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token.value,
                "refresh_token": refresh,
                "id_token": id_token,
                "client_info": b64url_json({"uid": box.user_id, "utid": self.tenant_id}),
            },
        )


def _permissions(scope: str) -> list[str]:
    """The Graph permissions a scope string asks for, by short name ("Mail.Send"); by default
    (none asked) the two the mail back-end needs."""
    asked = [s.rsplit("/", 1)[-1] for s in scope.split()]
    return [s for s in asked if s in DELEGATED] or ["Mail.ReadWrite", "Mail.Send"]
