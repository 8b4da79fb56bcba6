"""GET /invoices/{id}/pdf: a short-lived download link to the invoice's PDF, in the reader's language.

The PDF is drawn the first time someone asks for it in a language, stored in the documents bucket under a
name of that language, and served from there afterwards: an English and a French reader each get their
own. reportlab is imported only when a PDF is drawn, so answering with a stored one stays light.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date
from typing import Any

from pydantic import BaseModel, Field

from billing_portal.i18n import Language, _
from billing_portal.i18n.words import Words
from billing_portal.invoices.links import DocumentFiles, safe_filename, sign_link
from billing_portal.ledger.model import ACCOUNT_NOT_FOUND, DOCUMENT_ID, EntryType
from billing_portal.ledger.ports import LedgerStore
from billing_portal.ledger.retention import HISTORY_MONTHS, invoice_pdfs_since
from billing_portal.shared.clock import Clock, utc_now
from billing_portal.shared.errors import Gone, NotFound

PDF_CONTENT_TYPE = "application/pdf"
_INVOICE_ID = re.compile(DOCUMENT_ID[EntryType.INVOICE])


class InvoicePdfLink(BaseModel):
    url: str = Field(description="A presigned GET of the PDF, answered as an attachment named `filename`")
    expires_at: str = Field(
        description="When the link stops working, ISO 8601 with offset; ask again for a fresh one",
        examples=["2026-10-01T14:05:00+00:00"],
    )
    filename: str = Field(examples=["Invoice-INV-100482731-202610.pdf"])


def pdf_key(account_id: str, invoice_id: str, amount_paid_cents: int, language: Language) -> str:
    """The stored PDF of the invoice as it stands, in one language: a payment or credit applied to it later
    changes what the PDF shows (payments applied, balance due), so the paid amount is part of the name and
    a new PDF is drawn then."""
    return f"invoices/{account_id}/{invoice_id}/{language}/paid-{amount_paid_cents}.pdf"


def pdf_filename(invoice: dict[str, Any], words: Words) -> str:
    """`Invoice-INV-100482731-202610.pdf` (`Facture-...` in French): the invoice and its month (YYYYMM,
    sorted sensibly in a folder), each said once. The billing engine's ids often end with the month already
    (`INV-100482731-202610`, the month it was issued or the one it bills): such an id is the whole name."""
    invoice_id = str(invoice["id"])
    issued = date.fromisoformat(invoice["issue_date"])
    months = {f"{issued:%Y%m}"}
    for bound in ("period_start", "period_end"):
        if invoice.get(bound):
            months.add(f"{date.fromisoformat(invoice[bound]):%Y%m}")
    if any(invoice_id.endswith(f"-{month}") for month in months):
        return safe_filename(words(_("Invoice-{invoice_id}.pdf", invoice_id=invoice_id)))
    month = issued.strftime("%Y%m")
    return safe_filename(words(_("Invoice-{invoice_id}-{month}.pdf", invoice_id=invoice_id, month=month)))


class InvoicePdfService:
    def __init__(self, store: LedgerStore, documents: DocumentFiles, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.documents = documents
        self.clock = clock

    def pdf_link(self, account_id: str, invoice_id: str, words: Words) -> InvoicePdfLink:
        """A link to the invoice's PDF in the reader's `words`."""
        # One answer for a malformed id, an unknown one and another account's: nothing to tell them apart.
        not_found = NotFound(_("There is no invoice with this id on your account."))
        if not _INVOICE_ID.fullmatch(invoice_id):
            raise not_found
        invoice = self.store.get_document(account_id, invoice_id)
        if invoice is None or invoice.get("type") != EntryType.INVOICE.value:
            raise not_found
        issued = date.fromisoformat(invoice["issue_date"])
        # The same window as the history's `invoice_pdf_available`.
        if issued < invoice_pdfs_since(self.clock().astimezone(UTC).date()):
            raise Gone(
                _(
                    "Invoice {invoice_id} is older than {months} months, so its PDF is no longer available "
                    "here. For a copy, contact {billing_team}.",
                    invoice_id=invoice_id,
                    months=HISTORY_MONTHS,
                )
            )
        key = pdf_key(account_id, invoice_id, int(invoice.get("amount_paid_cents", 0)), words.language)
        if not self.documents.exists(key):
            self.documents.put_bytes(key, self._draw(account_id, invoice, words), PDF_CONTENT_TYPE)
        filename = pdf_filename(invoice, words)
        link = sign_link(
            self.documents, key, filename=filename, content_type=PDF_CONTENT_TYPE, clock=self.clock
        )
        return InvoicePdfLink(url=link.url, expires_at=link.expires_at.isoformat(), filename=filename)

    def _draw(self, account_id: str, invoice: dict[str, Any], words: Words) -> bytes:
        from billing_portal.invoices.drawing import draw_invoice  # reportlab: only when a PDF is drawn

        account = self.store.get_account(account_id)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        pdf = io.BytesIO()
        draw_invoice(invoice, account, pdf, words)
        return pdf.getvalue()
