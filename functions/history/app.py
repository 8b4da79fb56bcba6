"""GET /transactions: the Transaction History table, newest first, one query a page."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.ledger.reading import HistoryQuery
from billing_portal.ledger.views_history import HistoryPage
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_account_reader


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation(
    "GET",
    "/transactions",
    summary="Transaction history (24 months)",
    query=HistoryQuery,
    response=HistoryPage,
    errors=(401, 422),
)
def list_transactions(query: HistoryQuery) -> HistoryPage:
    reader = build_account_reader(settings())
    return reader.history(app.caller().account_id, query, app.words)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
