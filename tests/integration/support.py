"""What the integration tests share: posting the billing engine's documents through the ingest function,
and calling an API route's function with the event API Gateway would deliver (route from the template)."""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import builders

from billing_portal.ledger.ports import PortalUser
from billing_portal.shared.clock import utc_today
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import events, functions, outbox, template
from localrun.streams import StreamFeeder


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Caller:
    """A signed-in portal user, as the Cognito authorizer's claims describe them."""

    account_id: str
    username: str

    @property
    def claims(self) -> dict[str, str]:
        return {"custom:account_id": self.account_id, "cognito:username": self.username}


def portal_user(caller: Caller, created_at: str = "2025-01-01T00:00:00.000+00:00") -> Caller:
    """Make the caller one of their account's portal users, as Manage Users records one (the API honours a
    token only while its user is one of the account's)."""
    DynamoUserRecords(os.environ["TABLE_NAME"]).claim(
        PortalUser(caller.account_id, caller.username, "Pat", "Lee", "America/Toronto", False, created_at)
    )
    return caller


def _context(name: str) -> functions.LambdaContext:
    return functions.LambdaContext(name, str(uuid.uuid4()))


def invoke(logical_id: str, event: Any) -> Any:
    """Invoke a function directly, as Lambda does for an event source or an IAM caller."""
    return functions.handler(logical_id)(event, _context(logical_id))


def notifier_stream(physical: dict[str, str]) -> StreamFeeder:
    """The notifier's event source mapping over the table's stream, from now on (as deployed: LATEST).
    `drain()` delivers what was written since."""
    return StreamFeeder(physical, invoke, "ca-central-1")


_NOTIFIER_STREAMS: dict[str, StreamFeeder] = {}  # by stream ARN: one per test's table


def emails_sent(physical: dict[str, str]) -> list[dict[str, Any]]:
    """Every email SES took so far, once the notifier has read the table's stream up to now. The first call
    of a test starts the reading there, as a mapping created at that moment would."""
    arn = physical["PortalTable.StreamArn"]
    if arn in _NOTIFIER_STREAMS:
        _NOTIFIER_STREAMS[arn].drain()
    else:
        _NOTIFIER_STREAMS[arn] = notifier_stream(physical)
    return outbox.items()


# -- the billing engine's side --------------------------------------------------------------------------


def ingest(document: dict[str, Any]) -> dict[str, Any]:
    """Invoke the ingest function directly, as the billing engine does."""
    result: dict[str, Any] = functions.handler("IngestFunction")(document, _context("ingest"))
    return result


def posted(document: dict[str, Any]) -> dict[str, Any]:
    """Ingest a document that must be accepted."""
    result = ingest(document)
    assert result["status"] in ("created", "posted"), result
    return result


def days_ago(days: int) -> date:
    return utc_today() - timedelta(days=days)


def account_doc(
    account_id: str,
    *,
    account_number: str = "100200300",
    name: str = "Érable Télécom Inc.",
    city: str = "Toronto",
    province: str = "ON",
    postal_code: str = "M5V 3L9",
    time_zone: str = "America/Toronto",
    contacts: list[str] | None = None,
) -> dict[str, Any]:
    return builders.account(
        account_id,
        account_number=account_number,
        name=name,
        billing_address=builders.address(
            line2="Suite 4", city=city, province=province, postal_code=postal_code
        ),
        time_zone=time_zone,
        billing_contacts=["billing@erable.example"] if contacts is None else contacts,
    )


def invoice_doc(
    account_id: str,
    invoice_id: str,
    issued: date,
    lines: list[tuple[str, str, int, str]] | None = None,
    *,
    due_in_days: int = 30,
    cdr_file: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`lines`: (description, category, quantity, amount); one 100.00 service line by default."""
    return builders.invoice(
        account_id,
        invoice_id,
        issued,
        [builders.line(*line) for line in lines or [("Hosted seats", "service", 4, "100.00")]],
        period_start=issued - timedelta(days=30),
        due=issued + timedelta(days=due_in_days),
        cdr=cdr_file,
    )


def payment_doc(
    account_id: str, payment_id: str, paid_on: date, amount: str, method: str = "credit_card"
) -> dict[str, Any]:
    return builders.payment(account_id, payment_id, paid_on, amount, method=method)


def credit_doc(
    account_id: str, credit_id: str, on: date, amount: str, reason: str = "Outage"
) -> dict[str, Any]:
    return builders.credit(
        account_id, credit_id, on, amount, reason=reason, reference=f"case-{credit_id.lower()}"
    )


def pending_credit_doc(
    account_id: str, credit_id: str, on: date, amount: str, reason: str = "Promotion"
) -> dict[str, Any]:
    return builders.pending_credit(account_id, credit_id, on, amount, reason=reason)


def refund_doc(
    account_id: str, refund_id: str, on: date, amount: str, reason: str = "Overpaid"
) -> dict[str, Any]:
    return builders.refund(account_id, refund_id, on, amount, reason=reason)


# -- the web client's side ------------------------------------------------------------------------------


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)))


def call(
    method: str,
    path: str,
    caller: Caller | None = None,
    *,
    query: str = "",
    body: str | bytes | dict[str, Any] | list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Send a request the way API Gateway would: find the template route for `method path`, build its
    event (with the caller's claims, if signed in) and invoke that route's function."""
    for route in template.routes():
        match = _route_pattern(route.path).fullmatch(path)
        if route.method == method and match:
            break
    else:
        raise LookupError(f"no route {method} {path} in the template")
    text = json.dumps(body) if isinstance(body, dict | list) else body
    request_headers = {"Content-Type": "application/json"} if text is not None else {}
    request_headers.update(headers or {})
    event = events.api_event(
        method,
        route.path,
        path,
        path_parameters=match.groupdict() or None,
        query=query,
        headers=request_headers,
        body=text,
        claims=caller.claims if caller else None,
    )
    response = functions.handler(route.function)(event, _context(route.function))
    raw = response.get("body")
    parsed = json.loads(raw) if raw else None
    response_headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        response_headers[name] = ", ".join(values)
    return Reply(response["statusCode"], parsed, response_headers)


def assert_error(reply: Reply, status: int, code: str | None = None) -> None:
    """An error answer in the API's one shape: {"message", "code", "details"?}."""
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers.get("Content-Type") == "application/json", reply.headers
    assert isinstance(reply.body, dict), reply.body
    assert set(reply.body) <= {"message", "code", "details"}, reply.body
    assert isinstance(reply.body["message"], str) and reply.body["message"], reply.body
    assert re.fullmatch(r"[a-z][a-z_]*", reply.body["code"]), reply.body
    if code is not None:
        assert reply.body["code"] == code, reply.body
    for detail in reply.body.get("details", []):
        assert set(detail) == {"field", "message"}, detail


def history_ids(caller: Caller, query: str = "") -> list[str]:
    """Every id of the caller's history, newest first, following the cursors to the last page."""
    ids: list[str] = []
    cursors: list[str] = []
    while True:
        page_query = "&".join(q for q in (query, f"cursor={cursors[-1]}" if cursors else "") if q)
        reply = call("GET", "/transactions", caller, query=page_query)
        assert reply.status == 200, reply.body
        ids.extend(item["id"] for item in reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return ids
        assert cursor not in cursors, f"the cursor {cursor} came back twice"
        cursors.append(cursor)
