"""The local stand-in for API Gateway: matches a request to the template's route, acts as the Cognito
authorizer, turns the request into the REST proxy event the route would deliver, calls the function's
handler, and writes its answer back. The stack's own endpoints (/health, /openapi.json, /_local/...) are
routes of their own that never reach a function.

`Gateway` knows nothing of sockets (it takes a parsed request and returns a `Reply`); `GatewayServer` and
`GatewayRequestHandler` are the HTTP/1.1 plumbing on the standard library's threading server."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from localrun import events, functions, template
from localrun.tokens import CognitoTokenVerifier, InvalidToken

logger = logging.getLogger("localrun.gateway")

# The limit the deployed API's web ACL enforces (infra/template.yaml, PortalWebAcl): 413 above it.
MAX_BODY_BYTES = 64 * 1024
# After refusing a body, how much of it is still read and thrown away so the client, busy sending, gets
# to read the 413 instead of a connection reset (what nginx calls a lingering close).
LINGER_BYTES = 64 * 1024 * 1024
LINGER_SECONDS = 2.0
MAX_ENVIRONMENTS = 8  # per function: enough for the concurrency a person can cause from a browser or test
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


# -- replies ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


def json_reply(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status, (("Content-Type", "application/json"), *headers), body)


def error_reply(status: int, message: str, code: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return json_reply(status, {"message": message, "code": code}, headers)


# -- requests and routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded, without the query string
    query: str  # raw, as sent
    headers: tuple[tuple[str, str], ...]  # as sent, in order, repeated names kept
    body: bytes
    client_ip: str = "127.0.0.1"
    path_parameters: Mapping[str, str] = field(default_factory=dict)  # decoded
    raw_path: str = ""  # the path as sent, still percent-encoded ("" when it is `path` as is)

    def header(self, name: str) -> str | None:
        """The last value of a header (what API Gateway puts in `headers`), any case."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found

    def json(self) -> Any:
        """The body as JSON; `ValueError` when it is not."""
        return json.loads(self.body.decode("utf-8")) if self.body else None


LocalHandler = Callable[[Request], Reply]


@dataclass(frozen=True)
class PathTemplate:
    """A path as the template writes it: literal segments, `{name}` and a greedy `{name+}`."""

    path: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, path: str) -> PathTemplate:
        return cls(path, tuple(path.strip("/").split("/")) if path.strip("/") else ())

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        parameters: dict[str, str] = {}
        for index, pattern in enumerate(self.segments):
            parameter = _PARAMETER.fullmatch(pattern)
            if parameter and parameter.group(2):  # greedy: the rest of the path
                rest = segments[index:]
                if not rest or not all(rest):
                    return None
                parameters[parameter.group(1)] = "/".join(rest)
                return parameters
            if index >= len(segments) or not segments[index]:
                return None
            if parameter:
                parameters[parameter.group(1)] = segments[index]
            elif pattern != segments[index]:
                return None
        return parameters if len(segments) == len(self.segments) else None

    @property
    def specificity(self) -> tuple[int, ...]:
        """Sorts literal segments before parameters, as API Gateway prefers /users/me over /users/{id}."""
        return tuple(
            2 if (m := _PARAMETER.fullmatch(s)) and m.group(2) else 1 if m else 0 for s in self.segments
        )


class RouteTable:
    """Resources (paths) with a target per method."""

    def __init__(self) -> None:
        self._resources: dict[str, tuple[PathTemplate, dict[str, Any]]] = {}

    def add(self, method: str, path: str, target: Any) -> None:
        resource = self._resources.setdefault(path, (PathTemplate.parse(path), {}))
        if method in resource[1]:
            raise ValueError(f"{method} {path} is routed twice")
        resource[1][method] = target

    def find(self, segments: tuple[str, ...]) -> tuple[PathTemplate, dict[str, Any], dict[str, str]] | None:
        """The most specific resource matching the (decoded) path segments, its targets by method, and the
        path parameters."""
        if segments == ("",):
            segments = ()  # the root, /
        ordered = sorted(self._resources.values(), key=lambda resource: resource[0].specificity)
        for path_template, targets in ordered:
            parameters = path_template.match(segments)
            if parameters is not None:
                return path_template, targets, parameters
        return None


# -- the gateway -----------------------------------------------------------------------------------------


class Gateway:
    """Routing, the Cognito authorizer and the Lambda proxy integration, for the template's routes, plus
    the local stack's own endpoints."""

    def __init__(
        self,
        verifier: CognitoTokenVerifier,
        local_routes: Mapping[tuple[str, str], LocalHandler] | None = None,
        routes: Iterable[template.Route] | None = None,
    ) -> None:
        self.verifier = verifier
        self.table = RouteTable()
        self.routes = list(template.routes() if routes is None else routes)
        for route in self.routes:
            self.table.add(route.method, route.path, route)
        for (method, path), handler in (local_routes or {}).items():
            self.table.add(method, path, handler)
        self._environments = {logical_id: ExecutionEnvironments() for logical_id in template.functions()}

    def add_local_route(self, method: str, path: str, handler: LocalHandler) -> None:
        self.table.add(method, path, handler)

    def load_functions(self) -> None:
        """Import every routed function now: the first requests are quick, and a broken one fails early."""
        for route in self.routes:
            functions.handler(route.function)

    def handle(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes, client_ip: str
    ) -> Reply:
        try:
            return self._handle(method, target, tuple(headers), body, client_ip)
        except Exception:
            # The client gets a generic answer; the stack trace goes to the console of `make run`.
            logger.exception("%s %s failed", method, target)
            return error_reply(500, "Something went wrong on our side.", "internal_error")

    def _handle(
        self, method: str, target: str, headers: tuple[tuple[str, str], ...], body: bytes, client_ip: str
    ) -> Reply:
        split = urlsplit(target)
        if not split.path.startswith("/"):
            return error_reply(400, "The request target must be a path.", "bad_request")
        # Decoded segment by segment, so that an encoded `/` (%2F) stays inside its path parameter.
        segments = tuple(unquote(segment) for segment in split.path.split("/")[1:])
        path = "/" + "/".join(segments)
        found = self.table.find(segments)
        if found is None:
            return error_reply(404, f"There is no resource at {path}.", "not_found")
        path_template, targets, parameters = found
        handler = targets.get(method)
        if handler is None:
            allowed = ", ".join(sorted(targets))
            return error_reply(
                405,
                f"{path_template.path} does not accept {method}; it accepts {allowed}.",
                "method_not_allowed",
                (("Allow", allowed),),
            )
        request = Request(method, path, split.query, headers, body, client_ip, parameters, split.path)
        if isinstance(handler, template.Route):
            return self._invoke(handler, request)
        reply: Reply = handler(request)
        return reply

    def _invoke(self, route: template.Route, request: Request) -> Reply:
        claims = None
        if not route.public:
            try:
                claims = _string_claims(self.verifier.claims(request.header("Authorization")))
            except InvalidToken as refused:
                logger.info("%s %s: not signed in (%s)", request.method, request.path, refused)
                return error_reply(
                    401, "Sign in to continue.", "not_signed_in", (("WWW-Authenticate", "Bearer"),)
                )
        headers: dict[str, str] = {}
        for name, value in request.headers:
            headers[name] = value  # the last one wins, as in the event's `headers`
        headers.setdefault("X-Forwarded-For", request.client_ip)
        headers.setdefault("X-Forwarded-Proto", "http")
        event = events.api_event(
            request.method,
            route.path,
            request.raw_path or request.path,  # as API Gateway's REST API: `path` as the client sent it
            path_parameters=dict(request.path_parameters),
            query=request.query,
            headers=headers,
            body=request.body or None,
            claims=claims,
            source_ip=request.client_ip,
        )
        request_id = str(event["requestContext"]["requestId"])
        return _from_proxy_result(self.invoke(route.function, event, request_id), request_id, route)

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        """Call a function's handler as Lambda would, one invocation at a time per function."""
        context = functions.LambdaContext(logical_id, request_id or str(uuid.uuid4()))
        with self._environments[logical_id].one() as environment:
            return functions.handler(logical_id, environment)(event, context)


class ExecutionEnvironments:
    """A function's execution environments, as Lambda keeps them: each serves one request at a time (the
    functions' resolvers keep the current event on the module's `app`), and concurrent requests get
    environments of their own, up to a limit, beyond which they wait for one to be free."""

    def __init__(self, limit: int = MAX_ENVIRONMENTS) -> None:
        self.limit = limit
        self._free: list[int] = []
        self._created = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def one(self) -> Iterator[int]:
        with self._changed:
            while not self._free and self._created >= self.limit:
                self._changed.wait()
            if self._free:
                environment = self._free.pop()
            else:
                environment, self._created = self._created, self._created + 1
        try:
            yield environment
        finally:
            with self._changed:
                self._free.append(environment)
                self._changed.notify()


def _string_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to the function: every value a string, booleans in JSON's words,
    and `exp` and `iat` turned into dates ("Tue Nov 03 16:53:10 UTC 2026"), while `auth_time` stays in
    epoch seconds."""
    return {name: _claim_text(name, value) for name, value in claims.items()}


def _claim_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in ("exp", "iat") and isinstance(value, int):
        # In English whatever the machine's locale, as API Gateway writes it.
        moment = datetime.fromtimestamp(value, UTC)
        weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[moment.weekday()]
        month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[
            moment.month - 1
        ]
        return f"{weekday} {month} {moment.day:02d} {moment:%H:%M:%S} UTC {moment.year}"
    return str(value)


def _from_proxy_result(result: Any, request_id: str, route: template.Route) -> Reply:
    """The proxy integration's answer, as API Gateway turns it into HTTP (a malformed one is a 502)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int | str):
        logger.error("%s returned a malformed proxy result: %r", route.function, result)
        return error_reply(502, "The function's answer could not be read.", "bad_gateway")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((str(name), str(value)))
    for name, values in multi.items():
        headers.extend((str(name), str(value)) for value in values or [])
    headers.append(("x-amzn-RequestId", request_id))
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Reply(int(result["statusCode"]), tuple(headers), payload)


# -- HTTP ------------------------------------------------------------------------------------------------


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True  # Ctrl-C does not wait for clients that keep a connection open
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], *, bind_and_activate: bool = True) -> None:
        super().__init__(address, GatewayRequestHandler, bind_and_activate=bind_and_activate)
        self.gateway: Gateway | None = None

    def bound(self) -> GatewayServer:
        """Bind the address without listening yet (connections are refused until `server_activate`)."""
        try:
            self.server_bind()
        except OSError:
            self.server_close()
            raise
        return self

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client went away; nothing to answer
        logger.exception("connection from %s failed", client_address)


class GatewayRequestHandler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "billing-portal-local"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is closed after this, freeing its thread

    def version_string(self) -> str:
        return self.server_version

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not served")
            return False
        if not hasattr(self, f"do_{self.command}"):
            # Any other method (TRACE, QUERY...) goes to the route table too, which answers 405 or 404 as
            # API Gateway refuses it, not the standard library's 501: no 5xx for what a client sends.
            setattr(self, f"do_{self.command}", self._serve)
        return True

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # -- request body ----------------------------------------------------------------------------------

    def handle_expect_100(self) -> bool:
        """A client that waits for 100 Continue learns that its body is too large before sending it."""
        length = self.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > MAX_BODY_BYTES:
            self._refuse_body()
            return False
        return super().handle_expect_100()

    def _serve(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        if body is None:
            return  # an error was answered and the connection is closing
        gateway = self.server.gateway
        if gateway is None:
            reply = error_reply(503, "The local stack is still starting.", "starting")
        else:
            reply = gateway.handle(
                self.command, self.path, self.headers.items(), body, str(self.client_address[0])
            )
        self._send(reply)
        self.log_message(
            '"%s %s" %d %.0f ms', self.command, self.path, reply.status, (time.monotonic() - started) * 1000
        )

    def _read_body(self) -> bytes | None:
        length_header = self.headers.get_all("Content-Length") or []
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if self.headers.get("Transfer-Encoding") and (not chunked or length_header):
            self._fail(400, "Send the body with either Content-Length or chunked transfer encoding.")
            return None
        if chunked:
            return self._read_chunked()
        if not length_header:
            return b""
        if len(set(length_header)) != 1 or not length_header[0].strip().isdigit():
            self._fail(400, "The Content-Length header is not valid.")
            return None
        length = int(length_header[0])
        if length > MAX_BODY_BYTES:
            self._refuse_body(remaining=length)
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True  # the client hung up half-way
            return None
        return body

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self._fail(400, "The chunked request body is malformed.")
                return None
            if size == 0:
                break
            if len(body) + size > MAX_BODY_BYTES:
                self._refuse_body()
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(1024).strip():
                self._fail(400, "The chunked request body is malformed.")
                return None
            body += chunk
        while self.rfile.readline(1024).strip():  # trailers, ignored
            pass
        return bytes(body)

    def _refuse_body(self, remaining: int = LINGER_BYTES) -> None:
        """413 before reading the body, then throw away what the client is still sending, within limits."""
        self._send(
            error_reply(
                413,
                f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.",
                "payload_too_large",
                (("Connection", "close"),),
            )
        )
        self.close_connection = True
        self.log_message('"%s %s" 413 body too large', self.command, self.path)
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            left = min(remaining, LINGER_BYTES)
            while left > 0 and time.monotonic() < deadline:
                self.connection.settimeout(max(0.01, deadline - time.monotonic()))
                received = self.connection.recv(min(left, 65536))
                if not received:
                    break
                left -= len(received)
        except OSError:
            pass  # the client is gone, which is fine

    # -- answers ---------------------------------------------------------------------------------------

    def _fail(self, status: int, message: str) -> None:
        self.close_connection = True
        self._send(error_reply(status, message, _code(status), (("Connection", "close"),)))

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        names = {name.lower() for name, _ in reply.headers}
        for name, value in reply.headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        if reply.header("Connection") == "close" or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        if reply.body and "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        if reply.status >= 200 and reply.status not in (204, 304):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.status not in (204, 304):
            self.wfile.write(reply.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors of the HTTP layer (a malformed request line, headers too large...) as JSON too."""
        if self.request_version == "HTTP/0.9" or not self.request_version:
            self.request_version = "HTTP/1.0"  # so that the answer has a status line and headers
        self.close_connection = True
        status = HTTPStatus(code)
        text = f"{status.phrase}: {message}." if message and message != status.phrase else f"{status.phrase}."
        self.log_message("%d %s", code, message or status.phrase)
        self._send(error_reply(code, text, _code(code), (("Connection", "close"),)))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Each answer is logged once, with its duration, by `_serve`."""

    def log_message(self, format: str, *args: Any) -> None:
        line = f"{self.log_date_time_string()} {format % args}".translate(_CONTROL)
        sys.stderr.write(line + "\n")


def _code(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


# Keeps whatever a client sends in the request line from writing escape sequences into the console.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
