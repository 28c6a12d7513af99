"""Serves the web client (web/) on loopback for `make run`, with a local-only sign-in.

The client's files come from a second port, so the browser treats the API as another
origin and CORS is exercised as it is in a deployment. Besides the files it serves:

- `GET /config.json`: where the client finds the API and how it signs in;
- `POST /local/token` `{"user": "alice", "ttl": 60}`: a token for the local stage, signed
  with the stage's HS256 secret by tools.token. It exists only in this development server
  (never in the app or the Lambda zip), which binds to loopback alone and answers only
  requests whose Host is its own loopback address, so a page of another site cannot reach
  it through DNS rebinding.

Every answer carries a Content-Security-Policy that lets the page load only its own files
and connect only to itself and the API.
"""

import hashlib
import hmac
import html
import ipaddress
import json
import re
import secrets
import threading
import time
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from tools.local_server import EdgeError, check_body_framing
from tools.token import LIFETIME_SECONDS, issue_token

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
HOST = "127.0.0.1"
SIGN_IN_PATH = "/local/token"
AUTHORIZE_PATH = "/oauth2/authorize"
OAUTH_TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a password
MAX_BODY_BYTES = 1024
MAX_USER_CHARS = 256  # the API's limit on an owner (a token's sub)
MIN_TTL_SECONDS = 1
MAX_TTL_SECONDS = LIFETIME_SECONDS
# Only the types the client is made of: any other file under web/ is not served.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}


# status, Content-Type, body and extra headers of an answer.
Answer = tuple[HTTPStatus, str, bytes, dict[str, str]]


class BadRequest(Exception):
    """A request this server refuses; becomes a JSON error like the API's."""

    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"message": self.message, "code": self.code}


class OAuthError(BadRequest):
    """A refusal of the hosted UI's stand-in, in OAuth 2.0's shape (RFC 6749, 5.2)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(HTTPStatus.BAD_REQUEST, code, message)

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.message}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(connect_origins: list[str]) -> str:
    connect = " ".join(["'self'", *connect_origins])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {connect}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def requested_user(payload: Any) -> str:
    user = payload.get("user") if isinstance(payload, dict) else None
    if not isinstance(user, str) or not user.strip():
        raise BadRequest(HTTPStatus.BAD_REQUEST, "InvalidRequest", "'user' must be a name")
    if len(user) > MAX_USER_CHARS:
        raise BadRequest(
            HTTPStatus.BAD_REQUEST,
            "InvalidRequest",
            f"'user' must be at most {MAX_USER_CHARS} characters",
        )
    try:
        user.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(
            HTTPStatus.BAD_REQUEST, "InvalidRequest", "'user' must be valid Unicode"
        ) from None
    return user


def requested_ttl(payload: dict[str, Any]) -> int:
    ttl = payload.get("ttl", MAX_TTL_SECONDS)
    # bool is an int to Python, but `true` is not a number of seconds.
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "InvalidRequest", "'ttl' must be a whole number")
    if not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
        raise BadRequest(
            HTTPStatus.BAD_REQUEST,
            "InvalidRequest",
            f"'ttl' must be from {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS} seconds",
        )
    return ttl


# RFC 7636: a verifier is 43 to 128 unreserved characters; an S256 challenge is 43.
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
CODE_SECONDS = 60
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "state", "code_challenge", "scope")


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


@dataclass
class HostedUi:
    """A local stand-in for a Cognito user pool's hosted UI, which moto does not have.

    `/oauth2/authorize` shows a sign-in form and, for a right email and password (checked
    by the pool with InitiateAuth USER_PASSWORD_AUTH), redirects back with a one-time code;
    `/oauth2/token` trades the code for the pool's tokens, only with the PKCE verifier
    whose S256 challenge the authorize request carried. idp: a cognito-idp client of the
    pool's endpoint (tools.cognito.LocalPool.idp); client_id: the pool's web client.
    """

    idp: Any
    client_id: str
    scopes: tuple[str, ...] = ("openid", "todos/read", "todos/write")
    _grants: dict[str, _Grant] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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

    def sign_in(self, request: dict[str, str], redirect_uri: str) -> str:
        """The URL to send the browser back to, with a code; LookupError for a wrong
        email or password."""
        self.check_authorize(request, redirect_uri)
        try:
            result = self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": request.get("username", ""),
                    "PASSWORD": request.get("password", ""),
                },
            )["AuthenticationResult"]
        except (ClientError, BotoCoreError, KeyError):
            raise LookupError("Incorrect email or password.") from None
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


class WebServer:
    """The client's files, its config.json and a sign-in, on loopback.

    The sign-in is the local one, with stage_env's JWT_SECRET (tools.stage.environment of
    the local stage), unless hosted_ui is given: then the client signs in as with Cognito,
    through the stand-in for the pool's hosted UI.
    """

    def __init__(
        self,
        api_url: str,
        stage_env: dict[str, str],
        host: str = HOST,
        port: int = 0,
        root: Path = WEB_DIR,
        hosted_ui: HostedUi | None = None,
        api_key: str | None = None,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the local sign-in serves loopback only, not {host}")
        if hosted_ui is None and "JWT_SECRET" not in stage_env:
            raise ValueError("the local sign-in needs a stage whose secret is in its config")
        self.api_url = api_url.rstrip("/")
        self.stage_env = stage_env
        self.root = root.resolve()
        self.hosted_ui = hosted_ui
        # The key the API wants in x-api-key, where it wants one (tools.edge): in a web
        # client it identifies the application, never a user, and is no secret.
        self.api_key = api_key
        self.csp = content_security_policy([origin_of(self.api_url)])
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]!s}:{self.port}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/"

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset({f"{HOST}:{self.port}", f"localhost:{self.port}"})

    def config(self) -> dict[str, Any]:
        api = {"apiUrl": self.api_url} | ({"apiKey": self.api_key} if self.api_key else {})
        if self.hosted_ui is None:
            return {**api, "identity": "local", "tokenUrl": SIGN_IN_PATH}
        return {
            **api,
            "identity": "cognito",
            "authorizeUrl": self.url + AUTHORIZE_PATH,
            "tokenUrl": self.url + OAUTH_TOKEN_PATH,
            "clientId": self.hosted_ui.client_id,
            "scopes": list(self.hosted_ui.scopes),
            "redirectUri": self.redirect_uri,
        }

    def routes(self) -> dict[str, str]:
        """Each path this server answers other than its files, and the methods it takes."""
        if self.hosted_ui is None:
            return {SIGN_IN_PATH: "POST"}
        return {AUTHORIZE_PATH: "GET, POST", OAUTH_TOKEN_PATH: "POST"}

    def token(self, payload: Any) -> dict[str, Any]:
        user = requested_user(payload)
        ttl = requested_ttl(payload)
        return {
            "access_token": issue_token(user, self.stage_env, lifetime=ttl),
            "token_type": "Bearer",
            "expires_in": ttl,
        }

    def file_for(self, url_path: str) -> Path:
        """The file under root a URL path names; 404 for anything else, directories
        (no listing), hidden files and paths that lead out of root included."""
        relative = unquote(url_path).lstrip("/") or "index.html"
        if "\x00" in relative:
            raise BadRequest(HTTPStatus.NOT_FOUND, "NotFound", "No such file")
        candidate = (self.root / relative).resolve()
        if (
            not candidate.is_relative_to(self.root)
            or any(part.startswith(".") for part in candidate.relative_to(self.root).parts)
            or not candidate.is_file()
            or candidate.suffix not in CONTENT_TYPES
        ):
            raise BadRequest(HTTPStatus.NOT_FOUND, "NotFound", "No such file")
        return candidate

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        # shutdown() waits for serve_forever to return: it would wait forever for a
        # server that never started.
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


def _handler_for(web: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_app = web

    return Handler


def single_values(query: str | bytes) -> dict[str, str]:
    """A form or query string as names to values; OAuth allows no name twice."""
    try:
        text = query.decode("utf-8") if isinstance(query, bytes) else query
        values = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:  # not UTF-8, or too many fields
        raise OAuthError("invalid_request", "the parameters cannot be read") from None
    if any(len(given) > 1 for given in values.values()):
        raise OAuthError("invalid_request", "a parameter is given more than once")
    return {name: given[0] for name, given in values.items()}


class _Handler(BaseHTTPRequestHandler):
    server_app: WebServer

    def version_string(self) -> str:
        # What the server runs on is nobody's business but ours.
        return "todo-web"

    def do_GET(self) -> None:
        self._answer(self._get, body=True)

    def do_HEAD(self) -> None:
        self._answer(self._get, body=False)

    def do_POST(self) -> None:
        self._answer(self._post, body=True)

    def do_PUT(self) -> None:
        self._answer(self._not_allowed, body=True)

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    def _answer(self, route: Callable[[], Answer], body: bool) -> None:
        try:
            self._check_host()
            status, content_type, content, headers = route()
        except BadRequest as error:
            status, content_type, headers = error.status, "application/json", {}
            content = json.dumps(error.body()).encode()
            if error.status == HTTPStatus.METHOD_NOT_ALLOWED:
                headers = {"Allow": self.server_app.routes().get(self._path(), "GET, HEAD")}
        self.send_response(status)
        for name, value in {
            **self._safe_headers(),
            "Content-Type": content_type,
            **headers,
        }.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def _check_host(self) -> None:
        if self.headers.get("Host") not in self.server_app.allowed_hosts:
            raise BadRequest(HTTPStatus.FORBIDDEN, "UnknownHost", "Unknown Host")

    def _safe_headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": self.server_app.csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cache-Control": "no-store",
        }

    def _path(self) -> str:
        return urlsplit(self.path).path

    def _get(self) -> Answer:
        path = self._path()
        hosted_ui = self.server_app.hosted_ui
        if hosted_ui is not None and path == AUTHORIZE_PATH:
            request = single_values(urlsplit(self.path).query)
            hosted_ui.check_authorize(request, self.server_app.redirect_uri)
            return HTTPStatus.OK, CONTENT_TYPES[".html"], hosted_ui.form(request), {}
        if "GET" not in self.server_app.routes().get(path, "GET"):
            self._not_allowed()
        if path == "/config.json":
            return self._json(self.server_app.config())
        file = self.server_app.file_for(path)
        return HTTPStatus.OK, CONTENT_TYPES[file.suffix], file.read_bytes(), {}

    def _post(self) -> Answer:
        path = self._path()
        if "POST" not in self.server_app.routes().get(path, ""):
            self._not_allowed()
        hosted_ui = self.server_app.hosted_ui
        if hosted_ui is None:  # then the one path that takes a POST is the local sign-in
            return self._json(self.server_app.token(self._json_body()))
        request = single_values(self._body("application/x-www-form-urlencoded"))
        if path == OAUTH_TOKEN_PATH:
            return self._json(hosted_ui.token(request))
        try:
            location = hosted_ui.sign_in(request, self.server_app.redirect_uri)
        except LookupError as wrong:
            page = hosted_ui.form(request, str(wrong))
            return HTTPStatus.UNAUTHORIZED, CONTENT_TYPES[".html"], page, {}
        return HTTPStatus.FOUND, "text/plain; charset=utf-8", b"", {"Location": location}

    def _not_allowed(self) -> Answer:
        raise BadRequest(
            HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", "Method not allowed here"
        )

    def _body(self, media_type: str) -> bytes:
        given = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if given != media_type:
            raise BadRequest(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                f"Send the request as {media_type}",
            )
        if self.headers.get("Content-Length") is None:
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "LengthRequired", "Content-Length needed")
        try:
            length = check_body_framing(self.headers, MAX_BODY_BYTES)
        except EdgeError as error:
            raise BadRequest(error.status, error.body["code"], error.body["message"]) from None
        return self.rfile.read(length)

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body("application/json"))
        except ValueError:
            raise BadRequest(
                HTTPStatus.BAD_REQUEST, "InvalidRequest", "The body is not JSON"
            ) from None

    @staticmethod
    def _json(document: dict[str, Any]) -> Answer:
        return HTTPStatus.OK, "application/json", json.dumps(document).encode(), {}
