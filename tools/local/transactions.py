"""moto's TransactWriteItems without a copy of each table it names, for the emulator.

moto (5.2.5, and 5.2.6 unchanged) backs up every table a TransactWriteItems names with
copy.deepcopy before it starts, to restore them if the transaction fails: a copy of every item,
for each idempotent create. Each one took longer than the last, and as moto also keeps every
model object it makes (for its dashboard: moto.core.model_instances), no copy was freed: over a
few thousand creates `make run` grew to 8 GB, with garbage-collection pauses of 10 s.

Here a transaction runs on stand-ins for its tables that hold copies of the items it names and
nothing else (every condition and write of a transaction is on an item it names), through
moto's own code; if it succeeds, those items are put into the real tables. Nothing else runs
meanwhile (the emulator serves one request at a time).
"""

import copy
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

Key = tuple[DynamoType, DynamoType | None]
Transaction = Callable[[DynamoDBBackend, list[dict[str, Any]]], None]


def _named_keys(
    backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
) -> dict[str, list[Key]]:
    """The keys each existing table's items in the transaction have; moto reports the rest."""
    named: dict[str, list[Key]] = defaultdict(list)
    for entry in transact_items:
        for kind, operation in entry.items():
            table = backend.tables.get(operation.get("TableName"))
            if table is None:
                continue
            attributes = operation.get("Item" if kind == "Put" else "Key", {})
            try:
                named[table.name].append(backend.get_keys_value(table, attributes))
            except MockValidationException:
                continue
    return named


def _put(table: Table, key: Key, item: Any) -> None:
    """Stores item under key in table, or removes what is there if item is None."""
    hash_key, range_key = key
    if range_key is None:
        partition: dict[Any, Any] = table.items
        partition_key: Any = hash_key
    else:
        partition, partition_key = table.items[hash_key], range_key
    if item is None:
        partition.pop(partition_key, None)
    else:
        partition[partition_key] = item


def _stand_in(table: Table, keys: list[Key]) -> Table:
    """The table with copies of the items under keys, and no other item."""
    stand_in = copy.copy(table)
    stand_in.items = defaultdict(dict)
    for key in keys:
        _put(stand_in, key, copy.deepcopy(table.get_item(*key)))
    return stand_in


def on_named_items_only(transact: Transaction) -> Transaction:
    """moto's transact_write_items, run on stand-ins for the tables it names."""

    def transact_write_items(
        backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
    ) -> None:
        named = _named_keys(backend, transact_items)
        real = {name: backend.tables[name] for name in named}
        backend.tables.update({name: _stand_in(real[name], keys) for name, keys in named.items()})
        try:
            transact(backend, transact_items)
            # Succeeded: what moto wrote into the stand-ins goes into the tables.
            for name, keys in named.items():
                for key in keys:
                    _put(real[name], key, backend.tables[name].get_item(*key))
        finally:
            backend.tables.update(real)

    return transact_write_items


def install() -> None:
    """Every DynamoDB backend of this process runs its transactions so."""
    DynamoDBBackend.transact_write_items = on_named_items_only(  # type: ignore[method-assign,assignment]
        DynamoDBBackend.transact_write_items
    )
