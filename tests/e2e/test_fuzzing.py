"""The local API against its own OpenAPI document, the one the stack serves (GET /openapi.json), with
schemathesis: no answer may be a server error, and every answer must be one the document lists for the
operation, with the content type and body schema it gives.

- Every operation is fuzzed: valid and invalid requests alike, signed in as other@example.com where the
  operation needs it. Random path parameters only ever find nothing (404), so some of the requests name
  what the account really has (its transactions, invoices, payments, cards, exports and user).
- Fuzzing seldom gets a success answer from an operation that changes something (a payment, a new user),
  so a session of ordinary requests gets each of them, and each answer is checked against the document.

The module sends about two thousand requests that change other@example.com's account (its profile,
users, cards, payments), so it runs after every other test of the session (tests/e2e/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from localrun import template

from .conftest import DEMO_PASSWORD, OTHER_USER, Api

pytestmark = pytest.mark.e2e

# Per operation: the module's fuzzing takes about a minute (most requests take 10-30 ms).
EXAMPLES_PER_OPERATION = 100
ANSWER_CHECKS = [
    not_a_server_error,  # no 5xx, whatever is sent
    status_code_conformance,  # a status the document lists for the operation
    content_type_conformance,  # with the content type it lists for that status
    response_schema_conformance,  # and a body its schema accepts
]
# And a request the document calls invalid is refused.
FUZZING_CHECKS = [*ANSWER_CHECKS, negative_data_rejection]
# Given here, so that no schemathesis.toml on disk changes the run. An invalid request may get any of the
# API's refusals, 413 (a body over 64 KiB) included, which schemathesis's default list lacks.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422, 429]
            }
        }
    }
)
ROUTES = sorted(template.routes(), key=lambda route: (route.path, route.method))
PathValues = dict[str, str]


@pytest.fixture(scope="module")
def served_schema(api: Api) -> BaseSchema:
    """The document as the stack serves it; its `servers` entry is the stack's own URL."""
    schema = schemathesis.openapi.from_url(api.base_url + "/openapi.json", config=CONFIG)
    assert schema.get_base_url().rstrip("/") == api.base_url
    return schema


# -- answers to ordinary requests --------------------------------------------------------------------------


class DocumentedApi:
    """Requests made as schemathesis cases of the document's operations, each answer checked against it."""

    def __init__(self, schema: BaseSchema, token: str) -> None:
        self.schema = schema
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        expected: int,
        *,
        body: Any = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **path_parameters: str,
    ) -> Any:
        route = next(r for r in ROUTES if (r.method, r.path) == (method, path))
        sent = dict(headers or {})
        if not route.public:
            sent["Authorization"] = f"Bearer {token or self.token}"
        operation = self.schema[path][method]
        case = (
            operation.Case(path_parameters=path_parameters, headers=sent)
            if body is None
            else operation.Case(path_parameters=path_parameters, headers=sent, body=body)
        )
        response = case.call_and_validate(checks=ANSWER_CHECKS)
        assert response.status_code == expected, f"{method} {path}: {response.text}"
        return response.json() if response.content else None


def test_answers_of_an_ordinary_session_match_the_document(
    api: Api, served_schema: BaseSchema, other_token: str, demo_token: str
) -> None:
    portal = DocumentedApi(served_schema, other_token)

    tokens = portal.call("POST", "/auth/login", 200, body={"username": OTHER_USER, "password": DEMO_PASSWORD})
    portal.call("POST", "/auth/refresh", 200, body={"refresh_token": tokens["refresh_token"]})
    portal.call("POST", "/auth/forgot-password", 202, body={"username": "nobody@example.com"})
    for path in ("/account", "/me", "/users", "/payment-methods"):
        portal.call("GET", path, 200)

    history = portal.call("GET", "/transactions", 200)["items"]
    for kind in ("invoice", "payment", "credit", "refund"):
        for item in [t for t in history if t["type"] == kind][:1]:
            portal.call("GET", "/transactions/{id}", 200, id=item["id"])
    invoices = [t["id"] for t in _history(api, other_token) if t["type"] == "invoice"]
    portal.call("GET", "/invoices/{id}/pdf", 200, id=invoices[0])
    export = portal.call("POST", "/invoices/{id}/cdr-exports", 201, body={"format": "csv"}, id=invoices[0])
    portal.call("GET", "/cdr-exports/{id}", 200, id=export["id"])
    portal.call("POST", "/invoices/{id}/cdr-exports", 410, body={"format": "csv"}, id=invoices[-1])
    # Only the demo account has an invoice with too many calls for a PDF made in the request.
    big = _biggest_recent_invoice(api, demo_token)
    portal.call("POST", "/invoices/{id}/cdr-exports", 202, body={"format": "pdf"}, token=demo_token, id=big)

    card = portal.call("POST", "/payment-methods", 201, body={"token": "tok_mastercard"})["id"]
    portal.call("PUT", "/autopay", 200, body={"enabled": True, "payment_method_id": card})
    portal.call("PUT", "/autopay", 200, body={"enabled": False})
    paid = _pay(portal, 201, {"amount": "1.00", "payment_method_id": card})
    assert paid["status"] == "approved"
    portal.call("GET", "/payments/{id}", 200, id=paid["id"])
    portal.call("DELETE", "/payment-methods/{id}", 204, id=card)
    _pay(portal, 402, {"amount": "1.00", "new_payment_method": {"token": "tok_declined"}})
    pending = _pay(portal, 201, {"amount": "1.00", "new_payment_method": {"token": "tok_pending"}})
    assert pending["status"] == "pending"
    _pay(portal, 409, {"amount": "2.00", "new_payment_method": {"token": "tok_visa"}})
    # The processor's signed callback, delivered by the local stack, which hands back the portal's answer.
    callback = requests.post(
        api.base_url + "/_local/processor/settle",
        json={"payment_id": pending["id"], "outcome": "approved"},
        timeout=60,
    )
    served_schema["/webhooks/processor"]["POST"].validate_response(callback)
    assert callback.status_code == 200, callback.text

    username = "fuzzing.session@example.com"
    new_user = {
        "username": username,
        "first_name": "Robin",
        "last_name": "Tremblay",
        "time_zone": "America/Halifax",
        "notifications_enabled": False,
    }
    portal.call("POST", "/users", 201, body=new_user)
    portal.call("PATCH", "/users/{username}", 200, body={"first_name": "Rob"}, username=username)
    portal.call("DELETE", "/users/{username}", 204, username=username)
    portal.call("DELETE", "/users/{username}", 403, username=OTHER_USER)
    portal.call("PATCH", "/account/profile", 200, body={"time_zone": "America/Vancouver"})


def _pay(portal: DocumentedApi, expected: int, body: dict[str, Any]) -> Any:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    return portal.call("POST", "/payments", expected, body=body, headers=key)


def _biggest_recent_invoice(api: Api, token: str) -> str:
    recent = [t["id"] for t in _history(api, token) if t["type"] == "invoice"][:4]
    details = [api.get(f"/transactions/{invoice}", token=token).body for invoice in recent]
    chosen: str = max(details, key=lambda d: d["call_count"] or 0)["id"]
    return chosen


def _history(api: Api, token: str) -> Iterator[dict[str, Any]]:
    """Every transaction the account's history shows, newest first."""
    path = "/transactions?page_size=100"
    while True:
        answer = api.get(path, token=token)
        assert answer.status == 200, answer.raw
        yield from answer.body["items"]
        if not answer.body["next_cursor"]:
            return
        path = f"/transactions?page_size=100&cursor={answer.body['next_cursor']}"


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PROPFIND"])
def test_a_method_the_document_does_not_list_is_refused_with_405(api: Api, method: str) -> None:
    """schemathesis tries methods no operation has; the answer says which ones the path takes."""
    answer = api.request(method, "/account")
    assert answer.status == 405, answer.raw
    assert answer.headers["Allow"] == "GET"
    assert answer.body["code"] == "method_not_allowed"


# -- fuzzing -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def known_path_values(api: Api, other_token: str) -> dict[tuple[str, str], list[PathValues]]:
    """Path parameters naming what other@example.com's account really has, by route."""
    transactions = list(_history(api, other_token))
    invoices = [t["id"] for t in transactions if t["type"] == "invoice"]
    assert invoices, "the demo account has invoices"
    export = api.post(f"/invoices/{invoices[0]}/cdr-exports", {"format": "csv"}, token=other_token)
    assert export.status == 201, export.raw
    card = api.post("/payment-methods", {"token": "tok_visa"}, token=other_token)
    assert card.status == 201, card.raw
    payment = api.request(
        "POST",
        "/payments",
        json_body={"amount": "1.00", "payment_method_id": card.body["id"]},
        token=other_token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert payment.status == 201, payment.raw
    ids = {
        "/transactions/{id}": [t["id"] for t in transactions],
        "/invoices/{id}/pdf": invoices,
        "/invoices/{id}/cdr-exports": invoices,
        "/payments/{id}": [payment.body["id"]],
        "/cdr-exports/{id}": [export.body["id"]],
        "/payment-methods/{id}": [card.body["id"]],
    }
    known: dict[tuple[str, str], list[PathValues]] = {}
    for route in ROUTES:
        if route.path in ids:
            known[(route.method, route.path)] = [{"id": value} for value in ids[route.path]]
        elif "{username}" in route.path:
            known[(route.method, route.path)] = [{"username": OTHER_USER}]
    return known


def _has_inputs_to_spoil(operation: APIOperation[Any, Any, Any, Any]) -> bool:
    """Whether the operation takes anything the document constrains: a body, a query parameter or a
    header besides the token (a path parameter is any string, so it has no invalid value)."""
    return bool(operation.body) or any(
        parameter.location != "path" and parameter.name != "Authorization"
        for parameter in operation.iter_parameters()
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_every_fuzzed_request_gets_an_answer_the_document_describes(
    route: template.Route,
    served_schema: BaseSchema,
    known_path_values: Mapping[tuple[str, str], list[PathValues]],
    other_token: str,
) -> None:
    operation = served_schema[route.path][route.method]
    # The token is given, not generated from the security scheme: what is fuzzed is what the API does for
    # a signed-in user (the answers to a bad token have tests of their own).
    signed_in = {} if route.public else {"Authorization": f"Bearer {other_token}"}
    cases = [operation.as_strategy(GenerationMode.POSITIVE, headers=signed_in)]
    if _has_inputs_to_spoil(operation):
        cases.append(operation.as_strategy(GenerationMode.NEGATIVE, headers=signed_in))
    known = known_path_values.get((route.method, route.path), [])
    if known:
        cases.append(
            st.sampled_from(known).flatmap(
                lambda values: operation.as_strategy(
                    GenerationMode.POSITIVE, headers=signed_in, path_parameters=values
                )
            )
        )

    # Deterministic and bounded: the same examples every run, no shrinking (each step is a request) and
    # no example database on disk.
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(cases))
    def answers_as_documented(case: Case[Any]) -> None:
        case.call_and_validate(checks=FUZZING_CHECKS)

    answers_as_documented()
