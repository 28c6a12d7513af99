"""`chalice local --no-autoreload`, hardened for browsers and hostile clients.

`python -m tools.local.server --stage local --host 127.0.0.1 --port 8000` is what
`make run` (tools.local.stack) serves with. It loads the app exactly as `chalice local`
does (Chalice's CLI factory: the stage's configuration and environment, the same route
checks, chalice.local's gateway and authorizer); only the HTTP edge differs, because
`chalice local`'s own:

- answers its gateway's 401 and 403 without CORS headers, so a page on another origin
  cannot read them: they carry Access-Control-Allow-Origin, as the packaged template's
  gateway responses do;
- answers an unknown path with a 403 that quotes the Authorization header back (API
  Gateway's wording): it is a 404 in the app's error shape, echoing nothing, as the
  packaged template's MISSING_AUTHENTICATION_TOKEN response is;
- answers methods it has no handler for (TRACE, PROPFIND...) with a 501 HTML page: every
  method reaches the app, which answers one its path lacks with a 405 and Allow;
- lets a Content-Length that is not a number kill the request's thread without an answer:
  a malformed one is a 400, one over API Gateway's 10 MB limit a 413, and chunked bodies,
  which it would misread as the next request, a 411;
- answers malformed requests with http.server's HTML error pages: they are JSON;
- takes an absolute-form target (`GET http://x/todos HTTP/1.1`) as its path for the route
  and as a whole for the rest, so the API-key check missed it and `Location` and `Link`
  named its origin: it is reduced to its path and query, as RFC 9112 lets a server do
  (API Gateway serves one origin too), and any other target that is not a path is a 400;
- logs each request line whole, query string included (where a client may have put a
  token or an API key): the access log names the method and path alone;
- listens with http.server's backlog of 5, so a burst of connections is refused: 128;
- waits forever for a body promised and never sent: a connection idle for 30 s is closed;
- lets a request run for as long as it takes: one still running after the stage's function
  timeout (lambda_timeout) gets what API Gateway answers when Lambda times a function out,
  a 502 `{"message": "Internal server error"}` (with the packaged template's CORS header).

With LOCAL_API_KEY set (`make run API_KEYS=1`, or the local stage's release.api_keys),
the /todos routes also need that key in x-api-key, as the packaged template's API keys
make them need one (tools.deploy.package.edge): without it, 403 Forbidden.
"""

import argparse
import hmac
import json
import logging
import os
import queue
import signal
import sys
import threading
from email.message import Message
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from types import FrameType
from typing import Any
from urllib.parse import urlparse, urlsplit

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.deploy.validate import validate_routes
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    RouteMatcher,
    ThreadedHTTPServer,
)

from tools import PROJECT_DIR
from tools.deploy.package import edge
from tools.deploy.package.gateway import ERROR_HEADERS, NOT_FOUND

# API Gateway refuses larger request payloads with a 413 too.
MAX_BODY_BYTES = 10 * 1024 * 1024
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
API_KEY_VARIABLE = "LOCAL_API_KEY"


class EdgeError(Exception):
    """A request the edge answers itself, before the gateway or the app sees it."""

    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code}


def check_body_framing(headers: Message, max_bytes: int = MAX_BODY_BYTES) -> int:
    """The body's length (0 without one); raises EdgeError unless the body, if any, is
    framed by one valid Content-Length of at most max_bytes."""
    if headers.get("Transfer-Encoding") is not None:
        raise EdgeError(
            HTTPStatus.LENGTH_REQUIRED, "LengthRequired", "Send the body with a Content-Length"
        )
    # Repeated headers that agree are one length; any other repetition is ambiguous.
    values = {value.strip() for value in headers.get_all("Content-Length", [])}
    if len(values) > 1 or not all(value.isascii() and value.isdigit() for value in values):
        raise EdgeError(
            HTTPStatus.BAD_REQUEST,
            "InvalidRequest",
            "Content-Length must be one whole number of bytes",
        )
    length = int(values.pop()) if values else 0
    if length > max_bytes:
        raise EdgeError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "PayloadTooLarge",
            f"The body may be at most {max_bytes} bytes",
        )
    return length


def gateway_cors_headers(app: Chalice) -> dict[str, str]:
    """What the gateway's own answers carry for browsers: the routes' one allowed origin."""
    origins = {
        route.cors.allow_origin
        for methods in app.routes.values()
        for route in methods.values()
        if route.cors is not None
    }
    if len(origins) > 1:
        raise SystemExit(f"the app's routes allow different origins: {sorted(origins)}")
    return {"Access-Control-Allow-Origin": origins.pop()} if origins else {}


def refusal(code: int) -> EdgeError:
    """One of http.server's own refusals (a malformed request line, headers too long...),
    which it would answer with an HTML page quoting the request back: the status's phrase
    alone, as JSON, says enough. Before sending it, set the handler's request_version to
    its protocol_version: refusing a request line, http.server has not taken its version,
    and would answer as HTTP/0.9 does, with no status line and no headers."""
    status = HTTPStatus(code)
    return EdgeError(status, "".join(status.phrase.split()), status.phrase)


def origin_form(target: str) -> str:
    """The request target as a path and query. An absolute-form target keeps its path and
    query only; raises EdgeError for a target that is neither."""
    if target.startswith("/"):
        return target
    try:
        parts = urlsplit(target)
    except ValueError:  # an authority urlsplit cannot read, such as "http://[x"
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise EdgeError(
            HTTPStatus.BAD_REQUEST, "InvalidRequest", "The request target must be a path"
        )
    path = "/" + parts.path.lstrip("/")  # as http.server reduces a path's leading //
    return f"{path}?{parts.query}" if parts.query else path


def logged_path(target: str) -> str:
    """What the access log names of a request target: its path, never its query."""
    try:
        return urlsplit(target).path or "-"
    except ValueError:
        return "-"


class PathOnlyAccessLog(BaseHTTPRequestHandler):
    """An access log of method, path and status: the query string, where a client may put a
    token or an API key, and a request line refused as malformed are left out."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # command is None until the request line has been read as one.
        line = f"{self.command} {logged_path(self.path)}" if self.command else "-"
        self.log_message('"%s" %s %s', line, str(int(code)) if code != "-" else code, size)


class Server(ThreadedHTTPServer):
    # The listen backlog: connections the kernel holds until the server accepts them.
    # Past it, a client's connection is reset (macOS, BSD) or held up for a second (Linux).
    request_queue_size = 128


def check_api_key(method: str, path: str, headers: Message, api_key: str | None) -> None:
    """Raises EdgeError where the API wants a key (tools.deploy.package.edge's routes) and
    it is missing."""
    if api_key is None or method == "OPTIONS" or not path.startswith(edge.KEYED_PATH_PREFIX):
        return
    given = headers.get(edge.API_KEY_HEADER, "")
    if not hmac.compare_digest(given.encode(), api_key.encode()):
        # API Gateway's own answer to a missing or unknown key.
        raise EdgeError(HTTPStatus.FORBIDDEN, "Forbidden", "Forbidden")


class FunctionTimedOut(LocalGatewayException):
    """Lambda reports a timeout as the function's error, which a proxy integration answers
    with 502 and this body (docs/api.md)."""

    CODE = 502

    def __init__(self) -> None:
        super().__init__(
            {"Content-Type": "application/json"}, b'{"message":"Internal server error"}'
        )


class TimedGateway:
    """chalice.local's gateway, with the function's timeout enforced as Lambda enforces it.

    The function runs on a thread of its own; one that outlives the timeout is abandoned,
    as Lambda abandons it, and what it answers later goes nowhere.
    """

    def __init__(self, gateway: LocalGateway, timeout_seconds: float) -> None:
        self._gateway = gateway
        self._timeout_seconds = timeout_seconds

    def handle_request(self, **request: Any) -> Any:
        outcome: queue.SimpleQueue[tuple[Any, BaseException | None]] = queue.SimpleQueue()

        def run() -> None:
            try:
                outcome.put((self._gateway.handle_request(**request), None))
            except BaseException as error:  # handed to the request's thread, which raises it
                outcome.put((None, error))

        threading.Thread(target=run, name="function", daemon=True).start()
        try:
            response, error = outcome.get(timeout=self._timeout_seconds)
        except queue.Empty:
            raise FunctionTimedOut from None
        if error is not None:
            raise error
        return response


class RequestHandler(PathOnlyAccessLog, ChaliceRequestHandler):
    """chalice.local's handler, with the edge's answers in front of it (module docstring)."""

    # Seconds a connection may sit idle, mid-request included, before it is closed.
    timeout = 30

    def __init__(
        self,
        *args: Any,
        routes: RouteMatcher,
        cors_headers: dict[str, str],
        function_timeout: float,
        api_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Set before the base class's __init__, which handles the whole connection.
        self.routes = routes
        self.cors_headers = cors_headers
        self.function_timeout = function_timeout
        self.api_key = api_key
        super().__init__(*args, **kwargs)

    # The base class makes its gateway, then serves the connection with it: a TimedGateway
    # stands in for it (the same handle_request).
    @property  # type: ignore[override]
    def local_gateway(self) -> TimedGateway:
        return self._timed_gateway

    @local_gateway.setter
    def local_gateway(self, gateway: LocalGateway) -> None:
        self._timed_gateway = TimedGateway(gateway, self.function_timeout)

    def __getattr__(self, name: str) -> Any:
        # http.server dispatches on do_<METHOD>: any method goes to the app, which
        # answers one that its path lacks with 405 and Allow.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def parse_request(self) -> bool:
        """Reads the request line and headers, then refuses, as API Gateway does before
        any integration runs, a body it cannot frame and a path the API does not have."""
        if not super().parse_request():
            return False
        try:
            self.path = origin_form(self.path)
            check_body_framing(self.headers)
            self.check_path()
            check_api_key(self.command, self.path, self.headers, self.api_key)
        except EdgeError as error:
            self.send_edge_error(error)
            return False
        return True

    def check_path(self) -> None:
        try:
            # chalice.local reads the path with urlparse, which would route /todos;x
            # (parameters) and /todos#x (a fragment) as /todos: they are no route's.
            if urlparse(self.path).path != self.path.partition("?")[0]:
                raise ValueError(self.path)
            self.routes.match_route(self.path)
        except ValueError:
            raise EdgeError(HTTPStatus.NOT_FOUND, NOT_FOUND["code"], NOT_FOUND["message"]) from None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.request_version = self.protocol_version
        self.send_edge_error(refusal(code))

    def send_edge_error(self, error: EdgeError) -> None:
        self.log_error("code %d, %s", error.status, error.body["code"])
        body = json.dumps(error.body, separators=(",", ":")).encode()
        self.send_response(error.status)
        # The body was not read, so nothing more on this connection can be framed.
        self.send_header("Connection", "close")
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **self.cors_headers,
            **NOSNIFF,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_error_response(self, error: LocalGatewayException) -> None:
        # The gateway's 401, 403 and 500, readable by a page on another origin, and with
        # the packaged template's headers for them.
        error.headers = {**error.headers, **self.cors_headers, **ERROR_HEADERS}
        super()._send_error_response(error)


def create_server(stage: str, host: str, port: int) -> LocalDevServer:
    """The app of the stage behind RequestHandler, as chalice.cli.create_local_server
    and chalice.local.create_local_server make it for `chalice local`."""
    factory = CLIFactory(str(PROJECT_DIR), debug=False, environ=os.environ)
    config: Config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    validate_routes(app.routes)
    # As chalice.local does: current_request becomes per thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    handler = partial(
        RequestHandler,
        routes=RouteMatcher(list(app.routes)),
        cors_headers=gateway_cors_headers(app),
        function_timeout=config.lambda_timeout or LocalGateway.MAX_LAMBDA_EXECUTION_TIME,
        api_key=os.environ.get(API_KEY_VARIABLE) or None,
    )
    return LocalDevServer(app, config, host, port, handler_cls=handler, server_cls=Server)


def stop_on_signals(server: LocalDevServer) -> None:
    """SIGINT and SIGTERM stop the server cleanly, whatever it inherited: started in the
    background by a shell (`bash -c 'make run &'`), it would ignore SIGINT."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, and this handler runs in its thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="local")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    # What the chalice CLI sets up before `chalice local` loads the app.
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"
    os.chdir(PROJECT_DIR)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    server = create_server(args.stage, args.host, args.port)
    stop_on_signals(server)
    try:
        server.serve_forever()
    finally:
        server.server.server_close()


if __name__ == "__main__":
    main()
