"""Stand-ins, in the local stack only, for what is not the portal's own: the card processor's hosted card
fields (test card details become a token) and its signed callbacks, and EventBridge running a schedule.
None of this is deployed; all of it is served under /_local/."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from billing_portal.i18n import Text
from billing_portal.i18n.words import preferred_language, words_in
from billing_portal.payments.processor import SIGNATURE_HEADER, ChargeStatus
from billing_portal.payments.sandbox import SandboxProcessor, tokenize
from billing_portal.shared import aws
from billing_portal.shared.clock import utc_today
from billing_portal.shared.errors import NotFound, PortalError
from localrun import events, template
from localrun.gateway import LocalHandler, Reply, Request, error_reply, json_reply

Invoke = Callable[[str, Any], Any]


def _object(request: Request, fields: dict[str, type], optional: frozenset[str]) -> dict[str, Any] | Reply:
    """The JSON object body with exactly these fields of these types, or a Reply saying what is wrong."""
    try:
        body = request.json() if request.body else {}
    except ValueError:
        return error_reply(400, "The request body is not valid JSON.", "bad_request")
    if not isinstance(body, dict):
        return error_reply(422, "The request body must be a JSON object.", "validation_failed")
    problems = [f"{name} is not a field this endpoint accepts" for name in sorted(set(body) - set(fields))]
    problems += [f"{name} is required" for name in sorted(set(fields) - set(body) - optional)]
    for name, kind in fields.items():
        value = body.get(name)
        if name in body and (not isinstance(value, kind) or isinstance(value, bool)):
            problems.append(f"{name} must be {'a whole number' if kind is int else 'text'}")
    if problems:
        return error_reply(422, f"The request is not valid: {'; '.join(problems)}.", "validation_failed")
    return body


def _portal_error(error: PortalError, request: Request) -> Reply:
    """A refusal of the sandbox processor's, in the words the browser's `Accept-Language` prefers (the
    hosted card fields speak the page's language)."""
    words = words_in(preferred_language(request.header("Accept-Language")))
    return error_reply(error.status, words(error.message), error.code)


def processor_routes(base_url: str) -> dict[tuple[str, str], LocalHandler]:
    def sandbox() -> SandboxProcessor:
        return SandboxProcessor(os.environ["TABLE_NAME"])

    def tokenize_card(request: Request) -> Reply:
        # The card number arrives here, as it would at the processor's hosted fields, and goes no further:
        # neither it nor the security code is logged or stored; the token carries brand, last 4 and expiry.
        body = _object(request, {"number": str, "exp_month": int, "exp_year": int, "cvc": str}, frozenset())
        if isinstance(body, Reply):
            return body
        try:
            token = tokenize(body["number"], body["exp_month"], body["exp_year"], body["cvc"], utc_today())
        except PortalError as error:
            return _portal_error(error, request)
        return json_reply(201, {"token": token})

    def settle(request: Request) -> Reply:
        """The bank decided: the processor settles the pending charge and sends the portal its signed
        callback, over HTTP like the real one; the portal's answer is passed back."""
        body = _object(request, {"payment_id": str, "outcome": str}, frozenset())
        if isinstance(body, Reply):
            return body
        if body["outcome"] not in (ChargeStatus.APPROVED, ChargeStatus.DECLINED):
            return error_reply(422, "outcome must be approved or declined.", "validation_failed")
        processor = sandbox()
        charge_id = processor.find_charge(body["payment_id"])
        try:
            if charge_id is None:
                # The processor's own words (not the portal's): English only.
                raise NotFound(Text(f"The processor has no charge for payment {body['payment_id']}."))
            callback, signature = processor.settle(
                charge_id, ChargeStatus(body["outcome"]), _signing_secret()
            )
        except PortalError as error:
            return _portal_error(error, request)
        return _deliver(f"{base_url}/webhooks/processor", callback, signature)

    def charges(_: Request) -> Reply:
        return json_reply(200, {"items": sandbox().charges()})

    return {
        ("POST", "/_local/processor/tokenize"): tokenize_card,
        ("POST", "/_local/processor/settle"): settle,
        ("GET", "/_local/processor/charges"): charges,
    }


def _signing_secret() -> bytes:
    found = aws.client("secretsmanager").get_secret_value(SecretId=os.environ["WEBHOOK_SECRET_ARN"])
    return str(found["SecretString"]).encode()


def _deliver(url: str, body: bytes, signature: str) -> Reply:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the local stack's own URL  # nosec B310
            return Reply(answer.status, (("Content-Type", "application/json"),), answer.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return Reply(refused.code, (("Content-Type", "application/json"),), refused.read())


def schedule_routes(invoke: Invoke) -> dict[tuple[str, str], LocalHandler]:
    """POST /_local/schedules/<name>: run a scheduled function now, or as if at `{"time": ISO 8601}`."""
    by_name = {schedule.name: schedule for schedule in template.schedules()}

    def run(request: Request) -> Reply:
        schedule = by_name.get(request.path_parameters.get("name", ""))
        if schedule is None:
            known = ", ".join(sorted(by_name))
            return error_reply(404, f"There is no such schedule; the schedules are: {known}.", "not_found")
        body = _object(request, {"time": str}, frozenset({"time"}))
        if isinstance(body, Reply):
            return body
        at = datetime.now(UTC)
        if "time" in body:
            try:
                at = datetime.fromisoformat(body["time"].replace("Z", "+00:00"))
            except ValueError:
                return error_reply(422, "time must be an ISO 8601 timestamp.", "validation_failed")
            if at.tzinfo is None:
                return error_reply(
                    422, "time needs its UTC offset, like 2026-12-01T11:00:00Z.", "validation_failed"
                )
        result = invoke(schedule.function, events.scheduled_event(schedule.rule, at))
        return json_reply(200, result)

    return {("POST", "/_local/schedules/{name}"): run}


def internal_function_routes(invoke: Invoke) -> dict[tuple[str, str], LocalHandler]:
    """POST /_local/functions/<name>: invoke an internal function (no API route, no trigger: `ingest`,
    `restore_user`) with the request body as its event, as the billing engine or the billing team do
    with `aws lambda invoke`; answers what the function returned."""
    by_name = {
        function.code_dir.name: logical_id for logical_id, function in template.internal_functions().items()
    }

    def run(request: Request) -> Reply:
        logical_id = by_name.get(request.path_parameters.get("name", ""))
        if logical_id is None:
            known = ", ".join(sorted(by_name))
            return error_reply(404, f"There is no such internal function; they are: {known}.", "not_found")
        try:
            event = request.json() if request.body else {}
        except ValueError:
            return error_reply(400, "The request body is not valid JSON.", "bad_request")
        return json_reply(200, invoke(logical_id, event))

    return {("POST", "/_local/functions/{name}"): run}
