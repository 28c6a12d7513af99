"""AWS clients, made once per container and reused by every request it serves.

boto3 is imported on first use, not at import time: the authorizer shares app.py
with the API handler and, on stages that keep their secret in the environment, must
not pay boto3's import on its cold start.
"""

from functools import cache
from typing import Any, Literal

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


@cache
def client(service: Service) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(**_CLIENT_OPTIONS))
