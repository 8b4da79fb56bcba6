"""The billing notification emails (help centre: "Billing notifications"), one per recipient, in the
recipient's language: each names the account, gives the amounts and dates (times written out in the
recipient's own time zone), sums up what happened and links to the portal page concerned. Laid out by
`email_template`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from billing_portal.i18n import Amount, Language, Moment, Text, _
from billing_portal.i18n.words import words_in
from billing_portal.notifications.email_template import Content, Row, render
from billing_portal.users.emails import Email


@dataclass(frozen=True)
class Recipient:
    address: str
    first_name: str
    time_zone: str
    language: Language = "en"


@dataclass(frozen=True)
class AccountLine:
    name: str
    number: str

    @property
    def text(self) -> Text:
        """As sentences name it: "Érable Télécom Inc. (account 100200300)"."""
        return _("{name} (account {number})", name=self.name, number=self.number)

    def rows(self) -> tuple[Row, ...]:
        return (Row(_("Account"), self.name), Row(_("Account number"), self.number))


def _billing_email(to: Recipient, content: Content) -> Email:
    return Email((to.address,), *render(content, words_in(to.language)))


def _why(to: Recipient) -> Text:
    """Why a user gets billing notifications: theirs are on, which Manage Users turns off."""
    return _(
        "You receive this email because billing notifications are on for {username} in Manage Users. "
        "You can turn them off there.",
        username=to.address,
    )


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
    due = Amount(amount_due_cents)
    return _billing_email(
        to,
        Content(
            subject=_(
                "{portal}: invoice {invoice}, {amount} due {due_date}",
                invoice=invoice_id,
                amount=due,
                due_date=due_date,
            ),
            title=_("New invoice"),
            first_name=to.first_name,
            lead=(
                _(
                    "A new invoice was posted to {account} on {moment}.",
                    account=account.text,
                    moment=Moment(posted_at, to.time_zone),
                ),
            ),
            highlight=Row(_("Amount due"), due),
            summary=(
                Row(_("Due date"), due_date),
                Row(_("Invoice"), invoice_id),
                Row(_("Invoice date"), invoice_date),
                Row(_("Invoice total"), Amount(total_cents)),
                *account.rows(),
            ),
            button=_("View the invoice"),
            url=url,
            reason=_why(to),
        ),
    )


def _transaction_words(kind: str, amount: Amount, account: AccountLine, at: Moment) -> tuple[Text, ...]:
    """(subject, title, what happened, the amount's label, the id's label) of a payment, credit or refund
    (each its own sentences: French agrees them with the noun)."""
    if kind == "payment":
        return (
            _("{portal}: payment of {amount} posted", amount=amount),
            _("Payment posted"),
            _(
                "A payment of {amount} was posted to {account} on {moment}.",
                amount=amount,
                account=account.text,
                moment=at,
            ),
            _("Payment amount"),
            _("Payment"),
        )
    if kind == "credit":
        return (
            _("{portal}: credit of {amount} posted", amount=amount),
            _("Credit posted"),
            _(
                "A credit of {amount} was posted to {account} on {moment}.",
                amount=amount,
                account=account.text,
                moment=at,
            ),
            _("Credit amount"),
            _("Credit"),
        )
    return (
        _("{portal}: refund of {amount} posted", amount=amount),
        _("Refund posted"),
        _(
            "A refund of {amount} was posted to {account} on {moment}.",
            amount=amount,
            account=account.text,
            moment=at,
        ),
        _("Refund amount"),
        _("Refund"),
    )


def transaction_posted(
    *,
    to: Recipient,
    account: AccountLine,
    kind: str,
    transaction_id: str,
    transaction_date: date,
    payment_method: Text | None,
    amount_cents: int,
    balance_cents: int,
    posted_at: datetime,
    url: str,
) -> Email:
    """A payment, credit or refund posted to the account by the billing team (`kind`); for a payment, how it
    was made ("Bank Upload"), when known."""
    amount = Amount(amount_cents)
    subject, title, lead, amount_label, id_label = _transaction_words(
        kind, amount, account, Moment(posted_at, to.time_zone)
    )
    method = (Row(_("Payment method"), payment_method),) if payment_method else ()
    return _billing_email(
        to,
        Content(
            subject=subject,
            title=title,
            first_name=to.first_name,
            lead=(lead,),
            highlight=Row(amount_label, amount),
            summary=(
                Row(id_label, transaction_id),
                Row(_("Date"), transaction_date),
                *method,
                Row(_("New balance"), Amount(balance_cents)),
                *account.rows(),
            ),
            button=_("View the transaction"),
            url=url,
            reason=_why(to),
        ),
    )


def payment_confirmation(
    *,
    to: Recipient,
    account: AccountLine,
    payment_id: str,
    amount_cents: int,
    paid_at: datetime,
    card_label: Text,
    url: str,
) -> Email:
    amount, paid = Amount(amount_cents), Moment(paid_at, to.time_zone)
    return _billing_email(
        to,
        Content(
            subject=_("{portal}: payment of {amount} received", amount=amount),
            title=_("Payment received"),
            first_name=to.first_name,
            lead=(
                _(
                    "Thank you. We received your payment of {amount} for {account} on {moment}.",
                    amount=amount,
                    account=account.text,
                    moment=paid,
                ),
            ),
            highlight=Row(_("Amount paid"), amount),
            summary=(
                Row(_("Payment"), payment_id),
                Row(_("Paid on"), paid),
                Row(_("Paid with"), card_label),
                *account.rows(),
            ),
            button=_("View the payment"),
            url=url,
            notes=(_("It has been applied to your oldest unpaid invoices."),),
            reason=_why(to),
        ),
    )


def autopay_not_charged(
    *,
    to: Recipient,
    account: AccountLine,
    invoice_id: str,
    amount_cents: int,
    due_date: date | None,
    card_label: Text,
    reason: Text,
    url: str,
) -> Email:
    """Auto Pay could not pay an invoice: the card expired, or the bank declined it (`reason`)."""
    amount = Amount(amount_cents)
    due = (Row(_("Due date"), due_date),) if due_date else ()
    return _billing_email(
        to,
        Content(
            subject=_("{portal}: Auto Pay could not pay invoice {invoice}", invoice=invoice_id),
            title=_("Auto Pay could not pay your invoice"),
            first_name=to.first_name,
            lead=(
                _(
                    "Auto Pay could not pay invoice {invoice} of {amount} for {account}. {reason}",
                    invoice=invoice_id,
                    amount=amount,
                    account=account.text,
                    reason=reason,
                ),
                _("Update your Auto Pay method or make a payment in the {portal}."),
            ),
            highlight=Row(_("Amount due"), amount),
            summary=(
                Row(_("Invoice"), invoice_id),
                *due,
                Row(_("Auto Pay method"), card_label),
                *account.rows(),
            ),
            button=_("Make a payment"),
            url=url,
            reason=_why(to),
        ),
    )


def user_added(
    *, to: Recipient, account: AccountLine, full_name: str, username: str, at: datetime, url: str
) -> Email:
    when = Moment(at, to.time_zone)
    return _billing_email(
        to,
        Content(
            subject=_("{portal}: {username} was added", username=username),
            title=_("Portal user added"),
            first_name=to.first_name,
            lead=(
                _(
                    "{full_name} ({username}) was added as a {portal} user of {account} on {moment}.",
                    full_name=full_name,
                    username=username,
                    account=account.text,
                    moment=when,
                ),
            ),
            summary=(
                Row(_("Name"), full_name),
                Row(_("Username"), username),
                Row(_("Added on"), when),
                *account.rows(),
            ),
            button=_("Manage users"),
            url=url,
            notes=(
                _(
                    "They can now see the account's invoices and payments, and pay. If you did not expect "
                    "this, check the account's users."
                ),
            ),
            reason=_why(to),
        ),
    )


def user_deleted(
    *, to: Recipient, account: AccountLine, full_name: str, username: str, at: datetime, url: str
) -> Email:
    when = Moment(at, to.time_zone)
    return _billing_email(
        to,
        Content(
            subject=_("{portal}: {username} was deleted", username=username),
            title=_("Portal user deleted"),
            first_name=to.first_name,
            lead=(
                _(
                    "{full_name} ({username}) was deleted from the {portal} users of {account} on {moment}.",
                    full_name=full_name,
                    username=username,
                    account=account.text,
                    moment=when,
                ),
            ),
            summary=(
                Row(_("Name"), full_name),
                Row(_("Username"), username),
                Row(_("Deleted on"), when),
                *account.rows(),
            ),
            button=_("Manage users"),
            url=url,
            notes=(
                _(
                    "They can no longer sign in. A deleted user can be added again only with the help of "
                    "the billing team."
                ),
            ),
            reason=_why(to),
        ),
    )
