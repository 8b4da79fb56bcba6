"""The ingest function, invoked directly as the billing engine does: what it accepts, what it refuses and
why, and that a refused document changes nothing a customer can see."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest

from billing_portal.exports import cdr
from billing_portal.exports.cdr import BilledCall

from .support import (
    Caller,
    account_doc,
    call,
    credit_doc,
    days_ago,
    ingest,
    invoice_doc,
    payment_doc,
    pending_credit_doc,
    portal_user,
    posted,
    refund_doc,
)

OWNER = Caller("acct-ing", "owner@example.com")


@pytest.fixture
def account(aws: dict[str, str]) -> Caller:
    posted(account_doc(OWNER.account_id, province="QC", postal_code="H2X 1Y4"))
    return portal_user(OWNER)


def what_the_customer_sees(caller: Caller) -> tuple[Any, Any]:
    dashboard = call("GET", "/account", caller)
    history = call("GET", "/transactions", caller, query="page_size=100")
    assert dashboard.status == 200 and history.status == 200
    return dashboard.body, history.body


def assert_rejected(result: dict[str, Any], status: int, code: str) -> dict[str, Any]:
    assert result["status"] == "rejected", result
    assert result["http_status"] == status, result
    error: dict[str, Any] = result["error"]
    assert error["code"] == code, result
    assert isinstance(error["message"], str) and error["message"].endswith("."), result
    return error


def put_cdr_file(bucket: str, account_id: str, invoice_id: str, charges: list[int]) -> str:
    calls = [
        BilledCall(
            call_id=f"c{i}",
            start_utc=f"2026-01-0{1 + i % 9}T14:05:09Z",
            duration_seconds=60 + i,
            calling_number="+14165550100",
            called_number="+15145550199",
            direction="outbound",
            destination="Montréal, QC",
            line="+14165550100",
            category="Long distance",
            rate_per_minute="0.0250",
            charge_cents=cents,
        )
        for i, cents in enumerate(charges)
    ]
    buffer = io.BytesIO()
    assert cdr.write_csv_gz(calls, buffer) == len(charges)
    key = cdr.object_key(account_id, invoice_id)
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    return key


# -- accounts ------------------------------------------------------------------------------------------


def test_an_account_is_created_once_and_a_second_create_changes_nothing(aws: dict[str, str]) -> None:
    assert ingest(account_doc("acct-new", name="First Name Inc.")) == {"status": "created", "id": "acct-new"}
    again = ingest(account_doc("acct-new", name="Second Name Inc.", province="BC", postal_code="V6B 1A1"))
    assert again == {"status": "already_exists", "id": "acct-new"}

    dashboard = call("GET", "/account", portal_user(Caller("acct-new", "someone@example.com"))).body
    assert dashboard["name"] == "First Name Inc."
    assert dashboard["billing_address"]["province"] == "ON"


def test_an_account_with_an_invalid_profile_is_refused_with_each_problem(aws: dict[str, str]) -> None:
    document = account_doc("acct-bad", time_zone="Mars/Base", contacts=["not-an-email"])
    document["billing_address"]["province"] = "ZZ"
    error = assert_rejected(ingest(document), 422, "validation_failed")
    fields = {d["field"] for d in error["details"]}
    assert {"account.time_zone", "account.billing_contacts", "account.billing_address.province"} <= fields
    assert call("GET", "/account", portal_user(Caller("acct-bad", "x@example.com"))).status == 404

    for time_zone in ("America", "A" * 300, "../etc/passwd"):
        error = assert_rejected(
            ingest(account_doc("acct-bad", time_zone=time_zone)), 422, "validation_failed"
        )
        assert [d["field"] for d in error["details"]] == ["account.time_zone"], time_zone


# -- invoices and their billed CDR files ---------------------------------------------------------------


def test_an_invoice_with_its_cdr_file_is_posted(aws: dict[str, str], account: Caller) -> None:
    charges = [125, 250, 1_000, 3]
    key = put_cdr_file(aws["CdrBucket"], account.account_id, "INV-CDR-1", charges)
    document = invoice_doc(
        account.account_id,
        "INV-CDR-1",
        days_ago(5),
        [("Hosted seats", "service", 4, "100.00"), ("Long distance", "usage", len(charges), "13.78")],
        cdr_file={"object_key": key, "call_count": len(charges), "usage_total": "13.78"},
    )

    assert ingest(document) == {"status": "posted", "id": "INV-CDR-1"}

    details = call("GET", "/transactions/INV-CDR-1", account).body
    assert details["call_count"] == len(charges)
    assert details["subtotal"] == "113.78"


def test_an_invoice_whose_cdr_file_is_missing_misdeclared_or_another_invoices_is_refused(
    aws: dict[str, str], account: Caller
) -> None:
    put_cdr_file(aws["CdrBucket"], account.account_id, "INV-CDR-2", [100, 200])
    before = what_the_customer_sees(account)

    def usage_invoice(invoice_id: str, key: str, usage_total: str) -> dict[str, Any]:
        cdr_file = {"object_key": key, "call_count": 2, "usage_total": usage_total}
        return invoice_doc(
            account.account_id,
            invoice_id,
            days_ago(5),
            [("Long distance", "usage", 2, "3.00")],
            cdr_file=cdr_file,
        )

    missing_key = cdr.object_key(account.account_id, "INV-CDR-3")
    missing = assert_rejected(
        ingest(usage_invoice("INV-CDR-3", missing_key, "3.00")), 422, "validation_failed"
    )
    assert missing_key in missing["message"]

    key = cdr.object_key(account.account_id, "INV-CDR-2")
    differs = assert_rejected(ingest(usage_invoice("INV-CDR-2", key, "3.01")), 422, "validation_failed")
    assert any("usage total" in d["message"] for d in differs["details"]), differs

    # INV-CDR-2's file, sent with another invoice.
    borrowed = assert_rejected(ingest(usage_invoice("INV-CDR-4", key, "3.00")), 422, "validation_failed")
    assert any(cdr.object_key(account.account_id, "INV-CDR-4") in d["message"] for d in borrowed["details"])

    assert what_the_customer_sees(account) == before
    for invoice_id in ("INV-CDR-2", "INV-CDR-3", "INV-CDR-4"):
        assert call("GET", f"/transactions/{invoice_id}", account).status == 404
    # With its own file and the right total, the same invoice goes through.
    assert ingest(usage_invoice("INV-CDR-2", key, "3.00")) == {"status": "posted", "id": "INV-CDR-2"}


# -- posting once, in order ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "balance", "rows"),
    [
        # 100.00 in Quebec: GST 5 % 5.00, QST 9.975 % 9.98.
        pytest.param(lambda a: invoice_doc(a, "INV-TWICE", days_ago(3)), "114.98", 1, id="invoice"),
        pytest.param(lambda a: payment_doc(a, "PAY-TWICE", days_ago(3), "40.00"), "-40.00", 1, id="payment"),
        pytest.param(lambda a: credit_doc(a, "CR-TWICE", days_ago(3), "15.00"), "-15.00", 1, id="credit"),
        # A pending credit counts in the balance now and shows in the history with the next invoice.
        pytest.param(
            lambda a: pending_credit_doc(a, "CR-PEND-TWICE", days_ago(3), "7.50"), "-7.50", 0, id="pending"
        ),
    ],
)
def test_the_same_document_twice_is_posted_once(
    account: Caller, document: Any, balance: str, rows: int
) -> None:
    first = ingest(document(account.account_id))
    after_first = what_the_customer_sees(account)
    second = ingest(document(account.account_id))

    assert first["status"] == "posted"
    assert second == {"status": "already_posted", "id": first["id"]}
    assert what_the_customer_sees(account) == after_first
    dashboard, history = after_first
    assert dashboard["current_balance"]["amount"] == balance
    assert [item["id"] for item in history["items"]] == [first["id"]] * rows


def test_a_late_bank_upload_is_recorded_on_the_last_posting_date_and_keeps_its_own_date(
    account: Caller,
) -> None:
    posted(invoice_doc(account.account_id, "INV-1", days_ago(10)))
    before, _ = what_the_customer_sees(account)

    late = payment_doc(account.account_id, "PAY-LATE", days_ago(20), "50.00", method="bank_upload")
    assert ingest(late) == {"status": "posted", "id": "PAY-LATE"}

    dashboard, history = what_the_customer_sees(account)
    newest = history["items"][0]
    assert (newest["id"], newest["date"], newest["credit"]) == ("PAY-LATE", days_ago(10).isoformat(), "50.00")
    assert Decimal(newest["balance"]) == Decimal(history["items"][1]["balance"]) - Decimal("50.00")
    assert (
        Decimal(dashboard["current_balance"]["amount"]) == Decimal(before["current_balance"]["amount"]) - 50
    )
    details = call("GET", "/transactions/PAY-LATE", account).body
    assert (details["date"], details["value_date"]) == (days_ago(10).isoformat(), days_ago(20).isoformat())
    # A transaction recorded on its own date has no separate value date.
    assert call("GET", "/transactions/INV-1", account).body["value_date"] is None


def test_a_document_dated_in_the_future_is_refused_and_changes_nothing(account: Caller) -> None:
    posted(invoice_doc(account.account_id, "INV-1", days_ago(10)))
    before = what_the_customer_sees(account)

    error = assert_rejected(
        ingest(credit_doc(account.account_id, "CR-2099", date(2099, 1, 1), "10.00")),
        422,
        "dated_in_the_future",
    )

    assert "CR-2099" in error["message"] and "2099-01-01" in error["message"]
    assert what_the_customer_sees(account) == before
    assert call("GET", "/transactions/CR-2099", account).status == 404
    # What comes next is dated as it should be: a bank upload of today is posted on today's date.
    assert ingest(
        payment_doc(account.account_id, "PAY-TODAY", days_ago(0), "5.00", method="bank_upload")
    ) == {
        "status": "posted",
        "id": "PAY-TODAY",
    }
    assert call("GET", "/transactions/PAY-TODAY", account).body["date"] == days_ago(0).isoformat()


def test_a_refund_beyond_the_credit_on_the_account_is_refused_and_changes_nothing(account: Caller) -> None:
    posted(credit_doc(account.account_id, "CR-1", days_ago(10), "30.00"))
    before = what_the_customer_sees(account)

    assert_rejected(
        ingest(refund_doc(account.account_id, "RF-1", days_ago(5), "30.01")), 409, "refund_exceeds_credit"
    )

    assert what_the_customer_sees(account) == before
    assert ingest(refund_doc(account.account_id, "RF-2", days_ago(5), "30.00"))["status"] == "posted"
    assert call("GET", "/account", account).body["current_balance"]["amount"] == "0.00"


def test_a_document_for_an_unknown_account_is_refused_as_not_found(aws: dict[str, str]) -> None:
    for document in (
        invoice_doc("acct-nobody", "INV-1", days_ago(1)),
        payment_doc("acct-nobody", "PAY-1", days_ago(1), "10.00"),
        pending_credit_doc("acct-nobody", "CR-1", days_ago(1), "10.00"),
    ):
        error = assert_rejected(ingest(document), 404, "not_found")
        assert "acct-nobody" in error["message"]


# -- malformed documents -------------------------------------------------------------------------------


def test_an_unknown_kind_is_refused_with_details(account: Caller) -> None:
    error = assert_rejected(
        ingest({"kind": "chargeback", "account_id": account.account_id}), 422, "validation_failed"
    )
    assert error["details"] and all(set(d) == {"field", "message"} for d in error["details"])
    # The kinds there are, named.
    assert any("portal_user" in d["message"] and "invoice" in d["message"] for d in error["details"]), error
    assert any(d["field"] == "kind" for d in error["details"]), error


def test_missing_fields_are_each_named(account: Caller) -> None:
    document = payment_doc(account.account_id, "PAY-1", days_ago(1), "10.00")
    del document["amount"], document["method"]
    error = assert_rejected(ingest(document), 422, "validation_failed")
    assert {"payment.amount", "payment.method"} <= {d["field"] for d in error["details"]}


MALFORMED_PAYMENTS: list[tuple[dict[str, Any], str]] = [
    ({"amount": 10.5}, "amount"),  # a float is never money
    ({"amount": 10}, "amount"),
    ({"amount": "10.5"}, "amount"),
    ({"amount": "-10.00"}, "amount"),
    ({"amount": "1e3"}, "amount"),
    ({"amount": "12345678901.00"}, "amount"),
    ({"payment_id": "INV-1"}, "payment_id"),
    ({"method": "cash"}, "method"),
    ({"date": "2026-02-30"}, "date"),
    ({"card_last4": "42424"}, "card_last4"),
    ({"surprise": True}, "surprise"),
]


def test_malformed_payments_are_refused_naming_the_field(account: Caller) -> None:
    before = what_the_customer_sees(account)
    for change, field in MALFORMED_PAYMENTS:
        document = {**payment_doc(account.account_id, "PAY-1", days_ago(1), "10.00"), **change}
        error = assert_rejected(ingest(document), 422, "validation_failed")
        assert f"payment.{field}" in {d["field"] for d in error["details"]}, (change, error)
    assert what_the_customer_sees(account) == before


def test_zero_amounts_are_refused(account: Caller) -> None:
    for document in (
        payment_doc(account.account_id, "PAY-0", days_ago(1), "0.00"),
        credit_doc(account.account_id, "CR-0", days_ago(1), "0.00"),
        refund_doc(account.account_id, "RF-0", days_ago(1), "0.00"),
        pending_credit_doc(account.account_id, "CR-P0", days_ago(1), "0.00"),
    ):
        assert_rejected(ingest(document), 422, "validation_failed")
    dashboard, history = what_the_customer_sees(account)
    assert dashboard["current_balance"]["amount"] == "0.00" and history["items"] == []


def test_an_invoice_with_impossible_dates_is_refused(account: Caller) -> None:
    document = invoice_doc(account.account_id, "INV-1", days_ago(1))
    document["due_date"] = days_ago(2).isoformat()
    error = assert_rejected(ingest(document), 422, "validation_failed")
    assert any("due_date" in d["message"] for d in error["details"]), error
