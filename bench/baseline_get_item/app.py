"""Baseline: the smallest Chalice app reading one todo with one DynamoDB GetItem."""

import os
from typing import Any

import boto3
from chalice import Chalice, NotFoundError

app = Chalice(app_name="baseline-get-item")
dynamodb = boto3.client("dynamodb")


@app.route("/todos/{todo_id}", methods=["GET"])
def get_todo(todo_id: str) -> dict[str, Any]:
    owner = app.current_request.context["authorizer"]["principalId"]
    response = dynamodb.get_item(
        TableName=os.environ["TABLE_NAME"],
        Key={"ownerId": {"S": owner}, "todoId": {"S": todo_id}},
        ConsistentRead=True,
    )
    if "Item" not in response:
        raise NotFoundError(todo_id)
    item: dict[str, Any] = response["Item"]
    return item
