"""The ledger store's contract: the same tests against the in-memory `FakeLedgerStore` the unit tests use
and the DynamoDB adapter (on moto), so that the fake cannot promise what DynamoDB does not do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from builders import credit_document, invoice_document, payment_document
from unit.fakes import FakeLedgerStore

from billing_portal.ledger.documents import AppliedToInvoice, PostingWrite, TransactionDocument, read_document
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.model import EntryType, LedgerState
from billing_portal.ledger.ports import (
    Account,
    Address,
    DuplicateDocument,
    HistoryWindow,
    LedgerStore,
    PortalUser,
    UserSessions,
)
from billing_portal.ledger.posting import document_plan, post
from billing_portal.shared.errors import ConcurrentUpdate
from billing_portal.users.dynamo import DynamoUserRecords

ALL_TIME = HistoryWindow(low="TXN#", high="TXN#9999-12-31#99999999")
DAY = date(2026, 3, 2)


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> LedgerStore:
    if request.param == "fake":
        return FakeLedgerStore()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoLedgerStore(physical["PortalTable"])


def account(account_id: str) -> Account:
    return Account(
        account_id=account_id,
        account_number="400500600",
        name=f"Account {account_id}",
        billing_address=Address(line1="1 Main St", city="Halifax", province="NS", postal_code="B3H 1A1"),
        time_zone="America/Halifax",
        billing_contacts=["ap@example.com"],
    )


def opened(store: LedgerStore, account_id: str = "acct-1") -> Account:
    created = account(account_id)
    assert store.create_account(created)
    return created


def posted(store: LedgerStore, document: TransactionDocument, account_id: str = "acct-1") -> None:
    assert post(store, account_id, document_plan(lambda _: document)).posted


def ids(store: LedgerStore, types: frozenset[EntryType] | None = None, limit: int = 100) -> list[str]:
    return [row.id for row in store.history("acct-1", types, ALL_TIME, limit)]


# -- accounts --------------------------------------------------------------------------------------------


def test_an_account_is_created_once_and_reads_back_as_created(store: LedgerStore) -> None:
    created = opened(store)

    assert not store.create_account(replace(created, name="Someone else"))
    assert store.get_account("acct-1") == created
    assert store.get_account("acct-unknown") is None


def test_a_profile_change_reads_back_and_an_unknown_account_changes_nothing(store: LedgerStore) -> None:
    opened(store)
    moved = {"line1": "2 Water St", "city": "Halifax", "province": "NS", "postal_code": "B3J 1S9"}

    updated = store.update_profile(
        "acct-1", {"billing_address": moved, "billing_contacts": ["x@example.com"]}
    )

    assert updated is not None and updated == store.get_account("acct-1")
    assert updated.billing_address == Address(**moved) and updated.billing_contacts == ["x@example.com"]
    assert store.update_profile("acct-unknown", {"time_zone": "America/Toronto"}) is None
    assert store.get_account("acct-unknown") is None


def test_the_accounts_language_reads_back_as_created_and_changed(store: LedgerStore) -> None:
    french = replace(account("acct-fr"), language="fr")
    assert store.create_account(french)
    assert store.get_account("acct-fr") == french
    assert store.update_profile("acct-fr", {"language": "en"}) == replace(french, language="en")
    assert store.get_account("acct-fr") == replace(french, language="en")


# -- postings --------------------------------------------------------------------------------------------


def test_a_posting_computed_from_a_stale_ledger_is_refused_and_writes_nothing(store: LedgerStore) -> None:
    before = opened(store)
    first = document_plan(lambda _: credit_document("CR-1", DAY, 10_00))(before)
    second = document_plan(lambda _: credit_document("CR-2", DAY, 20_00))(before)
    store.commit("acct-1", PostingWrite.of(*first))

    with pytest.raises(ConcurrentUpdate):
        store.commit("acct-1", PostingWrite.of(*second))

    assert store.get_document("acct-1", "CR-2") is None
    assert ids(store) == ["CR-1"]
    after = store.get_account("acct-1")
    assert after is not None and after.ledger.balance_cents == -10_00 and after.ledger.version == 1


def test_a_document_stored_before_is_a_duplicate_and_nothing_is_written(store: LedgerStore) -> None:
    opened(store)
    posted(store, credit_document("CR-1", DAY, 10_00))
    current = store.get_account("acct-1")
    assert current is not None

    again = document_plan(lambda _: credit_document("CR-1", DAY, 10_00))(current)
    with pytest.raises(DuplicateDocument):
        store.commit("acct-1", PostingWrite.of(*again))

    assert store.get_account("acct-1") == current
    assert ids(store) == ["CR-1"]


def test_a_posting_paying_an_invoice_that_is_not_stored_is_refused(store: LedgerStore) -> None:
    opened(store)
    posted(store, invoice_document("INV-1", DAY, 50_00))
    current = store.get_account("acct-1")
    assert current is not None
    # The ledger says INV-2 is open, but its document was never written.
    ghost = replace(current.ledger.open_invoices["INV-1"], total_cents=1_00, outstanding_cents=1_00)
    ledger = replace(current.ledger, open_invoices={"INV-2": ghost})
    plan = document_plan(lambda _: payment_document("PAY-1", DAY, 1_00))

    with pytest.raises(ConcurrentUpdate):
        store.commit("acct-1", PostingWrite.of(*plan(replace(current, ledger=ledger))))

    assert store.get_document("acct-1", "PAY-1") is None
    assert store.get_account("acct-1") == current


def test_a_ledger_state_reads_back_as_committed(store: LedgerStore) -> None:
    opened(store)
    posted(store, invoice_document("INV-1", DAY, 50_00))
    posted(store, credit_document("CR-NEXT", DAY, 5_00, pending=True))
    posted(store, payment_document("PAY-1", DAY + timedelta(days=1), 20_00))

    found = store.get_account("acct-1")

    assert found is not None
    assert found.ledger == LedgerState(
        version=3,
        entry_count=2,
        balance_cents=30_00,
        open_invoices=found.ledger.open_invoices,
        pending_credits={"CR-NEXT": 5_00},
        last_entry_date=DAY + timedelta(days=1),
        last_payment=found.ledger.last_payment,
        invoice_totals={f"{DAY:%Y-%m}": 50_00},
    )
    assert found.ledger.open_invoices["INV-1"].outstanding_cents == 30_00
    assert found.ledger.last_payment is not None and found.ledger.last_payment.amount_cents == 20_00


# -- documents -------------------------------------------------------------------------------------------


def test_a_document_reads_back_as_stored_with_what_later_postings_paid_of_it(store: LedgerStore) -> None:
    opened(store)
    invoice = invoice_document("INV-1", DAY, 50_00)
    posted(store, invoice)
    posted(store, payment_document("PAY-1", DAY, 20_00))
    posted(store, credit_document("CR-1", DAY, 30_00))

    found = store.get_document("acct-1", "INV-1")

    assert found == {
        **invoice.stored(),
        "amount_paid_cents": 50_00,
        "status": "paid",
        "applied": [{"source_id": "PAY-1", "cents": 20_00}, {"source_id": "CR-1", "cents": 30_00}],
    }
    applied = (
        AppliedToInvoice(source_id="PAY-1", cents=20_00),
        AppliedToInvoice(source_id="CR-1", cents=30_00),
    )
    paid_off = {"amount_paid_cents": 50_00, "status": "paid", "applied": applied}
    assert found is not None and read_document(found) == invoice.model_copy(update=paid_off)
    payment = store.get_document("acct-1", "PAY-1")
    assert payment is not None and payment["allocations"] == [{"invoice_id": "INV-1", "cents": 20_00}]
    assert store.get_document("acct-1", "INV-404") is None
    assert store.get_document("acct-other", "INV-1") is None


def test_an_invoice_posted_with_credit_on_the_account_is_stored_paid(store: LedgerStore) -> None:
    opened(store)
    posted(store, credit_document("CR-1", DAY, 10_00))
    posted(store, invoice_document("INV-1", DAY, 50_00))

    found = store.get_document("acct-1", "INV-1")

    assert found is not None
    assert (found["status"], found["amount_paid_cents"]) == ("partially_paid", 10_00)
    assert found["applied"] == [{"source_id": "account_credit", "cents": 10_00}]


def test_a_pending_credit_is_applied_on_the_next_invoice(store: LedgerStore) -> None:
    opened(store)
    promised = credit_document("CR-NEXT", DAY, 5_00, pending=True)
    posted(store, promised)
    assert store.get_document("acct-1", "CR-NEXT") == promised.stored()

    posted(store, invoice_document("INV-1", DAY + timedelta(days=1), 50_00))

    assert store.get_document("acct-1", "CR-NEXT") == {
        **promised.stored(),
        "status": "applied",
        "applied_on_invoice": "INV-1",
    }
    assert ids(store) == ["CR-NEXT", "INV-1"]


def test_a_document_dated_before_the_last_posting_keeps_its_own_date(store: LedgerStore) -> None:
    opened(store)
    posted(store, invoice_document("INV-1", DAY, 50_00))
    posted(store, payment_document("PAY-LATE", DAY - timedelta(days=3), 50_00))

    found = store.get_document("acct-1", "PAY-LATE")

    assert found is not None
    assert (found["date"], found["value_date"]) == (DAY.isoformat(), (DAY - timedelta(days=3)).isoformat())


# -- history ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_months(store: LedgerStore) -> LedgerStore:
    opened(store)
    opened(store, "acct-other")
    for month in range(3):
        on = DAY + timedelta(days=31 * month)
        posted(store, invoice_document(f"INV-{month}", on, 100_00))
        posted(store, payment_document(f"PAY-{month}", on + timedelta(days=3), 60_00))
    posted(store, invoice_document("INV-X", DAY, 1_00), "acct-other")
    return store


def test_history_is_newest_first_of_the_types_asked_for(three_months: LedgerStore) -> None:
    assert ids(three_months) == ["PAY-2", "INV-2", "PAY-1", "INV-1", "PAY-0", "INV-0"]
    assert ids(three_months, frozenset(EntryType)) == ids(three_months)
    assert ids(three_months, frozenset({EntryType.INVOICE})) == ["INV-2", "INV-1", "INV-0"]
    assert ids(three_months, frozenset({EntryType.INVOICE, EntryType.PAYMENT}), limit=3) == [
        "PAY-2",
        "INV-2",
        "PAY-1",
    ]
    assert ids(three_months, frozenset({EntryType.REFUND})) == []


def test_history_keeps_within_the_window_and_pages_on(three_months: LedgerStore) -> None:
    def rows(window: HistoryWindow, limit: int) -> list[str]:
        return [row.id for row in three_months.history("acct-1", None, window, limit)]

    second_month = DAY + timedelta(days=31)
    window = HistoryWindow(low=f"TXN#{second_month.isoformat()}#", high=ALL_TIME.high)

    assert rows(window, 100) == ["PAY-2", "INV-2", "PAY-1", "INV-1"]
    first_page = three_months.history("acct-1", None, window, 3)
    assert [row.id for row in first_page] == ["PAY-2", "INV-2", "PAY-1"]
    last = first_page[-1]
    before_last = f"TXN#{last.date.isoformat()}#{last.seq - 1:08d}"
    assert rows(HistoryWindow(low=window.low, high=before_last), 3) == ["INV-1"]
    assert [row.id for row in three_months.history("acct-other", None, ALL_TIME, 100)] == ["INV-X"]


def test_history_rows_carry_the_running_balance(three_months: LedgerStore) -> None:
    newest = three_months.history("acct-1", None, ALL_TIME, 1)[0]

    assert (newest.id, newest.credit_cents, newest.debit_cents, newest.balance_cents) == (
        "PAY-2",
        60_00,
        None,
        120_00,
    )


# -- users -----------------------------------------------------------------------------------------------


def add_user(store: LedgerStore, user: PortalUser) -> None:
    """The users capability writes portal users: its adapter for the real table, the fake's seeding."""
    if isinstance(store, FakeLedgerStore):
        store.seed_user(user)
    else:
        DynamoUserRecords(store.table).claim(user)


def test_the_account_and_a_users_sessions_read_together_only_on_their_account(store: LedgerStore) -> None:
    created = opened(store)
    dana = PortalUser("acct-1", "dana@example.com", "Dana", "Roy", "America/Halifax", True, "2026-01-02")
    add_user(store, dana)

    assert store.get_account_and_sessions("acct-other", "dana@example.com") == (None, None)
    assert store.get_account_and_sessions("acct-1", "dana@example.com") == (created, UserSessions())
    assert store.get_account_and_sessions("acct-1", "nobody@example.com") == (created, None)


def test_the_account_is_read_with_the_language_its_user_reads(store: LedgerStore) -> None:
    created = opened(store)
    lea = PortalUser("acct-1", "lea@example.com", "Léa", "Roy", "America/Halifax", True, "2026-01-02", "fr")
    add_user(store, lea)

    assert store.get_account_and_sessions("acct-1", lea.username) == (created, UserSessions(language="fr"))
