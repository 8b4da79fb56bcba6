"""The one mapping from a typed error to what a client reads: the error body of every API answer and of
every direct invocation's refusal (the billing engine's ingest, the billing team's restore), and a pydantic
validation error told in words (never a regular expression), in the reader's language. Free of Powertools,
so the functions invoked directly import only this."""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from billing_portal.i18n import Continued, Text, _
from billing_portal.i18n.words import Words, words_in
from billing_portal.shared.errors import FieldProblem, PortalError, ValidationFailed


def error_body(error: PortalError, words: Words) -> dict[str, Any]:
    """`{"message", "code", "details"?}`, as every error answer of the API is; `code` is the same in every
    language."""
    body: dict[str, Any] = {"message": words(error.message), "code": error.code}
    if error.details:
        body["details"] = [{"field": d.field, "message": words(d.message)} for d in error.details]
    return body


def rejected(error: PortalError) -> dict[str, Any]:
    """A direct invocation's answer to a request it refuses (the billing engine and the billing team read
    English), with the status an API answer would have."""
    return {"status": "rejected", "http_status": error.status, "error": error_body(error, words_in("en"))}


# What each kind of pydantic error says of its field; `{...}` are the error's context values.
_SAID: dict[str, Text] = {
    "missing": _("is required"),
    "extra_forbidden": _("is not a field this operation accepts"),
    "string_type": _("must be text"),
    "string_too_long": _("must be at most {max_length} characters long"),
    "too_short": _("must have at least {min_length} items"),
    "too_long": _("must have at most {max_length} items"),
    "int_type": _("must be a whole number"),
    "int_parsing": _("must be a whole number"),
    "int_from_float": _("must be a whole number"),
    "bool_type": _("must be true or false"),
    "bool_parsing": _("must be true or false"),
    "greater_than": _("must be more than {gt}"),
    "greater_than_equal": _("must be at least {ge}"),
    "less_than": _("must be less than {lt}"),
    "less_than_equal": _("must be at most {le}"),
    "date_type": _("must be a date written YYYY-MM-DD"),
    "date_parsing": _("must be a date written YYYY-MM-DD"),
    "date_from_datetime_parsing": _("must be a date written YYYY-MM-DD"),
    "date_from_datetime_inexact": _("must be a date written YYYY-MM-DD"),
    "dict_type": _("must be an object"),
    "model_type": _("must be an object"),
    "model_attributes_type": _("must be an object"),
    "list_type": _("must be a list"),
    "decimal_type": _("must be a number"),
    "decimal_parsing": _("must be a number"),
    "float_type": _("must be a number"),
    "float_parsing": _("must be a number"),
    "union_tag_not_found": _("is required"),
}
_NOT_VALID = _("is not valid")
_QUOTED = re.compile(r"'([^']*)'")


def _said(issue: Any, model: type[BaseModel] | None) -> Text:
    """What one pydantic error says of its field, from the catalogue."""
    kind = issue["type"]
    context = issue.get("ctx") or {}
    if kind == "value_error":
        # Our validators raise ValueError with a catalogue Text; pydantic keeps the exception in the context.
        reason = getattr(context.get("error"), "args", ("",))[0]
        return reason if isinstance(reason, Text) else _NOT_VALID
    if kind == "string_pattern_mismatch":
        shape = _described_shape(model, issue["loc"]) if model is not None else None
        return _("must be {shape}", shape=Continued(Text(shape))) if shape else _NOT_VALID
    if kind == "string_too_short":
        minimum = int(context.get("min_length", 1))
        return (
            _("must not be empty")
            if minimum <= 1
            else _("must be at least {min_length} characters long", min_length=minimum)
        )
    if kind in ("literal_error", "enum", "union_tag_invalid"):
        expected = str(context.get("expected") or context.get("expected_tags") or "")
        return _("must be one of: {choices}", choices=", ".join(_QUOTED.findall(expected)) or expected)
    said = _SAID.get(kind)
    if said is None:
        return _NOT_VALID
    values = {
        name: context[name]
        for name in ("max_length", "min_length", "gt", "ge", "lt", "le")
        if name in context
    }
    return Text(
        said.msgid,
        tuple((name, value if isinstance(value, int) else str(value)) for name, value in values.items()),
    )


def _problems(error: ValidationError, model: type[BaseModel] | None = None) -> list[FieldProblem]:
    """Each field at fault, in words a customer reads. A value outside a field's pattern is told with the
    field's description of its shape (from `model`, the request model validated), never the pattern."""
    return [
        FieldProblem(_where(issue), _said(issue, model))
        for issue in error.errors(include_url=False, include_input=False)
    ]


def _where(issue: Any) -> str:
    """The field at fault, dotted; a tagged union's tag field (`kind`) when its tag is missing or unknown."""
    place = ".".join(str(p) for p in issue["loc"])
    if issue["type"] in ("union_tag_invalid", "union_tag_not_found"):
        tag = str((issue.get("ctx") or {}).get("discriminator", "")).strip("'\"")
        place = ".".join(part for part in (place, tag) if part)
    return place or "body"


def invalid(subject: str, details: list[FieldProblem]) -> ValidationFailed:
    """The 422 for these field problems, the first three of them summed up in its message."""
    summary = tuple(_("{field}: {problem}", field=d.field, problem=d.message) for d in details[:3])
    said = {
        "request": _("The request is not valid: {problems}.", problems=summary),
        "document": _("The document is not valid: {problems}.", problems=summary),
    }
    return ValidationFailed(said[subject], details)


def validation_failed(
    error: ValidationError, model: type[BaseModel] | None = None, subject: str = "request"
) -> ValidationFailed:
    """The 422 for a pydantic error (of a request, or of a document sent directly); with the model validated,
    a pattern is told in its words."""
    return invalid(subject, _problems(error, model))


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
