"""SES adapter: sends an `Email` as one MIME message with text and HTML alternatives."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from billing_portal import aws
from billing_portal.emails import Email


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send; returns the provider's message id."""


class SesMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    @property
    def _ses(self) -> Any:
        return aws.client("ses")

    def send(self, email: Email) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.split("@")[-1])
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        sent = self._ses.send_raw_email(
            Source=self.sender, Destinations=list(email.to), RawMessage={"Data": message.as_bytes()}
        )
        return str(sent["MessageId"])
