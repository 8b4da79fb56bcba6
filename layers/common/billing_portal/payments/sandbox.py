"""The built-in sandbox card processor. It behaves like a real one, with test tokens:

    tok_visa, tok_mastercard   approve
    tok_declined               declines (also when saving the card)
    tok_pending                stays pending until the processor's signed callback settles it

`tokenize` stands in for the processor's hosted card fields (the local stack serves it): test card
4242 4242 4242 4242 approves, 4000 0000 0000 0002 declines, 4000 0000 0000 0077 stays pending. A sandbox
token or card reference carries the card's brand, last four digits, expiry and test behaviour, never its
number. Charges are kept in the portal's table under their own partition (what the processor's own
database would hold), so that an idempotency key charges once and a pending charge can be settled later.
Each charge takes the next number of a counter item as it is made: `charges()` lists them in the order they
were made, which no clock's resolution or two charges in one instant can blur.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.i18n import _
from billing_portal.ledger.dynamo import from_item, to_item
from billing_portal.payments.cards import Card, luhn_valid
from billing_portal.payments.processor import (
    DECLINED,
    BillingDetails,
    CardDeclined,
    Charge,
    ChargeStatus,
    InvalidCardToken,
    SavedCard,
    callback_body,
    signature_header,
)
from billing_portal.shared import aws
from billing_portal.shared.clock import Clock, timestamp, utc_now
from billing_portal.shared.errors import NotFound, ValidationFailed

TEST_EXPIRY = (12, 2034)
TEST_TOKENS: dict[str, tuple[str, str, ChargeStatus]] = {
    "tok_visa": ("visa", "4242", ChargeStatus.APPROVED),
    "tok_mastercard": ("mastercard", "4444", ChargeStatus.APPROVED),
    "tok_declined": ("visa", "0002", ChargeStatus.DECLINED),
    "tok_pending": ("visa", "0077", ChargeStatus.PENDING),
}
TEST_CARD_BEHAVIOUR = {
    "4000000000000002": ChargeStatus.DECLINED,
    "4000000000000077": ChargeStatus.PENDING,
}
_NUMBER = re.compile(r"[0-9]{13,19}")
NOT_ISSUED = _("The card token is not one the card processor issued.")
_CVC = re.compile(r"[0-9]{3,4}")


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def _encode(prefix: str, card: Card, behaviour: ChargeStatus) -> str:
    payload = {
        "b": card.brand,
        "l": card.last4,
        "m": card.exp_month,
        "y": card.exp_year,
        "o": behaviour.value,
    }
    return prefix + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(source: str) -> tuple[Card, ChargeStatus]:
    if source in TEST_TOKENS:
        brand, last4, behaviour = TEST_TOKENS[source]
        return Card(brand, last4, *TEST_EXPIRY), behaviour
    prefix, _, encoded = source.partition("_")
    try:
        if prefix not in ("tok", "card") or not encoded or len(encoded) > 200:
            raise ValueError("not a sandbox token")
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        card = Card(str(payload["b"]), str(payload["l"]), int(payload["m"]), int(payload["y"]))
        return card, ChargeStatus(payload["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidCardToken(NOT_ISSUED) from None


def tokenize(number: str, exp_month: int, exp_year: int, cvc: str, today: date) -> str:
    """What the processor's hosted card fields do with what a person types: check it, return a token."""
    digits = re.sub(r"[ -]", "", number)
    if not _NUMBER.fullmatch(digits) or not luhn_valid(digits):
        raise ValidationFailed(_("The card number is not valid."))
    if not _CVC.fullmatch(cvc):
        raise ValidationFailed(_("The security code is not valid."))
    if not 1 <= exp_month <= 12 or not today.year <= exp_year <= today.year + 20:
        raise ValidationFailed(_("The expiry date is not valid."))
    card = Card(_brand(digits), digits[-4:], exp_month, exp_year)
    if card.expired(today):
        raise ValidationFailed(_("The card has expired."))
    return _encode("tok_", card, TEST_CARD_BEHAVIOUR.get(digits, ChargeStatus.APPROVED))


def charge_key(charge_id: str) -> dict[str, Any]:
    return to_item({"PK": f"SANDBOX#CHARGE#{charge_id}", "SK": "CHARGE"})


# The counter that numbers the charges in the order they are made (outside the charges' key prefix).
_SEQUENCE_KEY = {"PK": "SANDBOX#SEQUENCE", "SK": "CHARGES"}


def _charge_id(idempotency_key: str) -> str:
    return "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def _token(token: str) -> tuple[Card, ChargeStatus]:
    if not token.startswith("tok_"):
        raise InvalidCardToken(NOT_ISSUED)
    return _decode(token)


class SandboxProcessor:
    def __init__(self, table_name: str, clock: Clock = utc_now) -> None:
        self.table = table_name
        self.clock = clock

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def card_of_token(self, token: str) -> Card:
        card, _ = _token(token)
        return card

    def save_card(self, token: str, billing: BillingDetails) -> SavedCard:
        card, behaviour = _token(token)
        if behaviour is ChargeStatus.DECLINED:
            raise CardDeclined(DECLINED)
        return SavedCard(reference=_encode("card_", card, behaviour), card=card)

    def charge(
        self,
        source: str,
        amount_cents: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        billing: BillingDetails | None,
    ) -> Charge:
        card, behaviour = _decode(source)
        charge_id = _charge_id(idempotency_key)
        charge = Charge(charge_id, behaviour, amount_cents, card)
        record = {
            **{k: v["S"] for k, v in charge_key(charge_id).items()},
            "charge_id": charge_id,
            "seq": self._next_number(),
            "status": behaviour.value,
            "amount_cents": amount_cents,
            "card": asdict(card),
            "metadata": metadata,
            "receipt_email": billing.email if billing else None,
            "created_at": timestamp(self.clock()),
        }
        try:
            self._db.put_item(
                TableName=self.table,
                Item=to_item(record),
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # The same idempotency key again: the processor answers with the charge it made the first time.
            earlier = from_item(error.response["Item"]) if "Item" in error.response else self._get(charge_id)
            return _charge_of(earlier)
        return charge

    def _next_number(self) -> int:
        """The counter's next value: one atomic update, so two charges made at once never share one (a
        repeated idempotency key uses a number up for nothing, which leaves a gap, not a disorder)."""
        updated = self._db.update_item(
            TableName=self.table,
            Key=to_item(_SEQUENCE_KEY),
            UpdateExpression="ADD #n :one",
            ExpressionAttributeNames={"#n": "next"},
            ExpressionAttributeValues=to_item({":one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        return int(from_item(updated["Attributes"])["next"])

    def charge_of_key(self, idempotency_key: str) -> Charge | None:
        found = self._db.get_item(
            TableName=self.table, Key=charge_key(_charge_id(idempotency_key)), ConsistentRead=True
        ).get("Item")
        return _charge_of(from_item(found)) if found else None

    def _get(self, charge_id: str) -> dict[str, Any]:
        found = self._db.get_item(TableName=self.table, Key=charge_key(charge_id)).get("Item")
        if not found:
            raise NotFound(_("No charge {charge_id}.", charge_id=charge_id))
        return from_item(found)

    # -- the processor's side of settling --------------------------------------------------------------

    def settle(self, charge_id: str, outcome: ChargeStatus, secret: bytes) -> tuple[bytes, str]:
        """Settle a pending charge as the bank decided, and build the signed callback the processor
        sends about it: (body, signature header)."""
        if outcome is ChargeStatus.PENDING:
            raise ValidationFailed(_("A charge settles as approved or declined."))
        try:
            updated = self._db.update_item(
                TableName=self.table,
                Key=charge_key(charge_id),
                UpdateExpression="SET #s = :outcome",
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":outcome": outcome.value, ":pending": "pending"}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise NotFound(_("No pending charge {charge_id}.", charge_id=charge_id)) from None
        record = from_item(updated["Attributes"])
        now = int(self.clock().timestamp())
        body = callback_body(f"evt_{uuid.uuid4().hex}", _charge_of(record), dict(record["metadata"]), now)
        return body, signature_header(secret, now, body)

    def find_charge(self, payment_id: str) -> str | None:
        """The charge made for a payment of ours (local stack only: a scan of the sandbox's records)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(PK, :sandbox) AND metadata.payment_id = :payment",
            "ExpressionAttributeValues": to_item({":sandbox": "SANDBOX#CHARGE#", ":payment": payment_id}),
        }
        while True:
            page = self._db.scan(**request)
            if page["Items"]:
                return str(from_item(page["Items"][0])["charge_id"])
            if "LastEvaluatedKey" not in page:
                return None
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def charges(self) -> list[dict[str, Any]]:
        """Every charge the sandbox made (local stack only), in the order they were made."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(PK, :sandbox)",
            "ExpressionAttributeValues": to_item({":sandbox": "SANDBOX#CHARGE#"}),
        }
        while True:
            page = self._db.scan(**request)
            found.extend(from_item(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        for record in found:
            record.pop("PK", None)
            record.pop("SK", None)
        return sorted(found, key=lambda r: r["seq"])


def _charge_of(record: dict[str, Any]) -> Charge:
    card = record["card"]
    return Charge(
        charge_id=record["charge_id"],
        status=ChargeStatus(record["status"]),
        amount_cents=record["amount_cents"],
        card=Card(card["brand"], card["last4"], card["exp_month"], card["exp_year"]),
    )
