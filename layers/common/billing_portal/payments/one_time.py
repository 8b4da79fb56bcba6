"""One-time card payments (help centre: "Make a Payment"): an amount, paid with a saved card or a new one
(kept for later when asked), charged once whatever is retried (see `charging`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import Field, StrictBool, field_validator, model_validator

from billing_portal.i18n import Amount, _
from billing_portal.i18n.words import Words
from billing_portal.ledger.ports import Account
from billing_portal.payments.cards import refuse_expired
from billing_portal.payments.charging import (
    PAYMENT_NOT_FOUND,
    Charging,
    PaymentView,
    payment_id_for,
    payment_view,
)
from billing_portal.payments.methods import (
    CardFreeModel,
    NewPaymentMethod,
    UserLister,
    billing_details,
    find_method,
    refuse_another_saved,
    saved_method,
)
from billing_portal.payments.ports import PaymentRecord, PaymentStatus, SavedMethod
from billing_portal.payments.processor import DECLINED, BillingDetails, CardDeclined
from billing_portal.shared.errors import NotFound, ValidationFailed
from billing_portal.shared.money import parse_amount

# $100,000.00: far above any invoice, low enough to catch a typo's extra digits.
MAX_PAYMENT_CENTS = 10_000_000
ZERO_PAYMENT = _("Payments cannot be zero dollars.")


class KeyNamesAnotherPayment(ValidationFailed):
    code = "idempotency_key_reused"


class NewCardPayment(NewPaymentMethod):
    save: StrictBool = Field(default=False, description="Keep the card for future payments")


class PaymentRequest(CardFreeModel):
    """POST /payments: an amount and either a saved method or a new card."""

    amount: str = Field(description="Canadian dollars, at most two decimals", examples=["123.45"])
    payment_method_id: str | None = Field(default=None, max_length=40)
    new_payment_method: NewCardPayment | None = None

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        try:
            cents = parse_amount(value)
        except ValueError:
            raise ValueError(
                _("must be an amount in dollars with at most two decimals, like 123.45")
            ) from None
        if cents < 0:
            raise ValueError(_("must not be negative"))
        return value

    @model_validator(mode="after")
    def _one_source(self) -> PaymentRequest:
        if (self.payment_method_id is None) == (self.new_payment_method is None):
            raise ValueError(_("send either payment_method_id or new_payment_method"))
        return self


@dataclass(frozen=True)
class _Source:
    reference: str  # a token or a saved card's reference
    billing: BillingDetails
    method: SavedMethod | None
    # A new card kept for later: the id it is saved under, named after the payment so that a retried
    # request saves it once (and a card saved for a payment that is declined is not kept).
    keep_as: str | None = None


def _refuse_amount(cents: int) -> None:
    if cents == 0:
        raise ValidationFailed(ZERO_PAYMENT)
    if cents > MAX_PAYMENT_CENTS:
        raise ValidationFailed(
            _(
                "A payment can be at most {maximum}. For a larger payment, contact {billing_team}.",
                maximum=Amount(MAX_PAYMENT_CENTS),
            )
        )


class OneTimePayments:
    def __init__(self, *, charging: Charging, users: UserLister) -> None:
        """`charging`: the one-payment-in-flight charge every payment goes through (its store, processor and
        clock are this service's too)."""
        self.charging = charging
        self.store = charging.store
        self.processor = charging.processor
        self.users = users

    def pay(
        self, account_id: str, idempotency_key: str, request: PaymentRequest, words: Words
    ) -> PaymentView:
        """Charge and, once approved, post. CardDeclined when the bank says no (nothing is posted),
        PaymentPending while another payment of the account is in flight (nothing is done)."""
        cents = parse_amount(request.amount)
        _refuse_amount(cents)
        account = self.charging.account(account_id)
        payment_id = payment_id_for(account_id, f"one-time\n{idempotency_key}")
        digest = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        earlier = self.store.get_payment(account_id, payment_id)
        if earlier is not None and earlier.request_digest != digest:
            # The key names this payment for good, also after its idempotency record has expired.
            raise KeyNamesAnotherPayment(
                _("This Idempotency-Key was used for another payment. Use a new key for a new payment.")
            )
        if earlier is not None and earlier.status is not PaymentStatus.PROCESSING:
            return _answer(earlier, words)  # its answer was lost on the way; the payment was made
        source = self._source(account, payment_id, request)
        claim = self.charging.claim(account, payment_id, cents)
        try:
            if source.keep_as is not None and source.method is None:
                source = self._keep_card(account, source, source.keep_as)
            record = PaymentRecord(
                id=payment_id,
                account_id=account_id,
                amount_cents=cents,
                status=PaymentStatus.PROCESSING,
                created_at=self.charging.now(),
                card=source.method.card if source.method else None,
                payment_method_id=source.method.id if source.method else None,
                request_digest=digest,
            )
            record = self.store.start_payment(record) or record
        except BaseException:
            self.charging.release(account_id, claim)  # nothing was charged: other payments may go ahead
            raise
        charge = self.charging.charge(record, source.reference, source.billing, claim)
        concluded = self.charging.conclude(record, charge)
        if concluded.status is PaymentStatus.DECLINED and source.keep_as and source.method:
            self.store.delete_method(account_id, source.method.id)  # a card just declined is not kept
        return _answer(concluded, words)

    def status(self, account_id: str, payment_id: str, words: Words) -> PaymentView:
        record = self.store.get_payment(account_id, payment_id) if len(payment_id) <= 60 else None
        if record is None:
            raise NotFound(PAYMENT_NOT_FOUND)
        return payment_view(record, words)

    def _source(self, account: Account, payment_id: str, request: PaymentRequest) -> _Source:
        """What the payment is charged to, every check that can refuse the request made, nothing saved."""
        today = self.charging.today(account)
        if request.payment_method_id is not None:
            method = find_method(self.store, account.account_id, request.payment_method_id)
            refuse_expired(method.card, today)
            billing = BillingDetails(method.billing_email, method.billing_address)
            return _Source(method.reference, billing, method)
        new = request.new_payment_method
        if new is None:  # the request model requires one of the two
            raise ValidationFailed(_("Send either payment_method_id or new_payment_method."))
        refuse_expired(self.processor.card_of_token(new.token), today)
        billing = billing_details(account, self.users, new.billing_address, new.billing_email)
        if not new.save:
            return _Source(new.token, billing, None)
        method_id = "pm_" + hashlib.sha256(payment_id.encode()).hexdigest()[:20]
        kept = self.store.get_method(account.account_id, method_id)
        if kept is not None:  # saved by an earlier attempt of this payment
            return _Source(kept.reference, billing, kept, keep_as=method_id)
        refuse_another_saved(self.store, account.account_id, while_paying=True)
        return _Source(new.token, billing, None, keep_as=method_id)

    def _keep_card(self, account: Account, source: _Source, method_id: str) -> _Source:
        saved = self.processor.save_card(source.reference, source.billing)
        self.store.add_method(
            saved_method(account.account_id, method_id, saved, source.billing, created_at=self.charging.now())
        )
        method = find_method(self.store, account.account_id, method_id)
        return _Source(method.reference, source.billing, method, keep_as=method_id)


def _answer(record: PaymentRecord, words: Words) -> PaymentView:
    if record.status is PaymentStatus.DECLINED:
        raise CardDeclined(DECLINED)
    return payment_view(record, words)
