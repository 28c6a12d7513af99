"""The DynamoDB requests todo-api's routes make, parameter for parameter, for the peers.

The warm path compares frameworks around "the same DynamoDB call": botocore's work grows
with a request's parameters (validated, serialized, signed), so a peer making a lighter
request than chalicelib.store would have its time counted as ours. Kept equal to the
store by tests/unit/bench/test_bench.py. Standard library only: every peer's virtualenv imports it.
"""

from typing import Any

# chalicelib.store's bounds of the todo ids' range (no idempotency record lies inside).
FIRST_TODO_ID = "00000000-0000-7000-8000-000000000000"
LAST_TODO_ID = "ffffffff-ffff-7fff-bfff-ffffffffffff"
# A page of the default size, and the one item more that tells whether more follow.
QUERY_LIMIT = 51


def key(owner: str, todo_id: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner}, "todoId": {"S": todo_id}}


def get_item(table: str, owner: str, todo_id: str) -> dict[str, Any]:
    return {"TableName": table, "Key": key(owner, todo_id), "ConsistentRead": True}


def query(table: str, owner: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "ownerId = :owner AND todoId BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":owner": {"S": owner},
            ":first": {"S": FIRST_TODO_ID},
            ":last": {"S": LAST_TODO_ID},
        },
        "ScanIndexForward": True,
        "Limit": QUERY_LIMIT,
    }


def put_item(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(todoId)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def update_item(table: str, owner: str, todo_id: str, checked: bool, now: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": key(owner, todo_id),
        "UpdateExpression": "SET #updatedAt = :updatedAt, #version = #version + :one, "
        "#checked = :checked",
        "ExpressionAttributeNames": {
            "#updatedAt": "updatedAt",
            "#version": "version",
            "#checked": "checked",
        },
        "ExpressionAttributeValues": {
            ":updatedAt": {"S": now},
            ":one": {"N": "1"},
            ":checked": {"BOOL": checked},
        },
        "ReturnValues": "ALL_NEW",
        "ConditionExpression": "attribute_exists(todoId)",
    }
