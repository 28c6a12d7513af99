"""The server `make run` serves the API with (tools.local.server), as a browser and a
hostile client meet it: over raw sockets and HTTP on 127.0.0.1, on a free port.

The server runs the local stage with no DynamoDB behind it (its endpoint is a closed
loopback port): nothing here reaches a route that would read the table.
"""

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.stack import (
    HOST,
    PROJECT_DIR,
    SIGINT_IGNORED,
    free_port,
    loopback_session,
    stack_environment,
)
from tools.deploy.stage import environment
from tools.local.token import issue_token

LOCAL = environment("local")
ORIGIN = LOCAL["CORS_ALLOW_ORIGIN"]
START_TIMEOUT_SECONDS = 30
SOCKET_TIMEOUT_SECONDS = 10
# Linux retries a SYN that a full listen backlog dropped after one second (BSD and
# macOS reset it at once), so a connection that waited this long was not queued.
RETRIED_SYN_SECONDS = 1.0
BURST = 32


class Server:
    def __init__(self, log_path: Path, prefix: tuple[str, ...] = (), **variables: str) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.http = loopback_session()
        self.log_path = log_path
        # A closed port: a request that reached DynamoDB would fail, never leave the host.
        env = stack_environment(
            AWS_ENDPOINT_URL_DYNAMODB=f"http://{HOST}:{free_port()}", **variables
        )
        command = [sys.executable, "-m", "tools.local.server", "--stage", "local"]
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*prefix, *command, "--host", HOST, "--port", str(self.port)],
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                if self.get("/health").status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"not serving after {START_TIMEOUT_SECONDS} s:\n{self.log_path.read_text()}")

    def get(self, path: str, **headers: str) -> requests.Response:
        return self.http.get(self.base_url + path, headers=headers, timeout=5)

    def exchange(self, raw: bytes) -> bytes:
        """Sends raw bytes on a connection of its own; all the server answers until it closes."""
        with socket.create_connection((HOST, self.port), timeout=SOCKET_TIMEOUT_SECONDS) as sock:
            sock.sendall(raw)
            return read_all(sock)

    def stop(self) -> None:
        self.http.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def parse(response: bytes) -> tuple[int, dict[str, str], Any]:
    """Status, headers (lower-case names) and JSON body of one raw HTTP/1.1 response."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert lowered["content-type"] == "application/json", response
    assert int(lowered["content-length"]) == len(body), response
    return int(status_line.split()[1]), lowered, json.loads(body)


def serving(log_path: Path, **variables: str) -> Iterator[Server]:
    started = Server(log_path, **variables)
    try:
        started.wait_until_serving()
        yield started
    finally:
        if started.process.poll() is None:
            started.stop()
        print(started.log_path.read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serving(tmp_path_factory.mktemp("local_server") / "server.log")


API_KEY = "local-test-api-key"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("local_server") / "keyed.log"
    yield from serving(log, LOCAL_API_KEY=API_KEY)


@pytest.mark.parametrize("given", [None, "", "local-test-api-kez", API_KEY + "x"])
def test_with_api_keys_on_todos_without_the_key_is_gateways_403(keyed_server, given):
    headers = {"Origin": ORIGIN, **({"x-api-key": given} if given is not None else {})}
    response = keyed_server.get("/todos", **headers)
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_with_api_keys_the_right_key_reaches_the_authorizer(keyed_server):
    # No token: the authorizer's 401 shows the key was accepted.
    assert keyed_server.get("/todos", **{"x-api-key": API_KEY}).status_code == 401
    assert keyed_server.get("/todos/abc", **{"x-api-key": API_KEY}).status_code == 401


def test_with_api_keys_health_and_preflights_need_no_key(keyed_server):
    assert keyed_server.get("/health").status_code == 200
    preflight = keyed_server.http.options(
        keyed_server.base_url + "/todos",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert preflight.status_code == 200


def test_without_api_keys_no_key_is_asked_for(server):
    assert server.get("/todos").status_code == 401


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer not-a-token", 403), ("Basic YWxpY2U6c2VjcmV0", 403)],
)
def test_the_gateways_401_and_403_carry_the_stage_origin_and_no_store(
    server: Server, authorization: str | None, status: int
) -> None:
    headers = {"Origin": "https://elsewhere.example"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = server.get("/todos", **headers)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    # As the packaged template's gateway responses have them.
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "OPTIONS", "PROPFIND"])
@pytest.mark.parametrize("path", ["/nowhere", "/todos/a/b", "/health/x?token=1"])
def test_an_unknown_path_is_a_json_404_that_echoes_no_credential(
    server: Server, method: str, path: str
) -> None:
    token = issue_token("alice", LOCAL)
    response = server.exchange(
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Content-Length: 0\r\n\r\n".encode()
    )
    status, headers, body = parse(response)
    assert (status, body["code"]) == (404, "NotFound")
    assert set(body) == {"message", "code"}
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["x-content-type-options"] == "nosniff"
    assert token.encode() not in response
    assert b"Bearer" not in response


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "PATCH", "BREW"])
@pytest.mark.parametrize(("path", "allowed"), [("/todos", {"GET", "POST"}), ("/health", {"GET"})])
def test_a_method_the_path_lacks_is_a_json_405_naming_those_it_has(
    server: Server, method: str, path: str, allowed: set[str]
) -> None:
    response = server.http.request(method, server.base_url + path, timeout=5)
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowedError"
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    ("lengths", "status", "code"),
    [
        (["abc"], 400, "InvalidRequest"),
        (["-1"], 400, "InvalidRequest"),
        (["+5"], 400, "InvalidRequest"),
        (["1e3"], 400, "InvalidRequest"),
        # A superscript two, byte 0xB2 in the Latin-1 of headers: str.isdigit() says it
        # is a digit, int() refuses it.
        (["\N{SUPERSCRIPT TWO}"], 400, "InvalidRequest"),
        (["2", "3"], 400, "InvalidRequest"),
        (["99999999999999999999999999"], 413, "PayloadTooLarge"),
        ([str(10 * 1024 * 1024 + 1)], 413, "PayloadTooLarge"),
    ],
)
def test_a_bad_content_length_is_a_json_4xx_and_the_server_keeps_serving(
    server: Server, lengths: list[str], status: int, code: str
) -> None:
    headers = "".join(f"Content-Length: {length}\r\n" for length in lengths)
    request = f"POST /todos HTTP/1.1\r\nHost: x\r\n{headers}\r\n{{}}"
    response = server.exchange(request.encode("latin-1"))
    answered, answer_headers, body = parse(response)
    assert (answered, body["code"]) == (status, code)
    assert answer_headers["connection"] == "close"
    assert server.get("/health").status_code == 200


def test_a_repeated_content_length_that_agrees_frames_the_body(server: Server) -> None:
    response = server.exchange(
        b"POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\n{}"
    )
    # Past the edge: the gateway's authorizer answers, for want of a token.
    assert parse(response)[0] == 401


def test_a_chunked_body_is_refused_not_read_as_the_next_request(server: Server) -> None:
    smuggled = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    response = server.exchange(
        b"POST /todos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(smuggled):x}\r\n".encode()
        + smuggled
        + b"\r\n0\r\n\r\n"
    )
    status, _, body = parse(response)
    assert (status, body["code"]) == (411, "LengthRequired")
    assert response.count(b"HTTP/1.1 ") == 1


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GARBAGE\r\n", 400),
        (b"GET /health?secret=hunter2 HTTP/1.1 x\r\n", 400),
        (b"GET /health?secret=hunter2 HTTP/1.x\r\n", 400),
        (b"GET /health?secret=hunter2 HTTP/9.9\r\n", 505),
        (b"GET /health HTTP/1.1\r\nX-Secret: hunter2" + b"2" * 70000 + b"\r\n", 431),
    ],
)
def test_a_malformed_request_is_json_that_quotes_nothing(
    server: Server, head: bytes, status: int
) -> None:
    response = server.exchange(head + b"Host: x\r\n\r\n")
    answered, _, body = parse(response)
    assert answered == status
    assert set(body) == {"message", "code"}
    assert b"hunter2" not in response
    assert server.get("/health").status_code == 200


def test_a_burst_of_connections_is_queued_and_answered(server: Server) -> None:
    start = threading.Barrier(BURST)
    outcomes: list[tuple[float, bytes] | BaseException] = []

    def connect() -> None:
        start.wait()
        began = time.monotonic()
        try:
            with socket.create_connection((HOST, server.port), timeout=SOCKET_TIMEOUT_SECONDS) as s:
                connected = time.monotonic() - began
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                outcomes.append((connected, read_all(s)))
        except OSError as error:  # a reset, a refusal, a timeout
            outcomes.append(error)

    threads = [threading.Thread(target=connect) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(answered) == BURST
    assert all(response.startswith(b"HTTP/1.1 200 ") for _, response in answered)
    assert max(connected for connected, _ in answered) < RETRIED_SYN_SECONDS


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
# As a shell starts it in the background (`bash -c 'make test &'`): SIGINT ignored.
@pytest.mark.parametrize("prefix", [(), SIGINT_IGNORED], ids=["inherited", "sigint-ignored"])
def test_a_signal_stops_the_server_and_frees_its_port(
    tmp_path: Path, signum: signal.Signals, prefix: tuple[str, ...]
) -> None:
    own = Server(tmp_path / "server.log", prefix)
    try:
        own.wait_until_serving()
        own.process.send_signal(signum)
        # A stop asked for is a clean exit.
        assert own.process.wait(timeout=10) == 0, own.log_path.read_text()
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, own.port))
    finally:
        if own.process.poll() is None:
            own.process.kill()


def get_raw(server: Server, target: str) -> bytes:
    """A GET of target exactly as written, on a connection of its own."""
    return server.exchange(
        f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )


@pytest.mark.parametrize(
    "target",
    ["http://x/todos", "HTTP://x/todos?limit=1", "https://user@x:1/todos/abc", "http://x//todos"],
)
def test_with_api_keys_an_absolute_form_target_needs_the_key_too(keyed_server, target):
    status, headers, body = parse(get_raw(keyed_server, target))
    assert (status, body["message"]) == (403, "Forbidden")
    assert headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize("target", ["http:/todos", "x/todos", "*", "mailto:todos", "http://[x/"])
def test_a_target_that_is_neither_a_path_nor_an_absolute_url_is_a_400(keyed_server, target):
    status, _, body = parse(get_raw(keyed_server, target))
    assert (status, body["code"]) == (400, "InvalidRequest")


@pytest.mark.parametrize("path", ["/todos;x", "/todos#x", "/health;x"])
def test_a_path_chalice_would_read_as_another_route_is_a_404(server, path):
    status, _, body = parse(get_raw(server, path))
    assert (status, body["code"]) == (404, "NotFound")


def test_the_access_log_names_paths_without_their_query_strings(tmp_path):
    secret = "s3cret-in-a-query"
    for started in serving(tmp_path / "server.log"):
        started.get(f"/health?token={secret}")
        started.get(f"/todos?x-api-key={secret}")
        get_raw(started, f"http://x/health?k={secret}")
        started.exchange(f"GET /x?k={secret} HTTP/1.x\r\n\r\n".encode())
        log = started.log_path.read_text()
        assert secret not in log
        assert '"GET /health" 200' in log
        assert '"GET /todos" 401' in log
