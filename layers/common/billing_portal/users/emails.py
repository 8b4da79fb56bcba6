"""The emails a user gets about their own sign-in (the invitation, a reset code), in the user's language,
each with a plain-text and an HTML part laid out by `notifications.email_template`; billing notifications
are in notifications.emails."""

from __future__ import annotations

from dataclasses import dataclass

from billing_portal.i18n import Language, _
from billing_portal.i18n.words import words_in
from billing_portal.notifications.email_template import Content, Row, render


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


def welcome(
    *,
    language: Language,
    username: str,
    first_name: str,
    temporary_password: str,
    portal_url: str,
    valid_days: int,
) -> Email:
    content = Content(
        subject=_("Your {portal} invitation"),
        title=_("Welcome to the {portal}"),
        first_name=first_name,
        lead=(
            _(
                "You have been invited to the {portal}, where you can see your balance, invoices and "
                "payments, download invoices and call records, and pay."
            ),
        ),
        summary=(
            Row(_("Username"), username),
            Row(_("Temporary password"), temporary_password, typed=True),
        ),
        button=_("Sign in"),
        url=portal_url,
        notes=(
            _(
                "The temporary password is valid for {days} days. When you first sign in you will choose a "
                "new password of at least 15 characters, with at least two digits and both uppercase and "
                "lowercase letters.",
                days=valid_days,
            ),
            _("If this invitation has expired, select Forgot Password on the sign-in page to get a new one."),
        ),
        reason=_("You receive this email because you were given access to the {portal} of {provider}."),
    )
    return Email((username,), *render(content, words_in(language)))


def reset_code(
    *, language: Language, username: str, first_name: str, code: str, portal_url: str, valid_minutes: int
) -> Email:
    content = Content(
        subject=_("Reset your {portal} password"),
        title=_("Reset your {portal} password"),
        first_name=first_name,
        lead=(
            _("We received a request to reset the password for {username}.", username=username),
            _(
                "Enter this code on the password reset page within {minutes} minutes:",
                minutes=valid_minutes,
            ),
        ),
        highlight=Row(_("Your verification code"), code, typed=True),
        summary=(),
        button=_("Reset your password"),
        url=portal_url,
        notes=(_("If you did not ask for this, you can ignore this email: your password has not changed."),),
        reason=_(
            "You receive this email because a password reset was requested for {username}.", username=username
        ),
    )
    return Email((username,), *render(content, words_in(language)))
