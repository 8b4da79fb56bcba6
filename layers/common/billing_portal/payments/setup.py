"""The payment functions' settings and the services built from them (adapters chosen here, once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.methods import PaymentMethodService
from billing_portal.payments.processor import CardProcessor
from billing_portal.payments.service import PaymentService
from billing_portal.shared.settings import FunctionSettings
from billing_portal.users.dynamo import DynamoUserRecords


class PaymentSettings(FunctionSettings):
    table_name: str
    card_processor: Literal["sandbox"]


def card_processor(settings: PaymentSettings) -> CardProcessor:
    from billing_portal.payments.sandbox import SandboxProcessor

    return SandboxProcessor(settings.table_name)


def payment_service(settings: PaymentSettings, clock: Callable[[], datetime] | None = None) -> PaymentService:
    """`clock`: the time the service acts at (a scheduled run's time); now by default."""
    return PaymentService(
        DynamoLedgerStore(settings.table_name),
        DynamoPayments(settings.table_name),
        DynamoUserRecords(settings.table_name),
        card_processor(settings),
        clock,
    )


def payment_method_service(settings: PaymentSettings) -> PaymentMethodService:
    return PaymentMethodService(
        DynamoPayments(settings.table_name),
        DynamoLedgerStore(settings.table_name),
        DynamoUserRecords(settings.table_name),
        card_processor(settings),
    )
