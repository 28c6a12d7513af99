"""A stage's user pool in moto's server on 127.0.0.1, end to end: the authorizer fetches
the pool's JWKS with urllib, which mock_aws does not intercept
(tests/integration/chalicelib/test_cognito.py). The local pool, and a provisioned one
reached through its parameter."""

import boto3
import pytest
from chalice.app import AuthRequest

from chalicelib import auth, identity, jwks
from tests.support.identity import OIDC_VARIABLES, FakeClock, pool_id
from tools.deploy import user_pool
from tools.deploy.stage import deployed_stage
from tools.local import user_pool as local_user_pool
from tools.local.emulator import Emulator

PROD = deployed_stage("prod")


# moto's account, where the pool is made.
PROD_POOL = user_pool.definition(PROD, "123456789012")


PARAMETER = PROD.function_environment("jwt_auth")["OIDC_SETTINGS_PARAMETER"]


PASSWORD = "Correct-horse-battery-staple-1"


ARN = "arn:aws:execute-api:us-east-1:123456789012:api-id/api/GET/todos"


@pytest.fixture
def server(monkeypatch):
    emulator = Emulator()
    emulator.start()
    monkeypatch.setattr(jwks, "monotonic", FakeClock())
    jwks.signing_keys.cache_clear()
    for name in (*OIDC_VARIABLES, "OIDC_SETTINGS_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield emulator.endpoint
    finally:
        emulator.stop()
        jwks.signing_keys.cache_clear()
        identity.published_pool.cache_clear()


def sign_in(pool: local_user_pool.LocalPool, email: str, client_id: str | None = None) -> str:
    result = pool.idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=client_id or pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return str(result["AuthenticationResult"]["AccessToken"])


def authorized(token: str) -> str:
    """The principal the authorizer names for this token ("unauthenticated": refused)."""
    return str(auth.authorize(AuthRequest("TOKEN", f"Bearer {token}", ARN)).principal_id)


def use_environment(monkeypatch, variables):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_the_local_pool_is_made_once_and_its_users_tokens_are_accepted(server, monkeypatch):
    pool = local_user_pool.local_pool(server, "http://127.0.0.1:8001")
    again = local_user_pool.local_pool(server, "http://127.0.0.1:8001")
    assert (again.pool_id, again.client_id) == (pool.pool_id, pool.client_id)
    assert len(pool.idp.list_user_pools(MaxResults=60)["UserPools"]) == 1
    client = pool.idp.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    assert client["UserPoolClient"]["CallbackURLs"] == ["http://127.0.0.1:8001/"]
    assert client["UserPoolClient"]["LogoutURLs"] == ["http://127.0.0.1:8001/"]

    subject = pool.add_user("alice@example.com", PASSWORD)
    assert pool.add_user("alice@example.com", PASSWORD) == subject
    use_environment(monkeypatch, pool.environment())

    assert authorized(sign_in(pool, "alice@example.com")) == subject


def test_a_token_from_another_pool_or_another_client_is_refused(server, monkeypatch):
    pool = local_user_pool.local_pool(server, "http://127.0.0.1:8001")
    other_pool = local_user_pool.local_pool(
        server, "http://127.0.0.1:8001", prefix="todo-api-other"
    )
    for each in (pool, other_pool):
        each.add_user("bob@example.com", PASSWORD)
    other_client = pool.idp.create_user_pool_client(
        UserPoolId=pool.pool_id, ClientName="another-app"
    )["UserPoolClient"]["ClientId"]
    use_environment(monkeypatch, pool.environment())

    assert authorized(sign_in(pool, "bob@example.com")) != "unauthenticated"
    # moto signs every pool's tokens with one key: the issuer is what tells them apart.
    assert authorized(sign_in(other_pool, "bob@example.com")) == "unauthenticated"
    assert authorized(sign_in(pool, "bob@example.com", other_client)) == "unauthenticated"


def test_a_provisioned_pool_reaches_the_authorizer_through_its_parameter(
    server, mocked_aws, monkeypatch
):
    idp = boto3.client("cognito-idp", endpoint_url=server, region_name="us-east-1")
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    user_pool.publish(boto3.client("ssm"), PARAMETER, published, PROD.tags)
    pool = local_user_pool.LocalPool(
        server, pool_id(published), published.client_id, "us-east-1", idp
    )
    subject = pool.add_user("carol@example.com", PASSWORD)
    use_environment(
        monkeypatch,
        {
            "OIDC_SETTINGS_PARAMETER": PARAMETER,
            # The JWKS is moto's, on loopback; issuer and client id come from SSM.
            "OIDC_JWKS_URL": f"{server}/{pool.pool_id}/.well-known/jwks.json",
        },
    )
    identity.published_pool.cache_clear()

    assert authorized(sign_in(pool, "carol@example.com")) == subject
