"""Saved payment methods, payment records and auto pay: the records the payment services exchange with
storage, and the port they need from it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from billing_portal.i18n import _
from billing_portal.ledger.ports import Address
from billing_portal.payments.cards import Card
from billing_portal.shared.errors import Conflict

AUTOPAY_METHOD_IN_USE = _(
    "This payment method is used for Auto Pay. Turn Auto Pay off or choose another Auto Pay method first."
)


@dataclass(frozen=True)
class SavedMethod:
    id: str
    account_id: str
    reference: str  # the processor's id of the stored card; never a card number
    card: Card
    billing_email: str
    billing_address: Address
    created_at: str


class PaymentStatus(StrEnum):
    PROCESSING = "processing"  # recorded, the processor not asked yet (or its answer not recorded yet)
    APPROVED = "approved"
    PENDING = "pending"  # the processor waits for the bank; its callback settles it
    DECLINED = "declined"
    FAILED = "failed"  # a pending charge the bank declined, or an auto pay the portal could not attempt

    @property
    def final(self) -> bool:
        return self in (PaymentStatus.APPROVED, PaymentStatus.DECLINED, PaymentStatus.FAILED)


@dataclass(frozen=True)
class PaymentRecord:
    id: str
    account_id: str
    amount_cents: int
    status: PaymentStatus
    created_at: str
    card: Card | None
    payment_method_id: str | None = None  # the saved method charged, when one was
    charge_id: str | None = None
    autopay_invoice_id: str | None = None  # an auto pay charge: the invoice it pays
    # Why it was declined or failed: the English of a catalogue message (`charging.STORED_MESSAGES`).
    message: str | None = None
    settled_at: str | None = None
    request_digest: str | None = None  # a one-time payment: what the client asked, to refuse its key reused


class AutopayMethodInUse(Conflict):
    code = "autopay_method_in_use"


class PaymentStore(Protocol):
    # -- saved methods ---------------------------------------------------------------------------------
    def list_methods(self, account_id: str) -> list[SavedMethod]: ...

    def get_method(self, account_id: str, method_id: str) -> SavedMethod | None: ...

    def add_method(self, method: SavedMethod) -> None: ...

    def delete_method(self, account_id: str, method_id: str) -> bool:
        """False when there is no such method. AutopayMethodInUse while auto pay is on with it."""

    # -- auto pay --------------------------------------------------------------------------------------
    def enable_autopay(self, account_id: str, method: SavedMethod) -> bool:
        """False when the method was removed meanwhile (then nothing changes)."""

    def disable_autopay(self, account_id: str) -> None: ...

    def autopay_accounts(self) -> Iterator[str]:
        """The accounts with auto pay on."""

    # -- payments --------------------------------------------------------------------------------------
    def get_payment(self, account_id: str, payment_id: str) -> PaymentRecord | None: ...

    def start_payment(self, record: PaymentRecord) -> PaymentRecord | None:
        """Record a new payment; when one of that id exists, nothing is written and it is returned."""

    def save_payment(self, record: PaymentRecord) -> None: ...

    # -- processor callbacks ---------------------------------------------------------------------------
    def first_delivery(self, signature: str, expires_at: int) -> bool:
        """Remember a callback delivery's signature; False when it was seen before (a replay)."""
