"""GET /account: the Account Dashboard in one read, of the account item and the caller's user item together
(the user's session is confirmed from the same read, which says the language the user reads it in)."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.ledger.views import Dashboard
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_account_reader


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation(
    "GET",
    "/account",
    summary="The Account Dashboard",
    response=Dashboard,
    errors=(401, 404),
    reads_session=True,
)
def get_account() -> Dashboard:
    caller = app.caller()
    reader = build_account_reader(settings())
    return reader.signed_in_dashboard(caller.account_id, caller.username, app.confirm_session)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
