# mypy: disable-error-code="import-not-found,untyped-decorator,no-any-return"
# (Its framework is installed in its own virtualenv under build/peers/, not in .venv.)
"""Peer: AWS Lambda Powertools' REST resolver, GET /todos/{id} with one GetItem."""

import os
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

app = APIGatewayRestResolver()
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


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
