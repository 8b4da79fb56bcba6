"""Response models of the transaction history."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from billing_portal.ledger.model import HistoryRow
from billing_portal.ledger.views import Money, money_or_none
from billing_portal.shared.money import format_cents


class HistoryItem(BaseModel):
    id: str
    type: Literal["invoice", "payment", "credit", "refund"]
    date: dt.date
    description: str
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


def history_item(row: HistoryRow, invoice_pdf_since: dt.date) -> HistoryItem:
    return HistoryItem(
        id=row.id,
        type=row.type.value,
        date=row.date,
        description=row.description,
        credit=money_or_none(row.credit_cents),
        debit=money_or_none(row.debit_cents),
        balance=format_cents(row.balance_cents),
        invoice_pdf_available=row.type.value == "invoice" and row.date >= invoice_pdf_since,
    )
