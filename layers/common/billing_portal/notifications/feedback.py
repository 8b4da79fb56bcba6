"""SES's bounce and complaint notifications, read into the addresses never to email again.

One SNS message carries one SES event as JSON. Configuration-set event publishing names its kind
`eventType`; notifications set on the identity itself name it `notificationType`: both are read alike.
Only a permanent bounce or a complaint suppresses an address. A transient bounce (a full mailbox, a
server down) or an undetermined one may well be delivered next time, so its addresses stay. Every other
kind of event (a delivery, a send, an open...) says nothing about an address and is ignored.

SES may add fields to its notifications at any time: unknown fields are ignored, never refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from billing_portal.notifications.notice_log import SuppressionList

PERMANENT = "Permanent"


class Reason(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


class MalformedNotification(ValueError):
    """A message that is not an SES notification this function can read: retrying it would not help."""


@dataclass(frozen=True)
class Suppression:
    """One address to put on the suppression list, and why."""

    address: str
    reason: Reason
    detail: str  # the bounce's subtype, or the complaint's feedback type ("" when SES has none)
    at: str  # when the bounce or complaint happened, as SES reports it (ISO 8601)


@dataclass(frozen=True)
class Feedback:
    """What one SES notification means for the suppression list."""

    event_type: str
    email_id: str  # SES's id of the email the event is about ("" when absent): to find it in SES's logs
    suppressions: tuple[Suppression, ...] = ()
    bounce_type: str = ""  # for a bounce: Permanent, Transient or Undetermined
    bounce_sub_type: str = ""  # for a bounce: General, MailboxFull, NoEmail...
    recipients: int = 0  # how many recipients the bounce or complaint names
    not_addresses: int = 0  # recipients named by something that is not an email address: left out

    @property
    def relevant(self) -> bool:
        """A bounce or a complaint: the kinds of event that can suppress an address."""
        return self.event_type in ("Bounce", "Complaint")


class _SesModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class _Recipient(_SesModel):
    email_address: str


class _Occurrence(_SesModel):
    timestamp: str

    @field_validator("timestamp")
    @classmethod
    def _is_an_instant(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError("not an ISO 8601 time") from error
        return value


class _Bounce(_Occurrence):
    bounce_type: str
    # Always sent by SES; a permanent bounce without one still means the address is dead.
    bounce_sub_type: str = ""
    bounced_recipients: list[_Recipient]


class _Complaint(_Occurrence):
    complained_recipients: list[_Recipient]
    complaint_feedback_type: str = ""


class _Mail(_SesModel):
    message_id: str = ""


class _Notification(_SesModel):
    event_type: str
    mail: _Mail = _Mail()
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None

    @model_validator(mode="before")
    @classmethod
    def _either_name_of_the_kind(cls, data: object) -> object:
        # Identity notifications call it notificationType; event publishing calls it eventType.
        if isinstance(data, dict) and "eventType" not in data and "notificationType" in data:
            return {**data, "eventType": data["notificationType"]}
        return data

    @model_validator(mode="after")
    def _has_its_details(self) -> _Notification:
        if self.event_type == "Bounce" and self.bounce is None:
            raise ValueError("a Bounce without its bounce object")
        if self.event_type == "Complaint" and self.complaint is None:
            raise ValueError("a Complaint without its complaint object")
        return self


def bare_address(recipient: str) -> str | None:
    """The address of `Name <address>` or of a bare address; None when it is not an email address."""
    _, address = parseaddr(recipient)
    local, at, domain = address.partition("@")
    if not (local and at and domain) or "@" in domain or any(c.isspace() for c in address):
        return None
    return address


def _suppressions(
    recipients: Iterable[_Recipient], reason: Reason, detail: str, at: str
) -> tuple[tuple[Suppression, ...], int]:
    """Each distinct address once (compared without case), and how many recipients were not addresses."""
    found: dict[str, Suppression] = {}
    not_addresses = 0
    for recipient in recipients:
        address = bare_address(recipient.email_address)
        if address is None:
            not_addresses += 1
            continue
        found.setdefault(address.lower(), Suppression(address, reason, detail, at))
    return tuple(found.values()), not_addresses


def read_notification(message: str) -> Feedback:
    """What one SES notification (the SNS message's text) means for the suppression list.

    Raises MalformedNotification when the text is not JSON, or not an SES notification with the fields
    its kind requires."""
    try:
        notification = _Notification.model_validate(json.loads(message))
    # json.JSONDecodeError is a ValueError; nesting too deep for the parser is a RecursionError.
    except (ValueError, ValidationError, RecursionError) as error:
        raise MalformedNotification(_problem(error)) from error
    email_id = notification.mail.message_id
    if notification.event_type == "Bounce" and notification.bounce is not None:
        bounce = notification.bounce
        recipients = bounce.bounced_recipients
        suppressions: tuple[Suppression, ...] = ()
        not_addresses = 0
        if bounce.bounce_type == PERMANENT:
            suppressions, not_addresses = _suppressions(
                recipients, Reason.BOUNCE, bounce.bounce_sub_type, bounce.timestamp
            )
        return Feedback(
            "Bounce",
            email_id,
            suppressions,
            bounce_type=bounce.bounce_type,
            bounce_sub_type=bounce.bounce_sub_type,
            recipients=len(recipients),
            not_addresses=not_addresses,
        )
    if notification.event_type == "Complaint" and notification.complaint is not None:
        complaint = notification.complaint
        suppressions, not_addresses = _suppressions(
            complaint.complained_recipients,
            Reason.COMPLAINT,
            complaint.complaint_feedback_type,
            complaint.timestamp,
        )
        return Feedback(
            "Complaint",
            email_id,
            suppressions,
            recipients=len(complaint.complained_recipients),
            not_addresses=not_addresses,
        )
    return Feedback(notification.event_type, email_id)


def _problem(error: Exception) -> str:
    """A short account of what is wrong, naming fields but never quoting the message's content."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'message'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)
        )
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON: {error.msg} at position {error.pos}"
    return str(error)


def record_feedback(feedback: Feedback, suppression_list: SuppressionList) -> None:
    """Put the notification's addresses on the suppression list (a failure raises: it is worth a retry)."""
    for suppression in feedback.suppressions:
        suppression_list.suppress(suppression.address, suppression.reason, suppression.detail, suppression.at)
