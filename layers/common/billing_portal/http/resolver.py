"""The HTTP edge shared by every API function: routing on Powertools' REST resolver, request parsing with
pydantic, the signed-in caller, and the one place where typed errors become HTTP responses.

Powertools' `enable_validation` would parse and document requests for us, but importing it costs about a
fifth of a cold start (measured by `make bench`); parsing explicitly here keeps each function's import
within budget while each operation still declares its request and response models for the OpenAPI document.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from billing_portal.ledger.ports import UserSessions
from billing_portal.shared.errors import (
    BadRequest,
    FieldProblem,
    NotFound,
    NotSignedIn,
    PortalError,
    UnsupportedMediaType,
    ValidationFailed,
)
from billing_portal.shared.settings import FunctionSettings, settings_loader

logger = Logger()
ModelT = TypeVar("ModelT", bound=BaseModel)
# No request of the API nests deeper than a few levels; a body nested deeper is refused as it is read, so
# that nothing after the parser (a model, the card-data check) ever walks a body thousands of levels deep.
MAX_JSON_DEPTH = 32


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


# -- whether a token's user still has their sessions --------------------------------------------------------
# API Gateway's Cognito authorizer checks a token's signature and expiry only: a user deleted, or whose
# password was reset, keeps a working id token until it expires. So on every signed-in route the edge also
# asks the portal's record of the user, and refuses the token when the user is no longer one of the
# account's, or when its sign-in is older than the record's `valid_from`.

SIGN_IN = "Sign in to continue."


class SessionRecords(Protocol):
    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        """What the user's record says of their sessions; None when they are not (or no longer) a user of
        the account."""


class SessionSettings(FunctionSettings):
    """What the edge reads on a signed-in route, besides EdgeSettings: every function with such a route
    keeps its users in this table."""

    table_name: str


session_settings = settings_loader(SessionSettings)


def table_session_records() -> SessionRecords:
    # Imported here: only the functions with signed-in routes read the user records.
    from billing_portal.users.dynamo import DynamoUserRecords

    return DynamoUserRecords(session_settings().table_name)


def session_is_current(claims: Mapping[str, str], sessions: UserSessions | None) -> bool:
    """Whether the token whose claims these are still speaks for its user. `auth_time` is when the user
    signed in, kept by every token refreshed from that sign-in (API Gateway hands it over in epoch seconds;
    `iat` it turns into a date)."""
    if sessions is None:
        return False
    if sessions.valid_from <= 0:
        return True
    signed_in = claims.get("auth_time", "")
    return signed_in.isdigit() and int(signed_in) >= sessions.valid_from


def error_response(error: PortalError) -> Response[str]:
    body: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details:
        body["details"] = [{"field": d.field, "message": d.message} for d in error.details]
    return Response(status_code=error.status, content_type="application/json", body=json.dumps(body))


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


def validation_failed(error: ValidationError, model: type[BaseModel] | None = None) -> ValidationFailed:
    """The 422 for a pydantic error; with the request model validated, a pattern is told in its words."""
    details = _problems(error, model)
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:3])
    return ValidationFailed(f"The request is not valid: {summary}.", details)


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


def _json_depth(data: Any) -> int:
    """How many arrays and objects deep a parsed JSON value nests (0 for a scalar), without recursion; stops
    counting past the limit."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending and deepest <= MAX_JSON_DEPTH:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            inner = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in inner)
    return deepest


def _query_fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields by each name a client may write in a query: its own, and its alias (`from`)."""
    fields = dict(model.model_fields)
    fields.update({field.alias: field for field in model.model_fields.values() if field.alias})
    return fields


def _takes_a_list(field: Any) -> bool:
    """Whether a field holds a list, set or tuple of values (optional or not)."""
    annotation = field.annotation
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    choices = typing.get_args(annotation) if union else (annotation,)
    return any(typing.get_origin(choice) in (list, set, frozenset, tuple) for choice in choices)


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

    def __init__(self, session_records: Callable[[], SessionRecords] = table_session_records) -> None:
        super().__init__(serializer=functools.partial(json.dumps, separators=(",", ":"), default=str))
        self.operations: list[Operation] = []
        self.session_records = session_records
        self._session_confirmed = False
        self.exception_handler(PortalError)(error_response)
        self.exception_handler(ValidationError)(self._invalid)
        self.exception_handler(NotFoundError)(self._no_route)

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        # Powertools keeps the request on its base class, shared by every resolver of the process. Lambda
        # serves one request per process at a time; the local stack runs a function's execution
        # environments as threads of one process. Kept on this resolver, a request never reads another's.
        self.current_event = APIGatewayProxyEvent(dict(event), self._json_body_deserializer)
        self.lambda_context = context
        return super().resolve(event, context)

    @staticmethod
    def _invalid(error: ValidationError) -> Response[str]:
        return error_response(validation_failed(error))

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
        reads_session: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a route. The handler receives `body=` and `query=` already parsed when declared, and
        returns a response model (sent with `status`) or a Powertools `Response`.

        A signed-in route answers only once the caller's session is confirmed (`confirm_session`): by the
        edge, with a read of the user's record before the handler runs, or, with `reads_session`, by the
        handler itself, which reads the record in the same request as its own data."""

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
                # Powertools matches the route on the event's `path`, which API Gateway leaves as the client
                # sent it (`marc.okafor%40example.com`); the handler gets the value the client meant, as
                # API Gateway decodes it into `pathParameters`. Matched segment by segment, an encoded `/`
                # stays inside its parameter.
                kwargs: dict[str, Any] = {name: unquote(value) for name, value in path_params.items()}
                # Who asks comes first, as at API Gateway's authorizer: a token that no longer speaks for a
                # user of the account gets 401 whatever it sends.
                self._session_confirmed = public
                if not public and not reads_session:
                    caller = self.caller()
                    self.confirm_session(
                        self.session_records().sessions_of(caller.account_id, caller.username)
                    )
                if body is not None:
                    kwargs["body"] = self.parse_body(body)
                if query is not None:
                    kwargs["query"] = self.parse_query(query)
                result = handler(**kwargs)
                if not self._session_confirmed:
                    raise RuntimeError(f"{method} {path} answered without confirming the caller's session")
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
        too_deep = BadRequest(
            f"The request body nests deeper than {MAX_JSON_DEPTH} levels of arrays and objects."
        )
        try:
            data = json.loads(raw, object_pairs_hook=_unique_names, parse_constant=_not_json)
        except ValueError:
            # JSONDecodeError, an integer literal past Python's digit limit, a name given twice, NaN or
            # Infinity.
            raise BadRequest("The request body is not valid JSON.") from None
        except RecursionError:
            raise too_deep from None  # deeper than the parser's own stack
        if _json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        if not isinstance(data, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        return self._validated(model, data)

    def parse_query(self, model: type[ModelT]) -> ModelT:
        """Query parameters. A list-valued one may be repeated, meaning the list (`type=a&type=b` is
        `type=a,b`); any other given twice is refused, as which value counts would be a guess (API
        Gateway's `queryStringParameters` keeps the last one)."""
        multi = self.current_event.multi_value_query_string_parameters or {}
        single = self.current_event.query_string_parameters or {}
        values = {name: multi.get(name) or [value] for name, value in single.items()}
        fields = _query_fields(model)
        repeated = [
            FieldProblem(name, "must be given once, not repeated")
            for name, given in values.items()
            if len(given) > 1 and name in fields and not _takes_a_list(fields[name])
        ]
        if repeated:
            summary = "; ".join(f"{p.field}: {p.message}" for p in repeated[:3])
            raise ValidationFailed(f"The request is not valid: {summary}.", repeated)
        return self._validated(model, {name: ",".join(given) for name, given in values.items()})

    @staticmethod
    def _validated(model: type[ModelT], data: dict[str, Any]) -> ModelT:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise validation_failed(error, model) from None

    # -- the caller -----------------------------------------------------------------------------------

    def caller(self) -> Caller:
        """The signed-in user, from the Cognito authorizer's claims; never from the path or body."""
        claims = self._claims()
        account_id = claims.get("custom:account_id")
        username = claims.get("cognito:username")
        if not account_id or not username:
            raise NotSignedIn(SIGN_IN)
        return Caller(account_id=account_id, username=username.lower())

    def confirm_session(self, sessions: UserSessions | None) -> Caller:
        """The caller, once their record (`sessions`, as read for them) shows the token still speaks for
        them; NotSignedIn otherwise, as when there is no token."""
        caller = self.caller()
        if not session_is_current(self._claims(), sessions):
            raise NotSignedIn(SIGN_IN)
        self._session_confirmed = True
        return caller

    def _claims(self) -> dict[str, str]:
        if not self._has_authorizer():
            return {}
        return dict(self.current_event.request_context.authorizer.claims or {})

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
