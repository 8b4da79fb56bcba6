"""POST /invoices/{id}/cdr-exports (CSV, Excel or PDF of the invoice's billed calls) and
GET /cdr-exports/{id}."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from billing_portal.exports.adapters import SqsExportQueue, s3_export_writer
from billing_portal.exports.dynamo import DynamoExports
from billing_portal.exports.service import ExportRequest, ExportService, ExportView
from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.invoices.s3 import S3Documents
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.users.dynamo import DynamoUserRecords


class Settings(FunctionSettings):
    table_name: str
    cdr_bucket: str
    documents_bucket: str
    export_queue_url: str
    export_retention_days: int


settings = settings_loader(Settings)
app = PortalResolver()


def service() -> ExportService:
    config = settings()
    return ExportService(
        DynamoLedgerStore(config.table_name),
        DynamoExports(config.table_name),
        DynamoUserRecords(config.table_name),
        S3Documents(config.documents_bucket),
        s3_export_writer(config.cdr_bucket, config.documents_bucket),
        config.export_retention_days,
        queue=SqsExportQueue(config.export_queue_url),
    )


def _answer(status: int, view: ExportView) -> Response[str]:
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
def create_export(id: str, body: ExportRequest) -> Response[str]:
    caller = app.caller()
    status, view = service().request(caller.account_id, caller.username, id, body.format)
    count(f"CdrExports{view.status.value.title()}")  # Ready (made in the request) or Pending (queued)
    return _answer(status, view)


@app.operation(
    "GET",
    "/cdr-exports/<id>",
    summary="An export's status and, when it is ready, a fresh short-lived link to its file",
    response=ExportView,
    errors=(401, 404),
)
def get_export(id: str) -> Response[str]:
    return _answer(200, service().status(app.caller().account_id, id))


@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
