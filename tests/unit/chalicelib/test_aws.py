"""chalicelib.aws: the local stage's clients reach an emulator on loopback, never AWS.

Without an emulator (no AWS_ENDPOINT_URL_DYNAMODB on loopback), plain `chalice local
--stage local` answered every /todos with 500 (NoRegionError, NoCredentialsError, or a
request to the region's DynamoDB), and with real credentials in the shell it would have
reached real DynamoDB. These tests use no moto: moto stands in for the emulator
elsewhere, and the guard stands down there (tests/conftest.py, mocked_aws).
"""

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from chalice.test import Client

from app import app
from chalicelib import aws
from chalicelib.errors import NoEmulator
from tests.support.stages import DEV, LOCAL
from tests.support.tokens import claims, signed

# The shape of a real developer's credentials (AWS's documented examples).
REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE",
    "AWS_DEFAULT_REGION": "eu-west-1",
}
KEY = {"ownerId": {"S": "alice"}, "todoId": {"S": "t"}}
NOT_AN_EMULATOR = {
    "unset": {},
    "DynamoDB itself": {"AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.eu-west-1.amazonaws.com"},
    "every service on AWS": {"AWS_ENDPOINT_URL": "https://dynamodb.eu-west-1.amazonaws.com"},
    "another host": {"AWS_ENDPOINT_URL_DYNAMODB": "http://10.0.0.5:8000"},
    "a name that starts like loopback": {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1.example.com:8000"
    },
    "not http": {"AWS_ENDPOINT_URL_DYNAMODB": "ftp://127.0.0.1:8000"},
}


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    aws.client.cache_clear()
    yield
    aws.client.cache_clear()


@pytest.fixture
def left(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to look a name up or connect: what would leave the process."""
    attempts: list[Any] = []

    def refuse(*args: Any, **_kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize("endpoint", NOT_AN_EMULATOR.values(), ids=NOT_AN_EMULATOR.keys())
def test_without_an_emulator_the_local_stage_answers_503_and_nothing_leaves(
    monkeypatch, left, endpoint
):
    for name, value in {**REAL_LOOKING, **endpoint}.items():
        monkeypatch.setenv(name, value)
    headers = {"Authorization": f"Bearer {signed(claims())}", "Content-Type": "application/json"}
    with Client(app, stage_name="local") as client:
        created = client.http.post("/todos", headers=headers, body=b'{"text": "t"}')
        listed = client.http.get("/todos", headers=headers)
    for response in (created, listed):
        assert response.status_code == 503
        assert response.json_body == {
            "message": NoEmulator("dynamodb").message,
            "code": "ServiceUnavailable",
        }
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    message = created.json_body["message"]
    assert "make run" in message
    assert "python -m tools.local.emulator" in message
    assert "AWS_ENDPOINT_URL_DYNAMODB" in message
    assert left == []


def test_its_request_line_names_the_reason(monkeypatch, capsys):
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    headers = {"Authorization": f"Bearer {signed(claims())}"}
    with Client(app, stage_name="local") as client:
        capsys.readouterr()
        client.http.get("/todos", headers=headers)
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (line["status"], line["code"], line["reason"]) == (
        503,
        "ServiceUnavailable",
        "no emulator",
    )


def answered_locally(client: Any) -> list[Any]:
    """The client's requests, each answered at botocore's HTTP layer: none is sent. (A
    request the app makes, GetItem: every call in this suite is held to the IAM policies.)"""
    sent: list[Any] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _Body(b"{}"))

    client.meta.events.register("before-send", answer)
    return sent


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:8002", "http://localhost:8000", "http://[::1]:8000"]
)
def test_with_an_emulator_on_loopback_the_client_goes_there_signed_with_fixed_credentials(
    monkeypatch, left, endpoint
):
    """Neither the developer's credentials nor their region are needed."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("LOCAL_ONLY", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    dynamodb = aws.client("dynamodb")
    sent = answered_locally(dynamodb)
    dynamodb.get_item(TableName=LOCAL["TABLE_NAME"], Key=KEY)
    (request,) = sent
    assert request.url.startswith(endpoint)
    assert "Credential=local/" in request.headers["Authorization"].decode()
    assert "/us-east-1/dynamodb/" in request.headers["Authorization"].decode()
    assert left == []


def test_the_environments_credentials_are_used_when_it_has_them(monkeypatch, left):
    for name, value in REAL_LOOKING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOCAL_ONLY", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    dynamodb = aws.client("dynamodb")
    sent = answered_locally(dynamodb)
    dynamodb.get_item(TableName=LOCAL["TABLE_NAME"], Key=KEY)
    authorization = sent[0].headers["Authorization"].decode()
    assert sent[0].url.startswith("http://127.0.0.1:4566")
    assert "Credential=AKIAIOSFODNN7EXAMPLE/" in authorization
    assert "/eu-west-1/dynamodb/" in authorization


@pytest.mark.parametrize("value", ["true", "TRUE", "yes", "1"])
def test_any_value_but_false_keeps_the_guard_on(value):
    assert aws.local_only({"LOCAL_ONLY": value})


def test_only_the_local_stage_is_local_only():
    """Deployed stages pay nothing: they never set it, and their clients go where boto3
    finds AWS."""
    assert aws.local_only(LOCAL)
    assert not aws.local_only(DEV)
    assert not aws.local_only({"LOCAL_ONLY": "false"})
    assert not aws.local_only({})


def test_a_deployed_stages_client_goes_where_boto3_finds_aws(monkeypatch):
    monkeypatch.delenv("LOCAL_ONLY", raising=False)
    assert aws.client("dynamodb").meta.endpoint_url == boto3.client("dynamodb").meta.endpoint_url
