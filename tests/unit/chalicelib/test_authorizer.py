"""The authorizer's Lambda handler never raises: an event Chalice could not read, a stage it
cannot verify with, or any failure is an explicit Deny, and the log line says why.

An exception would be a 500 from API Gateway and a dropped connection under `chalice local`.
"""

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import tokens
from chalicelib.authorizer import jwt_auth
from tests.support.gateway_events import method_arn
from tests.support.stages import LOCAL
from tests.support.tokens import claims, signed

CONTEXT = SimpleNamespace(aws_request_id="lambda-request-id")
ARN = method_arn("GET", "/todos")
MISSING = object()
TOKEN = signed(claims())


@pytest.fixture(autouse=True)
def local_stage(monkeypatch):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)


def event(**changes: Any) -> dict[str, Any]:
    """A TOKEN event with a valid token, changed: MISSING leaves a key out."""
    fields = {"type": "TOKEN", "authorizationToken": f"Bearer {TOKEN}", "methodArn": ARN}
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not MISSING}


def deny(resource: str) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [resource]}
    return {
        "context": {},
        "principalId": "unauthenticated",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }


NOT_AN_OBJECT = "denied a malformed authorizer event: the event is not an object"
BAD_TYPE = "denied a malformed authorizer event: type is not TOKEN or REQUEST"
BAD_TOKEN = "denied a malformed authorizer event: authorizationToken is missing or not a string"
BAD_ARN = "denied a malformed authorizer event: methodArn is missing or not an execute-api ARN"
NOT_ASCII = "rejected a bearer token: the token is not ASCII"

# Each event, the resource its Deny names, and the line logged.
CASES = {
    "a list": ([], "*", NOT_AN_OBJECT),
    "null": (None, "*", NOT_AN_OBJECT),
    "a string": ("event", "*", NOT_AN_OBJECT),
    "empty": ({}, "*", BAD_TYPE),
    "type missing": (event(type=MISSING), ARN, BAD_TYPE),
    "type null": (event(type=None), ARN, BAD_TYPE),
    "type lower case": (event(type="token"), ARN, BAD_TYPE),
    "type a list": (event(type=["TOKEN"]), ARN, BAD_TYPE),
    "token missing": (event(authorizationToken=MISSING), ARN, BAD_TOKEN),
    "token null": (event(authorizationToken=None), ARN, BAD_TOKEN),
    "token a number": (event(authorizationToken=5), ARN, BAD_TOKEN),
    "token a list": (event(authorizationToken=[f"Bearer {TOKEN}"]), ARN, BAD_TOKEN),
    "token an object": (event(authorizationToken={"Bearer": TOKEN}), ARN, BAD_TOKEN),
    "methodArn missing": (event(methodArn=MISSING), "*", BAD_ARN),
    "methodArn null": (event(methodArn=None), "*", BAD_ARN),
    "methodArn a number": (event(methodArn=5), "*", BAD_ARN),
    "methodArn not an ARN": (event(methodArn="GET /todos"), "*", BAD_ARN),
    "methodArn another service's": (event(methodArn="arn:aws:s3:::bucket/key"), "*", BAD_ARN),
    "token with a lone surrogate": (event(authorizationToken="Bearer a\ud800.b.c"), ARN, NOT_ASCII),
    "token not ASCII": (event(authorizationToken="Bearer é.é.é"), ARN, NOT_ASCII),
}


@pytest.mark.parametrize(("malformed", "resource", "logged"), CASES.values(), ids=CASES.keys())
def test_an_event_chalice_cannot_read_is_denied_and_logged(caplog, malformed, resource, logged):
    with caplog.at_level(logging.INFO):
        answer = jwt_auth(malformed, CONTEXT)
    assert answer == deny(resource)
    assert logged in caplog.text
    assert TOKEN not in caplog.text


def test_a_request_authorizers_event_is_read_as_a_tokens():
    answer = jwt_auth(event(type="REQUEST"), CONTEXT)
    assert answer["principalId"] == "alice"


def test_a_stage_missing_a_setting_denies_and_logs_an_error_naming_it(monkeypatch, caplog):
    monkeypatch.delenv("JWT_ISSUER")
    with caplog.at_level(logging.INFO):
        answer = jwt_auth(event(), CONTEXT)
    assert answer == deny(ARN)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage().startswith(
        "the authorizer is misconfigured: environment variable JWT_ISSUER is not set"
    )


def test_any_failure_denies_and_logs_an_error_without_its_message(monkeypatch, caplog):
    def fail(token: str) -> None:
        raise RuntimeError(f"could not verify {token}")

    monkeypatch.setattr(tokens, "verified_claims", fail)
    with caplog.at_level(logging.INFO):
        answer = jwt_auth(event(), CONTEXT)
    assert answer == deny(ARN)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert message.startswith("the authorizer failed: RuntimeError at test_authorizer.py:")
    assert TOKEN not in caplog.text


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
EVENTS = JSON | st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["TOKEN", "REQUEST"]) | JSON,
        "authorizationToken": st.text() | st.text().map("Bearer {}".format) | JSON,
        "methodArn": st.just(ARN) | st.text() | JSON,
    },
)


# No deadline: a shared machine's slow moment is no failure of the authorizer's.
@settings(database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(EVENTS)
def test_whatever_the_event_the_answer_is_an_explicit_deny(malformed):
    answer = jwt_auth(malformed, CONTEXT)
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert answer["principalId"] == "unauthenticated"
