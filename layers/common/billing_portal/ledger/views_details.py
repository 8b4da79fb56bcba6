"""Response models of a transaction's details, one per type. Codes (`type`, `status`, `method`) stay codes;
each has its label in the reader's words beside it, as have the descriptions and the taxes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from billing_portal.i18n import Amount, Text, _
from billing_portal.i18n.words import Words
from billing_portal.ledger import documents
from billing_portal.ledger.documents import (
    CreditDocument,
    InvoiceDocument,
    PaymentDocument,
    TransactionDocument,
)
from billing_portal.ledger.model import METHOD_LABELS, TYPE_LABELS, EntryType, description_of
from billing_portal.ledger.taxes import tax_label
from billing_portal.ledger.views import Money
from billing_portal.payments.cards import card_label
from billing_portal.shared.money import format_cents

# The document's own date, when it arrived after a later posting and was recorded on that posting's date
# (`date`), so that the history stays in date order.
ValueDate = Annotated[dt.date | None, Field(description="The document's own date, when later than `date`")]
TypeLabel = Annotated[str, Field(description='The type in words: "Invoice", "Facture"')]
StatusLabel = Annotated[str, Field(description='The status in words: "Paid", "Payée"')]

# Each status in words. A status of the billing engine's that is not here is shown as its code.
STATUS_LABELS: dict[str, dict[str, Text]] = {
    "invoice": {"open": _("Open"), "partially_paid": _("Partially paid"), "paid": _("Paid")},
    "payment": {"approved": _("Approved"), "pending": _("Pending")},
    "credit": {"pending": _("Pending"), "applied": _("Applied")},
    "refund": {"issued": _("Issued")},
}


class InvoiceLine(BaseModel):
    description: str = Field(description="In the reader's language when the billing engine gave it in it")
    category: Literal["service", "usage"]
    quantity: int
    amount: Money


class TaxLineView(BaseModel):
    name: str = Field(description='The tax and its rate in words: "QST 9.975%", "TVQ 9,975 %"')
    rate: str = Field(description='The rate as a decimal fraction: "0.09975"')
    amount: Money


class Applied(BaseModel):
    source_id: str = Field(description="The payment or credit, or account_credit for credit on the account")
    amount: Money


class PaidInvoice(BaseModel):
    invoice_id: str
    amount: Money


class InvoiceDetails(BaseModel):
    type: Literal["invoice"]
    type_label: TypeLabel
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
    pending_credit_note: str | None = Field(
        default=None,
        description="`covered_by_pending_credit` told in words; null when no pending credit covers any of it",
    )
    status: Literal["open", "partially_paid", "paid"]
    status_label: StatusLabel
    payments_applied: list[Applied]
    call_count: int | None
    invoice_pdf_available: bool


class PaymentDetails(BaseModel):
    type: Literal["payment"]
    type_label: TypeLabel
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    method: str
    method_label: str = Field(description='The method in words: "Credit Card", "Dépôt bancaire"')
    status: str
    status_label: StatusLabel
    reference: str | None
    card_brand: str | None = None
    card_last4: str | None = None
    card_label: str | None = Field(default=None, description='The card in words: "Visa ending in 4242"')
    invoices_paid: list[PaidInvoice]


class CreditDetails(BaseModel):
    type: Literal["credit"]
    type_label: TypeLabel
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    reason: str
    reference: str | None = None
    status: Literal["pending", "applied"]
    status_label: StatusLabel
    applied_on_invoice: str | None = None
    invoices_paid: list[PaidInvoice]


class RefundDetails(BaseModel):
    type: Literal["refund"]
    type_label: TypeLabel
    id: str
    date: dt.date
    value_date: ValueDate = None
    description: str
    amount: Money
    reason: str
    reference: str | None = None
    status: str
    status_label: StatusLabel


TransactionDetails = Annotated[
    InvoiceDetails | PaymentDetails | CreditDetails | RefundDetails, Field(discriminator="type")
]


class TransactionDetailsResponse(RootModel[TransactionDetails]):
    """Details of any transaction type; `type` says which."""


def transaction_details(
    document: TransactionDocument,
    invoice_pdf_since: dt.date,
    words: Words,
    covered_by_pending_credit: int = 0,
) -> TransactionDetailsResponse:
    """The details of a transaction's document, in the reader's words; `covered_by_pending_credit`: for an
    unpaid invoice, what the pending credits will pay of it, in cents."""
    details: InvoiceDetails | PaymentDetails | CreditDetails | RefundDetails
    if isinstance(document, InvoiceDocument):
        details = _invoice_details(document, invoice_pdf_since, covered_by_pending_credit, words)
    elif isinstance(document, PaymentDocument):
        details = PaymentDetails(
            **_common(document, words),
            amount=format_cents(document.amount_cents),
            method=document.method.value,
            method_label=words(METHOD_LABELS[document.method]),
            reference=document.reference,
            card_brand=document.card_brand,
            card_last4=document.card_last4,
            card_label=(
                words(card_label(document.card_brand, document.card_last4))
                if document.card_brand and document.card_last4
                else None
            ),
            invoices_paid=_invoices_paid(document.allocations),
        )
    elif isinstance(document, CreditDocument):
        details = CreditDetails(
            **_common(document, words),
            amount=format_cents(document.amount_cents),
            reason=document.reason,
            reference=document.reference,
            applied_on_invoice=document.applied_on_invoice,
            invoices_paid=_invoices_paid(document.allocations),
        )
    else:
        details = RefundDetails(
            **_common(document, words),
            amount=format_cents(document.amount_cents),
            reason=document.reason,
            reference=document.reference,
        )
    return TransactionDetailsResponse(details)


def _common(document: TransactionDocument, words: Words) -> dict[str, Any]:
    type_ = EntryType(document.type)
    status = document.status
    status_label = STATUS_LABELS[document.type].get(status)
    return {
        "type": document.type,
        "type_label": words(TYPE_LABELS[type_]),
        "id": document.id,
        "date": document.date,
        "value_date": document.value_date,
        "description": words.value(description_of(type_, document.id, document.description)),
        "status": status,
        "status_label": words(status_label) if status_label is not None else status,
    }


def _invoices_paid(allocations: tuple[documents.PaidInvoice, ...]) -> list[PaidInvoice]:
    return [PaidInvoice(invoice_id=a.invoice_id, amount=format_cents(a.cents)) for a in allocations]


def _invoice_details(
    invoice: InvoiceDocument, invoice_pdf_since: dt.date, covered_by_pending_credit: int, words: Words
) -> InvoiceDetails:
    return InvoiceDetails(
        **_common(invoice, words),
        issue_date=invoice.issue_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        due_date=invoice.due_date,
        province=invoice.province,
        lines=[
            InvoiceLine(
                description=line.description_in(words.language),
                category=line.category,
                quantity=line.quantity,
                amount=format_cents(line.amount_cents),
            )
            for line in invoice.lines
        ],
        subtotal=format_cents(invoice.subtotal_cents),
        taxes=[
            TaxLineView(
                name=words(tax_label(t.name, t.rate)), rate=t.rate, amount=format_cents(t.amount_cents)
            )
            for t in invoice.taxes
        ],
        total=format_cents(invoice.total_cents),
        amount_paid=format_cents(invoice.amount_paid_cents),
        balance_due=format_cents(invoice.total_cents - invoice.amount_paid_cents),
        covered_by_pending_credit=format_cents(covered_by_pending_credit),
        pending_credit_note=(
            words(
                _(
                    "Credits pending on your next invoice will pay {amount} of this invoice's balance.",
                    amount=Amount(covered_by_pending_credit),
                )
            )
            if covered_by_pending_credit
            else None
        ),
        payments_applied=[
            Applied(source_id=a.source_id, amount=format_cents(a.cents)) for a in invoice.applied
        ],
        call_count=invoice.cdr_file.call_count if invoice.cdr_file else None,
        invoice_pdf_available=invoice.issue_date >= invoice_pdf_since,
    )
