"""Plain `chalice local --stage local`, the design card's other way to test offline.

Without an emulator it answered every /todos with 500 (NoRegionError, NoCredentialsError, or
a request to the region's real DynamoDB). Now the local stage never reaches AWS: without an
emulator on loopback it answers 503 saying how to start one; beside one (here
`python -m tools.local.emulator`, as the README shows) it works, with no AWS credentials or
region in the shell at all.
"""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.stack import HOST, PROJECT_DIR, free_port, loopback_session
from tests.support.stages import LOCAL
from tools.local.token import issue_token

START_TIMEOUT_SECONDS = 60
CHALICE = str(Path(sys.executable).parent / "chalice")
# Nothing of the developer's AWS configuration: no credentials, region, profile or files.
BARE = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}


class Served:
    """A process serving HTTP on 127.0.0.1, killed when the test is done."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_for(url: str, served: Served) -> None:
    session = loopback_session()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert served.process.poll() is None, served.output()
        try:
            session.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {START_TIMEOUT_SECONDS} s:\n{served.output()}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[Served] = []

    def start(command: list[str], env: dict[str, str], probe: str) -> Served:
        served = Served(command, env, tmp_path / f"served_{len(started)}.log")
        started.append(served)
        wait_for(probe, served)
        return served

    yield start
    for served in started:
        served.stop()


def chalice_local(serve, **variables: str) -> str:
    port = free_port()
    command = [CHALICE, "local", "--stage", "local", "--no-autoreload"]
    url = f"http://{HOST}:{port}"
    serve([*command, "--host", HOST, "--port", str(port)], {**BARE, **variables}, url + "/health")
    return url


def test_without_an_emulator_every_todos_route_is_a_503_saying_how_to_start_one(serve):
    # Real-looking credentials and a region: before, a request to eu-west-1's DynamoDB.
    url = chalice_local(
        serve,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_DEFAULT_REGION="eu-west-1",
    )
    auth = {"Authorization": f"Bearer {issue_token('alice', LOCAL)}"}
    http = loopback_session()
    answers = [
        http.get(f"{url}/todos", headers=auth, timeout=10),
        http.post(f"{url}/todos", headers=auth, json={"text": "t"}, timeout=10),
    ]
    for response in answers:
        assert response.status_code == 503
        body = response.json()
        assert body["code"] == "ServiceUnavailable"
        assert "python -m tools.local.emulator" in body["message"]
        assert "AWS_ENDPOINT_URL_DYNAMODB" in body["message"]
    assert http.get(f"{url}/health", timeout=10).status_code == 200


def test_beside_the_emulator_it_works_without_aws_credentials_or_region(serve):
    port = free_port()
    emulator = [sys.executable, "-m", "tools.local.emulator", "--port", str(port)]
    endpoint = f"http://{HOST}:{port}"
    served = serve(emulator, {**BARE, "PYTHONPATH": str(PROJECT_DIR)}, endpoint)
    url = chalice_local(serve, AWS_ENDPOINT_URL_DYNAMODB=endpoint)
    auth = {"Authorization": f"Bearer {issue_token('alice', LOCAL)}"}
    http = loopback_session()
    created = http.post(f"{url}/todos", headers=auth, json={"text": "offline"}, timeout=10)
    assert created.status_code == 201, created.text
    listed = http.get(f"{url}/todos", headers=auth, timeout=10)
    assert [todo["text"] for todo in listed.json()] == ["offline"]
    assert f"export AWS_ENDPOINT_URL_DYNAMODB={endpoint}" in served.output()
