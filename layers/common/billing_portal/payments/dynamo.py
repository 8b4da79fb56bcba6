"""DynamoDB adapter of saved payment methods, payment records, Auto Pay and processor callbacks.

PK ACCOUNT#<id>           SK PM#<method id>       a saved card: processor reference, brand, last 4, expiry
PK ACCOUNT#<id>           SK PAYMENT#<payment id> a card payment's life: processing, pending, approved...
PK ACCOUNT#<id>           SK ACCOUNT              `autopay` {enabled, payment_method}; while it is on, the
                                                  item is in GSI1 under AUTOPAY (a sparse index of the
                                                  accounts the schedule charges)
PK CALLBACK#<signature>   SK CALLBACK             a processor callback delivery seen (expires by TTL)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.ledger.dynamo import TYPE_INDEX, account_key, from_item, to_item
from billing_portal.ledger.ports import Address
from billing_portal.payments.autopay_setting import AUTOPAY_OFF, AutopayMethod, AutopaySetting
from billing_portal.payments.cards import Card
from billing_portal.payments.ports import (
    AUTOPAY_METHOD_IN_USE,
    AutopayMethodInUse,
    PaymentRecord,
    PaymentStatus,
    SavedMethod,
)
from billing_portal.shared import aws

AUTOPAY_INDEX_KEY = "AUTOPAY"
_METHOD_FIELDS = ("id", "account_id", "reference", "billing_email", "created_at")


def _method_key(account_id: str, method_id: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": f"PM#{method_id}"})


def _payment_key(account_id: str, payment_id: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": f"PAYMENT#{payment_id}"})


def _account_item_key(account_id: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": "ACCOUNT"})


def _card(data: dict[str, Any]) -> Card:
    return Card(data["brand"], data["last4"], data["exp_month"], data["exp_year"])


def _method(data: dict[str, Any]) -> SavedMethod:
    return SavedMethod(
        **{name: data[name] for name in _METHOD_FIELDS},
        card=_card(data["card"]),
        billing_address=Address(**data["billing_address"]),
    )


def _payment_item(record: PaymentRecord) -> dict[str, Any]:
    return {
        **{k: v["S"] for k, v in _payment_key(record.account_id, record.id).items()},
        **asdict(record),
        "status": record.status.value,
    }


def _payment(data: dict[str, Any]) -> PaymentRecord:
    fields: dict[str, Any] = {name: data.get(name) for name in PaymentRecord.__dataclass_fields__}
    fields["status"] = PaymentStatus(data["status"])
    fields["card"] = _card(data["card"]) if data.get("card") else None
    return PaymentRecord(**fields)


def _conditional_failure(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


class DynamoPayments:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    # -- saved methods ---------------------------------------------------------------------------------

    def list_methods(self, account_id: str) -> list[SavedMethod]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :pm)",
            "ExpressionAttributeValues": to_item({":pk": account_key(account_id), ":pm": "PM#"}),
        }
        methods: list[SavedMethod] = []
        while True:
            page = self._db.query(**request)
            methods.extend(_method(from_item(item)) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return methods
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get_method(self, account_id: str, method_id: str) -> SavedMethod | None:
        found = self._db.get_item(TableName=self.table, Key=_method_key(account_id, method_id)).get("Item")
        return _method(from_item(found)) if found else None

    def add_method(self, method: SavedMethod) -> None:
        item = {
            **{k: v["S"] for k, v in _method_key(method.account_id, method.id).items()},
            **asdict(method),
        }
        self._db.put_item(TableName=self.table, Item=to_item(item))

    def delete_method(self, account_id: str, method_id: str) -> bool:
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": _method_key(account_id, method_id),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {
                        # Checked in the same transaction, so Auto Pay cannot be turned on with the card
                        # between the check and the removal.
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": _account_item_key(account_id),
                            "ConditionExpression": "NOT (autopay.enabled = :on AND "
                            "autopay.payment_method.id = :method)",
                            "ExpressionAttributeValues": to_item({":on": True, ":method": method_id}),
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise AutopayMethodInUse(AUTOPAY_METHOD_IN_USE) from None
            raise
        return True

    # -- auto pay --------------------------------------------------------------------------------------

    def enable_autopay(self, account_id: str, method: SavedMethod) -> bool:
        autopay = AutopaySetting(AutopayMethod(method.id, method.card)).stored()
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": _method_key(account_id, method.id),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _account_item_key(account_id),
                            "UpdateExpression": "SET autopay = :autopay, GSI1PK = :index, GSI1SK = :account",
                            "ConditionExpression": "attribute_exists(PK)",
                            "ExpressionAttributeValues": to_item(
                                {":autopay": autopay, ":index": AUTOPAY_INDEX_KEY, ":account": account_id}
                            ),
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True

    def disable_autopay(self, account_id: str) -> None:
        try:
            self._db.update_item(
                TableName=self.table,
                Key=_account_item_key(account_id),
                UpdateExpression="SET autopay = :off REMOVE GSI1PK, GSI1SK",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=to_item({":off": AUTOPAY_OFF.stored()}),
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise

    def autopay_accounts(self) -> Iterator[str]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": TYPE_INDEX,
            "KeyConditionExpression": "GSI1PK = :autopay",
            "ExpressionAttributeValues": to_item({":autopay": AUTOPAY_INDEX_KEY}),
            "ProjectionExpression": "GSI1SK",
        }
        while True:
            page = self._db.query(**request)
            for item in page["Items"]:
                yield str(from_item(item)["GSI1SK"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- payments --------------------------------------------------------------------------------------

    def get_payment(self, account_id: str, payment_id: str) -> PaymentRecord | None:
        found = self._db.get_item(
            TableName=self.table, Key=_payment_key(account_id, payment_id), ConsistentRead=True
        ).get("Item")
        return _payment(from_item(found)) if found else None

    def start_payment(self, record: PaymentRecord) -> PaymentRecord | None:
        try:
            self._db.put_item(
                TableName=self.table,
                Item=to_item(_payment_item(record)),
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            if "Item" in error.response:
                return _payment(from_item(error.response["Item"]))
            return self.get_payment(record.account_id, record.id)
        return None

    def save_payment(self, record: PaymentRecord) -> None:
        self._db.put_item(TableName=self.table, Item=to_item(_payment_item(record)))

    # -- processor callbacks ---------------------------------------------------------------------------

    def first_delivery(self, signature: str, expires_at: int) -> bool:
        try:
            self._db.put_item(
                TableName=self.table,
                Item=to_item({"PK": f"CALLBACK#{signature}", "SK": "CALLBACK", "expires_at": expires_at}),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True
