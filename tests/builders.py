"""The billing engine's documents, as the ingest function receives them: one builder per `kind`, each
writing the document's fields in the engine's order. Used by the unit and integration tests, the sample
events (`events/generate.py`) and the local stack's demo data (`localrun/demo.py`); each passes its own
values and keeps its own defaults.

Also the ledger's own stored documents, typed, for the store's tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from billing_portal.ledger.documents import CreditDocument, InvoiceDocument, InvoiceLine, PaymentDocument
from billing_portal.ledger.model import PaymentMethod, payment_description
from billing_portal.shared.clock import Clock

Document = dict[str, Any]


def address(
    *,
    line1: str = "100 King Street West",
    line2: str | None = None,
    city: str = "Toronto",
    province: str = "ON",
    postal_code: str = "M5V 3L9",
) -> Document:
    """A billing address; `line2` only when given."""
    found: Document = {"line1": line1}
    if line2 is not None:
        found["line2"] = line2
    return found | {"city": city, "province": province, "postal_code": postal_code}


def account(
    account_id: str,
    *,
    account_number: str = "100200300",
    name: str = "Érable Télécom Inc.",
    billing_address: Document | None = None,
    time_zone: str = "America/Toronto",
    billing_contacts: Sequence[str] = ("billing@erable.example",),
) -> Document:
    return {
        "kind": "account",
        "account_id": account_id,
        "account_number": account_number,
        "name": name,
        "billing_address": address() if billing_address is None else billing_address,
        "time_zone": time_zone,
        "billing_contacts": list(billing_contacts),
    }


def line(description: str, category: str, quantity: int, amount: str) -> Document:
    """An invoice line: `category` service or usage, `amount` its total in dollars."""
    return {"description": description, "category": category, "quantity": quantity, "amount": amount}


def cdr_file(object_key: str, call_count: int, usage_total: str) -> Document:
    return {"object_key": object_key, "call_count": call_count, "usage_total": usage_total}


def invoice(
    account_id: str,
    invoice_id: str,
    issued: date,
    lines: Sequence[Document],
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    due: date | None = None,
    cdr: Document | None = None,
) -> Document:
    """By default for the calendar month before `issued`, due 30 days after it."""
    period_end = period_end or issued - timedelta(days=1)
    document: Document = {
        "kind": "invoice",
        "account_id": account_id,
        "invoice_id": invoice_id,
        "issue_date": issued.isoformat(),
        "period_start": (period_start or period_end.replace(day=1)).isoformat(),
        "period_end": period_end.isoformat(),
        "due_date": (due or issued + timedelta(days=30)).isoformat(),
        "lines": list(lines),
    }
    if cdr is not None:
        document["cdr_file"] = cdr
    return document


def payment(
    account_id: str,
    payment_id: str,
    paid: date,
    amount: str,
    *,
    method: str = "credit_card",
    reference: str | None = None,
    card: tuple[str, str] | None = None,
) -> Document:
    """`reference`: the engine's, `ref-<id>` by default; `card`: its brand and last four digits."""
    document: Document = {
        "kind": "payment",
        "account_id": account_id,
        "payment_id": payment_id,
        "date": paid.isoformat(),
        "amount": amount,
        "method": method,
        "reference": reference if reference is not None else f"ref-{payment_id.lower()}",
    }
    if card is not None:
        document["card_brand"], document["card_last4"] = card
    return document


def credit(
    account_id: str, credit_id: str, on: date, amount: str, *, reason: str, reference: str | None = None
) -> Document:
    return _with_reference(
        {
            "kind": "credit",
            "account_id": account_id,
            "credit_id": credit_id,
            "date": on.isoformat(),
            "amount": amount,
            "reason": reason,
        },
        reference,
    )


def refund(
    account_id: str, refund_id: str, on: date, amount: str, *, reason: str, reference: str | None = None
) -> Document:
    return _with_reference(
        {
            "kind": "refund",
            "account_id": account_id,
            "refund_id": refund_id,
            "date": on.isoformat(),
            "amount": amount,
            "reason": reason,
        },
        reference,
    )


def pending_credit(account_id: str, credit_id: str, on: date, amount: str, *, reason: str) -> Document:
    """A credit promised on the account's next invoice."""
    return {
        "kind": "pending_credit",
        "account_id": account_id,
        "credit_id": credit_id,
        "date": on.isoformat(),
        "amount": amount,
        "reason": reason,
    }


def portal_user(
    account_id: str,
    username: str,
    *,
    first_name: str,
    last_name: str,
    time_zone: str = "America/Toronto",
    notifications_enabled: bool = True,
) -> Document:
    return {
        "kind": "portal_user",
        "account_id": account_id,
        "username": username,
        "first_name": first_name,
        "last_name": last_name,
        "time_zone": time_zone,
        "notifications_enabled": notifications_enabled,
    }


def _with_reference(document: Document, reference: str | None) -> Document:
    return document | {"reference": reference} if reference is not None else document


# -- the ledger's stored documents --------------------------------------------------------------------------


def invoice_document(invoice_id: str, on: date, cents: int) -> InvoiceDocument:
    """An untaxed invoice of one service line."""
    return InvoiceDocument(
        id=invoice_id,
        date=on,
        description="Invoice",
        issue_date=on,
        period_start=on - timedelta(days=30),
        period_end=on - timedelta(days=1),
        due_date=on + timedelta(days=30),
        province="NS",
        lines=(InvoiceLine(description="Seats", category="service", quantity=1, amount_cents=cents),),
        subtotal_cents=cents,
        taxes=(),
        total_cents=cents,
    )


def payment_document(payment_id: str, on: date, cents: int) -> PaymentDocument:
    return PaymentDocument(
        id=payment_id,
        date=on,
        description=payment_description(PaymentMethod.CREDIT_CARD, on),
        amount_cents=cents,
        method=PaymentMethod.CREDIT_CARD,
        reference=f"ch_{payment_id.lower()}",
    )


def credit_document(credit_id: str, on: date, cents: int, *, pending: bool = False) -> CreditDocument:
    return CreditDocument(
        id=credit_id,
        date=on,
        description=f"Credit {credit_id}",
        amount_cents=cents,
        reason="Outage",
        status="pending" if pending else "applied",
    )


def noon(day: date) -> Clock:
    """A clock held at noon UTC of `day`: the services' clocks, stopped for a test."""
    moment = datetime.combine(day, time(12), tzinfo=UTC)
    return lambda: moment
