"""The account ledger's rules, free of storage and HTTP.

Posting is the only way money moves. An account's ledger state is one record (balance, credit not yet
applied, open invoices, credits pending on future invoices); a posting turns one state into the next and
yields the history rows and invoice settlements to store with it, atomically.

Invariant, after every posting: ``balance == sum(open invoices' outstanding) - unapplied``.
Positive balance: the customer owes. Negative: a credit on the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from billing_portal.i18n import N_, Amount, Text, _
from billing_portal.shared.errors import Conflict

# Card payments taken before the portal's processor went live show as historical (help-centre article).
HISTORICAL_CARD_CUTOFF = date(2025, 7, 1)
# The source of an allocation made from credit already on the account when an invoice is posted.
ACCOUNT_CREDIT = "account_credit"
# A posting and the invoices it pays are written in one DynamoDB transaction (100 items at most).
MAX_ALLOCATIONS = 80


class EntryType(StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT = "credit"
    REFUND = "refund"


# The billing engine's document ids; a transaction's id says its type.
DOCUMENT_ID = {
    EntryType.INVOICE: r"^INV-[A-Z0-9-]{1,40}$",
    EntryType.PAYMENT: r"^PAY-[A-Z0-9-]{1,40}$",
    EntryType.CREDIT: r"^CR-[A-Z0-9-]{1,40}$",
    EntryType.REFUND: r"^RF-[A-Z0-9-]{1,40}$",
}
ANY_DOCUMENT_ID = re.compile(r"(INV|PAY|CR|RF)-[A-Z0-9-]{1,40}")


ACCOUNT_NOT_FOUND = _("Account not found.")

# What a customer reads of each type of transaction (the `type` code stays as it is).
TYPE_LABELS = {
    EntryType.INVOICE: _("Invoice"),
    EntryType.PAYMENT: _("Payment"),
    EntryType.CREDIT: _("Credit"),
    EntryType.REFUND: _("Refund"),
}


class PaymentMethod(StrEnum):
    CREDIT_CARD = "credit_card"
    BANK_UPLOAD = "bank_upload"


# How a payment was made, as its history row and documents store it: in English, each one a catalogue
# message, put into the reader's words when read (`description_of`).
CREDIT_CARD = N_("Credit Card")
HISTORICAL_CREDIT_CARD = N_("Historical Credit Card")
BANK_UPLOAD = N_("Bank Upload")
PAYMENT_DESCRIPTIONS = {stored: Text(stored) for stored in (CREDIT_CARD, HISTORICAL_CREDIT_CARD, BANK_UPLOAD)}
# A method's own name, for a payment's details: "Credit Card" or "Bank Upload".
METHOD_LABELS = {
    PaymentMethod.CREDIT_CARD: PAYMENT_DESCRIPTIONS[CREDIT_CARD],
    PaymentMethod.BANK_UPLOAD: PAYMENT_DESCRIPTIONS[BANK_UPLOAD],
}
# A credit pending on an invoice is posted with it, its row saying so: "Credit CR-7 on invoice INV-202611".
_ON_INVOICE = re.compile(r" on invoice (INV-[A-Z0-9-]{1,40})$")


def payment_description(method: PaymentMethod, paid_on: date) -> str:
    if method is PaymentMethod.BANK_UPLOAD:
        return BANK_UPLOAD
    return HISTORICAL_CREDIT_CARD if paid_on < HISTORICAL_CARD_CUTOFF else CREDIT_CARD


def description_of(type_: EntryType, transaction_id: str, stored: str) -> Text | str:
    """A transaction's description in the reader's words, from its type and id and the (English)
    description stored with it: "Invoice", "Credit Card", "Credit CR-7", "Refund RF-3"... A description
    the portal did not write itself is shown as stored."""
    if type_ is EntryType.INVOICE:
        return TYPE_LABELS[EntryType.INVOICE]
    if type_ is EntryType.PAYMENT:
        return PAYMENT_DESCRIPTIONS.get(stored, stored)
    if type_ is EntryType.CREDIT:
        on_invoice = _ON_INVOICE.search(stored)
        if on_invoice:
            return _(
                "Credit {credit_id} on invoice {invoice_id}",
                credit_id=transaction_id,
                invoice_id=on_invoice.group(1),
            )
        return _("Credit {credit_id}", credit_id=transaction_id)
    return _("Refund {refund_id}", refund_id=transaction_id)


@dataclass(frozen=True)
class OpenInvoice:
    issue_date: date
    due_date: date
    total_cents: int
    outstanding_cents: int
    # The invoice's place in the account's postings (its history row's seq): what breaks a tie between two
    # invoices of the same issue date.
    seq: int = 0


def oldest_first(open_invoices: dict[str, OpenInvoice]) -> list[str]:
    """The unpaid invoices in the order payments and credits pay them (help centre: "Payments are
    automatically applied to your oldest unpaid invoice"): by issue date, then in the order posted (the id
    only orders invoices stored before their sequence was kept)."""
    return sorted(open_invoices, key=lambda i: (open_invoices[i].issue_date, open_invoices[i].seq, i))


@dataclass(frozen=True)
class LastPayment:
    date: date
    amount_cents: int
    method: str


@dataclass(frozen=True)
class PaymentClaim:
    """The card payment the processor is being asked about right now: held on the ledger from before the
    processor is called until its answer is recorded, so that no other payment starts meanwhile."""

    payment_id: str
    cents: int
    claimed_at: str  # ISO 8601 UTC: a claim left by a crash is told by its age


@dataclass(frozen=True)
class LedgerState:
    version: int = 0
    entry_count: int = 0
    balance_cents: int = 0
    unapplied_cents: int = 0
    open_invoices: dict[str, OpenInvoice] = field(default_factory=dict)
    pending_credits: dict[str, int] = field(default_factory=dict)
    last_entry_date: date | None = None
    last_payment: LastPayment | None = None
    # Card payments the processor has not settled yet: not money received, so not in the balance.
    pending_payments: dict[str, int] = field(default_factory=dict)
    # The card payment being charged now, if any; with the pending ones, the payments in flight.
    payment_claim: PaymentClaim | None = None
    # What was invoiced each month ("2026-11" -> cents), for the recent months the dashboard charts: kept on
    # the account, so the chart costs no read of the history.
    invoice_totals: dict[str, int] = field(default_factory=dict)

    @property
    def pending_credit_cents(self) -> int:
        return sum(self.pending_credits.values())

    @property
    def current_balance_cents(self) -> int:
        """What the dashboard shows: credits pending on future invoices already count."""
        return self.balance_cents - self.pending_credit_cents

    @property
    def next_due_date(self) -> date | None:
        return min((inv.due_date for inv in self.open_invoices.values()), default=None)


@dataclass(frozen=True)
class HistoryRow:
    """One line of the Transaction History table, as posted."""

    seq: int
    id: str
    type: EntryType
    date: date
    description: str
    credit_cents: int | None
    debit_cents: int | None
    balance_cents: int


@dataclass(frozen=True)
class Allocation:
    """`cents` of a payment or credit applied to an invoice."""

    source_id: str
    invoice_id: str
    cents: int
    invoice_outstanding_after: int
    invoice_total_cents: int


@dataclass(frozen=True)
class InvoicePayment:
    """What a posting changes of an invoice's document: `cents` of `source_id` paid on it, which leaves it
    in `status`."""

    invoice_id: str
    source_id: str
    cents: int
    status: str


@dataclass(frozen=True)
class CreditApplied:
    """What a posting changes of a pending credit's document: applied, on the invoice posted with it."""

    credit_id: str
    invoice_id: str
    status: str = "applied"


@dataclass(frozen=True)
class Posting:
    """The outcome of one posting: everything to write in one transaction."""

    before: LedgerState
    after: LedgerState
    rows: list[HistoryRow]
    allocations: list[Allocation]
    consumed_pending_credits: list[str] = field(default_factory=list)

    def invoice_payments(self) -> list[InvoicePayment]:
        """The invoices this posting pays, each with its status once paid."""
        return [
            InvoicePayment(
                invoice_id=a.invoice_id,
                source_id=a.source_id,
                cents=a.cents,
                status=invoice_status(a.invoice_total_cents, a.invoice_outstanding_after),
            )
            for a in self.allocations
        ]

    def applied_credits(self) -> list[CreditApplied]:
        """The pending credits this posting applies, on the invoice it posts (its first row)."""
        return [CreditApplied(credit_id, self.rows[0].id) for credit_id in self.consumed_pending_credits]

    def allocations_of(self, source_id: str) -> list[Allocation]:
        """What one payment or credit of this posting paid."""
        return [a for a in self.allocations if a.source_id == source_id]


@dataclass(frozen=True)
class Entry:
    id: str
    type: EntryType
    date: date
    amount_cents: int
    description: str


class RefundExceedsCredit(Conflict):
    code = "refund_exceeds_credit"


PAYMENT_PENDING = _(
    "A payment is pending. Wait for your bank to approve or decline it before you submit another payment."
)


class PaymentPending(Conflict):
    code = "payment_pending"


def invoice_status(total_cents: int, outstanding_cents: int) -> str:
    if outstanding_cents <= 0:
        return "paid"
    return "partially_paid" if outstanding_cents < total_cents else "open"


class _Builder:
    """Accumulates one posting's changes on a working copy of the state."""

    def __init__(self, state: LedgerState) -> None:
        self.before = state
        self.balance = state.balance_cents
        self.unapplied = state.unapplied_cents
        self.open = dict(state.open_invoices)
        self.pending = dict(state.pending_credits)
        self.entry_count = state.entry_count
        self.last_entry_date = state.last_entry_date
        self.last_payment = state.last_payment
        self.pending_payments = dict(state.pending_payments)
        self.payment_claim = state.payment_claim
        self.invoice_totals = dict(state.invoice_totals)
        self.rows: list[HistoryRow] = []
        self.allocations: list[Allocation] = []
        self.consumed: list[str] = []

    def add_row(self, entry: Entry) -> None:
        if entry.amount_cents <= 0:
            raise ValueError("a posted amount is positive; its type says which way it moves the balance")
        # A document dated before the last posting (a bank upload arriving late, say) is recorded on that
        # posting's date: the history stays in date order and every row's running balance stays true. Its
        # own date stays in its details as its value date.
        posted_on = max(entry.date, self.last_entry_date or entry.date)
        is_debit = entry.type in (EntryType.INVOICE, EntryType.REFUND)
        self.balance += entry.amount_cents if is_debit else -entry.amount_cents
        self.rows.append(
            HistoryRow(
                seq=self.entry_count,
                id=entry.id,
                type=entry.type,
                date=posted_on,
                description=entry.description,
                credit_cents=None if is_debit else entry.amount_cents,
                debit_cents=entry.amount_cents if is_debit else None,
                balance_cents=self.balance,
            )
        )
        self.entry_count += 1
        self.last_entry_date = posted_on

    def apply_unapplied(self, source_id: str) -> None:
        """Credit on the account pays the oldest unpaid invoices first. At most MAX_ALLOCATIONS invoices a
        posting, so that it fits one DynamoDB transaction; what is left stays credit on the account and
        pays the next invoices with the next posting."""
        for invoice_id in oldest_first(self.open):
            if self.unapplied == 0 or len(self.allocations) >= MAX_ALLOCATIONS:
                break
            invoice = self.open[invoice_id]
            take = min(self.unapplied, invoice.outstanding_cents)
            self.unapplied -= take
            outstanding = invoice.outstanding_cents - take
            self.allocations.append(Allocation(source_id, invoice_id, take, outstanding, invoice.total_cents))
            if outstanding == 0:
                del self.open[invoice_id]
            else:
                self.open[invoice_id] = replace(invoice, outstanding_cents=outstanding)

    def build(self) -> Posting:
        after = LedgerState(
            version=self.before.version + 1,
            entry_count=self.entry_count,
            balance_cents=self.balance,
            unapplied_cents=self.unapplied,
            open_invoices=self.open,
            pending_credits=self.pending,
            last_entry_date=self.last_entry_date,
            last_payment=self.last_payment,
            pending_payments=self.pending_payments,
            payment_claim=self.payment_claim,
            invoice_totals=self.invoice_totals,
        )
        return Posting(self.before, after, self.rows, self.allocations, self.consumed)


INVOICE_TOTAL_MONTHS = 25  # the dashboard's 24 months, and the one before, for a month just begun


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def invoiced_in(totals: dict[str, int], day: date, cents: int) -> dict[str, int]:
    """The monthly totals with an invoice of `cents` issued on `day`, the oldest months past the kept ones
    let go."""
    month = month_of(day)
    kept = {**totals, month: totals.get(month, 0) + cents}
    return dict(sorted(kept.items())[-INVOICE_TOTAL_MONTHS:])


def post_invoice(state: LedgerState, entry: Entry, due_date: date) -> Posting:
    """An invoice charges the account. Credits pending on this (future) invoice are posted with it."""
    builder = _Builder(state)
    builder.add_row(entry)
    seq = builder.rows[-1].seq
    builder.open[entry.id] = OpenInvoice(entry.date, due_date, entry.amount_cents, entry.amount_cents, seq)
    builder.invoice_totals = invoiced_in(builder.invoice_totals, entry.date, entry.amount_cents)
    for credit_id, cents in sorted(state.pending_credits.items()):
        # The stored form, in English as every stored description; read in the reader's words by
        # `description_of`.
        stored = f"Credit {credit_id} on invoice {entry.id}"
        builder.add_row(Entry(credit_id, EntryType.CREDIT, entry.date, cents, stored))
        builder.unapplied += cents
        del builder.pending[credit_id]
        builder.consumed.append(credit_id)
    builder.apply_unapplied(ACCOUNT_CREDIT)
    return builder.build()


def post_payment(state: LedgerState, entry: Entry, method: str | None = None) -> Posting:
    """A payment received and cleared; `entry.description` names how it was paid, `method` (the card, when
    known) is what the Last Payment tile shows. A pending payment of the same id is settled by it."""
    builder = _Builder(state)
    builder.add_row(entry)
    builder.unapplied += entry.amount_cents
    builder.apply_unapplied(entry.id)
    builder.pending_payments.pop(entry.id, None)
    _release(builder, entry.id)
    if state.last_payment is None or entry.date >= state.last_payment.date:
        builder.last_payment = LastPayment(entry.date, entry.amount_cents, method or entry.description)
    return builder.build()


def payments_in_flight(state: LedgerState) -> set[str]:
    """The card payments being charged or pending at the processor: at most one, by `claim_payment`."""
    claimed = {state.payment_claim.payment_id} if state.payment_claim else set()
    return claimed | set(state.pending_payments)


def claim_payment(state: LedgerState, payment_id: str, cents: int, claimed_at: str) -> Posting:
    """Hold the account for a card payment about to be charged (help centre: "If a payment is marked as
    Pending, wait for your bank to approve or decline it before submitting another payment"). PaymentPending
    while another payment is in flight. Claiming again for the same payment (a retry) renews the claim."""
    if cents <= 0:
        raise ValueError("a payment is positive")
    if payments_in_flight(state) - {payment_id}:
        raise PaymentPending(PAYMENT_PENDING)
    builder = _Builder(state)
    if payment_id not in state.pending_payments:  # pending already: its callback settles it
        builder.payment_claim = PaymentClaim(payment_id, cents, claimed_at)
    return builder.build()


def release_payment_claim(state: LedgerState, claim: PaymentClaim) -> Posting:
    """The claimed payment was not charged: other payments may go ahead. Only this very claim is released;
    a renewed one (the same payment retried since) is kept."""
    builder = _Builder(state)
    if state.payment_claim == claim:
        builder.payment_claim = None
    return builder.build()


def _release(builder: _Builder, payment_id: str) -> None:
    if builder.payment_claim is not None and builder.payment_claim.payment_id == payment_id:
        builder.payment_claim = None


def add_pending_payment(state: LedgerState, payment_id: str, cents: int) -> Posting:
    """A card payment the processor holds as pending: no money yet, but no other payment until it settles.
    Its claim, if any, becomes the pending payment."""
    if cents <= 0:
        raise ValueError("a pending payment is positive")
    builder = _Builder(state)
    builder.pending_payments[payment_id] = cents
    _release(builder, payment_id)
    return builder.build()


def drop_pending_payment(state: LedgerState, payment_id: str) -> Posting:
    """A payment in flight that this posting does not post is forgotten (the processor declined it, pending
    or just charged; or an earlier attempt posted it): its claim or pending hold goes, the balance never
    moved."""
    builder = _Builder(state)
    builder.pending_payments.pop(payment_id, None)
    _release(builder, payment_id)
    return builder.build()


def post_credit(state: LedgerState, entry: Entry) -> Posting:
    builder = _Builder(state)
    builder.add_row(entry)
    builder.unapplied += entry.amount_cents
    builder.apply_unapplied(entry.id)
    return builder.build()


def post_refund(state: LedgerState, entry: Entry) -> Posting:
    """A refund pays back credit on the account; it cannot create a debt no invoice explains."""
    if entry.amount_cents > state.unapplied_cents:
        raise RefundExceedsCredit(
            _(
                "Refund {refund_id} of {amount} exceeds the credit on the account ({credit}).",
                refund_id=entry.id,
                amount=Amount(entry.amount_cents),
                credit=Amount(state.unapplied_cents),
            )
        )
    builder = _Builder(state)
    builder.add_row(entry)
    builder.unapplied -= entry.amount_cents
    return builder.build()


def add_pending_credit(state: LedgerState, credit_id: str, cents: int) -> Posting:
    """A credit promised on the next invoice: in the current balance now, in the history with that invoice."""
    if cents <= 0:
        raise ValueError("a pending credit is positive")
    builder = _Builder(state)
    builder.pending[credit_id] = cents
    return builder.build()
