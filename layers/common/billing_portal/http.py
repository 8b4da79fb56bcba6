"""The HTTP edge shared by every API function: routing on Powertools' REST resolver, request parsing with
pydantic, the signed-in caller, and the one place where typed errors become HTTP responses.

Powertools' `enable_validation` would parse and document requests for us, but importing it costs about a
fifth of a cold start (measured by `make bench`); parsing explicitly here keeps each function's import
within budget while each operation still declares its request and response models for the OpenAPI document.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ValidationError

from billing_portal.errors import (
    BadRequest,
    FieldProblem,
    NotFound,
    NotSignedIn,
    PortalError,
    UnsupportedMediaType,
    ValidationFailed,
)
from billing_portal.settings import FunctionSettings, settings_loader

logger = Logger()
ModelT = TypeVar("ModelT", bound=BaseModel)


class EdgeSettings(FunctionSettings):
    """What every API function's HTTP edge reads, besides the function's own settings."""

    web_origin: str  # the web portal's origin, the one browsers may call the API from (CORS)


edge_settings = settings_loader(EdgeSettings)


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route."""

    method: str
    path: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    public: bool
    headers: tuple[str, ...] = ()  # request headers the operation requires
    # Success statuses besides `status` that the handler answers itself, with the same response model.
    other_statuses: tuple[int, ...] = ()


@dataclass(frozen=True)
class Caller:
    account_id: str
    username: str


def error_response(error: PortalError) -> Response[str]:
    body: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details:
        body["details"] = [{"field": d.field, "message": d.message} for d in error.details]
    return Response(status_code=error.status, content_type="application/json", body=json.dumps(body))


def _problems(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for issue in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in issue["loc"]) or prefix or "body"
        message = issue["msg"].removeprefix("Value error, ")
        if issue["type"] == "extra_forbidden":
            message = "is not a field this operation accepts"
        elif issue["type"] == "missing":
            message = "is required"
        problems.append(FieldProblem(f"{prefix}{where}" if prefix and where != prefix else where, message))
    return problems


def _unique_names(members: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a name appears twice: which of the values counts would be a guess (one
    parser keeps the first, another the last)."""
    found = dict(members)
    if len(found) != len(members):
        raise ValueError("a name appears twice in an object")
    return found


def _not_json(constant: str) -> Any:
    """NaN, Infinity and -Infinity, which Python's parser accepts but JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


def _header(headers: dict[str, str] | None, name: str) -> str:
    """A request header whatever the case of its name ("" when absent)."""
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value or ""
    return ""


class PortalResolver(APIGatewayRestResolver):
    """Powertools' resolver with our error mapping and per-operation request models."""

    def __init__(self) -> None:
        super().__init__(serializer=functools.partial(json.dumps, separators=(",", ":"), default=str))
        self.operations: list[Operation] = []
        self.exception_handler(PortalError)(error_response)
        self.exception_handler(ValidationError)(self._invalid)
        self.exception_handler(NotFoundError)(self._no_route)

    @staticmethod
    def _invalid(error: ValidationError) -> Response[str]:
        details = _problems(error)
        summary = "; ".join(f"{d.field}: {d.message}" for d in details[:3])
        return error_response(ValidationFailed(f"The request is not valid: {summary}.", details))

    @staticmethod
    def _no_route(_: NotFoundError) -> Response[str]:
        return error_response(NotFound("There is no such resource."))

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        public: bool = False,
        headers: tuple[str, ...] = (),
        other_statuses: tuple[int, ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a route. The handler receives `body=` and `query=` already parsed when declared, and
        returns a response model (sent with `status`) or a Powertools `Response`."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            # A body is JSON or refused (415), so that no page elsewhere can post a form or plain text.
            declared = (*errors, 415) if body is not None and 415 not in errors else errors
            self.operations.append(
                Operation(
                    method,
                    path,
                    summary,
                    body,
                    query,
                    response,
                    status,
                    declared,
                    public,
                    headers,
                    other_statuses,
                )
            )

            @functools.wraps(handler)
            def run(**path_params: str) -> Response[Any]:
                kwargs: dict[str, Any] = dict(path_params)
                if body is not None:
                    kwargs["body"] = self.parse_body(body)
                if query is not None:
                    kwargs["query"] = self.parse_query(query)
                result = handler(**kwargs)
                if isinstance(result, Response):
                    return result
                payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
                return Response(
                    status_code=status, content_type="application/json", body=self._serializer(payload)
                )

            self.route(path, method, summary=summary)(run)
            return handler

        return register

    # -- request parsing ------------------------------------------------------------------------------

    def parse_body(self, model: type[ModelT]) -> ModelT:
        raw = self.current_event.body
        if raw is None or raw == "":
            raise BadRequest("The request needs a JSON body.")
        media_type = _header(self.current_event.headers, "content-type").split(";")[0].strip().lower()
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            # A browser posts a form or plain text to any site without asking first: JSON only, always.
            raise UnsupportedMediaType("Send the request body as JSON, with Content-Type: application/json.")
        if self.current_event.is_base64_encoded:
            raise BadRequest("The request body must be JSON text.")
        try:
            data = json.loads(raw, object_pairs_hook=_unique_names, parse_constant=_not_json)
        except (ValueError, RecursionError):
            # ValueError covers JSONDecodeError, an integer literal past Python's digit limit, a name given
            # twice and NaN or Infinity; RecursionError, nesting deeper than the parser's stack.
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        return model.model_validate(data)

    def parse_query(self, model: type[ModelT]) -> ModelT:
        """Query parameters, a repeated one joined with commas (`type=a&type=b` is `type=a,b`)."""
        multi = self.current_event.multi_value_query_string_parameters or {}
        single = self.current_event.query_string_parameters or {}
        values = {name: ",".join(multi.get(name) or [value]) for name, value in single.items()}
        return model.model_validate(values)

    # -- the caller -----------------------------------------------------------------------------------

    def caller(self) -> Caller:
        """The signed-in user, from the Cognito authorizer's claims; never from the path or body."""
        claims = (
            (self.current_event.request_context.authorizer.claims or {}) if self._has_authorizer() else {}
        )
        account_id = claims.get("custom:account_id")
        username = claims.get("cognito:username")
        if not account_id or not username:
            raise NotSignedIn("Sign in to continue.")
        return Caller(account_id=account_id, username=username.lower())

    def _has_authorizer(self) -> bool:
        context = self.current_event.raw_event.get("requestContext") or {}
        return bool(context.get("authorizer"))


def handle(app: PortalResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point of an API function: log with the function's context and the request's
    correlation id (API Gateway's request id), then resolve."""
    answered: dict[str, Any] = _logged(functools.partial(_resolve, app))(event, context)
    return answered


_logged = logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)


def _resolve(app: PortalResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        answer = app.resolve(event, context)
    except Exception:
        # Anything unexpected is logged with its stack and answered with a generic 500: no internals leak.
        logger.exception("unhandled error")
        answer = {
            "statusCode": 500,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"message": "Something went wrong on our side.", "code": "internal_error"}),
            "isBase64Encoded": False,
        }
    # One line a request, with its correlation id: the route's template (never the path itself, which may
    # carry a username), the status and the tenant. Bodies, headers and query strings are never logged.
    context_of_request = event.get("requestContext") or {}
    claims = (context_of_request.get("authorizer") or {}).get("claims") or {}
    logger.info(
        "request answered",
        extra={
            "http_method": event.get("httpMethod"),
            "route": event.get("resource"),
            "status": answer.get("statusCode"),
            "account_id": claims.get("custom:account_id"),
        },
    )
    # The web portal's pages call the API from their own origin; API Gateway answers the preflight.
    cors = {"Access-Control-Allow-Origin": edge_settings().web_origin, "Vary": "Origin"}
    if isinstance(answer.get("multiValueHeaders"), dict):
        answer["multiValueHeaders"].update({name: [value] for name, value in cors.items()})
    else:
        answer.setdefault("headers", {}).update(cors)
    return answer
