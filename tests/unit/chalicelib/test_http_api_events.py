"""The HTTP API variant, in process: the app and the authorizer given HTTP API events.

The HTTP API runs the same code as the REST API: Lambda integrations at payload format
1.0, one explicit route per Chalice route (with Chalice's path template), and the Lambda
authorizer at payload format 1.0 with the Authorization header as its one identity
source. Here every route, every outcome of the authorizer and the chain of the two are
sent in those shapes, against moto; and what the shapes that must not be used produce
(payload 2.0, a catch-all route) is pinned, so that a change of defaults is caught.
"""

import copy
import json
import re
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest

from app import app
from chalicelib import openapi
from chalicelib.auth import READ_SCOPE, WRITE_SCOPE
from chalicelib.authorizer import jwt_auth
from chalicelib.subjects import SUBJECT_CONTEXT_KEY
from tests.support.gateway_events import (
    HTTP_REQUEST_ID,
    REQUEST_ID,
    Event,
    http_v1_authorizer_event,
    http_v1_event,
    http_v2_event,
    jwt_claims,
    method_arn,
    policy_allows,
    rest_event,
)
from tests.support.stages import LOCAL
from tests.support.tokens import REJECTED
from tests.support.tokens import claims as hs256_claims
from tests.support.tokens import signed as hs256_signed

CONTEXT = SimpleNamespace(aws_request_id="lambda-request-id")
# A todo id where no todo needs to exist (a policy's ARN, a request never routed).
SOME_TODO_ID = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"
JSON = {"Content-Type": "application/json"}

# Every route of the app, read when the tests are collected: a new route is sent too.
ROUTES = sorted((method, path) for path, methods in app.routes.items() for method in methods)
GUARDED = [(method, path) for method, path in ROUTES if app.routes[path][method].authorizer]
ROUTE_IDS = [f"{method} {path}" for method, path in ROUTES]
GUARDED_IDS = [f"{method} {path}" for method, path in GUARDED]

# What each route is sent beyond its path; a route not listed is sent just its path.
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/todos"): {"headers": JSON, "body": {"text": "from an HTTP API"}},
    ("GET", "/todos"): {"query": {"limit": ["1"]}},
    ("PUT", "/todos/{todo_id}"): {
        "headers": {**JSON, "If-Match": '"1"'},
        "body": {"checked": True},
    },
    ("DELETE", "/todos/{todo_id}"): {"headers": {"If-Match": '"1"'}},
}
# The todo's id stands in for every path parameter, whatever its name.
PARAMETER = re.compile(r"{(\w+)}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
CURSOR = re.compile(r"cursor=[^&>\"]+")


class Answer(NamedTuple):
    status: int
    body: Any
    headers: dict[str, str]


@pytest.fixture
def local_stage(monkeypatch, dynamodb):
    """The local stage's environment, as Lambda would have it, on a fresh moto table."""
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REQUIRE_SCOPES", raising=False)
    return dynamodb


def invoke(event: Event) -> Answer:
    response = app(event, CONTEXT)
    return Answer(response["statusCode"], json.loads(response["body"]), response["headers"])


def seeded(owner: str) -> list[str]:
    """Two todos of owner's, made through the REST API: their ids, oldest first."""
    return [
        invoke(
            rest_event("POST", "/todos", principal_id=owner, headers=JSON, body={"text": text})
        ).body["todoId"]
        for text in ("first", "second")
    ]


def path_parameters(path: str, todo_id: str) -> dict[str, str] | None:
    return {name: todo_id for name in PARAMETER.findall(path)} or None


def bearer(subject: str, **claims: Any) -> str:
    return f"Bearer {hs256_signed(hs256_claims(sub=subject, **claims))}"


def assert_documented_answer(route: tuple[str, str], answer: Answer, ids: list[str]) -> None:
    """The answer docs/api.md gives the route's request (REQUESTS) when the caller owns
    the todos ids, the first of which is in the path."""
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"].split(",")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"] == "application/json"
    match route:
        case ("GET", "/health"):
            assert (answer.status, answer.body) == (200, {"status": "ok"})
        case ("GET", "/openapi.json"):
            assert (answer.status, answer.body) == (200, openapi.document())
        case ("POST", "/todos"):
            assert answer.status == 201
            assert answer.body["text"] == "from an HTTP API"
            assert answer.headers["Location"] == f"/api/todos/{answer.body['todoId']}"
            assert answer.headers["ETag"] == '"1"'
        case ("GET", "/todos"):
            assert answer.status == 200
            assert [todo["todoId"] for todo in answer.body] == ids[:1]
            assert re.fullmatch(
                r'</api/todos\?limit=1&cursor=[^>]+>; rel="next"', answer.headers["Link"]
            )
        case ("GET", "/todos/{todo_id}"):
            assert (answer.status, answer.body["todoId"]) == (200, ids[0])
            assert answer.headers["ETag"] == '"1"'
        case ("PUT", "/todos/{todo_id}"):
            assert answer.status == 200
            assert (answer.body["checked"], answer.body["version"]) == (True, 2)
            assert answer.headers["ETag"] == '"2"'
        case ("DELETE", "/todos/{todo_id}"):
            assert answer.status == 200
            assert answer.body == {"message": f"Todo with ID {ids[0]} deleted successfully"}
        case _:
            pytest.fail(f"{route} has no documented answer here: add it, and to REQUESTS")


def normalized(answer: Answer, ids: list[str]) -> Any:
    """The answer without what differs from one owner's todos to another's: ids, times,
    cursors, and the gateway's request id."""
    headers = {name: value for name, value in answer.headers.items() if name != "X-Request-Id"}
    text = json.dumps([answer.status, answer.body, headers], sort_keys=True)
    created = answer.body.get("todoId") if isinstance(answer.body, dict) else None
    for n, todo_id in enumerate([*ids, created] if created not in (None, *ids) else ids):
        text = text.replace(todo_id, f"<todo {n}>")
    return json.loads(CURSOR.sub("cursor=<cursor>", TIMESTAMP.sub("<time>", text)))


# --- 1. every route, at payload 1.0, answers as on the REST API ----------------------


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_a_payload_1_event_as_on_the_rest_api(local_stage, route):
    method, path = route
    request = REQUESTS.get(route, {})

    http_ids = seeded("http-owner")
    http_event = http_v1_event(
        method,
        path,
        path_parameters(path, http_ids[0]),
        authorizer=jwt_claims("http-owner"),
        **request,
    )
    http_answer = invoke(http_event)
    assert_documented_answer(route, http_answer, http_ids)
    assert http_answer.headers["X-Request-Id"] == HTTP_REQUEST_ID

    rest_ids = seeded("rest-owner")
    rest_event_ = rest_event(
        method, path, path_parameters(path, rest_ids[0]), principal_id="rest-owner", **request
    )
    rest_answer = invoke(rest_event_)
    assert rest_answer.headers["X-Request-Id"] == REQUEST_ID
    assert normalized(http_answer, http_ids) == normalized(rest_answer, rest_ids)


# --- 2. the authorizer, given payload 1.0 authorizer events ----------------------------


def concrete_arn(route: tuple[str, str]) -> str:
    method, path = route
    return method_arn(method, PARAMETER.sub(SOME_TODO_ID, path))


def authorized(
    authorization: str, route: tuple[str, str] = ("GET", "/todos")
) -> tuple[Event, Event]:
    """The authorizer's event for a request to route, and its answer."""
    method, path = route
    event = http_v1_authorizer_event(
        authorization, method, path, path_parameters(path, SOME_TODO_ID)
    )
    return event, jwt_auth(event, CONTEXT)


def explicit_deny(event: Event) -> Event:
    return {
        "context": {},
        "principalId": "unauthenticated",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [event["methodArn"]]}
            ],
        },
    }


@pytest.mark.parametrize("route", GUARDED, ids=GUARDED_IDS)
def test_a_valid_token_is_allowed_every_guarded_route_as_its_subject(local_stage, route):
    """Every route, not just this one: the gateway caches the answer per token."""
    event, answer = authorized(bearer("alice"), route)
    assert answer["principalId"] == "alice"
    assert answer["context"] == {SUBJECT_CONTEXT_KEY: "alice"}
    assert all(policy_allows(answer, concrete_arn(other)) for other in GUARDED)
    assert policy_allows(answer, event["methodArn"])


@pytest.mark.parametrize(
    "authorization",
    ["", " ", "Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Token abc"],
    ids=["empty", "blank", "scheme only", "scheme and space", "basic", "other scheme"],
)
def test_an_empty_or_non_bearer_token_is_denied_explicitly(local_stage, authorization):
    """A request with no Authorization header never reaches the authorizer: an HTTP API
    whose authorizer has that header as its identity source answers 401 itself
    ("Control access to HTTP APIs with AWS Lambda authorizers", Identity sources), as
    REST APIs and chalice local do. A header that is there but holds no bearer token
    does reach it, and is denied."""
    event, answer = authorized(authorization)
    assert answer == explicit_deny(event)
    assert not any(policy_allows(answer, concrete_arn(route)) for route in GUARDED)


@pytest.mark.parametrize("make_header", REJECTED.values(), ids=REJECTED.keys())
def test_an_invalid_token_is_denied_explicitly(local_stage, make_header):
    event, answer = authorized(make_header())
    assert answer == explicit_deny(event)
    assert not any(policy_allows(answer, concrete_arn(route)) for route in GUARDED)


@pytest.mark.parametrize("route", GUARDED, ids=GUARDED_IDS)
@pytest.mark.parametrize(
    ("scope", "allowed_methods"),
    [(READ_SCOPE, {"GET"}), (WRITE_SCOPE, {"POST", "PUT", "DELETE"})],
    ids=["read", "write"],
)
def test_a_scoped_token_is_allowed_only_its_scopes_routes(
    local_stage, monkeypatch, route, scope, allowed_methods
):
    """On a stage with REQUIRE_SCOPES: the policy, whichever route asked, opens the
    scope's routes and no other (the gateway then denies the rest with its 403)."""
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    event, answer = authorized(bearer("alice", scope=scope), route)
    assert answer["principalId"] == "alice"
    for other in GUARDED:
        assert policy_allows(answer, concrete_arn(other)) == (other[0] in allowed_methods), other
    assert policy_allows(answer, event["methodArn"]) == (route[0] in allowed_methods)


def test_a_token_without_a_scope_is_denied_explicitly_where_scopes_are_required(
    local_stage, monkeypatch
):
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    event, answer = authorized(bearer("alice", scope="openid profile"))
    assert answer == explicit_deny(event)


def test_the_test_client_answers_the_explicit_deny_with_its_403(client):
    """chalice local's gateway (LocalGatewayAuthorizer, which the test client runs too)
    lets a request through only if an Allow statement matches it: the Deny is a 403,
    with the same body as the Allow of no resource it replaces."""
    response = client.http.get("/todos", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert json.loads(response.body) == {
        "Message": "User is not authorized to access this resource"
    }


# --- 3. the chain: authorizer event, its answer, the integration event, the app ---------

# What reaches the integration's requestContext.authorizer from a Lambda authorizer's
# answer. REST APIs pass the principal id and the context's keys side by side; for
# HTTP APIs at payload 1.0 only the context is documented to arrive, so it is tried
# beside the principal id's place and under `lambda`, as payload 2.0 has it.
PASSED_ON = {
    "principal and context (REST API)": lambda answer: {
        "principalId": answer["principalId"],
        **answer["context"],
        "integrationLatency": 3,
    },
    "context only": lambda answer: {**answer["context"]},
    "context under lambda": lambda answer: {"lambda": {**answer["context"]}},
}
# The JWT authorizer has no Lambda function: the gateway passes the token's claims.
JWT_AUTHORIZER = "JWT authorizer's claims"
AUTHORIZERS = [*PASSED_ON, JWT_AUTHORIZER]


def through_the_gateway(authorizer: str, subject: str, route: tuple[str, str], todo_id: str):
    """The app's answer to subject's request to route, after the gateway's authorizer."""
    method, path = route
    parameters = path_parameters(path, todo_id)
    if not app.routes[path][method].authorizer:
        passed_on = None
    elif authorizer == JWT_AUTHORIZER:
        passed_on = jwt_claims(subject)
    else:
        event = http_v1_authorizer_event(bearer(subject), method, path, parameters)
        answer = jwt_auth(event, CONTEXT)
        assert policy_allows(answer, event["methodArn"])
        passed_on = PASSED_ON[authorizer](copy.deepcopy(answer))
    request = REQUESTS.get(route, {})
    return invoke(http_v1_event(method, path, parameters, authorizer=passed_on, **request))


@pytest.mark.parametrize("authorizer", AUTHORIZERS)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_the_tokens_subject_through_either_authorizer(
    local_stage, route, authorizer
):
    ids = seeded("alice")
    answer = through_the_gateway(authorizer, "alice", route, ids[0])
    assert_documented_answer(route, answer, ids)


@pytest.mark.parametrize("authorizer", AUTHORIZERS)
def test_another_subjects_token_does_not_reach_the_todo(local_stage, authorizer):
    ids = seeded("alice")
    answer = through_the_gateway(authorizer, "bob", ("GET", "/todos/{todo_id}"), ids[0])
    assert (answer.status, answer.body["code"]) == (404, "TodoNotFound")


# --- 4. the shapes that must not be used ----------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_payload_2_event_is_a_500_unknown_request_and_does_nothing(local_stage, route):
    """Chalice routes by requestContext.resourcePath, which payload 2.0 does not have:
    the integrations must stay at payload format 1.0."""
    method, path = route
    event = http_v2_event(
        method,
        path,
        path_parameters(path, SOME_TODO_ID),
        authorizer={"lambda": {SUBJECT_CONTEXT_KEY: "alice"}},
        **REQUESTS.get(route, {}),
    )
    answer = invoke(event)
    assert (answer.status, answer.body) == (
        500,
        {"message": "Unknown request.", "code": "InternalServerError"},
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert local_stage.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0


@pytest.fixture
def chalice_routes(monkeypatch):
    """Chalice looks an unknown resource up in its route table, a defaultdict, and so
    adds it (with no methods): a copy keeps later tests' app.routes as the app's."""
    monkeypatch.setattr(app, "routes", copy.copy(app.routes))


CATCH_ALLS = {
    "ANY /{proxy+}": ("/{proxy+}", {"proxy": "todos"}),
    "$default": ("$default", None),
    "a template other than Chalice's": ("/todos/{id}", {"id": "x"}),
}


@pytest.mark.parametrize("method", sorted({method for method, _ in ROUTES}))
@pytest.mark.parametrize(("resource", "parameters"), CATCH_ALLS.values(), ids=CATCH_ALLS.keys())
def test_a_route_that_is_not_chalices_is_a_405_and_does_nothing(
    local_stage, chalice_routes, method, resource, parameters
):
    """The integration event names the API's route, not the path called: behind a route
    Chalice does not have, every request is a 405 with an empty Allow header, so the
    HTTP API's routes must be Chalice's own, one by one."""
    event = http_v1_event(
        method, "/todos", authorizer=jwt_claims("alice"), headers=JSON, body={"text": "t"}
    )
    event.update(resource=resource, pathParameters=parameters)
    event["requestContext"]["resourcePath"] = resource
    answer = invoke(event)
    assert (answer.status, answer.body) == (
        405,
        {"message": f"Unsupported method: {method}", "code": "MethodNotAllowedError"},
    )
    assert answer.headers["Allow"] == ""
    assert local_stage.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0
