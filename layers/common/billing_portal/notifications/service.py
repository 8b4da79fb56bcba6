"""Billing notifications (help centre: "Billing notifications", and the payment confirmation of "Make a
Payment"), drawn from changes to the portal's records:

- a history row written: a transaction was posted (invoice, payment, credit or refund);
- a payment record turning approved: the payment confirmation (a card payment made in the portal gets this
  one email, not a second one for its history row);
- an Auto Pay payment record turning declined or failed: Auto Pay could not pay the invoice;
- a user record marked invited: a portal user was added (the user has their welcome email instead);
- a username claim turning deleted: a portal user was deleted.

Every user of the account with billing notifications on, who was a user when the change happened, gets one
email in their own time zone, unless SES reported their address as bouncing or complaining. Exactly one:
each (event, recipient) email is claimed in the sent log before it is sent and marked sent after, so a
redelivered change, or a retry after some of its emails failed, sends only what was not sent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger

from billing_portal.ledger.ports import Account, LedgerStore, PortalUser
from billing_portal.notifications import emails as compose
from billing_portal.notifications.emails import AccountLine, Recipient
from billing_portal.notifications.notice_log import Claim, SentLog, SuppressionList
from billing_portal.notifications.ses import Mailer, MailNotSent
from billing_portal.payments.cards import Card
from billing_portal.payments.methods import UserLister
from billing_portal.payments.ports import PaymentStatus, PaymentStore
from billing_portal.users.emails import Email

logger = Logger(child=True)

SEND_ATTEMPTS = 4  # per email and delivery; the stream's retries come on top
# A claim outlives the function's timeout (120 s), so a live sender is never overtaken; one left by a
# delivery that died between SES and the sent mark is taken over once it lapses (a rare duplicate, rather
# than an email lost).
LEASE_SECONDS = 150
_FAILED = {PaymentStatus.DECLINED.value, PaymentStatus.FAILED.value}


class NoticeKind(StrEnum):
    TRANSACTION_POSTED = "transaction_posted"
    PAYMENT_APPROVED = "payment_approved"
    AUTOPAY_NOT_CHARGED = "autopay_not_charged"
    USER_ADDED = "user_added"
    USER_DELETED = "user_deleted"


@dataclass(frozen=True)
class Change:
    """One change of an item of the portal table, as its stream tells it (images as plain values)."""

    event: str  # INSERT, MODIFY or REMOVE
    keys: dict[str, Any]
    new: dict[str, Any] | None
    old: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class Notice:
    """Something the account's users are told about, once."""

    kind: NoticeKind
    account_id: str
    subject: str  # the transaction, payment or username concerned
    occurred_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # tells apart two events of one subject (a user deleted, restored, deleted again)

    @property
    def key(self) -> str:
        return "#".join(filter(None, (self.kind.value, self.account_id, self.subject, self.version)))


def notice_of(change: Change) -> Notice | None:
    """The notice a change of the table calls for, if any."""
    sort_key = str(change.keys.get("SK", ""))
    new, old = change.new or {}, change.old or {}
    account_id = str(change.keys.get("PK", "")).removeprefix("ACCOUNT#")
    if sort_key.startswith("TXN#") and change.event == "INSERT":
        return Notice(NoticeKind.TRANSACTION_POSTED, account_id, new["id"], change.at, new)
    if sort_key.startswith("PAYMENT#") and change.event in ("INSERT", "MODIFY"):
        status, before = new.get("status"), old.get("status")
        if status == PaymentStatus.APPROVED.value and before != status:
            return Notice(NoticeKind.PAYMENT_APPROVED, account_id, new["id"], change.at, new)
        if status in _FAILED and before not in _FAILED and new.get("autopay_invoice_id"):
            return Notice(NoticeKind.AUTOPAY_NOT_CHARGED, account_id, new["id"], change.at, new)
        return None
    if sort_key.startswith("USER#") and change.event == "MODIFY":
        invited_at = new.get("invited_at")
        if invited_at and invited_at != old.get("invited_at"):
            return Notice(
                NoticeKind.USER_ADDED, account_id, new["username"], _instant(invited_at), new, invited_at
            )
        return None
    deleted = new.get("status") == "deleted" and old.get("status") == "active"
    if sort_key == "USERNAME" and change.event == "MODIFY" and deleted and new.get("snapshot"):
        user, deleted_at = new["snapshot"], str(new["deleted_at"])
        return Notice(
            NoticeKind.USER_DELETED,
            new["account_id"],
            user["username"],
            _instant(deleted_at),
            user,
            deleted_at,
        )
    return None


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


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
        ledger: LedgerStore,
        users: UserLister,
        payments: PaymentStore,
        sent_log: SentLog,
        suppressions: SuppressionList,
        mailer: Mailer,
        portal_url: str,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ledger = ledger
        self.users = users
        self.payments = payments
        self.sent_log = sent_log
        self.suppressions = suppressions
        self.mailer = mailer
        self.portal_url = portal_url.rstrip("/")
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep

    def deliver(self, change: Change) -> DeliveryReport:
        """Send the emails a change calls for that were not sent yet. DeliveryIncomplete when some could
        not be sent now."""
        report = DeliveryReport()
        notice = notice_of(change)
        if notice is None or self._covered_elsewhere(notice):
            return report
        account = self.ledger.get_account(notice.account_id)
        if account is None:
            logger.warning("a notice of an unknown account", extra={"notice": notice.key})
            return report
        recipients = self._recipients(notice)
        suppressed = self.suppressions.suppressed(user.username for user in recipients)
        report.suppressed = len(suppressed)
        composer = self._composer(notice, account)
        if composer is None:
            return report
        unsent = 0
        for user in recipients:
            if user.username in suppressed:
                continue
            email = composer(Recipient(user.username, user.first_name, user.time_zone))
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

    # -- who -------------------------------------------------------------------------------------------

    def _covered_elsewhere(self, notice: Notice) -> bool:
        """A card payment made in the portal is confirmed by its payment record's own notice."""
        if notice.kind is not NoticeKind.TRANSACTION_POSTED or notice.details.get("type") != "payment":
            return False
        return self.payments.get_payment(notice.account_id, notice.subject) is not None

    def _recipients(self, notice: Notice) -> list[PortalUser]:
        """The account's users with notifications on who were users when it happened; for a user added, the
        others (the new user has their welcome email)."""
        # The stream's times are rounded down to the second: a user made within that second may have seen it.
        cutoff = notice.occurred_at + timedelta(seconds=1)
        chosen = []
        for user in self.users.list_users(notice.account_id):
            if not user.notifications_enabled or _instant(user.created_at) >= cutoff:
                continue
            if notice.kind is NoticeKind.USER_ADDED and user.username == notice.subject:
                continue
            chosen.append(user)
        return sorted(chosen, key=lambda u: u.username)

    # -- what ------------------------------------------------------------------------------------------

    def _composer(self, notice: Notice, account: Account) -> Callable[[Recipient], Email] | None:
        """How the notice reads, given to whom; what it needs is read once for all recipients."""
        line = AccountLine(account.name, account.account_number)
        details = notice.details
        transaction_url = f"{self.portal_url}/transactions/{notice.subject}"
        users_url = f"{self.portal_url}/users"
        if notice.kind is NoticeKind.TRANSACTION_POSTED:
            posted_on = date.fromisoformat(details["date"])
            if details["type"] == "invoice":
                invoice = self.ledger.get_document(notice.account_id, notice.subject)
                if invoice is None:
                    logger.warning("an invoice row without its document", extra={"notice": notice.key})
                    return None
                total = int(invoice["total_cents"])
                due = total - int(invoice.get("amount_paid_cents", 0))
                due_date = date.fromisoformat(invoice["due_date"])
                return lambda to: compose.invoice_posted(
                    to,
                    line,
                    notice.subject,
                    posted_on,
                    total,
                    due,
                    due_date,
                    notice.occurred_at,
                    transaction_url,
                )
            amount = int(details.get("credit_cents") or details.get("debit_cents") or 0)
            return lambda to: compose.transaction_posted(
                to,
                line,
                details["type"],
                notice.subject,
                posted_on,
                details["description"],
                amount,
                int(details["balance_cents"]),
                notice.occurred_at,
                transaction_url,
            )
        if notice.kind is NoticeKind.PAYMENT_APPROVED:
            paid_at = _instant(details["settled_at"]) if details.get("settled_at") else notice.occurred_at
            amount = int(details["amount_cents"])
            return lambda to: compose.payment_confirmation(
                to, line, notice.subject, amount, paid_at, _card_label(details), transaction_url
            )
        if notice.kind is NoticeKind.AUTOPAY_NOT_CHARGED:
            invoice_id = str(details["autopay_invoice_id"])
            invoice = self.ledger.get_document(notice.account_id, invoice_id)
            due_on = date.fromisoformat(invoice["due_date"]) if invoice and invoice.get("due_date") else None
            reason = str(details.get("message") or "The card has been declined.")
            return lambda to: compose.autopay_not_charged(
                to,
                line,
                invoice_id,
                int(details["amount_cents"]),
                due_on,
                _card_label(details),
                reason,
                f"{self.portal_url}/transactions/{invoice_id}",
            )
        full_name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
        tell = compose.user_added if notice.kind is NoticeKind.USER_ADDED else compose.user_deleted
        return lambda to: tell(to, line, full_name, notice.subject, notice.occurred_at, users_url)

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


def _card_label(payment: dict[str, Any]) -> str:
    card = payment.get("card")
    if not card:
        return "your card"
    return Card(card["brand"], card["last4"], int(card["exp_month"]), int(card["exp_year"])).label
