"""POST /webhooks/processor: the card processor's callback that settles a pending payment. No Cognito
token: the callback is trusted only once its HMAC signature and timestamp check out, and each signed
delivery is accepted once."""

import base64
import time
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.i18n import _
from billing_portal.payments.ports import PaymentStatus
from billing_portal.payments.processor import (
    CALLBACK_TOLERANCE_SECONDS,
    SIGNATURE_HEADER,
    CallbackReplayed,
    verify_callback,
)
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_payment_settlement, build_payment_store, build_secret_reader

SECRET_CACHE_SECONDS = 300  # a rotated secret is picked up within five minutes


class Settings(FunctionSettings):
    table_name: str
    card_processor: Literal["sandbox"]  # the card processor adapter (the template's CardProcessor)
    webhook_secret_arn: str


class CallbackReceipt(BaseModel):
    payment_id: str
    status: PaymentStatus


settings = settings_loader(Settings)
app = PortalResolver()


@cache
def _secrets() -> Callable[[str, int], str]:
    return build_secret_reader()


def signing_secret() -> bytes:
    return _secrets()(settings().webhook_secret_arn, SECRET_CACHE_SECONDS).encode()


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
    if not build_payment_store(settings()).first_delivery(settlement.signature, forget_at):
        raise CallbackReplayed(_("This callback was delivered before."))
    payment = build_payment_settlement(settings()).settle(settlement, app.words)
    count("PaymentsApproved" if payment.status is PaymentStatus.APPROVED else "PaymentsDeclined")
    return CallbackReceipt(payment_id=payment.id, status=payment.status)


@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
