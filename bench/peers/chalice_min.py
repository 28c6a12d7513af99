"""Peer: the smallest Chalice app making the same DynamoDB calls as todo-api's routes.

No validation, no logs, no metrics, no error mapping: Chalice's routing and its
Request/Response around one boto3 call each. The warm path's baseline for "our own time".
"""

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import requests_like_ours as calls
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


@app.route("/todos/{todo_id}", methods=["GET"])
def get_todo(todo_id: str) -> Any:
    found = dynamodb.get_item(**calls.get_item(TABLE, _owner(), todo_id))
    if "Item" not in found:
        raise NotFoundError(todo_id)
    return found["Item"]


@app.route("/todos", methods=["GET"])
def list_todos() -> Any:
    found = dynamodb.query(**calls.query(TABLE, _owner()))
    return found["Items"]


@app.route("/todos", methods=["POST"])
def create_todo() -> Response:
    request = _request()
    now = datetime.now(UTC).isoformat()
    item = {
        **calls.key(_owner(), str(uuid.uuid4())),
        "text": {"S": request.json_body["text"]},
        "checked": {"BOOL": False},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "version": {"N": "1"},
    }
    dynamodb.put_item(**calls.put_item(TABLE, item))
    return Response(body=item, status_code=201)


@app.route("/todos/{todo_id}", methods=["PUT"])
def update_todo(todo_id: str) -> Any:
    request = _request()
    now = datetime.now(UTC).isoformat()
    checked = request.json_body["checked"]
    found = dynamodb.update_item(**calls.update_item(TABLE, _owner(), todo_id, checked, now))
    return found["Attributes"]


handler = app
