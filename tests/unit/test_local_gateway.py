"""The event the local gateway hands a function is the one API Gateway's REST API (Lambda proxy integration)
delivers: `path` and `requestContext.path` as the client sent them, still percent-encoded; `pathParameters`
decoded; `resource` the template's route."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.gateway import Gateway

CLAIMS = {"custom:account_id": "acct-1", "cognito:username": "dana@example.com"}


class SignedIn:
    """Stands in for the Cognito token verifier: every request is signed in."""

    def claims(self, authorization: str | None) -> dict[str, Any]:
        return dict(CLAIMS)


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> tuple[Gateway, list[dict[str, Any]]]:
    """The gateway, with the events it would hand each function collected instead of invoked."""
    gateway = Gateway(SignedIn())  # type: ignore[arg-type]
    events: list[dict[str, Any]] = []

    def invoke(logical_id: str, event: Any, request_id: str | None = None) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 204, "headers": {}, "body": ""}

    monkeypatch.setattr(gateway, "invoke", invoke)
    return gateway, events


def deliver(delivered: tuple[Gateway, list[dict[str, Any]]], method: str, target: str) -> dict[str, Any]:
    gateway, events = delivered
    reply = gateway.handle(method, target, [("Authorization", "Bearer t")], b"", "127.0.0.1")
    assert reply.status == 204, reply.body
    return events[-1]


@pytest.mark.parametrize(
    ("method", "target", "resource", "raw_path", "parameters"),
    [
        (
            "PATCH",
            "/users/marc.okafor%40example.com",
            "/users/{username}",
            "/users/marc.okafor%40example.com",
            {"username": "marc.okafor@example.com"},
        ),
        (
            "DELETE",
            "/users/a%2Bb%40example.com?x=1",
            "/users/{username}",
            "/users/a%2Bb%40example.com",
            {"username": "a+b@example.com"},
        ),
        (
            "DELETE",
            "/users/marc.okafor@example.com",
            "/users/{username}",
            "/users/marc.okafor@example.com",
            {"username": "marc.okafor@example.com"},
        ),
        (
            "GET",
            "/transactions/%49NV-100482731",
            "/transactions/{id}",
            "/transactions/%49NV-100482731",
            {"id": "INV-100482731"},
        ),
        (
            "GET",
            "/invoices/..%2F..%2Faccount/pdf",
            "/invoices/{id}/pdf",
            "/invoices/..%2F..%2Faccount/pdf",
            {"id": "../../account"},
        ),
        ("GET", "/account", "/account", "/account", None),
    ],
)
def test_the_event_carries_the_raw_path_and_decoded_parameters(
    delivered: tuple[Gateway, list[dict[str, Any]]],
    method: str,
    target: str,
    resource: str,
    raw_path: str,
    parameters: dict[str, str] | None,
) -> None:
    event = deliver(delivered, method, target)
    assert event["httpMethod"] == method
    assert event["resource"] == event["requestContext"]["resourcePath"] == resource
    assert event["path"] == raw_path
    assert event["requestContext"]["path"] == f"/{event['requestContext']['stage']}{raw_path}"
    assert event["pathParameters"] == parameters


def test_the_query_is_decoded_into_its_parameters(delivered: tuple[Gateway, list[dict[str, Any]]]) -> None:
    event = deliver(delivered, "GET", "/transactions?type=invoice&type=payment&from=2026%2D01%2D01")
    assert event["path"] == "/transactions"
    assert event["queryStringParameters"] == {"type": "payment", "from": "2026-01-01"}
    assert event["multiValueQueryStringParameters"] == {
        "type": ["invoice", "payment"],
        "from": ["2026-01-01"],
    }
