"""Forgot password and reset with an emailed code.

The portal issues its own codes (stored hashed, single use, short-lived, few attempts) and sends them
through SES like every other email, so the flow reads and behaves the same deployed and locally. A user
who never finished the first sign-in cannot reset a password they never chose: they get a fresh
invitation instead (the "welcome email expired" case of the help centre).

Forgot password answers the same whoever asks, whatever happens: a failure to send (SES, Cognito) is
logged, never told, or the answer would say that the username exists. A reset ends every session from
before it, the id tokens still unexpired included.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterator

from aws_lambda_powertools import Logger

from billing_portal.i18n import _
from billing_portal.notifications.mail import Mailer, MailNotSent
from billing_portal.shared import portal_url as pages
from billing_portal.shared.clock import Clock, utc_now
from billing_portal.shared.errors import ValidationFailed
from billing_portal.users import emails, passwords
from billing_portal.users.model import (
    TEMPORARY_PASSWORD_DAYS,
    normalize_username,
    sessions_valid_after,
    wait_until,
)
from billing_portal.users.ports import IssuedCode, PasswordDirectory, ResetCodes, UserRecords

logger = Logger(child=True)

CODE_MINUTES = 60
MAX_ATTEMPTS = 5
RESEND_AFTER_SECONDS = 60
INVALID_CODE = _("The verification code is incorrect or has expired. Request a new one with Forgot Password.")


def _digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class PasswordReset:
    def __init__(
        self,
        *,
        records: UserRecords,
        directory: PasswordDirectory,
        codes: ResetCodes,
        mailer: Mailer,
        portal_url: str,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.records = records
        self.directory = directory
        self.codes = codes
        self.mailer = mailer
        self.portal_url = portal_url
        self.clock = clock
        self.sleep = sleep

    def forgot(self, username: str) -> None:
        """Always quiet: the caller answers the same whether or not the user exists, and whether or not
        the email could be sent."""
        username = normalize_username(username)
        claim = self.records.claim_of(username)
        if claim is None or claim.deleted:
            return
        try:
            self._send(username, claim.account_id)
        except Exception as error:  # noqa: BLE001 - told to nobody but the log, see the module
            # Only what failed: never the username, the code or a password.
            reason = str(error) if isinstance(error, MailNotSent) else type(error).__name__
            logger.error("a forgot-password email could not be sent", extra={"reason": reason})

    def _send(self, username: str, account_id: str) -> None:
        user = self.records.get_user(account_id, username)
        status = self.directory.status(username)
        if user is None or status is None:
            return
        now = int(self.clock().timestamp())
        previous = self.codes.get(username)
        if previous and now - previous.issued_at < RESEND_AFTER_SECONDS:
            return  # one email a minute at most, however often the button is pressed
        if status == "FORCE_CHANGE_PASSWORD":
            # Recorded like a code nobody knows, only so that the one-a-minute limit covers invitations.
            issued = IssuedCode(
                secrets.token_hex(32), secrets.token_hex(16), now, now + RESEND_AFTER_SECONDS, 0
            )
            temporary = passwords.temporary_password()
            email = emails.welcome(
                language=user.language,
                username=username,
                first_name=user.first_name,
                temporary_password=temporary,
                portal_url=f"{self.portal_url}{pages.SIGN_IN}",
                valid_days=TEMPORARY_PASSWORD_DAYS,
            )
            self.codes.put(username, issued)
            with self._withdrawn_unless_sent(username, issued):
                self.directory.set_temporary_password(username, temporary)
                self.mailer.send(email)
            return
        code = f"{secrets.randbelow(1_000_000):06d}"
        salt = secrets.token_hex(16)
        issued = IssuedCode(_digest(code, salt), salt, now, now + CODE_MINUTES * 60, 0)
        self.codes.put(username, issued)
        with self._withdrawn_unless_sent(username, issued):
            self.mailer.send(
                emails.reset_code(
                    language=user.language,
                    username=username,
                    first_name=user.first_name,
                    code=code,
                    portal_url=f"{self.portal_url}{pages.RESET_PASSWORD_PAGE}",
                    valid_minutes=CODE_MINUTES,
                )
            )

    @contextlib.contextmanager
    def _withdrawn_unless_sent(self, username: str, issued: IssuedCode) -> Iterator[None]:
        """A code whose email was not sent is withdrawn, so that pressing Forgot Password again tries again
        at once rather than a minute later."""
        try:
            yield
        except Exception:
            self.codes.consume(username, issued, MAX_ATTEMPTS)
            raise

    def reset(self, username: str, code: str, new_password: str) -> None:
        username = normalize_username(username)
        passwords.require_valid(new_password, username)
        issued = self.codes.get(username)
        now = int(self.clock().timestamp())
        if issued is None or issued.expires_at <= now or issued.attempts >= MAX_ATTEMPTS:
            raise ValidationFailed(INVALID_CODE)
        if not hmac.compare_digest(issued.digest, _digest(code.strip(), issued.salt)):
            self.codes.count_failure(username, issued)
            raise ValidationFailed(INVALID_CODE)
        if not self.codes.consume(username, issued, MAX_ATTEMPTS):
            raise ValidationFailed(INVALID_CODE)
        try:
            self.directory.set_password(username, new_password)
        except ValidationFailed:
            self.codes.put(username, issued)  # the password was refused, not the code: it stays usable
            raise
        # Every session from before ends: the refresh tokens in Cognito, the id tokens at the portal's edge
        # (which Cognito cannot revoke), from the next whole second on. The answer waits for that second,
        # so the sign-in with the new password that follows it is never taken for one of before.
        self.directory.sign_out_everywhere(username)
        claim = self.records.claim_of(username)
        if claim is not None and not claim.deleted:
            valid_from = sessions_valid_after(self.clock())
            self.records.end_sessions(claim.account_id, username, valid_from)
            wait_until(valid_from, self.clock, self.sleep)
