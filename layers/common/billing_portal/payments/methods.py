"""Saved payment methods and Auto Pay (help centre: "Make a Payment", and the dashboard's Auto Pay tiles).

A card is saved from the processor's token; the portal keeps the processor's reference, brand, last four
digits, expiry, billing address and billing email. The billing email defaults to the account's top user. An
account keeps at most MAX_SAVED_METHODS cards.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from billing_portal.i18n import N_, _
from billing_portal.i18n.words import Words
from billing_portal.ledger.model import ACCOUNT_NOT_FOUND
from billing_portal.ledger.ports import Account, Address, LedgerStore, PortalUser
from billing_portal.ledger.profile import AddressModel
from billing_portal.ledger.views import Address as AddressView
from billing_portal.ledger.views import AutopayView, CardView, autopay_view, card_fields
from billing_portal.payments.cards import CARD_DATA_REFUSED, card_data_in, refuse_expired
from billing_portal.payments.ports import PaymentStore, SavedMethod
from billing_portal.payments.processor import BillingDetails, CardProcessor, SavedCard
from billing_portal.shared.clock import Clock, local_date, timestamp, utc_now
from billing_portal.shared.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from billing_portal.shared.validation import validate_email
from billing_portal.users.model import top_user

MAX_SAVED_METHODS = 10
METHOD_ID = re.compile(r"pm_[0-9a-f]{20}")
METHOD_NOT_FOUND = _("Payment method not found.")
CARD_TOKEN_PATTERN = r"^tok_[A-Za-z0-9_-]{1,300}$"  # noqa: S105 - the shape of a processor token  # nosec B105


class TooManyMethods(Conflict):
    code = "too_many_payment_methods"


class CardDataRefused(ValidationFailed):
    code = "card_data_refused"


def refuse_another_saved(store: PaymentStore, account_id: str, *, while_paying: bool = False) -> None:
    """TooManyMethods when the account keeps MAX_SAVED_METHODS cards already: a card saved with a payment is
    refused before anything is charged, and the payment can go ahead without saving it."""
    if len(store.list_methods(account_id)) >= MAX_SAVED_METHODS:
        raise TooManyMethods(
            _(
                "An account can keep {count} payment methods. Remove one, or pay without saving this card.",
                count=MAX_SAVED_METHODS,
            )
            if while_paying
            else _(
                "An account can keep {count} payment methods. Remove one before adding another.",
                count=MAX_SAVED_METHODS,
            )
        )


def find_method(store: PaymentStore, account_id: str, method_id: str) -> SavedMethod:
    """The account's saved method of that id; NotFound for any other id, well-formed or not."""
    method = store.get_method(account_id, method_id) if METHOD_ID.fullmatch(method_id) else None
    if method is None:
        raise NotFound(METHOD_NOT_FOUND)
    return method


class CardFreeModel(BaseModel):
    """A request model that refuses, before anything else reads it, a body carrying card data."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_card_data(cls, value: Any) -> Any:
        where = card_data_in(value)
        if where is not None:
            # Raised past pydantic (not a ValueError), so the value is never echoed in an error detail.
            raise CardDataRefused(
                _("The request is not valid: {problems}.", problems=CARD_DATA_REFUSED),
                [FieldProblem(where, CARD_DATA_REFUSED)],
            )
        return value


class NewPaymentMethod(CardFreeModel):
    """POST /payment-methods."""

    token: str = Field(
        pattern=CARD_TOKEN_PATTERN,
        description=N_("The processor's token from the card form"),
        examples=["tok_visa"],
    )
    billing_address: AddressModel | None = Field(
        default=None, description="Defaults to the account's billing address"
    )
    billing_email: str | None = Field(
        default=None, max_length=254, description="Defaults to the account's top portal user"
    )

    @field_validator("billing_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else validate_email(value)


class PaymentMethodView(CardView):
    id: str
    autopay: bool
    billing_email: str
    billing_address: AddressView
    created_at: str


class PaymentMethodList(BaseModel):
    items: list[PaymentMethodView]
    next_cursor: None = None  # a handful of cards: always one page


class AutopayChange(BaseModel):
    """PUT /autopay: on with a saved method, or off."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool  # true or false, not "true", 1 or "yes"
    payment_method_id: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _method_when_enabled(self) -> AutopayChange:
        if self.enabled and self.payment_method_id is None:
            raise ValueError(_("payment_method_id is required to turn Auto Pay on"))
        if not self.enabled and self.payment_method_id is not None:
            raise ValueError(_("payment_method_id goes with enabled: true only"))
        return self


class UserLister(Protocol):
    def list_users(self, account_id: str) -> list[PortalUser]: ...


def new_method_id() -> str:
    return "pm_" + secrets.token_hex(10)


def method_view(
    method: SavedMethod, autopay_method_id: str | None, today: date, words: Words
) -> PaymentMethodView:
    return PaymentMethodView(
        id=method.id,
        **card_fields(method.card, today, words),
        autopay=method.id == autopay_method_id,
        billing_email=method.billing_email,
        billing_address=AddressView(**asdict(method.billing_address)),
        created_at=method.created_at,
    )


def saved_method(
    account_id: str, method_id: str, saved: SavedCard, billing: BillingDetails, *, created_at: str
) -> SavedMethod:
    """A card the processor has just stored, as the account keeps it."""
    return SavedMethod(
        id=method_id,
        account_id=account_id,
        reference=saved.reference,
        card=saved.card,
        billing_email=billing.email,
        billing_address=billing.address,
        created_at=created_at,
    )


def billing_details(
    account: Account, users: UserLister, address: AddressModel | None, email: str | None
) -> BillingDetails:
    """The billing address and email of a new card, with the help centre's defaults: the account's billing
    address, and the top user (the oldest portal user) as billing email."""
    if email is None:
        top = top_user(users.list_users(account.account_id))
        contacts = account.billing_contacts
        email = top.username if top else contacts[0] if contacts else None
    if email is None:
        raise ValidationFailed(_("A billing email is needed: the account has no portal user to default to."))
    chosen = Address(**address.model_dump()) if address is not None else account.billing_address
    return BillingDetails(email=email, address=chosen)


class PaymentMethodService:
    def __init__(
        self,
        *,
        ledger_store: LedgerStore,
        store: PaymentStore,
        users: UserLister,
        processor: CardProcessor,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.ledger = ledger_store
        self.users = users
        self.processor = processor
        self.clock = clock

    def _today(self, account: Account) -> date:
        """The account's date: a card is good through the end of its month where the customer is."""
        return local_date(self.clock(), account.time_zone)

    def _account(self, account_id: str) -> Account:
        account = self.ledger.get_account(account_id)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return account

    def list(self, account_id: str, words: Words) -> PaymentMethodList:
        account = self._account(account_id)
        autopay_id, today = account.autopay.method_id, self._today(account)
        methods = sorted(self.store.list_methods(account_id), key=lambda m: (m.created_at, m.id))
        return PaymentMethodList(items=[method_view(m, autopay_id, today, words) for m in methods])

    def add(self, account_id: str, request: NewPaymentMethod, words: Words) -> PaymentMethodView:
        account = self._account(account_id)
        refuse_another_saved(self.store, account_id)
        refuse_expired(self.processor.card_of_token(request.token), self._today(account))
        billing = billing_details(account, self.users, request.billing_address, request.billing_email)
        saved = self.processor.save_card(request.token, billing)
        method = saved_method(account_id, new_method_id(), saved, billing, created_at=timestamp(self.clock()))
        self.store.add_method(method)
        return method_view(method, account.autopay.method_id, self._today(account), words)

    def delete(self, account_id: str, method_id: str) -> None:
        if not METHOD_ID.fullmatch(method_id) or not self.store.delete_method(account_id, method_id):
            raise NotFound(METHOD_NOT_FOUND)

    def set_autopay(self, account_id: str, change: AutopayChange, words: Words) -> AutopayView:
        account = self._account(account_id)
        if not change.enabled:
            self.store.disable_autopay(account_id)
            return AutopayView(enabled=False, payment_method=None)
        method = find_method(self.store, account_id, change.payment_method_id or "")
        today = self._today(account)
        refuse_expired(method.card, today, for_autopay=True)
        if not self.store.enable_autopay(account_id, method):
            raise NotFound(METHOD_NOT_FOUND)
        return autopay_view(self._account(account_id).autopay, today, words)
