"""AWS calls per request: each API function's handler called under moto in-process on a small account, with
every AWS API call its clients make counted (a botocore `before-call` hook, once per call, not per retry).

Every signed-in route also reads the caller's user record (is the user still one of the account's, and is the
token's sign-in recent enough?): one GetItem by the HTTP edge, counted beside the route's own budget, except
on the dashboard, which reads that record with the account in its one request."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.report import ERROR, INFO, Report
from localrun import template

REGION = "ca-central-1"
ACCOUNT_ID = "acct-bench"
USERNAME = "bench@example.com"
PASSWORD = "Bench-Portal-2026-Pass"  # noqa: S105 - a user of the in-process moto pool only  # nosec B105

DYNAMODB_READS = frozenset(
    {"dynamodb.GetItem", "dynamodb.Query", "dynamodb.BatchGetItem", "dynamodb.TransactGetItems"}
)


SESSION_READ = "dynamodb.GetItem"  # the edge's read of the caller's user record


@dataclass(frozen=True)
class Budget:
    text: str
    allowed: frozenset[str]  # "<service>.<Operation>" as botocore names them
    at_most: int
    with_session_read: bool = False  # and, besides, the edge's one read of the caller's user record

    def holds(self, calls: Counter[str]) -> bool:
        own = Counter(calls)
        if self.with_session_read:
            if own[SESSION_READ] < 1:
                return False
            own[SESSION_READ] -= 1
            own = +own  # without the operations counted down to nothing
        return set(own) <= self.allowed and sum(own.values()) <= self.at_most

    def signed_in(self) -> Budget:
        return Budget(f"{self.text} + 1 user record", self.allowed, self.at_most, with_session_read=True)


ONE_READ = Budget("1 DynamoDB read", DYNAMODB_READS, 1)
ONE_QUERY = Budget("1 Query", frozenset({"dynamodb.Query"}), 1)
TWO_QUERIES = Budget("2 Queries", frozenset({"dynamodb.Query"}), 2)
AT_MOST_TWO_READS = Budget("<= 2 DynamoDB reads", DYNAMODB_READS, 2)


class CallCounter:
    """A botocore event handler: registered on the default boto3 session before any client exists, every
    client created from it (billing_portal.shared.aws's cached ones included) carries a copy."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, event_name: str, **details: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        self.calls[f"{service}.{operation}"] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.calls = Counter()
        yield self.calls


@dataclass(frozen=True)
class Probe:
    label: str
    method: str
    route: str  # the template's path, e.g. /transactions/{id}
    path_parameters: dict[str, str] | None = None
    query: str = ""
    body: dict[str, Any] | None = None
    budget: Budget | None = None
    informational: bool = False  # printed, not counted as a target

    @property
    def path(self) -> str:
        path = self.route
        for name, value in (self.path_parameters or {}).items():
            path = path.replace("{" + name + "}", value)
        return path


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    calls: Counter[str]


class Bench:
    """moto in-process with the template's resources, the account's data posted through the ingest
    function, and the API functions' handlers called as API Gateway would."""

    def __init__(self, counter: CallCounter, environments: dict[str, dict[str, str]]) -> None:
        self.counter = counter
        self.environments = environments
        self.routes = {(r.method, r.path): r for r in template.routes()}
        self.probed: set[tuple[str, str]] = set()

    def call(self, probe: Probe, claims: dict[str, str] | None) -> Outcome:
        from localrun import functions

        route = self.routes.get((probe.method, probe.route))
        if route is None:
            raise LookupError(f"{probe.method} {probe.route} is not a route of infra/template.yaml")
        self.probed.add((probe.method, probe.route))
        body = json.dumps(probe.body) if probe.body is not None else None
        event = functions_event(probe, route.public, claims, body)
        context = functions.LambdaContext(route.function, str(uuid.uuid4()))
        handler = functions.handler(route.function)
        with self.counter.counting() as calls:
            response = handler(event, context)
        parsed = json.loads(response["body"]) if response.get("body") else {}
        return Outcome(int(response["statusCode"]), parsed, calls)

    def ingest(self, document: dict[str, Any]) -> None:
        from localrun import functions

        result = functions.handler("IngestFunction")(document, functions.LambdaContext("ingest", "seed"))
        if result.get("status") not in ("created", "posted"):
            raise RuntimeError(f"ingest refused the bench's {document['kind']}: {result}")


def functions_event(
    probe: Probe, public: bool, claims: dict[str, str] | None, body: str | None
) -> dict[str, Any]:
    from localrun.events import api_event

    headers = {"Content-Type": "application/json"} if body is not None else None
    return api_event(
        probe.method,
        probe.route,
        probe.path,
        path_parameters=probe.path_parameters,
        query=probe.query,
        headers=headers,
        body=body,
        claims=None if public else claims,
    )


def _seed_documents(today: date) -> list[dict[str, Any]]:
    """Six monthly invoices (no CDR file) each partly paid, a credit, an overpayment and a refund of part
    of it: fifteen transactions, so the history has a second page."""
    documents: list[dict[str, Any]] = [
        {
            "kind": "account",
            "account_id": ACCOUNT_ID,
            "account_number": "100200300",
            "name": "Bench Telecom Inc.",
            "billing_address": {
                "line1": "1 rue Principale",
                "city": "Montréal",
                "province": "QC",
                "postal_code": "H2X 1Y4",
            },
            "time_zone": "America/Toronto",
            "billing_contacts": [USERNAME],
        }
    ]
    for months_ago in range(6, 0, -1):
        issued = today - timedelta(days=30 * months_ago)
        documents.append(
            {
                "kind": "invoice",
                "account_id": ACCOUNT_ID,
                "invoice_id": f"INV-{months_ago:04d}",
                "issue_date": issued.isoformat(),
                "period_start": (issued - timedelta(days=30)).isoformat(),
                "period_end": (issued - timedelta(days=1)).isoformat(),
                "due_date": (issued + timedelta(days=30)).isoformat(),
                "lines": [
                    {"description": "Hosted seats", "category": "service", "quantity": 5, "amount": "100.00"},
                    {"description": "Long distance", "category": "usage", "quantity": 1, "amount": "12.34"},
                ],
            }
        )
        documents.append(
            {
                "kind": "payment",
                "account_id": ACCOUNT_ID,
                "payment_id": f"PAY-{months_ago:04d}",
                "date": (issued + timedelta(days=5)).isoformat(),
                "amount": "50.00",
                "method": "credit_card",
                "reference": f"ch_{months_ago}",
                "card_brand": "visa",
                "card_last4": "4242",
            }
        )
    recent: list[tuple[int, dict[str, Any]]] = [
        (10, {"kind": "credit", "credit_id": "CR-0001", "amount": "10.00", "reason": "Service outage"}),
        (
            5,
            {
                "kind": "payment",
                "payment_id": "PAY-9999",
                "amount": "2000.00",
                "method": "credit_card",
                "reference": "ch_over",
            },
        ),
        (2, {"kind": "refund", "refund_id": "RF-0001", "amount": "20.00", "reason": "Overpayment"}),
    ]
    for days_ago, document in recent:
        day = (today - timedelta(days=days_ago)).isoformat()
        documents.append({**document, "account_id": ACCOUNT_ID, "date": day})
    return documents


def _seed(bench: Bench, physical: dict[str, str]) -> None:
    import boto3

    from billing_portal.ledger.ports import PortalUser
    from billing_portal.users.dynamo import DynamoUserRecords

    for document in _seed_documents(date.today()):
        bench.ingest(document)
    table = bench.environments[bench.routes[("GET", "/me")].function]["TABLE_NAME"]
    DynamoUserRecords(table).claim(
        PortalUser(ACCOUNT_ID, USERNAME, "Bench", "User", "America/Toronto", True, "2026-01-01T00:00:00Z")
    )
    pool = next(
        physical[logical_id]
        for logical_id, resource in template.resources().items()
        if resource["Type"] == "AWS::Cognito::UserPool"
    )
    idp = boto3.client("cognito-idp", region_name=REGION)
    idp.admin_create_user(
        UserPoolId=pool,
        Username=USERNAME,
        UserAttributes=[
            {"Name": "email", "Value": USERNAME},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:account_id", "Value": ACCOUNT_ID},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool, Username=USERNAME, Password=PASSWORD, Permanent=True)


def _shown_query(query: str) -> str:
    """The query string as printed: a cursor is long and says nothing to the reader."""
    return "?" + re.sub(r"cursor=[^&]+", "cursor=<next_cursor>", query) if query else ""


def _calls_text(calls: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in sorted(calls.items())) or "(none)"


def _measure(bench: Bench, report: Report) -> None:
    claims = {"custom:account_id": ACCOUNT_ID, "cognito:username": USERNAME}
    rows: list[list[str]] = []

    def measure(probe: Probe) -> Outcome:
        outcome = bench.call(probe, claims)
        total = sum(outcome.calls.values())
        name = f"calls {probe.label}"
        target = probe.budget.text if probe.budget else "-"
        if not 200 <= outcome.status_code < 300:
            status = ERROR if probe.informational else report.error(name)
        elif probe.budget is None or probe.informational:
            status = INFO
            target = f"{target} (info)" if probe.budget else target
        else:
            status = report.target(name, probe.budget.holds(outcome.calls))
        rows.append(
            [
                probe.label,
                f"{probe.method} {probe.path}{_shown_query(probe.query)}",
                str(outcome.status_code),
                _calls_text(outcome.calls),
                str(total),
                target,
                status,
            ]
        )
        return outcome

    # One BatchGetItem: the account and the caller's user record together.
    measure(Probe("dashboard", "GET", "/account", budget=ONE_READ))
    first = measure(Probe("history page", "GET", "/transactions", budget=ONE_QUERY.signed_in()))
    cursor = first.body.get("next_cursor")
    if isinstance(cursor, str):
        measure(
            Probe(
                "history next page",
                "GET",
                "/transactions",
                query=f"cursor={cursor}",
                budget=ONE_QUERY.signed_in(),
            )
        )
    else:
        name = "calls history next page"
        rows.append(
            ["history next page", "GET /transactions", "-", "no next_cursor", "-", "-", report.error(name)]
        )
    measure(
        Probe(
            "history, one type",
            "GET",
            "/transactions",
            query="type=invoice",
            budget=ONE_QUERY.signed_in(),
            informational=True,
        )
    )
    measure(
        Probe(
            "history, two types",
            "GET",
            "/transactions",
            query="type=credit,invoice",
            budget=TWO_QUERIES.signed_in(),
            informational=True,
        )
    )
    for transaction_id in ("INV-0001", "PAY-0001", "CR-0001", "RF-0001"):
        measure(
            Probe(
                f"details {transaction_id.split('-')[0]}",
                "GET",
                "/transactions/{id}",
                path_parameters={"id": transaction_id},
                budget=AT_MOST_TWO_READS.signed_in(),
            )
        )
    measure(Probe("me", "GET", "/me", budget=ONE_READ.signed_in()))
    measure(Probe("profile update", "PATCH", "/account/profile", body={"time_zone": "America/Vancouver"}))
    login = measure(Probe("login", "POST", "/auth/login", body={"username": USERNAME, "password": PASSWORD}))
    refresh_token = login.body.get("refresh_token")
    if isinstance(refresh_token, str):
        measure(Probe("refresh", "POST", "/auth/refresh", body={"refresh_token": refresh_token}))
        measure(Probe("logout", "POST", "/auth/logout", body={"refresh_token": refresh_token}))

    report.table(
        ["endpoint", "request", "HTTP", "AWS calls", "count", "target", "status"], rows, right=(2, 4)
    )
    report.line("/auth routes call Cognito, so they are shown for information only.")
    report.line(
        "Every signed-in route reads the caller's user record (a deleted user's token is refused at once): "
        "one GetItem by the HTTP edge, in the budgets as `+ 1 user record`; the dashboard reads it with the "
        "account, in its one BatchGetItem."
    )
    not_probed = sorted(set(bench.routes) - bench.probed)
    if not_probed:
        report.line(
            "Routes of the template with no request in bench/aws_calls.py (not measured): "
            + ", ".join(f"{method} {path}" for method, path in not_probed)
        )


def run(report: Report) -> None:
    os.environ.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials  # nosec B106
        AWS_SESSION_TOKEN="testing",  # noqa: S106
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)

    import boto3
    from moto import mock_aws

    from billing_portal.shared import aws
    from localrun import resources
    from localrun.tokens import install_in_moto

    install_in_moto()  # Cognito's RevokeToken, for the logout
    with mock_aws():
        aws.reset()
        physical = resources.create_all()
        environments = resources.function_environments(physical)
        for environment in environments.values():
            os.environ.update(environment)
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the report, not the functions' logs
        aws.reset()
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        counter = CallCounter()
        boto3.DEFAULT_SESSION.events.register("before-call.*.*", counter, unique_id="bench-call-counter")
        bench = Bench(counter, environments)
        with counter.counting() as seeding:
            _seed(bench, physical)
        if not seeding:
            raise RuntimeError(
                "no AWS call was counted: the hook missed the clients billing_portal.shared.aws makes"
            )
        _measure(bench, report)
        aws.reset()
