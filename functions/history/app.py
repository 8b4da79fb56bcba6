"""GET /transactions: the Transaction History table, newest first, one query a page."""

from typing import Any

from billing_portal.accounts import AccountReader, HistoryQuery
from billing_portal.dynamo import DynamoLedgerStore
from billing_portal.http import PortalResolver, handle
from billing_portal.settings import FunctionSettings, settings_loader
from billing_portal.views_history import HistoryPage


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
    reader = AccountReader(DynamoLedgerStore(settings().table_name))
    return reader.history(app.caller().account_id, query)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
