"""The DynamoDB ledger store against moto: atomic postings under concurrency, duplicates, conflicts,
history windows and the type index."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from builders import credit_document, invoice_document, payment_document
from moto.core.botocore_stubber import BotocoreStubber

from billing_portal.ledger import model as ledger
from billing_portal.ledger.documents import PostingWrite, TransactionDocument
from billing_portal.ledger.dynamo import DynamoLedgerStore, to_item
from billing_portal.ledger.model import EntryType, HistoryRow
from billing_portal.ledger.ports import (
    Account,
    Address,
    DuplicateDocument,
    HistoryWindow,
    PortalUser,
    UserSessions,
)
from billing_portal.ledger.posting import PostingPlan, document_plan, post
from billing_portal.shared.errors import ConcurrentUpdate
from billing_portal.users.dynamo import DynamoUserRecords

THREADS = 20
PROMISES = 10  # enough to lose updates without the version condition; each extra thread costs a round
ALL_TIME = HistoryWindow(low="TXN#", high="TXN#9999-12-31#99999999")


class CountingStore(DynamoLedgerStore):
    """The real store, counting the commits refused because another posting moved the ledger first."""

    def __init__(self, table_name: str) -> None:
        super().__init__(table_name)
        self.conflicts = 0
        self._lock = threading.Lock()

    def commit(self, account_id: str, write: PostingWrite) -> None:
        try:
            super().commit(account_id, write)
        except ConcurrentUpdate:
            with self._lock:
                self.conflicts += 1
            raise


@pytest.fixture
def store(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingStore]:
    """DynamoDB serves each request atomically; moto's in-process backend does not when threads call it
    at once (a transaction's rollback copy races another thread's write). One request at a time restores
    what DynamoDB guarantees, and nothing more: threads still interleave between their reads and their
    conditional writes, so the ledger version condition is what keeps postings apart."""
    one_request_at_a_time = threading.Lock()
    serve = BotocoreStubber.process_request

    def serialized(self: BotocoreStubber, request: Any) -> Any:
        with one_request_at_a_time:
            return serve(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialized)
    yield CountingStore(aws["PortalTable"])


def new_account(store: DynamoLedgerStore, account_id: str) -> Account:
    account = Account(
        account_id=account_id,
        account_number="400500600",
        name=f"Account {account_id}",
        billing_address=Address(line1="1 Main St", city="Halifax", province="NS", postal_code="B3H 1A1"),
        time_zone="America/Halifax",
        billing_contacts=["ap@example.com"],
    )
    assert store.create_account(account)
    return account


def invoice_plan(invoice_id: str, on: date, cents: int) -> PostingPlan:
    return document_plan(lambda _: invoice_document(invoice_id, on, cents))


def payment_plan(payment_id: str, on: date, cents: int) -> PostingPlan:
    return document_plan(lambda _: payment_document(payment_id, on, cents))


def credit_plan(credit_id: str, on: date, cents: int) -> PostingPlan:
    return document_plan(lambda _: credit_document(credit_id, on, cents))


def pending_credit_plan(credit_id: str, on: date, cents: int) -> PostingPlan:
    return document_plan(lambda _: credit_document(credit_id, on, cents, pending=True))


def oldest_first(rows: list[HistoryRow]) -> list[HistoryRow]:
    return sorted(rows, key=lambda r: (r.date, r.seq))


def assert_balances_chain(rows: list[HistoryRow]) -> None:
    """Each row's running balance is the previous one plus its debit minus its credit."""
    balance = 0
    for row in oldest_first(rows):
        balance += (row.debit_cents or 0) - (row.credit_cents or 0)
        assert row.balance_cents == balance, row


def all_read_before_any_writes(plan: PostingPlan, barrier: threading.Barrier) -> PostingPlan:
    """The plan, whose first run waits until every thread has read the account: a guaranteed race."""
    waited = False

    def run(account: Account) -> tuple[ledger.Posting, list[TransactionDocument]]:
        nonlocal waited
        result = plan(account)
        if not waited:
            waited = True
            barrier.wait()
        return result

    return run


def test_concurrent_postings_land_once_each_with_an_exact_balance(store: CountingStore) -> None:
    today = date(2026, 3, 2)
    new_account(store, "acct-busy")
    assert post(store, "acct-busy", invoice_plan("INV-1", today, 50_00)).posted

    # Odd cent amounts, so a lost or doubled posting cannot cancel out by accident. They add up to 90.50:
    # the invoice gets paid off part way through, by whichever thread's posting gets there.
    amounts = {f"PAY-{i}" if i % 2 else f"CR-{i}": 1_01 + 37 * i for i in range(THREADS)}
    assert sum(amounts.values()) == 90_50
    barrier = threading.Barrier(THREADS, timeout=30)

    def post_one(document_id: str) -> bool:
        make: Callable[[str, date, int], PostingPlan] = (
            payment_plan if document_id.startswith("PAY") else credit_plan
        )
        plan = all_read_before_any_writes(make(document_id, today, amounts[document_id]), barrier)
        return post(store, "acct-busy", plan).posted

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(post_one, amounts))
    assert all(outcomes)
    # All read version 1 and then wrote: one won, every other was refused at least once and retried.
    assert store.conflicts >= THREADS - 1

    account = store.get_account("acct-busy")
    assert account is not None
    expected_balance = 50_00 - 90_50
    assert account.ledger.balance_cents == expected_balance
    assert account.ledger.unapplied_cents == 40_50 and account.ledger.open_invoices == {}
    assert account.ledger.entry_count == THREADS + 1
    assert account.ledger.version == THREADS + 1

    rows = store.history("acct-busy", None, ALL_TIME, 1000)
    assert sorted(r.id for r in rows) == sorted(["INV-1", *amounts])
    assert sorted(r.seq for r in rows) == list(range(THREADS + 1))
    assert_balances_chain(rows)
    assert oldest_first(rows)[-1].balance_cents == expected_balance
    for row in rows:
        if row.id != "INV-1":
            assert row.credit_cents == amounts[row.id] and row.debit_cents is None

    assert all(store.get_document("acct-busy", document_id) for document_id in amounts)

    # The invoice was paid exactly once: what was applied to it adds up to its total, no more.
    invoice = store.get_document("acct-busy", "INV-1")
    assert invoice is not None
    assert (invoice["status"], invoice["amount_paid_cents"]) == ("paid", 50_00)
    assert sum(a["cents"] for a in invoice["applied"]) == 50_00
    assert len({a["source_id"] for a in invoice["applied"]}) == len(invoice["applied"])


def test_pending_credits_promised_at_once_are_all_kept(store: CountingStore) -> None:
    """A pending credit writes no history row, so only the ledger version keeps two of them apart."""
    new_account(store, "acct-promised")
    on = date(2026, 3, 2)
    amounts = {f"CR-P{i}": 2_03 + 11 * i for i in range(PROMISES)}
    barrier = threading.Barrier(PROMISES, timeout=30)

    def promise(credit_id: str) -> bool:
        plan = all_read_before_any_writes(pending_credit_plan(credit_id, on, amounts[credit_id]), barrier)
        return post(store, "acct-promised", plan).posted

    with ThreadPoolExecutor(max_workers=PROMISES) as pool:
        assert all(pool.map(promise, amounts))

    account = store.get_account("acct-promised")
    assert account is not None
    assert account.ledger.pending_credits == amounts
    assert account.ledger.current_balance_cents == -sum(amounts.values())
    assert account.ledger.version == PROMISES
    assert store.conflicts >= PROMISES - 1

    # The next invoice posts every one of them, once.
    assert post(store, "acct-promised", invoice_plan("INV-1", on, 10_00)).posted
    rows = store.history("acct-promised", None, ALL_TIME, 100)
    assert sorted(r.id for r in rows) == sorted(["INV-1", *amounts])
    assert_balances_chain(rows)


def test_the_same_document_posted_by_many_threads_at_once_is_posted_once(store: CountingStore) -> None:
    new_account(store, "acct-dup")
    on = date(2026, 3, 2)
    barrier = threading.Barrier(THREADS, timeout=30)

    def post_it(_: int) -> bool:
        return post(
            store, "acct-dup", all_read_before_any_writes(credit_plan("CR-1", on, 12_34), barrier)
        ).posted

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(post_it, range(THREADS)))

    assert outcomes.count(True) == 1
    account = store.get_account("acct-dup")
    assert account is not None and account.ledger.balance_cents == -12_34
    assert [r.id for r in store.history("acct-dup", None, ALL_TIME, 100)] == ["CR-1"]


def test_a_stale_ledger_version_is_refused_and_nothing_is_written(store: CountingStore) -> None:
    account = new_account(store, "acct-stale")
    on = date(2026, 3, 2)
    first, first_docs = credit_plan("CR-1", on, 10_00)(account)
    second, second_docs = credit_plan("CR-2", on, 20_00)(account)  # computed from the same, now stale, state
    store.commit("acct-stale", PostingWrite.of(first, first_docs))

    with pytest.raises(ConcurrentUpdate):
        store.commit("acct-stale", PostingWrite.of(second, second_docs))

    assert store.get_document("acct-stale", "CR-2") is None
    assert [r.id for r in store.history("acct-stale", None, ALL_TIME, 100)] == ["CR-1"]
    reread = store.get_account("acct-stale")
    assert reread is not None and reread.ledger.balance_cents == -10_00


def test_a_document_posted_before_is_a_duplicate_not_a_conflict(store: CountingStore) -> None:
    new_account(store, "acct-again")
    on = date(2026, 3, 2)
    assert post(store, "acct-again", credit_plan("CR-1", on, 10_00)).posted

    account = store.get_account("acct-again")
    assert account is not None
    again, docs = credit_plan("CR-1", on, 10_00)(account)
    with pytest.raises(DuplicateDocument):
        store.commit("acct-again", PostingWrite.of(again, docs))
    assert not post(store, "acct-again", credit_plan("CR-1", on, 10_00)).posted

    after = store.get_account("acct-again")
    assert after is not None and after.ledger.balance_cents == -10_00 and after.ledger.entry_count == 1


def test_history_windows_types_and_accounts(store: CountingStore) -> None:
    new_account(store, "acct-h")
    new_account(store, "acct-other")
    start = date(2026, 1, 5)
    for month in range(3):
        on = start + timedelta(days=31 * month)
        assert post(store, "acct-h", invoice_plan(f"INV-{month}", on, 100_00)).posted
        assert post(store, "acct-h", payment_plan(f"PAY-{month}", on + timedelta(days=3), 60_00)).posted
    assert post(store, "acct-other", invoice_plan("INV-X", start, 1_00)).posted

    everything = store.history("acct-h", None, ALL_TIME, 100)
    assert [r.id for r in everything] == ["PAY-2", "INV-2", "PAY-1", "INV-1", "PAY-0", "INV-0"]

    invoices = store.history("acct-h", frozenset({EntryType.INVOICE}), ALL_TIME, 100)
    assert [r.id for r in invoices] == ["INV-2", "INV-1", "INV-0"]
    both = store.history("acct-h", frozenset({EntryType.INVOICE, EntryType.PAYMENT}), ALL_TIME, 4)
    assert [r.id for r in both] == ["PAY-2", "INV-2", "PAY-1", "INV-1"]

    february = HistoryWindow(low="TXN#2026-02-01#", high="TXN#2026-02-28#99999999")
    assert [r.id for r in store.history("acct-h", None, february, 100)] == ["PAY-1", "INV-1"]
    assert store.history("acct-h", frozenset({EntryType.REFUND}), ALL_TIME, 100) == []
    assert [r.id for r in store.history("acct-other", None, ALL_TIME, 100)] == ["INV-X"]


def test_accounts_are_created_once_and_profiles_update_only_existing_accounts(store: CountingStore) -> None:
    account = new_account(store, "acct-p")
    assert not store.create_account(account)
    assert store.update_profile("acct-missing", {"time_zone": "America/Regina"}) is None
    assert store.get_account("acct-missing") is None

    updated = store.update_profile("acct-p", {"time_zone": "America/Regina", "billing_contacts": []})
    assert updated is not None
    assert updated.time_zone == "America/Regina" and updated.billing_contacts == []
    assert updated.billing_address == account.billing_address


# -- records from before languages ---------------------------------------------------------------------


@pytest.mark.parametrize(("province", "language"), [("QC", "fr"), ("NS", "en")])
def test_an_account_stored_before_languages_reads_its_billing_addresss_default(
    store: CountingStore, province: str, language: str
) -> None:
    new_account(store, "acct-old")
    address = Address("1 Main St", "Somewhere", province, "A1A 1A1")
    store.update_profile("acct-old", {"billing_address": asdict(address)})
    boto3.client("dynamodb").update_item(
        TableName=store.table,
        Key=to_item({"PK": "ACCOUNT#acct-old", "SK": "ACCOUNT"}),
        UpdateExpression="REMOVE #language",
        ExpressionAttributeNames={"#language": "language"},
    )
    old = store.get_account("acct-old")
    assert old is not None and old.language == language
    assert DynamoUserRecords(store.table).default_language("acct-old") == language


def test_a_user_stored_before_languages_reads_english(store: CountingStore) -> None:
    new_account(store, "acct-old")
    user = PortalUser(
        "acct-old", "dana@example.com", "Dana", "Roy", "America/Halifax", True, "2026-01-02", "fr"
    )
    records = DynamoUserRecords(store.table)
    records.claim(user)
    boto3.client("dynamodb").update_item(
        TableName=store.table,
        Key=to_item({"PK": "ACCOUNT#acct-old", "SK": f"USER#{user.username}"}),
        UpdateExpression="REMOVE #language",
        ExpressionAttributeNames={"#language": "language"},
    )
    assert records.get_user("acct-old", user.username) == replace(user, language="en")
    assert records.sessions_of("acct-old", user.username) == UserSessions(language="en")
    assert store.get_account_and_sessions("acct-old", user.username)[1] == UserSessions(language="en")
