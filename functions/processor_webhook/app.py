"""POST /webhooks/processor: the card processor's callback that settles a pending payment. No Cognito
token: the callback is trusted only once its HMAC signature and timestamp check out, and each signed
delivery is accepted once."""

import base64
import time
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from pydantic import BaseModel

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.ports import PaymentStatus
from billing_portal.payments.processor import (
    CALLBACK_TOLERANCE_SECONDS,
    SIGNATURE_HEADER,
    CallbackReplayed,
    verify_callback,
)
from billing_portal.payments.setup import PaymentSettings, payment_service
from billing_portal.shared import aws
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import settings_loader

SECRET_CACHE_SECONDS = 300  # a rotated secret is picked up within five minutes


class Settings(PaymentSettings):
    webhook_secret_arn: str


class CallbackReceipt(BaseModel):
    payment_id: str
    status: PaymentStatus


settings = settings_loader(Settings)
app = PortalResolver()


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=aws.client("secretsmanager"))


def signing_secret() -> bytes:
    secret = _secrets().get(settings().webhook_secret_arn, max_age=SECRET_CACHE_SECONDS)
    return str(secret).encode()


@app.operation(
    "POST",
    "/webhooks/processor",
    summary="The card processor's signed callback settling a pending payment",
    response=CallbackReceipt,
    errors=(400, 409),
    public=True,
    headers=(SIGNATURE_HEADER,),
)
def processor_callback() -> CallbackReceipt:
    event = app.current_event
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    now = time.time()
    settlement = verify_callback(signing_secret(), event.headers.get(SIGNATURE_HEADER), body, now)
    # Remembered for as long as a delivery's timestamp is accepted, so a replay is always caught.
    forget_at = int(now) + 2 * CALLBACK_TOLERANCE_SECONDS
    if not DynamoPayments(settings().table_name).first_delivery(settlement.signature, forget_at):
        raise CallbackReplayed("This callback was delivered before.")
    payment = payment_service(settings()).settle(settlement)
    count("PaymentsApproved" if payment.status is PaymentStatus.APPROVED else "PaymentsDeclined")
    return CallbackReceipt(payment_id=payment.id, status=payment.status)


@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
