"""GET /transactions/{id}: the Transaction Details page of any transaction type."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.ledger.views_details import TransactionDetailsResponse
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_account_reader


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation(
    "GET",
    "/transactions/<id>",
    summary="Details of one transaction",
    response=TransactionDetailsResponse,
    errors=(401, 404, 410),
)
def get_transaction(id: str) -> TransactionDetailsResponse:
    reader = build_account_reader(settings())
    return reader.details(app.caller().account_id, id, app.words)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
