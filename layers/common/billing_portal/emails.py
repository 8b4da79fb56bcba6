"""The emails the portal sends, each with a plain-text and an HTML part. Every value placed in the HTML is
escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

PORTAL_NAME = "Billing Portal"


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


def _html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:600px">'
        f'<h1 style="font-size:20px">{escape(title)}</h1>{body}</body></html>'
    )


def welcome(
    username: str, first_name: str, temporary_password: str, portal_url: str, valid_days: int
) -> Email:
    title = f"Welcome to the {PORTAL_NAME}"
    text = (
        f"Hello {first_name},\n\n"
        f"You have been invited to the {PORTAL_NAME}, where you can see your balance, invoices and "
        "payments, download invoices and call records, and pay.\n\n"
        f"Sign in at: {portal_url}\n"
        f"Username: {username}\n"
        f"Temporary password: {temporary_password}\n\n"
        f"The temporary password is valid for {valid_days} days. When you first sign in you will choose "
        "a new password of at least 15 characters, with at least two digits and both uppercase and "
        "lowercase letters.\n\n"
        "If this invitation has expired, select Forgot Password on the sign-in page to get a new one.\n"
    )
    html = _html(
        title,
        [
            f"Hello {escape(first_name)},",
            f"You have been invited to the {PORTAL_NAME}, where you can see your balance, invoices and "
            "payments, download invoices and call records, and pay.",
            f'Sign in at <a href="{escape(portal_url, quote=True)}">{escape(portal_url)}</a><br>'
            f"Username: <strong>{escape(username)}</strong><br>"
            f"Temporary password: <strong>{escape(temporary_password)}</strong>",
            f"The temporary password is valid for {valid_days} days. When you first sign in you will "
            "choose a new password of at least 15 characters, with at least two digits and both uppercase "
            "and lowercase letters.",
            "If this invitation has expired, select Forgot Password on the sign-in page to get a new one.",
        ],
    )
    return Email((username,), f"Your {PORTAL_NAME} invitation", text, html)


def reset_code(username: str, first_name: str, code: str, portal_url: str, valid_minutes: int) -> Email:
    title = f"Reset your {PORTAL_NAME} password"
    text = (
        f"Hello {first_name},\n\n"
        f"We received a request to reset the password of {username}.\n\n"
        f"Your verification code: {code}\n\n"
        f"Enter it on the password reset page at {portal_url} within {valid_minutes} minutes. "
        "If you did not ask for this, you can ignore this email: your password has not changed.\n"
    )
    html = _html(
        title,
        [
            f"Hello {escape(first_name)},",
            f"We received a request to reset the password of <strong>{escape(username)}</strong>.",
            f'Your verification code: <strong style="font-size:18px">{escape(code)}</strong>',
            f'Enter it on the password reset page at <a href="{escape(portal_url, quote=True)}">'
            f"{escape(portal_url)}</a> within {valid_minutes} minutes. If you did not ask for this, you can "
            "ignore this email: your password has not changed.",
        ],
    )
    return Email((username,), title, text, html)


def _account_line(account_name: str, account_number: str) -> str:
    return f"{account_name} (account {account_number})"


def payment_confirmation(
    to: str,
    account_name: str,
    account_number: str,
    payment_id: str,
    amount: str,
    paid_on: date,
    card_label: str,
    portal_url: str,
) -> Email:
    title = "Payment received"
    account = _account_line(account_name, account_number)
    text = (
        f"Thank you. We received your payment of ${amount} on {paid_on.isoformat()} for {account}.\n\n"
        f"Payment: {payment_id}\n"
        f"Paid with: {card_label}\n\n"
        f"It has been applied to your oldest unpaid invoices. See your balance at {portal_url}\n"
    )
    html = _html(
        title,
        [
            f"Thank you. We received your payment of <strong>${escape(amount)}</strong> on "
            f"{paid_on.isoformat()} for {escape(account)}.",
            f"Payment: {escape(payment_id)}<br>Paid with: {escape(card_label)}",
            "It has been applied to your oldest unpaid invoices. "
            f'<a href="{escape(portal_url, quote=True)}">See your balance</a>.',
        ],
    )
    return Email((to,), f"{PORTAL_NAME}: payment of ${amount} received", text, html)


def autopay_not_charged(
    to: str,
    account_name: str,
    account_number: str,
    invoice_id: str,
    amount: str,
    due_date: date,
    card_label: str,
    reason: str,
    portal_url: str,
) -> Email:
    """Auto Pay could not pay an invoice: the card expired, or the bank declined it."""
    title = "Auto Pay could not pay your invoice"
    account = _account_line(account_name, account_number)
    text = (
        f"Auto Pay did not pay invoice {invoice_id} of ${amount}, due {due_date.isoformat()}, for {account}: "
        f"{reason}\n\n"
        f"Auto Pay method: {card_label}\n\n"
        f"Update your Auto Pay method or make a payment at {portal_url}\n"
    )
    html = _html(
        title,
        [
            f"Auto Pay did not pay invoice {escape(invoice_id)} of <strong>${escape(amount)}</strong>, due "
            f"{due_date.isoformat()}, for {escape(account)}: {escape(reason)}",
            f"Auto Pay method: {escape(card_label)}",
            f'<a href="{escape(portal_url, quote=True)}">Update your Auto Pay method or make a payment</a>.',
        ],
    )
    return Email((to,), f"{PORTAL_NAME}: Auto Pay could not pay invoice {invoice_id}", text, html)
