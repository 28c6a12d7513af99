"""The one place that reads configuration from the environment.

Chalice's test client applies a stage's environment variables only while a request
runs, so settings are read when asked for, never at import time.
"""

import os
from dataclasses import dataclass


class ConfigurationError(RuntimeError):
    """A setting the stage must define is missing."""


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


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str
    # Exactly one of the two: the secret itself (local stage) or the name of the
    # SSM SecureString parameter holding it (deployed stages).
    secret: str | None
    secret_parameter: str | None


def table_name() -> str:
    return _required("TABLE_NAME")


def token_settings() -> TokenSettings:
    settings = TokenSettings(
        issuer=_required("JWT_ISSUER"),
        audience=_required("JWT_AUDIENCE"),
        secret=_optional("JWT_SECRET"),
        secret_parameter=_optional("JWT_SECRET_PARAMETER"),
    )
    if (settings.secret is None) == (settings.secret_parameter is None):
        raise ConfigurationError("set exactly one of JWT_SECRET and JWT_SECRET_PARAMETER")
    return settings


def cors_allow_origin() -> str:
    """The origin browsers may call from.

    Unlike the other settings this one is read when app.py is imported: API Gateway
    answers CORS preflight requests itself, from what Chalice saw at deploy time.
    """
    return _required("CORS_ALLOW_ORIGIN")
