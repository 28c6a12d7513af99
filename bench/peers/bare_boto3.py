"""Peer: a bare Lambda handler around boto3, no framework: the floor of the warm path.

It routes by API Gateway's resource and method, makes the one DynamoDB call a route
needs, and answers the proxy integration's dict. No validation, no logs, no metrics.
"""

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import requests_like_ours as calls

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


def _answer(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def _get(owner: str, event: dict[str, Any]) -> dict[str, Any]:
    todo_id = event["pathParameters"]["todo_id"]
    found = dynamodb.get_item(**calls.get_item(TABLE, owner, todo_id))
    return _answer(200, found["Item"]) if "Item" in found else _answer(404, {"id": todo_id})


def _list(owner: str, event: dict[str, Any]) -> dict[str, Any]:
    found = dynamodb.query(**calls.query(TABLE, owner))
    return _answer(200, found["Items"])


def _create(owner: str, event: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(event["body"])
    now = datetime.now(UTC).isoformat()
    item = {
        **calls.key(owner, str(uuid.uuid4())),
        "text": {"S": body["text"]},
        "checked": {"BOOL": False},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "version": {"N": "1"},
    }
    dynamodb.put_item(**calls.put_item(TABLE, item))
    return _answer(201, item)


def _update(owner: str, event: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(event["body"])
    now = datetime.now(UTC).isoformat()
    todo_id = event["pathParameters"]["todo_id"]
    found = dynamodb.update_item(**calls.update_item(TABLE, owner, todo_id, body["checked"], now))
    return _answer(200, found["Attributes"])


ROUTES = {
    ("GET", "/todos/{todo_id}"): _get,
    ("GET", "/todos"): _list,
    ("POST", "/todos"): _create,
    ("PUT", "/todos/{todo_id}"): _update,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    owner = event["requestContext"]["authorizer"]["principalId"]
    return ROUTES[(event["httpMethod"], event["resource"])](owner, event)
