"""chalicelib.identity: the stage's user pool, as `make provision` publishes it in SSM."""

import boto3
import pytest

from chalicelib import aws, identity, settings
from chalicelib.errors import ConfigurationError
from tests.support.identity import OIDC_VARIABLES

NAME = "/todo-api/prod/oidc"
POOL = identity.PublishedPool(
    issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example", client_id="abc123"
)


@pytest.fixture
def ssm(mocked_aws):
    identity.published_pool.cache_clear()
    yield boto3.client("ssm")
    identity.published_pool.cache_clear()


def test_the_published_pool_is_read_back_as_it_was_written(ssm):
    ssm.put_parameter(Name=NAME, Value=identity.parameter_value(POOL), Type="String")
    assert identity.published_pool(NAME) == POOL


def test_the_parameter_is_read_once_per_container(ssm):
    ssm.put_parameter(Name=NAME, Value=identity.parameter_value(POOL), Type="String")
    calls = []
    aws.client("ssm").meta.events.register(
        "before-call.ssm.*", lambda model, **_: calls.append(model.name)
    )
    for _ in range(3):
        assert identity.published_pool(NAME) == POOL
    assert calls == ["GetParameter"]
    assert {f"ssm:{call}" for call in calls} == identity.IAM_ACTIONS


@pytest.mark.parametrize(
    "value", ["not json", "[]", '{"issuer": "https://x"}', '{"issuer": "", "client_id": "a"}']
)
def test_a_parameter_without_the_pools_ids_is_a_configuration_error(ssm, value):
    ssm.put_parameter(Name=NAME, Value=value, Type="String")
    with pytest.raises(ConfigurationError, match="holds no issuer and client_id"):
        identity.published_pool(NAME)


def test_the_stage_settings_name_the_published_pool_as_the_issuer(ssm, monkeypatch):
    ssm.put_parameter(Name=NAME, Value=identity.parameter_value(POOL), Type="String")
    for variable in OIDC_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OIDC_SETTINGS_PARAMETER", NAME)
    oidc = settings.oidc_settings()
    assert oidc is not None
    assert (oidc.issuer, oidc.client_id, oidc.audience) == (POOL.issuer, POOL.client_id, None)
    assert oidc.jwks_url == POOL.issuer + "/.well-known/jwks.json"


@pytest.mark.parametrize("other", ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_AUDIENCE"])
def test_the_parameter_and_ids_of_its_own_are_never_both_set(monkeypatch, other):
    monkeypatch.setenv("OIDC_SETTINGS_PARAMETER", NAME)
    monkeypatch.setenv(other, "https://issuer.example.com/")
    with pytest.raises(ConfigurationError, match=f"or {other}, not both"):
        settings.oidc_settings()
