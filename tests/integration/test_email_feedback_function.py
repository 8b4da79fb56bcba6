"""The email feedback function on moto, invoked with the SNS events that carry SES's bounces and complaints:
the addresses it puts on the suppression list the notifier reads, and what it skips or retries."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from billing_portal.notifications.dynamo import DynamoSuppressionList
from localrun import functions
from localrun.template import ROOT

FUNCTION = "EmailFeedbackFunction"
SAMPLES = ROOT / "events" / "email_feedback"
BOUNCED_AT = "2026-11-02T15:04:09.482Z"


def ses_bounce(bounce_type: str, sub_type: str, *recipients: str) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"} for address in recipients],
            "timestamp": BOUNCED_AT,
            "feedbackId": "0101019a-feedback-000000",
        },
        "mail": {"messageId": "0101019a-email-000000", "destination": list(recipients)},
    }


def ses_complaint(*recipients: str) -> dict[str, Any]:
    return {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": address} for address in recipients],
            "timestamp": "2026-11-03T13:22:51.000Z",
            "complaintFeedbackType": "abuse",
        },
        "mail": {"messageId": "0101019a-email-000001", "destination": list(recipients)},
    }


def sns_event(*messages: dict[str, Any] | str) -> dict[str, Any]:
    """What Lambda delivers from the feedback topic; a str message is sent as it is (JSON or not)."""
    topic = "arn:aws:sns:ca-central-1:123456789012:billing-portal-EmailFeedbackTopic"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic,
                    "Subject": None,
                    "Message": message if isinstance(message, str) else json.dumps(message),
                    "Timestamp": "2026-11-02T15:04:10.000Z",
                    "MessageAttributes": {},
                },
            }
            for message in messages
        ]
    }


def deliver(event: dict[str, Any]) -> Any:
    return functions.handler(FUNCTION)(event, functions.LambdaContext(FUNCTION, str(uuid.uuid4())))


def suppressed(aws: dict[str, str], *addresses: str) -> set[str]:
    return DynamoSuppressionList(aws["NotificationsTable"]).suppressed(addresses)


def test_a_permanent_bounce_puts_the_address_on_the_list_whatever_its_case(aws: dict[str, str]) -> None:
    deliver(sns_event(ses_bounce("Permanent", "NoEmail", "Luc Bouchard <Luc.Bouchard@Erable.example>")))

    assert suppressed(aws, "luc.bouchard@erable.example", "dana.tremblay@erable.example") == {
        "luc.bouchard@erable.example"
    }
    assert suppressed(aws, "LUC.BOUCHARD@ERABLE.EXAMPLE") == {"LUC.BOUCHARD@ERABLE.EXAMPLE"}
    [item] = boto3.client("dynamodb").scan(TableName=aws["NotificationsTable"])["Items"]
    assert {name: value["S"] for name, value in item.items()} == {
        "PK": "SUPPRESSED#luc.bouchard@erable.example",
        "address": "Luc.Bouchard@Erable.example",
        "reason": "bounce",
        "detail": "NoEmail",
        "suppressed_at": BOUNCED_AT,
    }


def test_a_transient_bounce_leaves_the_address_off_the_list(aws: dict[str, str]) -> None:
    deliver(sns_event(ses_bounce("Transient", "MailboxFull", "dana.tremblay@erable.example")))
    deliver(sns_event(ses_bounce("Undetermined", "Undetermined", "dana.tremblay@erable.example")))

    assert suppressed(aws, "dana.tremblay@erable.example") == set()


def test_a_complaint_puts_every_complained_recipient_on_the_list(aws: dict[str, str]) -> None:
    deliver(sns_event(ses_complaint("dana.tremblay@erable.example", "comptes@erable.example")))

    assert suppressed(
        aws, "dana.tremblay@erable.example", "comptes@erable.example", "luc@erable.example"
    ) == {
        "dana.tremblay@erable.example",
        "comptes@erable.example",
    }


def test_an_unreadable_message_is_skipped_and_the_rest_of_the_event_still_counts(aws: dict[str, str]) -> None:
    event = sns_event(
        "Bounce: comptes@erable.example",
        {"eventType": "Bounce", "mail": {}},
        {"eventType": "Delivery", "delivery": {"recipients": ["luc@erable.example"]}, "mail": {}},
        ses_bounce("Permanent", "General", "dana.tremblay@erable.example"),
    )

    deliver(event)  # does not raise: SNS would only retry it to the same end

    assert suppressed(
        aws, "comptes@erable.example", "luc@erable.example", "dana.tremblay@erable.example"
    ) == {"dana.tremblay@erable.example"}


def test_a_suppression_list_that_cannot_be_written_fails_the_invocation_for_a_retry(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A table that cannot be reached: what an outage or a throttle looks like to the function.
    monkeypatch.setenv("NOTIFICATIONS_TABLE_NAME", "billing-portal-NotificationsTable-gone")
    functions.module(FUNCTION).settings.cache_clear()

    with pytest.raises(ClientError):
        deliver(sns_event(ses_complaint("dana.tremblay@erable.example")))


def test_the_sample_events_suppress_the_bounced_and_complaining_users_only(aws: dict[str, str]) -> None:
    samples = sorted(SAMPLES.glob("*.json"))
    assert {path.stem for path in samples} >= {"permanent_bounce", "transient_bounce", "complaint"}
    for path in samples:
        deliver(json.loads(path.read_text(encoding="utf-8")))

    # The permanent bounce and the complaint name the new user; the transient bounce, the account's user.
    assert suppressed(aws, "luc.bouchard@erable.example", "dana.tremblay@erable.example") == {
        "luc.bouchard@erable.example"
    }
