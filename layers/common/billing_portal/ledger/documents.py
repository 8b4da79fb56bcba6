"""The transaction documents: what the portal keeps of each invoice, payment, credit and refund, and what a
posting writes of them.

A document is stored as `stored()` dumps it (dates as ISO text, absent values left out) and read back with
`read_document`, so that the items written before these types existed read back as they are. A credit
promised on the next invoice is a credit document whose status is `pending` until that invoice posts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from billing_portal.i18n import Language
from billing_portal.ledger.model import (
    CreditApplied,
    Entry,
    EntryType,
    InvoicePayment,
    PaymentMethod,
    Posting,
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class InvoiceLine(_Part):
    description: str
    # The billing engine's French name of the line ("Sièges" for "Seats"), when it sends one: what French
    # readers read; the English `description` otherwise.
    description_fr: str | None = None
    category: Literal["service", "usage"]
    quantity: int
    amount_cents: int

    def description_in(self, language: Language) -> str:
        """The line's name as a reader of `language` reads it."""
        return self.description_fr if language == "fr" and self.description_fr else self.description


class TaxLine(_Part):
    name: str
    rate: str  # as the tax table writes it, e.g. "0.13"
    amount_cents: int


class CdrFile(_Part):
    """The billed call records behind an invoice, in the CDR bucket."""

    object_key: str
    call_count: int
    usage_total: str


class AppliedToInvoice(_Part):
    """`cents` of a payment or credit (or of credit on the account) paid on an invoice."""

    source_id: str
    cents: int


class PaidInvoice(_Part):
    """`cents` of a payment or credit paid on `invoice_id`."""

    invoice_id: str
    cents: int


class _Document(_Part):
    id: str
    type: str
    # When it was recorded: its history row's date, never before the account's last posting.
    date: dt.date
    # Its own date, when later than `date`'s: a document dated before the last posting.
    value_date: dt.date | None = None
    description: str

    def stored(self) -> dict[str, Any]:
        """The document as the store keeps it: JSON-like, absent values left out."""
        return self.model_dump(mode="json", exclude_none=True)

    def entry(self) -> Entry:
        """The history row it posts, dated its own date."""
        return Entry(self.id, EntryType(self.type), self.date, self.amount, self.description)

    @property
    def amount(self) -> int:
        raise NotImplementedError

    def _recorded_on(self, posting: Posting) -> dict[str, Any]:
        """Its dates once posted: recorded on its history row's date, its own date kept when earlier."""
        if not posting.rows:
            return {}
        posted_on = posting.rows[0].date
        return {"date": posted_on, "value_date": self.date if self.date != posted_on else None}


class InvoiceDocument(_Document):
    type: Literal["invoice"] = "invoice"
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    province: str
    lines: tuple[InvoiceLine, ...]
    subtotal_cents: int
    taxes: tuple[TaxLine, ...]
    total_cents: int
    amount_paid_cents: int = 0
    status: Literal["open", "partially_paid", "paid"] = "open"
    applied: tuple[AppliedToInvoice, ...] = ()
    cdr_file: CdrFile | None = None

    @property
    def amount(self) -> int:
        return self.total_cents

    def recorded(self, posting: Posting) -> InvoiceDocument:
        return self.model_copy(update=self._recorded_on(posting))

    def paid(self, payment: InvoicePayment) -> InvoiceDocument:
        """The invoice once `payment` is applied to it."""
        applied = AppliedToInvoice(source_id=payment.source_id, cents=payment.cents)
        return self.model_copy(
            update={
                "amount_paid_cents": self.amount_paid_cents + payment.cents,
                "status": payment.status,
                "applied": (*self.applied, applied),
            }
        )


class PaymentDocument(_Document):
    type: Literal["payment"] = "payment"
    amount_cents: int
    method: PaymentMethod
    status: str = "approved"
    reference: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    allocations: tuple[PaidInvoice, ...] = ()

    @property
    def amount(self) -> int:
        return self.amount_cents

    def recorded(self, posting: Posting) -> PaymentDocument:
        return self.model_copy(update={**self._recorded_on(posting), "allocations": _paid(posting, self.id)})


class CreditDocument(_Document):
    type: Literal["credit"] = "credit"
    amount_cents: int
    reason: str
    reference: str | None = None
    status: Literal["pending", "applied"] = "applied"
    applied_on_invoice: str | None = None
    allocations: tuple[PaidInvoice, ...] = ()

    @property
    def amount(self) -> int:
        return self.amount_cents

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    def recorded(self, posting: Posting) -> CreditDocument:
        return self.model_copy(update={**self._recorded_on(posting), "allocations": _paid(posting, self.id)})


class RefundDocument(_Document):
    type: Literal["refund"] = "refund"
    amount_cents: int
    reason: str
    reference: str | None = None
    status: str = "issued"

    @property
    def amount(self) -> int:
        return self.amount_cents

    def recorded(self, posting: Posting) -> RefundDocument:
        return self.model_copy(update=self._recorded_on(posting))


TransactionDocument = Annotated[
    InvoiceDocument | PaymentDocument | CreditDocument | RefundDocument, Field(discriminator="type")
]
_READER: TypeAdapter[TransactionDocument] = TypeAdapter(TransactionDocument)


def read_document(stored: dict[str, Any]) -> TransactionDocument:
    """A stored document as its type."""
    return _READER.validate_python(stored)


def _paid(posting: Posting, source_id: str) -> tuple[PaidInvoice, ...]:
    return tuple(
        PaidInvoice(invoice_id=a.invoice_id, cents=a.cents) for a in posting.allocations_of(source_id)
    )


@dataclass(frozen=True)
class PostingWrite:
    """One posting and everything of its documents to write with it, in one transaction: the new documents
    (what the posting paid of them already in them), the payments on invoices stored before, the pending
    credits it applies."""

    posting: Posting
    documents: tuple[TransactionDocument, ...]
    invoice_payments: tuple[InvoicePayment, ...]
    applied_credits: tuple[CreditApplied, ...]

    @classmethod
    def of(cls, posting: Posting, documents: list[TransactionDocument]) -> PostingWrite:
        new = {document.id: document for document in documents}
        stored_before: list[InvoicePayment] = []
        for payment in posting.invoice_payments():
            invoice = new.get(payment.invoice_id)
            if isinstance(invoice, InvoiceDocument):  # an invoice this same posting writes
                new[payment.invoice_id] = invoice.paid(payment)
            else:
                stored_before.append(payment)
        # A credit written by this same posting is written as it is given.
        applied = tuple(credit for credit in posting.applied_credits() if credit.credit_id not in new)
        return cls(posting, tuple(new.values()), tuple(stored_before), applied)
