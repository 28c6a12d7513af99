"""The JWT authorizer: through the HTTP surface, and its secret loading against moto."""

import base64
import json
import logging
import time

import jwt
import pytest

from tests.conftest import LOCAL

NOW = int(time.time())


def claims(**overrides):
    base = {
        "sub": "alice",
        "iss": LOCAL["JWT_ISSUER"],
        "aud": LOCAL["JWT_AUDIENCE"],
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 600,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload, key=LOCAL["JWT_SECRET"], algorithm="HS256", headers=None):
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def unsigned(payload):
    """A token with alg "none": a forger's favourite."""

    def segment(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(payload)}."


def list_with(client, authorization):
    return client.http.get("/todos", headers={"Authorization": authorization})


def test_a_valid_token_is_accepted(client):
    assert list_with(client, f"Bearer {signed(claims())}").status_code == 200


def test_the_bearer_scheme_is_case_insensitive(client):
    assert list_with(client, f"bearer {signed(claims())}").status_code == 200


def test_a_token_without_nbf_or_iat_is_accepted(client):
    assert list_with(client, f"Bearer {signed(claims(nbf=None, iat=None))}").status_code == 200


def test_the_principal_is_the_tokens_subject(client):
    token = signed(claims(sub="carol"))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created = client.http.post("/todos", headers=headers, body=b'{"text": "mine"}').json_body
    other = signed(claims(sub="dave"))
    path = f"/todos/{created['todoId']}"
    assert client.http.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.http.get(path, headers={"Authorization": f"Bearer {other}"}).status_code == 404


def test_a_missing_authorization_header_is_401(client):
    response = client.http.get("/todos")
    assert response.status_code == 401


# JSON can spell it ("\\ud800"); no UTF-8 store can hold it.
LONE_SURROGATE = "alice\ud800"
REJECTED = {
    "expired": lambda: f"Bearer {signed(claims(exp=NOW - 120))}",
    "not yet valid": lambda: f"Bearer {signed(claims(nbf=NOW + 600))}",
    "signed with another key": lambda: f"Bearer {signed(claims(), key='x' * 48)}",
    "alg none": lambda: f"Bearer {unsigned(claims())}",
    "alg none, signature kept": lambda: (
        "Bearer " + unsigned(claims()) + signed(claims()).rsplit(".", 1)[1]
    ),
    "HS512": lambda: f"Bearer {signed(claims(), algorithm='HS512')}",
    "wrong issuer": lambda: f"Bearer {signed(claims(iss='someone-else'))}",
    "wrong audience": lambda: f"Bearer {signed(claims(aud='another-api'))}",
    "no expiry": lambda: f"Bearer {signed(claims(exp=None))}",
    "no subject": lambda: f"Bearer {signed(claims(sub=None))}",
    "empty subject": lambda: f"Bearer {signed(claims(sub=''))}",
    "overlong subject": lambda: f"Bearer {signed(claims(sub='s' * 257))}",
    "non-string subject": lambda: f"Bearer {signed(claims(sub=42))}",
    "subject not valid Unicode": lambda: f"Bearer {signed(claims(sub=LONE_SURROGATE))}",
    "expires in ten years": lambda: f"Bearer {signed(claims(exp=NOW + 10 * 365 * 86_400))}",
    "no issuer": lambda: f"Bearer {signed(claims(iss=None))}",
    "no audience": lambda: f"Bearer {signed(claims(aud=None))}",
    "malformed": lambda: "Bearer not.a.token",
    "garbage": lambda: "Bearer %%%",
    "two segments": lambda: "Bearer abc.def",
    "not bearer": lambda: f"Basic {signed(claims())}",
    "bearer without token": lambda: "Bearer ",
    "bare token": lambda: signed(claims()),
    "header not JSON": lambda: "Bearer bm90IGpzb24.e30.c2ln",
}


@pytest.mark.parametrize("make_header", REJECTED.values(), ids=REJECTED.keys())
def test_an_invalid_token_is_403_and_touches_nothing(client, dynamodb, make_header):
    response = client.http.post(
        "/todos", headers={"Authorization": make_header()}, body=b'{"text": "forged"}'
    )
    assert response.status_code == 403
    assert dynamodb.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0


def test_a_token_may_live_up_to_a_day(client):
    assert list_with(client, f"Bearer {signed(claims(exp=NOW + 86_400))}").status_code == 200


def test_tokens_never_reach_the_logs(client, caplog):
    token = signed(claims(exp=NOW - 120))
    with caplog.at_level(logging.DEBUG):
        list_with(client, f"Bearer {token}")
    assert "rejected a bearer token: ExpiredSignatureError" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text
