"""What each Lambda function imports on its cold path, pinned in fresh interpreters.

The authorizer's function (handler chalicelib.authorizer.jwt_auth) must not load boto3,
botocore, app.py or any module only routes use; the API handler (app.app) must not load
PyJWT or cryptography, which only verifying a token needs, and loads the route-only
modules when a route first needs them, not at import. A fresh process per case: the
test session itself has imported everything long ago.
"""

import json
import subprocess
import sys

import pytest

from tests.support.gateway_events import rest_event
from tests.support.stages import LOCAL
from tools import PROJECT_DIR
from tools.local.token import issue_token

# Fresh interpreters.
# Imported by app.py's views when their route is first called, never at import time.
ROUTE_ONLY = (
    "chalicelib.deadline",
    "chalicelib.idempotency",
    "chalicelib.model",
    "chalicelib.openapi",
    "chalicelib.paging",
    "chalicelib.store",
    "chalicelib.validation",
)
TOKEN_ONLY = ("jwt", "cryptography", "chalicelib.tokens", "chalicelib.jwks")
# What only listing (cursors) and idempotent creates need: never a GET by id.
LIST_OR_CREATE_ONLY = (
    "chalicelib.paging",
    "chalicelib.signing",
    "chalicelib.idempotency",
)
AWS_SDK = ("boto3", "botocore")

COLD_START = """
import importlib, json, sys
module_name, function_name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
imported_at_import = sorted(sys.modules)
answer = handler(json.loads(sys.argv[2]), None)
for name in sys.argv[3:]:
    importlib.import_module(name)
print(json.dumps({"import": imported_at_import, "after": sorted(sys.modules), "answer": answer}))
"""


def cold_start(handler: str, event: dict, then_import: tuple[str, ...] = ()) -> dict:
    """A fresh interpreter's modules after importing handler, and after it answered."""
    result = subprocess.run(
        [sys.executable, "-c", COLD_START, handler, json.dumps(event), *then_import],
        cwd=PROJECT_DIR,
        env={
            **LOCAL,
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PROJECT_DIR),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "us-east-1",
            # The local stage's clients need an emulator on loopback; none is reached here.
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The modules (or submodules) of names among modules."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.fixture(scope="module")
def authorizer_start() -> dict:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {issue_token('alice', LOCAL)}",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/api/GET/todos",
    }
    return cold_start("chalicelib.authorizer.jwt_auth", event)


def test_the_authorizer_answers_its_first_token(authorizer_start):
    assert authorizer_start["answer"]["principalId"] == "alice"


def test_the_authorizer_never_loads_the_app_routes_or_the_aws_sdk(authorizer_start):
    modules = authorizer_start["after"]
    assert "app" not in modules
    assert loaded(modules, ROUTE_ONLY) == []
    assert loaded(modules, AWS_SDK) == []
    assert loaded(modules, ("chalicelib.telemetry", "chalicelib.gateway")) == []


def test_the_authorizer_loads_pyjwt_only_when_a_token_arrives(authorizer_start):
    assert loaded(authorizer_start["import"], ("jwt",)) == []
    assert "jwt" in authorizer_start["after"]


@pytest.fixture(scope="module")
def api_handler_start() -> dict:
    # Every module any route uses, imported after the first request: none may bring
    # in what only verifying a token needs.
    return cold_start("app.app", rest_event("GET", "/health"), then_import=ROUTE_ONLY)


def test_the_api_handler_answers_its_first_request(api_handler_start):
    assert api_handler_start["answer"]["statusCode"] == 200


def test_the_api_handler_loads_route_modules_only_when_a_route_needs_them(api_handler_start):
    assert loaded(api_handler_start["import"], ROUTE_ONLY + AWS_SDK) == []


def test_the_api_handler_never_loads_pyjwt_or_cryptography(api_handler_start):
    assert loaded(api_handler_start["after"], TOKEN_ONLY) == []


@pytest.fixture(scope="module")
def get_by_id_start() -> dict:
    # An id no todo can have: answered 404 by the route, after it has imported everything
    # a GET by id imports, and without a DynamoDB request (nothing to reach here).
    event = rest_event("GET", "/todos/{todo_id}", {"todo_id": "not-a-todo"}, principal_id="alice")
    return cold_start("app.app", event)


def test_a_get_by_id_answers_through_the_store(get_by_id_start):
    assert get_by_id_start["answer"]["statusCode"] == 404
    assert "chalicelib.store" in get_by_id_start["after"]


def test_a_get_by_id_never_loads_what_only_lists_and_creates_need(get_by_id_start):
    assert loaded(get_by_id_start["after"], LIST_OR_CREATE_ONLY) == []
