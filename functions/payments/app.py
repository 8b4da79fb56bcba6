"""One-time payments: POST /payments (with an Idempotency-Key header) and GET /payments/{id}."""

import json
from functools import cache
from typing import Any, Literal

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.payments.charging import PaymentView
from billing_portal.payments.idempotency import HEADER as IDEMPOTENCY_HEADER
from billing_portal.payments.idempotency import IdempotentOperation, idempotency_key
from billing_portal.payments.one_time import OneTimePayments, PaymentRequest
from billing_portal.payments.processor import CardDeclined
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_idempotent_operation, build_one_time_payments


class Settings(FunctionSettings):
    table_name: str
    card_processor: Literal["sandbox"]  # the card processor adapter (the template's CardProcessor)
    idempotency_table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


def service() -> OneTimePayments:
    return build_one_time_payments(settings())


@cache
def submit_once() -> IdempotentOperation:
    """The payment, run once per account and Idempotency-Key; a repeat gets the first answer."""

    def pay(account_id: str, key: str, request: dict[str, Any]) -> dict[str, Any]:
        # Counted here, where a key runs once: a repeated request is answered without coming this far.
        try:
            # In the words of the caller whose request runs it; a repeat replays them.
            payment = service().pay(account_id, key, PaymentRequest.model_validate(request), app.words)
        except CardDeclined:
            count("PaymentsDeclined")
            raise
        count(f"Payments{payment.status.value.title()}")
        return payment.model_dump(mode="json")

    return build_idempotent_operation(settings(), "payments", pay)


@app.operation(
    "POST",
    "/payments",
    summary="Make a one-time payment with a saved or a new card (Idempotency-Key header required)",
    body=PaymentRequest,
    response=PaymentView,
    status=201,
    errors=(400, 401, 402, 404, 409, 422),
    headers=(IDEMPOTENCY_HEADER,),
)
def create_payment(body: PaymentRequest) -> dict[str, Any]:
    caller = app.caller()
    key = idempotency_key(app.current_event.headers)
    answer = submit_once()(caller.account_id, key, body.model_dump(mode="json"), app.lambda_context)
    # Keys sorted as the idempotency record stores them: a repeat gets the very same bytes.
    same_every_time: dict[str, Any] = json.loads(json.dumps(answer, sort_keys=True))
    return same_every_time


@app.operation("GET", "/payments/<id>", summary="A payment's status", response=PaymentView, errors=(401, 404))
def get_payment(id: str) -> PaymentView:
    return service().status(app.caller().account_id, id, app.words)


@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
