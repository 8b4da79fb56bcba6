"""SES adapter: sends an `Email` as one MIME message with text and HTML alternatives, through the
configuration set that reports bounces and complaints."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.notifications.mail import MailNotSent
from billing_portal.shared import aws
from billing_portal.users.emails import Email

# SES error codes that say "not now" rather than "never": sending again later can succeed.
_PASSING_ERRORS = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalFailure",
        "RequestTimeout",
    }
)


class SesMailer:
    def __init__(self, sender: str, configuration_set: str) -> None:
        self.sender = sender
        self.configuration_set = configuration_set

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
        try:
            sent = self._ses.send_raw_email(
                Source=self.sender,
                Destinations=list(email.to),
                RawMessage={"Data": message.as_bytes()},
                ConfigurationSetName=self.configuration_set,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise MailNotSent(f"SES refused the email: {code}", passing=code in _PASSING_ERRORS) from error
        return str(sent["MessageId"])
