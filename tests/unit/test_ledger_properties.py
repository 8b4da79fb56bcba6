"""Whatever the billing engine sends, in whatever order (late documents included), the books balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_portal.ledger import model as ledger
from billing_portal.ledger.model import (
    Entry,
    EntryType,
    HistoryRow,
    LedgerState,
    RefundExceedsCredit,
    oldest_first,
)
from billing_portal.shared.errors import Conflict
from billing_portal.shared.money import format_cents

from . import documents
from .documents import send
from .fakes import FakeLedgerStore

START = date(2025, 1, 1)
KINDS = ("invoice", "payment", "credit", "refund", "pending_credit")


@dataclass(frozen=True)
class Step:
    kind: str
    cents: int
    days_later: int  # the billing engine's day moves on by this much
    refund_tenths: int  # a refund asks for this many tenths of the credit on account (over 10: too much)
    days_late: int  # the document is dated this many days before the engine's day (a late bank upload)

    def dated(self, today: date) -> date:
        """Payments, credits and refunds may carry an earlier date than the day they are sent; invoices come
        from the monthly run, dated the day they are sent."""
        return today if self.kind == "invoice" else today - timedelta(days=self.days_late)


steps = st.lists(
    st.builds(
        Step,
        kind=st.sampled_from(KINDS),
        cents=st.integers(min_value=1, max_value=500_000),
        days_later=st.integers(min_value=0, max_value=45),
        refund_tenths=st.integers(min_value=1, max_value=13),
        days_late=st.sampled_from([0, 0, 0, 1, 5, 20]),
    ),
    max_size=40,
)


def refund_cents(step: Step, state: LedgerState) -> int:
    return max(1, state.unapplied_cents * step.refund_tenths // 10)


def check_state(state: LedgerState) -> None:
    open_invoices = state.open_invoices.values()
    assert state.unapplied_cents >= 0
    assert all(inv.outstanding_cents > 0 for inv in open_invoices)
    assert all(inv.outstanding_cents <= inv.total_cents for inv in open_invoices)
    assert state.balance_cents == sum(inv.outstanding_cents for inv in open_invoices) - state.unapplied_cents
    assert state.current_balance_cents == state.balance_cents - sum(state.pending_credits.values())
    # Credit on the account always pays what is open: both never exist at once.
    assert state.unapplied_cents == 0 or not state.open_invoices
    # Oldest first: only the oldest open invoice can be partly paid.
    by_age = [state.open_invoices[i] for i in oldest_first(state.open_invoices)]
    assert all(inv.outstanding_cents == inv.total_cents for inv in by_age[1:])


def check_rows(rows: list[HistoryRow], state: LedgerState) -> None:
    balance = 0
    for number, row in enumerate(rows):
        assert row.seq == number
        assert (row.debit_cents is None) != (row.credit_cents is None)
        balance += (row.debit_cents or 0) - (row.credit_cents or 0)
        assert row.balance_cents == balance
        assert row.type in (
            (EntryType.INVOICE, EntryType.REFUND)
            if row.debit_cents
            else (EntryType.PAYMENT, EntryType.CREDIT)
        )
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    debits = sum(r.debit_cents or 0 for r in rows)
    credits = sum(r.credit_cents or 0 for r in rows)
    assert state.balance_cents == debits - credits
    assert state.entry_count == len(rows)


@settings(deadline=None)
@given(steps)
def test_any_sequence_of_postings_keeps_the_books_balanced(plan: list[Step]) -> None:
    state, rows, on = LedgerState(), list[HistoryRow](), START
    for number, step in enumerate(plan):
        on += timedelta(days=step.days_later)
        dated = step.dated(on)
        if step.kind == "invoice":
            entry = Entry(f"INV-{number:04d}", EntryType.INVOICE, dated, step.cents, "Invoice")
            posting = ledger.post_invoice(state, entry, on + timedelta(days=30))
        elif step.kind == "payment":
            posting = ledger.post_payment(
                state, Entry(f"PAY-{number:04d}", EntryType.PAYMENT, dated, step.cents, "Credit Card")
            )
        elif step.kind == "credit":
            posting = ledger.post_credit(
                state, Entry(f"CR-{number:04d}", EntryType.CREDIT, dated, step.cents, "Credit")
            )
        elif step.kind == "pending_credit":
            posting = ledger.add_pending_credit(state, f"CR-{number:04d}", step.cents)
            assert posting.rows == []
        else:
            cents = refund_cents(step, state)
            entry = Entry(f"RF-{number:04d}", EntryType.REFUND, dated, cents, "Refund")
            if cents > state.unapplied_cents:
                with pytest.raises(RefundExceedsCredit):
                    ledger.post_refund(state, entry)
                continue
            posting = ledger.post_refund(state, entry)

        assert posting.before == state
        assert posting.after.version == state.version + 1
        assert sum(a.cents for a in posting.allocations) <= state.unapplied_cents + sum(
            (r.credit_cents or 0) for r in posting.rows
        )
        rows.extend(posting.rows)
        state = posting.after
        check_state(state)
        check_rows(rows, state)


@settings(deadline=None, max_examples=60)
@given(steps)
def test_what_the_store_keeps_agrees_with_the_ledger(plan: list[Step]) -> None:
    """The same, through ingest and the store: history rows, invoices' amounts paid and statuses."""
    store, account_id = FakeLedgerStore(), "acct-prop"
    send(store, documents.account(account_id, province="AB", postal_code="T2P 1J9"))
    on = START
    for number, step in enumerate(plan):
        on += timedelta(days=step.days_later)
        dated = step.dated(on)
        amount = format_cents(step.cents)
        state = store.accounts[account_id].ledger
        if step.kind == "invoice":
            document = documents.invoice(account_id, f"INV-{number:04d}", dated, service=amount)
        elif step.kind == "payment":
            document = documents.payment(account_id, f"PAY-{number:04d}", dated, amount)
        elif step.kind == "credit":
            document = documents.credit(account_id, f"CR-{number:04d}", dated, amount)
        elif step.kind == "pending_credit":
            document = documents.pending_credit(account_id, f"CR-{number:04d}", dated, amount)
        else:
            cents = refund_cents(step, state)
            document = documents.refund(account_id, f"RF-{number:04d}", dated, format_cents(cents))
            if cents > state.unapplied_cents:
                commits = store.commits
                with pytest.raises(Conflict):
                    send(store, document)
                assert store.commits == commits
                assert store.accounts[account_id].ledger == state
                assert store.get_document(account_id, f"RF-{number:04d}") is None
                continue
        assert send(store, document) == "posted"

    state = store.accounts[account_id].ledger
    check_state(state)
    check_rows(store.all_rows(account_id), state)
    for document in store.documents.get(account_id, {}).values():
        if document["type"] == "invoice":
            applied = sum(a["cents"] for a in document["applied"])
            assert document["amount_paid_cents"] == applied
            left = (
                state.open_invoices[document["id"]].outstanding_cents
                if document["id"] in state.open_invoices
                else 0
            )
            assert document["total_cents"] - document["amount_paid_cents"] == left
            assert document["status"] == ledger.invoice_status(document["total_cents"], left)
        elif document["type"] in ("payment", "credit"):
            assert sum(a["cents"] for a in document["allocations"]) <= document["amount_cents"]
        if document["type"] == "credit":
            assert (document["status"] == "pending") == (document["id"] in state.pending_credits)
