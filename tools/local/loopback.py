"""Keeps web pages away from the local stack's servers that no browser needs.

A server on 127.0.0.1 is out of other machines' reach, not out of web pages': a page on
any site can send requests to a loopback port, and read the answers if they allow its
origin (CORS); a page on a name that resolves to 127.0.0.1 (DNS rebinding) is even of the
same origin. moto's server answers every origin with CORS allowed, so such a page could
scan every owner's todos or call Cognito's admin API. What reaches it is therefore only
what names it by its own loopback address (Host) and does not come from a browser.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

LOOPBACK_NAMES = ("127.0.0.1", "localhost")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Browsers send Origin with every cross-origin request (preflights included) and every
# POST, and Sec-Fetch-* with every request to a loopback address; boto3 and urllib neither.
BROWSER_HEADERS = ("HTTP_ORIGIN", "HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_MODE")


def own_hosts(port: int) -> frozenset[str]:
    """The Host values a loopback server on port is named by: never a rebound name."""
    return frozenset(f"{name}:{port}" for name in LOOPBACK_NAMES)


class NoBrowsers:
    """WSGI middleware: a 403 for a request from a browser or for another Host, and no CORS
    headers on any answer. Call serve_on once the server's port is known."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._hosts: frozenset[str] = frozenset()

    def serve_on(self, port: int) -> None:
        self._hosts = own_hosts(port)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") not in self._hosts:
            return _refuse(start_response, "UnknownHost", "Unknown Host")
        if any(name in environ for name in BROWSER_HEADERS):
            return _refuse(start_response, "BrowserRefused", "Browsers may not use this server")

        def without_cors(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            kept = [(n, v) for n, v in headers if not n.lower().startswith("access-control-")]
            return start_response(status, kept, *args)

        return self._app(environ, without_cors)


def _refuse(start_response: Callable[..., Any], code: str, message: str) -> list[bytes]:
    body = json.dumps({"message": message, "code": code}).encode()
    start_response(
        "403 Forbidden",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [body]
