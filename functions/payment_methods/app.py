"""Saved payment methods and Auto Pay: GET and POST /payment-methods, DELETE /payment-methods/{id},
PUT /autopay."""

from typing import Any, Literal

from billing_portal.http.resolver import PortalResolver, Response, handle
from billing_portal.ledger.views import AutopayView
from billing_portal.payments.methods import (
    AutopayChange,
    NewPaymentMethod,
    PaymentMethodList,
    PaymentMethodService,
    PaymentMethodView,
)
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_payment_method_service


class Settings(FunctionSettings):
    table_name: str
    card_processor: Literal["sandbox"]  # the card processor adapter (the template's CardProcessor)


settings = settings_loader(Settings)
app = PortalResolver()


def service() -> PaymentMethodService:
    return build_payment_method_service(settings())


@app.operation(
    "GET",
    "/payment-methods",
    summary="The account's saved payment methods",
    response=PaymentMethodList,
    errors=(401, 404),
)
def list_methods() -> PaymentMethodList:
    return service().list(app.caller().account_id, app.words)


@app.operation(
    "POST",
    "/payment-methods",
    summary="Save a card from the processor's token",
    body=NewPaymentMethod,
    response=PaymentMethodView,
    status=201,
    errors=(400, 401, 402, 404, 409, 422),
)
def add_method(body: NewPaymentMethod) -> PaymentMethodView:
    return service().add(app.caller().account_id, body, app.words)


@app.operation(
    "DELETE",
    "/payment-methods/<id>",
    summary="Remove a saved payment method",
    status=204,
    errors=(401, 404, 409),
)
def delete_method(id: str) -> Response:
    service().delete(app.caller().account_id, id)
    return Response(status_code=204, body="")


@app.operation(
    "PUT",
    "/autopay",
    summary="Turn Auto Pay on with a saved method, or off",
    body=AutopayChange,
    response=AutopayView,
    errors=(400, 401, 404, 422),
)
def set_autopay(body: AutopayChange) -> AutopayView:
    return service().set_autopay(app.caller().account_id, body, app.words)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
