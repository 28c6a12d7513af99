"""AWS clients, made once per container and reused by every request it serves.

boto3 is imported on first use, not at import time: the authorizer shares app.py
with the API handler and, on stages that keep their secret in the environment, must
not pay boto3's import on its cold start.
"""

from functools import cache
from typing import Any, Literal

# The services chalicelib calls; tools/deploy/iam.py grants each one's actions.
Service = Literal["dynamodb", "ssm"]

# Bounded retries with backoff, and timeouts short enough that the worst case, 3 x (1 s
# connect + 3 s read) plus at most 3 s of backoff = 15 s, ends inside the functions'
# 20 s timeout: an outage becomes the app's 503 with Retry-After, not a Lambda timeout.
_CLIENT_OPTIONS: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": 1,
    "read_timeout": 3,
}


@cache
def client(service: Service) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(**_CLIENT_OPTIONS))
