"""DynamoDB adapter of CDR export records, in the single table:

PK ACCOUNT#<id>  SK EXPORT#<export id>  an export: status, format, invoice, requesting user and their time
                                        zone and language, the file's object key and filename, row count,
                                        why it failed;
                                        `expires_at` (the table's TTL attribute, epoch seconds) removes the
                                        record a little after the lifecycle rule has removed its file
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from billing_portal.exports.service import ExportRecord, ExportStatus
from billing_portal.ledger.dynamo import account_key, from_item, to_item
from billing_portal.shared import aws

_FIELDS = tuple(ExportRecord.__dataclass_fields__)


def export_key(account_id: str, export_id: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": f"EXPORT#{export_id}"})


def _item(record: ExportRecord) -> dict[str, Any]:
    return {
        **{name: value["S"] for name, value in export_key(record.account_id, record.id).items()},
        **asdict(record),
        "status": record.status.value,
    }


def _record(data: dict[str, Any]) -> ExportRecord:
    # What a record does not hold takes its default (the language of a record from before languages).
    fields: dict[str, Any] = {name: data[name] for name in _FIELDS if data.get(name) is not None}
    fields["status"] = ExportStatus(data["status"])
    return ExportRecord(**fields)


class DynamoExports:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def put_export(self, record: ExportRecord) -> None:
        self._db.put_item(TableName=self.table, Item=to_item(_item(record)))

    def get_export(self, account_id: str, export_id: str) -> ExportRecord | None:
        # Consistent: a client polls right after the worker has written the record.
        found = self._db.get_item(
            TableName=self.table, Key=export_key(account_id, export_id), ConsistentRead=True
        ).get("Item")
        return _record(from_item(found)) if found else None
