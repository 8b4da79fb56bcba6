"""Signing in, as the portal's users see it: what a sign-in answers, and the port of the identity provider
that checks passwords and issues tokens (users/identity.py, Cognito).

A client gets the id token (for the API) and the refresh token, never the provider's access token: with
that one it could call the provider's own user API directly (change the password past the portal's rules,
delete itself and leave the portal's records behind)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from billing_portal.i18n import _

WRONG_CREDENTIALS = _("The username or password is incorrect.")
SESSION_EXPIRED = _("Your session has expired. Sign in again.")
CHALLENGE_EXPIRED = _("This sign-in has expired. Sign in again with your temporary password.")
TOO_MANY_ATTEMPTS = _("Too many attempts. Wait a minute and try again.")


class Tokens(BaseModel):
    id_token: str
    refresh_token: str
    expires_in: int


class NewPasswordChallenge(BaseModel):
    challenge: str = "NEW_PASSWORD_REQUIRED"
    session: str


class Identity(Protocol):
    def login(self, username: str, password: str) -> Tokens | NewPasswordChallenge: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def sign_out(self, refresh_token: str) -> None:
        """Revokes the refresh token; one unknown or revoked already is no error."""

    def new_password(self, username: str, session: str, new_password: str) -> Tokens: ...
