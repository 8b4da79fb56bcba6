"""Billing notification emails from the portal table's stream (see billing_portal.notifications.service).

Each stream record is delivered on its own: a record whose emails could not all be sent is reported failed
(partial batch response), and the event source mapping retries from it, bisects, and finally describes it in
the dead-letter queue, while the rest of the batch goes on. The emails already sent are never sent again."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from billing_portal.notifications.service import NotificationService
from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_notification_service, read_table_change


class Settings(FunctionSettings):
    table_name: str
    notifications_table_name: str
    sender_email: str
    portal_url: str  # empty deployed: then the stack's parameter, named here
    portal_url_parameter: str
    ses_configuration_set: str


settings = settings_loader(Settings)
logger = Logger()
# A batch failing entirely is reported like a partial one: the mapping retries from its first record.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def service() -> NotificationService:
    return build_notification_service(settings())


def notify(record: DynamoDBRecord) -> None:
    report = service().deliver(read_table_change(record.raw_event))
    count("BillingEmailsSent", report.sent)
    count("BillingEmailsSuppressed", report.suppressed)
    count("BillingEmailsRefused", report.rejected)
    if report.sent or report.rejected:
        logger.info(
            "billing emails sent",
            extra={"sequence": record.dynamodb and record.dynamodb.sequence_number, **vars(report)},
        )


@logger.inject_lambda_context
@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=notify, processor=processor, context=context
    )
    return dict(response)
