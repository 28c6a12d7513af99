"""TodoStore: the todos of each owner in one DynamoDB table.

Key schema: partition key ownerId, sort key todoId. An owner's partition holds their
todos (todoId a UUIDv7) and their idempotency records (todoId "idempotency#<digest>",
outside the range of todo ids, with a TTL attribute). A todo's item holds each of its
declared fields (chalicelib.model.Todo) under its JSON name, in the DynamoDB type of its
JSON type; a field without a value (None) is an attribute the item lacks. Every method is
one DynamoDB request; writes carry their condition, so there is no read-then-write race.
"""

from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from chalicelib import aws, settings
from chalicelib.errors import (
    IdempotencyConflict,
    IdempotencyKeyReused,
    PreconditionFailed,
    ServiceUnavailable,
    TodoNotFound,
)
from chalicelib.model import FIELDS, UPDATABLE, Todo, TodoChanges, utc_timestamp

if TYPE_CHECKING:
    # Only listing makes Pages and only an idempotent create has records: a GET by id
    # loads neither module (nor the hmac, base64 and SSM code paging brings in).
    from chalicelib.idempotency import IdempotencyRecord
    from chalicelib.paging import Page

Item = dict[str, dict[str, Any]]

# Every UUIDv7 in canonical text lies between these two, and no idempotency record does.
FIRST_TODO_ID = "00000000-0000-7000-8000-000000000000"
LAST_TODO_ID = "ffffffff-ffff-7fff-bfff-ffffffffffff"
# The IAM actions TodoStore's requests need (TransactWriteItems is authorized as the
# actions of its parts). tools/deploy/iam.py grants exactly these; a test holds them equal
# to the calls the code really makes.
IAM_ACTIONS = frozenset(
    {
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    }
)
IDEMPOTENCY_PREFIX = "idempotency#"
TTL_ATTRIBUTE = "expiresAt"

# Errors that outlived botocore's retries and say nothing about the request itself:
# DynamoDB refusing the load (a throttle), or failing. An answer without DynamoDB's JSON
# (from a proxy or load balancer on the way) has only its HTTP status for a code.
_THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
    }
)
_UNAVAILABLE_CODES = _THROTTLE_CODES | {"InternalServerError", "ServiceUnavailable"}
_TOO_MANY_REQUESTS = 429
_SERVER_ERROR = 500


class _UnavailableOnOutage:
    """Turns throttling, outages and lost connections into ServiceUnavailable.

    A class rather than @contextmanager: every DynamoDB request goes through it, and its
    happy path is then two empty method calls, with botocore's exceptions imported only
    once something has failed (as boto3 is in aws.py: the authorizer never loads botocore).
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if error is None:
            return False
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        if isinstance(error, ClientError):
            codes = {error.response.get("Error", {}).get("Code")}
            reasons = error.response.get("CancellationReasons", [])
            codes |= {reason.get("Code") for reason in reasons}
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if codes & _THROTTLE_CODES or status == _TOO_MANY_REQUESTS:
                raise ServiceUnavailable("throttled") from None
            if codes & _UNAVAILABLE_CODES or status >= _SERVER_ERROR:
                raise ServiceUnavailable("failed") from None
        elif isinstance(error, (BotoConnectionError, HTTPClientError)):
            raise ServiceUnavailable("unreachable") from None
        return False


_unavailable_on_outage = _UnavailableOnOutage()


def _key(owner_id: str, todo_id: str) -> Item:
    return {"ownerId": {"S": owner_id}, "todoId": {"S": todo_id}}


# The DynamoDB type each JSON type is stored in.
_DYNAMODB_TYPES = {"string": "S", "boolean": "BOOL", "integer": "N"}
# Each field's attribute name and DynamoDB type, in the order of Todo's fields, and
# whether the item may lack it.
_ATTRIBUTES = tuple(
    (field.json_name, _DYNAMODB_TYPES[field.json_type], field.nullable) for field in FIELDS
)
_CHANGEABLE = tuple(
    (field.attribute, field.json_name, _DYNAMODB_TYPES[field.json_type]) for field in UPDATABLE
)


def _attribute_value(value: Any, kind: str) -> dict[str, Any]:
    # DynamoDB's JSON carries numbers as strings.
    return {kind: str(value) if kind == "N" else value}


def _to_item(owner_id: str, todo: Todo) -> Item:
    item = _key(owner_id, todo.todo_id)
    for (name, kind, _), value in zip(_ATTRIBUTES, todo, strict=True):
        if value is not None:
            item[name] = _attribute_value(value, kind)
    return item


def _from_item(item: Item) -> Todo:
    # A nullable field's attribute may be missing: no value, or an item stored before the
    # field was declared. One expression, no call per field: a call per field cost each
    # listed todo 10,000 instructions more (make bench-instructions).
    return Todo._make(
        [
            None
            if nullable and name not in item
            else int(item[name][kind])
            if kind == "N"
            else item[name][kind]
            for name, kind, nullable in _ATTRIBUTES
        ]
    )


def _record_item(owner_id: str, todo: Todo, record: "IdempotencyRecord") -> Item:
    return {
        **_key(owner_id, IDEMPOTENCY_PREFIX + record.key_digest),
        "requestDigest": {"S": record.request_digest},
        "todo": {"M": _to_item(owner_id, todo)},
        TTL_ATTRIBUTE: {"N": str(record.expires_at)},
    }


def _update_expression(changes: TodoChanges) -> tuple[str, dict[str, str], Item]:
    """SET the given values and REMOVE the fields given None: one UpdateExpression."""
    assignments = ["#updatedAt = :updatedAt", "#version = #version + :one"]
    removals = []
    names = {"#updatedAt": "updatedAt", "#version": "version"}
    values: Item = {":updatedAt": {"S": utc_timestamp()}, ":one": {"N": "1"}}
    for attribute, name, kind in _CHANGEABLE:
        if attribute not in changes:
            continue
        names[f"#{name}"] = name
        if changes[attribute] is None:
            removals.append(f"#{name}")
        else:
            assignments.append(f"#{name} = :{name}")
            values[f":{name}"] = _attribute_value(changes[attribute], kind)
    remove = f" REMOVE {', '.join(removals)}" if removals else ""
    return f"SET {', '.join(assignments)}{remove}", names, values


def _write_condition(expected_versions: frozenset[int] | None) -> dict[str, Any]:
    """The todo must exist and, when If-Match named versions, be at one of them."""
    if not expected_versions:
        return {"ConditionExpression": "attribute_exists(todoId)"}
    values = {f":v{n}": {"N": str(v)} for n, v in enumerate(sorted(expected_versions))}
    return {
        "ConditionExpression": f"attribute_exists(todoId) AND #version IN ({', '.join(values)})",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": values,
        # Tells a stale version (412) from a missing todo (404) without a second read.
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


_EXPRESSION_MAPS = ("ExpressionAttributeNames", "ExpressionAttributeValues")


def _with_condition(request: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    """The request's parameters and the condition's, their expression maps combined."""
    merged = {**request, **condition}
    for name in _EXPRESSION_MAPS:
        if name in request and name in condition:
            merged[name] = {**request[name], **condition[name]}
    return merged


class Written(NamedTuple):
    """An update's todo as stored, and whether the write was verified to be this request's
    own: only then may the answer carry an ETag (RFC 9110 §13.1.1, docs/api.md)."""

    todo: Todo
    own: bool


def _retried(error: Any) -> bool:
    """Whether botocore sent the request more than once: an earlier attempt's answer may
    have been lost after DynamoDB applied it."""
    return bool(error.response.get("ResponseMetadata", {}).get("RetryAttempts"))


class TodoStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._conditional_check_failed = dynamodb.exceptions.ConditionalCheckFailedException
        self._transaction_canceled = dynamodb.exceptions.TransactionCanceledException

    def add(self, owner_id: str, todo: Todo, record: "IdempotencyRecord | None" = None) -> Todo:
        """Stores a new todo and returns it; with a record, at most once per key.

        A repeat of a remembered request returns the todo that request created.
        """
        if record is not None:
            return self._add_once(owner_id, todo, record)
        try:
            with _unavailable_on_outage:
                self._dynamodb.put_item(
                    TableName=self._table,
                    Item=_to_item(owner_id, todo),
                    ConditionExpression="attribute_not_exists(todoId)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except self._conditional_check_failed as error:
            # The id is new to this request, so the todo stored under it can only be this
            # request's own, stored by an attempt whose answer was lost before botocore's
            # retry; anything else would be an id made twice, and a retry makes another.
            if error.response.get("Item", {}).get("createdAt") != {"S": todo.created_at}:
                raise ServiceUnavailable from None
        return todo

    def _add_once(self, owner_id: str, todo: Todo, record: "IdempotencyRecord") -> Todo:
        remember = {
            "TableName": self._table,
            "Item": _record_item(owner_id, todo, record),
            "ConditionExpression": f"attribute_not_exists(todoId) OR {TTL_ATTRIBUTE} < :now",
            "ExpressionAttributeValues": {":now": {"N": str(record.created_at)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        create = {
            "TableName": self._table,
            "Item": _to_item(owner_id, todo),
            "ConditionExpression": "attribute_not_exists(todoId)",
        }
        try:
            with _unavailable_on_outage:
                self._dynamodb.transact_write_items(
                    TransactItems=[{"Put": remember}, {"Put": create}]
                )
        except self._transaction_canceled as error:
            return self._replay(error.response.get("CancellationReasons", []), record)
        return todo

    def _replay(self, reasons: list[dict[str, Any]], record: "IdempotencyRecord") -> Todo:
        remembered = reasons[0] if reasons else {}
        if remembered.get("Code") == "TransactionConflict":
            raise IdempotencyConflict
        if remembered.get("Code") != "ConditionalCheckFailed" or "Item" not in remembered:
            raise ServiceUnavailable
        if remembered["Item"]["requestDigest"]["S"] != record.request_digest:
            raise IdempotencyKeyReused
        return _from_item(remembered["Item"]["todo"]["M"])

    def get(self, owner_id: str, todo_id: str) -> Todo:
        with _unavailable_on_outage:
            response = self._dynamodb.get_item(
                TableName=self._table, Key=_key(owner_id, todo_id), ConsistentRead=True
            )
        if "Item" not in response:
            raise TodoNotFound(todo_id)
        return _from_item(response["Item"])

    def page(
        self,
        owner_id: str,
        limit: int,
        after: str | None = None,
        checked: bool | None = None,
    ) -> "Page":
        """Up to limit of the owner's todos after the given id, oldest first: one Query.

        The Query reads limit + 1 items, so a full page knows whether more follow. With a
        filter, DynamoDB applies Limit before filtering: the page may be short, and the
        position it stopped at is still returned, so that no todo is ever skipped.
        """
        from chalicelib.paging import Page

        query = self._list_query(owner_id, limit + 1, after, checked)
        with _unavailable_on_outage:
            response = self._dynamodb.query(**query)
        items = response["Items"]
        if len(items) > limit:
            return Page(
                [_from_item(item) for item in items[:limit]], items[limit - 1]["todoId"]["S"]
            )
        last = response.get("LastEvaluatedKey")
        return Page([_from_item(item) for item in items], last["todoId"]["S"] if last else None)

    def _list_query(
        self, owner_id: str, limit: int, after: str | None, checked: bool | None
    ) -> dict[str, Any]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "ownerId = :owner AND todoId BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":owner": {"S": owner_id},
                ":first": {"S": FIRST_TODO_ID},
                ":last": {"S": LAST_TODO_ID},
            },
            "ScanIndexForward": True,
            "Limit": limit,
        }
        if after is not None:
            query["ExclusiveStartKey"] = _key(owner_id, after)
        if checked is not None:
            query["FilterExpression"] = "#checked = :checked"
            query["ExpressionAttributeNames"] = {"#checked": "checked"}
            query["ExpressionAttributeValues"][":checked"] = {"BOOL": checked}
        return query

    def update(
        self,
        owner_id: str,
        todo_id: str,
        changes: TodoChanges,
        expected_versions: frozenset[int] | None = None,
    ) -> Written:
        """Applies changes to an existing todo and bumps its version; never creates one."""
        expression, names, values = _update_expression(changes)
        request = _with_condition(
            {
                "TableName": self._table,
                "Key": _key(owner_id, todo_id),
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValues": "ALL_NEW",
            },
            _write_condition(expected_versions),
        )
        try:
            with _unavailable_on_outage:
                response = self._dynamodb.update_item(**request)
        except self._conditional_check_failed as error:
            return _already_updated(
                error, todo_id, changes, expected_versions, values[":updatedAt"]["S"]
            )
        return Written(_from_item(response["Attributes"]), own=True)

    def delete(
        self, owner_id: str, todo_id: str, expected_versions: frozenset[int] | None = None
    ) -> None:
        """Deletes an existing todo; deleting nothing is TodoNotFound, not a success."""
        request = _with_condition(
            {"TableName": self._table, "Key": _key(owner_id, todo_id)},
            _write_condition(expected_versions),
        )
        try:
            with _unavailable_on_outage:
                self._dynamodb.delete_item(**request)
        except self._conditional_check_failed as error:
            if "Item" in error.response:
                raise PreconditionFailed(todo_id) from None
            # Gone: when botocore retried, maybe by this very request's lost first attempt.
            if not _retried(error):
                raise TodoNotFound(todo_id) from None


def _already_updated(
    error: Any,
    todo_id: str,
    changes: TodoChanges,
    expected_versions: frozenset[int] | None,
    updated_at: str,
) -> Written:
    """A failed update's answer: the todo as stored if it shows the change applied (RFC 9110
    §13.1.1), else why not. Applied: at the version just after one that If-Match named, with
    each field as the update asked; this request's own write if it bears its updatedAt too.
    """
    if "Item" not in error.response or not expected_versions:
        raise TodoNotFound(todo_id) from None
    stored = _from_item(error.response["Item"])
    applied = stored.version - 1 in expected_versions and all(
        getattr(stored, name) == value for name, value in changes.items()
    )
    if not applied:
        raise PreconditionFailed(todo_id) from None
    return Written(stored, own=stored.updated_at == updated_at)


def todo_store() -> TodoStore:
    """The store of this stage's table, on the container's shared DynamoDB client."""
    return _store(aws.client("dynamodb"), settings.table_name())


@lru_cache(maxsize=8)
def _store(dynamodb: Any, table_name: str) -> TodoStore:
    # Stateless but for its client and table: one per pair, not one per request.
    return TodoStore(dynamodb, table_name)
