"""Response models of the transaction history."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from billing_portal.i18n.words import Words
from billing_portal.ledger.model import TYPE_LABELS, HistoryRow, description_of
from billing_portal.ledger.views import Money, money_or_none
from billing_portal.shared.money import format_cents


class HistoryItem(BaseModel):
    id: str
    type: Literal["invoice", "payment", "credit", "refund"]
    type_label: str = Field(description='The type in words, in the reader\'s language: "Invoice", "Facture"')
    date: dt.date
    description: str = Field(description='In the reader\'s language: "Credit Card", "Carte de crédit"')
    credit: Money | None = Field(description="Payments received and cleared, and credits")
    debit: Money | None = Field(description="Invoices charged, and refunds")
    balance: Money = Field(description="Running balance; excludes credits pending on future invoices")
    invoice_pdf_available: bool


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None = Field(
        description="The next page: send it as `cursor` with the same type, from and to (any page size); "
        "null on the last page"
    )


def history_item(row: HistoryRow, invoice_pdf_since: dt.date, words: Words) -> HistoryItem:
    return HistoryItem(
        id=row.id,
        type=row.type.value,
        type_label=words(TYPE_LABELS[row.type]),
        date=row.date,
        description=words.value(description_of(row.type, row.id, row.description)),
        credit=money_or_none(row.credit_cents),
        debit=money_or_none(row.debit_cents),
        balance=format_cents(row.balance_cents),
        invoice_pdf_available=row.type.value == "invoice" and row.date >= invoice_pdf_since,
    )
