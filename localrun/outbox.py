"""The emails sent so far through SES in the local moto server, which runs in this same process, so its
backend's records are read directly."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account, the one the fake credentials map to
REGION = "ca-central-1"


def items(account_id: str = ACCOUNT_ID, region: str = REGION) -> list[dict[str, Any]]:
    """Every email SES accepted, oldest first (moto appends each to its list as it is sent)."""
    from moto.ses.models import ses_backends

    backend = ses_backends[account_id][region]
    return [describe(message) for message in list(backend.sent_messages)]


def describe(message: Any) -> dict[str, Any]:
    """One sent email as `{to, cc, bcc, from, subject, text, html, sent_at}`, as far as moto recorded it."""
    if hasattr(message, "raw_data"):
        return _raw(message.source, list(message.destinations), message.raw_data)
    destinations = message.destinations if isinstance(message.destinations, dict) else {}
    found: dict[str, Any] = {
        "id": message.id,
        "to": list(destinations.get("ToAddresses", [])),
        "cc": list(destinations.get("CcAddresses", [])),
        "bcc": list(destinations.get("BccAddresses", [])),
        "from": message.source,
        "subject": getattr(message, "subject", None),
        "text": None,
        "html": None,
        "sent_at": None,  # moto keeps no time for SendEmail
    }
    if hasattr(message, "template"):
        # Templated email: moto keeps the template's name and data, not the rendered text.
        found["template"] = message.template
        found["template_data"] = message.template_data
        return found
    # SendEmail keeps one body: the HTML part when there is one, else the text part.
    body: str = message.body or ""
    found["html" if body.lstrip().startswith("<") else "text"] = body
    return found


def _raw(source: str | None, envelope: list[str], raw_data: str) -> dict[str, Any]:
    # moto keeps the raw message as text decoded from UTF-8; its bytes again parse 8-bit parts correctly.
    parsed = email.message_from_bytes(
        raw_data.encode("utf-8", "surrogateescape"), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)  # nosec B101 # narrows the type; the local stack never runs with -O
    to = _addresses(parsed, "To")
    cc = _addresses(parsed, "Cc")
    # Bcc is never a header of the message sent: the envelope recipients that no header names are.
    named = {address.lower() for address in (*to, *cc)}
    bcc = _addresses(parsed, "Bcc")
    for _, address in getaddresses(envelope):
        if address and address.lower() not in named and address not in bcc:
            bcc.append(address)
    return {
        "id": parsed.get("Message-ID"),
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "from": str(parsed["From"]) if parsed["From"] else source,
        # A long subject folds onto a line of its own; unfolded, it keeps the fold's leading space.
        "subject": str(parsed["Subject"]).strip() if parsed["Subject"] is not None else None,
        "text": _body(parsed, "plain"),
        "html": _body(parsed, "html"),
        "sent_at": _date(parsed["Date"]),
    }


def _addresses(message: EmailMessage, header: str) -> list[str]:
    values = [str(value) for value in message.get_all(header, [])]
    return [address for _, address in getaddresses(values) if address]


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or not isinstance(part, EmailMessage):
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None


def _date(value: Any) -> str | None:
    if not value:
        return None
    try:
        sent: datetime = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return sent.isoformat()
