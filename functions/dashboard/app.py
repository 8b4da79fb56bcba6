"""GET /account: the Account Dashboard in one read of the account item."""

from typing import Any

from billing_portal.accounts import AccountReader
from billing_portal.dynamo import DynamoLedgerStore
from billing_portal.http import PortalResolver, handle
from billing_portal.settings import FunctionSettings, settings_loader
from billing_portal.views import Dashboard


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation("GET", "/account", summary="The Account Dashboard", response=Dashboard, errors=(401, 404))
def get_account() -> Dashboard:
    reader = AccountReader(DynamoLedgerStore(settings().table_name))
    return reader.dashboard(app.caller().account_id)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
