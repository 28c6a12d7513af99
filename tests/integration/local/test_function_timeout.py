"""Under `make run`'s server, DynamoDB answers a byte at a time: the API still answers in time.

botocore's read timeout bounds each read, so a trickling answer once held a GET for over two
minutes. Here a loopback stand-in for DynamoDB sends its headers at once and its body a byte
every half second, and the request must get the API's 503 with Retry-After, which comes
before the stage's function timeout (20 s); the client's own timeout is only the harness's.
"""

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.stack import HOST, PROJECT_DIR, free_port, loopback_session, stack_environment
from tools.deploy.stage import environment
from tools.local.token import issue_token

START_TIMEOUT_SECONDS = 30
# Longer than the function's timeout: the answer must come before either.
CLIENT_TIMEOUT_SECONDS = 60
TODO_ID = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"


@contextlib.contextmanager
def trickling_dynamodb() -> Iterator[str]:
    """An endpoint that answers each request with headers, then a byte every 0.5 s."""
    listener = socket.create_server((HOST, 0))
    stopped = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            with contextlib.suppress(OSError):
                while not stopped.wait(0.5):
                    connection.sendall(b" ")

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://{HOST}:{listener.getsockname()[1]}"
    finally:
        stopped.set()
        listener.close()


@pytest.fixture
def server_url(tmp_path) -> Iterator[str]:
    port = free_port()
    with trickling_dynamodb() as endpoint, (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "tools.local.server", "--host", HOST, "--port", str(port)],
            cwd=PROJECT_DIR,
            env=stack_environment(AWS_ENDPOINT_URL_DYNAMODB=endpoint),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://{HOST}:{port}"
            wait_until_serving(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with loopback_session() as http:
        while time.monotonic() < deadline and server.poll() is None:
            with contextlib.suppress(OSError):
                if http.get(f"{url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
    pytest.fail("the server did not start")


def test_a_trickling_dynamodb_answer_is_a_503_with_retry_after(server_url):
    token = issue_token("alice", environment("local"))
    with loopback_session() as http:
        response = http.get(
            f"{server_url}/todos/{TODO_ID}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=CLIENT_TIMEOUT_SECONDS,
        )
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "ServiceUnavailable"
    assert int(response.headers["Retry-After"]) > 0
