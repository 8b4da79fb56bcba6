"""The HTTP edge shared by every API function: routing, request parsing with pydantic, the signed-in
caller, and the one place where typed errors become HTTP responses.

Routing is ours, a dictionary lookup: API Gateway has already matched the request to one of the template's
routes and says which (`resource` and `httpMethod`), and hands over the path parameters decoded. Powertools'
REST resolver would match the path again, and importing its `event_handler` package costs a sixth of a cold
start (it loads every resolver it has, AppSync's asyncio included; see the README's notes on performance).
Its Logger, Metrics, idempotency and batch utilities stay. Each operation still declares its request and
response models, for the OpenAPI document.
"""

from __future__ import annotations

import functools
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ValidationError

from billing_portal.http.errors import error_body, invalid, validation_failed
from billing_portal.i18n import _
from billing_portal.i18n.words import Words, preferred_language, words_in
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

SIGN_IN = _("Sign in to continue.")


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
    # Imported here: wiring builds the adapter, and only the functions with signed-in routes need it.
    from billing_portal.wiring import build_session_records

    return build_session_records(session_settings())


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


@dataclass(frozen=True)
class Response:
    """An answer a handler gives itself (a status other than its operation's, or no body)."""

    status_code: int
    body: str = ""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_proxy_answer(self) -> dict[str, Any]:
        """What Lambda returns to API Gateway's REST proxy integration (headers in their multi-value form)."""
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        return {
            "statusCode": self.status_code,
            "body": self.body,
            "isBase64Encoded": False,
            "multiValueHeaders": {name: [value] for name, value in {**headers, **self.headers}.items()},
        }


class _Headers(dict[str, str]):
    """Request headers, read whatever the case of their names (HTTP names are case-insensitive)."""

    def __init__(self, headers: Mapping[str, str] | None) -> None:
        super().__init__({name.lower(): value for name, value in (headers or {}).items()})

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class Request:
    """The parts of API Gateway's proxy event the edge and the handlers read."""

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.raw_event: dict[str, Any] = dict(event)
        self.headers = _Headers(event.get("headers"))

    @property
    def body(self) -> str | None:
        body = self.raw_event.get("body")
        return body if isinstance(body, str) else None

    @property
    def is_base64_encoded(self) -> bool:
        return bool(self.raw_event.get("isBase64Encoded"))

    @property
    def query_string_parameters(self) -> dict[str, str]:
        return dict(self.raw_event.get("queryStringParameters") or {})

    @property
    def multi_value_query_string_parameters(self) -> dict[str, list[str]]:
        return dict(self.raw_event.get("multiValueQueryStringParameters") or {})

    @property
    def claims(self) -> dict[str, str]:
        """The Cognito authorizer's claims; none on a public route."""
        context = self.raw_event.get("requestContext") or {}
        return dict((context.get("authorizer") or {}).get("claims") or {})


def _template_path(path: str) -> str:
    """`/users/<username>`, as operations are declared, in the template's form: `/users/{username}`."""
    return re.sub(r"<(\w+)>", r"{\1}", path)


def error_response(error: PortalError, words: Words) -> Response:
    return Response(
        status_code=error.status, content_type="application/json", body=json.dumps(error_body(error, words))
    )


def request_words(headers: Mapping[str, str]) -> Words:
    """The words of a request no one is signed in to (yet): its `Accept-Language`."""
    return words_in(preferred_language(_Headers(headers).get("accept-language")))


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


_json = functools.partial(json.dumps, separators=(",", ":"), default=str)


class PortalResolver:
    """The operations of one API function, each with its request and response models, and the error
    mapping every answer goes through."""

    def __init__(self, session_records: Callable[[], SessionRecords] = table_session_records) -> None:
        self.operations: list[Operation] = []
        self.session_records = session_records
        self._routes: dict[tuple[str, str], Callable[..., Response]] = {}
        self._session_confirmed = False
        self.current_event = Request({})
        self.lambda_context: Any = None
        # The reader's words: their own language once their session is confirmed, `Accept-Language` before.
        self.words = words_in("en")

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        # Kept on this resolver, not shared: the local stack runs a function's execution environments as
        # threads of one process, and a request must never read another's.
        self.current_event = Request(event)
        self.lambda_context = context
        self.words = request_words(self.current_event.headers)
        route = (str(event.get("httpMethod") or "").upper(), str(event.get("resource") or ""))
        try:
            run = self._routes.get(route)
            if run is None:
                raise NotFound(_("There is no such resource."))
            answer = run(**dict(event.get("pathParameters") or {}))
        except PortalError as error:
            answer = error_response(error, self.words)
        except ValidationError as error:
            answer = error_response(validation_failed(error), self.words)
        return answer.as_proxy_answer()

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
        returns a response model (sent with `status`) or a `Response` of its own.

        A signed-in route answers only once the caller's session is confirmed (`confirm_session`): by the
        edge, with a read of the user's record before the handler runs, or, with `reads_session`, by the
        handler itself, which reads the record in the same request as its own data."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            # A body is JSON or refused (415), so that no page elsewhere can post a form or plain text.
            declared = (*errors, 415) if body is not None and 415 not in errors else errors
            operation = Operation(
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
            self.operations.append(operation)

            @functools.wraps(handler)
            def run(**path_params: str) -> Response:
                return self._answer(operation, handler, path_params, reads_session=reads_session)

            self._routes[(method.upper(), _template_path(path))] = run
            return handler

        return register

    def _answer(
        self,
        operation: Operation,
        handler: Callable[..., Any],
        path_params: dict[str, str],
        *,
        reads_session: bool,
    ) -> Response:
        # API Gateway decodes the path parameters (`marc.okafor%40example.com` comes as the address) and
        # leaves `path` as the client sent it: the handler gets the value the client meant.
        kwargs: dict[str, Any] = dict(path_params)
        # Who asks comes first, as at API Gateway's authorizer: a token that no longer speaks for a user of
        # the account gets 401 whatever it sends.
        self._session_confirmed = operation.public
        if not operation.public and not reads_session:
            caller = self.caller()
            self.confirm_session(self.session_records().sessions_of(caller.account_id, caller.username))
        if operation.body is not None:
            kwargs["body"] = self.parse_body(operation.body)
        if operation.query is not None:
            kwargs["query"] = self.parse_query(operation.query)
        result = handler(**kwargs)
        if not self._session_confirmed:
            raise RuntimeError(
                f"{operation.method} {operation.path} answered without confirming the caller's session"
            )
        if isinstance(result, Response):
            return result
        payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
        return Response(status_code=operation.status, content_type="application/json", body=_json(payload))

    # -- request parsing ------------------------------------------------------------------------------

    def parse_body(self, model: type[ModelT]) -> ModelT:
        raw = self.current_event.body
        if raw is None or raw == "":
            raise BadRequest(_("The request needs a JSON body."))
        content_type = self.current_event.headers.get("content-type") or ""
        media_type = content_type.split(";")[0].strip().lower()
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            # A browser posts a form or plain text to any site without asking first: JSON only, always.
            raise UnsupportedMediaType(
                _("Send the request body as JSON, with Content-Type: application/json.")
            )
        if self.current_event.is_base64_encoded:
            raise BadRequest(_("The request body must be JSON text."))
        too_deep = BadRequest(
            _(
                "The request body nests deeper than {depth} levels of arrays and objects.",
                depth=MAX_JSON_DEPTH,
            )
        )
        try:
            data = json.loads(raw, object_pairs_hook=_unique_names, parse_constant=_not_json)
        except ValueError:
            # JSONDecodeError, an integer literal past Python's digit limit, a name given twice, NaN or
            # Infinity.
            raise BadRequest(_("The request body is not valid JSON.")) from None
        except RecursionError:
            raise too_deep from None  # deeper than the parser's own stack
        if _json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        if not isinstance(data, dict):
            raise ValidationFailed(_("The request body must be a JSON object."))
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
            FieldProblem(name, _("must be given once, not repeated"))
            for name, given in values.items()
            if len(given) > 1 and name in fields and not _takes_a_list(fields[name])
        ]
        if repeated:
            raise invalid("request", repeated)
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
        if sessions is None or not session_is_current(self._claims(), sessions):
            raise NotSignedIn(SIGN_IN)
        self._session_confirmed = True
        self.words = words_in(sessions.language)
        return caller

    def _claims(self) -> dict[str, str]:
        return self.current_event.claims


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
        message = request_words(event.get("headers") or {})(_("Something went wrong on our side."))
        answer = {
            "statusCode": 500,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"message": message, "code": "internal_error"}),
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
    # Another origin the portal is served from (WebOrigin), if any; the portal's own origin needs no CORS.
    origin = edge_settings().web_origin
    cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
    if isinstance(answer.get("multiValueHeaders"), dict):
        answer["multiValueHeaders"].update({name: [value] for name, value in cors.items()})
    else:
        answer.setdefault("headers", {}).update(cors)
    return answer
