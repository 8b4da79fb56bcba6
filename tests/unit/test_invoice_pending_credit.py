"""An invoice's transaction details say what of it the credits pending on the next invoice will pay: the part
of its balance due that the Current Balance tile already counts as paid (help centre: "Credits applied to
future invoices are included in your Current Balance tile, but will not appear in the Transaction History
table until the relevant invoice is finalized and posted")."""

from __future__ import annotations

from datetime import date

from builders import noon

from billing_portal.i18n.words import words_in
from billing_portal.ledger.reading import AccountReader
from billing_portal.ledger.views_details import InvoiceDetails
from billing_portal.shared.money import format_cents, parse_amount

from . import documents
from .fakes import FakeLedgerStore

ENGLISH = words_in("en")  # the words of a reader of English

ACCOUNT = "acct-erable"
TODAY = date(2026, 11, 20)


def world() -> tuple[FakeLedgerStore, AccountReader]:
    store = FakeLedgerStore()
    assert documents.send(store, documents.account(ACCOUNT)) == "created"
    return store, AccountReader(store, users=store, clock=noon(TODAY))


def invoice(reader: AccountReader, invoice_id: str) -> InvoiceDetails:
    details = reader.details(ACCOUNT, invoice_id, ENGLISH).root
    assert isinstance(details, InvoiceDetails)
    return details


def tile_cents(store: FakeLedgerStore) -> int:
    account = store.get_account(ACCOUNT)
    assert account is not None
    return account.ledger.current_balance_cents


def test_paying_the_tiles_amount_leaves_the_rest_of_the_invoice_to_the_pending_credit() -> None:
    store, reader = world()
    documents.send(store, documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1)))  # 113.00
    documents.send(store, documents.pending_credit(ACCOUNT, "CR-NEXT", date(2026, 11, 5), "30.00"))
    assert invoice(reader, "INV-202610").covered_by_pending_credit == "30.00"

    tile = tile_cents(store)
    documents.send(store, documents.payment(ACCOUNT, "PAY-BANK-1", date(2026, 11, 10), format_cents(tile)))

    details = invoice(reader, "INV-202610")
    assert tile_cents(store) == 0
    assert (details.status, details.balance_due) == ("partially_paid", "30.00")
    assert details.covered_by_pending_credit == details.balance_due  # nothing is left to pay


def test_pending_credits_cover_the_oldest_unpaid_invoices_first() -> None:
    store, reader = world()
    documents.send(store, documents.invoice(ACCOUNT, "INV-202609", date(2026, 9, 1)))  # 113.00
    documents.send(store, documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1), service="50.00"))
    documents.send(store, documents.pending_credit(ACCOUNT, "CR-A", date(2026, 11, 5), "100.00"))
    documents.send(store, documents.pending_credit(ACCOUNT, "CR-B", date(2026, 11, 6), "50.00"))

    older, newer = invoice(reader, "INV-202609"), invoice(reader, "INV-202610")

    assert older.covered_by_pending_credit == older.balance_due == "113.00"
    assert newer.covered_by_pending_credit == "37.00"
    covered = sum(parse_amount(i.covered_by_pending_credit) for i in (older, newer))
    assert covered == 150_00  # all of the pending credits, and no more


def test_without_pending_credits_or_once_paid_nothing_is_covered() -> None:
    store, reader = world()
    documents.send(store, documents.invoice(ACCOUNT, "INV-202609", date(2026, 9, 1)))
    documents.send(store, documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1)))
    assert invoice(reader, "INV-202610").covered_by_pending_credit == "0.00"

    documents.send(store, documents.payment(ACCOUNT, "PAY-BANK-1", date(2026, 11, 10), "113.00"))
    documents.send(store, documents.pending_credit(ACCOUNT, "CR-NEXT", date(2026, 11, 12), "20.00"))

    paid = invoice(reader, "INV-202609")
    assert (paid.status, paid.covered_by_pending_credit) == ("paid", "0.00")
    assert invoice(reader, "INV-202610").covered_by_pending_credit == "20.00"
