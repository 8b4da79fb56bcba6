"""The ledger's posting rules, on their own: what a customer sees in the balance and on each invoice."""

from __future__ import annotations

from datetime import date

import builders
import pytest

from billing_portal.i18n.words import words_in
from billing_portal.ledger import model as ledger
from billing_portal.ledger.documents import InvoiceLine
from billing_portal.ledger.model import (
    ACCOUNT_CREDIT,
    Entry,
    EntryType,
    LedgerState,
    PaymentMethod,
    invoice_status,
    payment_description,
)
from billing_portal.ledger.views_details import InvoiceDetails, transaction_details
from billing_portal.shared.errors import Conflict

ENGLISH = words_in("en")  # the words of a reader of English

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def invoice(state: LedgerState, invoice_id: str, cents: int, on: date) -> ledger.Posting:
    entry = Entry(invoice_id, EntryType.INVOICE, on, cents, "Invoice")
    return ledger.post_invoice(state, entry, due_date=date(on.year, on.month, 28))


def payment(state: LedgerState, payment_id: str, cents: int, on: date) -> ledger.Posting:
    return ledger.post_payment(state, Entry(payment_id, EntryType.PAYMENT, on, cents, "Credit Card"))


def credit(state: LedgerState, credit_id: str, cents: int, on: date) -> ledger.Posting:
    return ledger.post_credit(state, Entry(credit_id, EntryType.CREDIT, on, cents, f"Credit {credit_id}"))


def refund(state: LedgerState, refund_id: str, cents: int, on: date) -> ledger.Posting:
    return ledger.post_refund(state, Entry(refund_id, EntryType.REFUND, on, cents, f"Refund {refund_id}"))


def outstanding(state: LedgerState) -> dict[str, int]:
    return {invoice_id: inv.outstanding_cents for invoice_id, inv in state.open_invoices.items()}


def test_an_invoice_charges_the_account_and_stays_open_until_paid() -> None:
    posted = invoice(LedgerState(), "INV-1", 11300, JAN)
    [row] = posted.rows
    assert (row.type, row.debit_cents, row.credit_cents, row.balance_cents) == (
        EntryType.INVOICE,
        11300,
        None,
        11300,
    )
    assert posted.after.balance_cents == 11300
    assert outstanding(posted.after) == {"INV-1": 11300}
    assert posted.after.next_due_date == date(2026, 1, 28)
    assert posted.after.version == posted.before.version + 1


def test_a_payment_pays_the_oldest_unpaid_invoice_first() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = invoice(state, "INV-2", 20000, FEB).after
    posted = payment(state, "PAY-1", 15000, FEB)

    assert [(a.invoice_id, a.cents) for a in posted.allocations] == [("INV-1", 10000), ("INV-2", 5000)]
    assert outstanding(posted.after) == {"INV-2": 15000}
    assert posted.after.balance_cents == 15000
    assert posted.after.next_due_date == date(2026, 2, 28)  # the paid invoice's due date no longer counts


def test_oldest_first_goes_by_issue_date_not_by_id() -> None:
    state = invoice(LedgerState(), "INV-B", 10000, JAN).after
    state = invoice(state, "INV-A", 10000, FEB).after
    posted = payment(state, "PAY-1", 10000, FEB)
    assert [a.invoice_id for a in posted.allocations] == ["INV-B"]


def test_a_partial_payment_leaves_the_invoice_partially_paid() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    posted = payment(state, "PAY-1", 4000, JAN)

    [allocation] = posted.allocations
    assert (allocation.invoice_id, allocation.cents, allocation.invoice_outstanding_after) == (
        "INV-1",
        4000,
        6000,
    )
    assert (
        invoice_status(allocation.invoice_total_cents, allocation.invoice_outstanding_after)
        == "partially_paid"
    )
    assert posted.after.balance_cents == 6000
    assert posted.rows[0].credit_cents == 4000


@pytest.mark.parametrize(
    ("total", "left", "status"), [(10000, 10000, "open"), (10000, 1, "partially_paid"), (10000, 0, "paid")]
)
def test_invoice_status(total: int, left: int, status: str) -> None:
    assert invoice_status(total, left) == status


def test_an_overpayment_leaves_a_credit_that_pays_the_next_invoice() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    overpaid = payment(state, "PAY-1", 13000, JAN).after
    assert overpaid.balance_cents == -3000  # a credit on the account shows as a negative balance
    assert overpaid.unapplied_cents == 3000
    assert overpaid.open_invoices == {}
    assert overpaid.next_due_date is None

    posted = invoice(overpaid, "INV-2", 10000, FEB)
    assert [(a.source_id, a.invoice_id, a.cents) for a in posted.allocations] == [
        (ACCOUNT_CREDIT, "INV-2", 3000)
    ]
    assert outstanding(posted.after) == {"INV-2": 7000}
    assert posted.after.unapplied_cents == 0
    assert posted.after.balance_cents == 7000
    assert [r.balance_cents for r in posted.rows] == [7000]


def test_a_refund_pays_back_credit_on_the_account() -> None:
    state = credit(LedgerState(), "CR-1", 5000, JAN).after
    posted = refund(state, "RF-1", 2000, FEB)
    [row] = posted.rows
    assert (row.debit_cents, row.credit_cents, row.balance_cents) == (2000, None, -3000)
    assert posted.after.unapplied_cents == 3000


def test_a_refund_beyond_the_credit_on_account_is_refused_and_changes_nothing() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = payment(state, "PAY-1", 12000, JAN).after  # 20.00 of credit
    before = state

    with pytest.raises(Conflict) as refused:
        refund(state, "RF-1", 2001, FEB)

    assert refused.value.status == 409
    assert refused.value.code == "refund_exceeds_credit"
    assert "$20.01" in str(refused.value.message) and "$20.00" in str(refused.value.message)
    assert state == before
    # The whole credit can still be refunded.
    assert refund(state, "RF-1", 2000, FEB).after.balance_cents == 0


def test_a_refund_with_no_credit_at_all_is_refused() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    with pytest.raises(Conflict):
        refund(state, "RF-1", 1, FEB)


def test_a_late_document_is_recorded_on_the_last_posting_date_and_keeps_the_balance_true() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, FEB).after
    late = payment(state, "PAY-1", 4000, JAN)  # a bank upload dated before the invoice, arriving after it
    [row] = late.rows
    assert (row.date, row.credit_cents, row.balance_cents) == (FEB, 4000, 6000)
    assert late.after.last_entry_date == FEB
    assert outstanding(late.after) == {"INV-1": 6000}
    # The next posting follows it in date order.
    assert payment(late.after, "PAY-2", 6000, MAR).rows[0].balance_cents == 0


def test_invoices_of_one_issue_date_are_paid_in_the_order_they_were_posted() -> None:
    state = invoice(LedgerState(), "INV-B", 10000, JAN).after
    state = invoice(state, "INV-A", 10000, JAN).after  # posted second, though its id sorts first
    paid = payment(state, "PAY-1", 10000, FEB)
    assert [(a.invoice_id, a.cents) for a in paid.allocations] == [("INV-B", 10000)]
    assert outstanding(paid.after) == {"INV-A": 10000}


@pytest.mark.parametrize("cents", [0, -100])
def test_a_posting_of_nothing_or_less_is_a_programming_error(cents: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        payment(LedgerState(), "PAY-1", cents, JAN)
    with pytest.raises(ValueError, match="positive"):
        ledger.add_pending_credit(LedgerState(), "CR-1", cents)


def test_a_pending_credit_counts_in_the_current_balance_but_not_in_the_ledger() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    pending = ledger.add_pending_credit(state, "CR-9", 2500)

    assert pending.rows == []  # nothing in the history yet
    assert pending.allocations == []
    assert pending.after.balance_cents == 10000
    assert pending.after.current_balance_cents == 7500
    assert pending.after.version == state.version + 1


def test_a_pending_credit_is_posted_with_the_next_invoice() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = payment(state, "PAY-1", 10000, JAN).after
    state = ledger.add_pending_credit(state, "CR-9", 2500).after

    posted = invoice(state, "INV-2", 10000, FEB)

    assert [(r.id, r.type, r.date, r.debit_cents, r.credit_cents, r.balance_cents) for r in posted.rows] == [
        ("INV-2", EntryType.INVOICE, FEB, 10000, None, 10000),
        ("CR-9", EntryType.CREDIT, FEB, None, 2500, 7500),
    ]
    assert posted.consumed_pending_credits == ["CR-9"]
    assert [(a.source_id, a.invoice_id, a.cents) for a in posted.allocations] == [
        (ACCOUNT_CREDIT, "INV-2", 2500)
    ]
    assert posted.after.pending_credits == {}
    assert posted.after.balance_cents == posted.after.current_balance_cents == 7500
    assert outstanding(posted.after) == {"INV-2": 7500}


def test_rows_are_numbered_in_posting_order() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = ledger.add_pending_credit(state, "CR-9", 100).after
    posted = invoice(state, "INV-2", 10000, FEB)
    assert [r.seq for r in posted.rows] == [1, 2]
    assert posted.after.entry_count == 3


@pytest.mark.parametrize(
    ("method", "paid_on", "description"),
    [
        (PaymentMethod.CREDIT_CARD, date(2025, 6, 30), "Historical Credit Card"),
        (PaymentMethod.CREDIT_CARD, date(2024, 1, 15), "Historical Credit Card"),
        (PaymentMethod.CREDIT_CARD, date(2025, 7, 1), "Credit Card"),
        (PaymentMethod.CREDIT_CARD, date(2026, 3, 1), "Credit Card"),
        (PaymentMethod.BANK_UPLOAD, date(2025, 6, 30), "Bank Upload"),
        (PaymentMethod.BANK_UPLOAD, date(2025, 7, 1), "Bank Upload"),
    ],
)
def test_payment_descriptions(method: PaymentMethod, paid_on: date, description: str) -> None:
    assert payment_description(method, paid_on) == description


@pytest.mark.parametrize(
    ("type_", "transaction_id", "stored", "english", "french"),
    [
        (EntryType.INVOICE, "INV-1", "Invoice", "Invoice", "Facture"),
        (EntryType.PAYMENT, "PAY-1", "Credit Card", "Credit Card", "Carte de crédit"),
        (
            EntryType.PAYMENT,
            "PAY-1",
            "Historical Credit Card",
            "Historical Credit Card",
            "Carte de crédit (historique)",
        ),
        (EntryType.PAYMENT, "PAY-1", "Bank Upload", "Bank Upload", "Dépôt bancaire"),
        (EntryType.CREDIT, "CR-7", "Credit CR-7", "Credit CR-7", "Crédit CR-7"),
        (
            EntryType.CREDIT,
            "CR-7",
            "Credit CR-7 on invoice INV-2",
            "Credit CR-7 on invoice INV-2",
            "Crédit CR-7 sur la facture INV-2",
        ),
        (EntryType.REFUND, "RF-3", "Refund RF-3", "Refund RF-3", "Remboursement RF-3"),
        # A description the portal did not write is shown as it was stored, braces and all.
        (EntryType.PAYMENT, "PAY-2", "Wire {transfer}", "Wire {transfer}", "Wire {transfer}"),
    ],
)
def test_a_stored_description_reads_in_each_language(
    type_: EntryType, transaction_id: str, stored: str, english: str, french: str
) -> None:
    said = ledger.description_of(type_, transaction_id, stored)
    assert (words_in("en").value(said), words_in("fr").value(said)) == (english, french)


def test_a_pending_credit_is_stored_as_its_description_reads() -> None:
    state = ledger.add_pending_credit(LedgerState(), "CR-9", 100).after
    [_invoice, row] = invoice(state, "INV-2", 10000, FEB).rows
    said = ledger.description_of(row.type, row.id, row.description)
    assert words_in("en").value(said) == row.description == "Credit CR-9 on invoice INV-2"


def test_an_invoice_line_reads_in_french_when_the_billing_engine_named_it_in_french() -> None:
    named = InvoiceLine(
        description="Seats", description_fr="Sièges", category="service", quantity=4, amount_cents=1
    )
    unnamed = InvoiceLine(description="Seats", category="service", quantity=4, amount_cents=1)
    assert (named.description_in("fr"), named.description_in("en")) == ("Sièges", "Seats")
    assert unnamed.description_in("fr") == "Seats"


def test_the_last_payment_is_the_latest_one() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = payment(state, "PAY-1", 3000, JAN).after
    state = payment(state, "PAY-2", 2000, FEB).after
    assert state.last_payment is not None
    assert (state.last_payment.date, state.last_payment.amount_cents) == (FEB, 2000)
    # A credit is not a payment.
    assert credit(state, "CR-1", 1000, MAR).after.last_payment == state.last_payment


# -- card payments the processor holds as pending ----------------------------------------------------------


def test_a_pending_card_payment_is_recorded_without_moving_the_balance() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after

    pending = ledger.add_pending_payment(state, "PAY-7", 4000)

    assert pending.rows == []  # nothing in the history: no money received yet
    assert pending.allocations == []
    assert pending.after.pending_payments == {"PAY-7": 4000}
    assert pending.after.balance_cents == pending.after.current_balance_cents == 10000
    assert outstanding(pending.after) == {"INV-1": 10000}
    assert pending.after.last_payment is None
    assert pending.after.version == state.version + 1


def test_a_settled_pending_payment_is_posted_and_no_longer_pending() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = ledger.add_pending_payment(state, "PAY-7", 4000).after

    posted = payment(state, "PAY-7", 4000, FEB)

    assert posted.after.pending_payments == {}
    assert [(r.id, r.credit_cents, r.balance_cents) for r in posted.rows] == [("PAY-7", 4000, 6000)]
    assert outstanding(posted.after) == {"INV-1": 6000}


def test_posting_another_payment_leaves_a_pending_one_pending() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = ledger.add_pending_payment(state, "PAY-7", 4000).after

    posted = payment(state, "PAY-8", 1000, FEB)

    assert posted.after.pending_payments == {"PAY-7": 4000}
    assert posted.after.balance_cents == 9000


def test_a_declined_pending_payment_is_dropped_and_the_balance_never_moved() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    state = ledger.add_pending_payment(state, "PAY-7", 4000).after

    dropped = ledger.drop_pending_payment(state, "PAY-7")

    assert dropped.rows == []
    assert dropped.after.pending_payments == {}
    assert dropped.after.balance_cents == 10000
    assert outstanding(dropped.after) == {"INV-1": 10000}
    assert dropped.after.entry_count == state.entry_count


def test_the_last_payment_names_the_card_when_one_is_given() -> None:
    state = invoice(LedgerState(), "INV-1", 10000, JAN).after
    entry = Entry("PAY-1", EntryType.PAYMENT, FEB, 2500, "Credit Card")

    by_card = ledger.post_payment(state, entry, method="Visa ending in 4242").after.last_payment
    by_description = ledger.post_payment(state, entry).after.last_payment

    assert by_card is not None and by_description is not None
    assert (by_card.date, by_card.amount_cents, by_card.method) == (FEB, 2500, "Visa ending in 4242")
    assert by_description.method == "Credit Card"


def test_an_invoices_details_name_its_lines_in_the_readers_language() -> None:
    document = builders.invoice_document("INV-1", FEB, 1000)
    french_line = document.lines[0].model_copy(update={"description_fr": "Sièges"})
    document = document.model_copy(update={"lines": (french_line,)})
    french = transaction_details(document, invoice_pdf_since=JAN, words=words_in("fr")).root
    english = transaction_details(document, invoice_pdf_since=JAN, words=ENGLISH).root
    assert isinstance(french, InvoiceDetails) and isinstance(english, InvoiceDetails)
    assert [line.description for line in french.lines] == ["Sièges"]
    assert [line.description for line in english.lines] == ["Seats"]
