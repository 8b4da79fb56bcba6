"""GET /invoices/{id}/pdf: a short-lived link to download an invoice's PDF, in the signed-in user's
language."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.invoices.service import InvoicePdfLink
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_invoice_pdf_service


class Settings(FunctionSettings):
    table_name: str
    documents_bucket: str


settings = settings_loader(Settings)
app = PortalResolver()


@app.operation(
    "GET",
    "/invoices/<id>/pdf",
    summary="A short-lived link to download an invoice's PDF (invoices of the last 24 months)",
    response=InvoicePdfLink,
    errors=(401, 404, 410),
)
def get_invoice_pdf(id: str) -> InvoicePdfLink:
    return build_invoice_pdf_service(settings()).pdf_link(app.caller().account_id, id, app.words)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
