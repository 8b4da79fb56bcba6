"""The whole HTTP API as one OpenAPI 3.1 document, merged from every function's declared operations
(`PortalResolver.operations`) and checked against the template's routes, so it can neither miss a route
nor describe one that is not deployed."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from billing_portal.http.resolver import Operation, PortalResolver
from localrun import functions, template

# The API's reference, committed; a test keeps it equal to what the code generates (`make openapi`).
COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
OPENAPI_VERSION = "3.1.0"
TITLE = "Billing Portal API"
REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "CognitoIdToken"
EDGE_ERRORS = (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.TOO_MANY_REQUESTS)
# The language of what an answer says (messages, descriptions, labels); `code`s never change with it.
ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "The reader's languages: French (`fr`, `fr-CA`) when preferred to English, else English",
    "schema": {"type": "string", "examples": ["fr-CA,fr;q=0.9,en;q=0.8"]},
}
SIGNED_IN_LANGUAGE = {
    **ACCEPT_LANGUAGE,
    "description": "Read only until the caller's session is confirmed (a 401 is in this language); "
    "after, the signed-in user's own `language` decides",
}
_PATH_PARAMETER = re.compile(r"\{([^}/]+)\}")


class ErrorDetail(BaseModel):
    field: str = Field(description="The request field at fault, dotted for nested fields")
    message: str


class Error(BaseModel):
    """Every error answer of the API."""

    message: str = Field(description="A sentence a person can read")
    code: str = Field(description="snake_case, stable: what a client branches on")
    details: list[ErrorDetail] = Field(
        default_factory=list, description="One entry per field at fault; optional"
    )


class IncompleteDocument(AssertionError):
    """The template's routes and the functions' declared operations disagree."""


@dataclass(frozen=True)
class DeclaredOperation:
    route: template.Route
    operation: Operation


def declared_operations() -> list[DeclaredOperation]:
    """Each template route with the operation its function declares for it; raises when a route has no
    operation or an operation has no route."""
    routes = template.routes()
    declared: dict[tuple[str, str], Operation] = {}
    owner: dict[tuple[str, str], str] = {}
    # Every function, routed or not: an operation declared where the template has no route is caught too.
    for logical_id in sorted(template.functions()):
        for operation in _operations(logical_id):
            key = (operation.method.upper(), _template_path(operation.path))
            if key in declared:
                raise IncompleteDocument(f"{key[0]} {key[1]} is declared twice ({owner[key]}, {logical_id})")
            declared[key], owner[key] = operation, logical_id
    problems = []
    found = []
    for route in routes:
        key = (route.method, route.path)
        if key not in declared:
            problems.append(f"template route {route.method} {route.path} ({route.function}) has no operation")
            continue
        operation = declared.pop(key)
        if owner[key] != route.function:
            problems.append(
                f"{route.method} {route.path} is routed to {route.function}, declared by {owner[key]}"
            )
        if operation.public != route.public:
            problems.append(
                f"{route.method} {route.path}: the template says public={route.public}, "
                f"the operation says public={operation.public}"
            )
        found.append(DeclaredOperation(route, operation))
    problems += [
        f"operation {method} {path} ({owner[(method, path)]}) has no template route"
        for method, path in declared
    ]
    if problems:
        raise IncompleteDocument("; ".join(problems))
    return found


def build_document(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every operation of the template's API."""
    operations = declared_operations()
    schemas, refs = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for declared in sorted(operations, key=lambda d: (d.route.path, d.route.method)):
        route, operation = declared.route, declared.operation
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation, schemas, refs)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": TITLE,
            "version": metadata.version("billing-portal"),
            "description": (
                "The billing portal's HTTP API. Money is a string with two decimals (Canadian dollars); "
                "errors are always `Error`; lists are paged with an opaque `cursor`. Every answer speaks "
                "English or French: the signed-in user's `language`, or before sign-in the `Accept-Language` "
                "header's preference; an error's `code` is the same in both."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": _referenced(paths, schemas),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `id_token` from POST /auth/login or /auth/refresh.",
                }
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


# -- pieces ------------------------------------------------------------------------------------------------


def _operations(logical_id: str) -> list[Operation]:
    app = getattr(functions.module(logical_id), "app", None)
    return list(app.operations) if isinstance(app, PortalResolver) else []


def _template_path(resolver_path: str) -> str:
    """Powertools' `/transactions/<id>` as the template writes it, `/transactions/{id}`."""
    return resolver_path.replace("<", "{").replace(">", "}")


ModelKey = tuple[type[BaseModel], JsonSchemaMode]


def _schemas(operations: list[DeclaredOperation]) -> tuple[dict[str, Any], dict[ModelKey, dict[str, Any]]]:
    """The schema of every model the operations use, by name, and each model's `$ref`."""
    wanted: dict[ModelKey, None] = {(Error, "serialization"): None}
    for declared in operations:
        operation = declared.operation
        if operation.body is not None:
            wanted[(operation.body, "validation")] = None
        if operation.query is not None:
            wanted[(operation.query, "validation")] = None
        if operation.response is not None:
            wanted[(operation.response, "serialization")] = None
    generated, top = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
    refs = {key: generated[key] for key in wanted}
    if refs[(Error, "serialization")]["$ref"] != REF_TEMPLATE.format(model="Error"):
        raise IncompleteDocument("another model named Error would take the shared error schema's name")
    return dict(top.get("$defs", {})), refs


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The schemas the paths use, directly or through other schemas (a query model is only parameters)."""
    prefix = REF_TEMPLATE.format(model="")
    seen: set[str] = set()
    pending = [paths]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] not in seen:
                name = ref[len(prefix) :]
                seen.add(name)
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return {name: schema for name, schema in schemas.items() if name in seen}


def _operation(
    route: template.Route,
    operation: Operation,
    schemas: dict[str, Any],
    refs: dict[ModelKey, dict[str, Any]],
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": operation.summary,
        "tags": [route.path.strip("/").split("/")[0]],
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(route.path)
    ]
    parameters += [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in operation.headers
    ]
    if operation.query is not None:
        parameters += _query_parameters(_resolve(refs[(operation.query, "validation")], schemas))
    parameters.append(ACCEPT_LANGUAGE if route.public else SIGNED_IN_LANGUAGE)
    if parameters:
        found["parameters"] = parameters
    if operation.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
        }
    responses: dict[str, Any] = {}
    for status in sorted({operation.status, *operation.other_statuses}):
        success: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if operation.response is not None and status != HTTPStatus.NO_CONTENT:
            success["content"] = {"application/json": {"schema": refs[(operation.response, "serialization")]}}
        responses[str(status)] = success
    # What the edge answers before the function runs: a body over the web ACL's limit and the stage's
    # throttling on every route, and the authorizer on the signed-in ones.
    errors = {*operation.errors, *EDGE_ERRORS}
    if not route.public:
        errors.add(HTTPStatus.UNAUTHORIZED)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Error")}}},
        }
    found["responses"] = responses
    found["security"] = [] if route.public else [{SECURITY_SCHEME: []}]
    return found


def _resolve(ref: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = schemas[ref["$ref"].rsplit("/", 1)[-1]]
    return found


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        parameter_schema = _not_null({k: v for k, v in field_schema.items() if k != "description"})
        parameter: dict[str, Any] = {
            "name": name,  # the alias, as a client writes it (`from`)
            "in": "query",
            "required": name in required,
            "schema": parameter_schema,
        }
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        if parameter_schema.get("type") == "array":
            # `type=invoice,payment`: one parameter, comma-separated (a repeated one is accepted too).
            parameter["style"], parameter["explode"] = "form", False
            # A set's schema says its items are unique, but a value given twice is accepted (and counts
            # once): the document must not call `type=credit,credit` invalid.
            parameter_schema.pop("uniqueItems", None)
        parameters.append(parameter)
    return parameters


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter is absent, never null: drop pydantic's `null` branch and default."""
    choices = [choice for choice in schema.get("anyOf", []) if choice != {"type": "null"}]
    if len(choices) != 1 or len(choices) == len(schema.get("anyOf", [])):
        return schema
    merged = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**choices[0], **merged}


def _operation_id(route: template.Route) -> str:
    words = [route.method.lower()]
    for segment in route.path.strip("/").split("/"):
        match = _PATH_PARAMETER.fullmatch(segment)
        words.append(f"by_{match.group(1)}" if match else segment.replace("-", "_"))
    return "_".join(words)


def write(path: Path) -> None:
    """The document as committed (`docs/openapi.json`): no server, keys in a stable order."""
    path.write_text(json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED)
