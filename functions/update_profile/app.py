"""PATCH /account/profile: billing address, time zone, billing contacts and the account's default
language."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.ledger.profile import ProfileUpdate
from billing_portal.ledger.views import Dashboard
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_account_reader


class Settings(FunctionSettings):
    table_name: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation(
    "PATCH",
    "/account/profile",
    summary="Edit the billing profile",
    body=ProfileUpdate,
    response=Dashboard,
    errors=(400, 401, 404, 422),
)
def update_profile(body: ProfileUpdate) -> Dashboard:
    reader = build_account_reader(settings())
    return reader.update_profile(app.caller().account_id, body, app.words)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
