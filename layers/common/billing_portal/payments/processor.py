"""The card processor port: tell the card behind a client-side token, save a card from a token, charge with
an idempotency key, find the charge made under a key, and verify the processor's signed callback that
settles a pending charge.

The callback is signed like the processors we know sign theirs: the header `Processor-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with a secret shared with the processor. A callback
is refused when its signature does not match, when it is older (or newer) than the tolerance, and when the
same signed delivery arrives twice (the caller records what it has seen).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from billing_portal.i18n import _
from billing_portal.ledger.ports import Address
from billing_portal.payments.cards import Card
from billing_portal.shared.errors import BadRequest, Conflict, PortalError, ValidationFailed

SIGNATURE_HEADER = "Processor-Signature"
CALLBACK_TOLERANCE_SECONDS = 300
_SIGNATURE = re.compile(r"t=([0-9]{1,12}),v1=([0-9a-f]{64})")
DECLINED = _("The card has been declined.")
NOT_UNDERSTOOD = _("The callback is not one this API understands.")


class ChargeStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    PENDING = "pending"


@dataclass(frozen=True)
class BillingDetails:
    """Who pays, as the processor checks it: the card's billing address and the email receipts go to."""

    email: str
    address: Address


@dataclass(frozen=True)
class SavedCard:
    reference: str  # the processor's id of the stored card: what later charges use
    card: Card


@dataclass(frozen=True)
class Charge:
    charge_id: str
    status: ChargeStatus
    amount_cents: int
    card: Card


class CardDeclined(PortalError):
    status, code = 402, "card_declined"


class InvalidCardToken(ValidationFailed):
    code = "invalid_card_token"


class CardProcessor(Protocol):
    def card_of_token(self, token: str) -> Card:
        """The card a token stands for (brand, last four digits, expiry), as the processor's token lookup
        tells it, before anything is charged or saved. InvalidCardToken when the processor did not issue
        the token."""

    def save_card(self, token: str, billing: BillingDetails) -> SavedCard:
        """Store the tokenized card for later charges. CardDeclined when the card does not verify,
        InvalidCardToken when the token is not one the processor issued."""

    def charge(
        self,
        source: str,
        amount_cents: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        billing: BillingDetails | None,
    ) -> Charge:
        """Charge a token or a saved card in Canadian dollars. The same idempotency key always answers the
        same charge, and charges once. A declined card is a Charge with status DECLINED, not an error."""

    def charge_of_key(self, idempotency_key: str) -> Charge | None:
        """The charge made under this idempotency key, as it stands now; None when none was made."""


# -- the callback ------------------------------------------------------------------------------------------


class CallbackRefused(BadRequest):
    code = "callback_refused"


class CallbackReplayed(Conflict):
    code = "callback_replayed"


@dataclass(frozen=True)
class Settlement:
    """A verified callback: the processor settled a pending charge."""

    event_id: str
    charge_id: str
    outcome: ChargeStatus  # APPROVED or DECLINED
    amount_cents: int
    account_id: str
    payment_id: str
    signature: str  # the delivery's signature, to refuse it if it comes again


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_callback(secret: bytes, header: str | None, body: bytes, now: float) -> Settlement:
    """The callback's content once its signature and age check out; CallbackRefused otherwise."""
    found = _SIGNATURE.fullmatch((header or "").strip())
    if found is None:
        raise CallbackRefused(_("The callback is not signed."))
    timestamp, signature = int(found.group(1)), found.group(2)
    expected = signature_header(secret, timestamp, body).rpartition("v1=")[2]
    if not hmac.compare_digest(expected, signature):
        raise CallbackRefused(_("The callback's signature does not match."))
    if abs(now - timestamp) > CALLBACK_TOLERANCE_SECONDS:
        raise CallbackRefused(_("The callback is too old, or dated in the future."))
    try:
        event = json.loads(body)
        data = event["data"]
        outcome = ChargeStatus(data["outcome"])
        settlement = Settlement(
            event_id=_text(event["id"]),
            charge_id=_text(data["charge_id"]),
            outcome=outcome,
            amount_cents=_cents(data["amount"]),
            account_id=_text(data["metadata"]["account_id"]),
            payment_id=_text(data["metadata"]["payment_id"]),
            signature=signature,
        )
    except (ValueError, KeyError, TypeError):
        raise CallbackRefused(NOT_UNDERSTOOD) from None
    if event.get("type") != "charge.settled" or outcome is ChargeStatus.PENDING:
        raise CallbackRefused(NOT_UNDERSTOOD)
    return settlement


def callback_body(event_id: str, charge: Charge, metadata: dict[str, str], created: int) -> bytes:
    """What the processor sends when it settles a charge (the sandbox builds it; tests read it)."""
    event: dict[str, Any] = {
        "id": event_id,
        "type": "charge.settled",
        "created": created,
        "data": {
            "charge_id": charge.charge_id,
            "outcome": charge.status.value,
            "amount": charge.amount_cents,
            "currency": "cad",
            "metadata": metadata,
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _text(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise ValueError("not a short text")
    return value


def _cents(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("not an amount in cents")
    return value
