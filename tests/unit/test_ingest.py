"""The billing engine's documents: what is refused before anything is posted, and posting exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import builders
import pytest
from pydantic import ValidationError

from billing_portal.exports import cdr
from billing_portal.i18n.words import words_in
from billing_portal.shared.errors import NotFound, PortalError, ValidationFailed

from . import documents
from .documents import parse, send
from .fakes import FakeCdrFiles, FakeLedgerStore

ACCOUNT = "acct-ing"
ISSUED = date(2026, 10, 1)
CDR_KEY = cdr.object_key(ACCOUNT, "INV-100")


@pytest.fixture
def store() -> FakeLedgerStore:
    store = FakeLedgerStore()
    assert send(store, documents.account(ACCOUNT)) == "created"
    return store


def errors_of(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        parse(document)
    return str(refused.value)


def test_an_invoice_with_its_cdr_file_is_posted(store: FakeLedgerStore) -> None:
    document = documents.invoice(ACCOUNT, "INV-100", ISSUED, usage="12.34", cdr_key=CDR_KEY)
    assert send(store, document, FakeCdrFiles({CDR_KEY})) == "posted"
    invoice = store.get_document(ACCOUNT, "INV-100")
    assert invoice is not None
    assert invoice["cdr_file"] == {"object_key": CDR_KEY, "call_count": 120, "usage_total": "12.34"}


def test_a_cdr_usage_total_that_does_not_match_the_usage_lines_is_refused() -> None:
    document = documents.invoice(
        ACCOUNT, "INV-100", ISSUED, usage="12.34", cdr_key=CDR_KEY, cdr_usage_total="12.35"
    )
    assert "usage total does not match" in errors_of(document)


def test_service_lines_do_not_count_as_usage() -> None:
    document = documents.invoice(
        ACCOUNT, "INV-100", ISSUED, usage="12.34", cdr_key=CDR_KEY, cdr_usage_total="112.34"
    )
    assert "usage total does not match" in errors_of(document)


@pytest.mark.parametrize(
    "key",
    [
        cdr.object_key(ACCOUNT, "INV-101"),  # another invoice's file
        cdr.object_key("acct-other", "INV-100"),  # another account's file
    ],
)
def test_the_cdr_file_must_be_the_invoices_own(key: str) -> None:
    document = documents.invoice(ACCOUNT, "INV-100", ISSUED, usage="12.34", cdr_key=key)
    assert CDR_KEY in errors_of(document)


@pytest.mark.parametrize(
    "key",
    ["billed/acct-ing/INV-100.csv", "../billed/acct-ing/INV-100.csv.gz", "exports/acct-ing/INV-100.csv.gz"],
)
def test_a_cdr_key_outside_the_billed_files_is_refused(key: str) -> None:
    assert "object_key" in errors_of(documents.invoice(ACCOUNT, "INV-100", ISSUED, usage="1.00", cdr_key=key))


def test_a_cdr_file_missing_from_the_bucket_is_refused_and_nothing_is_posted(store: FakeLedgerStore) -> None:
    document = documents.invoice(ACCOUNT, "INV-100", ISSUED, usage="12.34", cdr_key=CDR_KEY)
    with pytest.raises(ValidationFailed) as refused:
        send(store, document, FakeCdrFiles())
    assert CDR_KEY in str(refused.value.message)
    assert store.commits == 0
    assert store.get_document(ACCOUNT, "INV-100") is None


@pytest.mark.parametrize(
    "document",
    [
        documents.payment(ACCOUNT, "PAY-1", ISSUED, "25.00"),
        documents.credit(ACCOUNT, "CR-1", ISSUED, "25.00"),
        documents.invoice(ACCOUNT, "INV-1", ISSUED),
        documents.pending_credit(ACCOUNT, "CR-2", ISSUED, "25.00"),
    ],
    ids=["payment", "credit", "invoice", "pending_credit"],
)
def test_the_same_document_twice_is_posted_once(store: FakeLedgerStore, document: dict[str, Any]) -> None:
    assert send(store, document) == "posted"
    account_after_first = store.get_account(ACCOUNT)

    assert send(store, document) == "already_posted"

    assert store.commits == 1
    assert store.get_account(ACCOUNT) == account_after_first


def test_a_duplicate_found_only_at_commit_is_not_posted_twice(store: FakeLedgerStore) -> None:
    """Two deliveries of one payment race: the second to commit finds the document written."""
    document = documents.payment(ACCOUNT, "PAY-RACE", ISSUED, "25.00")

    def second_delivery(_: str) -> None:
        send(store, document)

    store.before_commit = second_delivery

    assert send(store, document) == "already_posted"

    assert [row.id for row in store.all_rows(ACCOUNT)] == ["PAY-RACE"]
    assert store.accounts[ACCOUNT].ledger.balance_cents == -2500


def test_a_posting_that_loses_a_race_is_recomputed(store: FakeLedgerStore) -> None:
    send(store, documents.invoice(ACCOUNT, "INV-1", ISSUED))  # 113.00
    rival = documents.payment(ACCOUNT, "PAY-A", ISSUED, "100.00")

    def rival_posts_first(_: str) -> None:
        send(store, rival)

    store.before_commit = rival_posts_first

    assert send(store, documents.payment(ACCOUNT, "PAY-B", ISSUED, "20.00")) == "posted"

    rows = store.all_rows(ACCOUNT)
    assert [(row.id, row.balance_cents) for row in rows] == [
        ("INV-1", 11300),
        ("PAY-A", 1300),
        ("PAY-B", -700),
    ]
    invoice = store.get_document(ACCOUNT, "INV-1")
    assert invoice is not None
    assert (invoice["amount_paid_cents"], invoice["status"]) == (11300, "paid")
    assert [(a["source_id"], a["cents"]) for a in invoice["applied"]] == [("PAY-A", 10000), ("PAY-B", 1300)]


def test_an_account_is_created_once(store: FakeLedgerStore) -> None:
    assert send(store, documents.account(ACCOUNT)) == "already_exists"


def test_a_document_for_an_unknown_account_is_refused(store: FakeLedgerStore) -> None:
    with pytest.raises(NotFound):
        send(store, documents.payment("acct-none", "PAY-1", ISSUED, "25.00"))


@pytest.mark.parametrize(
    "document",
    [
        documents.payment(ACCOUNT, "PAY-1", ISSUED, "0.00"),
        documents.credit(ACCOUNT, "CR-1", ISSUED, "0.00"),
        documents.refund(ACCOUNT, "RF-1", ISSUED, "0.00"),
        documents.pending_credit(ACCOUNT, "CR-2", ISSUED, "0.00"),
    ],
    ids=["payment", "credit", "refund", "pending_credit"],
)
def test_zero_amounts_are_refused(store: FakeLedgerStore, document: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed, match="more than zero"):
        send(store, document)
    assert store.commits == 0


def test_an_invoice_of_nothing_is_refused(store: FakeLedgerStore) -> None:
    with pytest.raises(ValidationFailed, match="more than zero"):
        send(store, documents.invoice(ACCOUNT, "INV-1", ISSUED, service="0.00"))


def test_a_refund_beyond_the_credit_is_refused_and_nothing_is_posted(store: FakeLedgerStore) -> None:
    send(store, documents.credit(ACCOUNT, "CR-1", ISSUED, "10.00"))
    with pytest.raises(PortalError) as refused:
        send(store, documents.refund(ACCOUNT, "RF-1", ISSUED, "10.01"))
    assert (refused.value.status, refused.value.code) == (409, "refund_exceeds_credit")
    assert store.get_document(ACCOUNT, "RF-1") is None
    assert store.commits == 1


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"amount": 12.5}, "amount"),
        ({"amount": 1250}, "amount"),
        ({"amount": "12.5"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "-12.50"}, "amount"),
        ({"amount": "1\u0662.00"}, "amount"),  # digits of another script
        ({"payment_id": "pay-1"}, "payment_id"),
        ({"payment_id": "INV-1"}, "payment_id"),
        ({"account_id": "acct#1"}, "account_id"),
        ({"method": "cash"}, "method"),
        ({"date": "2026-02-30"}, "date"),
        ({"surprise": True}, "surprise"),
        ({"kind": "adjustment"}, "kind"),
    ],
)
def test_malformed_payments_are_refused(change: dict[str, Any], complaint: str) -> None:
    document = {**documents.payment(ACCOUNT, "PAY-1", ISSUED, "12.50"), **change}
    assert complaint in errors_of(document)


def test_invoice_dates_must_make_sense() -> None:
    document = documents.invoice(ACCOUNT, "INV-1", ISSUED)
    assert "due_date" in errors_of({**document, "due_date": "2026-09-30"})
    assert "period_start" in errors_of({**document, "period_start": "2026-10-01", "period_end": "2026-09-30"})


# -- dates: never in the future; a late document keeps its own date ----------------------------------------

# 2026-12-05 at 03:30 UTC is still 2026-12-04 in Toronto, the test account's time zone.
EVENING_IN_TORONTO = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "document",
    [
        documents.invoice(ACCOUNT, "INV-FUT", date(2026, 12, 6)),
        documents.payment(ACCOUNT, "PAY-FUT", date(2026, 12, 6), "10.00", method="bank_upload"),
        documents.credit(ACCOUNT, "CR-FUT", date(2099, 1, 1), "10.00"),
        documents.refund(ACCOUNT, "RF-FUT", date(2026, 12, 6), "10.00"),
        documents.pending_credit(ACCOUNT, "CR-PFUT", date(2026, 12, 6), "10.00"),
    ],
    ids=lambda document: document["kind"],
)
def test_a_document_dated_after_the_accounts_tomorrow_is_refused_and_changes_nothing(
    store: FakeLedgerStore, document: dict[str, Any]
) -> None:
    assert send(store, documents.credit(ACCOUNT, "CR-1", date(2026, 12, 1), "50.00")) == "posted"
    before, commits = store.accounts[ACCOUNT], store.commits

    with pytest.raises(ValidationFailed) as refused:
        send(store, document, clock=lambda: EVENING_IN_TORONTO)

    assert refused.value.status == 422
    assert refused.value.code == "dated_in_the_future"
    assert "after today (2026-12-04)" in str(refused.value.message)
    assert (store.accounts[ACCOUNT], store.commits) == (before, commits)


def test_a_document_dated_tomorrow_is_accepted_for_clock_skew(store: FakeLedgerStore) -> None:
    tomorrow = documents.payment(ACCOUNT, "PAY-TMRW", date(2026, 12, 5), "10.00", method="bank_upload")
    assert send(store, tomorrow, clock=lambda: EVENING_IN_TORONTO) == "posted"


def test_a_late_bank_upload_is_posted_on_the_last_posting_date_with_its_own_value_date(
    store: FakeLedgerStore,
) -> None:
    assert send(store, documents.invoice(ACCOUNT, "INV-1", date(2026, 11, 1))) == "posted"
    assert send(store, documents.credit(ACCOUNT, "CR-1", date(2026, 11, 20), "10.00")) == "posted"
    late = documents.payment(ACCOUNT, "PAY-LATE", date(2026, 11, 10), "20.00", method="bank_upload")

    assert send(store, late) == "posted"

    stored = store.get_document(ACCOUNT, "PAY-LATE")
    assert stored is not None
    assert (stored["date"], stored["value_date"]) == ("2026-11-20", "2026-11-10")
    rows = store.all_rows(ACCOUNT)
    assert [(row.id, row.date) for row in rows][-1] == ("PAY-LATE", date(2026, 11, 20))
    assert rows[-1].balance_cents == rows[-2].balance_cents - 2000
    # A document on time carries no separate value date.
    on_time = store.get_document(ACCOUNT, "CR-1")
    assert on_time is not None and "value_date" not in on_time


def test_a_lines_french_name_is_kept_for_french_readers(store: FakeLedgerStore) -> None:
    seats = builders.line("Seats", "service", 4, "100.00") | {"description_fr": "Sièges"}
    usage = builders.line("Long distance", "usage", 120, "12.34")
    assert send(store, builders.invoice(ACCOUNT, "INV-100", ISSUED, [seats, usage])) == "posted"
    invoice = store.get_document(ACCOUNT, "INV-100")
    assert invoice is not None
    assert [(line["description"], line.get("description_fr")) for line in invoice["lines"]] == [
        ("Seats", "Sièges"),
        ("Long distance", None),
    ]
    with pytest.raises(ValidationError):
        parse(builders.invoice(ACCOUNT, "INV-101", ISSUED, [seats | {"description_fr": ""}]))


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (documents.payment(ACCOUNT, "PAY-1", ISSUED, "0.00"), "The payment amount must be more than zero."),
        (documents.refund(ACCOUNT, "RF-1", ISSUED, "0.00"), "The refund amount must be more than zero."),
    ],
    ids=["payment", "refund"],
)
def test_what_the_billing_engine_is_told_is_in_the_catalogue_in_both_languages(
    store: FakeLedgerStore, document: dict[str, Any], said: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        send(store, document)
    assert words_in("en")(refused.value.message) == said
    assert words_in("fr")(refused.value.message).startswith("Le montant du ")
