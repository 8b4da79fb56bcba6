"""The billing engine's documents with the unit tests' defaults (`tests/builders.py` writes them), and
sending them to `billing_portal.ledger.ingest.ingest`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import builders
from pydantic import BaseModel, TypeAdapter

from billing_portal.ledger.ingest import IngestRequest, ingest
from billing_portal.ledger.ports import LedgerStore
from billing_portal.shared.clock import Clock

from .fakes import FakeCdrFiles

_REQUEST: TypeAdapter[Any] = TypeAdapter(IngestRequest)


def parse(document: dict[str, Any]) -> BaseModel:
    parsed: BaseModel = _REQUEST.validate_python(document)
    return parsed


# The unit tests' documents are sent as of a day after every date they carry, whatever today's date is.
AS_OF = datetime(2031, 1, 1, 12, tzinfo=UTC)


def send(
    store: LedgerStore,
    document: dict[str, Any],
    cdr_files: FakeCdrFiles | None = None,
    *,
    clock: Clock = lambda: AS_OF,
) -> str:
    """Ingest one document; answers its status (created, posted, already_posted, ...)."""
    result = ingest(store, cdr_files or FakeCdrFiles(), parse(document), clock=clock)
    status: str = result["status"]
    return status


def account(account_id: str, province: str = "ON", postal_code: str = "M5V 3L9") -> dict[str, Any]:
    return builders.account(
        account_id, billing_address=builders.address(province=province, postal_code=postal_code)
    )


def invoice(
    account_id: str,
    invoice_id: str,
    issued: date,
    *,
    service: str = "100.00",
    usage: str | None = None,
    cdr_key: str | None = None,
    cdr_usage_total: str | None = None,
) -> dict[str, Any]:
    lines = [builders.line("Seats", "service", 4, service)]
    if usage is not None:
        lines.append(builders.line("Long distance", "usage", 120, usage))
    usage_total = cdr_usage_total if cdr_usage_total is not None else usage
    cdr = builders.cdr_file(cdr_key, 120, usage_total) if cdr_key is not None else None
    return builders.invoice(account_id, invoice_id, issued, lines, cdr=cdr)


def payment(
    account_id: str, payment_id: str, paid: date, amount: str, method: str = "credit_card"
) -> dict[str, Any]:
    return builders.payment(account_id, payment_id, paid, amount, method=method)


def credit(account_id: str, credit_id: str, on: date, amount: str) -> dict[str, Any]:
    return builders.credit(account_id, credit_id, on, amount, reason="Service outage")


def refund(account_id: str, refund_id: str, on: date, amount: str) -> dict[str, Any]:
    return builders.refund(account_id, refund_id, on, amount, reason="Credit balance returned")


def pending_credit(account_id: str, credit_id: str, on: date, amount: str) -> dict[str, Any]:
    return builders.pending_credit(account_id, credit_id, on, amount, reason="Promotion on the next invoice")
