"""The todo table's definition, shared by the local emulator, the tests and provisioning."""

from typing import Any

from chalicelib.store import TTL_ATTRIBUTE

KEY_SCHEMA = [
    {"AttributeName": "ownerId", "KeyType": "HASH"},
    {"AttributeName": "todoId", "KeyType": "RANGE"},
]
ATTRIBUTES = [
    {"AttributeName": "ownerId", "AttributeType": "S"},
    {"AttributeName": "todoId", "AttributeType": "S"},
]


def ensure_table(dynamodb: Any, table_name: str) -> bool:
    """Creates the table unless it exists; True when it was created."""
    if table_name in dynamodb.list_tables()["TableNames"]:
        return False
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTES,
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=table_name)
    # Idempotency records expire through TTL; todos have no such attribute and stay.
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    return True
