"""Response models of a transaction's details, one per type."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from billing_portal.ledger import documents
from billing_portal.ledger.documents import (
    CreditDocument,
    InvoiceDocument,
    PaymentDocument,
    TransactionDocument,
)
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
    document: TransactionDocument, invoice_pdf_since: dt.date, covered_by_pending_credit: int = 0
) -> TransactionDetailsResponse:
    """The details of a transaction's document; `covered_by_pending_credit`: for an unpaid invoice, what the
    pending credits will pay of it, in cents."""
    details: InvoiceDetails | PaymentDetails | CreditDetails | RefundDetails
    if isinstance(document, InvoiceDocument):
        details = _invoice_details(document, invoice_pdf_since, covered_by_pending_credit)
    elif isinstance(document, PaymentDocument):
        details = PaymentDetails(
            **_common(document),
            amount=format_cents(document.amount_cents),
            method=document.method.value,
            status=document.status,
            reference=document.reference,
            card_brand=document.card_brand,
            card_last4=document.card_last4,
            invoices_paid=_invoices_paid(document.allocations),
        )
    elif isinstance(document, CreditDocument):
        details = CreditDetails(
            **_common(document),
            amount=format_cents(document.amount_cents),
            reason=document.reason,
            reference=document.reference,
            status=document.status,
            applied_on_invoice=document.applied_on_invoice,
            invoices_paid=_invoices_paid(document.allocations),
        )
    else:
        details = RefundDetails(
            **_common(document),
            amount=format_cents(document.amount_cents),
            reason=document.reason,
            reference=document.reference,
            status=document.status,
        )
    return TransactionDetailsResponse(details)


def _common(document: TransactionDocument) -> dict[str, Any]:
    return {
        "type": document.type,
        "id": document.id,
        "date": document.date,
        "value_date": document.value_date,
        "description": document.description,
    }


def _invoices_paid(allocations: tuple[documents.PaidInvoice, ...]) -> list[PaidInvoice]:
    return [PaidInvoice(invoice_id=a.invoice_id, amount=format_cents(a.cents)) for a in allocations]


def _invoice_details(
    invoice: InvoiceDocument, invoice_pdf_since: dt.date, covered_by_pending_credit: int
) -> InvoiceDetails:
    return InvoiceDetails(
        **_common(invoice),
        issue_date=invoice.issue_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        due_date=invoice.due_date,
        province=invoice.province,
        lines=[
            InvoiceLine(
                description=line.description,
                category=line.category,
                quantity=line.quantity,
                amount=format_cents(line.amount_cents),
            )
            for line in invoice.lines
        ],
        subtotal=format_cents(invoice.subtotal_cents),
        taxes=[
            TaxLineView(name=t.name, rate=t.rate, amount=format_cents(t.amount_cents)) for t in invoice.taxes
        ],
        total=format_cents(invoice.total_cents),
        amount_paid=format_cents(invoice.amount_paid_cents),
        balance_due=format_cents(invoice.total_cents - invoice.amount_paid_cents),
        covered_by_pending_credit=format_cents(covered_by_pending_credit),
        status=invoice.status,
        payments_applied=[
            Applied(source_id=a.source_id, amount=format_cents(a.cents)) for a in invoice.applied
        ],
        call_count=invoice.cdr_file.call_count if invoice.cdr_file else None,
        invoice_pdf_available=invoice.issue_date >= invoice_pdf_since,
    )
