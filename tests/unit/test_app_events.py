"""The API handler never raises, whatever the event: one Chalice cannot read is the API's
JSON 400, with CORS and nosniff, changing nothing, and its request line says what was wrong.

API Gateway sends none of these events; a direct invoke or another integration may. Before
app.TodoApi checked them, some raised out of the handler (Chalice builds its request
outside its error handling) and others answered 500.
"""

import base64
import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import app
from tests.support.gateway_events import Event, rest_event
from tests.support.stages import LOCAL
from tests.support.tokens import claims, signed

CONTEXT = SimpleNamespace(aws_request_id="lambda-request-id")
TODO_ID = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"
# Sent to the integration as API Gateway does; it must never reach a log line.
AUTHORIZATION = f"Bearer {signed(claims())}"
BODY_TEXT = "a secret todo"
JSON_BODY = {"Content-Type": "application/json"}
MISSING = object()


@pytest.fixture
def local_stage(monkeypatch, dynamodb):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)
    return dynamodb


def request(
    method: str, route: str, path_parameters: dict[str, str] | None = None, **kwargs: Any
) -> Event:
    headers = {"Authorization": AUTHORIZATION, **kwargs.pop("headers", {})}
    return rest_event(
        method, route, path_parameters, principal_id="alice", headers=headers, **kwargs
    )


BASES = {
    "get": lambda: request("GET", "/todos/{todo_id}", {"todo_id": TODO_ID}),
    "list": lambda: request("GET", "/todos", query={"limit": ["5"]}),
    "create": lambda: request("POST", "/todos", headers=JSON_BODY, body={"text": BODY_TEXT}),
    "update": lambda: request(
        "PUT", "/todos/{todo_id}", {"todo_id": TODO_ID}, headers=JSON_BODY, body={"text": "t"}
    ),
    "health": lambda: rest_event("GET", "/health"),
}


def changed(base: str, *changes: tuple[tuple[str, ...], Any]) -> Any:
    """The base event with each (path, value) set, MISSING deleting it."""
    event = BASES[base]()
    for path, value in changes:
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        if value is MISSING:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return event


NOT_OBJECT = "the event is not an object"
CONTEXT_NOT_OBJECT = "requestContext is not an object"
ROUTING = "requestContext.resourcePath or httpMethod is not a string"
HEADER = "a header's name or value is not a string"
QUERY_NAME = "a query parameter's name is not a string or its values not a list"
QUERY_VALUE = "a query parameter's value is not a string"
PATH = "a path parameter of the route is missing or not a string"
BODY = "body is not a string"
ENCODED = (("isBase64Encoded",), True)

# Each event Chalice cannot read, and the reason its request line gives.
MALFORMED = {
    "a list": (lambda: [], NOT_OBJECT),
    "a string": (lambda: "GET /todos", NOT_OBJECT),
    "null": (lambda: None, NOT_OBJECT),
    "empty": (lambda: {}, CONTEXT_NOT_OBJECT),
    "requestContext missing": (
        lambda: changed("get", (("requestContext",), MISSING)),
        CONTEXT_NOT_OBJECT,
    ),
    "requestContext null": (
        lambda: changed("get", (("requestContext",), None)),
        CONTEXT_NOT_OBJECT,
    ),
    "requestContext a list": (
        lambda: changed("get", (("requestContext",), [])),
        CONTEXT_NOT_OBJECT,
    ),
    "httpMethod missing": (
        lambda: changed("get", (("requestContext", "httpMethod"), MISSING)),
        ROUTING,
    ),
    "httpMethod null": (lambda: changed("get", (("requestContext", "httpMethod"), None)), ROUTING),
    "resourcePath a number": (
        lambda: changed("get", (("requestContext", "resourcePath"), 5)),
        ROUTING,
    ),
    "resourcePath a list": (
        lambda: changed("get", (("requestContext", "resourcePath"), ["/todos"])),
        ROUTING,
    ),
    "headers missing": (lambda: changed("get", (("headers",), MISSING)), "headers missing"),
    "headers a list": (lambda: changed("get", (("headers",), [])), "headers is not an object"),
    "headers a string": (lambda: changed("get", (("headers",), "x")), "headers is not an object"),
    "a header value a number": (
        lambda: changed("get", (("headers", "x-amzn-trace-id"), 5)),
        HEADER,
    ),
    "a header value null": (lambda: changed("get", (("headers", "accept"), None)), HEADER),
    "Content-Type a list": (
        lambda: changed("create", (("headers", "content-type"), ["application/json"])),
        HEADER,
    ),
    "If-Match a number": (lambda: changed("update", (("headers", "if-match"), 1)), HEADER),
    "Idempotency-Key an object": (
        lambda: changed("create", (("headers", "idempotency-key"), {})),
        HEADER,
    ),
    "a header name a number": (lambda: changed("get", (("headers", 5), "x")), HEADER),
    "pathParameters missing": (
        lambda: changed("get", (("pathParameters",), MISSING)),
        "pathParameters missing",
    ),
    "pathParameters null": (
        lambda: changed("get", (("pathParameters",), None)),
        "pathParameters missing for the route",
    ),
    "pathParameters empty": (lambda: changed("get", (("pathParameters",), {})), PATH),
    "pathParameters a list": (
        lambda: changed("update", (("pathParameters",), [TODO_ID])),
        "pathParameters is not an object",
    ),
    "the path parameter a number": (
        lambda: changed("get", (("pathParameters", "todo_id"), 5)),
        PATH,
    ),
    "the path parameter null": (
        lambda: changed("update", (("pathParameters", "todo_id"), None)),
        PATH,
    ),
    "body missing": (lambda: changed("create", (("body",), MISSING)), "body missing"),
    "body a number": (lambda: changed("create", (("body",), 5)), BODY),
    "body an object": (lambda: changed("create", (("body",), {"text": BODY_TEXT})), BODY),
    "body a list": (lambda: changed("update", (("body",), [BODY_TEXT])), BODY),
    "body with a lone surrogate": (
        lambda: changed("create", (("body",), '{"text": "' + BODY_TEXT + '\ud800"}')),
        "body is not valid Unicode",
    ),
    "base64 body badly padded": (
        lambda: changed("create", ENCODED, (("body",), "YWJj" + "ZA")),
        "body is not base64",
    ),
    "base64 body not ASCII": (
        lambda: changed("create", ENCODED, (("body",), BODY_TEXT + " é")),
        "body is not base64",
    ),
    "isBase64Encoded a string": (
        lambda: changed("create", (("isBase64Encoded",), "false")),
        "isBase64Encoded is not a boolean",
    ),
    "stageVariables missing": (
        lambda: changed("get", (("stageVariables",), MISSING)),
        "stageVariables missing",
    ),
    "multiValueQueryStringParameters missing": (
        lambda: changed("list", (("multiValueQueryStringParameters",), MISSING)),
        "multiValueQueryStringParameters missing",
    ),
    "multiValueQueryStringParameters a list": (
        lambda: changed("list", (("multiValueQueryStringParameters",), [])),
        "multiValueQueryStringParameters is not an object",
    ),
    "a query value a string": (
        lambda: changed("list", (("multiValueQueryStringParameters", "limit"), "5")),
        QUERY_NAME,
    ),
    "a query value a number": (
        lambda: changed("list", (("multiValueQueryStringParameters", "limit"), 5)),
        QUERY_NAME,
    ),
    "a query value null": (
        lambda: changed("list", (("multiValueQueryStringParameters", "limit"), None)),
        QUERY_NAME,
    ),
    "a query value an empty list": (
        lambda: changed("list", (("multiValueQueryStringParameters", "limit"), [])),
        QUERY_NAME,
    ),
    "a query value a list of numbers": (
        lambda: changed("list", (("multiValueQueryStringParameters", "limit"), [5])),
        QUERY_VALUE,
    ),
    "a query name a number": (
        lambda: changed("list", (("multiValueQueryStringParameters", 5), ["x"])),
        QUERY_NAME,
    ),
    "several missing": (
        lambda: changed("health", (("headers",), MISSING), (("body",), MISSING)),
        "headers, body missing",
    ),
}


def invoke(event: Any) -> tuple[int, Any, dict[str, str]]:
    response = app(event, CONTEXT)
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def request_line(capsys: pytest.CaptureFixture[str]) -> tuple[str, dict[str, Any]]:
    (line,) = capsys.readouterr().out.splitlines()
    return line, json.loads(line)


@pytest.mark.parametrize(("make_event", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_an_event_chalice_cannot_read_is_a_json_400_that_says_why_in_the_log(
    local_stage, capsys, make_event, reason
):
    capsys.readouterr()
    status, body, headers = invoke(make_event())
    assert (status, body) == (
        400,
        {"message": "The request could not be read", "code": "InvalidRequest"},
    )
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Request-Id"] == "lambda-request-id"
    text, line = request_line(capsys)
    assert (line["status"], line["code"], line["reason"]) == (400, "InvalidRequest", reason)
    assert AUTHORIZATION.split()[1] not in text
    assert BODY_TEXT not in text
    assert local_stage.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0


@pytest.mark.parametrize(
    "context",
    [{}, {"resourcePath": None, "httpMethod": "GET"}],
    ids=["missing", "null"],
)
def test_an_event_without_a_resource_path_is_chalices_json_500(local_stage, context):
    """An HTTP API's payload 2.0 has none: the integration is misconfigured, not the request.

    A null resourcePath names no resource either, so it is answered alike, as Chalice does.
    """
    status, body, headers = invoke(changed("get", (("requestContext",), context)))
    assert (status, body) == (500, {"message": "Unknown request.", "code": "InternalServerError"})
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_well_formed_base64_body_is_read(local_stage):
    body = json.dumps({"text": "sent as base64"}).encode()
    event = changed("create", ENCODED, (("body",), base64.b64encode(body).decode()))
    status, created, _ = invoke(event)
    assert (status, created["text"]) == (201, "sent as base64")


def test_a_body_of_any_valid_unicode_is_read(local_stage):
    status, created, _ = invoke(changed("create", (("body",), '{"text": "Grüße, 世界 🎉"}')))
    assert (status, created["text"]) == (201, "Grüße, 世界 🎉")


# --- whatever the event: hypothesis changes well-formed ones anywhere Chalice reads -------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
READ_PATHS = [
    ("requestContext",),
    ("requestContext", "resourcePath"),
    ("requestContext", "httpMethod"),
    ("requestContext", "authorizer"),
    ("requestContext", "path"),
    ("headers",),
    ("headers", "content-type"),
    ("headers", "if-match"),
    ("headers", "idempotency-key"),
    ("headers", "x-amzn-trace-id"),
    ("multiValueQueryStringParameters",),
    ("multiValueQueryStringParameters", "limit"),
    ("multiValueQueryStringParameters", "cursor"),
    ("pathParameters",),
    ("pathParameters", "todo_id"),
    ("body",),
    ("isBase64Encoded",),
    ("stageVariables",),
]
CHANGES = st.lists(
    st.tuples(st.sampled_from(READ_PATHS), st.just(MISSING) | JSON_VALUES), min_size=1, max_size=3
)


def apply(event: Event, changes: list[tuple[tuple[str, ...], Any]]) -> Event:
    """A copy of event with the changes, as `changed` makes, but skipping a path whose parent
    an earlier change removed or made a non-object: generated changes may; a hand-written
    case's path that misses is a typo, which `changed` raises on."""
    event = copy.deepcopy(event)
    for path, value in changes:
        parent = event
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if value is MISSING:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    return event


# No deadline: a shared machine's slow moment is no failure of the handler's.
@settings(
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(base=st.sampled_from(sorted(BASES)), changes=CHANGES)
def test_whatever_the_event_the_answer_is_json_with_cors_and_never_an_unexplained_500(
    local_stage, base, changes
):
    event = apply(BASES[base](), changes)
    status, body, headers = invoke(event)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    if status >= 400:
        assert set(body) == {"message", "code"}
    if status >= 500:
        # Only the misconfigured gateway's: no resource path (absent or null) to route by.
        assert event["requestContext"].get("resourcePath") is None
        assert body == {"message": "Unknown request.", "code": "InternalServerError"}
