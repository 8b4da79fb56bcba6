"""Which change of the portal's records becomes which billing notification (help centre: "Billing
notifications", and the payment confirmation of "Make a Payment"), told to whom:

- a transaction posted (invoice, payment, credit or refund): its email, unless it is a card payment made in
  the portal, which its payment confirmation tells instead;
- a payment approved: the payment confirmation;
- an Auto Pay payment declined or failed: Auto Pay could not pay the invoice;
- a portal user added (once their invitation is out): told to the other users (the new user has their
  welcome email instead);
- a portal user deleted.

Every user of the account with billing notifications on, who was a user when the change happened, is told,
in their own language and time zone. The changes are storage-neutral: the adapter that reads the records'
stream turns what it sees into them (`notifications.dynamo.change_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from billing_portal.i18n import Text, _
from billing_portal.ledger.model import PAYMENT_DESCRIPTIONS
from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications import emails as compose
from billing_portal.notifications.emails import AccountLine, Recipient
from billing_portal.payments.cards import AUTOPAY_CARD_EXPIRED, Card
from billing_portal.payments.processor import DECLINED
from billing_portal.shared import portal_url as pages
from billing_portal.users.emails import Email

# Why Auto Pay did not pay, as the payment record keeps it: the English of one of these (declined, when the
# record does not say).
DECLINE_REASONS = {reason.msgid: reason for reason in (DECLINED, AUTOPAY_CARD_EXPIRED)}


class NoticeKind(StrEnum):
    TRANSACTION_POSTED = "transaction_posted"
    PAYMENT_APPROVED = "payment_approved"
    AUTOPAY_NOT_CHARGED = "autopay_not_charged"
    USER_ADDED = "user_added"
    USER_DELETED = "user_deleted"


# -- the changes the notifier hears of -------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionPosted:
    account_id: str
    transaction_id: str
    type: str  # invoice, payment, credit or refund
    on: date  # the transaction's own date
    description: str
    amount_cents: int
    balance_cents: int  # the account's balance after it
    at: datetime  # when it was written


@dataclass(frozen=True)
class PaymentApproved:
    account_id: str
    payment_id: str
    amount_cents: int
    card: Card | None
    settled_at: datetime | None
    at: datetime  # when the approval was written


@dataclass(frozen=True)
class AutopayNotCharged:
    """An Auto Pay payment declined, or failed before the card could be charged (an expired card)."""

    account_id: str
    payment_id: str
    invoice_id: str
    amount_cents: int
    card: Card | None
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class UserAdded:
    account_id: str
    username: str
    first_name: str
    last_name: str
    invited_at: str  # ISO 8601, as recorded: also tells apart two invitations of one username


@dataclass(frozen=True)
class UserDeleted:
    account_id: str
    username: str
    first_name: str
    last_name: str
    deleted_at: str  # ISO 8601, as recorded: tells apart a user deleted, restored and deleted again


Change = TransactionPosted | PaymentApproved | AutopayNotCharged | UserAdded | UserDeleted


# -- the notice: told once per recipient -------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Something the account's users are told about, once each."""

    kind: NoticeKind
    account_id: str
    subject: str  # the transaction, payment or username concerned
    occurred_at: datetime
    version: str = ""  # tells apart two events of one subject (a user deleted, restored, deleted again)

    @property
    def key(self) -> str:
        return "#".join(filter(None, (self.kind.value, self.account_id, self.subject, self.version)))


def notice_of(change: Change) -> Notice:
    match change:
        case TransactionPosted():
            kind, subject, at, version = NoticeKind.TRANSACTION_POSTED, change.transaction_id, change.at, ""
        case PaymentApproved():
            kind, subject, at, version = NoticeKind.PAYMENT_APPROVED, change.payment_id, change.at, ""
        case AutopayNotCharged():
            kind, subject, at, version = NoticeKind.AUTOPAY_NOT_CHARGED, change.payment_id, change.at, ""
        case UserAdded():
            kind, subject, version = NoticeKind.USER_ADDED, change.username, change.invited_at
            at = instant(change.invited_at)
        case UserDeleted():
            kind, subject, version = NoticeKind.USER_DELETED, change.username, change.deleted_at
            at = instant(change.deleted_at)
    return Notice(kind, change.account_id, subject, at, version)


def instant(text: str) -> datetime:
    """An ISO 8601 time as recorded; one without a zone is UTC."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


# -- who is told -----------------------------------------------------------------------------------------


def payment_confirming(change: Change) -> str | None:
    """The payment whose own record, if the portal made it, confirms this change instead (a card payment
    made in the portal gets one email, its confirmation, not a second one for its history row)."""
    if isinstance(change, TransactionPosted) and change.type == "payment":
        return change.transaction_id
    return None


def recipients(change: Change, users: Iterable[PortalUser]) -> list[PortalUser]:
    """The account's users with notifications on who were users when it happened, by username; for a user
    added, the others."""
    notice = notice_of(change)
    # The stream's times are rounded down to the second: a user made within that second may have seen it.
    cutoff = notice.occurred_at + timedelta(seconds=1)
    chosen = [
        user
        for user in users
        if user.notifications_enabled
        and instant(user.created_at) < cutoff
        and not (isinstance(change, UserAdded) and user.username == change.username)
    ]
    return sorted(chosen, key=lambda u: u.username)


# -- what they are told ----------------------------------------------------------------------------------


def invoice_needed(change: Change) -> str | None:
    """The invoice whose document the email reads (its amounts and due date), if any."""
    if isinstance(change, TransactionPosted) and change.type == "invoice":
        return change.transaction_id
    if isinstance(change, AutopayNotCharged):
        return change.invoice_id
    return None


def composer(
    change: Change, *, account: AccountLine, portal_url: str, invoice: dict[str, Any] | None
) -> Callable[[Recipient], Email] | None:
    """How the change reads, given to whom (`invoice`: the document `invoice_needed` names, as stored).
    None when it cannot be told: an invoice row whose document is missing."""
    page = f"{portal_url}{pages.TRANSACTION}"
    match change:
        case TransactionPosted(type="invoice"):
            if invoice is None:
                return None
            total = int(invoice["total_cents"])
            due_date = date.fromisoformat(invoice["due_date"])
            due = total - int(invoice.get("amount_paid_cents", 0))
            return lambda to: compose.invoice_posted(
                to=to,
                account=account,
                invoice_id=change.transaction_id,
                invoice_date=change.on,
                total_cents=total,
                amount_due_cents=due,
                due_date=due_date,
                posted_at=change.at,
                url=f"{page}/{change.transaction_id}",
            )
        case TransactionPosted():
            return lambda to: compose.transaction_posted(
                to=to,
                account=account,
                kind=change.type,
                transaction_id=change.transaction_id,
                transaction_date=change.on,
                payment_method=_payment_method(change),
                amount_cents=change.amount_cents,
                balance_cents=change.balance_cents,
                posted_at=change.at,
                url=f"{page}/{change.transaction_id}",
            )
        case PaymentApproved():
            return lambda to: compose.payment_confirmation(
                to=to,
                account=account,
                payment_id=change.payment_id,
                amount_cents=change.amount_cents,
                paid_at=change.settled_at or change.at,
                card_label=_card_label(change.card),
                url=f"{page}/{change.payment_id}",
            )
        case AutopayNotCharged():
            due_on = date.fromisoformat(invoice["due_date"]) if invoice and invoice.get("due_date") else None
            return lambda to: compose.autopay_not_charged(
                to=to,
                account=account,
                invoice_id=change.invoice_id,
                amount_cents=change.amount_cents,
                due_date=due_on,
                card_label=_card_label(change.card),
                reason=DECLINE_REASONS.get(change.reason or "", DECLINED),
                url=f"{portal_url}{pages.MAKE_A_PAYMENT}",
            )
        case UserAdded() | UserDeleted():
            tell = compose.user_added if isinstance(change, UserAdded) else compose.user_deleted
            full_name = f"{change.first_name} {change.last_name}".strip()
            at = notice_of(change).occurred_at
            return lambda to: tell(
                to=to,
                account=account,
                full_name=full_name,
                username=change.username,
                at=at,
                url=f"{portal_url}{pages.MANAGE_USERS}",
            )


def _payment_method(change: TransactionPosted) -> Text | None:
    """How a payment the billing team posted was made ("Bank Upload"), as its history row says."""
    return PAYMENT_DESCRIPTIONS.get(change.description) if change.type == "payment" else None


def _card_label(card: Card | None) -> Text:
    return card.label if card else _("your card")
