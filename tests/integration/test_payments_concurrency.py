"""Payments submitted at the same moment, against moto in-process: twenty submissions of one Idempotency-Key
get one answer and charge and post once; of twenty payments with keys of their own, one at a time is in
flight (the others are refused with 409 payment_pending and never charged), and the balance moves by exactly
what was approved; of payments that the processor holds pending, exactly one is made.

Each thread stands for one Lambda execution environment of the payments function (Lambda runs one request
at a time per environment): its own payment service and its own idempotency wrapper, as the function
builds them, sharing only the tables. The function's module-level resolver is not shared between threads
because an environment never shares it either."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import pytest
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

from billing_portal.i18n.words import words_in
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.ports import PortalUser
from billing_portal.payments.charging import Charging
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.one_time import OneTimePayments, PaymentRequest
from billing_portal.payments.sandbox import SandboxProcessor
from billing_portal.shared.errors import PortalError
from billing_portal.shared.money import format_cents, parse_amount
from billing_portal.users.dynamo import DynamoUserRecords
from billing_portal.wiring import build_idempotent_operation
from localrun import demo_moto, functions

from .support import Caller, account_doc, call, days_ago, emails_sent, invoice_doc, posted

ENGLISH = words_in("en")  # the words of a reader of English

THREADS = 20
ERABLE = Caller("acct-erable", "zoe@erable.example")  # billing notifications on
QUIET = Caller("acct-erable", "marc@erable.example")  # billing notifications off
Result = TypeVar("Result")


@pytest.fixture
def one_request_at_a_time(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """DynamoDB serves each request atomically; moto's in-process backend does not when threads call it at
    once. One request at a time restores what DynamoDB guarantees and nothing more: threads still
    interleave between their reads and their conditional writes (see test_ledger_store.py).

    A transaction DynamoDB refuses leaves the table as it was; moto puts back a copy of the whole table
    instead, stream included, so that the stream's reader (the notifier's mapping) reads on from a table
    no longer written to. The local stack's patch of moto (localrun/demo_moto.py) keeps the table and puts
    back only what the transaction touched; it is installed for this test and undone after it, so that the
    outcome does not depend on whether another test installed it first."""
    for owner, name in (
        (DynamoHandler, "call_action"),
        (DynamoDBBackend, "transact_write_items"),
        (dynamodb_models, "copy"),
    ):
        monkeypatch.setattr(owner, name, getattr(owner, name))  # put back after the test
    demo_moto.install()
    lock = threading.Lock()
    serve = BotocoreStubber.process_request

    def serialized(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return serve(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialized)
    yield aws


@pytest.fixture
def card_id(one_request_at_a_time: dict[str, str]) -> str:
    """Erable owes two invoices and has a saved Visa; one user is notified of payments, one is not."""
    table = one_request_at_a_time["PortalTable"]
    posted(account_doc(ERABLE.account_id))
    posted(invoice_doc(ERABLE.account_id, "INV-E1", days_ago(70)))
    posted(invoice_doc(ERABLE.account_id, "INV-E2", days_ago(20)))
    users = DynamoUserRecords(table)
    for caller, notified, created_at in (
        (ERABLE, True, "2025-01-05T09:00:00.000+00:00"),
        (QUIET, False, "2025-02-05T09:00:00.000+00:00"),
    ):
        users.claim(
            PortalUser(
                caller.account_id, caller.username, "Pat", "Lee", "America/Toronto", notified, created_at
            )
        )
    reply = call("POST", "/payment-methods", ERABLE, body={"token": "tok_visa"})
    assert reply.status == 201, reply.body
    method_id: str = reply.body["id"]
    return method_id


Submit = Callable[[str, dict[str, Any]], dict[str, Any]]
Outcome = dict[str, Any]  # the payment's answer, or {"refused": <error code>}


@dataclass(frozen=True)
class IdempotencyTable:
    idempotency_table_name: str


def payment_function(idempotency_table: str) -> Submit:
    """One execution environment's POST /payments for Erable: the payment service, run once per account
    and Idempotency-Key, as functions/payments/app.py builds it."""
    table = os.environ["TABLE_NAME"]
    service = OneTimePayments(
        charging=Charging(
            ledger_store=DynamoLedgerStore(table),
            store=DynamoPayments(table),
            processor=SandboxProcessor(table),
        ),
        users=DynamoUserRecords(table),
    )

    def pay(account_id: str, key: str, request: dict[str, Any]) -> dict[str, Any]:
        made = service.pay(account_id, key, PaymentRequest.model_validate(request), ENGLISH)
        return made.model_dump(mode="json")

    once = build_idempotent_operation(IdempotencyTable(idempotency_table), "payments", pay)

    def submit(key: str, request: dict[str, Any]) -> dict[str, Any]:
        context = functions.LambdaContext("payments", str(uuid.uuid4()))
        answer: dict[str, Any] = once(ERABLE.account_id, key, request, context)
        return answer

    return submit


def outcome(submit: Submit, key: str, body: dict[str, Any]) -> Outcome:
    """What the client is answered: the payment, or the code of the refusal."""
    try:
        return submit(key, body)
    except PortalError as refused:
        return {"refused": refused.code}


def request_body(**fields: Any) -> dict[str, Any]:
    """The body as the function hands it on: validated, then dumped to JSON values."""
    return PaymentRequest.model_validate(fields).model_dump(mode="json")


def all_at_once(work: list[Callable[[], Result]]) -> list[Result]:
    """Run each piece of work on its own thread, released together so that they really overlap."""
    start = threading.Barrier(len(work), timeout=30)

    def run(piece: Callable[[], Result]) -> Result:
        start.wait()
        return piece()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        return list(pool.map(run, work))


def balance_cents() -> int:
    reply = call("GET", "/account", ERABLE)
    assert reply.status == 200, reply.body
    return parse_amount(reply.body["current_balance"]["amount"])


def payment_rows() -> list[dict[str, Any]]:
    reply = call("GET", "/transactions", ERABLE, query="type=payment&page_size=100")
    assert reply.status == 200, reply.body
    rows: list[dict[str, Any]] = reply.body["items"]
    return rows


def confirmations_to(aws: dict[str, str], address: str, count_before: int) -> list[dict[str, Any]]:
    return [mail for mail in emails_sent(aws)[count_before:] if address in mail["to"]]


def test_twenty_submissions_of_one_key_get_one_answer_and_pay_once(
    one_request_at_a_time: dict[str, str], card_id: str
) -> None:
    aws = one_request_at_a_time
    owed, mails = balance_cents(), len(emails_sent(aws))
    key, body = str(uuid.uuid4()), request_body(amount="25.00", payment_method_id=card_id)
    environments = [payment_function(aws["IdempotencyTable"]) for _ in range(THREADS)]

    answers = all_at_once([partial(submit, key, body) for submit in environments])

    assert all(answer == answers[0] for answer in answers), answers
    payment = answers[0]
    assert (payment["status"], payment["amount"]) == ("approved", "25.00")

    assert [row["id"] for row in payment_rows()] == [payment["id"]]
    assert balance_cents() == owed - 25_00
    charges = SandboxProcessor(aws["PortalTable"]).charges()
    assert [(c["amount_cents"], c["metadata"]["payment_id"]) for c in charges] == [(25_00, payment["id"])]
    assert len(confirmations_to(aws, ERABLE.username, mails)) == 1
    assert confirmations_to(aws, QUIET.username, mails) == []


def test_of_twenty_payments_at_once_one_at_a_time_is_charged_and_the_balance_moves_by_what_was_approved(
    one_request_at_a_time: dict[str, str], card_id: str
) -> None:
    """Twenty Pay clicks of the account's users, each with its own key: a payment is claimed before the
    processor is asked and released once it is approved, so the others that arrive meanwhile are refused
    (409, "A payment is pending...") and never charged; every approved one is posted exactly once."""
    aws = one_request_at_a_time
    owed, mails = balance_cents(), len(emails_sent(aws))
    amounts = [(number + 1) * 100 for number in range(THREADS)]  # 1.00 to 20.00
    requests = [
        (str(uuid.uuid4()), request_body(amount=format_cents(cents), payment_method_id=card_id))
        for cents in amounts
    ]
    environments = [payment_function(aws["IdempotencyTable"]) for _ in range(THREADS)]

    outcomes = all_at_once(
        [
            partial(outcome, submit, key, body)
            for submit, (key, body) in zip(environments, requests, strict=True)
        ]
    )

    payments = [o for o in outcomes if "refused" not in o]
    assert [o["refused"] for o in outcomes if "refused" in o] == ["payment_pending"] * (
        THREADS - len(payments)
    )
    assert payments, "one of them at least is made"
    assert [p["status"] for p in payments] == ["approved"] * len(payments)
    approved = [parse_amount(p["amount"]) for p in payments]

    assert balance_cents() == owed - sum(approved)
    rows = payment_rows()
    assert sorted(row["id"] for row in rows) == sorted(p["id"] for p in payments)
    # Each row's running balance is one step of the same sequence: no posting was lost or counted twice.
    oldest_first = list(reversed(rows))
    balances = [parse_amount(row["balance"]) for row in oldest_first]
    steps = [parse_amount(row["credit"]) for row in oldest_first]
    assert balances == [owed - sum(steps[: i + 1]) for i in range(len(rows))]
    charges = SandboxProcessor(aws["PortalTable"]).charges()
    assert sorted(c["metadata"]["payment_id"] for c in charges) == sorted(p["id"] for p in payments)
    assert len(confirmations_to(aws, ERABLE.username, mails)) == len(payments)


def test_of_payments_submitted_at_once_while_the_processor_answers_pending_exactly_one_is_made(
    one_request_at_a_time: dict[str, str], card_id: str
) -> None:
    """Six Pay clicks with different keys, the bank taking its time (pending): one payment is pending, the
    others are refused, and when the bank approves it the account is charged once."""
    aws = one_request_at_a_time
    owed, clicks = balance_cents(), 6
    body = request_body(amount="60.00", new_payment_method={"token": "tok_pending"})
    environments = [payment_function(aws["IdempotencyTable"]) for _ in range(clicks)]

    outcomes = all_at_once([partial(outcome, submit, str(uuid.uuid4()), body) for submit in environments])

    [pending] = [o for o in outcomes if "refused" not in o]
    assert pending["status"] == "pending"
    assert [o for o in outcomes if "refused" in o] == [{"refused": "payment_pending"}] * (clicks - 1)
    charges = SandboxProcessor(aws["PortalTable"]).charges()
    assert [(c["metadata"]["payment_id"], c["status"]) for c in charges] == [(pending["id"], "pending")]
    assert balance_cents() == owed
    # Until the bank decides, the account takes no other payment.
    later = outcome(
        environments[0], str(uuid.uuid4()), request_body(amount="5.00", payment_method_id=card_id)
    )
    assert later == {"refused": "payment_pending"}
