"""Scopes with an OIDC issuer whose JWKS is served on 127.0.0.1: each route needs its
scope on a stage with REQUIRE_SCOPES, none unless the stage says so."""

import logging

import pytest

from chalicelib import auth
from tests.support.identity import bearer, oidc_issuer, oidc_token

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


@pytest.mark.parametrize(("claims", "expected"), GRANTS.values(), ids=GRANTS.keys())
def test_each_route_needs_its_scope(client, todo_path, claims, expected):
    assert statuses(client, oidc_token(**claims), todo_path) == expected


def test_scopes_are_not_checked_unless_the_stage_says_so(client, todo_path, monkeypatch):
    monkeypatch.delenv("REQUIRE_SCOPES")
    assert statuses(client, oidc_token(), todo_path) == EVERYTHING


def test_public_routes_need_no_token_at_all(client, issuer):
    assert client.http.get("/health").status_code == 200
    assert client.http.get("/openapi.json").status_code == 200


def test_a_token_without_scopes_is_logged_as_such(client, issuer, caplog):
    with caplog.at_level(logging.INFO):
        client.http.get("/todos", headers=bearer(oidc_token(scope="openid")))
    assert f"rejected a bearer token: no {READ} or {WRITE} scope" in caplog.text
