"""Response models of the account dashboard and the signed-in user. Money leaves as two-decimal strings;
what is said in words is in the reader's. The history's and the details' models are in views_history and
views_details, so that each function builds only the models it answers with (pydantic models cost import
time)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field

from billing_portal.i18n import Language
from billing_portal.i18n.words import Words
from billing_portal.ledger.model import PAYMENT_DESCRIPTIONS
from billing_portal.ledger.ports import Account
from billing_portal.payments.autopay_setting import AutopaySetting
from billing_portal.payments.cards import Card, read_card_label
from billing_portal.shared.money import format_cents

# Whose words a view is in when its caller does not say: English, the portal's first language.

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
    method: str = Field(description='How it was paid, in words: "Visa ending in 4242", "Bank Upload"')


class CardView(BaseModel):
    """A card as the portal shows it: never more than brand, last four digits and expiry."""

    brand: str
    last4: str = Field(pattern=r"^[0-9]{4}$")
    exp_month: int
    exp_year: int
    expired: bool
    label: str = Field(description='The card in words: "Visa ending in 4242"')


def card_fields(card: Card, today: dt.date, words: Words) -> dict[str, Any]:
    """What a CardView shows of a card, in the reader's words."""
    return {
        "brand": card.brand,
        "last4": card.last4,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "expired": card.expired(today),
        "label": words(card.label),
    }


class AutopayMethodView(CardView):
    id: str


class AutopayView(BaseModel):
    enabled: bool
    payment_method: AutopayMethodView | None = None


def autopay_view(autopay: AutopaySetting, today: dt.date, words: Words) -> AutopayView:
    """The auto pay status kept on the account item, with the card's expiry checked against today."""
    method = autopay.method
    if method is None:
        return AutopayView(enabled=False, payment_method=None)
    return AutopayView(
        enabled=True, payment_method=AutopayMethodView(id=method.id, **card_fields(method.card, today, words))
    )


class MonthTotal(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2026-11"])
    total: Money = Field(description="What was invoiced that month; 0.00 for a month without an invoice")


CHART_MONTHS = 24


def invoice_totals(totals: dict[str, int], today: dt.date) -> list[MonthTotal]:
    """The last 24 months, this one included, oldest first, each with what was invoiced in it."""
    months = []
    year, month = today.year, today.month
    for _ in range(CHART_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [MonthTotal(month=m, total=format_cents(totals.get(m, 0))) for m in reversed(months)]


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
    language: Language = Field(description="The account's default language, of users created without one")
    invoice_totals: list[MonthTotal] = Field(
        description="The invoice totals of the last 24 months, this one included, oldest first (the chart)"
    )


def payment_method_words(stored: str, words: Words) -> str:
    """How a payment was made (the Last Payment tile's `method`, stored in English) in the reader's words:
    the card that paid ("Visa ending in 4242"), or the payment's description ("Bank Upload")."""
    said = read_card_label(stored) or PAYMENT_DESCRIPTIONS.get(stored)
    return words(said) if said is not None else stored


def dashboard(account: Account, today: dt.date, words: Words) -> Dashboard:
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
            LastPaymentView(
                date=last.date,
                amount=format_cents(last.amount_cents),
                method=payment_method_words(last.method, words),
            )
            if last
            else None
        ),
        autopay=autopay_view(account.autopay, today, words),
        billing_address=Address(**account.billing_address.__dict__),
        time_zone=account.time_zone,
        billing_contacts=account.billing_contacts,
        language=account.language,
        invoice_totals=invoice_totals(state.invoice_totals, today),
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
    language: Language = Field(description="The language the portal speaks to this user in")
