"""End to end with Amazon Cognito as moto emulates it: a user pool issues the tokens.

moto signs Cognito tokens with RS256 and publishes the key at
`<endpoint>/<pool id>/.well-known/jwks.json`. Under `mock_aws` that URL is only
intercepted for botocore and `requests`, not for the urllib the authorizer fetches
keys with, so the pool lives in moto's server on 127.0.0.1 (tools.local.emulator) and the
stage names that JWKS URL explicitly. Everything else is as in AWS: the issuer
`https://cognito-idp.<region>.amazonaws.com/<pool id>`, access tokens with
`client_id` and `token_use`, no `aud`.
"""

import logging

import boto3
import pytest

from chalicelib import jwks
from tests.support.identity import OIDC_VARIABLES, FakeClock, bearer
from tools.local.emulator import Emulator

# Moto's Cognito runs as a server on 127.0.0.1.
REGION = "us-east-1"
PASSWORD = "Correct-horse-battery-staple-1"


class UserPool:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=REGION)
        self.id = self.idp.create_user_pool(PoolName="todo-users")["UserPool"]["Id"]
        self.client_id = self.app_client("todo-web")

    def app_client(self, name: str) -> str:
        created = self.idp.create_user_pool_client(
            UserPoolId=self.id, ClientName=name, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
        )
        return created["UserPoolClient"]["ClientId"]

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.id}/.well-known/jwks.json"

    def sign_up(self, username: str) -> str:
        """Creates a confirmed user; returns their sub."""
        self.idp.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(
            UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True
        )
        user = self.idp.admin_get_user(UserPoolId=self.id, Username=username)
        return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")

    def sign_in(self, username: str, client_id: str | None = None) -> dict[str, str]:
        result = self.idp.admin_initiate_auth(
            UserPoolId=self.id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_NO_SRP_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return result["AuthenticationResult"]


@pytest.fixture
def pool(monkeypatch):
    emulator = Emulator()
    emulator.start()
    monkeypatch.setattr(jwks, "monotonic", FakeClock())
    jwks.signing_keys.cache_clear()
    try:
        user_pool = UserPool(emulator.endpoint)
        for name in OIDC_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OIDC_ISSUER", user_pool.issuer)
        monkeypatch.setenv("OIDC_CLIENT_ID", user_pool.client_id)
        monkeypatch.setenv("OIDC_JWKS_URL", user_pool.jwks_url)
        yield user_pool
    finally:
        emulator.stop()
        jwks.signing_keys.cache_clear()


def test_a_cognito_access_token_works_end_to_end(client, pool):
    pool.sign_up("alice@example.com")
    access = pool.sign_in("alice@example.com")["AccessToken"]
    created = client.http.post("/todos", headers=bearer(access), body=b'{"text": "from Cognito"}')
    assert created.status_code == 201
    listed = client.http.get("/todos", headers=bearer(access))
    assert [todo["text"] for todo in listed.json_body] == ["from Cognito"]
    assert client.http.get("/todos", headers=bearer(access)).status_code == 200
    # The owner is the Cognito user's sub: another user of the pool sees nothing.
    pool.sign_up("bob@example.com")
    bob = pool.sign_in("bob@example.com")["AccessToken"]
    path = f"/todos/{created.json_body['todoId']}"
    assert client.http.get(path, headers=bearer(bob)).status_code == 404
    assert client.http.get(path, headers=bearer(access)).status_code == 200


def test_an_id_token_is_not_an_access_token(client, pool):
    pool.sign_up("carol@example.com")
    tokens = pool.sign_in("carol@example.com")
    assert client.http.get("/todos", headers=bearer(tokens["IdToken"])).status_code == 403


def test_a_token_for_another_app_client_is_rejected(client, pool):
    pool.sign_up("dave@example.com")
    other = pool.app_client("another-app")
    access = pool.sign_in("dave@example.com", client_id=other)["AccessToken"]
    assert client.http.get("/todos", headers=bearer(access)).status_code == 403


def test_the_pools_default_scope_grants_nothing_when_scopes_are_required(client, pool, monkeypatch):
    pool.sign_up("erin@example.com")
    access = pool.sign_in("erin@example.com")["AccessToken"]  # aws.cognito.signin.user.admin
    monkeypatch.setenv("REQUIRE_SCOPES", "true")
    assert client.http.get("/todos", headers=bearer(access)).status_code == 403


def test_the_keys_are_fetched_from_the_pool_once(client, pool, caplog):
    pool.sign_up("frank@example.com")
    access = pool.sign_in("frank@example.com")["AccessToken"]
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert client.http.get("/todos", headers=bearer(access)).status_code == 200
    served = [m for m in caplog.messages if f"GET /{pool.id}/.well-known/jwks.json" in m]
    fetched = [r.getMessage() for r in caplog.records if r.name == "chalicelib.jwks"]
    assert len(served) == 1
    assert fetched == [f"fetched 1 signing keys from {pool.jwks_url}"]
