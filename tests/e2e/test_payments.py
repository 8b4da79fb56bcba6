"""Payments over HTTP, as the web client and the card processor see them: a saved card approved, a new card
declined, a pending payment settled by the processor's signed callback, a forged callback refused, Auto Pay
run twice charging once, concurrent submissions (one payment in flight per account at a time), and no card
number stored or logged anywhere."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

from billing_portal.ledger.model import PAYMENT_PENDING
from billing_portal.payments.processor import DECLINED, SIGNATURE_HEADER, signature_header
from billing_portal.shared.money import format_cents, parse_amount

from .conftest import DEMO_USER, OTHER_USER, Answer, Api
from .stored_data import settled, stored

pytestmark = pytest.mark.e2e

THREADS = 20
APPROVES, DECLINES, STAYS_PENDING = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 0077"
Result = TypeVar("Result")


# -- helpers -----------------------------------------------------------------------------------------------


def pay(api: Api, token: str, body: dict[str, Any], key: str | None = None) -> Answer:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return api.request("POST", "/payments", json_body=body, token=token, headers=headers)


def balance_cents(api: Api, token: str) -> int:
    answer = api.get("/account", token=token)
    assert answer.status == 200, answer.raw
    return parse_amount(answer.body["current_balance"]["amount"])


def newest_transaction(api: Api, token: str) -> dict[str, Any]:
    answer = api.get("/transactions?page_size=10", token=token)
    assert answer.status == 200, answer.raw
    item: dict[str, Any] = answer.body["items"][0]
    return item


def card_token(api: Api, number: str) -> str:
    """What the processor's card form gives the web client for a card."""
    answer = api.post(
        "/_local/processor/tokenize", {"number": number, "exp_month": 8, "exp_year": 2031, "cvc": "123"}
    )
    assert answer.status == 201, answer.raw
    token: str = answer.body["token"]
    return token


def saved_card_id(api: Api, token: str) -> str:
    answer = api.get("/payment-methods", token=token)
    assert answer.status == 200, answer.raw
    assert answer.body["items"], "the demo account has a saved card"
    method_id: str = answer.body["items"][0]["id"]
    return method_id


def all_charges(api: Api) -> list[dict[str, Any]]:
    """Every charge the card processor made, in the order it made them."""
    answer = api.get("/_local/processor/charges")
    assert answer.status == 200, answer.raw
    items: list[dict[str, Any]] = answer.body["items"]
    return items


def charges_of(api: Api, payment_id: str) -> list[dict[str, Any]]:
    """The card processor's charges made for one payment of the portal."""
    return [c for c in all_charges(api) if c["metadata"]["payment_id"] == payment_id]


def settle(api: Api, payment_id: str, outcome: str) -> None:
    """The bank decides on a pending payment; the processor's signed callback reaches the portal."""
    answer = api.post("/_local/processor/settle", {"payment_id": payment_id, "outcome": outcome})
    assert answer.status == 200, answer.raw


def emails_since(
    api: Api, count_before: int, subject_words: str, to: str | None = None
) -> list[dict[str, Any]]:
    """The emails sent since `count_before` whose subject has the words (and sent to `to`, if given), once
    one has arrived: the notifier reads the table's stream asynchronously, as in AWS (gives up after 30
    seconds)."""
    deadline = time.monotonic() + 30
    while True:
        items: list[dict[str, Any]] = api.get("/_local/outbox").body["items"][count_before:]
        found = [i for i in items if subject_words in i["subject"] and (to is None or to in i["to"])]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def outbox_size(api: Api) -> int:
    return len(api.get("/_local/outbox").body["items"])


def all_at_once(count: int, work: Callable[[int], Result]) -> list[Result]:
    """`work(0..count-1)` on as many threads, released together so that the requests really overlap."""
    start = threading.Barrier(count, timeout=60)

    def run(index: int) -> Result:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# -- one-time payments -------------------------------------------------------------------------------------


def test_a_saved_card_payment_is_approved_posted_and_confirmed(api: Api, demo_token: str) -> None:
    before, mails = balance_cents(api, demo_token), outbox_size(api)
    answer = pay(api, demo_token, {"amount": "25.00", "payment_method_id": saved_card_id(api, demo_token)})
    assert answer.status == 201, answer.raw
    payment = answer.body
    assert (payment["status"], payment["amount"], payment["card"]["last4"]) == ("approved", "25.00", "4242")
    assert balance_cents(api, demo_token) == before - 2500
    newest = newest_transaction(api, demo_token)
    assert (newest["id"], newest["type"], newest["credit"]) == (payment["id"], "payment", "25.00")
    dashboard = api.get("/account", token=demo_token).body
    assert dashboard["last_payment"]["amount"] == "25.00"
    assert dashboard["last_payment"]["method"] == "Visa ending in 4242"
    confirmations = emails_since(api, mails, "payment of $25.00 received")
    # Priya (demo@) has billing notifications on; Marc, on the same account, has them off.
    assert [m["to"] for m in confirmations] == [[DEMO_USER]]
    assert payment["id"] in confirmations[0]["text"] and "100482731" in confirmations[0]["text"]


def test_a_declined_card_is_refused_with_the_help_centre_sentence_and_nothing_is_posted(
    api: Api, demo_token: str
) -> None:
    before, newest = balance_cents(api, demo_token), newest_transaction(api, demo_token)
    body = {"amount": "40.00", "new_payment_method": {"token": card_token(api, DECLINES), "save": True}}
    answer = pay(api, demo_token, body)
    assert answer.status == 402, answer.raw
    assert answer.body == {"message": str(DECLINED), "code": "card_declined"}
    assert balance_cents(api, demo_token) == before
    assert newest_transaction(api, demo_token) == newest
    saved = api.get("/payment-methods", token=demo_token).body["items"]
    assert all(m["last4"] != "0002" for m in saved), "a declined card is not kept"


def test_a_pending_payment_blocks_others_until_the_processor_settles_it(api: Api, demo_token: str) -> None:
    before, mails = balance_cents(api, demo_token), outbox_size(api)
    body = {"amount": "60.00", "new_payment_method": {"token": card_token(api, STAYS_PENDING)}}
    answer = pay(api, demo_token, body)
    assert answer.status == 201, answer.raw
    payment_id = answer.body["id"]
    assert answer.body["status"] == "pending"
    assert balance_cents(api, demo_token) == before, "pending money is not money received"

    blocked = pay(api, demo_token, {"amount": "5.00", "payment_method_id": saved_card_id(api, demo_token)})
    assert blocked.status == 409, blocked.raw
    assert blocked.body["message"] == str(PAYMENT_PENDING)

    settled = api.post("/_local/processor/settle", {"payment_id": payment_id, "outcome": "approved"})
    assert settled.status == 200, settled.raw
    assert settled.body == {"payment_id": payment_id, "status": "approved"}
    assert api.get(f"/payments/{payment_id}", token=demo_token).body["status"] == "approved"
    assert balance_cents(api, demo_token) == before - 6000
    assert newest_transaction(api, demo_token)["id"] == payment_id
    assert emails_since(api, mails, "payment of $60.00 received")

    again = pay(api, demo_token, {"amount": "5.00", "payment_method_id": saved_card_id(api, demo_token)})
    assert again.status == 201, again.raw


def test_a_forged_callback_is_refused_and_changes_nothing(api: Api, demo_token: str) -> None:
    before = balance_cents(api, demo_token)
    answer = pay(api, demo_token, {"amount": "70.00", "new_payment_method": {"token": "tok_pending"}})
    assert answer.status == 201, answer.raw
    payment_id = answer.body["id"]
    charge = charges_of(api, payment_id)[0]
    stored_before = settled(api)  # the emails of earlier changes are sent (and recorded) asynchronously
    callback = {
        "id": "evt_forged",
        "type": "charge.settled",
        "created": 1_800_000_000,
        "data": {
            "charge_id": charge["charge_id"],
            "outcome": "approved",
            "amount": 7000,
            "currency": "cad",
            "metadata": {"account_id": charge["metadata"]["account_id"], "payment_id": payment_id},
        },
    }
    raw = json.dumps(callback).encode()
    for signature in (
        signature_header(b"not the shared secret", int(time.time()), raw),
        "t=1,v1=" + "0" * 64,
        "",
    ):
        forged = api.request(
            "POST",
            "/webhooks/processor",
            data=raw,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
        assert forged.status == 400, forged.raw
    assert stored(api) == stored_before
    assert api.get(f"/payments/{payment_id}", token=demo_token).body["status"] == "pending"
    assert balance_cents(api, demo_token) == before

    # The bank declines it after all: the payment fails, nothing is posted, and payments are possible again.
    declined = api.post("/_local/processor/settle", {"payment_id": payment_id, "outcome": "declined"})
    assert declined.status == 200, declined.raw
    assert api.get(f"/payments/{payment_id}", token=demo_token).body["status"] == "failed"
    assert balance_cents(api, demo_token) == before


def test_a_card_number_in_a_request_is_refused_and_not_echoed(api: Api, demo_token: str) -> None:
    digits = APPROVES.replace(" ", "")
    body = {
        "amount": "10.00",
        "new_payment_method": {"token": "tok_visa", "card_number": digits, "cvc": "123"},
    }
    answer = pay(api, demo_token, body)
    assert answer.status == 422, answer.raw
    assert answer.body["code"] == "card_data_refused"
    assert digits not in answer.raw.decode()


# -- concurrency -------------------------------------------------------------------------------------------


def test_twenty_submissions_of_one_key_charge_once_and_answer_alike(api: Api, demo_token: str) -> None:
    before = balance_cents(api, demo_token)
    body, key = {"amount": "1.00", "payment_method_id": saved_card_id(api, demo_token)}, str(uuid.uuid4())
    answers = all_at_once(THREADS, lambda _: pay(api, demo_token, body, key))
    assert {a.status for a in answers} == {201}, [a.raw for a in answers]
    assert len({a.raw for a in answers}) == 1, "every submission gets the very same answer"
    payment_id = answers[0].body["id"]
    assert len(charges_of(api, payment_id)) == 1
    assert balance_cents(api, demo_token) == before - 100


def test_twenty_concurrent_payments_leave_the_balance_exactly_right(api: Api, demo_token: str) -> None:
    """Twenty Pay clicks with keys of their own: one payment is in flight at a time, so those that arrive
    while another is at the processor are refused (409) and never charged; every one approved is posted
    once and the balance moves by exactly their sum."""
    before, charges_before = balance_cents(api, demo_token), len(all_charges(api))
    method_id = saved_card_id(api, demo_token)
    amounts = [100 + index * 7 for index in range(THREADS)]  # 1.00, 1.07, 1.14...
    answers = all_at_once(
        THREADS,
        lambda index: pay(
            api, demo_token, {"amount": format_cents(amounts[index]), "payment_method_id": method_id}
        ),
    )
    assert {a.status for a in answers} <= {201, 409}, [a.raw for a in answers]
    approved = [a.body for a in answers if a.status == 201]
    assert approved and {p["status"] for p in approved} == {"approved"}
    assert all(a.body["code"] == "payment_pending" for a in answers if a.status == 409)
    assert balance_cents(api, demo_token) == before - sum(parse_amount(p["amount"]) for p in approved)
    made = all_charges(api)[charges_before:]
    assert sorted(c["metadata"]["payment_id"] for c in made) == sorted(p["id"] for p in approved)
    history = api.get("/transactions?type=payment&page_size=100", token=demo_token).body["items"]
    assert {p["id"] for p in approved} <= {item["id"] for item in history}


def test_pay_clicks_at_once_while_the_bank_takes_its_time_make_one_payment(api: Api, demo_token: str) -> None:
    """Six Pay clicks with different keys, the processor answering pending: exactly one payment is made
    (201 pending); every other click gets 409 with the help centre's sentence and is never charged. When the
    bank approves, the account is charged once."""
    clicks = 6
    before, charges_before = balance_cents(api, demo_token), len(all_charges(api))
    body = {"amount": "45.00", "new_payment_method": {"token": "tok_pending"}}

    answers = all_at_once(clicks, lambda _: pay(api, demo_token, body))

    made = [a for a in answers if a.status == 201]
    assert len(made) == 1, [a.raw for a in answers]
    pending = made[0].body
    assert pending["status"] == "pending"
    refused = [a for a in answers if a.status != 201]
    assert [(a.status, a.body["code"], a.body["message"]) for a in refused] == [
        (409, "payment_pending", str(PAYMENT_PENDING))
    ] * (clicks - 1)
    new_charges = all_charges(api)[charges_before:]
    assert [(c["metadata"]["payment_id"], c["amount_cents"]) for c in new_charges] == [(pending["id"], 4500)]

    settle(api, pending["id"], "approved")
    assert balance_cents(api, demo_token) == before - 4500
    assert len(all_charges(api)) == charges_before + 1
    again = pay(api, demo_token, {"amount": "1.00", "payment_method_id": saved_card_id(api, demo_token)})
    assert again.status == 201, again.raw


def test_approved_payments_racing_a_pending_one_never_leave_two_in_flight(api: Api, demo_token: str) -> None:
    """A pending payment and saved-card payments submitted together: whichever goes first, no payment is
    charged while another is in flight, at most one is left pending, and only what was answered 201 was
    charged."""
    clicks = 8
    before, charges_before = balance_cents(api, demo_token), len(all_charges(api))
    method_id = saved_card_id(api, demo_token)
    bodies = [{"amount": "30.00", "new_payment_method": {"token": "tok_pending"}}] + [
        {"amount": format_cents(200 + index), "payment_method_id": method_id} for index in range(1, clicks)
    ]

    answers = all_at_once(clicks, lambda index: pay(api, demo_token, bodies[index]))

    assert {a.status for a in answers} <= {201, 409}, [a.raw for a in answers]
    assert all(a.body["code"] == "payment_pending" for a in answers if a.status == 409)
    made = [a.body for a in answers if a.status == 201]
    pending = [p for p in made if p["status"] == "pending"]
    approved = [p for p in made if p["status"] == "approved"]
    assert len(pending) <= 1 and len(pending) + len(approved) == len(made) >= 1
    new_charges = all_charges(api)[charges_before:]
    assert sorted(c["metadata"]["payment_id"] for c in new_charges) == sorted(p["id"] for p in made)
    assert balance_cents(api, demo_token) == before - sum(parse_amount(p["amount"]) for p in approved)
    if pending:
        # While it is pending, nothing else goes through; declined, the account is free again.
        blocked = pay(api, demo_token, {"amount": "2.00", "payment_method_id": method_id})
        assert blocked.status == 409, blocked.raw
        settle(api, pending[0]["id"], "declined")
    again = pay(api, demo_token, {"amount": "2.00", "payment_method_id": method_id})
    assert again.status == 201, again.raw


# -- auto pay --------------------------------------------------------------------------------------------


def test_auto_pay_run_twice_charges_the_due_invoice_once(api: Api, other_token: str) -> None:
    dashboard = api.get("/account", token=other_token).body
    assert dashboard["autopay"]["enabled"], "the other demo account pays by Auto Pay"
    due = date.fromisoformat(dashboard["current_balance"]["due_date"])
    owed = parse_amount(dashboard["current_balance"]["amount"])
    charges_before = len(api.get("/_local/processor/charges").body["items"])
    mails = outbox_size(api)

    day_before = api.post(
        "/_local/schedules/autopay", {"time": f"{date.fromordinal(due.toordinal() - 1)}T11:00:00Z"}
    )
    assert day_before.status == 200, day_before.raw
    assert len(api.get("/_local/processor/charges").body["items"]) == charges_before, "not due yet"

    first = api.post("/_local/schedules/autopay", {"time": f"{due}T11:00:00Z"})
    second = api.post("/_local/schedules/autopay", {"time": f"{due}T11:00:00Z"})
    assert first.status == second.status == 200, (first.raw, second.raw)
    charges = api.get("/_local/processor/charges").body["items"][charges_before:]
    assert [c["metadata"]["account_id"] for c in charges] == ["acct-atelier-lumiere"]
    assert charges[0]["card"]["last4"] == "4444"
    after = api.get("/account", token=other_token).body
    assert parse_amount(after["current_balance"]["amount"]) < owed
    assert newest_transaction(api, other_token)["id"] == charges[0]["metadata"]["payment_id"]
    confirmations = emails_since(api, mails, "received", to=OTHER_USER)
    assert [m["to"] for m in confirmations] == [[OTHER_USER]]


# -- no card number anywhere -------------------------------------------------------------------------------


def test_no_card_number_is_stored_or_logged_anywhere(
    api: Api,
    local_stack_log: Path,
    tmp_path_factory: pytest.TempPathFactory,
    find_card_numbers: Callable[[str], list[str]],
) -> None:
    """Run last in this module: everything the payment tests above made the stack store, log or send."""
    card_numbers_in = find_card_numbers
    assert card_numbers_in(APPROVES) == [APPROVES.replace(" ", "")], "the search finds what it looks for"
    stored = json.dumps(api.get("/_local/snapshot").body)
    sent = json.dumps(api.get("/_local/outbox").body)
    assert card_numbers_in(stored) == [], "tables"
    assert card_numbers_in(sent) == [], "emails"
    assert card_numbers_in(local_stack_log.read_text(errors="replace")) == [], "the stack's log"
    for written in tmp_path_factory.getbasetemp().rglob("*"):
        if written.is_file():
            assert card_numbers_in(written.read_text(errors="replace")) == [], written
