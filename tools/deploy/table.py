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
BILLING_MODE = "PAY_PER_REQUEST"
# Idempotency records expire through TTL; todos have no such attribute and stay.
TTL_SPECIFICATION = {"Enabled": True, "AttributeName": TTL_ATTRIBUTE}


def table_definition(table_name: str) -> dict[str, Any]:
    """The CreateTable parameters every stage shares: the keys and on-demand billing."""
    return {
        "TableName": table_name,
        "KeySchema": [dict(key) for key in KEY_SCHEMA],
        "AttributeDefinitions": [dict(attribute) for attribute in ATTRIBUTES],
        "BillingMode": BILLING_MODE,
    }


def ensure_table(dynamodb: Any, table_name: str) -> bool:
    """Creates the table unless it exists; True when it was created."""
    if table_name in dynamodb.list_tables()["TableNames"]:
        return False
    dynamodb.create_table(**table_definition(table_name))
    dynamodb.get_waiter("table_exists").wait(TableName=table_name)
    enable_ttl(dynamodb, table_name)
    return True


def enable_ttl(dynamodb: Any, table_name: str) -> None:
    """Switches on the expiry of idempotency records, for every table that holds them."""
    dynamodb.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification=dict(TTL_SPECIFICATION)
    )
