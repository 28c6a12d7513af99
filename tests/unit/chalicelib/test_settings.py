"""Settings come from the environment when asked for, and missing ones are named."""

import pytest

from chalicelib import settings
from chalicelib.errors import ConfigurationError


@pytest.fixture
def token_env(monkeypatch):
    for name in ("JWT_ISSUER", "JWT_AUDIENCE", "JWT_SECRET", "JWT_SECRET_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_ISSUER", "issuer")
    monkeypatch.setenv("JWT_AUDIENCE", "audience")
    return monkeypatch


def test_settings_are_read_when_asked_for_not_at_import(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "first")
    assert settings.table_name() == "first"
    settings.forget_kept()
    monkeypatch.setenv("TABLE_NAME", "second")
    assert settings.table_name() == "second"


@pytest.mark.parametrize("setting", [settings.table_name, settings.telemetry_settings])
def test_what_every_request_reads_is_kept_for_the_containers_life(monkeypatch, setting):
    names = ("TABLE_NAME", "METRICS_NAMESPACE", "STAGE")
    for name in names:
        monkeypatch.setenv(name, "first")
    first = setting()
    for name in names:
        monkeypatch.setenv(name, "second")
    assert setting() == first
    settings.forget_kept()
    assert setting() != first


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_setting_names_the_variable(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("TABLE_NAME", raising=False)
    else:
        monkeypatch.setenv("TABLE_NAME", value)
    with pytest.raises(ConfigurationError, match="TABLE_NAME"):
        settings.table_name()


def test_a_secret_in_the_environment_is_used_as_is(token_env):
    token_env.setenv("JWT_SECRET", "s3cret")
    assert settings.token_settings() == settings.TokenSettings(
        issuer="issuer", audience="audience", secret="s3cret", secret_parameter=None
    )


def test_a_secret_parameter_names_the_ssm_parameter(token_env):
    token_env.setenv("JWT_SECRET_PARAMETER", "/todo-api/dev/jwt-secret")
    assert settings.token_settings().secret_parameter == "/todo-api/dev/jwt-secret"


def test_both_secret_sources_at_once_are_refused(token_env):
    token_env.setenv("JWT_SECRET", "s3cret")
    token_env.setenv("JWT_SECRET_PARAMETER", "/todo-api/dev/jwt-secret")
    with pytest.raises(ConfigurationError, match="exactly one"):
        settings.token_settings()


def test_no_secret_source_is_refused(token_env):
    with pytest.raises(ConfigurationError, match="exactly one"):
        settings.token_settings()
