"""A stage's OIDC settings: read from the environment when asked for, mistakes refused."""

import pytest

from chalicelib import settings
from chalicelib.errors import ConfigurationError
from tests.support.identity import OIDC_VARIABLES

COGNITO = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"


@pytest.fixture
def env(monkeypatch):
    for name in OIDC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_stage_without_an_issuer_is_an_hs256_stage(env):
    assert settings.oidc_settings() is None
    assert settings.require_scopes() is False


@pytest.mark.parametrize(
    "name", ["OIDC_AUDIENCE", "OIDC_CLIENT_ID", "OIDC_JWKS_URL", "ACCEPT_HS256_WITH_OIDC"]
)
def test_oidc_settings_without_an_issuer_are_refused(env, name):
    env.setenv(name, "https://x.example/jwks.json" if name == "OIDC_JWKS_URL" else "true")
    with pytest.raises(ConfigurationError, match=f"{name} set without OIDC_ISSUER"):
        settings.oidc_settings()


def test_a_cognito_stage_finds_its_jwks_beside_the_issuer(env):
    env.setenv("OIDC_ISSUER", COGNITO)
    env.setenv("OIDC_CLIENT_ID", "4a1b2c3d4e5f6g7h8i9j0k1l2m")
    assert settings.oidc_settings() == settings.OidcSettings(
        issuer=COGNITO,
        jwks_url=f"{COGNITO}/.well-known/jwks.json",
        audience=None,
        client_id="4a1b2c3d4e5f6g7h8i9j0k1l2m",
        accept_hs256=False,
    )


def test_an_issuer_ending_in_a_slash_keeps_it_and_gets_no_double_slash(env):
    env.setenv("OIDC_ISSUER", "https://tenant.eu.auth0.com/")
    env.setenv("OIDC_AUDIENCE", "https://todo.example.com/api")
    oidc = settings.oidc_settings()
    assert oidc.issuer == "https://tenant.eu.auth0.com/"
    assert oidc.jwks_url == "https://tenant.eu.auth0.com/.well-known/jwks.json"
    assert oidc.audience == "https://todo.example.com/api"


def test_an_explicit_jwks_url_wins(env):
    env.setenv("OIDC_ISSUER", "https://example.okta.com/oauth2/default")
    env.setenv("OIDC_AUDIENCE", "api://todo")
    env.setenv("OIDC_JWKS_URL", "https://example.okta.com/oauth2/default/v1/keys")
    assert settings.oidc_settings().jwks_url == "https://example.okta.com/oauth2/default/v1/keys"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://issuer.example/jwks.json", True),
        ("http://127.0.0.1:8080/jwks.json", True),
        ("http://localhost/jwks.json", True),
        ("http://[::1]:9000/jwks.json", True),
        ("http://issuer.example/jwks.json", False),
        ("http://127.0.0.1.evil.example/jwks.json", False),
        ("http://127.0.0.1@evil.example/jwks.json", False),
        ("file:///etc/jwks.json", False),
        ("ftp://issuer.example/jwks.json", False),
        ("issuer.example/jwks.json", False),
    ],
)
def test_keys_come_over_https_or_from_loopback_only(env, url, allowed):
    env.setenv("OIDC_ISSUER", "https://issuer.example")
    env.setenv("OIDC_AUDIENCE", "todo-api")
    env.setenv("OIDC_JWKS_URL", url)
    if allowed:
        assert settings.oidc_settings().jwks_url == url
    else:
        with pytest.raises(ConfigurationError, match="https"):
            settings.oidc_settings()


def test_a_plain_http_issuer_cannot_supply_the_default_jwks_url(env):
    env.setenv("OIDC_ISSUER", "http://issuer.example")
    env.setenv("OIDC_AUDIENCE", "todo-api")
    with pytest.raises(ConfigurationError, match="https"):
        settings.oidc_settings()


@pytest.mark.parametrize(
    "present", [(), ("OIDC_AUDIENCE", "OIDC_CLIENT_ID")], ids=["neither", "both"]
)
def test_exactly_one_of_audience_and_client_id(env, present):
    env.setenv("OIDC_ISSUER", COGNITO)
    for name in present:
        env.setenv(name, "x")
    with pytest.raises(ConfigurationError, match="exactly one of OIDC_AUDIENCE"):
        settings.oidc_settings()


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("TRUE", True), ("false", False), ("", False)]
)
def test_flags_are_true_or_false(env, value, expected):
    env.setenv("OIDC_ISSUER", COGNITO)
    env.setenv("OIDC_AUDIENCE", "todo-api")
    env.setenv("ACCEPT_HS256_WITH_OIDC", value)
    env.setenv("REQUIRE_SCOPES", value)
    assert settings.oidc_settings().accept_hs256 is expected
    assert settings.require_scopes() is expected


@pytest.mark.parametrize("value", ["yes", "1", "on", "tru"])
def test_anything_else_is_refused(env, value):
    env.setenv("OIDC_ISSUER", COGNITO)
    env.setenv("OIDC_AUDIENCE", "todo-api")
    env.setenv("ACCEPT_HS256_WITH_OIDC", value)
    with pytest.raises(ConfigurationError, match="ACCEPT_HS256_WITH_OIDC"):
        settings.oidc_settings()
