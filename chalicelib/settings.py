"""The one place that reads configuration from the environment (but LOCAL_ONLY, which
chalicelib.aws reads where it makes clients: this module imports that one).

Chalice's test client applies a stage's environment variables only while a request runs, so
settings are read when asked for, never at import time. Those a request asks for on the
warm path (the table, telemetry's, the token settings that key list cursors and verify
tokens) are then kept for the container's life, as Lambda keeps its environment: reading
os.environ on each request cost 15,000 instructions (make bench-instructions). Tests forget
them between tests (tests/conftest.py).
"""

import os
from functools import cache
from typing import NamedTuple

from chalicelib.errors import ConfigurationError


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"environment variable {name} is not set; define it for the stage "
            "in .chalice/config.json"
        )
    return value


def _optional(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def _exactly_one(
    first: str, first_value: str | None, second: str, second_value: str | None
) -> None:
    if (first_value is None) == (second_value is None):
        raise ConfigurationError(f"set exactly one of {first} and {second}")


class TokenSettings(NamedTuple):
    issuer: str
    audience: str
    # Exactly one of the two: the secret itself (local stage) or the name of the
    # SSM SecureString parameter holding it (deployed stages).
    secret: str | None
    secret_parameter: str | None


@cache
def table_name() -> str:
    return _required("TABLE_NAME")


@cache
def token_settings() -> TokenSettings:
    settings = TokenSettings(
        issuer=_required("JWT_ISSUER"),
        audience=_required("JWT_AUDIENCE"),
        secret=_optional("JWT_SECRET"),
        secret_parameter=_optional("JWT_SECRET_PARAMETER"),
    )
    _exactly_one("JWT_SECRET", settings.secret, "JWT_SECRET_PARAMETER", settings.secret_parameter)
    return settings


class OidcSettings(NamedTuple):
    """A stage whose tokens come from an OIDC issuer: RS256/ES256, keys from its JWKS."""

    issuer: str
    jwks_url: str
    # Exactly one of the two: the "aud" tokens must carry, or (Amazon Cognito access
    # tokens, which have no "aud") the app client's id, matched against "client_id".
    audience: str | None
    client_id: str | None
    # Whether HS256 tokens signed with the stage secret are accepted as well.
    accept_hs256: bool


_OIDC_ONLY = ("OIDC_AUDIENCE", "OIDC_CLIENT_ID", "OIDC_JWKS_URL", "ACCEPT_HS256_WITH_OIDC")


def _flag(name: str) -> bool:
    value = (_optional(name) or "false").lower()
    if value not in ("true", "false"):
        raise ConfigurationError(f"environment variable {name} must be true or false")
    return value == "true"


def _jwks_url(issuer: str) -> str:
    # Imported here: urllib.parse costs every cold start ~3 ms, and only OIDC stages need it.
    from urllib.parse import urlparse

    from chalicelib.aws import on_loopback

    url = _optional("OIDC_JWKS_URL") or issuer.rstrip("/") + "/.well-known/jwks.json"
    if urlparse(url).scheme == "https" or on_loopback(url):
        return url
    raise ConfigurationError(
        "the JWKS URL (OIDC_JWKS_URL, or OIDC_ISSUER's) must be https (http only on loopback)"
    )


# What OIDC_SETTINGS_PARAMETER stands for: the pool's issuer and its app client.
_PUBLISHED = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_AUDIENCE")


def _issuer_and_client() -> tuple[str | None, str | None]:
    """OIDC_ISSUER and OIDC_CLIENT_ID, or the pool published in OIDC_SETTINGS_PARAMETER."""
    parameter = _optional("OIDC_SETTINGS_PARAMETER")
    if parameter is None:
        return _optional("OIDC_ISSUER"), _optional("OIDC_CLIENT_ID")
    written = [name for name in _PUBLISHED if _optional(name)]
    if written:
        raise ConfigurationError(f"set OIDC_SETTINGS_PARAMETER or {', '.join(written)}, not both")
    # Imported here: only a stage whose pool is published in SSM reads it (and loads boto3).
    from chalicelib import identity

    pool = identity.published_pool(parameter)
    return pool.issuer, pool.client_id


def oidc_settings() -> OidcSettings | None:
    """The stage's OIDC issuer, or None on a stage that verifies HS256 tokens only."""
    issuer, client_id = _issuer_and_client()
    if issuer is None:
        stray = [name for name in _OIDC_ONLY if _optional(name)]
        if stray:
            raise ConfigurationError(f"{', '.join(stray)} set without OIDC_ISSUER")
        return None
    settings = OidcSettings(
        issuer=issuer,
        jwks_url=_jwks_url(issuer),
        audience=_optional("OIDC_AUDIENCE"),
        client_id=client_id,
        accept_hs256=_flag("ACCEPT_HS256_WITH_OIDC"),
    )
    _exactly_one("OIDC_AUDIENCE", settings.audience, "OIDC_CLIENT_ID", settings.client_id)
    return settings


def require_scopes() -> bool:
    """Whether reads need the scope todos/read and writes todos/write."""
    return _flag("REQUIRE_SCOPES")


def forget_kept() -> None:
    """Has the settings kept per container read again at their next use: for a process
    that stands for several containers, one after another (tests, make cost)."""
    table_name.cache_clear()
    telemetry_settings.cache_clear()
    token_settings.cache_clear()


def cors_allow_origin() -> str:
    """The origin browsers may call from.

    Unlike the other settings this one is read when app.py is imported: API Gateway
    answers CORS preflight requests itself, from what Chalice saw at deploy time.
    """
    return _required("CORS_ALLOW_ORIGIN")


@cache
def telemetry_settings() -> tuple[str, str]:
    """The CloudWatch namespace of the app's metrics, and the stage its logs and metrics name.

    METRICS_NAMESPACE defaults to TodoApi. Set STAGE on every stage: without it, logs and
    metrics say "unknown", which any dashboard shows at once.
    """
    return _optional("METRICS_NAMESPACE") or "TodoApi", _optional("STAGE") or "unknown"
