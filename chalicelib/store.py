"""TodoStore: the todos of each owner in one DynamoDB table.

Key schema: partition key ownerId, sort key todoId. Every method is one DynamoDB
request; writes carry their condition, so there is no read-then-write race.
"""

from typing import Any

from chalicelib import aws, settings
from chalicelib.errors import TodoNotFound
from chalicelib.model import Todo, TodoChanges, utc_timestamp

Item = dict[str, dict[str, Any]]


def _key(owner_id: str, todo_id: str) -> Item:
    return {"ownerId": {"S": owner_id}, "todoId": {"S": todo_id}}


def _to_item(owner_id: str, todo: Todo) -> Item:
    return {
        **_key(owner_id, todo.todo_id),
        "text": {"S": todo.text},
        "checked": {"BOOL": todo.checked},
        "createdAt": {"S": todo.created_at},
        "updatedAt": {"S": todo.updated_at},
        "version": {"N": str(todo.version)},
    }


def _from_item(item: Item) -> Todo:
    return Todo(
        todo_id=item["todoId"]["S"],
        text=item["text"]["S"],
        checked=item["checked"]["BOOL"],
        created_at=item["createdAt"]["S"],
        updated_at=item["updatedAt"]["S"],
        version=int(item["version"]["N"]),
    )


def _update_expression(changes: TodoChanges) -> tuple[str, dict[str, str], Item]:
    assignments = ["#updatedAt = :updatedAt", "#version = #version + :one"]
    names = {"#updatedAt": "updatedAt", "#version": "version"}
    values: Item = {":updatedAt": {"S": utc_timestamp()}, ":one": {"N": "1"}}
    if changes.text is not None:
        assignments.append("#text = :text")
        names["#text"] = "text"
        values[":text"] = {"S": changes.text}
    if changes.checked is not None:
        assignments.append("#checked = :checked")
        names["#checked"] = "checked"
        values[":checked"] = {"BOOL": changes.checked}
    return "SET " + ", ".join(assignments), names, values


class TodoStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._conditional_check_failed = dynamodb.exceptions.ConditionalCheckFailedException

    def add(self, owner_id: str, todo: Todo) -> None:
        """Stores a new todo; its id is fresh, and the condition keeps it from overwriting."""
        self._dynamodb.put_item(
            TableName=self._table,
            Item=_to_item(owner_id, todo),
            ConditionExpression="attribute_not_exists(todoId)",
        )

    def get(self, owner_id: str, todo_id: str) -> Todo:
        response = self._dynamodb.get_item(
            TableName=self._table, Key=_key(owner_id, todo_id), ConsistentRead=True
        )
        if "Item" not in response:
            raise TodoNotFound(todo_id)
        return _from_item(response["Item"])

    def list(self, owner_id: str, limit: int) -> list[Todo]:
        """The owner's oldest todos, at most limit of them: one Query on one partition."""
        response = self._dynamodb.query(
            TableName=self._table,
            KeyConditionExpression="ownerId = :owner",
            ExpressionAttributeValues={":owner": {"S": owner_id}},
            ScanIndexForward=True,
            Limit=limit,
        )
        return [_from_item(item) for item in response["Items"]]

    def update(self, owner_id: str, todo_id: str, changes: TodoChanges) -> Todo:
        """Applies changes to an existing todo and bumps its version; never creates one."""
        expression, names, values = _update_expression(changes)
        try:
            response = self._dynamodb.update_item(
                TableName=self._table,
                Key=_key(owner_id, todo_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(todoId)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self._conditional_check_failed:
            raise TodoNotFound(todo_id) from None
        return _from_item(response["Attributes"])

    def delete(self, owner_id: str, todo_id: str) -> None:
        """Deletes an existing todo; deleting nothing is TodoNotFound, not a success."""
        try:
            self._dynamodb.delete_item(
                TableName=self._table,
                Key=_key(owner_id, todo_id),
                ConditionExpression="attribute_exists(todoId)",
            )
        except self._conditional_check_failed:
            raise TodoNotFound(todo_id) from None


def todo_store() -> TodoStore:
    """The store of this stage's table, on the container's shared DynamoDB client."""
    return TodoStore(aws.client("dynamodb"), settings.table_name())
