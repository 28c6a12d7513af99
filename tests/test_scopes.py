"""Scopes, on a stage with REQUIRE_SCOPES: GET needs todos/read, POST, PUT and DELETE
need todos/write. The authorizer's policy lists what the token may call, so the
gateway itself answers 403 for the rest."""

import logging
import uuid

import pytest
from chalice import AuthResponse
from chalice.app import AuthRequest
from chalice.local import ARNMatcher, LocalARNBuilder

from app import app
from chalicelib import auth
from chalicelib.errors import ConfigurationError
from tests.identity import bearer, oidc_issuer, oidc_token
from tests.test_auth import claims as hs256_claims
from tests.test_auth import signed as hs256_signed

READ, WRITE = auth.READ_SCOPE, auth.WRITE_SCOPE


@pytest.fixture
def issuer(monkeypatch):
    with oidc_issuer(monkeypatch) as server:
        monkeypatch.setenv("REQUIRE_SCOPES", "true")
        yield server


@pytest.fixture
def todo_path(client, issuer):
    """The path of a todo alice made with a token that may do everything."""
    token = oidc_token(scope=f"{READ} {WRITE}")
    created = client.http.post("/todos", headers=bearer(token), body=b'{"text": "t"}')
    assert created.status_code == 201
    return f"/todos/{created.json_body['todoId']}"


def statuses(client, token, todo_path):
    """What each route answers to this token (alice's); DELETE last, it removes the todo."""
    headers = bearer(token)
    return {
        "list": client.http.get("/todos", headers=headers).status_code,
        "get": client.http.get(todo_path, headers=headers).status_code,
        "create": client.http.post("/todos", headers=headers, body=b'{"text": "n"}').status_code,
        "update": client.http.put(
            todo_path, headers=headers, body=b'{"checked": true}'
        ).status_code,
        "delete": client.http.delete(todo_path, headers=headers).status_code,
    }


READ_ONLY = {"list": 200, "get": 200, "create": 403, "update": 403, "delete": 403}
WRITE_ONLY = {"list": 403, "get": 403, "create": 201, "update": 200, "delete": 200}
EVERYTHING = {"list": 200, "get": 200, "create": 201, "update": 200, "delete": 200}
NOTHING = dict.fromkeys(EVERYTHING, 403)

GRANTS = {
    "scope todos/read": ({"scope": READ}, READ_ONLY),
    "scope todos/write": ({"scope": WRITE}, WRITE_ONLY),
    "scope both, among others": ({"scope": f"openid {WRITE} profile {READ}"}, EVERYTHING),
    "scp list (Okta)": ({"scp": [READ, "email"]}, READ_ONLY),
    "scp string (Entra ID)": ({"scp": WRITE}, WRITE_ONLY),
    "scope and scp together": ({"scope": READ, "scp": [WRITE]}, EVERYTHING),
    "no scope": ({}, NOTHING),
    "other scopes only": ({"scope": "openid aws.cognito.signin.user.admin"}, NOTHING),
    "look-alikes": ({"scope": "todos/read-all TODOS/WRITE todos todos/"}, NOTHING),
    "scope not a string": ({"scope": {"todos/read": True}}, NOTHING),
    "scp with non-strings": ({"scp": [None, 1, [READ]]}, NOTHING),
}


@pytest.mark.integration  # the issuer's JWKS is served on 127.0.0.1
@pytest.mark.parametrize(("claims", "expected"), GRANTS.values(), ids=GRANTS.keys())
def test_each_route_needs_its_scope(client, todo_path, claims, expected):
    assert statuses(client, oidc_token(**claims), todo_path) == expected


@pytest.mark.integration  # the issuer's JWKS is served on 127.0.0.1
def test_scopes_are_not_checked_unless_the_stage_says_so(client, todo_path, monkeypatch):
    monkeypatch.delenv("REQUIRE_SCOPES")
    assert statuses(client, oidc_token(), todo_path) == EVERYTHING


def test_hs256_tokens_need_scopes_too_on_such_a_stage(client, monkeypatch):
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    assert (
        client.http.get("/todos", headers=bearer(hs256_signed(hs256_claims()))).status_code == 403
    )
    scoped = hs256_signed(hs256_claims(scope=READ))
    assert client.http.get("/todos", headers=bearer(scoped)).status_code == 200


@pytest.mark.integration  # the issuer's JWKS is served on 127.0.0.1
def test_public_routes_need_no_token_at_all(client, issuer):
    assert client.http.get("/health").status_code == 200
    assert client.http.get("/openapi.json").status_code == 200


@pytest.mark.integration  # the issuer's JWKS is served on 127.0.0.1
def test_a_token_without_scopes_is_logged_as_such(client, issuer, caplog):
    with caplog.at_level(logging.INFO):
        client.http.get("/todos", headers=bearer(oidc_token(scope="openid")))
    assert f"rejected a bearer token: no {READ} or {WRITE} scope" in caplog.text


def test_an_invalid_require_scopes_value_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("REQUIRE_SCOPES", "yes")
    with pytest.raises(ConfigurationError, match="REQUIRE_SCOPES"):
        auth.granted_routes({"scope": READ})


def _protected_routes():
    """Every (path, method) of the app that the authorizer guards."""
    return [
        (path, method)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if entry.authorizer is not None
    ]


@pytest.mark.parametrize(("path", "method"), _protected_routes())
def test_the_policy_covers_every_guarded_route_by_its_method(monkeypatch, path, method):
    """The policy as API Gateway would apply it: a route added later is either covered
    by a scope or fails here, and a {param} in a policy would match no request."""
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    concrete = path.replace("{todo_id}", str(uuid.uuid4()))
    arn = LocalARNBuilder().build_arn(method, concrete)
    request = AuthRequest("TOKEN", "Bearer x", arn)
    needed = READ if method == "GET" else WRITE
    for scope in (READ, WRITE):
        routes = auth.granted_routes({"scope": scope})
        policy = AuthResponse(routes=routes, principal_id="alice").to_dict(request)
        resources = policy["policyDocument"]["Statement"][0]["Resource"]
        assert ARNMatcher(arn).does_any_resource_match(resources) == (scope == needed), scope


def test_the_policy_lists_all_the_token_may_do_not_just_this_route(monkeypatch):
    """API Gateway caches the policy per token and reuses it for the next route."""
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    arn = LocalARNBuilder().build_arn("GET", "/todos")
    request = AuthRequest("TOKEN", "Bearer x", arn)
    routes = auth.granted_routes({"scope": f"{READ} {WRITE}"})
    resources = AuthResponse(routes=routes, principal_id="a").to_dict(request)["policyDocument"][
        "Statement"
    ][0]["Resource"]
    prefix = arn.rsplit("/GET/", 1)[0]
    assert sorted(resources) == sorted(
        [
            f"{prefix}/GET/todos",
            f"{prefix}/GET/todos/*",
            f"{prefix}/POST/todos",
            f"{prefix}/PUT/todos/*",
            f"{prefix}/DELETE/todos/*",
        ]
    )
