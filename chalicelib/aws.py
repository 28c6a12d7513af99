"""AWS clients, made once per container and reused by every request it serves.

boto3 is imported on first use, not at import time: the authorizer shares app.py
with the API handler and, on stages that keep their secret in the environment, must
not pay boto3's import on its cold start.
"""

from functools import cache
from typing import Any

# Bounded retries with backoff, and timeouts well inside the Lambda's own.
_CLIENT_OPTIONS: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": 2,
    "read_timeout": 5,
}


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(**_CLIENT_OPTIONS))
