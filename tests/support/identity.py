"""Test helpers for OIDC tokens: keys made here, a JWKS served on 127.0.0.1, forged tokens."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib.identity import PublishedPool

ISSUER = "https://issuer.example.test/"
AUDIENCE = "todo-api-oidc"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ROTATED_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key: Any, kid: str, **extra: str) -> dict[str, Any]:
    """The public half of a key as its issuer would publish it in a JWKS."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        algorithm: Any = jwt.algorithms.RSAAlgorithm
    else:
        algorithm = jwt.algorithms.ECAlgorithm
    return {**algorithm.to_jwk(private_key.public_key(), as_dict=True), "kid": kid, **extra}


def oidc_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "alice",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def oidc_token(
    private_key: Any = RSA_KEY,
    kid: str = "rsa-1",
    algorithm: str = "RS256",
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    return jwt.encode(
        oidc_claims(**claims),
        private_key,
        algorithm=algorithm,
        headers={"kid": kid, **(headers or {})},
    )


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """The part of a JWS its signature covers, for tokens made by hand."""
    return ".".join(segment(json.dumps(part).encode()) for part in (header, payload))


def forged_hs256(payload: dict[str, Any], secret: bytes, kid: str | None = None) -> str:
    """An HS256 token whose "secret" is whatever the forger likes (a public key, say).

    PyJWT refuses to use a PEM key as an HMAC secret, so the forger signs by hand.
    """
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    signed_part = signing_input(header, payload)
    signature = hmac.new(secret, signed_part.encode(), hashlib.sha256).digest()
    return f"{signed_part}.{segment(signature)}"


def unsigned(payload: dict[str, Any], kid: str) -> str:
    return signing_input({"alg": "none", "typ": "JWT", "kid": kid}, payload) + "."


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its requests and can misbehave on demand.

    body: what it serves (a dict as JSON, or raw bytes); status: the HTTP status;
    delay: seconds to wait before answering (a slow issuer); redirect: a Location to
    send with a 302 instead.
    """

    def __init__(self) -> None:
        self.body: dict[str, Any] | bytes = {"keys": []}
        self.status = 200
        self.delay = 0.0
        self.redirect: str | None = None
        self.requests = 0
        self.user_agents: list[str] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.handle_error = lambda *args: None  # a client that gave up is no error
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def publish(self, *jwks: dict[str, Any]) -> None:
        self.body = {"keys": list(jwks)}

    def start(self) -> "JwksServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        self.user_agents.append(handler.headers.get("User-Agent", ""))
        if self.delay and self._stopping.wait(self.delay):
            return
        if self.redirect is not None:
            handler.send_response(302)
            handler.send_header("Location", self.redirect)
            handler.end_headers()
            return
        body = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def _handler(owner: JwksServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            owner.answer(self)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer().start()
    try:
        yield server
    finally:
        server.stop()


def refused_url() -> str:
    """A loopback URL where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/jwks.json"


class FakeClock:
    """Stands in for chalicelib.jwks.monotonic: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


OIDC_VARIABLES = (
    "OIDC_ISSUER",
    "OIDC_AUDIENCE",
    "OIDC_CLIENT_ID",
    "OIDC_JWKS_URL",
    "ACCEPT_HS256_WITH_OIDC",
    "REQUIRE_SCOPES",
)


def oidc_environment(monkeypatch: Any, jwks_url: str, **variables: str) -> None:
    """Makes the stage an OIDC stage for the requests that follow (the test client copies
    os.environ when a request starts, then adds the stage's own variables)."""
    for name in OIDC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = {"OIDC_ISSUER": ISSUER, "OIDC_AUDIENCE": AUDIENCE, "OIDC_JWKS_URL": jwks_url}
    settings.update(variables)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@contextmanager
def oidc_issuer(monkeypatch: Any) -> Iterator[JwksServer]:
    """An issuer publishing RSA_KEY as "rsa-1" and EC_KEY as "ec-1", with a fresh key cache
    and a clock that only moves when told."""
    from chalicelib import jwks

    monkeypatch.setattr(jwks, "monotonic", FakeClock())
    jwks.signing_keys.cache_clear()
    with jwks_server() as server:
        server.publish(public_jwk(RSA_KEY, "rsa-1"), public_jwk(EC_KEY, "ec-1"))
        oidc_environment(monkeypatch, server.url)
        yield server
    jwks.signing_keys.cache_clear()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def pool_id(published: PublishedPool) -> str:
    """A Cognito user pool's id, the last part of its issuer."""
    return published.issuer.rsplit("/", 1)[1]
