"""todo-api itself, as the warm-path benchmarks drive a peer: `handler` and `dynamodb`."""

from typing import Any

from app import app
from chalicelib import aws

handler = app
# The container's shared client, made as the app makes it (its retries and timeouts).
dynamodb = aws.client("dynamodb")


def set_dynamodb(client: Any) -> None:
    """Has the store use client instead of the real one."""
    aws.client = lambda service: client  # type: ignore[assignment]
