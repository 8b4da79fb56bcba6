"""DynamoDB adapters of the notifier: the portal table's stream read into the changes it tells of, and the
notifier's own records, in the notifications table:

PK SENT#<notice key>#<recipient>   one email of one event to one person: sending (claimed until a time)
                                   or sent (with SES's message id); expires after the stream's retries
PK SUPPRESSED#<address>            an address SES reported as bounced or complained about: never emailed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.ledger.dynamo import from_item, to_item
from billing_portal.notifications.notice_log import Claim
from billing_portal.notifications.notices import (
    AutopayNotCharged,
    Change,
    PaymentApproved,
    TransactionPosted,
    UserAdded,
    UserDeleted,
    instant,
)
from billing_portal.payments.cards import Card
from billing_portal.payments.ports import PaymentStatus
from billing_portal.shared import aws

# Far longer than a stream record can be retried (24 hours): a redelivery always finds the record.
SENT_RECORD_DAYS = 35
_BATCH_GET_LIMIT = 100
_FAILED = {PaymentStatus.DECLINED.value, PaymentStatus.FAILED.value}


# -- the portal table's stream ---------------------------------------------------------------------------


def change_of(record: Mapping[str, Any]) -> Change | None:
    """What a record of Lambda's DynamoDB stream event tells of, if anything."""
    stream = record["dynamodb"]
    new, old = stream.get("NewImage"), stream.get("OldImage")
    return change_of_item(
        event=str(record["eventName"]),
        keys=from_item(stream["Keys"]),
        new=from_item(new) if new is not None else None,
        old=from_item(old) if old is not None else None,
        at=datetime.fromtimestamp(float(stream["ApproximateCreationDateTime"]), UTC),
    )


def change_of_item(
    *,
    event: str,
    keys: Mapping[str, Any],
    new: Mapping[str, Any] | None,
    old: Mapping[str, Any] | None,
    at: datetime,
) -> Change | None:
    """What one write of an item of the portal table tells of, from its images as plain values (`event`:
    INSERT, MODIFY or REMOVE; `at`: when it was written). Keyed as the ledger, payment and user adapters
    write them: a history row `TXN#...`, a payment record `PAYMENT#...`, a user `USER#...` (its
    `invited_at` set once the invitation is out), a username claim `USERNAME` (turning deleted)."""
    sort_key = str(keys.get("SK", ""))
    new, old = new or {}, old or {}
    account_id = str(keys.get("PK", "")).removeprefix("ACCOUNT#")
    if sort_key.startswith("TXN#") and event == "INSERT":
        return _transaction_posted(account_id, new, at)
    if sort_key.startswith("PAYMENT#") and event in ("INSERT", "MODIFY"):
        return _payment_concluded(account_id, new, old, at)
    if sort_key.startswith("USER#") and event == "MODIFY":
        invited_at = new.get("invited_at")
        if not invited_at or invited_at == old.get("invited_at"):
            return None
        return UserAdded(account_id, new["username"], new["first_name"], new["last_name"], str(invited_at))
    turned_deleted = new.get("status") == "deleted" and old.get("status") == "active"
    if sort_key == "USERNAME" and event == "MODIFY" and turned_deleted and new.get("snapshot"):
        user = new["snapshot"]
        return UserDeleted(
            new["account_id"], user["username"], user["first_name"], user["last_name"], str(new["deleted_at"])
        )
    return None


def _transaction_posted(account_id: str, row: Mapping[str, Any], at: datetime) -> TransactionPosted:
    return TransactionPosted(
        account_id=account_id,
        transaction_id=row["id"],
        type=row["type"],
        on=date.fromisoformat(row["date"]),
        description=row["description"],
        amount_cents=int(row.get("credit_cents") or row.get("debit_cents") or 0),
        balance_cents=int(row["balance_cents"]),
        at=at,
    )


def _payment_concluded(
    account_id: str, new: Mapping[str, Any], old: Mapping[str, Any], at: datetime
) -> PaymentApproved | AutopayNotCharged | None:
    """A payment record turning approved, or an Auto Pay one turning declined or failed."""
    status, before = new.get("status"), old.get("status")
    if status == PaymentStatus.APPROVED.value and before != status:
        settled_at = new.get("settled_at")
        return PaymentApproved(
            account_id=account_id,
            payment_id=new["id"],
            amount_cents=int(new["amount_cents"]),
            card=_card(new.get("card")),
            settled_at=instant(settled_at) if settled_at else None,
            at=at,
        )
    if status in _FAILED and before not in _FAILED and new.get("autopay_invoice_id"):
        return AutopayNotCharged(
            account_id=account_id,
            payment_id=new["id"],
            invoice_id=str(new["autopay_invoice_id"]),
            amount_cents=int(new["amount_cents"]),
            card=_card(new.get("card")),
            reason=new.get("message") or None,
            at=at,
        )
    return None


def _card(stored: Mapping[str, Any] | None) -> Card | None:
    if not stored:
        return None
    return Card(stored["brand"], stored["last4"], int(stored["exp_month"]), int(stored["exp_year"]))


# -- the notifier's own records --------------------------------------------------------------------------


def _sent_key(notice_key: str, recipient: str) -> dict[str, Any]:
    return to_item({"PK": f"SENT#{notice_key}#{recipient.lower()}"})


def _suppressed_key(address: str) -> dict[str, Any]:
    return to_item({"PK": f"SUPPRESSED#{address.lower()}"})


def _conditional_failure(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


class DynamoSentLog:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def claim(self, notice_key: str, recipient: str, now: int, lease_seconds: int) -> Claim:
        item = {
            **_sent_key(notice_key, recipient),
            **to_item(
                {
                    "status": "sending",
                    "claimed_until": now + lease_seconds,
                    "expires_at": now + SENT_RECORD_DAYS * 86400,
                }
            ),
        }
        try:
            self._db.put_item(
                TableName=self.table,
                Item=item,
                # A claim left behind by an invocation that died mid-send is taken over once it lapses.
                ConditionExpression="attribute_not_exists(PK) OR (#s = :sending AND claimed_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":sending": "sending", ":now": now}),
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            found = self._db.get_item(
                TableName=self.table, Key=_sent_key(notice_key, recipient), ConsistentRead=True
            ).get("Item")
            status = from_item(found).get("status") if found else None
            return Claim.SENT if status == "sent" else Claim.BUSY
        return Claim.TAKEN

    def mark_sent(self, notice_key: str, recipient: str, message_id: str, sent_at: str) -> None:
        self._db.update_item(
            TableName=self.table,
            Key=_sent_key(notice_key, recipient),
            UpdateExpression="SET #s = :sent, message_id = :id, sent_at = :at REMOVE claimed_until",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item({":sent": "sent", ":id": message_id, ":at": sent_at}),
        )

    def release(self, notice_key: str, recipient: str) -> None:
        """Give up a claim whose email was not sent, so that the next delivery sends it."""
        try:
            self._db.delete_item(
                TableName=self.table,
                Key=_sent_key(notice_key, recipient),
                ConditionExpression="#s = :sending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":sending": "sending"}),
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise


class DynamoSuppressionList:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def suppressed(self, addresses: Iterable[str]) -> set[str]:
        """Those of the addresses on the list (compared without case), as given."""
        wanted = {address.lower(): address for address in addresses}
        found: set[str] = set()
        keys = [_suppressed_key(address) for address in wanted]
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            request: dict[str, Any] = {self.table: {"Keys": keys[start : start + _BATCH_GET_LIMIT]}}
            while request:
                answer = self._db.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table, []):
                    found.add(wanted[from_item(item)["PK"].removeprefix("SUPPRESSED#")])
                request = answer.get("UnprocessedKeys") or {}
        return found

    def suppress(self, address: str, reason: str, detail: str, at: str) -> None:
        item = {"PK": f"SUPPRESSED#{address.lower()}", "address": address, "reason": reason, "detail": detail}
        self._db.put_item(TableName=self.table, Item=to_item({**item, "suppressed_at": at}))
