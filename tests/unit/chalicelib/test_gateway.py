"""chalicelib.gateway: what the app reads from a REST API event and an HTTP API 1.0 event."""

import json
from types import SimpleNamespace
from typing import NamedTuple

import pytest
from chalice.app import Request

from app import app
from chalicelib import gateway
from chalicelib.subjects import SUBJECT_CONTEXT_KEY
from tests.support.gateway_events import (
    REQUEST_ID,
    SOURCE_IP,
    TRACE_ROOT,
    http_v1_event,
    jwt_claims,
    rest_event,
)
from tests.support.stages import LOCAL

TODO_ID = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"
SHAPES = {
    "REST API": lambda **kw: rest_event("GET", "/todos/{todo_id}", {"todo_id": TODO_ID}, **kw),
    "HTTP API 1.0": lambda **kw: http_v1_event(
        "GET", "/todos/{todo_id}", {"todo_id": TODO_ID}, **kw
    ),
}


class Read(NamedTuple):
    """Everything the reader takes from one event."""

    caller: str | None
    called_path: str
    request_id: str | None
    trace_id: str | None
    source_ip: str | None


def read(event):
    request = Request(event)
    readers = (
        gateway.caller,
        gateway.called_path,
        gateway.request_id,
        gateway.trace_id,
        gateway.source_ip,
    )
    return Read(*(reader(request) for reader in readers))


class TestRestApiEvent:
    def test_everything_is_read(self):
        called = read(rest_event("GET", "/todos/{todo_id}", {"todo_id": TODO_ID}, principal_id="a"))
        assert called == Read(
            caller="a",
            called_path=f"/api/todos/{TODO_ID}",
            request_id=REQUEST_ID,
            trace_id=TRACE_ROOT,
            source_ip=SOURCE_IP,
        )

    def test_without_an_authorizer_there_is_no_caller(self):
        assert read(rest_event("GET", "/health")).caller is None


class TestHttpApiPayload10Event:
    def test_a_jwt_authorizers_subject_is_the_caller(self):
        called = read(SHAPES["HTTP API 1.0"](authorizer=jwt_claims("bob")))
        assert called == Read(
            caller="bob",
            called_path=f"/api/todos/{TODO_ID}",
            request_id="JJbxmHc1IAMFgZQ=",
            trace_id=TRACE_ROOT,
            source_ip=SOURCE_IP,
        )

    @pytest.mark.parametrize(
        "authorizer",
        [
            {"principalId": "carol", "integrationLatency": 2},
            {"lambda": {"principalId": "carol"}},
            {SUBJECT_CONTEXT_KEY: "carol"},
            {"lambda": {SUBJECT_CONTEXT_KEY: "carol"}},
        ],
        ids=["principalId", "lambda.principalId", "context", "lambda context"],
    )
    def test_a_lambda_authorizers_principal_is_the_caller(self, authorizer):
        assert read(SHAPES["HTTP API 1.0"](authorizer=authorizer)).caller == "carol"

    def test_a_route_without_an_authorizer_has_no_caller(self):
        assert read(http_v1_event("GET", "/health")).caller is None


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
class TestEitherShape:
    def test_the_query_keeps_every_value_of_a_repeated_parameter(self, shape):
        event = shape(query={"limit": ["abc", "10"], "checked": ["true"]})
        assert gateway.query_parameters(Request(event)) == {
            "limit": ["abc", "10"],
            "checked": ["true"],
        }

    def test_no_query_is_no_parameters(self, shape):
        assert gateway.query_parameters(Request(shape())) == {}

    def test_a_trailing_slash_is_not_part_of_the_path(self, shape):
        event = shape()
        event["requestContext"]["path"] += "/"
        assert gateway.called_path(Request(event)) == f"/api/todos/{TODO_ID}"

    def test_a_trace_header_without_a_root_gives_no_trace_id(self, shape):
        assert read(shape(headers={"X-Amzn-Trace-Id": "Sampled=1"})).trace_id is None


def test_a_cognito_id_token_behind_the_jwt_authorizer_is_no_caller():
    """HTTP APIs' JWT authorizer accepts ID tokens of the app client; the app does not."""
    claims = jwt_claims("bob")
    claims["claims"]["token_use"] = "id"
    assert read(http_v1_event("GET", "/todos", authorizer=claims)).caller is None
    claims["claims"]["token_use"] = "access"
    assert read(http_v1_event("GET", "/todos", authorizer=claims)).caller == "bob"


@pytest.mark.parametrize(
    "subject", ["", "s" * 257, "alice\ud800"], ids=["empty", "overlong", "lone surrogate"]
)
def test_a_subject_that_cannot_own_todos_is_no_caller(subject):
    assert read(rest_event("GET", "/todos", principal_id=subject)).caller is None
    assert read(http_v1_event("GET", "/todos", authorizer=jwt_claims(subject))).caller is None


# --- the API handler, invoked with either shape, as Lambda invokes it ---------------------


@pytest.fixture
def local_stage(monkeypatch, dynamodb):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)


def invoke(event):
    response = app(event, SimpleNamespace(aws_request_id="lambda-request-id"))
    return response["statusCode"], json.loads(response["body"]), response["headers"]


CREATE = {"text": "from a gateway"}
JSON = {"Content-Type": "application/json"}


def created_through(shape_name, owner):
    if shape_name == "REST API":
        return rest_event("POST", "/todos", principal_id=owner, headers=JSON, body=CREATE)
    return http_v1_event("POST", "/todos", authorizer=jwt_claims(owner), headers=JSON, body=CREATE)


@pytest.mark.parametrize("shape_name", ["REST API", "HTTP API 1.0"])
def test_the_app_answers_either_shape_with_the_stage_in_location(local_stage, shape_name):
    status, body, headers = invoke(created_through(shape_name, "alice"))
    assert status == 201
    assert headers["Location"] == f"/api/todos/{body['todoId']}"


@pytest.mark.parametrize("shape_name", ["REST API", "HTTP API 1.0"])
@pytest.mark.parametrize("idempotency_key", [None, "retry-me"])
def test_an_unusable_principal_is_403_never_5xx(local_stage, dynamodb, shape_name, idempotency_key):
    event = created_through(shape_name, "alice\ud800")
    if idempotency_key is not None:
        event["headers"]["idempotency-key"] = idempotency_key
    status, body, headers = invoke(event)
    assert status == 403
    assert body["code"] == "Forbidden"
    assert "Retry-After" not in headers
    assert dynamodb.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0
