"""Puts the addresses SES reports as bounced (permanently) or complained about on the suppression list, which
the notifier consults before every email (see billing_portal.notifications.feedback). Fed by the SNS topic the
configuration set's event destination publishes to.

A message that cannot be read is logged and skipped: Lambda would retry it twice and then drop it anyway,
and no retry makes it readable. A failure to write the list raises, so that Lambda retries the message."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.data_classes.sns_event import SNSEventRecord

from billing_portal.notifications.feedback import (
    PERMANENT,
    MalformedNotification,
    read_notification,
    record_feedback,
)
from billing_portal.notifications.notice_log import SuppressionList
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_suppression_list


class Settings(FunctionSettings):
    notifications_table_name: str


settings = settings_loader(Settings)
logger = Logger()


def take_feedback(record: SNSEventRecord, suppression_list: SuppressionList) -> None:
    sns_message_id = record.sns.message_id
    try:
        feedback = read_notification(record.sns.message)
    except MalformedNotification as problem:
        logger.error(
            "an SES notification that cannot be read was skipped",
            extra={"sns_message_id": sns_message_id, "problem": str(problem)},
        )
        return
    about = {"sns_message_id": sns_message_id, "email_id": feedback.email_id}
    if not feedback.relevant:
        logger.info("an SES event that suppresses nobody", extra={**about, "event_type": feedback.event_type})
        return
    record_feedback(feedback, suppression_list)
    if feedback.event_type == "Bounce" and feedback.bounce_type != PERMANENT:
        logger.info(
            "a bounce that is not permanent: the addresses stay",
            extra={
                **about,
                "bounce_type": feedback.bounce_type,
                "bounce_sub_type": feedback.bounce_sub_type,
                "recipients": feedback.recipients,
            },
        )
    if feedback.suppressions:
        first = feedback.suppressions[0]
        logger.info(
            "addresses suppressed",
            extra={
                **about,
                "reason": first.reason,
                "detail": first.detail,
                "count": len(feedback.suppressions),
            },
        )
    if feedback.not_addresses:
        logger.warning(
            "recipients that are not email addresses were left out",
            extra={**about, "event_type": feedback.event_type, "count": feedback.not_addresses},
        )


@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: Any) -> None:
    suppression_list = build_suppression_list(settings())
    for record in event.records:
        take_feedback(record, suppression_list)
