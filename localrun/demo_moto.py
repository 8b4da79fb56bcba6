"""moto's DynamoDB transactions without a copy of the whole table for every item.

moto makes TransactWriteItems all-or-nothing by deep-copying each table a transaction names, once per item,
before it starts, and putting the copy back if the transaction fails. Every ledger posting is a transaction,
so loading the demo (about 125 postings into one table that keeps growing, stream records included) spent
more than a minute copying. This keeps the same all-or-nothing outcome by saving only what the transaction
can change (the items it names and the length of their table's stream) and restoring that on failure.

It also serves DynamoDB requests one at a time. DynamoDB applies each request atomically (a conditional put
is checked and written as one step); moto's server answers on many threads and checks, then writes, so two
concurrent conditional writes could both pass. The local stack runs a function in several execution
environments at once, as Lambda does, so it needs DynamoDB's guarantee.

It patches moto in this process only: moto in-process (tests) or a moto server thread of this process.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.responses import DynamoHandler

_MARK = "_saves_only_touched_items"
# One transaction at a time, as DynamoDB isolates them: a failed one restores what it saved, which must not
# undo another transaction's writes made in between (the moto server answers requests on many threads).
_TRANSACTIONS = threading.Lock()
_REQUESTS = threading.RLock()
Key = tuple[DynamoType, DynamoType | None]


class _CopyKeepingTables:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a table is handed back as it is
    (the transaction's own snapshot restores it), anything else is copied as before."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _key(table: Table, operation: dict[str, Any]) -> Key | None:
    attributes = operation.get("Key") or operation.get("Item")
    if not isinstance(attributes, dict) or table.hash_key_attr not in attributes:
        return None
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in attributes:
            return None
        range_value = DynamoType(attributes[table.range_key_attr])
    return DynamoType(attributes[table.hash_key_attr]), range_value


def _save(
    backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
) -> tuple[list[tuple[Table, Key, Item | None]], list[tuple[StreamShard, int]]]:
    items: list[tuple[Table, Key, Item | None]] = []
    streams: dict[int, tuple[StreamShard, int]] = {}
    for entry in transact_items:
        for operation in entry.values():
            table = (
                backend.tables.get(str(operation.get("TableName"))) if isinstance(operation, dict) else None
            )
            if table is None:
                continue
            try:
                key = _key(table, operation)
            except Exception:  # noqa: BLE001 - a malformed key: moto refuses the transaction before writing it
                key = None
            if key is None:
                continue
            items.append((table, key, copy.deepcopy(table.get_item(*key))))
            shard = table.stream_shard
            if shard is not None and id(shard) not in streams:
                streams[id(shard)] = (shard, len(shard.items))
    return items, list(streams.values())


def _restore(items: list[tuple[Table, Key, Item | None]], streams: list[tuple[StreamShard, int]]) -> None:
    # Newest first, so a key named twice ends up as it was before the transaction.
    for table, (hash_value, range_value), item in reversed(items):
        # moto keeps {hash: item} for hash-only tables and {hash: {range: item}} for the others.
        stored: dict[DynamoType, Any] = table.items
        if range_value is None:
            if item is None:
                stored.pop(hash_value, None)
            else:
                stored[hash_value] = item
            continue
        bucket = stored[hash_value]
        if item is None:
            bucket.pop(range_value, None)
            if not bucket:
                del stored[hash_value]
        else:
            bucket[range_value] = item
    for shard, length in streams:
        del shard.items[length:]


def install() -> None:
    """Patch moto's DynamoDB in this process (once; later calls do nothing)."""
    original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = DynamoDBBackend.transact_write_items
    if getattr(original, _MARK, False):
        return

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with _TRANSACTIONS:
            items, streams = _save(self, transact_items)
            try:
                original(self, transact_items)
            except BaseException:
                _restore(items, streams)
                raise

    call_action: Callable[[DynamoHandler], Any] = DynamoHandler.call_action

    def one_request_at_a_time(self: DynamoHandler) -> Any:
        with _REQUESTS:
            return call_action(self)

    setattr(DynamoHandler, "call_action", one_request_at_a_time)  # noqa: B010
    setattr(transact_write_items, _MARK, True)
    setattr(models, "copy", _CopyKeepingTables())  # noqa: B010 - replaces a module global of moto's
    setattr(DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010
