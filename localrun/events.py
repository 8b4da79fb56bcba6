"""Builds the events functions receive: the API Gateway (REST, proxy integration) event a template route
delivers, with the Cognito authorizer's claims, and the event of an EventBridge schedule. Used by the local
stack, the tests and the `events/` samples."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs


def api_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    claims: dict[str, Any] | None = None,
    stage: str = "local",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event of a request to `resource` (the template's route, `/users/{username}`). As API Gateway's
    REST API delivers it, `path` (and `requestContext.path`, after the stage) is the path as the client sent
    it, still percent-encoded (`/users/marc.okafor%40example.com`), while `path_parameters` are decoded
    (`marc.okafor@example.com`), as are the query's parameters (the last of a repeated one in
    `queryStringParameters`, all of them in `multiValueQueryStringParameters`)."""
    headers = dict(headers or {})
    parsed = parse_qs(query, keep_blank_values=True) if query else {}
    is_base64 = False
    text_body: str | None
    if isinstance(body, bytes):
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode(), True
    else:
        text_body = body
    request_id = str(uuid.uuid4())
    context: dict[str, Any] = {
        "resourcePath": resource,
        "httpMethod": method,
        "path": f"/{stage}{path}",
        "stage": stage,
        "requestId": request_id,
        "requestTimeEpoch": int(time.time() * 1000),
        "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
        "accountId": "123456789012",
        "apiId": "local",
    }
    if claims is not None:
        context["authorizer"] = {"claims": {k: str(v) for k, v in claims.items()}}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in parsed.items()} or None,
        "multiValueQueryStringParameters": parsed or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def scheduled_event(rule: str, at: datetime, *, event_id: str | None = None) -> dict[str, Any]:
    """The event an EventBridge schedule rule delivers to its function at `at`."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "ca-central-1",
        "resources": [f"arn:aws:events:ca-central-1:123456789012:rule/{rule}"],
        "detail": {},
    }
