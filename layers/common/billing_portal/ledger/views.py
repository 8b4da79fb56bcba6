"""Response models of the account dashboard and the signed-in user. Money leaves as two-decimal strings.
The history's and the details' models are in views_history and views_details, so that each function
builds only the models it answers with (pydantic models cost import time)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from billing_portal.ledger.ports import Account
from billing_portal.payments.autopay_setting import AutopaySetting
from billing_portal.shared.money import format_cents

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["123.45"])]


class Address(BaseModel):
    line1: str
    line2: str | None = None
    city: str
    province: str
    postal_code: str
    country: str


class CurrentBalance(BaseModel):
    amount: Money = Field(description="Owed if positive, a credit if negative; includes pending credits")
    due_date: dt.date | None


class LastPaymentView(BaseModel):
    date: dt.date
    amount: Money
    method: str


class CardView(BaseModel):
    """A card as the portal shows it: never more than brand, last four digits and expiry."""

    brand: str
    last4: str = Field(pattern=r"^[0-9]{4}$")
    exp_month: int
    exp_year: int
    expired: bool


class AutopayMethodView(CardView):
    id: str


class AutopayView(BaseModel):
    enabled: bool
    payment_method: AutopayMethodView | None = None


def autopay_view(autopay: AutopaySetting, today: dt.date) -> AutopayView:
    """The auto pay status kept on the account item, with the card's expiry checked against today."""
    method = autopay.method
    if method is None:
        return AutopayView(enabled=False, payment_method=None)
    card = method.card
    return AutopayView(
        enabled=True,
        payment_method=AutopayMethodView(
            id=method.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            expired=card.expired(today),
        ),
    )


class Dashboard(BaseModel):
    account_id: str
    account_number: str
    name: str
    current_balance: CurrentBalance
    last_payment: LastPaymentView | None
    autopay: AutopayView
    billing_address: Address
    time_zone: str
    billing_contacts: list[str]


def dashboard(account: Account, today: dt.date) -> Dashboard:
    state = account.ledger
    last = state.last_payment
    return Dashboard(
        account_id=account.account_id,
        account_number=account.account_number,
        name=account.name,
        current_balance=CurrentBalance(
            amount=format_cents(state.current_balance_cents),
            due_date=state.next_due_date if state.current_balance_cents > 0 else None,
        ),
        last_payment=(
            LastPaymentView(date=last.date, amount=format_cents(last.amount_cents), method=last.method)
            if last
            else None
        ),
        autopay=autopay_view(account.autopay, today),
        billing_address=Address(**account.billing_address.__dict__),
        time_zone=account.time_zone,
        billing_contacts=account.billing_contacts,
    )


def money_or_none(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


class Me(BaseModel):
    account_id: str
    username: str
    first_name: str
    last_name: str
    time_zone: str
    notifications_enabled: bool
    created_at: str
