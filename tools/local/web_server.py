"""Serves the web client (web/) on loopback for `make run`, with a local-only sign-in.

The client's files come from a second port, so the browser treats the API as another
origin and CORS is exercised as it is in a deployment. Besides the files it serves:

- `GET /config.json`: where the client finds the API and how it signs in;
- `POST /local/token` `{"user": "alice", "ttl": 60}`: a token for the local stage, signed
  with the stage's HS256 secret by tools.local.token. It exists only in this development server
  (never in the app or the Lambda zip), which binds to loopback alone and answers only
  requests whose Host is its own loopback address, so a page of another site cannot reach
  it through DNS rebinding;
- with a hosted UI's stand-in (`make run IDENTITY=cognito`, tools.local.hosted_ui) instead
  of that sign-in: `/oauth2/authorize`, `/oauth2/token` and `/logout`, as Cognito's.

Every answer carries a Content-Security-Policy that lets the page load only its own files
and connect only to itself and the API.
"""

import ipaddress
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tools import PROJECT_DIR
from tools.local.hosted_ui import (
    AUTHORIZE_PATH,
    LOGOUT_PATH,
    OAUTH_TOKEN_PATH,
    SESSION_COOKIE,
    HostedUi,
    OAuthError,
    session_cookie,
)
from tools.local.loopback import own_hosts
from tools.local.server import EdgeError, PathOnlyAccessLog, check_body_framing, refusal
from tools.local.token import LIFETIME_SECONDS, issue_token

WEB_DIR = PROJECT_DIR / "web"
HOST = "127.0.0.1"
SIGN_IN_PATH = "/local/token"
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
        raise EdgeError(HTTPStatus.BAD_REQUEST, "InvalidRequest", "'user' must be a name")
    if len(user) > MAX_USER_CHARS:
        raise EdgeError(
            HTTPStatus.BAD_REQUEST,
            "InvalidRequest",
            f"'user' must be at most {MAX_USER_CHARS} characters",
        )
    try:
        user.encode("utf-8")
    except UnicodeEncodeError:
        raise EdgeError(
            HTTPStatus.BAD_REQUEST, "InvalidRequest", "'user' must be valid Unicode"
        ) from None
    return user


def requested_ttl(payload: dict[str, Any]) -> int:
    ttl = payload.get("ttl", MAX_TTL_SECONDS)
    # bool is an int to Python, but `true` is not a number of seconds.
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise EdgeError(HTTPStatus.BAD_REQUEST, "InvalidRequest", "'ttl' must be a whole number")
    if not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
        raise EdgeError(
            HTTPStatus.BAD_REQUEST,
            "InvalidRequest",
            f"'ttl' must be from {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS} seconds",
        )
    return ttl


class WebServer:
    """The client's files, its config.json and a sign-in, on loopback.

    The sign-in is the local one, with stage_env's JWT_SECRET (tools.deploy.stage.environment of
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
        # The key the API wants in x-api-key, where it wants one (tools.deploy.package.edge):
        # in a web client it identifies the application, never a user, and is no secret.
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
        return own_hosts(self.port)

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
            "logoutUrl": self.url + LOGOUT_PATH,
            # The sign-out URL the pool registers for its client (tools.deploy.user_pool).
            "logoutUri": self.hosted_ui.logout_urls[0],
        }

    def routes(self) -> dict[str, str]:
        """Each path this server answers other than its files, and the methods it takes."""
        if self.hosted_ui is None:
            return {SIGN_IN_PATH: "POST"}
        return {AUTHORIZE_PATH: "GET, POST", OAUTH_TOKEN_PATH: "POST", LOGOUT_PATH: "GET"}

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
        not_found = EdgeError(HTTPStatus.NOT_FOUND, "NotFound", "No such file")
        if "\x00" in relative:
            raise not_found
        try:
            candidate = (self.root / relative).resolve()
            if (
                not candidate.is_relative_to(self.root)
                or any(part.startswith(".") for part in candidate.relative_to(self.root).parts)
                or not candidate.is_file()
                or candidate.suffix not in CONTENT_TYPES
            ):
                raise not_found
        except OSError:  # a name too long for a file name, for one
            raise not_found from None
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


class _Handler(PathOnlyAccessLog):
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
            answer = route()
        except EdgeError as error:
            answer = self._error(error)
        self._send(answer, body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own refusals: JSON, with the headers of every other answer.
        self.request_version = self.protocol_version
        self.close_connection = True
        self._send(self._error(refusal(code)), body=self.command != "HEAD")

    def _error(self, error: EdgeError) -> Answer:
        headers = {}
        if error.status == HTTPStatus.METHOD_NOT_ALLOWED:
            headers = {"Allow": self.server_app.routes().get(self._path(), "GET, HEAD")}
        return error.status, "application/json", json.dumps(error.body).encode(), headers

    def _send(self, answer: Answer, body: bool) -> None:
        status, content_type, content, headers = answer
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
            raise EdgeError(HTTPStatus.FORBIDDEN, "UnknownHost", "Unknown Host")

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
            location = hosted_ui.resume(request, self.server_app.redirect_uri, self._session())
            if location is not None:
                return self._redirect(location)
            return HTTPStatus.OK, CONTENT_TYPES[".html"], hosted_ui.form(request), {}
        if hosted_ui is not None and path == LOGOUT_PATH:
            request = single_values(urlsplit(self.path).query)
            location = hosted_ui.logout(request, self._session())
            return self._redirect(location, session_cookie(""))
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
            location, session = hosted_ui.sign_in(request, self.server_app.redirect_uri)
        except LookupError as wrong:
            page = hosted_ui.form(request, str(wrong))
            return HTTPStatus.UNAUTHORIZED, CONTENT_TYPES[".html"], page, {}
        return self._redirect(location, session_cookie(session))

    @staticmethod
    def _redirect(location: str, cookie: str | None = None) -> Answer:
        headers = {"Location": location} | ({"Set-Cookie": cookie} if cookie else {})
        return HTTPStatus.FOUND, "text/plain; charset=utf-8", b"", headers

    def _session(self) -> str | None:
        """The hosted UI's session the browser holds, if any."""
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        held = cookies.get(SESSION_COOKIE)
        return held.value if held is not None else None

    def _not_allowed(self) -> Answer:
        raise EdgeError(
            HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", "Method not allowed here"
        )

    def _body(self, media_type: str) -> bytes:
        given = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if given != media_type:
            raise EdgeError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                f"Send the request as {media_type}",
            )
        if self.headers.get("Content-Length") is None:
            raise EdgeError(HTTPStatus.LENGTH_REQUIRED, "LengthRequired", "Content-Length needed")
        try:
            length = check_body_framing(self.headers, MAX_BODY_BYTES)
        except EdgeError as error:
            raise EdgeError(error.status, error.body["code"], error.body["message"]) from None
        return self.rfile.read(length)

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body("application/json"))
        except ValueError:
            raise EdgeError(
                HTTPStatus.BAD_REQUEST, "InvalidRequest", "The body is not JSON"
            ) from None

    @staticmethod
    def _json(document: dict[str, Any]) -> Answer:
        return HTTPStatus.OK, "application/json", json.dumps(document).encode(), {}
