"""Every API function through its Lambda handler, with the events API Gateway delivers, against moto.

Two customers: Ann's account (Ontario, 13 % HST) with a timeline of invoices, payments, credits, a refund
and a credit pending on the next invoice, and Bob's (Quebec). What each sees is checked the way the web
client would show it."""

from __future__ import annotations

import base64
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from billing_portal.ledger.ports import PortalUser
from billing_portal.ledger.retention import months_before
from billing_portal.shared.clock import utc_today
from billing_portal.users.dynamo import DynamoUserRecords
from localrun.template import resources
from localrun.tokens import install_in_moto

from .support import (
    Caller,
    Reply,
    account_doc,
    assert_error,
    call,
    credit_doc,
    days_ago,
    history_ids,
    ingest,
    invoice_doc,
    payment_doc,
    pending_credit_doc,
    portal_user,
    posted,
    refund_doc,
)

ANN = Caller("acct-ann", "ann@example.com")
BOB = Caller("acct-bob", "bob@example.com")


def ann_timeline() -> list[dict[str, Any]]:
    """Amounts chosen so that each step moves money in a way the client shows (see the comments)."""
    a = ANN.account_id
    return [
        # 120.00 + HST 15.60 = 135.60, due 70 days ago.
        invoice_doc(
            a,
            "INV-A1",
            days_ago(100),
            [("Hosted seats", "service", 4, "100.00"), ("Long distance", "usage", 12, "20.00")],
        ),
        payment_doc(a, "PAY-A1", days_ago(90), "50.00"),  # INV-A1 partially paid; balance 85.60
        invoice_doc(a, "INV-A2", days_ago(70)),  # 113.00, due 40 days ago; balance 198.60
        # 85.60 pays off INV-A1, 64.40 goes to INV-A2; balance 48.60
        payment_doc(a, "PAY-A2", days_ago(60), "150.00", method="bank_upload"),
        credit_doc(a, "CR-A1", days_ago(50), "10.00", reason="Service outage"),  # INV-A2; balance 38.60
        pending_credit_doc(a, "CR-A2", days_ago(45), "5.00", reason="Loyalty promotion"),  # dashboard 33.60
        payment_doc(a, "PAY-A3", days_ago(40), "100.00"),  # pays INV-A2's 38.60; balance -61.40
        refund_doc(a, "RF-A1", days_ago(30), "20.00", reason="Overpayment returned"),  # balance -41.40
        # 113.00 with the pending 5.00 credit posted beside it; 46.40 of credit applied; balance 66.60
        invoice_doc(a, "INV-A3", days_ago(20)),
    ]


def document_id(document: dict[str, Any]) -> str:
    return str(
        next(document[k] for k in ("invoice_id", "payment_id", "credit_id", "refund_id") if k in document)
    )


def post_ann_through(last: str) -> None:
    """Post Ann's timeline in order up to and including document `last` (what is posted already is skipped
    by the ingest function itself, as the same document twice is posted once)."""
    for document in ann_timeline():
        result = ingest(document)
        assert result["id"] == document_id(document), result
        assert result["status"] in ("posted", "already_posted"), result
        if document_id(document) == last:
            return
    raise AssertionError(f"{last} is not in Ann's timeline")


ANN_NEWEST_FIRST = ["CR-A2", "INV-A3", "RF-A1", "PAY-A3", "CR-A1", "PAY-A2", "INV-A2", "PAY-A1", "INV-A1"]


@pytest.fixture
def accounts(aws: dict[str, str]) -> dict[str, str]:
    posted(
        account_doc(
            ANN.account_id,
            account_number="100200300",
            name="Érable Télécom Inc.",
            contacts=["ap@erable.example", "ceo@erable.example"],
        )
    )
    posted(
        account_doc(
            BOB.account_id,
            account_number="700800900",
            name="Bouleau Ltée",
            city="Montréal",
            province="QC",
            postal_code="H2X 1Y4",
            time_zone="America/Montreal",
            contacts=["factures@bouleau.example"],
        )
    )
    # 50.00 + GST 2.50 + QST 4.99 (9.975 %, rounded half up) = 57.49
    posted(invoice_doc(BOB.account_id, "INV-B1", days_ago(80), [("Hosted seats", "service", 2, "50.00")]))
    posted(credit_doc(BOB.account_id, "CR-B1", days_ago(30), "20.00"))
    portal_user(ANN)
    portal_user(BOB)
    return aws


def get(path: str, caller: Caller | None = ANN, query: str = "") -> Reply:
    return call("GET", path, caller, query=query)


def ok(reply: Reply) -> Any:
    assert reply.status == 200, (reply.status, reply.body)
    assert reply.headers.get("Content-Type") == "application/json", reply.headers
    return reply.body


def dashboard(caller: Caller = ANN) -> dict[str, Any]:
    body: dict[str, Any] = ok(get("/account", caller))
    return body


def details(transaction_id: str, caller: Caller = ANN) -> dict[str, Any]:
    body: dict[str, Any] = ok(get(f"/transactions/{transaction_id}", caller))
    return body


def history(query: str = "", caller: Caller = ANN) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(get("/transactions", caller, query))["items"]
    return items


def cents(amount: str | None) -> int:
    return 0 if amount is None else int(Decimal(amount) * 100)


# -- GET /account ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_balance_with_pending_credits_and_the_oldest_due_date(accounts: Any) -> None:
    post_ann_through("INV-A2")
    first = dashboard()
    assert first["current_balance"] == {"amount": "198.60", "due_date": days_ago(70).isoformat()}

    post_ann_through("CR-A2")
    now = dashboard()
    # INV-A1 is paid off: the due date is INV-A2's; the 5.00 pending credit already counts.
    assert now["current_balance"] == {"amount": "33.60", "due_date": days_ago(40).isoformat()}
    assert now["last_payment"] == {
        "date": days_ago(60).isoformat(),
        "amount": "150.00",
        "method": "Bank Upload",
    }

    post_ann_through("RF-A1")
    in_credit = dashboard()
    assert in_credit["current_balance"] == {"amount": "-46.40", "due_date": None}
    assert in_credit["last_payment"] == {
        "date": days_ago(40).isoformat(),
        "amount": "100.00",
        "method": "Credit Card",
    }

    post_ann_through("INV-A3")
    assert dashboard()["current_balance"] == {
        "amount": "66.60",
        "due_date": (days_ago(20) + timedelta(30)).isoformat(),
    }


def test_the_dashboard_shows_the_profile_name_and_number(accounts: Any) -> None:
    body = dashboard()
    assert body["account_id"] == ANN.account_id
    assert body["account_number"] == "100200300"
    assert body["name"] == "Érable Télécom Inc."
    assert body["billing_address"] == {
        "line1": "100 King Street West",
        "line2": "Suite 4",
        "city": "Toronto",
        "province": "ON",
        "postal_code": "M5V 3L9",
        "country": "CA",
    }
    assert body["time_zone"] == "America/Toronto"
    assert body["billing_contacts"] == ["ap@erable.example", "ceo@erable.example"]
    assert body["last_payment"] is None
    assert body["current_balance"] == {"amount": "0.00", "due_date": None}
    assert body["autopay"]["enabled"] is False


def test_each_token_sees_its_own_account_only(accounts: Any) -> None:
    post_ann_through("PAY-A1")
    ann, bob = dashboard(ANN), dashboard(BOB)
    assert (ann["account_id"], ann["name"], ann["current_balance"]["amount"]) == (
        ANN.account_id,
        "Érable Télécom Inc.",
        "85.60",
    )
    assert (bob["account_id"], bob["name"], bob["current_balance"]["amount"]) == (
        BOB.account_id,
        "Bouleau Ltée",
        "37.49",
    )
    assert bob["billing_address"]["province"] == "QC" and bob["time_zone"] == "America/Montreal"


def test_answers_allow_the_web_portals_origin_only(accounts: Any) -> None:
    for reply in (
        call("GET", "/account", ANN),
        call("GET", "/transactions/NOPE", ANN),
        call("GET", "/account"),
    ):
        assert reply.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"
        assert reply.headers["Vary"] == "Origin"


def test_a_card_payment_before_july_2025_shows_as_historical(accounts: Any) -> None:
    carol = portal_user(Caller("acct-carol", "carol@example.com"))
    posted(account_doc(carol.account_id))
    posted(payment_doc(carol.account_id, "PAY-C1", date(2025, 6, 30), "12.00"))
    assert dashboard(carol)["last_payment"] == {
        "date": "2025-06-30",
        "amount": "12.00",
        "method": "Historical Credit Card",
    }
    posted(payment_doc(carol.account_id, "PAY-C2", date(2025, 7, 1), "13.00"))
    assert dashboard(carol)["last_payment"] == {
        "date": "2025-07-01",
        "amount": "13.00",
        "method": "Credit Card",
    }
    assert dashboard(carol)["current_balance"] == {"amount": "-25.00", "due_date": None}


def test_reading_without_signing_in_is_401_and_an_account_that_does_not_exist_is_404(accounts: Any) -> None:
    for path in ("/account", "/transactions", "/transactions/INV-A1", "/me"):
        assert_error(get(path, None), 401, "not_signed_in")
    assert_error(call("PATCH", "/account/profile", None, body={"time_zone": "America/Regina"}), 401)
    assert_error(get("/account", portal_user(Caller("acct-gone", "ghost@example.com"))), 404, "not_found")


# -- PATCH /account/profile ------------------------------------------------------------------------------


def patch(body: Any, caller: Caller = ANN) -> Reply:
    return call("PATCH", "/account/profile", caller, body=body)


def profile(caller: Caller = ANN) -> dict[str, Any]:
    body = dashboard(caller)
    return {k: body[k] for k in ("billing_address", "time_zone", "billing_contacts")}


def test_the_profile_updates_address_time_zone_and_contacts(accounts: Any) -> None:
    bob_before = profile(BOB)
    address = {
        "line1": "1 rue Sainte-Catherine",
        "city": "Montréal",
        "province": "qc",
        "postal_code": "h3b1a7",
    }
    reply = patch({"billing_address": address})
    assert reply.status == 200, reply.body
    expected_address = {**address, "line2": None, "province": "QC", "postal_code": "H3B 1A7", "country": "CA"}
    assert reply.body["billing_address"] == expected_address

    assert ok(patch({"time_zone": "America/St_Johns"}))["time_zone"] == "America/St_Johns"
    contacts = ["Billing@Erable.example", "ops+invoices@erable.example"]
    assert ok(patch({"billing_contacts": contacts}))["billing_contacts"] == [
        "billing@erable.example",
        "ops+invoices@erable.example",
    ]
    assert profile() == {
        "billing_address": expected_address,
        "time_zone": "America/St_Johns",
        "billing_contacts": ["billing@erable.example", "ops+invoices@erable.example"],
    }
    assert ok(patch({"billing_contacts": []}))["billing_contacts"] == []
    ten = [f"user{i}@erable.example" for i in range(10)]
    assert ok(patch({"billing_contacts": ten}))["billing_contacts"] == ten
    assert profile(BOB) == bob_before


def test_the_next_invoice_is_taxed_in_the_new_province(accounts: Any) -> None:
    post_ann_through("INV-A1")
    assert details("INV-A1")["taxes"] == [{"name": "HST 13%", "rate": "0.13", "amount": "15.60"}]
    address = {"line1": "1 Main St", "city": "Vancouver", "province": "BC", "postal_code": "V6B 1A1"}
    ok(patch({"billing_address": address}))
    posted(invoice_doc(ANN.account_id, "INV-A2", days_ago(70)))
    invoice = details("INV-A2")
    assert invoice["province"] == "BC"
    assert invoice["taxes"] == [
        {"name": "GST 5%", "rate": "0.05", "amount": "5.00"},
        {"name": "PST 7%", "rate": "0.07", "amount": "7.00"},
    ]
    assert invoice["total"] == "112.00"
    # An invoice already issued keeps the taxes of its day.
    assert details("INV-A1")["province"] == "ON"


REFUSED_PROFILES: list[tuple[Any, str]] = [
    ({"time_zone": "Mars/Base"}, "time_zone"),
    ({"time_zone": "../etc/passwd"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"time_zone": "America"}, "time_zone"),  # a folder of the time zone database, not a zone
    ({"time_zone": "America/__pycache__"}, "time_zone"),
    ({"time_zone": "A" * 300}, "time_zone"),
    ({"time_zone": "America/Toronto\n"}, "time_zone"),
    ({"time_zone": None}, "body"),
    ({"billing_contacts": None}, "body"),
    ({"billing_address": None}, "body"),
    ({"billing_contacts": ["ap@erable.example", "AP@erable.example"]}, "billing_contacts"),
    ({"billing_contacts": ["not an email"]}, "billing_contacts"),
    ({"billing_contacts": ["a@b"]}, "billing_contacts"),
    ({"billing_contacts": [f"user{i}@erable.example" for i in range(11)]}, "billing_contacts"),
    (
        {"billing_address": {"line1": "1 Main", "city": "X", "province": "ZZ", "postal_code": "M5V 3L9"}},
        "province",
    ),
    (
        {"billing_address": {"line1": "1 Main", "city": "X", "province": "ON", "postal_code": "12345"}},
        "postal_code",
    ),
    ({"billing_address": {"line1": "1 Main", "city": "X", "province": "ON"}}, "postal_code"),
    ({"billing_address": {"line1": "", "city": "X", "province": "ON", "postal_code": "M5V 3L9"}}, "line1"),
    (
        {
            "billing_address": {
                "line1": "1",
                "city": "X",
                "province": "ON",
                "postal_code": "M5V3L9",
                "country": "US",
            }
        },
        "country",
    ),
    ({"time_zone": "America/Toronto", "nickname": "x"}, "nickname"),
    ({"time_zone": "America/Regina", "billing_contacts": ["nope"]}, "billing_contacts"),  # all or nothing
    ({}, "body"),
]


def test_refused_profile_changes_are_422_naming_the_field_and_change_nothing(accounts: Any) -> None:
    before = profile()
    for body, field in REFUSED_PROFILES:
        reply = patch(body)
        assert_error(reply, 422, "validation_failed")
        named = [d["field"] for d in reply.body.get("details", [])]
        assert any(field in name for name in named), (body, reply.body)
        assert profile() == before, body


def test_a_malformed_body_is_400_and_changes_nothing(accounts: Any) -> None:
    before = profile()
    for body in ('{"time_zone": "America/Regina"', "time_zone=America/Regina", "", "{'time_zone': 1}"):
        assert_error(patch(body), 400, "bad_request")
    assert profile() == before


# -- GET /transactions -----------------------------------------------------------------------------------


def test_history_is_newest_first_with_credit_and_debit_columns_and_a_running_balance(accounts: Any) -> None:
    post_ann_through("INV-A3")
    items = history()
    assert [i["id"] for i in items] == ANN_NEWEST_FIRST
    for item in items:
        if item["type"] in ("invoice", "refund"):
            assert item["debit"] is not None and item["credit"] is None, item
        else:
            assert item["credit"] is not None and item["debit"] is None, item
        assert item["invoice_pdf_available"] is (item["type"] == "invoice")
    # Oldest first, each balance is the previous one plus the debit minus the credit.
    balance = 0
    for item in reversed(items):
        balance += cents(item["debit"]) - cents(item["credit"])
        assert cents(item["balance"]) == balance, item
    assert items[0]["balance"] == dashboard()["current_balance"]["amount"] == "66.60"
    by_id = {i["id"]: i for i in items}
    assert by_id["INV-A1"] | {"balance": "x"} == {
        "id": "INV-A1",
        "type": "invoice",
        "type_label": "Invoice",
        "date": days_ago(100).isoformat(),
        "description": "Invoice",
        "credit": None,
        "debit": "135.60",
        "balance": "x",
        "invoice_pdf_available": True,
    }
    assert by_id["PAY-A2"]["description"] == "Bank Upload" and by_id["PAY-A2"]["credit"] == "150.00"
    assert by_id["PAY-A3"]["description"] == "Credit Card"
    assert by_id["RF-A1"]["debit"] == "20.00"
    assert by_id["CR-A2"]["date"] == days_ago(20).isoformat()  # with the invoice it was promised on


def test_the_history_balance_leaves_out_credits_pending_on_a_future_invoice(accounts: Any) -> None:
    post_ann_through("CR-A2")
    items = history()
    assert "CR-A2" not in [i["id"] for i in items]
    assert items[0]["balance"] == "38.60"
    assert dashboard()["current_balance"]["amount"] == "33.60"


# {n} stands for the date n days ago.
FILTERS: list[tuple[str, list[str]]] = [
    ("type=invoice", ["INV-A3", "INV-A2", "INV-A1"]),
    ("type=refund", ["RF-A1"]),
    ("type=invoice,refund", ["INV-A3", "RF-A1", "INV-A2", "INV-A1"]),
    ("type=invoice&type=refund", ["INV-A3", "RF-A1", "INV-A2", "INV-A1"]),
    ("type=payment,credit", ["CR-A2", "PAY-A3", "CR-A1", "PAY-A2", "PAY-A1"]),
    ("type=invoice,payment,credit,refund", ANN_NEWEST_FIRST),
    ("type=invoice,invoice,invoice", ["INV-A3", "INV-A2", "INV-A1"]),
    ("from={60}&to={30}", ["RF-A1", "PAY-A3", "CR-A1", "PAY-A2"]),
    ("from={20}", ["CR-A2", "INV-A3"]),
    ("to={100}", ["INV-A1"]),
    ("from={100}&to={100}", ["INV-A1"]),
    ("type=payment&from={95}&to={45}", ["PAY-A2", "PAY-A1"]),
    ("type=invoice&type=credit&to={50}", ["CR-A1", "INV-A2", "INV-A1"]),
    ("from={10}", []),
]


def test_history_filters_by_type_and_dates(accounts: Any) -> None:
    post_ann_through("INV-A3")
    for template, expected in FILTERS:
        query = re.sub(r"\{(\d+)\}", lambda days: days_ago(int(days[1])).isoformat(), template)
        assert [i["id"] for i in history(query)] == expected, template
        assert history_ids(ANN, query + "&page_size=10") == expected, template


def test_history_goes_back_24_months_and_no_further(accounts: Any) -> None:
    earliest = months_before(utc_today(), 24)
    posted(invoice_doc(ANN.account_id, "INV-OLD", earliest - timedelta(days=1)))
    posted(invoice_doc(ANN.account_id, "INV-EDGE", earliest))
    posted(invoice_doc(ANN.account_id, "INV-NEW", days_ago(1)))

    assert [i["id"] for i in history()] == ["INV-NEW", "INV-EDGE"]
    assert [i["id"] for i in history(f"from={earliest}&type=invoice")] == ["INV-NEW", "INV-EDGE"]
    assert [i["id"] for i in history(f"to={earliest}")] == ["INV-EDGE"]
    # The oldest row shown still carries the balance that the older invoice left.
    assert history(f"to={earliest}")[0]["balance"] == "226.00"
    assert details("INV-EDGE")["invoice_pdf_available"] is True
    assert_error(get("/transactions/INV-OLD"), 410, "gone")
    assert "billing@net2phone.ca" in get("/transactions/INV-OLD").body["message"]
    for query in (
        f"from={earliest - timedelta(days=1)}",
        "from=2001-01-01",
        f"to={earliest - timedelta(days=1)}",
    ):
        reply = get("/transactions", query=query)
        assert_error(reply, 422, "validation_failed")
        assert "billing@net2phone.ca" in reply.body["message"] and "24 months" in reply.body["message"]


def test_page_sizes_are_10_50_or_100_and_filters_are_validated(accounts: Any) -> None:
    for size in (10, 50, 100):
        assert ok(get("/transactions", query=f"page_size={size}"))["next_cursor"] is None
    for refused in ("20", "0", "-10", "1000", "ten", "10.5", ""):
        reply = get("/transactions", query=f"page_size={refused}")
        assert_error(reply, 422, "validation_failed")
        assert [d["field"] for d in reply.body["details"]] == ["page_size"]
    for query in (
        "type=invoices",
        "type=",
        "type=invoice,,refund",
        f"from={days_ago(1)}&to={days_ago(2)}",
        "from=2026-02-30",
        "to=yesterday",
        "colour=blue",
    ):
        assert_error(get("/transactions", query=query), 422, "validation_failed")


def post_busy_account() -> tuple[Caller, list[str]]:
    """25 transactions, five of them on one day; returns the ids newest first."""
    dave = portal_user(Caller("acct-dave", "dave@example.com"))
    posted(account_doc(dave.account_id))
    ids: list[str] = []
    for month in range(10):
        issued = days_ago(320 - 30 * month)
        posted(invoice_doc(dave.account_id, f"INV-D{month}", issued))
        posted(payment_doc(dave.account_id, f"PAY-D{month}", issued + timedelta(days=5), "113.00"))
        ids += [f"INV-D{month}", f"PAY-D{month}"]
    for n in range(5):
        posted(credit_doc(dave.account_id, f"CR-D{n}", days_ago(3), f"{n + 1}.00"))
        ids.append(f"CR-D{n}")
    return dave, ids[::-1]


def test_cursors_walk_every_transaction_once(accounts: Any) -> None:
    dave, newest_first = post_busy_account()
    pages: list[list[str]] = []
    cursor = ""
    while True:
        body = ok(get("/transactions", dave, f"page_size=10{cursor}"))
        pages.append([i["id"] for i in body["items"]])
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [i for page in pages for i in page] == newest_first
    assert [i["id"] for i in history("page_size=50", dave)] == newest_first
    assert [i["id"] for i in history("page_size=100", dave)] == newest_first

    not_invoices = [i for i in newest_first if not i.startswith("INV")]
    assert history_ids(dave, "type=credit,payment&page_size=10") == not_invoices
    assert history_ids(dave, "type=credit&page_size=10") == ["CR-D4", "CR-D3", "CR-D2", "CR-D1", "CR-D0"]

    # A last page that is exactly full has no next cursor.
    assert ok(get("/transactions", dave, "page_size=10&type=invoice"))["next_cursor"] is None
    assert len(history("page_size=10&type=invoice", dave)) == 10


def _encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED_CURSORS = [
    "garbage",
    "!!!!",
    "é",
    "x" * 201,
    _encoded(b"{}"),
    _encoded(b"[1]"),
    _encoded(b'{"k": 5}'),
    _encoded(b'{"k": "USER#ann@example.com"}'),
    _encoded(b'{"k": "TXN#2026-01-01#1"}'),
    _encoded(b"\xff\xfe\xfd"),
    _encoded(json.dumps({"k": "TXN#9999-99-99#00000000' OR 1=1"}).encode()),
    _encoded(json.dumps({"k": "TXN#2026-01-01#00000001\n"}).encode()),
    _encoded(json.dumps({"k": "TXN#\u0662\u0660\u0662\u0666-01-01#00000001"}).encode()),  # Arabic digits
]


def test_a_forged_cursor_is_422(accounts: Any) -> None:
    for cursor in FORGED_CURSORS:
        assert_error(get("/transactions", query=f"cursor={cursor}"), 422, "validation_failed")


def test_another_accounts_transactions_never_appear(accounts: Any) -> None:
    post_ann_through("INV-A3")
    bob_ids = history_ids(BOB, "page_size=10")
    assert bob_ids == ["CR-B1", "INV-B1"]
    ann_ids = history_ids(ANN, "page_size=10")
    assert ann_ids == ANN_NEWEST_FIRST
    for query in ("type=invoice", "type=credit,refund", f"from={days_ago(200)}"):
        assert not set(history_ids(ANN, query)) & set(bob_ids)
        assert not set(history_ids(BOB, query)) & set(ann_ids)


# -- GET /transactions/{id} ------------------------------------------------------------------------------


def test_invoice_details_follow_its_payments(accounts: Any) -> None:
    post_ann_through("INV-A1")
    invoice = details("INV-A1")
    issued = days_ago(100)
    assert invoice == {
        "type": "invoice",
        "type_label": "Invoice",
        "id": "INV-A1",
        "date": issued.isoformat(),
        "value_date": None,
        "description": "Invoice",
        "issue_date": issued.isoformat(),
        "period_start": (issued - timedelta(days=30)).isoformat(),
        "period_end": (issued - timedelta(days=1)).isoformat(),
        "due_date": days_ago(70).isoformat(),
        "province": "ON",
        "lines": [
            {"description": "Hosted seats", "category": "service", "quantity": 4, "amount": "100.00"},
            {"description": "Long distance", "category": "usage", "quantity": 12, "amount": "20.00"},
        ],
        "subtotal": "120.00",
        "taxes": [{"name": "HST 13%", "rate": "0.13", "amount": "15.60"}],
        "total": "135.60",
        "amount_paid": "0.00",
        "balance_due": "135.60",
        "covered_by_pending_credit": "0.00",
        "pending_credit_note": None,
        "status": "open",
        "status_label": "Open",
        "payments_applied": [],
        "call_count": None,
        "invoice_pdf_available": True,
    }

    post_ann_through("PAY-A1")
    partial = details("INV-A1")
    assert (partial["amount_paid"], partial["balance_due"], partial["status"]) == (
        "50.00",
        "85.60",
        "partially_paid",
    )
    assert partial["payments_applied"] == [{"source_id": "PAY-A1", "amount": "50.00"}]

    post_ann_through("PAY-A2")
    paid = details("INV-A1")
    assert (paid["amount_paid"], paid["balance_due"], paid["status"]) == ("135.60", "0.00", "paid")
    assert paid["status_label"] == "Paid"
    assert paid["payments_applied"] == [
        {"source_id": "PAY-A1", "amount": "50.00"},
        {"source_id": "PAY-A2", "amount": "85.60"},
    ]
    assert paid["total"] == invoice["total"] and paid["lines"] == invoice["lines"]
    assert details("INV-A2")["status"] == "partially_paid"


def test_invoice_taxes_follow_the_accounts_province(accounts: Any) -> None:
    invoice = details("INV-B1", BOB)
    assert invoice["province"] == "QC"
    assert invoice["taxes"] == [
        {"name": "GST 5%", "rate": "0.05", "amount": "2.50"},
        {"name": "QST 9.975%", "rate": "0.09975", "amount": "4.99"},
    ]
    assert (invoice["subtotal"], invoice["total"]) == ("50.00", "57.49")
    # Bob's credit went to his open invoice.
    assert invoice["payments_applied"] == [{"source_id": "CR-B1", "amount": "20.00"}]
    assert (invoice["amount_paid"], invoice["status"]) == ("20.00", "partially_paid")


def test_payment_details_name_the_method_and_the_invoices_it_paid(accounts: Any) -> None:
    post_ann_through("PAY-A3")
    assert details("PAY-A2") == {
        "type": "payment",
        "type_label": "Payment",
        "id": "PAY-A2",
        "date": days_ago(60).isoformat(),
        "value_date": None,
        "description": "Bank Upload",
        "amount": "150.00",
        "method": "bank_upload",
        "method_label": "Bank Upload",
        "status": "approved",
        "status_label": "Approved",
        "reference": "ref-pay-a2",
        "card_brand": None,
        "card_last4": None,
        "card_label": None,
        "invoices_paid": [
            {"invoice_id": "INV-A1", "amount": "85.60"},
            {"invoice_id": "INV-A2", "amount": "64.40"},
        ],
    }
    card = details("PAY-A3")
    assert (card["description"], card["method"], card["method_label"]) == (
        "Credit Card",
        "credit_card",
        "Credit Card",
    )
    # 38.60 settled INV-A2; the remaining 61.40 stays on the account as credit.
    assert card["invoices_paid"] == [{"invoice_id": "INV-A2", "amount": "38.60"}]


def test_credit_refund_and_pending_credit_details(accounts: Any) -> None:
    post_ann_through("RF-A1")
    assert details("CR-A1") == {
        "type": "credit",
        "type_label": "Credit",
        "id": "CR-A1",
        "date": days_ago(50).isoformat(),
        "value_date": None,
        "description": "Credit CR-A1",
        "amount": "10.00",
        "reason": "Service outage",
        "reference": "case-cr-a1",
        "status": "applied",
        "status_label": "Applied",
        "applied_on_invoice": None,
        "invoices_paid": [{"invoice_id": "INV-A2", "amount": "10.00"}],
    }
    assert details("RF-A1") == {
        "type": "refund",
        "type_label": "Refund",
        "id": "RF-A1",
        "date": days_ago(30).isoformat(),
        "value_date": None,
        "description": "Refund RF-A1",
        "amount": "20.00",
        "reason": "Overpayment returned",
        "reference": None,
        "status": "issued",
        "status_label": "Issued",
    }
    pending = details("CR-A2")
    assert (pending["status"], pending["status_label"], pending["amount"], pending["reason"]) == (
        "pending",
        "Pending",
        "5.00",
        "Loyalty promotion",
    )
    assert pending["applied_on_invoice"] is None and pending["invoices_paid"] == []

    post_ann_through("INV-A3")
    applied = details("CR-A2")
    assert (applied["status"], applied["applied_on_invoice"]) == ("applied", "INV-A3")
    invoice = details("INV-A3")
    # The 41.40 of credit left after the refund and the 5.00 pending credit pay part of the new invoice.
    assert invoice["payments_applied"] == [{"source_id": "account_credit", "amount": "46.40"}]
    assert (invoice["amount_paid"], invoice["balance_due"], invoice["status"]) == (
        "46.40",
        "66.60",
        "partially_paid",
    )


def test_an_unknown_malformed_or_other_accounts_id_is_the_same_404(accounts: Any) -> None:
    post_ann_through("PAY-A1")
    unknown = get("/transactions/INV-NOPE")
    others = get("/transactions/INV-B1")  # Bob's real invoice
    assert_error(unknown, 404, "not_found")
    assert_error(others, 404, "not_found")
    assert others.body == {k: v.replace("INV-NOPE", "INV-B1") for k, v in unknown.body.items()}
    assert get("/transactions/PAY-A1", BOB).body == {
        k: v.replace("INV-NOPE", "PAY-A1") for k, v in unknown.body.items()
    }
    for malformed in (
        "inv-a1",
        "INV-A1 ",
        "12345",
        "INV-",
        "TXN#2026-01-01#00000000",
        "ACCOUNT",
        "x" * 5000,
        "%2e%2e",
    ):
        reply = get(f"/transactions/{malformed}")
        assert_error(reply, 404, "not_found")
        assert set(reply.body) == set(unknown.body)


# -- GET /me ---------------------------------------------------------------------------------------------


def test_me_is_the_signed_in_users_record(accounts: dict[str, str]) -> None:
    ann = PortalUser(
        ANN.account_id,
        "ann@example.com",
        "Ann",
        "Lévesque",
        "America/Toronto",
        True,
        "2026-01-02T03:04:05+00:00",
    )
    bob = PortalUser(
        BOB.account_id,
        "bob@example.com",
        "Bob",
        "Tremblay",
        "America/Montreal",
        False,
        "2026-01-03T00:00:00+00:00",
    )
    records = DynamoUserRecords(accounts["PortalTable"])
    for user in (ann, bob):
        records.release(user)  # the fixture's stand-in user, made again with the profile read here
        records.claim(user)

    assert ok(get("/me")) == {
        "account_id": ANN.account_id,
        "username": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Lévesque",
        "time_zone": "America/Toronto",
        "notifications_enabled": True,
        "created_at": "2026-01-02T03:04:05+00:00",
        "language": "en",
    }
    assert ok(get("/me", Caller(ANN.account_id, "Ann@Example.COM")))["username"] == "ann@example.com"
    assert ok(get("/me", BOB))["first_name"] == "Bob"
    # Bob's username with Ann's account is nobody: no user of the account, so not signed in.
    assert_error(get("/me", Caller(ANN.account_id, "bob@example.com")), 401, "not_signed_in")
    assert_error(get("/me", None), 401, "not_signed_in")
    assert_error(get("/me", Caller(ANN.account_id, "")), 401, "not_signed_in")


# -- POST /auth/login and /auth/refresh -----------------------------------------------------------------

PASSWORD = "Correct-Horse-42-Battery"
TEMPORARY = "Welcome-Temp-2026-x"


@pytest.fixture
def users(aws: dict[str, str]) -> dict[str, str]:
    idp = boto3.client("cognito-idp")
    for username, permanent in (("ann@example.com", True), ("newbie@example.com", False)):
        idp.admin_create_user(
            UserPoolId=aws["UserPool"],
            Username=username,
            TemporaryPassword=TEMPORARY,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:account_id", "Value": ANN.account_id},
            ],
        )
        if permanent:
            idp.admin_set_user_password(
                UserPoolId=aws["UserPool"], Username=username, Password=PASSWORD, Permanent=True
            )
    return aws


def login(body: Any) -> Reply:
    return call("POST", "/auth/login", None, body=body)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_login_gives_tokens_that_name_the_account(users: Any) -> None:
    reply = login({"username": "Ann@Example.com ", "password": PASSWORD})
    assert reply.status == 200, reply.body
    # Never Cognito's access token: with it, Cognito's own user API could be called directly.
    assert set(reply.body) == {"id_token", "refresh_token", "expires_in"}
    assert reply.body["expires_in"] > 0 and reply.body["refresh_token"]
    claims = claims_of(reply.body["id_token"])
    assert claims["custom:account_id"] == ANN.account_id
    assert claims["cognito:username"] == "ann@example.com"


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(users: Any) -> None:
    wrong_password = login({"username": "ann@example.com", "password": "Not-The-Password-99"})
    unknown_user = login({"username": "nobody@example.com", "password": PASSWORD})
    assert_error(wrong_password, 401, "not_signed_in")
    assert wrong_password.body == unknown_user.body


def test_a_first_login_with_the_temporary_password_asks_for_a_new_one(users: Any) -> None:
    reply = login({"username": "newbie@example.com", "password": TEMPORARY})
    assert reply.status == 200, reply.body
    assert reply.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert isinstance(reply.body["session"], str) and reply.body["session"]
    assert not {"id_token", "access_token", "refresh_token"} & {k for k, v in reply.body.items() if v}


def test_refresh_gives_new_tokens_and_garbage_is_401(users: Any) -> None:
    tokens = ok(login({"username": "ann@example.com", "password": PASSWORD}))
    refreshed = call("POST", "/auth/refresh", None, body={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    assert set(refreshed.body) == {"id_token", "refresh_token", "expires_in"}
    assert claims_of(refreshed.body["id_token"])["custom:account_id"] == ANN.account_id
    assert refreshed.body["refresh_token"]

    for garbage in ("garbage", "a.b.c", tokens["id_token"], "é" * 100):
        assert_error(
            call("POST", "/auth/refresh", None, body={"refresh_token": garbage}), 401, "not_signed_in"
        )


@pytest.fixture
def cognito(users: dict[str, str]) -> dict[str, str]:
    """The user pool revoking and timing tokens as Cognito does (moto does neither; see localrun.tokens)."""
    install_in_moto()
    return users


def test_logout_revokes_the_refresh_token(cognito: Any) -> None:
    tokens = ok(login({"username": "ann@example.com", "password": PASSWORD}))
    elsewhere = ok(login({"username": "ann@example.com", "password": PASSWORD}))
    reply = call("POST", "/auth/logout", None, body={"refresh_token": tokens["refresh_token"]})
    assert (reply.status, reply.body) == (204, None)
    refused = call("POST", "/auth/refresh", None, body={"refresh_token": tokens["refresh_token"]})
    assert_error(refused, 401, "not_signed_in")
    # Signing out again, or with what is not a refresh token, answers the same and ends nothing else.
    for token in (tokens["refresh_token"], "made-up", tokens["id_token"]):
        assert call("POST", "/auth/logout", None, body={"refresh_token": token}).status == 204
    assert (
        call("POST", "/auth/refresh", None, body={"refresh_token": elsewhere["refresh_token"]}).status == 200
    )


def test_logout_bodies_are_validated(cognito: Any) -> None:
    for body in (
        {},
        {"refresh_token": ""},
        {"refresh_token": "a b"},
        {"refresh_token": "x", "everywhere": 1},
    ):
        assert_error(call("POST", "/auth/logout", None, body=body), 422, "validation_failed")
    assert_error(call("POST", "/auth/logout", None, body="{"), 400, "bad_request")


def test_tokens_last_what_the_template_says(cognito: Any) -> None:
    client = resources()["UserPoolClient"]["Properties"]
    assert client["TokenValidityUnits"]["IdToken"] == "minutes"
    lifetime = client["IdTokenValidity"] * 60
    tokens = ok(login({"username": "ann@example.com", "password": PASSWORD}))
    claims = claims_of(tokens["id_token"])
    assert claims["exp"] - claims["iat"] == lifetime == tokens["expires_in"] == 15 * 60


def test_auth_bodies_are_validated(users: Any) -> None:
    for body in (
        {"username": "ann@example.com", "password": PASSWORD, "remember_me": True},
        {"username": "ann@example.com"},
        {"username": "", "password": PASSWORD},
        {"username": "ann@example.com", "password": 12345},
    ):
        assert_error(login(body), 422, "validation_failed")
    assert_error(call("POST", "/auth/refresh", None, body={"refresh_token": "x", "username": "ann"}), 422)
    assert_error(call("POST", "/auth/refresh", None, body={}), 422)
    assert_error(login("{"), 400, "bad_request")


# -- nothing a client sends is a 5xx ----------------------------------------------------------------------

HUGE = "A" * 1_000_000
DEEP = "[" * 100_000
ODD = "Zoë 🏢 \u202e\u200b\ufeff 北京 \U0001f600"
NASTY_BODIES: list[str | bytes] = [
    HUGE,
    DEEP,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    '{"time_zone": ' + "1" * 5000 + "}",
    '{"time_zone": NaN}',
    '{"time_zone": "\\ud800"}',
    "null",
    "[]",
    "123",
    '"a string"',
    "true",
    b"\xff\xfe\x00\x01",
    "\x00\x01\x02",
    json.dumps({"time_zone": HUGE}),
    json.dumps({"time_zone": "\x00"}),
    json.dumps({"time_zone": ODD}),
    json.dumps({"time_zone": ["America/Toronto"]}),
    json.dumps({"time_zone": 5}),
    json.dumps({"time_zone": True}),
    json.dumps({"time_zone": {"name": "America/Toronto"}}),
    json.dumps({"billing_contacts": "ann@example.com"}),
    json.dumps({"billing_contacts": [1, 2]}),
    json.dumps({"billing_contacts": [{"email": "ann@example.com"}]}),
    json.dumps({"billing_contacts": ["a@b.ca"] * 10_000}),
    json.dumps({"billing_contacts": ["\x00@example.com", ODD + "@example.com"]}),
    json.dumps({"billing_contacts": ["x" * 64 + "@" + "e" * 300 + ".com"]}),
    json.dumps({"billing_address": []}),
    json.dumps({"billing_address": "1 Main St"}),
    json.dumps({"billing_address": {"line1": HUGE, "city": "X", "province": "ON", "postal_code": "M5V 3L9"}}),
    json.dumps(
        {"billing_address": {"line1": "a\x00b", "city": "X", "province": "ON", "postal_code": "M5V 3L9"}}
    ),
    json.dumps({"billing_address": {"line1": "1", "city": "X", "province": 13, "postal_code": 12345}}),
    json.dumps({"billing_address": {"line1": "1", "city": "X", "province": "ÖN", "postal_code": "M5V 3L9"}}),
    json.dumps(
        {"billing_address": {"line1": "1", "city": "X", "province": "ON", "postal_code": "M5V\x003L9"}}
    ),
    json.dumps(
        {
            "billing_address": {
                "line1": "1",
                "city": "X",
                "province": "ON",
                "postal_code": "\uff2d5\uff36 3\uff2c9",
            }
        }
    ),
    json.dumps({"__proto__": {"admin": True}}),
    json.dumps({"account_id": BOB.account_id, "time_zone": "America/Regina"}),
    json.dumps({ODD: 1}),
]


def assert_client_error(reply: Reply, what: Any) -> None:
    assert 400 <= reply.status < 500, (reply.status, reply.body, str(what)[:200])
    assert_error(reply, reply.status)


def test_nasty_profile_bodies_are_4xx(accounts: Any) -> None:
    before = profile()
    failures = []
    for body in NASTY_BODIES:
        reply = patch(body)
        if not 400 <= reply.status < 500:
            failures.append((str(body)[:60], reply.status))
        else:
            assert_client_error(reply, body)
    assert failures == []
    assert profile() == before


def test_nasty_auth_bodies_are_4xx(users: Any) -> None:
    failures = []
    for path in ("/auth/login", "/auth/refresh"):
        for body in [
            *NASTY_BODIES,
            json.dumps({"username": HUGE, "password": HUGE}),
            json.dumps({"username": ODD, "password": ODD}),
            json.dumps({"username": "ann@example.com\x00", "password": PASSWORD}),
            json.dumps({"username": ["ann@example.com"], "password": PASSWORD}),
            json.dumps({"username": "ann@example.com", "password": None}),
            json.dumps({"refresh_token": HUGE}),
            json.dumps({"refresh_token": ODD}),
            json.dumps({"refresh_token": 12345}),
            json.dumps({"refresh_token": {"token": "x"}}),
        ]:
            reply = call("POST", path, None, body=body)
            if not 400 <= reply.status < 500:
                failures.append((path, str(body)[:60], reply.status))
    assert failures == []


def test_nasty_history_queries_are_4xx(accounts: Any) -> None:
    failures = []
    for query in (
        "page_size=1e2",
        "page_size=99999999999999999999999999",
        "page_size=" + "9" * 5000,
        "page_size=%00",
        "type=invoice%00",
        "type=INVOICE",
        "type=" + "x" * 100_000,
        "from=0000-01-01",
        "from=99999-01-01",
        "from=2026-1-1",
        "from=2026-01-01T10:00:00",
        "from=%27%3B%20DROP%20TABLE",
        "to=" + "9" * 5000,
        "cursor=" + "x" * 100_000,
        "cursor=%FF%FE",
        "cursor=" + _encoded(b"[" * 140),
        "cursor=" + _encoded(json.dumps({"k": ODD}).encode()),
        "page_size=10&page_size=50",
        "from=" + ODD,
        ODD + "=1",
    ):
        reply = get("/transactions", query=query)
        if not 400 <= reply.status < 500:
            failures.append((query[:60], reply.status))
        else:
            assert_client_error(reply, query)
    assert failures == []


def test_nothing_sent_to_the_read_only_routes_breaks_them(accounts: Any) -> None:
    for path in ("/account", "/me"):
        for query, body in (("x=" + "A" * 100_000, None), (ODD + "=" + ODD, None), ("", DEEP), ("", HUGE)):
            reply = call("GET", path, ANN, query=query, body=body)
            assert reply.status in (200, 404), (path, query[:20], str(body)[:20], reply.status)


def test_nasty_transaction_ids_are_404(accounts: Any) -> None:
    for transaction_id in (
        "INV-" + "9" * 5000,
        "INV-A1\x00",
        "INV-\uff211",
        ODD,
        "PAY-A1\n",
        "%00",
        "'; --",
        "..",
        "INV-1" * 1000,
    ):
        assert_error(get(f"/transactions/{transaction_id}"), 404, "not_found")
