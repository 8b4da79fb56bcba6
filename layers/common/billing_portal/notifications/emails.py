"""The billing notification emails (help centre: "Billing notifications"), one per recipient: each names the
account, gives the amounts and dates (times in the recipient's own time zone) and links to the portal page
concerned. Every value placed in the HTML is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from billing_portal.users.emails import PORTAL_NAME, Email, html_document


@dataclass(frozen=True)
class Recipient:
    address: str
    first_name: str
    time_zone: str


@dataclass(frozen=True)
class AccountLine:
    name: str
    number: str

    def __str__(self) -> str:
        return f"{self.name} (account {self.number})"


def dollars(cents: int) -> str:
    """`123456` -> `$1,234.56`."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}${whole:,}.{fraction:02d}"


def local_time(at: datetime, time_zone: str) -> str:
    """An instant as the recipient reads it: `2026-11-23 09:15 EST`."""
    return at.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M %Z")


def _link(url: str, label: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'


def _email(to: Recipient, subject: str, title: str, lines: list[str], url: str, link_label: str) -> Email:
    """`lines`: plain sentences; the text part lists them, the HTML part puts each in a paragraph."""
    greeting = f"Hello {to.first_name},"
    text = "\n\n".join([greeting, *lines, f"{link_label}: {url}"]) + "\n"
    html = html_document(title, [escape(greeting), *(escape(line) for line in lines), _link(url, link_label)])
    return Email((to.address,), subject, text, html)


def invoice_posted(
    *,
    to: Recipient,
    account: AccountLine,
    invoice_id: str,
    invoice_date: date,
    total_cents: int,
    amount_due_cents: int,
    due_date: date,
    posted_at: datetime,
    url: str,
) -> Email:
    lines = [
        f"A new invoice was posted to {account} on {local_time(posted_at, to.time_zone)}.",
        f"Invoice {invoice_id}, dated {invoice_date.isoformat()}: {dollars(total_cents)}.",
        f"Amount due: {dollars(amount_due_cents)}, due {due_date.isoformat()}.",
    ]
    subject = f"{PORTAL_NAME}: invoice {invoice_id}, {dollars(amount_due_cents)} due {due_date.isoformat()}"
    return _email(to, subject, "New invoice", lines, url, "View the invoice")


# The words for each kind of transaction other than invoices: (noun, title).
_TRANSACTION_WORDS = {
    "payment": ("payment", "Payment posted"),
    "credit": ("credit", "Credit posted"),
    "refund": ("refund", "Refund posted"),
}


def transaction_posted(
    *,
    to: Recipient,
    account: AccountLine,
    kind: str,
    transaction_id: str,
    transaction_date: date,
    description: str,
    amount_cents: int,
    balance_cents: int,
    posted_at: datetime,
    url: str,
) -> Email:
    """A payment, credit or refund posted to the account by the billing team."""
    noun, title = _TRANSACTION_WORDS[kind]
    lines = [
        f"A {noun} of {dollars(amount_cents)} was posted to {account} on "
        f"{local_time(posted_at, to.time_zone)}.",
        f"{description} ({transaction_id}), dated {transaction_date.isoformat()}.",
        f"Balance after it: {dollars(balance_cents)}.",
    ]
    subject = f"{PORTAL_NAME}: {noun} of {dollars(amount_cents)} posted"
    return _email(to, subject, title, lines, url, "View the transaction")


def payment_confirmation(
    *,
    to: Recipient,
    account: AccountLine,
    payment_id: str,
    amount_cents: int,
    paid_at: datetime,
    card_label: str,
    url: str,
) -> Email:
    lines = [
        f"Thank you. We received your payment of {dollars(amount_cents)} for {account} on "
        f"{local_time(paid_at, to.time_zone)}.",
        f"Payment {payment_id}, paid with {card_label}.",
        "It has been applied to your oldest unpaid invoices.",
    ]
    subject = f"{PORTAL_NAME}: payment of {dollars(amount_cents)} received"
    return _email(to, subject, "Payment received", lines, url, "View the payment")


def autopay_not_charged(
    *,
    to: Recipient,
    account: AccountLine,
    invoice_id: str,
    amount_cents: int,
    due_date: date | None,
    card_label: str,
    reason: str,
    url: str,
) -> Email:
    """Auto Pay could not pay an invoice: the card expired, or the bank declined it."""
    due = f", due {due_date.isoformat()}" if due_date else ""
    lines = [
        f"Auto Pay did not pay invoice {invoice_id} of {dollars(amount_cents)}{due}, for {account}: {reason}",
        f"Auto Pay method: {card_label}.",
        "Update your Auto Pay method or make a payment in the portal.",
    ]
    subject = f"{PORTAL_NAME}: Auto Pay could not pay invoice {invoice_id}"
    return _email(to, subject, "Auto Pay could not pay your invoice", lines, url, "Make a payment")


def user_added(
    *, to: Recipient, account: AccountLine, full_name: str, username: str, at: datetime, url: str
) -> Email:
    lines = [
        f"{full_name} ({username}) was added as a {PORTAL_NAME} user of {account} on "
        f"{local_time(at, to.time_zone)}.",
        "They can now see the account's invoices and payments, and pay. If you did not expect this, "
        "check the account's users.",
    ]
    return _email(to, f"{PORTAL_NAME}: {username} was added", "Portal user added", lines, url, "Manage users")


def user_deleted(
    *, to: Recipient, account: AccountLine, full_name: str, username: str, at: datetime, url: str
) -> Email:
    lines = [
        f"{full_name} ({username}) was deleted from the {PORTAL_NAME} users of {account} on "
        f"{local_time(at, to.time_zone)}.",
        "They can no longer sign in. A deleted user cannot be added again without the billing team's help.",
    ]
    return _email(
        to, f"{PORTAL_NAME}: {username} was deleted", "Portal user deleted", lines, url, "Manage users"
    )
