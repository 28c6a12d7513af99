"""AWS clients, made once per container and reused by every request it serves.

boto3 is imported on first use, not at import time: the authorizer shares app.py
with the API handler and, on stages that keep their secret in the environment, must
not pay boto3's import on its cold start.

A stage with LOCAL_ONLY=true in its configuration (the local stage) reaches emulators on
loopback only, never AWS: each client is pointed at its service's emulator, and with none
set the request is a 503 that says how to start one (errors.NoEmulator). Deployed stages
pay one environment read per container for it. LOCAL_ONLY and boto3's own variables are
read here, not in chalicelib.settings: settings imports this module (through
chalicelib.identity), so this one cannot import settings.
"""

import os
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from chalicelib.errors import NoEmulator

# The services chalicelib calls; tools/deploy/iam.py grants each one's actions.
Service = Literal["dynamodb", "ssm"]

# A connection is made within CONNECT, and each read of an answer brings bytes within READ.
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
# Bounded retries with backoff, and timeouts short enough that the worst case, 3 x (1 s
# connect + 3 s read) plus at most 3 s of backoff = 15 s, ends inside the functions'
# 20 s timeout: an outage becomes the app's 503 with Retry-After, not a Lambda timeout.
# (An answer that trickles in never times a read out: chalicelib.deadline ends it.)
# Standard mode's retry quota stays, a circuit breaker per container: see
# docs/operations.md, "Retries and botocore's retry quota".
_CLIENT_OPTIONS: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "read_timeout": READ_TIMEOUT_SECONDS,
}
# What is this machine's own: nothing else can answer there (a JWKS over http, an emulator).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# What a LOCAL_ONLY stage's clients sign with when the environment has no credentials:
# an emulator takes any.
_EMULATOR_CREDENTIALS: dict[str, str | None] = {
    "aws_access_key_id": "local",
    "aws_secret_access_key": "local",
}


@cache
def client(service: Service) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(**_CLIENT_OPTIONS), **_location(service))


def _location(service: Service) -> dict[str, Any]:
    """Nothing to add, where boto3 finds AWS; on a LOCAL_ONLY stage the service's emulator,
    given explicitly so that no other configuration can send the client elsewhere."""
    if not local_only():
        return {}
    endpoint = _variable(f"AWS_ENDPOINT_URL_{service.upper()}") or _variable("AWS_ENDPOINT_URL")
    if endpoint is None or not on_loopback(endpoint):
        raise NoEmulator(service)
    region = _variable("AWS_DEFAULT_REGION") or "us-east-1"
    return {"endpoint_url": endpoint, "region_name": region, **_emulator_credentials()}


def _emulator_credentials() -> dict[str, str | None]:
    """The environment's credentials, else fixed ones, given explicitly: then no credential
    chain is searched (nor the instance metadata endpoint it ends with)."""
    key = _variable("AWS_ACCESS_KEY_ID")
    if key is None:
        return _EMULATOR_CREDENTIALS
    return {
        "aws_access_key_id": key,
        "aws_secret_access_key": _variable("AWS_SECRET_ACCESS_KEY"),
        "aws_session_token": _variable("AWS_SESSION_TOKEN"),
    }


def local_only(environment: Mapping[str, str] | None = None) -> bool:
    """Whether the stage, by its environment (this process's unless given), reaches
    emulators on loopback only."""
    value = (os.environ if environment is None else environment).get("LOCAL_ONLY", "")
    # Anything but unset or "false" keeps the guard on: a mistyped value must not open AWS.
    return value.strip().lower() not in ("", "false")


def _variable(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def on_loopback(url: str) -> bool:
    """Whether url is http(s) on this machine's loopback."""
    # Imported here: boto3 has loaded it, and only OIDC stages' settings need it otherwise.
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and parsed.hostname in LOOPBACK_HOSTS
