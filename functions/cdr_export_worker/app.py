"""Makes the large CDR exports queued by POST /invoices/{id}/cdr-exports, one SQS message an export, in the
language and time zone of the user who asked for it (the export's record keeps both).

An export whose billed file cannot be read, or whose file cannot be saved, fails with the reason. Anything
else is raised for that message: it is reported back (partial batch response) and SQS delivers it again;
on its last delivery the export is marked failed before the message goes to the dead-letter queue."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict

from billing_portal.exports.service import ExportService
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_export_service


class Settings(FunctionSettings):
    table_name: str
    cdr_bucket: str
    documents_bucket: str
    export_retention_days: int
    export_max_receives: int  # the queue's maxReceiveCount: the delivery after which it gives up


class ExportMessage(BaseModel):
    """What POST /invoices/{id}/cdr-exports queues."""

    model_config = ConfigDict(extra="forbid")

    account_id: str
    export_id: str


settings = settings_loader(Settings)
logger = Logger()
# An entire batch failing is reported like a partial one: SQS retries exactly the failed messages.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def service() -> ExportService:
    return build_export_service(settings())


def make_export(record: SQSRecord) -> None:
    job = ExportMessage.model_validate_json(record.body)
    exports = service()
    try:
        made = exports.run(job.account_id, job.export_id)
    except Exception:
        receives = int(record.attributes.approximate_receive_count)
        last = receives >= settings().export_max_receives
        logger.exception(
            "the export failed; the queue delivers it again" if not last else "the export failed for good",
            extra={"export_id": job.export_id, "receives": receives},
        )
        if last:
            exports.give_up(job.account_id, job.export_id)
            count("CdrExportsFailed")
        raise
    if made is not None:
        count(f"CdrExports{made.status.value.title()}")  # Ready, or Failed for a reason of its own


@logger.inject_lambda_context
@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=make_export, processor=processor, context=context
    )
    return dict(response)
