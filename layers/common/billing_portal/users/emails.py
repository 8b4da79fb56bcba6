"""The emails a user gets about their own sign-in (the invitation, a reset code), each with a plain-text and
an HTML part; billing notifications are in notifications.emails. Every value placed in the HTML is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PORTAL_NAME = "Billing Portal"


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


def html_document(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:600px">'
        f'<h1 style="font-size:20px">{escape(title)}</h1>{body}</body></html>'
    )


def welcome(
    *, username: str, first_name: str, temporary_password: str, portal_url: str, valid_days: int
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
    html = html_document(
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


def reset_code(*, username: str, first_name: str, code: str, portal_url: str, valid_minutes: int) -> Email:
    title = f"Reset your {PORTAL_NAME} password"
    text = (
        f"Hello {first_name},\n\n"
        f"We received a request to reset the password of {username}.\n\n"
        f"Your verification code: {code}\n\n"
        f"Enter it on the password reset page at {portal_url} within {valid_minutes} minutes. "
        "If you did not ask for this, you can ignore this email: your password has not changed.\n"
    )
    html = html_document(
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
