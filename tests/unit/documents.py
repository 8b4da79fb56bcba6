"""The billing engine's documents, as the unit tests send them to `billing_portal.ledger.ingest.ingest`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

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
    return {
        "kind": "account",
        "account_id": account_id,
        "account_number": "100200300",
        "name": "Érable Télécom Inc.",
        "billing_address": {
            "line1": "100 King Street West",
            "city": "Toronto",
            "province": province,
            "postal_code": postal_code,
        },
        "time_zone": "America/Toronto",
        "billing_contacts": ["billing@erable.example"],
    }


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
    lines: list[dict[str, Any]] = [
        {"description": "Seats", "category": "service", "quantity": 4, "amount": service}
    ]
    if usage is not None:
        lines.append({"description": "Long distance", "category": "usage", "quantity": 120, "amount": usage})
    period_end = issued - timedelta(days=1)
    document: dict[str, Any] = {
        "kind": "invoice",
        "account_id": account_id,
        "invoice_id": invoice_id,
        "issue_date": issued.isoformat(),
        "period_start": period_end.replace(day=1).isoformat(),
        "period_end": period_end.isoformat(),
        "due_date": (issued + timedelta(days=30)).isoformat(),
        "lines": lines,
    }
    if cdr_key is not None:
        document["cdr_file"] = {
            "object_key": cdr_key,
            "call_count": 120,
            "usage_total": cdr_usage_total if cdr_usage_total is not None else usage,
        }
    return document


def payment(
    account_id: str, payment_id: str, paid: date, amount: str, method: str = "credit_card"
) -> dict[str, Any]:
    return {
        "kind": "payment",
        "account_id": account_id,
        "payment_id": payment_id,
        "date": paid.isoformat(),
        "amount": amount,
        "method": method,
        "reference": f"ref-{payment_id.lower()}",
    }


def credit(account_id: str, credit_id: str, on: date, amount: str) -> dict[str, Any]:
    return {
        "kind": "credit",
        "account_id": account_id,
        "credit_id": credit_id,
        "date": on.isoformat(),
        "amount": amount,
        "reason": "Service outage",
    }


def refund(account_id: str, refund_id: str, on: date, amount: str) -> dict[str, Any]:
    return {
        "kind": "refund",
        "account_id": account_id,
        "refund_id": refund_id,
        "date": on.isoformat(),
        "amount": amount,
        "reason": "Credit balance returned",
    }


def pending_credit(account_id: str, credit_id: str, on: date, amount: str) -> dict[str, Any]:
    return {
        "kind": "pending_credit",
        "account_id": account_id,
        "credit_id": credit_id,
        "date": on.isoformat(),
        "amount": amount,
        "reason": "Promotion on the next invoice",
    }
