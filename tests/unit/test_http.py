"""The HTTP edge every API function shares: how requests are parsed and how every failure is answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from billing_portal.errors import Conflict, NotFound
from billing_portal.http import PortalResolver, edge_settings, handle
from localrun.events import api_event
from localrun.functions import LambdaContext

WEB_ORIGIN = "https://portal.example.ca"


@pytest.fixture(autouse=True)
def web_origin(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The HTTP edge's settings, as the template gives every API function."""
    monkeypatch.setenv("WEB_ORIGIN", WEB_ORIGIN)
    edge_settings.cache_clear()
    yield
    edge_settings.cache_clear()


CLAIMS = {"custom:account_id": "acct-1", "cognito:username": "Dana@Example.com"}
SECRET = "db password is hunter2"

app = PortalResolver()


class NewThing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    count: int = 1


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page_size: int = 10
    type: str | None = None


class Thing(BaseModel):
    id: str
    name: str
    owner: str


@app.operation("POST", "/things", summary="Create", body=NewThing, response=Thing, status=201)
def create_thing(body: NewThing) -> Thing:
    caller = app.caller()
    return Thing(id="T-1", name=body.name, owner=f"{caller.account_id}/{caller.username}")


@app.operation("GET", "/things", summary="List", query=Listing)
def list_things(query: Listing) -> dict[str, Any]:
    app.caller()
    return {"page_size": query.page_size, "type": query.type}


@app.operation("GET", "/things/<id>", summary="Read", response=Thing)
def get_thing(id: str) -> Thing:
    app.caller()
    if id == "missing":
        raise NotFound("Thing missing was not found.")
    if id == "taken":
        raise Conflict("That thing is taken.")
    if id == "boom":
        raise RuntimeError(SECRET)
    return Thing(id=id, name="x", owner="y")


def call(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: str | bytes | None = None,
    query: str = "",
    claims: dict[str, Any] | None = CLAIMS,
    content_type: str = "application/json",
) -> tuple[int, dict[str, Any]]:
    path_parameters = {"id": path.rsplit("/", 1)[1]} if resource == "/things/{id}" else None
    event = api_event(
        method,
        resource or path,
        path,
        path_parameters=path_parameters,
        query=query,
        body=body,
        claims=claims,
        headers={"Content-Type": content_type},
    )
    response = handle(app, event, LambdaContext("test", "req-1"))
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == [WEB_ORIGIN]
    return response["statusCode"], json.loads(response["body"])


def test_a_valid_request_is_answered_with_the_declared_status() -> None:
    status, body = call("POST", "/things", body=json.dumps({"name": "desk"}))
    assert status == 201
    assert body == {"id": "T-1", "name": "desk", "owner": "acct-1/dana@example.com"}


@pytest.mark.parametrize("raw", ["{", "{'name': 'desk'}", "name=desk", '{"name": "desk"', "\ufeff{}"])
def test_malformed_json_is_400(raw: str) -> None:
    status, body = call("POST", "/things", body=raw)
    assert status == 400
    assert body["code"] == "bad_request"
    assert "JSON" in body["message"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "desk", "count": ' + "9" * 5000 + "}",  # past Python's limit on an integer's digits
        "[" * 100_000 + "]" * 100_000,  # nested deeper than the parser's stack
    ],
    ids=["huge-integer", "deep-nesting"],
)
def test_json_the_parser_cannot_take_is_400_not_500(raw: str) -> None:
    status, body = call("POST", "/things", body=raw)
    assert status == 400
    assert body["code"] == "bad_request"


def test_a_missing_body_is_400() -> None:
    status, body = call("POST", "/things", body=None)
    assert status == 400
    assert body["code"] == "bad_request"


def test_a_binary_body_is_400() -> None:
    status, body = call("POST", "/things", body=b"\xff\xfe\x00garbage")
    assert status == 400
    assert body["code"] == "bad_request"


@pytest.mark.parametrize("raw", ["[1, 2]", '"desk"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_422(raw: str) -> None:
    status, body = call("POST", "/things", body=raw)
    assert status == 422
    assert body["code"] == "validation_failed"


def test_an_unknown_field_is_422_naming_the_field() -> None:
    status, body = call("POST", "/things", body=json.dumps({"name": "desk", "colour": "red"}))
    assert status == 422
    assert body["code"] == "validation_failed"
    assert {"field": "colour", "message": "is not a field this operation accepts"} in body["details"]
    assert "colour" in body["message"]


def test_a_missing_and_a_wrong_field_are_each_named() -> None:
    status, body = call("POST", "/things", body=json.dumps({"count": "many"}))
    assert status == 422
    fields = {problem["field"]: problem["message"] for problem in body["details"]}
    assert fields["name"] == "is required"
    assert "count" in fields


def test_query_parameters_are_validated_too() -> None:
    assert call("GET", "/things", query="page_size=50&type=a") == (200, {"page_size": 50, "type": "a"})
    status, body = call("GET", "/things", query="page_size=lots")
    assert status == 422
    assert [problem["field"] for problem in body["details"]] == ["page_size"]
    status, body = call("GET", "/things", query="sort=asc")
    assert status == 422
    assert body["details"][0]["field"] == "sort"


def test_a_repeated_query_parameter_is_joined_with_commas() -> None:
    assert call("GET", "/things", query="type=a&type=b") == (200, {"page_size": 10, "type": "a,b"})


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"cognito:username": "dana@example.com"},
        {"custom:account_id": "acct-1"},
        {"custom:account_id": ""},
    ],
)
def test_missing_claims_are_401(claims: dict[str, Any] | None) -> None:
    status, body = call("GET", "/things/T-1", resource="/things/{id}", claims=claims)
    assert status == 401
    assert body == {"message": "Sign in to continue.", "code": "not_signed_in"}


def test_a_raised_not_found_is_404_with_message_and_code() -> None:
    status, body = call("GET", "/things/missing", resource="/things/{id}")
    assert status == 404
    assert body == {"message": "Thing missing was not found.", "code": "not_found"}


def test_a_raised_conflict_is_409() -> None:
    assert call("GET", "/things/taken", resource="/things/{id}") == (
        409,
        {"message": "That thing is taken.", "code": "conflict"},
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/xml"])
def test_a_body_that_is_not_declared_json_is_415(content_type: str) -> None:
    status, body = call("POST", "/things", body=json.dumps({"name": "desk"}), content_type=content_type)
    assert (status, body["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/vnd.x+json"]
)
def test_json_media_types_are_read(content_type: str) -> None:
    status, _ = call("POST", "/things", body=json.dumps({"name": "desk"}), content_type=content_type)
    assert status == 201


def test_a_route_that_does_not_exist_is_404() -> None:
    status, body = call("GET", "/nothing-here")
    assert status == 404
    assert body["code"] == "not_found"


def test_an_unexpected_error_is_a_generic_500_that_leaks_nothing() -> None:
    event = api_event("GET", "/things/{id}", "/things/boom", path_parameters={"id": "boom"}, claims=CLAIMS)
    response = handle(app, event, LambdaContext("test", "req-2"))
    assert response["statusCode"] == 500
    assert response["headers"]["Access-Control-Allow-Origin"] == WEB_ORIGIN
    body = json.loads(response["body"])
    assert body == {"message": "Something went wrong on our side.", "code": "internal_error"}
    for leak in (SECRET, "hunter2", "Traceback", "RuntimeError", ".py"):
        assert leak not in response["body"]


def test_every_operation_is_recorded_for_the_openapi_document() -> None:
    assert [(op.method, op.path, op.status) for op in app.operations] == [
        ("POST", "/things", 201),
        ("GET", "/things", 200),
        ("GET", "/things/<id>", 200),
    ]
