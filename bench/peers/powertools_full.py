# mypy: disable-error-code="import-not-found,untyped-decorator,no-any-return"
# (Its framework is installed in its own virtualenv under build/peers/, not in .venv.)
"""Peer: Powertools' REST resolver with its Logger and Metrics, as todo-api's telemetry:
one structured log line per request (Lambda context injected, cold start flagged) and
EMF metrics (Requests, Latency and Powertools' ColdStart)."""

import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit

app = APIGatewayRestResolver()
logger = Logger(service="peer-powertools")
metrics = Metrics(namespace="Bench", service="peer-powertools")
dynamodb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str) -> Any:
    owner = app.current_event.request_context.authorizer.principal_id
    key = {"ownerId": {"S": owner}, "todoId": {"S": todo_id}}
    found = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
    if "Item" not in found:
        raise NotFoundError(todo_id)
    return found["Item"]


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    answer = app.resolve(event, context)
    latency_ms = (time.perf_counter() - started) * 1000
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    logger.info(
        "request",
        extra={"route": event["resource"], "status": answer["statusCode"], "latencyMs": latency_ms},
    )
    return answer
