"""DynamoDB adapter of the ledger store: one table, an item collection per account.

PK ACCOUNT#<id>  SK ACCOUNT            the account: profile, ledger state, auto pay (dashboard: 1 read)
PK ACCOUNT#<id>  SK TXN#<date>#<seq>   a history row (GSI1 by type: ACCOUNT#<id>#TXN#<type>)
PK ACCOUNT#<id>  SK DOC#<id>           a transaction's details: invoice, payment, credit, refund
PK ACCOUNT#<id>  SK USER#<username>    a portal user
"""

from __future__ import annotations

import heapq
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from billing_portal.i18n.text import LANGUAGES, Language
from billing_portal.ledger.documents import PostingWrite, TransactionDocument
from billing_portal.ledger.model import (
    CreditApplied,
    EntryType,
    HistoryRow,
    InvoicePayment,
    LastPayment,
    LedgerState,
    OpenInvoice,
    PaymentClaim,
    Posting,
)
from billing_portal.ledger.ports import (
    Account,
    Address,
    DuplicateDocument,
    HistoryWindow,
    UserSessions,
    default_language,
    row_sort_key,
)
from billing_portal.payments.autopay_setting import AutopaySetting
from billing_portal.shared import aws
from billing_portal.shared.errors import ConcurrentUpdate

TYPE_INDEX = "GSI1"
_MAX_TRANSACTION_ITEMS = 100
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_plain(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _native(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """Python values DynamoDB accepts: dates as ISO text, floats never."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("money and quantities are never floats")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _native(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; ours are integers (cents, counts)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def set_existing(db: Any, table: str, key: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any] | None:
    """Set attributes of an existing item; its new state, or None when there is no such item."""
    names = {f"#f{i}": name for i, name in enumerate(changes)}
    values = {f":v{i}": value for i, value in enumerate(changes.values())}
    try:
        updated = db.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return from_item(updated["Attributes"])


def account_key(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def _ledger_to_map(state: LedgerState) -> dict[str, Any]:
    return {
        "entry_count": state.entry_count,
        "balance_cents": state.balance_cents,
        "unapplied_cents": state.unapplied_cents,
        "open_invoices": {k: asdict(v) for k, v in state.open_invoices.items()},
        "pending_credits": dict(state.pending_credits),
        "last_entry_date": state.last_entry_date,
        "last_payment": asdict(state.last_payment) if state.last_payment else None,
        "pending_payments": dict(state.pending_payments),
        "payment_claim": asdict(state.payment_claim) if state.payment_claim else None,
        "invoice_totals": dict(state.invoice_totals),
    }


def _ledger_from_map(version: int, data: dict[str, Any]) -> LedgerState:
    last = data.get("last_payment")
    return LedgerState(
        version=version,
        entry_count=data["entry_count"],
        balance_cents=data["balance_cents"],
        unapplied_cents=data["unapplied_cents"],
        open_invoices={
            k: OpenInvoice(
                issue_date=date.fromisoformat(v["issue_date"]),
                due_date=date.fromisoformat(v["due_date"]),
                total_cents=v["total_cents"],
                outstanding_cents=v["outstanding_cents"],
                # Invoices posted before the sequence was kept: the id was the tie-break then.
                seq=v.get("seq", 0),
            )
            for k, v in data.get("open_invoices", {}).items()
        },
        pending_credits=dict(data.get("pending_credits", {})),
        last_entry_date=date.fromisoformat(data["last_entry_date"]) if data.get("last_entry_date") else None,
        last_payment=LastPayment(date.fromisoformat(last["date"]), last["amount_cents"], last["method"])
        if last
        else None,
        pending_payments=dict(data.get("pending_payments", {})),
        payment_claim=PaymentClaim(**data["payment_claim"]) if data.get("payment_claim") else None,
        invoice_totals={month: int(cents) for month, cents in data.get("invoice_totals", {}).items()},
    )


def account_language(data: dict[str, Any]) -> Language:
    """An account item's default language; an account stored before languages has its billing address's."""
    stored = data.get("language")
    if stored in LANGUAGES:
        language: Language = stored
        return language
    return default_language(data.get("billing_address", {}).get("province", ""))


def _account_from_item(data: dict[str, Any]) -> Account:
    return Account(
        account_id=data["account_id"],
        account_number=data["account_number"],
        name=data["name"],
        billing_address=Address(**data["billing_address"]),
        time_zone=data["time_zone"],
        billing_contacts=list(data.get("billing_contacts", [])),
        ledger=_ledger_from_map(data["ledger_version"], data["ledger"]),
        autopay=AutopaySetting.from_stored(data.get("autopay")),
        language=account_language(data),
    )


def _row_from_item(data: dict[str, Any]) -> HistoryRow:
    return HistoryRow(
        seq=data["seq"],
        id=data["id"],
        type=EntryType(data["type"]),
        date=date.fromisoformat(data["date"]),
        description=data["description"],
        credit_cents=data.get("credit_cents"),
        debit_cents=data.get("debit_cents"),
        balance_cents=data["balance_cents"],
    )


class DynamoLedgerStore:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    # -- accounts -------------------------------------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        found = self._db.get_item(
            TableName=self.table, Key=to_item({"PK": account_key(account_id), "SK": "ACCOUNT"})
        ).get("Item")
        return _account_from_item(from_item(found)) if found else None

    def get_account_and_sessions(
        self, account_id: str, username: str
    ) -> tuple[Account | None, UserSessions | None]:
        """The account and what the user's record says of their sessions, in one request (the dashboard's
        one read), strongly consistent like the edge's own read of the user."""
        from billing_portal.users.dynamo import user_key, user_sessions

        account_key_item = to_item({"PK": account_key(account_id), "SK": "ACCOUNT"})
        keys = [account_key_item, user_key(account_id, username)]
        found: list[dict[str, Any]] = []
        while keys:
            answer = self._db.batch_get_item(
                RequestItems={self.table: {"Keys": keys, "ConsistentRead": True}}
            )
            found.extend(answer["Responses"].get(self.table, []))
            # Keys DynamoDB left for later (throttled) are asked for again.
            keys = answer.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", [])
        items = {item["SK"]["S"]: item for item in found}
        account = items.get("ACCOUNT")
        return (
            _account_from_item(from_item(account)) if account else None,
            user_sessions(items.get(f"USER#{username}")),
        )

    def create_account(self, account: Account) -> bool:
        item = {
            "PK": account_key(account.account_id),
            "SK": "ACCOUNT",
            "account_id": account.account_id,
            "account_number": account.account_number,
            "name": account.name,
            "billing_address": asdict(account.billing_address),
            "time_zone": account.time_zone,
            "billing_contacts": account.billing_contacts,
            "language": account.language,
            "ledger_version": account.ledger.version,
            "ledger": _ledger_to_map(account.ledger),
        }
        try:
            self._db.put_item(
                TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update_profile(self, account_id: str, changes: dict[str, Any]) -> Account | None:
        key = to_item({"PK": account_key(account_id), "SK": "ACCOUNT"})
        updated = set_existing(self._db, self.table, key, changes)
        return _account_from_item(updated) if updated is not None else None

    # -- postings -------------------------------------------------------------------------------------

    def commit(self, account_id: str, write: PostingWrite) -> None:
        pk = account_key(account_id)
        documents = [self._document_put(pk, document) for document in write.documents]
        items = [
            self._ledger_update(pk, write.posting),
            *(self._row_put(pk, row) for row in write.posting.rows),
            *(self._invoice_payment(pk, payment) for payment in write.invoice_payments),
            *(self._credit_applied(pk, credit) for credit in write.applied_credits),
            *documents,  # last: a refused one is told by its position
        ]
        if len(items) > _MAX_TRANSACTION_ITEMS:
            raise ValueError(
                f"a posting touches {len(items)} items; DynamoDB allows {_MAX_TRANSACTION_ITEMS}"
            )
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons[len(items) - len(documents) :]:
                raise DuplicateDocument from error
            raise ConcurrentUpdate from error

    def _ledger_update(self, pk: str, posting: Posting) -> dict[str, Any]:
        """The ledger's new state, conditional on the version it was computed from."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"PK": pk, "SK": "ACCOUNT"}),
                "UpdateExpression": "SET ledger = :ledger, ledger_version = :next",
                "ConditionExpression": "ledger_version = :seen",
                "ExpressionAttributeValues": to_item(
                    {
                        ":ledger": _ledger_to_map(posting.after),
                        ":next": posting.after.version,
                        ":seen": posting.before.version,
                    }
                ),
            }
        }

    def _row_put(self, pk: str, row: HistoryRow) -> dict[str, Any]:
        sort_key = row_sort_key(row.date, row.seq)
        record = {
            "PK": pk,
            "SK": sort_key,
            "GSI1PK": f"{pk}#TXN#{row.type.value}",
            "GSI1SK": sort_key,
            **asdict(row),
            "type": row.type.value,
        }
        return self._put_new(record)

    def _document_put(self, pk: str, document: TransactionDocument) -> dict[str, Any]:
        return self._put_new({"PK": pk, "SK": f"DOC#{document.id}", **document.stored()})

    def _put_new(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(record),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _invoice_payment(self, pk: str, payment: InvoicePayment) -> dict[str, Any]:
        applied = {"source_id": payment.source_id, "cents": payment.cents}
        return self._update_document(
            pk,
            payment.invoice_id,
            "SET amount_paid_cents = amount_paid_cents + :c, #s = :s, applied = list_append(applied, :a)",
            {":c": payment.cents, ":s": payment.status, ":a": [applied]},
        )

    def _credit_applied(self, pk: str, credit: CreditApplied) -> dict[str, Any]:
        return self._update_document(
            pk,
            credit.credit_id,
            "SET #s = :s, applied_on_invoice = :i",
            {":s": credit.status, ":i": credit.invoice_id},
        )

    def _update_document(
        self, pk: str, document_id: str, expression: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """A change of a document stored before (conditional on its being there)."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_item({"PK": pk, "SK": f"DOC#{document_id}"}),
                "UpdateExpression": expression,
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_item(values),
            }
        }

    # -- reads ----------------------------------------------------------------------------------------

    def history(
        self, account_id: str, types: frozenset[EntryType] | None, window: HistoryWindow, limit: int
    ) -> list[HistoryRow]:
        pk = account_key(account_id)
        if types is None or types == frozenset(EntryType):
            return self._query_rows(None, pk, window, limit)
        # One query per type, merged newest first: no page is filtered down after reading.
        pages = [self._query_rows(t, f"{pk}#TXN#{t.value}", window, limit) for t in sorted(types)]
        merged = heapq.merge(*pages, key=lambda r: row_sort_key(r.date, r.seq), reverse=True)
        return list(merged)[:limit]

    def _query_rows(
        self, entry_type: EntryType | None, partition: str, window: HistoryWindow, limit: int
    ) -> list[HistoryRow]:
        pk_name, sk_name = ("PK", "SK") if entry_type is None else ("GSI1PK", "GSI1SK")
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": f"{pk_name} = :pk AND {sk_name} BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_item(
                {":pk": partition, ":low": window.low, ":high": window.high}
            ),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if entry_type is not None:
            request["IndexName"] = TYPE_INDEX
        found = self._db.query(**request)["Items"]
        return [_row_from_item(from_item(item)) for item in found]

    def get_document(self, account_id: str, document_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self.table, Key=to_item({"PK": account_key(account_id), "SK": f"DOC#{document_id}"})
        ).get("Item")
        if not found:
            return None
        doc = from_item(found)
        for key in ("PK", "SK"):
            doc.pop(key, None)
        return doc

    # -- users ----------------------------------------------------------------------------------------
