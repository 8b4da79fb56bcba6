"""The one mapping from a typed error to what a client reads: the error body of every API answer and of
every direct invocation's refusal (the billing engine's ingest, the billing team's restore), and a pydantic
validation error told in words (never a regular expression). Free of Powertools, so the functions invoked
directly import only this."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ValidationError

from billing_portal.shared.errors import FieldProblem, PortalError, ValidationFailed


def error_body(error: PortalError) -> dict[str, Any]:
    """`{"message", "code", "details"?}`, as every error answer of the API is."""
    body: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details:
        body["details"] = [{"field": d.field, "message": d.message} for d in error.details]
    return body


def rejected(error: PortalError) -> dict[str, Any]:
    """A direct invocation's answer to a request it refuses, with the status an API answer would have."""
    return {"status": "rejected", "http_status": error.status, "error": error_body(error)}


def _problems(error: ValidationError, model: type[BaseModel] | None = None) -> list[FieldProblem]:
    """Each field at fault, in words a customer reads. A value outside a field's pattern is told with the
    field's description of its shape (from `model`, the request model validated), never the pattern."""
    problems = []
    for issue in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in issue["loc"]) or "body"
        message = issue["msg"].removeprefix("Value error, ")
        if issue["type"] == "string_pattern_mismatch":
            shape = _described_shape(model, issue["loc"]) if model is not None else None
            message = f"must be {_as_continuation(shape)}" if shape else "is not in the form this field takes"
        elif issue["type"] == "extra_forbidden":
            message = "is not a field this operation accepts"
        elif issue["type"] == "missing":
            message = "is required"
        problems.append(FieldProblem(where, message))
    return problems


def validation_failed(
    error: ValidationError, model: type[BaseModel] | None = None, subject: str = "request"
) -> ValidationFailed:
    """The 422 for a pydantic error (of a request, or of a document sent directly); with the model validated,
    a pattern is told in its words."""
    details = _problems(error, model)
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:3])
    return ValidationFailed(f"The {subject} is not valid: {summary}.", details)


@functools.cache
def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _described_shape(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The description of the string field at `loc` (an error's location) in the model's JSON schema: the
    nearest one on the way from the field's property to its pattern, through references and `anyOf`."""
    schema = _json_schema(model)
    definitions: dict[str, Any] = schema.get("$defs", {})

    def at(node: dict[str, Any], rest: tuple[int | str, ...], described: str | None) -> str | None:
        if "$ref" in node:
            target = definitions.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
            node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
        described = node.get("description", described)
        if not rest and "pattern" in node:
            return described
        for choice in node.get("anyOf", []):
            found = at(choice, rest, described)
            if found:
                return found
        if not rest:
            return None
        step, after = rest[0], rest[1:]
        if isinstance(step, str) and step in node.get("properties", {}):
            return at(node["properties"][step], after, None)
        if isinstance(step, int) and isinstance(node.get("items"), dict):
            return at(node["items"], after, None)
        return None

    return at(schema, tuple(loc), None)


def _as_continuation(description: str) -> str:
    """A description, written as a sentence of its own, continuing one: "Up to..." as "up to...", while an
    initialism ("CA...") keeps its capitals."""
    if description[:1].isupper() and not description[1:2].isupper():
        description = description[0].lower() + description[1:]
    return description.rstrip(".")
