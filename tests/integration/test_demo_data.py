"""The local stack's demo data, loaded into moto the way `make run` loads it, checked the way a person
trying the demo would notice: two businesses, 30 months of invoices whose usage lines are the billed calls,
the payment kinds, a credit, a refund and a pending credit, users who can sign in, and the same data for
the same day, loaded once however many times `load` runs."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from billed_calls import read_billed_calls
from botocore.exceptions import ClientError
from builders import noon

from billing_portal.exports import cdr
from billing_portal.i18n.words import words_in
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.model import HISTORICAL_CARD_CUTOFF
from billing_portal.ledger.reading import AccountReader, HistoryQuery
from billing_portal.ledger.retention import months_before
from billing_portal.shared import aws as aws_clients
from billing_portal.shared.errors import NotFound
from billing_portal.shared.money import parse_amount
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import demo, resources

from .support import Caller, call

ENGLISH = words_in("en")  # the words of a reader of English

# A 1st of the month: the newest invoice is issued on the day the demo is loaded, the tightest case for
# posting everything in date order. Card payments before 2025-07-01 are within its 24 months.
TODAY = date(2026, 3, 1)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
LINE = re.compile(r"^(\+1\d{10}|ext\. \d{3})$")


@contextmanager
def moto_world() -> Iterator[dict[str, str]]:
    """A fresh moto with the template's resources and the functions' environment, like the `aws` fixture
    (which is per test; the demo is loaded once for the whole module)."""
    from moto import mock_aws

    aws_clients.reset()
    saved = dict(os.environ)
    with mock_aws():
        physical = resources.create_all()
        for environment in resources.function_environments(physical).values():
            os.environ.update(environment)
        _reset_function_settings()
        try:
            yield physical
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _reset_function_settings()
            aws_clients.reset()


def _reset_function_settings() -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("functions_") and hasattr(module, "settings"):
            module.settings.cache_clear()


def cdr_objects(physical: dict[str, str]) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=physical["CdrBucket"]).get("Contents", [])]
    return {key: s3.get_object(Bucket=physical["CdrBucket"], Key=key)["Body"].read() for key in keys}


def table_items(physical: dict[str, str]) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": physical["PortalTable"]}
    while True:
        page = dynamodb.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def cognito_users(physical: dict[str, str]) -> list[tuple[str, str]]:
    found = boto3.client("cognito-idp").list_users(UserPoolId=physical["UserPool"])["Users"]
    return sorted((u["Username"], u["UserStatus"]) for u in found)


@dataclass(frozen=True)
class World:
    physical: dict[str, str]
    summary: demo.DemoSummary
    first_summary: demo.DemoSummary  # the same day's load into another, earlier moto
    first_cdr_objects: dict[str, bytes]
    first_table_items: list[dict[str, Any]]

    @property
    def store(self) -> DynamoLedgerStore:
        return DynamoLedgerStore(self.physical["PortalTable"])

    @property
    def reader(self) -> AccountReader:
        return AccountReader(
            self.store, users=DynamoUserRecords(self.physical["PortalTable"]), clock=noon(TODAY)
        )

    def invoices(self, account: demo.DemoAccount) -> list[dict[str, Any]]:
        found = [self.store.get_document(account.account_id, i) for i in account.invoice_ids]
        assert all(found)
        return [doc for doc in found if doc]

    def calls(self, account_id: str, invoice_id: str) -> list[cdr.BilledCall]:
        body = boto3.client("s3").get_object(
            Bucket=self.physical["CdrBucket"], Key=cdr.object_key(account_id, invoice_id)
        )["Body"]
        return read_billed_calls(io.BytesIO(body.read()))

    def history(self, account_id: str, types: str) -> list[Any]:
        query = HistoryQuery.model_validate({"type": types, "page_size": 100})
        page = self.reader.history(account_id, query, ENGLISH)
        assert page.next_cursor is None
        return page.items


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with moto_world() as physical:
        first_summary = demo.load(physical, TODAY)
        first_objects, first_items = cdr_objects(physical), table_items(physical)
    with moto_world() as physical:
        yield World(physical, demo.load(physical, TODAY), first_summary, first_objects, first_items)


def _local_time(start_utc: str, zone: str) -> datetime:
    return datetime.strptime(start_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


# -- the two businesses --------------------------------------------------------------------------------------


def test_two_canadian_businesses_each_with_its_own_billing_profile(world: World) -> None:
    demo_account = world.reader.dashboard(world.summary.demo.account_id, ENGLISH)
    other_account = world.reader.dashboard(world.summary.other.account_id, ENGLISH)

    assert demo_account.account_id != other_account.account_id
    assert demo_account.account_number != other_account.account_number
    assert (demo_account.billing_address.city, demo_account.billing_address.province) == ("Toronto", "ON")
    assert (other_account.billing_address.city, other_account.billing_address.province) == ("Montréal", "QC")
    assert demo_account.time_zone == "America/Toronto"
    assert other_account.time_zone == "America/Montreal"
    for account in (demo_account, other_account):
        assert re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d", account.billing_address.postal_code)
        assert account.billing_contacts
    toronto_taxes = world.invoices(world.summary.demo)[-1]["taxes"]
    montreal_taxes = world.invoices(world.summary.other)[-1]["taxes"]
    assert [t["name"] for t in toronto_taxes] == ["HST 13%"]
    assert [t["name"] for t in montreal_taxes] == ["GST 5%", "QST 9.975%"]


def test_each_account_has_thirty_monthly_invoices_reaching_past_the_24_month_window(world: World) -> None:
    for account in world.summary.accounts:
        invoices = world.invoices(account)
        issued = [date.fromisoformat(doc["issue_date"]) for doc in invoices]

        assert len(invoices) == demo.MONTHS == 30
        assert issued[-1] == TODAY.replace(day=1)
        for earlier, later in itertools.pairwise(issued):
            assert later == (earlier + timedelta(days=31)).replace(day=1)
        for doc, issue in zip(invoices, issued, strict=True):
            period_end = date.fromisoformat(doc["period_end"])
            assert period_end == issue - timedelta(days=1)
            assert date.fromisoformat(doc["period_start"]) == period_end.replace(day=1)
            assert date.fromisoformat(doc["due_date"]) == issue + timedelta(days=30)
            taxes = sum(t["amount_cents"] for t in doc["taxes"])
            assert doc["total_cents"] == doc["subtotal_cents"] + taxes

        window_start = months_before(TODAY, 24)
        assert issued[0] < window_start  # some are past 24 months...
        assert any(months_before(TODAY, 24) <= d < months_before(TODAY, 6) for d in issued)  # ...some past 6
        shown = [item.id for item in world.history(account.account_id, "invoice")]
        recent = [i for i, d in zip(account.invoice_ids, issued, strict=True) if d >= window_start]
        assert sorted(shown) == sorted(recent)


def test_every_invoice_is_paid_but_the_newest_one_which_is_due(world: World) -> None:
    for account in world.summary.accounts:
        *older, newest = world.invoices(account)
        assert {doc["status"] for doc in older} == {"paid"}
        assert newest["status"] == "open"
        dashboard = world.reader.dashboard(account.account_id, ENGLISH)
        assert dashboard.current_balance.due_date == date.fromisoformat(newest["due_date"])


def test_each_invoice_usage_lines_are_its_billed_calls_charges_to_the_cent(world: World) -> None:
    profiles = {profile.account_id: profile for profile in demo.PROFILES}
    for account in world.summary.accounts:
        zone = profiles[account.account_id].time_zone
        for doc in world.invoices(account):
            calls = world.calls(account.account_id, doc["id"])
            charges: dict[str, int] = defaultdict(int)
            minutes: dict[str, int] = defaultdict(int)
            for billed in calls:
                billed_minutes = -(-billed.duration_seconds // 60)
                rate = Decimal(billed.rate_per_minute)
                assert re.fullmatch(r"\d+\.\d{4}", billed.rate_per_minute), billed
                expected = (billed_minutes * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                assert billed.charge_cents == int(expected), billed
                charges[billed.category] += billed.charge_cents
                minutes[billed.category] += billed_minutes

            usage = {line["description"]: line for line in doc["lines"] if line["category"] == "usage"}
            assert {name: line["amount_cents"] for name, line in usage.items()} == dict(charges)
            assert {name: line["quantity"] for name, line in usage.items()} == dict(minutes)
            assert doc["cdr_file"]["call_count"] == len(calls)
            assert parse_amount(doc["cdr_file"]["usage_total"]) == sum(charges.values())
            assert cdr.object_key(account.account_id, doc["id"]) == doc["cdr_file"]["object_key"]
            period = (date.fromisoformat(doc["period_start"]), date.fromisoformat(doc["period_end"]))
            assert all(period[0] <= _local_time(c.start_utc, zone).date() <= period[1] for c in calls)


def test_billed_calls_look_like_a_business_phone_system(world: World) -> None:
    account = world.summary.demo
    calls = world.calls(account.account_id, world.summary.big_invoice_id)
    local = [_local_time(c.start_utc, "America/Toronto") for c in calls]

    for billed in calls:
        assert E164.match(billed.calling_number) and E164.match(billed.called_number), billed
        assert LINE.match(billed.line), billed
        assert billed.direction in ("inbound", "outbound")
        assert billed.start_utc.endswith("Z")
        if billed.direction == "inbound":  # on the number that was called
            assert billed.line == billed.called_number, billed
        else:  # from an extension, showing the main number
            assert billed.line.startswith("ext. ") and billed.calling_number == "+14165550100", billed
    assert sum(8 <= t.hour < 18 for t in local) > 0.8 * len(calls)  # mostly business hours
    assert sum(t.weekday() < 5 for t in local) > 0.9 * len(calls)  # mostly weekdays
    directions = Counter(c.direction for c in calls)
    assert directions["inbound"] > 0.2 * len(calls) and directions["outbound"] > 0.2 * len(calls)
    categories = Counter(c.category for c in calls)
    assert set(categories) == set(demo.USAGE_CATEGORIES)
    assert {c.destination for c in calls if c.category == demo.INTERNATIONAL} >= {"France", "United Kingdom"}
    durations = sorted(c.duration_seconds for c in calls)
    assert 30 <= durations[len(durations) // 2] <= 300  # a median call of a few minutes
    assert durations[-1] > 20 * 60  # and a few long ones
    assert sorted(c.start_utc for c in calls) == [c.start_utc for c in calls]  # oldest first
    assert len({c.call_id for c in calls}) == len(calls)


def test_a_recent_invoice_of_the_demo_account_has_more_than_5000_calls(world: World) -> None:
    summary = world.summary
    assert summary.big_invoice_id in summary.demo.invoice_ids
    details = world.reader.details(summary.demo.account_id, summary.big_invoice_id, ENGLISH).root
    assert details.type == "invoice"
    assert details.issue_date >= months_before(TODAY, 3)
    assert details.call_count is not None and details.call_count >= 5_000
    assert len(world.calls(summary.demo.account_id, summary.big_invoice_id)) == details.call_count
    others = [doc["cdr_file"]["call_count"] for doc in world.invoices(summary.demo)]
    assert sorted(others)[-2] < 1_000  # the rest are small


# -- payments, credits, refunds --------------------------------------------------------------------------


def test_payments_show_how_they_were_paid(world: World) -> None:
    account_id = world.summary.demo.account_id
    payments = world.history(account_id, "payment")
    descriptions = Counter(item.description for item in payments)

    assert descriptions["Historical Credit Card"] and descriptions["Credit Card"]
    assert descriptions["Bank Upload"]
    for item in payments:
        payment = world.store.get_document(account_id, item.id)
        assert payment is not None
        if payment["method"] == "bank_upload":
            assert item.description == "Bank Upload"
        elif item.date < HISTORICAL_CARD_CUTOFF:
            assert item.description == "Historical Credit Card"
        else:
            assert item.description == "Credit Card"
            assert payment["card_last4"] and payment["card_brand"]
    partly_paid = [
        doc for doc in world.invoices(world.summary.demo) if doc["applied"] and len(doc["applied"]) > 1
    ]
    assert partly_paid, "a partial payment leaves an invoice paid in two parts"


def test_a_credit_and_a_refund_of_an_overpayment(world: World) -> None:
    account_id = world.summary.demo.account_id
    credits = world.history(account_id, "credit")
    refunds = world.history(account_id, "refund")
    assert [c.id for c in credits] == list(world.summary.demo.credit_ids)
    assert [r.id for r in refunds] == list(world.summary.demo.refund_ids)
    credit = world.reader.details(account_id, credits[0].id, ENGLISH).root
    assert credit.type == "credit" and credit.status == "applied" and credit.reason

    everything = world.history(account_id, "invoice,payment,credit,refund")
    for refund in refunds:
        before = everything[[item.id for item in everything].index(refund.id) + 1]
        refunded = parse_amount(refund.debit or "0")
        assert before.type == "payment"  # an overpayment...
        assert parse_amount(before.balance) <= -refunded  # ...left at least this much credit
        assert parse_amount(refund.balance) == parse_amount(before.balance) + refunded


def test_a_credit_pending_on_the_next_invoice_counts_in_the_current_balance_only(world: World) -> None:
    account = world.summary.demo
    (pending_id,) = account.pending_credit_ids
    pending = world.reader.details(account.account_id, pending_id, ENGLISH).root
    assert pending.type == "credit" and pending.status == "pending"
    everything = world.history(account.account_id, "invoice,payment,credit,refund")
    assert pending_id not in [item.id for item in everything]

    ledger_balance = parse_amount(everything[0].balance)
    dashboard = world.reader.dashboard(account.account_id, ENGLISH)
    assert parse_amount(dashboard.current_balance.amount) == ledger_balance - parse_amount(pending.amount)
    assert ledger_balance > parse_amount(pending.amount) > 0


def test_the_other_account_has_a_simpler_history_of_its_own(world: World) -> None:
    demo_account, other = world.summary.demo, world.summary.other
    other_history = world.history(other.account_id, "invoice,payment,credit,refund")
    own_ids = {*other.invoice_ids, *other.payment_ids, *other.credit_ids, *other.refund_ids}
    assert {item.id for item in other_history} <= own_ids
    assert {item.type for item in other_history} >= {"invoice", "payment", "credit"}
    assert not other.pending_credit_ids
    with pytest.raises(NotFound):
        world.reader.details(other.account_id, demo_account.invoice_ids[-1], ENGLISH)

    caller = Caller(other.account_id, other.usernames[0])
    assert call("GET", f"/transactions/{demo_account.invoice_ids[-1]}", caller).status == 404
    assert call("GET", f"/transactions/{other.invoice_ids[-1]}", caller).status == 200
    dashboard = call("GET", "/account", caller)
    assert dashboard.status == 200 and dashboard.body["name"] == "Atelier Lumière Saint-Denis inc."


# -- users ---------------------------------------------------------------------------------------------------


def _id_token_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_every_demo_user_signs_in_with_the_demo_password(world: World) -> None:
    idp = boto3.client("cognito-idp")
    client_id = world.physical["UserPoolClient"]
    for account in world.summary.accounts:
        for username in account.usernames:
            answer = idp.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": world.summary.password},
            )
            claims = _id_token_claims(answer["AuthenticationResult"]["IdToken"])
            assert claims["custom:account_id"] == account.account_id
            assert claims["email"] == username
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "demo@example.com", "PASSWORD": "Portal-Demo-2026-Wrong"},
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert world.summary.demo.usernames[0] == "demo@example.com"
    assert world.summary.other.usernames == ("other@example.com", "lea.bouchard@example.com")


def test_each_demo_account_has_two_portal_users_the_first_one_on_top(world: World) -> None:
    records = DynamoUserRecords(world.physical["PortalTable"])
    demo_users = sorted(records.list_users(world.summary.demo.account_id), key=lambda u: u.created_at)
    other_users = sorted(records.list_users(world.summary.other.account_id), key=lambda u: u.created_at)

    assert [u.username for u in demo_users] == ["demo@example.com", "marc.okafor@example.com"]
    assert [u.username for u in other_users] == ["other@example.com", "lea.bouchard@example.com"]
    assert [u.notifications_enabled for u in demo_users] == [True, False]
    # The Québec account reads French by default; other@example.com reads English (the README's examples).
    assert [u.language for u in (*demo_users, *other_users)] == ["en", "en", "en", "fr"]
    for user in (*demo_users, *other_users):
        assert user.first_name and user.last_name
        assert datetime.fromisoformat(user.created_at).date() < TODAY
        claim = records.claim_of(user.username)
        assert claim is not None and claim.account_id == user.account_id and not claim.deleted
    me = world.reader.me(world.summary.demo.account_id, "demo@example.com")
    assert (me.first_name, me.time_zone) == ("Priya", "America/Toronto")


# -- the same data, once ---------------------------------------------------------------------------------


def test_the_same_day_gives_byte_identical_data(world: World) -> None:
    objects = cdr_objects(world.physical)
    big_key = cdr.object_key(world.summary.demo.account_id, world.summary.big_invoice_id)

    assert objects[big_key] == world.first_cdr_objects[big_key]
    assert objects == world.first_cdr_objects
    assert table_items(world.physical) == world.first_table_items
    assert world.summary == world.first_summary


def test_loading_again_changes_nothing(world: World) -> None:
    before = (cdr_objects(world.physical), table_items(world.physical), cognito_users(world.physical))

    again = demo.load(world.physical, TODAY)

    assert again.posted == 0
    assert (cdr_objects(world.physical), table_items(world.physical), cognito_users(world.physical)) == before
    assert again == replace(world.summary, posted=0)


def test_a_refused_transaction_still_leaves_nothing_behind(world: World) -> None:
    """The demo load makes moto save only what a transaction touches (localrun/demo_moto.py); a refused
    transaction must still leave the table and its stream as they were."""
    dynamodb = boto3.client("dynamodb")
    table = "demo-moto-transactions"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )

    def key(sk: str) -> dict[str, Any]:
        return {"PK": {"S": "P"}, "SK": {"S": sk}}

    def stream_records() -> int:
        # moto's DynamoDB Streams API is not implemented for this region; its records are read in-process.
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["ca-central-1"].tables[table].stream_shard
        assert shard is not None
        return len(shard.items)

    dynamodb.put_item(TableName=table, Item={**key("A"), "v": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={**key("X"), "v": {"N": "1"}})
    before = (dynamodb.scan(TableName=table)["Items"], stream_records())

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**key("B"), "v": {"N": "1"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": key("A"),
                        "UpdateExpression": "SET v = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {
                    "Delete": {
                        "TableName": table,
                        "Key": key("X"),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {"Put": {"TableName": table, "Item": {**key("C"), "v": {"N": "1"}}}},
            ]
        )
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert (dynamodb.scan(TableName=table)["Items"], stream_records()) == before

    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("B"), "v": {"N": "1"}}}},
            {"Delete": {"TableName": table, "Key": key("X")}},
        ]
    )
    assert sorted(item["SK"]["S"] for item in dynamodb.scan(TableName=table)["Items"]) == ["A", "B"]
    assert stream_records() == before[1] + 2


def test_the_summary_says_what_was_loaded(world: World) -> None:
    summary = world.summary
    stored: dict[str, set[str]] = defaultdict(set)
    for item in world.first_table_items:
        if item["SK"]["S"].startswith("DOC#"):
            stored[item["PK"]["S"].removeprefix("ACCOUNT#")].add(item["SK"]["S"].removeprefix("DOC#"))

    assert (summary.today, summary.password) == (TODAY, "Portal-Demo-2026-Pass")
    for account in summary.accounts:
        listed = (account.invoice_ids, account.payment_ids, account.credit_ids, account.refund_ids)
        assert stored[account.account_id] == {*itertools.chain(*listed), *account.pending_credit_ids}
        assert account.call_count == sum(doc["cdr_file"]["call_count"] for doc in world.invoices(account))
    assert summary.posted == sum(len(ids) + 1 for ids in stored.values())  # each account and its documents
    text = "\n".join(summary.describe())
    assert "demo@example.com" in text and "other@example.com" in text and summary.big_invoice_id in text
