"""Billing notifications: each change the stream reports (see `notices` for which change becomes which
email, to whom) is told by email to every recipient, unless SES reported their address as bouncing or
complaining. Exactly one email each: each (notice, recipient) email is claimed in the sent log before it is
sent and marked sent after, so a redelivered change, or a retry after some of its emails failed, sends only
what was not sent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from billing_portal.ledger.ports import LedgerStore
from billing_portal.notifications import notices
from billing_portal.notifications.emails import AccountLine, Recipient
from billing_portal.notifications.mail import Mailer, MailNotSent
from billing_portal.notifications.notice_log import Claim, SentLog, SuppressionList
from billing_portal.notifications.notices import Change
from billing_portal.payments.methods import UserLister
from billing_portal.payments.ports import PaymentStore
from billing_portal.shared.clock import Clock, utc_now
from billing_portal.users.emails import Email

logger = Logger(child=True)

SEND_ATTEMPTS = 4  # per email and delivery; the stream's retries come on top
# A claim outlives the function's timeout (120 s), so a live sender is never overtaken; one left by a
# delivery that died between SES and the sent mark is taken over once it lapses (a rare duplicate, rather
# than an email lost).
LEASE_SECONDS = 150


class DeliveryIncomplete(Exception):
    """Some emails of a notice were not sent; the notice is delivered again later (the sent ones are not
    sent again)."""


@dataclass
class DeliveryReport:
    sent: int = 0
    already_sent: int = 0
    suppressed: int = 0
    rejected: int = 0


class NotificationService:
    def __init__(
        self,
        *,
        ledger: LedgerStore,
        users: UserLister,
        payments: PaymentStore,
        sent_log: SentLog,
        suppressions: SuppressionList,
        mailer: Mailer,
        portal_url: str,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ledger = ledger
        self.users = users
        self.payments = payments
        self.sent_log = sent_log
        self.suppressions = suppressions
        self.mailer = mailer
        self.portal_url = portal_url.rstrip("/")
        self.clock = clock
        self.sleep = sleep

    def deliver(self, change: Change | None) -> DeliveryReport:
        """Send the emails a change calls for that were not sent yet (None, a change that tells nobody
        anything: none). DeliveryIncomplete when some could not be sent now."""
        report = DeliveryReport()
        if change is None or self._confirmed_elsewhere(change):
            return report
        notice = notices.notice_of(change)
        account = self.ledger.get_account(change.account_id)
        if account is None:
            logger.warning("a notice of an unknown account", extra={"notice": notice.key})
            return report
        recipients = notices.recipients(change, self.users.list_users(change.account_id))
        suppressed = self.suppressions.suppressed(user.username for user in recipients)
        report.suppressed = len(suppressed)
        invoice_id = notices.invoice_needed(change)
        invoice = self.ledger.get_document(change.account_id, invoice_id) if invoice_id else None
        composer = notices.composer(
            change,
            account=AccountLine(account.name, account.account_number),
            portal_url=self.portal_url,
            invoice=invoice,
        )
        if composer is None:
            logger.warning("an invoice row without its document", extra={"notice": notice.key})
            return report
        unsent = 0
        for user in recipients:
            if user.username in suppressed:
                continue
            email = composer(Recipient(user.username, user.first_name, user.time_zone, user.language))
            outcome = self._send_once(notice.key, user.username, email)
            if outcome is Claim.SENT:
                report.already_sent += 1
            elif outcome is None:
                report.rejected += 1
            elif outcome is Claim.TAKEN:
                report.sent += 1
            else:
                unsent += 1
        if unsent:
            raise DeliveryIncomplete(f"{unsent} email(s) of {notice.key} not sent yet")
        return report

    def _confirmed_elsewhere(self, change: Change) -> bool:
        payment_id = notices.payment_confirming(change)
        return payment_id is not None and self.payments.get_payment(change.account_id, payment_id) is not None

    # -- sending ---------------------------------------------------------------------------------------

    def _send_once(self, notice_key: str, recipient: str, email: Email) -> Claim | None:
        """TAKEN when this call sent it, SENT when it had been, BUSY when it could not be sent now, None
        when SES refuses it for good (logged; never retried)."""
        claim = self.sent_log.claim(notice_key, recipient, int(self.clock().timestamp()), LEASE_SECONDS)
        if claim is not Claim.TAKEN:
            return claim
        try:
            message_id = self._send_with_retries(email)
        except MailNotSent as refused:
            self.sent_log.release(notice_key, recipient)
            if refused.passing:
                logger.warning("a billing email could not be sent now", extra={"notice": notice_key})
                return Claim.BUSY
            logger.error("SES refused a billing email", extra={"notice": notice_key, "reason": str(refused)})
            return None
        except Exception:
            self.sent_log.release(notice_key, recipient)
            raise
        self.sent_log.mark_sent(notice_key, recipient, message_id, self.clock().isoformat())
        return Claim.TAKEN

    def _send_with_retries(self, email: Email) -> str:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return self.mailer.send(email)
            except MailNotSent as refused:
                if not refused.passing or attempt == SEND_ATTEMPTS:
                    raise
                # Exponential backoff with full jitter, as AWS advises for throttling.
                self.sleep(random.uniform(0, 0.2 * 2**attempt))  # noqa: S311 - jitter, not secrecy  # nosec B311
        raise AssertionError("unreachable")
