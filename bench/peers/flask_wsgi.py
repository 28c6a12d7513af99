# mypy: disable-error-code="import-not-found,untyped-decorator,no-any-return"
# (Its framework is installed in its own virtualenv under build/peers/, not in .venv.)
"""Peer: Flask behind apig-wsgi, GET /todos/{id} with one GetItem."""

import os
from typing import Any

import boto3
from apig_wsgi import make_lambda_handler
from flask import Flask, abort, request

app = Flask(__name__)
dynamodb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str) -> Any:
    owner = request.environ["apig_wsgi.request_context"]["authorizer"]["principalId"]
    key = {"ownerId": {"S": owner}, "todoId": {"S": todo_id}}
    found = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
    if "Item" not in found:
        abort(404)
    return found["Item"]


handler = make_lambda_handler(app)
