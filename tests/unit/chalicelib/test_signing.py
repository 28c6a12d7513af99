"""The signing secret: from the stage environment, or an SSM SecureString read once."""

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import signing
from chalicelib.errors import ConfigurationError
from chalicelib.settings import TokenSettings
from tests.support.stages import DEV, DEV_SECRET, LOCAL
from tests.support.tokens import claims, list_with, signed


def test_settings_without_a_secret_source_are_a_configuration_error():
    neither = TokenSettings(issuer="i", audience="a", secret=None, secret_parameter=None)
    with pytest.raises(ConfigurationError):
        signing.signing_secret(neither)


class TestSecretFromSsm:
    PARAMETER = DEV["JWT_SECRET_PARAMETER"]
    SECRET = DEV_SECRET

    @pytest.fixture
    def dev_client(self, dev_stage):
        with Client(app, stage_name="dev") as client:
            yield client

    @staticmethod
    def dev_token(key):
        return signed(claims(iss="todo-api-dev"), key=key)

    def test_the_dev_stage_verifies_with_the_parameters_secret(self, dev_client):
        ok = list_with(dev_client, f"Bearer {self.dev_token(self.SECRET)}")
        assert ok.status_code == 200
        local = list_with(dev_client, f"Bearer {self.dev_token(LOCAL['JWT_SECRET'])}")
        assert local.status_code == 403

    def test_the_secret_is_read_once_per_container(self, dev_client):
        token = f"Bearer {self.dev_token(self.SECRET)}"
        assert list_with(dev_client, token).status_code == 200
        boto3.client("ssm").delete_parameter(Name=self.PARAMETER)
        assert list_with(dev_client, token).status_code == 200
        assert signing._parameter_value.cache_info().misses == 1

    def test_the_parameter_is_read_with_decryption(self, dev_stage):
        settings = TokenSettings(
            issuer="i", audience="a", secret=None, secret_parameter=self.PARAMETER
        )
        assert signing.signing_secret(settings) == self.SECRET
