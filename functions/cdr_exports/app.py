"""POST /invoices/{id}/cdr-exports (CSV, Excel or PDF of the invoice's billed calls, in the requesting user's
language) and GET /cdr-exports/{id}."""

import json
from typing import Any

from billing_portal.exports.service import ExportRequest, ExportService, ExportView
from billing_portal.http.resolver import PortalResolver, Response, handle
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_export_request_service


class Settings(FunctionSettings):
    table_name: str
    cdr_bucket: str
    documents_bucket: str
    export_queue_url: str
    export_retention_days: int


settings = settings_loader(Settings)
app = PortalResolver()


def service() -> ExportService:
    return build_export_request_service(settings())


def _answer(status: int, view: ExportView) -> Response:
    return Response(status_code=status, content_type="application/json", body=json.dumps(view.body()))


@app.operation(
    "POST",
    "/invoices/<id>/cdr-exports",
    summary="Export the invoice's billed calls: 201 when made in the request, 202 while the worker makes a "
    "large one (poll GET /cdr-exports/{id}); invoices of the last 6 months",
    body=ExportRequest,
    response=ExportView,
    status=201,
    other_statuses=(202,),
    errors=(400, 401, 404, 409, 410, 422),
)
def create_export(id: str, body: ExportRequest) -> Response:
    caller = app.caller()
    status, view = service().request(caller.account_id, caller.username, id, body.format, app.words)
    count(f"CdrExports{view.status.value.title()}")  # Ready (made in the request) or Pending (queued)
    return _answer(status, view)


@app.operation(
    "GET",
    "/cdr-exports/<id>",
    summary="An export's status and, when it is ready, a fresh short-lived link to its file",
    response=ExportView,
    errors=(401, 404),
)
def get_export(id: str) -> Response:
    return _answer(200, service().status(app.caller().account_id, id, app.words))


@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
