"""The port every email goes out through, and its one failure: free of boto3, so the services that send
email import it without the SES adapter (notifications/ses.py), which wiring builds."""

from __future__ import annotations

from typing import Protocol

from billing_portal.users.emails import Email


class MailNotSent(Exception):
    """SES did not take the email; `passing` when trying again later may succeed (throttling, outage)."""

    def __init__(self, message: str, passing: bool) -> None:
        super().__init__(message)
        self.passing = passing


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send; returns the provider's message id. MailNotSent when it was not sent."""
