# mypy: disable-error-code="import-not-found,untyped-decorator,no-any-return"
# (Its framework is installed in its own virtualenv under build/peers/, not in .venv.)
"""Peer: FastAPI behind Mangum, GET /todos/{id} with one GetItem.

An async view: a plain `def` would run in a thread pool on every request, which no
Lambda handler needs (one request at a time per container)."""

import os
from typing import Any

import boto3
from fastapi import FastAPI, HTTPException, Request
from mangum import Mangum

api = FastAPI()
dynamodb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


@api.get("/todos/{todo_id}")
async def get_todo(todo_id: str, request: Request) -> Any:
    owner = request.scope["aws.event"]["requestContext"]["authorizer"]["principalId"]
    key = {"ownerId": {"S": owner}, "todoId": {"S": todo_id}}
    found = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
    if "Item" not in found:
        raise HTTPException(status_code=404, detail=todo_id)
    return found["Item"]


handler = Mangum(api, lifespan="off")
