"""A local stand-in for a Cognito user pool's hosted UI, which moto does not have.

`make run IDENTITY=cognito` serves it from the web server (tools.local.web_server) with the
pool of tools.local.user_pool, so the web client signs in as it would with Cognito: the
authorization code grant with PKCE, a session the browser keeps for an hour (a second
sign-in needs no password), and `/logout`, which ends that session.
"""

import hashlib
import hmac
import html
import re
import secrets
import threading
import time
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from tools.local.server import EdgeError
from tools.local.user_pool import LocalPool

AUTHORIZE_PATH = "/oauth2/authorize"
OAUTH_TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a password
LOGOUT_PATH = "/logout"
# The hosted UI's session: a cookie, good for an hour, as Cognito's is.
SESSION_COOKIE = "cognito"
SESSION_SECONDS = 3600


class OAuthError(EdgeError):
    """A refusal of the hosted UI's stand-in, in OAuth 2.0's shape (RFC 6749, 5.2)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(HTTPStatus.BAD_REQUEST, code, message)
        self.body = {"error": code, "error_description": message}


# RFC 7636: a verifier is 43 to 128 unreserved characters; an S256 challenge is 43.
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
CODE_SECONDS = 60
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "state", "code_challenge", "scope")


def session_cookie(session: str) -> str:
    """The Set-Cookie value that keeps a session in the browser, or ends it ("")."""
    lifetime = SESSION_SECONDS if session else 0
    return f"{SESSION_COOKIE}={session}; Max-Age={lifetime}; Path=/; HttpOnly; SameSite=Lax"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Grant:
    tokens: dict[str, Any]
    challenge: str
    client_id: str
    redirect_uri: str
    expires_at: float


@dataclass(frozen=True)
class _Session:
    refresh_token: str
    expires_at: float


@dataclass
class HostedUi:
    """A local stand-in for a Cognito user pool's hosted UI, which moto does not have.

    `/oauth2/authorize` shows a sign-in form and, for a right email and password (checked
    by the pool with InitiateAuth USER_PASSWORD_AUTH), opens a session and redirects back
    with a one-time code; while the session lasts, it redirects back with a code at once
    (InitiateAuth REFRESH_TOKEN_AUTH). `/oauth2/token` trades the code for the pool's
    tokens, only with the PKCE verifier whose S256 challenge the authorize request carried.
    `/logout` ends the session and sends the browser to a sign-out URL the app client
    registers. idp: a cognito-idp client of the pool's endpoint; client_id: the pool's web
    client; logout_urls: its sign-out URLs (HostedUi.of takes all three from a LocalPool).
    """

    idp: Any
    client_id: str
    logout_urls: tuple[str, ...]
    scopes: tuple[str, ...] = ("openid", "todos/read", "todos/write")
    _grants: dict[str, _Grant] = field(default_factory=dict, repr=False)
    _sessions: dict[str, _Session] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, pool: LocalPool) -> "HostedUi":
        """The stand-in for the pool's hosted UI, with the sign-out URLs its client registers."""
        client = pool.idp.describe_user_pool_client(
            UserPoolId=pool.pool_id, ClientId=pool.client_id
        )["UserPoolClient"]
        return cls(pool.idp, pool.client_id, tuple(client.get("LogoutURLs", ())))

    def check_authorize(self, request: dict[str, str], redirect_uri: str) -> None:
        """What Cognito checks before it shows its form; a refusal never redirects."""
        expected = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "code_challenge_method": "S256",
        }
        for name, value in expected.items():
            if request.get(name) != value:
                raise OAuthError("invalid_request", f"{name} must be {value}")
        if not CHALLENGE.fullmatch(request.get("code_challenge", "")):
            raise OAuthError("invalid_request", "code_challenge must be an S256 challenge")
        unknown = set(request.get("scope", "").split()) - set(self.scopes)
        if unknown:
            raise OAuthError("invalid_scope", f"unknown scopes: {' '.join(sorted(unknown))}")

    def form(self, request: dict[str, str], problem: str = "") -> bytes:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.get(name, ""))}">'
            for name in ("response_type", "code_challenge_method", *AUTHORIZE_FIELDS)
        )
        return HOSTED_FORM.format(problem=html.escape(problem), hidden=hidden).encode()

    def sign_in(self, request: dict[str, str], redirect_uri: str) -> tuple[str, str]:
        """The URL to send the browser back to, with a code, and the session it keeps;
        LookupError for a wrong email or password."""
        self.check_authorize(request, redirect_uri)
        result = self._authenticate(
            "USER_PASSWORD_AUTH",
            {"USERNAME": request.get("username", ""), "PASSWORD": request.get("password", "")},
        )
        if result is None:
            raise LookupError("Incorrect email or password.")
        session = secrets.token_urlsafe(32)
        kept = _Session(result["RefreshToken"], time.monotonic() + SESSION_SECONDS)
        with self._lock:
            self._sessions[session] = kept
        return self._code_for(result, request, redirect_uri), session

    def resume(self, request: dict[str, str], redirect_uri: str, session: str | None) -> str | None:
        """As sign_in, without a password, for a browser whose session is open: the URL to
        send it back to, or None when it has no session (then the form is shown)."""
        self.check_authorize(request, redirect_uri)
        with self._lock:
            kept = self._sessions.get(session or "")
        if kept is None or kept.expires_at < time.monotonic():
            return None
        result = self._authenticate("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": kept.refresh_token})
        return None if result is None else self._code_for(result, request, redirect_uri)

    def logout(self, request: dict[str, str], session: str | None) -> str:
        """Ends the browser's session; the sign-out URL to send it to, which must be one the
        app client registers (as Cognito's /logout checks logout_uri)."""
        if request.get("client_id") != self.client_id:
            raise OAuthError("invalid_request", f"client_id must be {self.client_id}")
        logout_uri = request.get("logout_uri", "")
        if logout_uri not in self.logout_urls:
            raise OAuthError("invalid_request", "logout_uri must be a sign-out URL of the client")
        with self._lock:
            self._sessions.pop(session or "", None)
        return logout_uri

    def _authenticate(self, flow: str, parameters: dict[str, str]) -> dict[str, Any] | None:
        """The pool's AuthenticationResult, or None if it refuses."""
        try:
            result: dict[str, Any] = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow=flow, AuthParameters=parameters
            )["AuthenticationResult"]
        except (ClientError, BotoCoreError, KeyError):
            return None
        return result

    def _code_for(self, result: dict[str, Any], request: dict[str, str], redirect_uri: str) -> str:
        """The URL back to the client with a new one-time code for result's tokens."""
        code = secrets.token_urlsafe(32)
        grant = _Grant(
            tokens={
                "access_token": result["AccessToken"],
                "id_token": result["IdToken"],
                "token_type": "Bearer",
                "expires_in": result["ExpiresIn"],
            },
            challenge=request["code_challenge"],
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            expires_at=time.monotonic() + CODE_SECONDS,
        )
        with self._lock:
            self._grants[code] = grant
        query = {"code": code, **({"state": request["state"]} if "state" in request else {})}
        return f"{redirect_uri}?{urlencode(query)}"

    def token(self, request: dict[str, str]) -> dict[str, Any]:
        if request.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code")
        with self._lock:  # a code is good for one try, right or wrong
            grant = self._grants.pop(request.get("code", ""), None)
        verifier = request.get("code_verifier", "")
        if (
            grant is None
            or grant.expires_at < time.monotonic()
            or request.get("client_id") != grant.client_id
            or request.get("redirect_uri") != grant.redirect_uri
            or not VERIFIER.fullmatch(verifier)
            or not hmac.compare_digest(s256(verifier), grant.challenge)
        ):
            raise OAuthError("invalid_grant", "The code is unknown, used, expired or not yours")
        return grant.tokens


HOSTED_FORM = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <main>
    <h1>Sign in</h1>
    <p class="hint">The local stand-in for the user pool's hosted UI (make run only).</p>
    <p id="problem" role="alert">{problem}</p>
    <form id="hosted-sign-in" class="row" method="post" action="/oauth2/authorize">
      {hidden}
      <label for="username">Email</label>
      <input id="username" name="username" type="email" required autocomplete="username">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" required
             autocomplete="current-password">
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>
"""
