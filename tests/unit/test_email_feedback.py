"""SES's bounce and complaint notifications read into the suppression list: which addresses are never emailed
again and why, which stay, and which messages are not notifications at all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from billing_portal.notifications.feedback import (
    Feedback,
    MalformedNotification,
    bare_address,
    read_notification,
    record_feedback,
)

from .fakes import FakeSuppressionList

BOUNCED_AT = "2026-11-02T15:06:41.669Z"
COMPLAINED_AT = "2026-11-03T09:12:05.000Z"
EMAIL_ID = "0101019a2b3c4d5e-6f708192-a3b4-4c5d-8e9f-a0b1c2d3e4f5-000000"
KINDS = ("eventType", "notificationType")  # configuration-set event publishing, identity notifications


def mail() -> dict[str, Any]:
    """The `mail` object SES sends with every event, with more than is read from it."""
    return {
        "timestamp": "2026-11-02T15:06:40.012Z",
        "source": "Billing <billing@example.com>",
        "sendingAccountId": "123456789012",
        "messageId": EMAIL_ID,
        "destination": ["dana.tremblay@erable.example"],
        "headersTruncated": False,
        "tags": {"ses:configuration-set": ["billing-portal-EmailConfigurationSet"]},
    }


def bounce(
    bounce_type: str, sub_type: str, recipients: list[str], *, kind: str = "eventType"
) -> dict[str, Any]:
    return {
        kind: "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
                for address in recipients
            ],
            "timestamp": BOUNCED_AT,
            "feedbackId": "0101019a2b3c4d5e-feedback-000000",
            "reportingMTA": "dsn; a8-30.smtp-out.amazonses.com",
        },
        "mail": mail(),
    }


def complaint(
    recipients: list[str], feedback_type: str | None = "abuse", *, kind: str = "eventType"
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "complainedRecipients": [{"emailAddress": address} for address in recipients],
        "timestamp": COMPLAINED_AT,
        "feedbackId": "0101019a2b3c4d5e-complaint-000000",
        "userAgent": "Mozilla/5.0 (compatible; Feedback-Loop/1.0)",
        "arrivalDate": "2026-11-03T09:12:00.000Z",
    }
    if feedback_type is not None:
        details["complaintFeedbackType"] = feedback_type
    return {kind: "Complaint", "complaint": details, "mail": mail()}


def read(notification: Any) -> Feedback:
    return read_notification(json.dumps(notification))


def suppressed(notification: Any) -> set[tuple[str, str, str, str]]:
    return {(s.address, s.reason, s.detail, s.at) for s in read(notification).suppressions}


# -- bounces ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sub_type", ["General", "NoEmail", "Suppressed", "OnAccountSuppressionList"])
def test_a_permanent_bounce_suppresses_every_bounced_recipient(kind: str, sub_type: str) -> None:
    notification = bounce(
        "Permanent", sub_type, ["dana.tremblay@erable.example", "comptes@erable.example"], kind=kind
    )

    assert suppressed(notification) == {
        ("dana.tremblay@erable.example", "bounce", sub_type, BOUNCED_AT),
        ("comptes@erable.example", "bounce", sub_type, BOUNCED_AT),
    }
    feedback = read(notification)
    assert (feedback.event_type, feedback.email_id, feedback.bounce_type) == ("Bounce", EMAIL_ID, "Permanent")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("bounce_type", "sub_type"),
    [("Transient", "MailboxFull"), ("Transient", "General"), ("Undetermined", "Undetermined")],
)
def test_a_bounce_that_is_not_permanent_suppresses_nobody(kind: str, bounce_type: str, sub_type: str) -> None:
    feedback = read(bounce(bounce_type, sub_type, ["dana.tremblay@erable.example"], kind=kind))

    assert feedback.suppressions == ()
    # What the function logs: a bounce, of which kind, for how many recipients.
    assert (feedback.event_type, feedback.bounce_type, feedback.bounce_sub_type, feedback.recipients) == (
        "Bounce",
        bounce_type,
        sub_type,
        1,
    )
    assert feedback.relevant


def test_a_permanent_bounce_without_a_subtype_still_suppresses_its_address() -> None:
    notification = bounce("Permanent", "General", ["dana.tremblay@erable.example"])
    del notification["bounce"]["bounceSubType"]

    assert suppressed(notification) == {("dana.tremblay@erable.example", "bounce", "", BOUNCED_AT)}


# -- complaints ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_complaint_suppresses_every_complained_recipient(kind: str) -> None:
    notification = complaint(["dana.tremblay@erable.example", "comptes@erable.example"], "abuse", kind=kind)

    assert suppressed(notification) == {
        ("dana.tremblay@erable.example", "complaint", "abuse", COMPLAINED_AT),
        ("comptes@erable.example", "complaint", "abuse", COMPLAINED_AT),
    }
    assert read(notification).event_type == "Complaint"


def test_a_complaint_without_a_feedback_type_has_an_empty_detail() -> None:
    assert suppressed(complaint(["comptes@erable.example"], feedback_type=None)) == {
        ("comptes@erable.example", "complaint", "", COMPLAINED_AT)
    }


# -- addresses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipient", "address"),
    [
        ("Dana Tremblay <dana.tremblay@erable.example>", "dana.tremblay@erable.example"),
        ('"Tremblay, Dana" <dana.tremblay@erable.example>', "dana.tremblay@erable.example"),
        ("<comptes@erable.example>", "comptes@erable.example"),
        ("Comptes@Erable.example", "Comptes@Erable.example"),
    ],
)
def test_the_bare_address_is_suppressed_whatever_name_comes_with_it(recipient: str, address: str) -> None:
    assert {s.address for s in read(bounce("Permanent", "General", [recipient])).suppressions} == {address}
    assert {s.address for s in read(complaint([recipient])).suppressions} == {address}


def test_an_address_named_twice_is_suppressed_once() -> None:
    feedback = read(
        complaint(["dana.tremblay@erable.example", "Dana Tremblay <Dana.Tremblay@Erable.example>"])
    )

    assert [s.address.lower() for s in feedback.suppressions] == ["dana.tremblay@erable.example"]


@pytest.mark.parametrize("recipient", ["", "not an address", "Dana Tremblay <>", "a@b@erable.example"])
def test_a_recipient_that_is_not_an_address_is_left_out_and_the_others_kept(recipient: str) -> None:
    feedback = read(bounce("Permanent", "General", [recipient, "comptes@erable.example"]))

    assert [s.address for s in feedback.suppressions] == ["comptes@erable.example"]
    assert feedback.not_addresses == 1
    assert bare_address(recipient) is None


# -- other events and unreadable messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "event_type", ["Delivery", "Send", "Reject", "Open", "Click", "Rendering Failure", "DeliveryDelay"]
)
@pytest.mark.parametrize("kind", KINDS)
def test_other_events_suppress_nobody(event_type: str, kind: str) -> None:
    notification = {kind: event_type, "mail": mail(), "delivery": {"recipients": ["comptes@erable.example"]}}

    feedback = read(notification)

    assert (feedback.event_type, feedback.email_id, feedback.suppressions) == (event_type, EMAIL_ID, ())
    assert not feedback.relevant


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    notification = bounce("Permanent", "General", ["comptes@erable.example"])
    parent: Any = notification
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return notification


def _recipient_without_address() -> dict[str, Any]:
    notification = complaint(["comptes@erable.example"])
    notification["complaint"]["complainedRecipients"] = [{"address": "comptes@erable.example"}]
    return notification


def _recipient_not_a_string() -> dict[str, Any]:
    notification = bounce("Permanent", "General", ["comptes@erable.example"])
    notification["bounce"]["bouncedRecipients"][0]["emailAddress"] = ["comptes@erable.example"]
    return notification


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("", id="empty"),
        pytest.param("Bounce: comptes@erable.example", id="not-json"),
        pytest.param('{"eventType": "Bounce", "bounce": {', id="cut-short"),
        pytest.param("[]", id="a-list"),
        pytest.param('"Bounce"', id="a-string"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-too-deep"),
        pytest.param(json.dumps(_without(("eventType",))), id="no-event-type"),
        pytest.param(json.dumps(_without(("bounce",))), id="bounce-without-its-object"),
        pytest.param(json.dumps(_without(("bounce", "bounceType"))), id="no-bounce-type"),
        pytest.param(json.dumps(_without(("bounce", "bouncedRecipients"))), id="no-recipients"),
        pytest.param(json.dumps(_without(("bounce", "timestamp"))), id="no-timestamp"),
        pytest.param(
            json.dumps({"eventType": "Complaint", "mail": mail()}), id="complaint-without-its-object"
        ),
        pytest.param(json.dumps(_recipient_without_address()), id="recipient-without-address"),
        pytest.param(json.dumps(_recipient_not_a_string()), id="recipient-not-a-string"),
    ],
)
def test_a_message_that_is_not_an_ses_notification_is_refused_as_malformed(message: str) -> None:
    with pytest.raises(MalformedNotification):
        read_notification(message)


def test_a_bounce_with_a_time_that_is_not_a_time_is_malformed() -> None:
    notification = bounce("Permanent", "General", ["comptes@erable.example"])
    notification["bounce"]["timestamp"] = "yesterday"

    with pytest.raises(MalformedNotification, match="timestamp") as raised:
        read(notification)

    assert "yesterday" not in str(raised.value)


def test_what_is_wrong_is_named_without_quoting_the_addresses() -> None:
    notification = bounce("Permanent", "General", ["comptes@erable.example"])
    del notification["bounce"]["bounceType"]

    with pytest.raises(MalformedNotification) as raised:
        read(notification)

    assert "bounceType" in str(raised.value)
    assert "comptes@erable.example" not in str(raised.value)


# -- the suppression list --------------------------------------------------------------------------------


class RecordingList(FakeSuppressionList):
    """The in-memory list, keeping each address's whole entry."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, tuple[str, str, str]] = {}

    def suppress(self, address: str, reason: str, detail: str, at: str) -> None:
        super().suppress(address, reason, detail, at)
        self.entries[address] = (reason, detail, at)


def test_each_suppression_goes_on_the_list_and_the_others_are_not_touched() -> None:
    suppression_list = RecordingList()
    suppression_list.suppress("already@erable.example", "complaint", "abuse", "2026-01-01T00:00:00Z")

    record_feedback(
        read(bounce("Permanent", "NoEmail", ["Dana <dana.tremblay@erable.example>"])), suppression_list
    )
    record_feedback(read(bounce("Transient", "MailboxFull", ["comptes@erable.example"])), suppression_list)

    assert suppression_list.entries == {
        "already@erable.example": ("complaint", "abuse", "2026-01-01T00:00:00Z"),
        "dana.tremblay@erable.example": ("bounce", "NoEmail", BOUNCED_AT),
    }
    assert suppression_list.suppressed(["DANA.TREMBLAY@erable.example", "comptes@erable.example"]) == {
        "DANA.TREMBLAY@erable.example"
    }


class BrokenList(FakeSuppressionList):
    def suppress(self, address: str, reason: str, detail: str, at: str) -> None:
        raise ConnectionError("the table cannot be reached")


def test_a_list_that_cannot_be_written_fails_the_notification_so_that_it_is_retried() -> None:
    feedback = read(complaint(["comptes@erable.example"]))

    with pytest.raises(ConnectionError):
        record_feedback(feedback, BrokenList())
