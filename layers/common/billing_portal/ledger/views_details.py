"""Response models of a transaction's details, one per type."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from billing_portal.ledger.views import Money
from billing_portal.shared.money import format_cents

# The document's own date, when it arrived after a later posting and was recorded on that posting's date
# (`date`), so that the history stays in date order.
ValueDate = Annotated[dt.date | None, Field(description="The document's own date, when later than `date`")]


class InvoiceLine(BaseModel):
    description: str
    category: Literal["service", "usage"]
    quantity: int
    amount: Money


class TaxLineView(BaseModel):
    name: str
    rate: str
    amount: Money


class Applied(BaseModel):
    source_id: str = Field(description="The payment or credit, or account_credit for credit on the account")
    amount: Money


class PaidInvoice(BaseModel):
    invoice_id: str
    amount: Money


class InvoiceDetails(BaseModel):
    type: Literal["invoice"]
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    province: str
    lines: list[InvoiceLine]
    subtotal: Money
    taxes: list[TaxLineView]
    total: Money
    amount_paid: Money
    balance_due: Money
    covered_by_pending_credit: Money = Field(
        description="What of the balance due the credits pending on the next invoice will pay when they "
        "post (oldest unpaid invoices first, after credit already on the account): the Current Balance "
        "tile counts it as paid already"
    )
    status: Literal["open", "partially_paid", "paid"]
    payments_applied: list[Applied]
    call_count: int | None
    invoice_pdf_available: bool


class PaymentDetails(BaseModel):
    type: Literal["payment"]
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    method: str
    status: str
    reference: str | None
    card_brand: str | None = None
    card_last4: str | None = None
    invoices_paid: list[PaidInvoice]


class CreditDetails(BaseModel):
    type: Literal["credit"]
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    reason: str
    reference: str | None = None
    status: Literal["pending", "applied"]
    applied_on_invoice: str | None = None
    invoices_paid: list[PaidInvoice]


class RefundDetails(BaseModel):
    type: Literal["refund"]
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    reason: str
    reference: str | None = None
    status: str


TransactionDetails = Annotated[
    InvoiceDetails | PaymentDetails | CreditDetails | RefundDetails, Field(discriminator="type")
]


class TransactionDetailsResponse(RootModel[TransactionDetails]):
    """Details of any transaction type; `type` says which."""


def transaction_details(
    doc: dict[str, Any], invoice_pdf_since: dt.date, covered_by_pending_credit: int = 0
) -> TransactionDetailsResponse:
    """The details of a transaction's document; `covered_by_pending_credit`: for an unpaid invoice, what the
    pending credits will pay of it, in cents."""
    kind = doc["type"]
    common = {
        "type": kind,
        "id": doc["id"],
        "date": doc["date"],
        "value_date": doc.get("value_date"),
        "description": doc["description"],
    }
    paid = [
        PaidInvoice(invoice_id=a["invoice_id"], amount=format_cents(a["cents"]))
        for a in doc.get("allocations", [])
    ]
    details: InvoiceDetails | PaymentDetails | CreditDetails | RefundDetails
    if kind == "invoice":
        cdr = doc.get("cdr_file") or {}
        details = InvoiceDetails(
            **common,
            issue_date=doc["issue_date"],
            period_start=doc["period_start"],
            period_end=doc["period_end"],
            due_date=doc["due_date"],
            province=doc["province"],
            lines=[
                InvoiceLine(
                    description=line["description"],
                    category=line["category"],
                    quantity=line["quantity"],
                    amount=format_cents(line["amount_cents"]),
                )
                for line in doc["lines"]
            ],
            subtotal=format_cents(doc["subtotal_cents"]),
            taxes=[
                TaxLineView(name=t["name"], rate=t["rate"], amount=format_cents(t["amount_cents"]))
                for t in doc["taxes"]
            ],
            total=format_cents(doc["total_cents"]),
            amount_paid=format_cents(doc["amount_paid_cents"]),
            balance_due=format_cents(doc["total_cents"] - doc["amount_paid_cents"]),
            covered_by_pending_credit=format_cents(covered_by_pending_credit),
            status=doc["status"],
            payments_applied=[
                Applied(source_id=a["source_id"], amount=format_cents(a["cents"]))
                for a in doc.get("applied", [])
            ],
            call_count=cdr.get("call_count"),
            invoice_pdf_available=dt.date.fromisoformat(doc["issue_date"]) >= invoice_pdf_since,
        )
    elif kind == "payment":
        details = PaymentDetails(
            **common,
            amount=format_cents(doc["amount_cents"]),
            method=doc["method"],
            status=doc["status"],
            reference=doc.get("reference"),
            card_brand=doc.get("card_brand"),
            card_last4=doc.get("card_last4"),
            invoices_paid=paid,
        )
    elif kind == "credit":
        details = CreditDetails(
            **common,
            amount=format_cents(doc["amount_cents"]),
            reason=doc["reason"],
            reference=doc.get("reference"),
            status=doc["status"],
            applied_on_invoice=doc.get("applied_on_invoice"),
            invoices_paid=paid,
        )
    else:
        details = RefundDetails(
            **common,
            amount=format_cents(doc["amount_cents"]),
            reason=doc["reason"],
            reference=doc.get("reference"),
            status=doc["status"],
        )
    return TransactionDetailsResponse(details)
