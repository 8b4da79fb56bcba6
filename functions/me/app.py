"""GET /me: the signed-in user's profile."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.ledger.views import Me
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_account_reader


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation("GET", "/me", summary="The signed-in user", response=Me, errors=(401, 404))
def get_me() -> Me:
    caller = app.caller()
    return build_account_reader(settings()).me(caller.account_id, caller.username)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
