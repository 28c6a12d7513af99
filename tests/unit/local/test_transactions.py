"""tools.local.transactions: moto's TransactWriteItems on the items it names, in moto."""

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item

from tests.support.stages import LOCAL
from tools.local.transactions import on_named_items_only

TABLE = LOCAL["TABLE_NAME"]


@pytest.fixture(autouse=True)
def _transactions_on_named_items(monkeypatch):
    monkeypatch.setattr(
        DynamoDBBackend,
        "transact_write_items",
        on_named_items_only(DynamoDBBackend.transact_write_items),
    )


def put(todo_id, **condition):
    return {
        "Put": {
            "TableName": TABLE,
            "Item": {"ownerId": {"S": "alice"}, "todoId": {"S": todo_id}},
            "ConditionExpression": "attribute_not_exists(todoId)",
            **condition,
        }
    }


def stored_ids(dynamodb):
    return sorted(item["todoId"]["S"] for item in dynamodb.scan(TableName=TABLE)["Items"])


def test_a_transaction_copies_the_items_it_names_not_the_table(dynamodb, monkeypatch):
    for n in range(30):
        dynamodb.put_item(TableName=TABLE, Item={"ownerId": {"S": "bob"}, "todoId": {"S": f"{n}"}})
    copied = []
    deepcopy = Item.__deepcopy__
    monkeypatch.setattr(
        Item, "__deepcopy__", lambda item, memo: copied.append(item) or deepcopy(item, memo)
    )
    dynamodb.transact_write_items(TransactItems=[put("a"), put("30")])
    assert len(copied) == 0  # neither item existed before
    assert {"30", "a"} <= set(stored_ids(dynamodb))


def test_a_failed_transaction_writes_nothing_and_returns_the_item_that_failed(dynamodb):
    dynamodb.transact_write_items(TransactItems=[put("a")])
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as failed:
        dynamodb.transact_write_items(
            TransactItems=[put("new"), put("a", ReturnValuesOnConditionCheckFailure="ALL_OLD")]
        )
    reasons = failed.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["todoId"] == {"S": "a"}
    assert stored_ids(dynamodb) == ["a"]


def test_an_update_in_a_failed_transaction_leaves_the_item_as_it_was(dynamodb):
    dynamodb.transact_write_items(TransactItems=[put("a"), put("b")])
    update = {
        "Update": {
            "TableName": TABLE,
            "Key": {"ownerId": {"S": "alice"}, "todoId": {"S": "a"}},
            "UpdateExpression": "SET checked = :yes",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}},
        }
    }
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[update, put("c"), put("b")])
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": "a"}}
    assert "checked" not in dynamodb.get_item(TableName=TABLE, Key=key)["Item"]
    assert stored_ids(dynamodb) == ["a", "b"]
