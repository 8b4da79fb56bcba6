"""Payments through the Lambda handlers against moto: saved cards and Auto Pay settings, one-time payments
(approved, declined, repeated with one Idempotency-Key), a pending payment settled by the processor's signed
callback, forged and replayed callbacks refused, and the Auto Pay schedule charging an invoice once on its
due date. What changed is read back as the web client reads it: the dashboard, the history, the details,
the payment's status, the emails sent and the sandbox processor's charges."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from billing_portal.ledger.model import PAYMENT_PENDING
from billing_portal.ledger.ports import Address, PortalUser
from billing_portal.payments.cards import AUTOPAY_CARD_EXPIRED, Card
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.ports import AUTOPAY_METHOD_IN_USE, SavedMethod
from billing_portal.payments.processor import SIGNATURE_HEADER, ChargeStatus, signature_header
from billing_portal.payments.sandbox import TEST_EXPIRY, SandboxProcessor
from billing_portal.shared.money import format_cents, parse_amount
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import functions

from .support import (
    Caller,
    Reply,
    account_doc,
    assert_error,
    call,
    days_ago,
    emails_sent,
    invoice_doc,
    pending_credit_doc,
    posted,
)

# The help centre's sentences, word for word.
DECLINED_SENTENCE = "The card has been declined."
ZERO_SENTENCE = "Payments cannot be zero dollars."

ERABLE, OTHER, MAPLE = "acct-erable", "acct-other", "acct-maple"
# Erable's top user is the oldest, though not the first by name; Marc has billing notifications off.
ZOE = Caller(ERABLE, "zoe@erable.example")
ANN = Caller(ERABLE, "ann@erable.example")
MARC = Caller(ERABLE, "marc@erable.example")
SAM = Caller(OTHER, "sam@other.example")
MAPLE_TOP = Caller(MAPLE, "lou@maple.example")
MAPLE_QUIET = Caller(MAPLE, "kim@maple.example")

METHOD_FIELDS = {
    "id",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "expired",
    "label",
    "autopay",
    "billing_email",
    "billing_address",
    "created_at",
}


# -- the world -----------------------------------------------------------------------------------------------


def seed_user(table: str, caller: Caller, created_at: str, notifications: bool) -> None:
    DynamoUserRecords(table).claim(
        PortalUser(
            caller.account_id,
            caller.username,
            caller.username.split("@")[0].title(),
            "Tremblay",
            "America/Toronto",
            notifications,
            created_at,
        )
    )


@pytest.fixture
def world(aws: dict[str, str]) -> dict[str, str]:
    """Erable (Ontario) owes two invoices, the first overdue; Other (Quebec) owes one."""
    posted(account_doc(ERABLE))
    posted(invoice_doc(ERABLE, "INV-E1", days_ago(70)))
    posted(invoice_doc(ERABLE, "INV-E2", days_ago(20)))
    posted(account_doc(OTHER, account_number="900800700", province="QC", postal_code="H3B 4W8"))
    posted(invoice_doc(OTHER, "INV-O1", days_ago(20)))
    table = aws["PortalTable"]
    seed_user(table, ANN, "2025-03-01T09:00:00.000+00:00", notifications=True)
    seed_user(table, MARC, "2025-02-01T09:00:00.000+00:00", notifications=False)
    seed_user(table, ZOE, "2025-01-05T09:00:00.000+00:00", notifications=True)
    seed_user(table, SAM, "2025-01-05T09:00:00.000+00:00", notifications=True)
    return aws


# -- what the web client sees --------------------------------------------------------------------------------


def ok(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body)
    return reply.body


def dashboard(caller: Caller) -> dict[str, Any]:
    found: dict[str, Any] = ok(call("GET", "/account", caller))
    return found


def balance_cents(caller: Caller) -> int:
    return parse_amount(dashboard(caller)["current_balance"]["amount"])


def history(caller: Caller) -> list[dict[str, Any]]:
    page = ok(call("GET", "/transactions", caller, query="page_size=100"))
    assert page["next_cursor"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


def details(caller: Caller, transaction_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(call("GET", f"/transactions/{transaction_id}", caller))
    return found


def methods(caller: Caller) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(call("GET", "/payment-methods", caller))["items"]
    return items


def snapshot(caller: Caller) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Everything a payment could change that the account's users see."""
    return dashboard(caller), history(caller), methods(caller)


def add_card(caller: Caller, source: str = "tok_visa", **fields: Any) -> dict[str, Any]:
    """Save a card from the processor's token `source`."""
    body = {"token": source, **fields}
    card: dict[str, Any] = ok(call("POST", "/payment-methods", caller, body=body), 201)
    return card


def pay(caller: Caller, body: dict[str, Any], key: str | None = None) -> Reply:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return call("POST", "/payments", caller, body=body, headers=headers)


def paid(caller: Caller, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    payment: dict[str, Any] = ok(pay(caller, body, key), 201)
    return payment


def payment_status(caller: Caller, payment_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(call("GET", f"/payments/{payment_id}", caller))
    return found


def set_autopay(caller: Caller, body: dict[str, Any]) -> Reply:
    return call("PUT", "/autopay", caller, body=body)


def charges(aws: dict[str, str]) -> list[dict[str, Any]]:
    return SandboxProcessor(aws["PortalTable"]).charges()


def mail_count(physical: dict[str, str]) -> int:
    return len(emails_sent(physical))


def mails_since(physical: dict[str, str], count: int) -> list[dict[str, Any]]:
    """The emails sent since `count`, once the notifier has read the table's stream up to now."""
    return emails_sent(physical)[count:]


def recipients(mails: list[dict[str, Any]]) -> list[str]:
    return sorted(address for mail in mails for address in mail["to"])


# -- saved payment methods -----------------------------------------------------------------------------------


def test_a_card_is_saved_from_the_processors_token_showing_only_brand_last4_and_expiry(
    world: dict[str, str],
) -> None:
    visa = add_card(MARC, "tok_visa")
    assert set(visa) == METHOD_FIELDS
    exp_month, exp_year = TEST_EXPIRY
    assert (visa["brand"], visa["last4"], visa["exp_month"], visa["exp_year"]) == (
        "visa",
        "4242",
        exp_month,
        exp_year,
    )
    assert (visa["expired"], visa["autopay"]) == (False, False)
    # The defaults: the top (oldest) portal user, whoever added the card, and the account's address.
    assert visa["billing_email"] == ZOE.username
    assert visa["billing_address"] == dashboard(ZOE)["billing_address"]
    assert "tok_" not in json.dumps(visa) and "card_" not in json.dumps(visa), visa

    address = {
        "line1": "1 Rue Sainte-Catherine",
        "city": "Montréal",
        "province": "QC",
        "postal_code": "H2X 1K4",
    }
    mastercard = add_card(ANN, "tok_mastercard", billing_email="ap@erable.example", billing_address=address)
    assert (mastercard["brand"], mastercard["last4"]) == ("mastercard", "4444")
    assert mastercard["billing_email"] == "ap@erable.example"
    assert {k: mastercard["billing_address"][k] for k in address} == address
    assert mastercard["id"] != visa["id"]

    assert methods(ZOE) == [visa, mastercard]
    assert methods(SAM) == []


def test_a_declined_card_is_not_saved(world: dict[str, str]) -> None:
    reply = call("POST", "/payment-methods", ZOE, body={"token": "tok_declined"})
    assert_error(reply, 402, "card_declined")
    assert reply.body == {"message": DECLINED_SENTENCE, "code": "card_declined"}
    assert methods(ZOE) == []


def test_a_token_the_processor_did_not_issue_is_refused(world: dict[str, str]) -> None:
    for token in ("tok_invented", "tok_eyJiIjoidmlzYSJ9", "visa", "", "card_x"):
        assert_error(call("POST", "/payment-methods", ZOE, body={"token": token}), 422)
        assert methods(ZOE) == [], token


def test_a_bad_card_body_is_refused_and_nothing_is_saved(world: dict[str, str]) -> None:
    bodies: list[Any] = [
        {},
        {"token": "tok_visa", "nickname": "Office card"},
        {"token": "tok_visa", "billing_email": "not an email"},
        {"token": "tok_visa", "billing_address": {"line1": "1 Main St"}},
        {"token": ["tok_visa"]},
        ["tok_visa"],
    ]
    for body in bodies:
        assert_error(call("POST", "/payment-methods", ZOE, body=body), 422)
        assert methods(ZOE) == [], body


def test_a_removed_card_is_gone(world: dict[str, str]) -> None:
    first, second = add_card(ZOE), add_card(ZOE, "tok_mastercard")
    reply = call("DELETE", f"/payment-methods/{first['id']}", ZOE)
    assert (reply.status, reply.body) == (204, None)
    assert methods(ZOE) == [second]
    assert_error(call("DELETE", f"/payment-methods/{first['id']}", ZOE), 404)
    assert methods(ZOE) == [second]


def test_removing_an_unknown_card_is_not_found(world: dict[str, str]) -> None:
    kept = add_card(ZOE)
    for method_id in ("pm_" + "0" * 20, "pm_unknown", "x" * 300):
        assert_error(call("DELETE", f"/payment-methods/{method_id}", ZOE), 404)
        assert methods(ZOE) == [kept], method_id


def test_another_accounts_card_is_not_found_whatever_is_done_with_it(world: dict[str, str]) -> None:
    theirs = add_card(SAM)
    before = snapshot(ZOE)

    assert_error(call("DELETE", f"/payment-methods/{theirs['id']}", ZOE), 404)
    assert_error(set_autopay(ZOE, {"enabled": True, "payment_method_id": theirs["id"]}), 404)
    assert_error(pay(ZOE, {"amount": "10.00", "payment_method_id": theirs["id"]}), 404)

    assert snapshot(ZOE) == before
    assert dashboard(ZOE)["autopay"] == {"enabled": False, "payment_method": None}
    assert methods(SAM) == [theirs]
    assert charges(world) == []


def test_autopay_on_shows_its_card_on_the_dashboard(world: dict[str, str]) -> None:
    mastercard, visa = add_card(ZOE, "tok_mastercard"), add_card(ZOE, "tok_visa")
    reply = set_autopay(ZOE, {"enabled": True, "payment_method_id": mastercard["id"]})
    expected = {
        "enabled": True,
        "payment_method": {
            "id": mastercard["id"],
            **{k: mastercard[k] for k in ("brand", "last4", "exp_month", "exp_year", "expired", "label")},
        },
    }
    assert ok(reply) == expected
    assert dashboard(ANN)["autopay"] == expected
    assert [(m["id"], m["autopay"]) for m in methods(ZOE)] == [(mastercard["id"], True), (visa["id"], False)]
    assert dashboard(SAM)["autopay"] == {"enabled": False, "payment_method": None}


def test_the_autopay_card_cannot_be_removed_until_autopay_is_off(world: dict[str, str]) -> None:
    card, spare = add_card(ZOE), add_card(ZOE, "tok_mastercard")
    on = ok(set_autopay(ZOE, {"enabled": True, "payment_method_id": card["id"]}))

    refused = call("DELETE", f"/payment-methods/{card['id']}", ZOE)
    assert_error(refused, 409, "autopay_method_in_use")
    assert refused.body["message"] == str(AUTOPAY_METHOD_IN_USE)
    assert [m["id"] for m in methods(ZOE)] == [card["id"], spare["id"]]
    assert dashboard(ZOE)["autopay"] == on
    # Another card goes while Auto Pay stays on.
    assert call("DELETE", f"/payment-methods/{spare['id']}", ZOE).status == 204

    off = ok(set_autopay(ZOE, {"enabled": False}))
    assert off == {"enabled": False, "payment_method": None}
    assert dashboard(ZOE)["autopay"] == off
    assert call("DELETE", f"/payment-methods/{card['id']}", ZOE).status == 204
    assert methods(ZOE) == []


def test_a_bad_autopay_body_is_refused_and_nothing_changes(world: dict[str, str]) -> None:
    card, spare = add_card(ZOE), add_card(ZOE, "tok_mastercard")
    ok(set_autopay(ZOE, {"enabled": True, "payment_method_id": card["id"]}))
    before = snapshot(ZOE)
    bodies: list[Any] = [
        {"enabled": True},
        {"enabled": True, "payment_method_id": None},
        {"enabled": True, "payment_method_id": spare["id"], "note": "switch cards"},
        {"enabled": False, "payment_method_id": spare["id"]},
        {"enabled": "sometimes", "payment_method_id": spare["id"]},
        {"payment_method_id": spare["id"]},
        {},
        [True, spare["id"]],
    ]
    for body in bodies:
        assert_error(set_autopay(ZOE, body), 422)
        assert snapshot(ZOE) == before, body


# -- card numbers never come in ------------------------------------------------------------------------------


ADDRESS = {"line1": "1 Main St", "city": "Toronto", "province": "ON", "postal_code": "M5V 3L9"}


# (path, body, what must not come back)
CARD_DATA_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("/payment-methods", {"token": "tok_visa", "number": "4242424242424242"}, "4242424242424242"),
    ("/payment-methods", {"token": "tok_visa", "card_number": "4242 4242 4242 4242"}, "4242 4242 4242 4242"),
    ("/payment-methods", {"token": "tok_visa", "cvc": "937"}, "937"),
    ("/payment-methods", {"token": "5555555555554444"}, "5555555555554444"),
    (
        "/payment-methods",
        {"token": "tok_visa", "billing_address": {**ADDRESS, "line2": "4000-0000-0000-0077"}},
        "4000-0000-0000-0077",
    ),
    ("/payments", {"amount": "10.00", "cardNumber": "4000000000000002"}, "4000000000000002"),
    (
        "/payments",
        {"amount": "10.00", "new_payment_method": {"token": "tok_visa", "number": "4242424242424242"}},
        "4242424242424242",
    ),
    ("/payments", {"amount": "10.00", "new_payment_method": {"token": "tok_visa", "cvv": "5821"}}, "5821"),
    (
        "/payments",
        {"amount": "10.00", "new_payment_method": {"token": "4000 0000 0000 0077", "save": True}},
        "4000 0000 0000 0077",
    ),
    ("/payments", {"amount": "10.00", "payment_method_id": "4242424242424242"}, "4242424242424242"),
]


def test_a_body_carrying_card_data_is_refused_without_echoing_it(
    world: dict[str, str], find_card_numbers: Callable[[str], list[str]]
) -> None:
    before = snapshot(ZOE)
    for path, body, secret in CARD_DATA_BODIES:
        reply = call("POST", path, ZOE, body=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert_error(reply, 422, "card_data_refused")
        answered = json.dumps(reply.body)
        assert secret not in answered and find_card_numbers(answered) == [], answered
        assert snapshot(ZOE) == before, body
    assert charges(world) == []


# -- one-time payments: what is refused before anything is charged -------------------------------------------


def test_a_payment_without_a_usable_idempotency_key_is_refused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    body = {"amount": "10.00", "payment_method_id": card["id"]}
    for headers in (
        {},
        {"Idempotency-Key": ""},
        {"Idempotency-Key": "two words"},
        {"Idempotency-Key": "k" * 256},
    ):
        assert_error(
            call("POST", "/payments", ZOE, body=body, headers=headers), 400, "idempotency_key_required"
        )
        assert snapshot(ZOE) == before, headers
    assert charges(world) == []


def test_a_zero_payment_is_refused_with_the_help_centre_sentence(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    for amount in ("0.00", "0", "0.0"):
        reply = pay(ZOE, {"amount": amount, "payment_method_id": card["id"]})
        assert_error(reply, 422)
        assert reply.body["message"] == ZERO_SENTENCE
        assert snapshot(ZOE) == before, amount
    assert charges(world) == []


def test_an_amount_that_is_not_a_payment_is_refused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    for amount in ("-5.00", "10.005", 10, 10.5, "100000.01", "1e3", "", "ten", None, " 10.00"):
        assert_error(pay(ZOE, {"amount": amount, "payment_method_id": card["id"]}), 422)
        assert snapshot(ZOE) == before, amount
    assert charges(world) == []


def test_a_payment_body_naming_no_single_card_is_refused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    bodies: list[dict[str, Any]] = [
        {"amount": "10.00"},
        {"amount": "10.00", "payment_method_id": card["id"], "new_payment_method": {"token": "tok_visa"}},
        {"amount": "10.00", "payment_method_id": card["id"], "tip": "1.00"},
        {"amount": "10.00", "new_payment_method": {"token": "tok_visa", "save": "maybe"}},
        {"amount": "10.00", "new_payment_method": {"token": "tok_visa", "pin": "1234"}},
    ]
    for body in bodies:
        assert_error(pay(ZOE, body), 422)
        assert snapshot(ZOE) == before, body
    assert charges(world) == []


def expired_card_token(exp_month: int, exp_year: int) -> str:
    """A token the processor issued for a card whose expiry has passed (a sandbox token carries the card's
    brand, last four digits, expiry and test behaviour)."""
    card = {"b": "visa", "l": "1117", "m": exp_month, "y": exp_year, "o": "approved"}
    return "tok_" + base64.urlsafe_b64encode(json.dumps(card).encode()).decode().rstrip("=")


def test_a_new_card_whose_expiry_has_passed_is_refused_and_nothing_is_charged_or_saved(
    world: dict[str, str],
) -> None:
    # Two months back: expired in every time zone, whatever the day of the month.
    expired = (days_ago(0).replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    token = expired_card_token(expired.month, expired.year)
    sentence = (
        f"This card expired at the end of {expired.month:02d}/{expired.year}. Choose another payment method."
    )
    before = snapshot(ZOE)

    for reply in (
        pay(ZOE, {"amount": "10.00", "new_payment_method": {"token": token}}),
        pay(ZOE, {"amount": "10.00", "new_payment_method": {"token": token, "save": True}}),
        call("POST", "/payment-methods", ZOE, body={"token": token}),
    ):
        assert_error(reply, 422, "card_expired")
        assert reply.body["message"] == sentence

    assert snapshot(ZOE) == before
    assert charges(world) == []
    # A saved card past its expiry is refused with the same sentence.
    saved = SavedMethod(
        id="pm_" + "e1" * 10,
        account_id=ERABLE,
        reference="card_expired_sandbox_reference",
        card=Card("visa", "1117", expired.month, expired.year),
        billing_email=ZOE.username,
        billing_address=Address("1 Main St", "Toronto", "ON", "M5V 3L9"),
        created_at="2024-01-01T00:00:00.000+00:00",
    )
    DynamoPayments(world["PortalTable"]).add_method(saved)
    reply = pay(ZOE, {"amount": "10.00", "payment_method_id": saved.id})
    assert_error(reply, 422, "card_expired")
    assert reply.body["message"] == sentence
    # After all of it, a payment goes through.
    assert paid(ZOE, {"amount": "10.00", "new_payment_method": {"token": "tok_visa"}})["status"] == "approved"


# -- one-time payments: approved -----------------------------------------------------------------------------


def test_a_saved_card_payment_is_approved_posted_shown_and_confirmed(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    owed, first_invoice = balance_cents(ZOE), details(ZOE, "INV-E1")
    mails = mail_count(world)

    payment = paid(ANN, {"amount": "150.00", "payment_method_id": card["id"]})

    assert (payment["status"], payment["amount"], payment["payment_method_id"]) == (
        "approved",
        "150.00",
        card["id"],
    )
    assert payment["card"] == {k: card[k] for k in ("brand", "last4", "exp_month", "exp_year", "label")}
    assert (payment["invoice_id"], payment["message"]) == (None, None)
    assert payment["settled_at"] is not None
    assert payment_status(ZOE, payment["id"]) == payment

    assert balance_cents(ZOE) == owed - 150_00
    newest = history(ZOE)[0]
    assert (newest["id"], newest["type"], newest["description"]) == (payment["id"], "payment", "Credit Card")
    assert (newest["credit"], newest["debit"]) == ("150.00", None)
    assert newest["balance"] == format_cents(owed - 150_00)
    assert dashboard(ZOE)["last_payment"] == {
        "date": newest["date"],
        "amount": "150.00",
        "method": "Visa ending in 4242",
    }

    # Applied to the oldest invoice first, the rest to the next one.
    first_total = parse_amount(first_invoice["balance_due"])
    shown = details(ZOE, payment["id"])
    assert (shown["type"], shown["status"], shown["amount"]) == ("payment", "approved", "150.00")
    assert (shown["card_brand"], shown["card_last4"]) == ("visa", "4242")
    assert shown["invoices_paid"] == [
        {"invoice_id": "INV-E1", "amount": format_cents(first_total)},
        {"invoice_id": "INV-E2", "amount": format_cents(150_00 - first_total)},
    ]
    assert (details(ZOE, "INV-E1")["status"], details(ZOE, "INV-E1")["balance_due"]) == ("paid", "0.00")

    [charge] = charges(world)
    assert (charge["amount_cents"], charge["metadata"]["payment_id"]) == (150_00, payment["id"])

    confirmations = mails_since(world, mails)
    assert recipients(confirmations) == sorted([ZOE.username, ANN.username])  # not Marc: notifications off
    for mail in confirmations:
        assert "$150.00" in mail["subject"]
        assert payment["id"] in mail["text"] and "Visa ending in 4242" in mail["text"]


def test_paying_more_than_is_owed_leaves_a_credit_balance(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    owed = balance_cents(ZOE)
    paid(ZOE, {"amount": format_cents(owed + 50_00), "payment_method_id": card["id"]})
    assert dashboard(ZOE)["current_balance"]["amount"] == "-50.00"
    assert history(ZOE)[0]["balance"] == "-50.00"
    assert [details(ZOE, i)["status"] for i in ("INV-E1", "INV-E2")] == ["paid", "paid"]


def test_the_largest_payment_is_accepted(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    owed = balance_cents(ZOE)
    paid(ZOE, {"amount": "100000.00", "payment_method_id": card["id"]})
    assert balance_cents(ZOE) == owed - 100_000_00


def test_a_new_card_is_kept_only_when_the_payer_asks(world: dict[str, str]) -> None:
    owed = balance_cents(ZOE)

    kept = paid(MARC, {"amount": "20.00", "new_payment_method": {"token": "tok_mastercard", "save": True}})
    assert kept["status"] == "approved" and kept["payment_method_id"] is not None
    [saved] = methods(ZOE)
    assert (saved["id"], saved["brand"], saved["last4"]) == (kept["payment_method_id"], "mastercard", "4444")
    assert saved["billing_email"] == ZOE.username

    once = paid(MARC, {"amount": "30.00", "new_payment_method": {"token": "tok_visa", "save": False}})
    assert (once["status"], once["payment_method_id"], once["card"]["last4"]) == ("approved", None, "4242")
    assert methods(ZOE) == [saved]

    assert balance_cents(ZOE) == owed - 50_00
    assert [row["id"] for row in history(ZOE)[:2]] == [once["id"], kept["id"]]
    assert dashboard(ZOE)["last_payment"]["method"] == "Visa ending in 4242"


# -- one-time payments: declined -----------------------------------------------------------------------------


@pytest.mark.parametrize("save", [True, False])
def test_a_declined_card_is_refused_with_the_help_centre_sentence_and_nothing_is_posted(
    world: dict[str, str], save: bool
) -> None:
    before, mails = snapshot(ZOE), mail_count(world)
    key = str(uuid.uuid4())
    body = {"amount": "40.00", "new_payment_method": {"token": "tok_declined", "save": save}}

    for _ in range(2):  # the same key again: declined again, never charged a second time
        reply = pay(ZOE, body, key)
        assert_error(reply, 402, "card_declined")
        assert reply.body == {"message": DECLINED_SENTENCE, "code": "card_declined"}

    assert snapshot(ZOE) == before
    assert mails_since(world, mails) == []
    # A card to keep is verified when it is saved: declined there, it is never charged.
    assert [c["status"] for c in charges(world)] == ([] if save else ["declined"])


def test_after_a_decline_the_same_key_for_another_amount_is_refused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    key = str(uuid.uuid4())
    declined = pay(ZOE, {"amount": "40.00", "new_payment_method": {"token": "tok_declined"}}, key)
    assert_error(declined, 402, "card_declined")
    before = snapshot(ZOE)
    assert_error(
        pay(ZOE, {"amount": "30.00", "payment_method_id": card["id"]}, key), 422, "idempotency_key_reused"
    )
    assert snapshot(ZOE) == before
    assert [c["status"] for c in charges(world)] == ["declined"]


def test_after_a_decline_the_same_key_with_another_card_is_refused_as_reused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    key = str(uuid.uuid4())
    assert_error(pay(ZOE, {"amount": "40.00", "new_payment_method": {"token": "tok_declined"}}, key), 402)
    before = snapshot(ZOE)
    reply = pay(ZOE, {"amount": "40.00", "payment_method_id": card["id"]}, key)
    assert_error(reply, 422, "idempotency_key_reused")
    assert snapshot(ZOE) == before
    assert [c["status"] for c in charges(world)] == ["declined"]


def test_a_declined_payment_does_not_stop_the_next_one(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    owed = balance_cents(ZOE)
    assert_error(pay(ZOE, {"amount": "40.00", "new_payment_method": {"token": "tok_declined"}}), 402)
    paid(ZOE, {"amount": "40.00", "payment_method_id": card["id"]})
    assert balance_cents(ZOE) == owed - 40_00


# -- one-time payments: one Idempotency-Key, one payment -----------------------------------------------------


def test_the_same_key_again_answers_the_first_response_and_pays_once(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    owed, rows = balance_cents(ZOE), len(history(ZOE))
    key, body = str(uuid.uuid4()), {"amount": "25.00", "payment_method_id": card["id"]}

    first = pay(ZOE, body, key)
    mails = mail_count(world)
    again = pay(ZOE, body, key)

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert json.dumps(again.body) == json.dumps(first.body)  # the very same bytes, key order included
    assert balance_cents(ZOE) == owed - 25_00
    assert len(history(ZOE)) == rows + 1
    assert len(charges(world)) == 1
    assert mails_since(world, mails) == []


def test_the_same_key_with_another_amount_is_refused(world: dict[str, str]) -> None:
    card = add_card(ZOE)
    key = str(uuid.uuid4())
    first = paid(ZOE, {"amount": "20.00", "payment_method_id": card["id"]}, key)
    before = snapshot(ZOE)

    reply = pay(ZOE, {"amount": "30.00", "payment_method_id": card["id"]}, key)

    assert_error(reply, 422, "idempotency_key_reused")
    assert snapshot(ZOE) == before
    assert [c["amount_cents"] for c in charges(world)] == [20_00]
    assert payment_status(ZOE, first["id"])["amount"] == "20.00"


def test_one_key_used_by_two_accounts_makes_two_payments(world: dict[str, str]) -> None:
    ours, theirs = add_card(ZOE), add_card(SAM, "tok_mastercard")
    owed_ours, owed_theirs = balance_cents(ZOE), balance_cents(SAM)
    key = str(uuid.uuid4())

    mine = paid(ZOE, {"amount": "20.00", "payment_method_id": ours["id"]}, key)
    other = paid(SAM, {"amount": "35.00", "payment_method_id": theirs["id"]}, key)

    assert mine["id"] != other["id"]
    assert (balance_cents(ZOE), balance_cents(SAM)) == (owed_ours - 20_00, owed_theirs - 35_00)
    assert history(ZOE)[0]["id"] == mine["id"] and history(SAM)[0]["id"] == other["id"]
    assert other["card"]["last4"] == "4444"
    assert len(charges(world)) == 2


def test_a_payment_of_another_account_is_not_found(world: dict[str, str]) -> None:
    theirs = paid(SAM, {"amount": "35.00", "new_payment_method": {"token": "tok_visa"}})
    assert_error(call("GET", f"/payments/{theirs['id']}", ZOE), 404)
    assert_error(call("GET", f"/transactions/{theirs['id']}", ZOE), 404)
    assert_error(call("GET", "/payments/PAY-AAAAAAAAAAAAAAAA", ZOE), 404)
    assert_error(call("GET", f"/payments/{'P' * 300}", ZOE), 404)
    assert payment_status(SAM, theirs["id"]) == theirs


# -- a pending payment and the processor's callback ----------------------------------------------------------


def webhook_secret(aws: dict[str, str]) -> bytes:
    secrets = boto3.client("secretsmanager", region_name="ca-central-1")
    value: str = secrets.get_secret_value(SecretId=aws["ProcessorWebhookSecret"])["SecretString"]
    return value.encode()


def processor_settles(aws: dict[str, str], payment_id: str, outcome: ChargeStatus) -> tuple[bytes, str]:
    """The bank decides; the processor signs its callback: (body, signature header)."""
    sandbox = SandboxProcessor(aws["PortalTable"])
    charge_id = sandbox.find_charge(payment_id)
    assert charge_id is not None, f"no charge for {payment_id}"
    return sandbox.settle(charge_id, outcome, webhook_secret(aws))


def deliver(body: bytes, signature: str | None) -> Reply:
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return call("POST", "/webhooks/processor", body=body.decode(), headers=headers)


def start_pending(caller: Caller, amount: str, key: str | None = None) -> dict[str, Any]:
    payment = paid(caller, {"amount": amount, "new_payment_method": {"token": "tok_pending"}}, key)
    assert (payment["status"], payment["settled_at"]) == ("pending", None), payment
    return payment


def test_a_pending_payment_holds_until_the_processors_signed_callback_approves_it(
    world: dict[str, str],
) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    owed = balance_cents(ZOE)
    key = str(uuid.uuid4())

    pending = start_pending(ZOE, "60.00", key)
    assert snapshot(ZOE) == before, "money pending is not money received"
    assert payment_status(ANN, pending["id"])["status"] == "pending"
    assert paid(ZOE, {"amount": "60.00", "new_payment_method": {"token": "tok_pending"}}, key) == pending

    for body in (
        {"amount": "5.00", "payment_method_id": card["id"]},
        {"amount": "60.00", "new_payment_method": {"token": "tok_visa"}},
    ):
        blocked = pay(ANN, body)
        assert_error(blocked, 409, "payment_pending")
        assert blocked.body["message"] == str(PAYMENT_PENDING)
    assert len(charges(world)) == 1
    assert snapshot(ZOE) == before

    mails = mail_count(world)
    callback, signature = processor_settles(world, pending["id"], ChargeStatus.APPROVED)
    assert ok(deliver(callback, signature)) == {"payment_id": pending["id"], "status": "approved"}

    settled = payment_status(ZOE, pending["id"])
    assert (settled["status"], settled["amount"]) == ("approved", "60.00")
    assert settled["settled_at"] is not None
    assert balance_cents(ZOE) == owed - 60_00
    newest = history(ZOE)[0]
    assert (newest["id"], newest["description"], newest["credit"]) == (pending["id"], "Credit Card", "60.00")
    assert dashboard(ZOE)["last_payment"]["method"] == "Visa ending in 0077"
    assert recipients(mails_since(world, mails)) == sorted([ZOE.username, ANN.username])

    after = paid(ANN, {"amount": "5.00", "payment_method_id": card["id"]})
    assert after["status"] == "approved"
    assert balance_cents(ZOE) == owed - 65_00

    # The processor delivers the same callback again: refused, and nothing moves.
    before_replay, mails = snapshot(ZOE), mail_count(world)
    assert_error(deliver(callback, signature), 409, "callback_replayed")
    assert snapshot(ZOE) == before_replay
    assert payment_status(ZOE, pending["id"]) == settled
    assert mails_since(world, mails) == []


def counterfeits(secret: bytes, body: bytes, signature: str) -> dict[str, tuple[bytes, str | None]]:
    """Deliveries made from a genuine one that the portal must refuse: (body, signature header)."""
    now = int(time.time())
    event = json.loads(body)
    cheaper = json.dumps({**event, "data": {**event["data"], "amount": 1}}, separators=(",", ":")).encode()
    other_payment = {**event["data"]["metadata"], "payment_id": "PAY-AAAAAAAAAAAAAAAA"}
    elsewhere = json.dumps(
        {**event, "data": {**event["data"], "metadata": other_payment}}, separators=(",", ":")
    ).encode()
    return {
        "forged": (body, signature_header(b"not-the-shared-secret", now, body)),
        "tampered amount": (cheaper, signature),
        "tampered outcome": (body.replace(b'"outcome":"approved"', b'"outcome":"declined"'), signature),
        "stale": (body, signature_header(secret, now - 3600, body)),
        "from the future": (body, signature_header(secret, now + 3600, body)),
        "unsigned": (body, None),
        "garbled header": (body, signature.replace("v1=", "v0=")),
        "signed, another amount": (cheaper, signature_header(secret, now, cheaper)),
        "signed, no such payment": (elsewhere, signature_header(secret, now, elsewhere)),
    }


def test_a_callback_that_is_not_genuine_is_refused_and_changes_nothing(world: dict[str, str]) -> None:
    pending = start_pending(ZOE, "60.00")
    owed = balance_cents(ZOE)
    callback, signature = processor_settles(world, pending["id"], ChargeStatus.APPROVED)
    before, mails = snapshot(ZOE), mail_count(world)

    for name, (body, header) in counterfeits(webhook_secret(world), callback, signature).items():
        reply = deliver(body, header)
        assert reply.status == 400, (name, reply.body)
        assert_error(reply, 400, "callback_refused")
        assert snapshot(ZOE) == before, name
        assert payment_status(ZOE, pending["id"]) == pending, name
    assert mails_since(world, mails) == []

    # What was refused used nothing up: the genuine delivery still settles the payment.
    assert ok(deliver(callback, signature))["status"] == "approved"
    assert balance_cents(ZOE) == owed - 60_00


def test_a_declined_settlement_fails_the_payment_posts_nothing_and_unblocks_payments(
    world: dict[str, str],
) -> None:
    card = add_card(ZOE)
    before = snapshot(ZOE)
    owed = balance_cents(ZOE)
    pending = start_pending(ZOE, "60.00")
    mails = mail_count(world)

    callback, signature = processor_settles(world, pending["id"], ChargeStatus.DECLINED)
    assert ok(deliver(callback, signature)) == {"payment_id": pending["id"], "status": "failed"}

    failed = payment_status(ZOE, pending["id"])
    assert (failed["status"], failed["message"]) == ("failed", DECLINED_SENTENCE)
    assert snapshot(ZOE) == before
    assert mails_since(world, mails) == []

    paid(ZOE, {"amount": "5.00", "payment_method_id": card["id"]})
    assert balance_cents(ZOE) == owed - 5_00


# -- Auto Pay ------------------------------------------------------------------------------------------------

DUE = days_ago(5)


@pytest.fixture
def maple(aws: dict[str, str]) -> dict[str, str]:
    """An account in Toronto with one invoice, due on DUE; one user notified, one not."""
    posted(account_doc(MAPLE, account_number="300400500", name="Maple Dental"))
    posted(invoice_doc(MAPLE, "INV-M1", DUE - timedelta(days=30), due_in_days=30))
    seed_user(aws["PortalTable"], MAPLE_TOP, "2025-01-05T09:00:00.000+00:00", notifications=True)
    seed_user(aws["PortalTable"], MAPLE_QUIET, "2025-02-05T09:00:00.000+00:00", notifications=False)
    return aws


def run_autopay(day: date, hour: int) -> dict[str, Any]:
    """The schedule's run for that instant (UTC), as EventBridge invokes it."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime(day.year, day.month, day.day, hour, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "ca-central-1",
        "resources": ["arn:aws:events:ca-central-1:123456789012:rule/autopay-daily"],
        "detail": {},
    }
    context = functions.LambdaContext("autopay", str(uuid.uuid4()))
    report: dict[str, Any] = functions.handler("AutopayFunction")(event, context)
    assert report["failed_accounts"] == [], report
    return report


def test_autopay_charges_an_invoice_once_on_its_due_date(maple: dict[str, str]) -> None:
    card = add_card(MAPLE_TOP)
    ok(set_autopay(MAPLE_TOP, {"enabled": True, "payment_method_id": card["id"]}))
    owed = balance_cents(MAPLE_TOP)
    # An account with a saved card and an invoice due the same day, but Auto Pay off: never charged.
    posted(account_doc(OTHER, account_number="900800700", province="QC", postal_code="H3B 4W8"))
    posted(invoice_doc(OTHER, "INV-O1", DUE - timedelta(days=30), due_in_days=30))
    seed_user(maple["PortalTable"], SAM, "2025-02-05T09:00:00.000+00:00", notifications=False)
    add_card(SAM)
    other_owed = balance_cents(SAM)
    mails = mail_count(maple)

    seen = []
    for day, hour in [
        (DUE - timedelta(days=1), 11),
        (DUE, 3),  # still the day before in Toronto
        (DUE, 11),
        (DUE, 20),
        (DUE + timedelta(days=1), 11),
    ]:
        report = run_autopay(day, hour)
        assert report["accounts"] == 1, report
        seen.append((report["approved"], len(charges(maple)), balance_cents(MAPLE_TOP)))
    assert seen == [(0, 0, owed), (0, 0, owed), (1, 1, 0), (0, 1, 0), (0, 1, 0)]
    assert balance_cents(SAM) == other_owed

    [payment_row] = [row for row in history(MAPLE_TOP) if row["type"] == "payment"]
    assert (payment_row["date"], payment_row["credit"]) == (DUE.isoformat(), format_cents(owed))
    payment = payment_status(MAPLE_TOP, payment_row["id"])
    assert (payment["status"], payment["invoice_id"], payment["payment_method_id"]) == (
        "approved",
        "INV-M1",
        card["id"],
    )
    assert details(MAPLE_TOP, "INV-M1")["status"] == "paid"
    [charge] = charges(maple)
    assert (charge["amount_cents"], charge["metadata"]["payment_id"]) == (owed, payment_row["id"])
    assert recipients(mails_since(maple, mails)) == [MAPLE_TOP.username]


def test_an_expired_autopay_card_is_not_charged_and_the_users_are_told_once(maple: dict[str, str]) -> None:
    last_month = DUE.replace(day=1) - timedelta(days=1)
    expired = SavedMethod(
        id="pm_" + "e0" * 10,
        account_id=MAPLE,
        reference="card_expired_sandbox_reference",
        card=Card("visa", "1881", last_month.month, last_month.year),
        billing_email=MAPLE_TOP.username,
        billing_address=Address("1 Main St", "Toronto", "ON", "M5V 3L9"),
        created_at="2024-01-01T00:00:00.000+00:00",
    )
    payments = DynamoPayments(maple["PortalTable"])
    payments.add_method(expired)
    # The API refuses an expired card for Auto Pay and for paying.
    assert_error(set_autopay(MAPLE_TOP, {"enabled": True, "payment_method_id": expired.id}), 422)
    assert_error(pay(MAPLE_TOP, {"amount": "10.00", "payment_method_id": expired.id}), 422)
    assert dashboard(MAPLE_TOP)["autopay"] == {"enabled": False, "payment_method": None}
    assert payments.enable_autopay(MAPLE, expired)
    assert dashboard(MAPLE_TOP)["autopay"]["payment_method"]["expired"] is True
    before, mails = snapshot(MAPLE_TOP), mail_count(maple)

    reports = [run_autopay(DUE, 11), run_autopay(DUE, 20), run_autopay(DUE + timedelta(days=1), 11)]

    assert [(r["approved"], r["card_expired"]) for r in reports] == [(0, 1), (0, 0), (0, 0)]
    assert charges(maple) == []
    assert snapshot(MAPLE_TOP) == before
    [notice] = mails_since(maple, mails)
    assert notice["to"] == [MAPLE_TOP.username]
    assert "INV-M1" in notice["subject"]
    assert str(AUTOPAY_CARD_EXPIRED) in notice["text"] and "Visa ending in 1881" in notice["text"]


def test_autopay_charges_what_is_still_owed_on_a_partly_paid_invoice(maple: dict[str, str]) -> None:
    card = add_card(MAPLE_TOP)
    ok(set_autopay(MAPLE_TOP, {"enabled": True, "payment_method_id": card["id"]}))
    owed = balance_cents(MAPLE_TOP)
    paid(MAPLE_TOP, {"amount": "40.00", "payment_method_id": card["id"]})

    assert run_autopay(DUE, 11)["approved"] == 1

    assert balance_cents(MAPLE_TOP) == 0
    assert [c["amount_cents"] for c in charges(maple)] == [40_00, owed - 40_00]  # in the order made
    assert details(MAPLE_TOP, "INV-M1")["status"] == "paid"


def test_autopay_charges_no_more_than_the_current_balance_tile_shows(maple: dict[str, str]) -> None:
    """A credit pending on the next invoice is in the Current Balance tile: a customer who paid the tile's
    amount owes nothing, and Auto Pay charges nothing on the due date. The invoice's details say what of its
    balance the pending credit covers."""
    card = add_card(MAPLE_TOP)
    ok(set_autopay(MAPLE_TOP, {"enabled": True, "payment_method_id": card["id"]}))
    posted(pending_credit_doc(MAPLE, "CR-M1", DUE - timedelta(days=10), "30.00"))
    invoice = details(MAPLE_TOP, "INV-M1")
    assert invoice["covered_by_pending_credit"] == "30.00"
    tile = balance_cents(MAPLE_TOP)
    assert tile == parse_amount(invoice["balance_due"]) - 30_00
    paid(MAPLE_TOP, {"amount": format_cents(tile), "payment_method_id": card["id"]})

    invoice = details(MAPLE_TOP, "INV-M1")
    assert balance_cents(MAPLE_TOP) == 0
    assert (invoice["status"], invoice["balance_due"]) == ("partially_paid", "30.00")
    assert invoice["covered_by_pending_credit"] == "30.00"

    report = run_autopay(DUE, 11)

    assert (report["approved"], report["declined"], report["pending"]) == (0, 0, 0)
    assert [c["amount_cents"] for c in charges(maple)] == [tile]
    assert balance_cents(MAPLE_TOP) == 0


# -- in each user's language ---------------------------------------------------------------------------------

LEA = Caller(ERABLE, "lea@erable.example")  # reads the portal in French; Zoe and Ann read it in English
LUC = Caller(OTHER, "luc@other.example")  # in French, on the account billed in Québec
FRENCH_DECLINED = "La carte a été refusée."
FRENCH_ZERO = "Les paiements ne peuvent pas être de zéro dollar."


def plain(text: str) -> str:
    """French text with its no-break spaces (before "$", "%" and ":", between digit groups) as spaces."""
    return text.replace("\u00a0", " ")


@pytest.fixture
def french(world: dict[str, str]) -> dict[str, str]:
    records = DynamoUserRecords(world["PortalTable"])
    for caller, first_name in ((LEA, "Léa"), (LUC, "Luc")):
        records.claim(
            PortalUser(
                caller.account_id,
                caller.username,
                first_name,
                "Bouchard",
                "America/Montreal",
                False,
                "2025-04-01T09:00:00.000+00:00",
                language="fr",
            )
        )
    return world


@pytest.mark.parametrize("amount", ["0", "0.00"])
def test_a_zero_dollar_payment_is_refused_in_each_users_language(french: dict[str, str], amount: str) -> None:
    body = {"amount": amount, "new_payment_method": {"token": "tok_visa"}}
    in_french, in_english = pay(LEA, body), pay(ZOE, body)
    assert_error(in_french, 422, "validation_failed")
    assert_error(in_english, 422, "validation_failed")
    assert (in_french.body["message"], in_english.body["message"]) == (FRENCH_ZERO, ZERO_SENTENCE)
    assert charges(french) == []


def test_a_declined_card_is_told_in_each_users_language(french: dict[str, str]) -> None:
    body = {"amount": "30.00", "new_payment_method": {"token": "tok_declined"}}
    assert pay(LEA, body).body == {"message": FRENCH_DECLINED, "code": "card_declined"}
    assert pay(ZOE, body).body == {"message": DECLINED_SENTENCE, "code": "card_declined"}
    refused = call("POST", "/payment-methods", LEA, body={"token": "tok_declined"})
    assert refused.body == {"message": FRENCH_DECLINED, "code": "card_declined"}


def test_a_payment_a_french_user_makes_reads_in_french(french: dict[str, str]) -> None:
    card = add_card(LEA)
    assert card["label"] == "Visa se terminant par 4242"
    assert [m["label"] for m in methods(ZOE)] == ["Visa ending in 4242"]

    payment = paid(LEA, {"amount": "25.00", "payment_method_id": card["id"]})

    assert payment["card"]["label"] == "Visa se terminant par 4242"
    newest = history(LEA)[0]
    assert (newest["id"], newest["type_label"], newest["description"]) == (
        payment["id"],
        "Paiement",
        "Carte de crédit",
    )
    assert history(ZOE)[0]["description"] == "Credit Card"
    assert dashboard(LEA)["last_payment"]["method"] == "Visa se terminant par 4242"
    assert dashboard(ZOE)["last_payment"]["method"] == "Visa ending in 4242"
    shown = details(LEA, payment["id"])
    assert (shown["method_label"], shown["card_label"], shown["status_label"]) == (
        "Carte de crédit",
        "Visa se terminant par 4242",
        "Approuvé",
    )
    autopay = ok(set_autopay(LEA, {"enabled": True, "payment_method_id": card["id"]}))
    assert autopay["payment_method"]["label"] == "Visa se terminant par 4242"
    in_use = call("DELETE", f"/payment-methods/{card['id']}", LEA)
    assert_error(in_use, 409, "autopay_method_in_use")
    assert in_use.body["message"].startswith("Ce mode de paiement sert au paiement automatique.")


def test_a_failed_payment_says_why_in_the_readers_language(french: dict[str, str]) -> None:
    pending = start_pending(LEA, "20.00")
    callback, signature = processor_settles(french, pending["id"], ChargeStatus.DECLINED)
    ok(deliver(callback, signature))
    assert payment_status(LEA, pending["id"])["message"] == FRENCH_DECLINED
    assert payment_status(ZOE, pending["id"])["message"] == DECLINED_SENTENCE


def test_a_quebec_invoice_reads_tps_and_tvq_in_french(french: dict[str, str]) -> None:
    invoice = details(LUC, "INV-O1")
    assert [plain(tax["name"]) for tax in invoice["taxes"]] == ["TPS 5 %", "TVQ 9,975 %"]
    assert (invoice["type_label"], invoice["status_label"]) == ("Facture", "Ouverte")
    assert [tax["name"] for tax in details(SAM, "INV-O1")["taxes"]] == ["GST 5%", "QST 9.975%"]
    [row] = history(LUC)
    assert (row["type_label"], row["description"]) == ("Facture", "Facture")
