"""Shared fixtures: moto for AWS, Chalice's test client for HTTP, tokens for callers."""

import functools
import os
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from tests.support.stack import LocalStack, stack_environment, stack_factory
from tests.support.stages import DEV, DEV_SECRET, LOCAL
from tools.local.token import issue_token

# Offline, always: no endpoint, profile or credentials from the developer's shell.
for _name in (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_PROFILE",
):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
)
# `chalice local` and `chalice deploy` apply the stage's environment before importing
# app.py; this is the one setting app.py reads at import (see chalicelib.settings).
os.environ.setdefault("CORS_ALLOW_ORIGIN", LOCAL["CORS_ALLOW_ORIGIN"])

import botocore.endpoint  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError  # noqa: E402
from chalice.test import Client  # noqa: E402 - after the environment is fixed
from moto import mock_aws  # noqa: E402
from moto.core.models import botocore_stubber  # noqa: E402

from app import app  # noqa: E402
from chalicelib import aws, settings, signing  # noqa: E402
from tests.support.aws_calls import AWS_CALLS  # noqa: E402
from tests.support.identity import oidc_issuer  # noqa: E402
from tools.deploy.table import ensure_table  # noqa: E402

# Every AWS action chalicelib performs anywhere in this process is recorded.
_unrecorded_client = aws.client.__wrapped__
aws.client = functools.cache(lambda service: AWS_CALLS.watch(_unrecorded_client(service)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked after_suite run last, when the suite's AWS calls are all recorded."""
    items.sort(key=lambda item: item.get_closest_marker("after_suite") is not None)


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """Each test's own environment: the settings a container keeps once read (the table,
    telemetry's) are forgotten before and after every test."""
    settings.forget_kept()
    yield
    settings.forget_kept()


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh moto account; clients cached by an earlier test are dropped.

    moto, in this process, stands in for the local stage's emulator; it answers at AWS's
    own endpoints, which that stage's guard (LOCAL_ONLY, chalicelib.aws) would refuse, so
    the guard stands down here. tests/unit/chalicelib/test_aws.py tests it.
    """
    monkeypatch.setattr(aws, "local_only", lambda *_: False)
    aws.client.cache_clear()
    signing._parameter_value.cache_clear()
    with mock_aws():
        yield
    aws.client.cache_clear()
    signing._parameter_value.cache_clear()


@pytest.fixture
def dynamodb(mocked_aws: None) -> Any:
    client = boto3.client("dynamodb")
    ensure_table(client, LOCAL["TABLE_NAME"])
    return client


@pytest.fixture
def idp(mocked_aws: None) -> Any:
    """Amazon Cognito's API in the moto account."""
    return boto3.client("cognito-idp")


@pytest.fixture
def client(dynamodb: Any) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def token() -> Callable[..., str]:
    """token(sub) -> a valid local-stage token for sub."""
    return lambda subject: issue_token(subject, LOCAL)


@pytest.fixture
def auth_headers(token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    """auth_headers(sub) -> headers of a JSON request made by sub."""
    return lambda subject: {
        "Authorization": f"Bearer {token(subject)}",
        "Content-Type": "application/json",
    }


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One serving `make run` stack (emulator and chalice local) for all tests of a module.

    It is killed when the module's tests are done, whatever happened; tests that share it
    keep out of each other's way by acting as owners of their own.
    """
    with stack_factory(tmp_path_factory.mktemp("local_stack")) as start:
        yield start(stack_environment())


THROTTLED = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
    b'"message":"The level of configured provisioned throughput for the table was exceeded"}'
)


BARE_503 = b"<html><body><h1>503 Service Unavailable</h1></body></html>"


@pytest.fixture
def dynamodb_fault(client, monkeypatch):
    """fault(kind, times=None) makes DynamoDB requests fail that way, every one or the next
    `times` (the rest reach moto), in place of any fault set before; returns the URL of
    each request botocore sent.

    - throttle: DynamoDB's 400 ProvisionedThroughputExceededException;
    - connection: DynamoDB is never reached;
    - lost: moto applies the request, and its answer is lost on the way back (a reset);
    - bare-503: a 503 without DynamoDB's JSON body, as a proxy or load balancer sends;
    - trickle: a 200 whose body comes a byte at a time, until the test ends.

    botocore's backoff between attempts is recorded rather than slept: the retries are
    real, the seconds between them would only slow the suite.
    """
    attempts = []
    backoffs: list[float] = []
    ended = threading.Event()
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=backoffs.append))

    installed = []

    def install(kind, times=None):
        first = len(attempts)

        def fail(request, **_):
            attempts.append(request.url)
            if times is not None and len(attempts) - first > times:
                return botocore_stubber("before-send.dynamodb", request)
            if kind == "throttle":
                return AWSResponse(request.url, 400, {}, _RawBody(THROTTLED))
            if kind == "bare-503":
                return AWSResponse(
                    request.url, 503, {"Content-Type": "text/html"}, _RawBody(BARE_503)
                )
            if kind == "trickle":
                return AWSResponse(request.url, 200, {}, _Trickle(ended))
            if kind == "lost":
                botocore_stubber("before-send.dynamodb", request)
                raise ConnectionClosedError(endpoint_url=request.url)
            raise EndpointConnectionError(endpoint_url=request.url)

        # botocore calls every before-send handler and sends the first response: moto's
        # must go, or it would apply the write that DynamoDB is pretending to refuse.
        events = aws.client("dynamodb").meta.events
        for handler in [botocore_stubber, *installed]:
            events.unregister("before-send", handler)
        events.register("before-send", fail)
        installed.append(fail)
        return attempts

    yield install
    ended.set()
    aws.client.cache_clear()


class _RawBody:
    def __init__(self, body):
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_):
        return self._body


class _Trickle:
    """A body that never ends while the test runs: white space, a byte at a time."""

    def __init__(self, ended):
        self._ended = ended

    def stream(self, **_):
        yield b"{"
        while not self._ended.wait(0.01):
            yield b" "
        yield b"}"


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An OIDC issuer for the stage: its JWKS served on 127.0.0.1 (tests.support.identity)."""
    with oidc_issuer(monkeypatch) as server:
        yield server


@pytest.fixture
def dev_stage(mocked_aws: None) -> None:
    """The dev stage's AWS side in moto: its secret in SSM and its table."""
    boto3.client("ssm").put_parameter(
        Name=DEV["JWT_SECRET_PARAMETER"], Value=DEV_SECRET, Type="SecureString"
    )
    ensure_table(boto3.client("dynamodb"), DEV["TABLE_NAME"])
