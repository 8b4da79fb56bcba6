"""The HTTP edge every API function shares: how requests are parsed and how every failure is answered."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from billing_portal.http.resolver import MAX_JSON_DEPTH, PortalResolver, edge_settings, handle
from billing_portal.i18n import Text
from billing_portal.ledger.ports import UserSessions
from billing_portal.shared.errors import Conflict, NotFound
from localrun import catalogues
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


class EveryCallerIsAUser:
    """The user records as the edge reads them on a signed-in route: here, every caller is a user."""

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        return UserSessions()


app = PortalResolver(session_records=EveryCallerIsAUser)


class NewThing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    count: int = 1
    notes: Any = None  # any JSON at all: only the edge's own limits apply to it


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page_size: int = 10
    type: str | None = None
    tags: frozenset[str] | None = None  # a list, comma-separated or repeated

    @field_validator("tags", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return frozenset(value.split(",")) if isinstance(value, str) else value


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
    found: dict[str, Any] = {"page_size": query.page_size, "type": query.type}
    if query.tags is not None:
        found["tags"] = sorted(query.tags)
    return found


@app.operation("GET", "/things/<id>", summary="Read", response=Thing)
def get_thing(id: str) -> Thing:
    app.caller()
    if id == "missing":
        raise NotFound(Text("Thing missing was not found."))
    if id == "taken":
        raise Conflict(Text("That thing is taken."))
    if id == "boom":
        raise RuntimeError(SECRET)
    return Thing(id=id, name="x", owner="y")


# The same operations on public routes: what the edge itself makes of a request, before any caller is read.
open_edge = PortalResolver()


@open_edge.operation("POST", "/things", summary="Create", body=NewThing, status=201, public=True)
def create_open_thing(body: NewThing) -> dict[str, Any]:
    return body.model_dump()


@open_edge.operation("GET", "/things", summary="List", query=Listing, public=True)
def list_open_things(query: Listing) -> dict[str, Any]:
    found: dict[str, Any] = {"page_size": query.page_size, "type": query.type}
    if query.tags is not None:
        found["tags"] = sorted(query.tags)
    return found


@open_edge.operation("GET", "/things/<id>", summary="Read", public=True)
def get_open_thing(id: str) -> dict[str, Any]:
    return {"id": id}


def call(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: str | bytes | None = None,
    query: str = "",
    claims: dict[str, Any] | None = CLAIMS,
    content_type: str = "application/json",
    resolver: PortalResolver = app,
    accept_language: str | None = None,
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
        headers={
            "Content-Type": content_type,
            **({"Accept-Language": accept_language} if accept_language else {}),
        },
    )
    response = handle(resolver, event, LambdaContext("test", "req-1"))
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


def test_a_repeated_list_parameter_is_the_list_it_means() -> None:
    repeated = call("GET", "/things", query="tags=a&tags=b&tags=c", resolver=open_edge)
    assert repeated == (200, {"page_size": 10, "type": None, "tags": ["a", "b", "c"]})
    assert call("GET", "/things", query="tags=a,b&tags=c", resolver=open_edge) == repeated
    assert call("GET", "/things", query="tags=a,b,c", resolver=open_edge) == repeated


@pytest.mark.parametrize("query", ["type=a&type=b", "page_size=10&page_size=50", "page_size=10&page_size=10"])
def test_a_repeated_single_valued_parameter_is_422_naming_it(query: str) -> None:
    name = query.split("=")[0]
    status, body = call("GET", "/things", query=query, resolver=open_edge)
    assert (status, body["code"]) == (422, "validation_failed")
    assert body["details"] == [{"field": name, "message": "must be given once, not repeated"}]


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


# -- how deep a body may nest ------------------------------------------------------------------------------


def nested(depth: int, kind: str) -> str:
    """JSON nested `depth` levels deep (arrays or objects), the innermost holding a number."""
    if kind == "arrays":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_a_body_nested_as_deep_as_the_limit_is_read(kind: str) -> None:
    # The body object itself is the first level.
    body = '{"name": "desk", "notes": ' + nested(MAX_JSON_DEPTH - 1, kind) + "}"
    status, _ = call("POST", "/things", body=body, resolver=open_edge)
    assert status == 201


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 1000, 5000, 100_000])
@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_a_body_nested_deeper_than_the_limit_is_400_before_any_model_reads_it(depth: int, kind: str) -> None:
    body = '{"name": "desk", "notes": ' + nested(depth, kind) + "}"
    status, answer = call("POST", "/things", body=body, resolver=open_edge)
    assert (status, answer["code"]) == (400, "bad_request")
    assert f"{MAX_JSON_DEPTH} levels" in answer["message"]


# -- path parameters as API Gateway delivers them ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("marc.okafor%40example.com", "marc.okafor@example.com"),
        ("marc.okafor@example.com", "marc.okafor@example.com"),
        ("a%2Bb%40example.com", "a+b@example.com"),
        ("a+b@example.com", "a+b@example.com"),  # a + in a path is a plus, never a space
        ("%49%4E%56-1", "INV-1"),  # any character may be percent-encoded
        ("a%2Fb", "a/b"),  # an encoded slash stays inside its parameter
        ("%C3%A9t%C3%A9", "\u00e9t\u00e9"),
    ],
)
def test_the_handler_gets_the_path_parameter_decoded(raw: str, decoded: str) -> None:
    """API Gateway leaves `path` percent-encoded and decodes `pathParameters`; Powertools routes on `path`."""
    event = api_event("GET", "/things/{id}", f"/things/{raw}", path_parameters={"id": decoded})
    response = handle(open_edge, event, LambdaContext("test", "req-3"))
    assert response["statusCode"] == 200, response["body"]
    assert json.loads(response["body"])["id"] == decoded


# -- validation messages in words --------------------------------------------------------------------------


class Shaped(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        pattern=r"^[A-Z]{3}-[0-9]{4}$", description="Three capital letters, a dash and four digits"
    )
    inner: Listing | None = None


def test_a_value_not_in_its_fields_shape_is_told_in_words_not_as_a_pattern() -> None:
    shapes = PortalResolver()

    @shapes.operation("POST", "/shapes", summary="Shape", body=Shaped, public=True)
    def create(body: Shaped) -> dict[str, Any]:
        return {}

    event = api_event("POST", "/shapes", "/shapes", body=json.dumps({"code": "abc"}))
    response = handle(shapes, event, LambdaContext("test", "req-4"))
    body = json.loads(response["body"])
    assert response["statusCode"] == 422
    expected = "must be three capital letters, a dash and four digits"
    assert body["details"] == [{"field": "code", "message": expected}]
    assert body["message"] == f"The request is not valid: code: {expected}."


def patterned_fields(schema: dict[str, Any]) -> list[tuple[tuple[str, ...], str, str | None]]:
    """Each string field with a pattern in a request model's JSON schema: its place (property names), its
    pattern and the nearest description on the way to it."""
    definitions = schema.get("$defs", {})
    found: list[tuple[tuple[str, ...], str, str | None]] = []

    def walk(
        node: dict[str, Any], place: tuple[str, ...], described: str | None, seen: frozenset[str]
    ) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return
            seen, node = seen | {name}, {**definitions[name], **node}
        described = node.get("description", described)
        if "pattern" in node:
            found.append((place, node["pattern"], described))
        for choice in node.get("anyOf", []):
            walk(choice, place, described, seen)
        for name, inner in node.get("properties", {}).items():
            walk(inner, (*place, name), None, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], place, None, seen)

    walk(schema, (), None, frozenset())
    return found


def breaking(pattern: str) -> str:
    """A short value the pattern refuses."""
    value = next(v for v in ("x\u202e", "\u0000", "<b>", "zz") if not re.search(pattern, v))
    return value


def request_models() -> list[tuple[str, str, type[BaseModel]]]:
    """Every operation's request models, as (operation, "body" or "query", model)."""
    from localrun.openapi import declared_operations

    found = []
    for declared in declared_operations():
        operation = declared.operation
        for where, model in (("body", operation.body), ("query", operation.query)):
            if model is not None:
                found.append((f"{declared.route.method} {declared.route.path}", where, model))
    return found


REGEX_SIGNS = ("pattern", "^", "$", "\\x", "\\u", "[^", "{1,")


def test_no_validation_message_of_any_operation_shows_a_regular_expression() -> None:
    """Each field with a pattern in any operation's request models, given a value outside it, is answered
    with its description in words. The models are served by the edge as they are declared (on a public
    route, so that only what the edge makes of the request is tried)."""
    edge = PortalResolver()
    served = []
    for number, (operation, where, model) in enumerate(request_models()):
        path = f"/models/{number}"
        declared = {where: model}
        edge.operation(
            "POST" if where == "body" else "GET", path, summary=operation, public=True, **declared
        )(lambda **_: {})
        served.append((operation, where, model, path))
    french = {message.id: message.string for message in catalogues.read("fr") if message.id}
    checked = 0
    for operation, where, model, path in served:
        for place, pattern, description in patterned_fields(model.model_json_schema()):
            label = f"{operation} {where} {'.'.join(place)}"
            assert description, f"{label}: a field with a pattern needs a description of its shape"
            value: Any = breaking(pattern)
            for name in reversed(place):
                value = {name: value}
            event = api_event(
                "POST" if where == "body" else "GET",
                path,
                path,
                body=json.dumps(value) if where == "body" else None,
                query=urlencode(value) if where == "query" else "",
                headers={"Content-Type": "application/json"},
            )
            response = handle(edge, event, LambdaContext("test", "req-5"))
            answer = json.loads(response["body"])
            assert response["statusCode"] == 422, (label, answer)
            messages = [answer["message"], *(d["message"] for d in answer.get("details", []))]
            for message in messages:
                assert pattern not in message and not any(sign in message for sign in REGEX_SIGNS), (
                    label,
                    message,
                )
            problems = {d["field"]: d["message"] for d in answer["details"]}
            assert problems[".".join(place)].startswith("must be "), (label, problems)
            # In French too: the description is the catalogue's, translated.
            assert french.get(description), f"{label}: {description!r} is not translated in the catalogue"
            event["headers"]["Accept-Language"] = "fr-CA"
            response = handle(edge, event, LambdaContext("test", "req-6"))
            problems = {d["field"]: d["message"] for d in json.loads(response["body"])["details"]}
            assert problems[".".join(place)].startswith("doit être "), (label, problems)
            checked += 1
    assert checked >= 10  # names, addresses, usernames, card tokens: the walk found them


# -- the reader's language --------------------------------------------------------------------------------


class EveryCallerReadsFrench:
    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        return UserSessions(language="fr")


french_app = PortalResolver(session_records=EveryCallerReadsFrench)
french_app.operation("POST", "/things", summary="Create", body=NewThing, response=Thing, status=201)(
    lambda body: Thing(id="T-1", name=body.name, owner="x")
)


@pytest.mark.parametrize("accept_language", ["fr-CA", "fr", "fr-CA,fr;q=0.9,en;q=0.8", "en;q=0.5, fr"])
def test_before_sign_in_a_reader_who_prefers_french_is_answered_in_french(accept_language: str) -> None:
    status, body = call(
        "POST", "/things", body="{}", claims=None, resolver=open_edge, accept_language=accept_language
    )
    assert status == 422 and body["code"] == "validation_failed"
    assert body["message"] == "La requête n'est pas valide : name : est obligatoire."
    assert body["details"] == [{"field": "name", "message": "est obligatoire"}]


@pytest.mark.parametrize("accept_language", [None, "en-CA", "de, en;q=0.9, fr;q=0.8", "fr;q=0", "*"])
def test_before_sign_in_everyone_else_is_answered_in_english(accept_language: str | None) -> None:
    status, body = call(
        "POST", "/things", body="{}", claims=None, resolver=open_edge, accept_language=accept_language
    )
    assert status == 422 and body["message"] == "The request is not valid: name: is required."


def test_a_signed_in_user_is_answered_in_their_own_language_whatever_the_browser_prefers() -> None:
    status, body = call("POST", "/things", body='{"name": ""}', resolver=french_app, accept_language="en")
    assert status == 422 and body["code"] == "validation_failed"
    assert body["details"] == [{"field": "name", "message": "ne doit pas être vide"}]
    status, body = call("POST", "/things", body='{"name": ""}', accept_language="fr")
    assert body["details"] == [{"field": "name", "message": "must not be empty"}]


def test_an_unsigned_token_is_told_to_sign_in_in_the_browsers_language() -> None:
    status, body = call("GET", "/things/x", resource="/things/{id}", claims={}, accept_language="fr")
    assert status == 401 and body == {"message": "Connectez-vous pour continuer.", "code": "not_signed_in"}


def test_the_generic_500_speaks_the_readers_language_too() -> None:
    event = api_event(
        "GET",
        "/things/{id}",
        "/things/boom",
        path_parameters={"id": "boom"},
        claims=CLAIMS,
        headers={"Accept-Language": "fr-CA"},
    )
    response = handle(app, event, LambdaContext("test", "req-7"))
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and body["code"] == "internal_error"
    assert body["message"] == "Une erreur s'est produite de notre côté." and SECRET not in response["body"]
