"""Peer: the smallest Chalice app making the same DynamoDB calls as todo-api's routes.

No validation, no logs, no metrics, no error mapping: Chalice's routing and its
Request/Response around one boto3 call each. The warm path's baseline for "our own time".
"""

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from chalice import Chalice, NotFoundError, Response
from chalice.app import Request

app = Chalice(app_name="peer-chalice")
dynamodb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


def _request() -> Request:
    request = app.current_request
    if request is None:
        raise RuntimeError("a view ran outside of a request")
    return request


def _owner() -> str:
    principal: str = _request().context["authorizer"]["principalId"]
    return principal


def _key(owner: str, todo_id: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner}, "todoId": {"S": todo_id}}


@app.route("/todos/{todo_id}", methods=["GET"])
def get_todo(todo_id: str) -> Any:
    found = dynamodb.get_item(TableName=TABLE, Key=_key(_owner(), todo_id), ConsistentRead=True)
    if "Item" not in found:
        raise NotFoundError(todo_id)
    return found["Item"]


@app.route("/todos", methods=["GET"])
def list_todos() -> Any:
    found = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="ownerId = :owner",
        ExpressionAttributeValues={":owner": {"S": _owner()}},
        Limit=51,
    )
    return found["Items"]


@app.route("/todos", methods=["POST"])
def create_todo() -> Response:
    request = _request()
    now = datetime.now(UTC).isoformat()
    item = {
        **_key(_owner(), str(uuid.uuid4())),
        "text": {"S": request.json_body["text"]},
        "checked": {"BOOL": False},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "version": {"N": "1"},
    }
    dynamodb.put_item(TableName=TABLE, Item=item)
    return Response(body=item, status_code=201)


@app.route("/todos/{todo_id}", methods=["PUT"])
def update_todo(todo_id: str) -> Any:
    request = _request()
    found = dynamodb.update_item(
        TableName=TABLE,
        Key=_key(_owner(), todo_id),
        UpdateExpression="SET checked = :checked, version = version + :one",
        ExpressionAttributeValues={
            ":checked": {"BOOL": request.json_body["checked"]},
            ":one": {"N": "1"},
        },
        ReturnValues="ALL_NEW",
    )
    return found["Attributes"]


handler = app
