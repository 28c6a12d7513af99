"""Scopes, on a stage with REQUIRE_SCOPES: GET needs todos/read, POST, PUT and DELETE
need todos/write. The authorizer's policy lists what the token may call, so the
gateway itself answers 403 for the rest."""

import uuid

import pytest
from chalice import AuthResponse
from chalice.app import AuthRequest
from chalice.local import ARNMatcher, LocalARNBuilder

from app import app
from chalicelib import auth
from chalicelib.errors import ConfigurationError
from tests.support.identity import bearer
from tests.support.tokens import claims as hs256_claims
from tests.support.tokens import signed as hs256_signed

READ, WRITE = auth.READ_SCOPE, auth.WRITE_SCOPE


def test_hs256_tokens_need_scopes_too_on_such_a_stage(client, monkeypatch):
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    assert (
        client.http.get("/todos", headers=bearer(hs256_signed(hs256_claims()))).status_code == 403
    )
    scoped = hs256_signed(hs256_claims(scope=READ))
    assert client.http.get("/todos", headers=bearer(scoped)).status_code == 200


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
