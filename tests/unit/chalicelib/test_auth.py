"""The JWT authorizer: through the HTTP surface, and its secret loading against moto."""

import logging

import pytest

from tests.support.stages import LOCAL
from tests.support.tokens import NOW, REJECTED, claims, list_with, signed


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


def test_a_date_that_is_not_a_number_is_logged_as_the_reason(client, caplog):
    token = signed(claims(exp=str(NOW + 600)))
    with caplog.at_level(logging.INFO):
        assert list_with(client, f"Bearer {token}").status_code == 403
    assert "rejected a bearer token: DateNotNumeric" in caplog.text
    assert token not in caplog.text
