"""The bad-input catalogue, over HTTP against the local stack: malformed JSON, bodies nested too deep, wrong
types, unknown fields, huge bodies and strings, control characters and odd Unicode, negative and
over-precise amounts, dates out of range or impossible, forged cursors, forged and expired tokens. One row
per case, each with the 4xx and error code it must get (never a 5xx) and the error body {"message", "code"[,
"details"]}; a snapshot of every table and bucket, taken before the catalogue and after each group of it,
shows that nothing changed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from billing_portal.http.resolver import MAX_JSON_DEPTH
from billing_portal.payments.one_time import ZERO_PAYMENT
from localrun import template
from localrun.gateway import MAX_BODY_BYTES

from .conftest import DEMO_PASSWORD, DEMO_USER, Answer, Api
from .stored_data import assert_unchanged, settled

pytestmark = pytest.mark.e2e

# Far past every field's limit, and still well inside the gateway's body limit, so the function answers.
HUGE = 10_000
JSON = (("Content-Type", "application/json"),)
ERROR_KEYS = {"message", "code", "details"}
NEW_USER = "new.colleague@example.com"  # nobody has it: were a case accepted, this user would appear
GOOD_PASSWORD = "Another-Pass-2026-99"
PAY, PROFILE, HISTORY = "/payments", "/account/profile", "/transactions?"


# -- the catalogue's rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad request and the answer it must get."""

    name: str
    method: str
    path: str
    status: int
    code: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = JSON
    auth: str | None = "demo"  # whose token: a name in Known.tokens, or None for no Authorization header
    message: str | None = None  # the documented sentence, where the API fixes one


def j(payload: Any) -> bytes:
    """JSON as a client library writes it (control characters and lone surrogates as \\u escapes)."""
    return json.dumps(payload).encode()


def with_key() -> tuple[tuple[str, str], ...]:
    """A payment request's headers, with a fresh Idempotency-Key."""
    return (*JSON, ("Idempotency-Key", str(uuid.uuid4())))


def invalid(name: str, method: str, path: str, payload: Any, *, auth: str | None = "demo") -> Case:
    """A JSON body that parses, and that validation refuses: 422."""
    headers = with_key() if path == PAY else JSON
    return Case(name, method, path, 422, "validation_failed", j(payload), headers, auth)


def invalid_query(name: str, query: str) -> Case:
    return Case(name, "GET", HISTORY + query, 422, "validation_failed")


def malformed(name: str, method: str, path: str, raw: bytes | None, *, auth: str | None = "demo") -> Case:
    """A body that is not a JSON text: 400."""
    headers = with_key() if path == PAY else JSON
    return Case(name, method, path, 400, "bad_request", raw, headers, auth)


def absent(name: str, method: str, path: str, payload: Any = None) -> Case:
    """A path naming nothing the caller has: 404."""
    return Case(name, method, path, 404, "not_found", None if payload is None else j(payload))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Known:
    """What the rows are built from: real ids and cursors of the demo accounts, and tokens."""

    invoice: str  # the demo account's newest invoice (refused requests only: it need not have calls)
    method: str  # the demo account's saved card
    colleague: str  # the demo account's second user
    own_cursor: str  # a cursor the demo user was given
    others_cursor: str  # a cursor the other account's user was given
    tokens: dict[str, str]  # by name: "demo", and each forged one
    forged: tuple[str, ...]  # the names of the forged and expired tokens

    @property
    def export(self) -> str:
        return f"/invoices/{self.invoice}/cdr-exports"

    @property
    def user(self) -> str:
        return f"/users/{self.colleague}"

    def paying(self, amount: Any) -> dict[str, Any]:
        return {"amount": amount, "payment_method_id": self.method}


def a_user(**changes: Any) -> dict[str, Any]:
    valid = {
        "username": NEW_USER,
        "first_name": "Nadia",
        "last_name": "Brooks",
        "time_zone": "America/Toronto",
        "notifications_enabled": False,
    }
    return {**valid, **changes}


def an_address(**changes: Any) -> dict[str, Any]:
    valid = {"line1": "100 King Street West", "city": "Toronto", "province": "ON", "postal_code": "M5X 1A9"}
    return {"billing_address": {**valid, **changes}}


def a_card(**changes: Any) -> dict[str, Any]:
    return {"token": "tok_visa", **changes}


def malformed_json(k: Known) -> list[Case]:
    depth = 20_000  # far past the parser's nesting limit
    assert 2 * depth < MAX_BODY_BYTES, "the deep nesting must fit under the gateway's body limit"
    nested = "[" * depth + "]" * depth
    twice = f'{{"amount": "1.00", "amount": "2.00", "payment_method_id": "{k.method}"}}'
    address_twice = (
        b'{"billing_address": {"line1": "1 A St", "line1": "2 B St", "city": "Toronto", '
        b'"province": "ON", "postal_code": "M5V 3L9"}}'
    )
    return [
        malformed("truncated", "PATCH", PROFILE, b'{"time_zone": "America/Toronto"'),
        malformed("trailing garbage", "PATCH", PROFILE, b'{"time_zone": "America/Halifax"} x'),
        malformed("two documents", "PUT", "/autopay", b'{"enabled": false}{"enabled": false}'),
        malformed("NaN", "POST", PAY, b'{"amount": NaN, "payment_method_id": "pm"}'),
        malformed("Infinity", "PUT", "/autopay", b'{"enabled": Infinity}'),
        malformed("-Infinity", "PATCH", k.user, b'{"first_name": -Infinity}'),
        malformed("a payment's amount twice", "POST", PAY, twice.encode()),
        malformed("a name twice in a nested object", "PATCH", PROFILE, address_twice),
        malformed("deeply nested", "PATCH", PROFILE, f'{{"billing_contacts": {nested}}}'.encode()),
        malformed("deeply nested, public route", "POST", "/auth/login", nested.encode(), auth=None),
        malformed("no body at all", "POST", "/users", None),
        malformed("an empty body", "PATCH", k.user, b""),
        malformed("whitespace only", "POST", k.export, b"  \n\t "),
        malformed("base64 of JSON", "PATCH", PROFILE, base64.b64encode(b'{"time_zone": "America/Halifax"}')),
        malformed("a byte-order mark first", "PUT", "/autopay", b'\xef\xbb\xbf{"enabled": false}'),
        malformed("not UTF-8", "PATCH", PROFILE, b'{"time_zone": "Am\xe9rica/Toronto"}'),
        malformed("UTF-16", "PATCH", PROFILE, '{"time_zone": "America/Halifax"}'.encode("utf-16")),
        malformed("single quotes", "POST", "/auth/login", b"{'username': 'a'}", auth=None),
        malformed("a comment", "PUT", "/autopay", b'{"enabled": false /* off */}'),
        malformed("a trailing comma", "POST", k.export, b'{"format": "csv",}'),
        malformed("an integer of 5,000 digits", "PATCH", k.user, f'{{"x": {"9" * 5000}}}'.encode()),
        malformed("a form", "POST", "/auth/forgot-password", b"username=demo%40example.com", auth=None),
        invalid("an array, not an object", "POST", "/users", [a_user()]),
        invalid("a string, not an object", "PUT", "/autopay", '{"enabled": false}'),
        invalid("a number, not an object", "POST", k.export, 1),
        invalid("null, not an object", "PATCH", PROFILE, None),
        Case(
            "truncated, to the processor's webhook without a signature",
            "POST",
            "/webhooks/processor",
            400,
            "callback_refused",
            b'{"id": "evt_1", "type": "charge.settled"',
            auth=None,
        ),
    ]


def nested_too_deep(k: Known) -> list[Case]:
    """Every route with a body, sent JSON nested past what the edge reads: refused as it is parsed (400),
    before any model or check walks it. A thousand levels make a body of a few KiB."""

    def nested(depth: int, kind: str) -> str:
        return "[" * depth + "1" + "]" * depth if kind == "arrays" else '{"a":' * depth + "1" + "}" * depth

    too_deep = f"The request body nests deeper than {MAX_JSON_DEPTH} levels of arrays and objects."
    cases = []
    for route in template.routes():
        if route.method not in ("POST", "PUT", "PATCH"):
            continue
        path = route.path.replace("{username}", k.colleague)
        path = path.replace("{id}", k.method if path.startswith("/payment-methods/") else k.invoice)
        headers = with_key() if path == PAY else JSON
        auth = None if route.public else "demo"
        for depth, kind in ((1000, "objects"), (1000, "arrays"), (MAX_JSON_DEPTH, "objects")):
            # The nesting sits under a field, beside what the route would act on: the whole body is one
            # level more.
            body = ('{"amount": "1.00", "x": ' + nested(depth, kind) + "}").encode()
            name = f"{route.method} {route.path}, {kind} {depth + 1} deep"
            if route.path == "/webhooks/processor":
                # Its signature is checked first, over the raw body: unsigned, it is refused before parsing.
                cases.append(Case(name, route.method, path, 400, "callback_refused", body, headers, auth))
            else:
                cases.append(
                    Case(name, route.method, path, 400, "bad_request", body, headers, auth, too_deep)
                )
    assert all(len(case.body or b"") < MAX_BODY_BYTES for case in cases), "under the gateway's body limit"
    return cases


def wrong_types(k: Known) -> list[Case]:
    return [
        invalid("amount as a number", "POST", PAY, k.paying(25)),
        invalid("amount as a float", "POST", PAY, k.paying(25.5)),
        invalid("amount null", "POST", PAY, k.paying(None)),
        invalid("amount true", "POST", PAY, k.paying(True)),
        invalid("amount as an object", "POST", PAY, k.paying({"cents": 100})),
        invalid("method id as a number", "POST", PAY, {"amount": "1.00", "payment_method_id": 7}),
        invalid("method id as a list", "PUT", "/autopay", {"enabled": True, "payment_method_id": [k.method]}),
        invalid('"save" as "yes"', "POST", PAY, {"amount": "1.00", "new_payment_method": a_card(save="yes")}),
        invalid('"enabled" as "true"', "PUT", "/autopay", {"enabled": "true", "payment_method_id": k.method}),
        invalid('"enabled" as 1', "PUT", "/autopay", {"enabled": 1, "payment_method_id": k.method}),
        invalid('"enabled" as "false"', "PUT", "/autopay", {"enabled": "false"}),
        invalid('"enabled" null', "PUT", "/autopay", {"enabled": None}),
        invalid('"notifications_enabled" as "yes"', "POST", "/users", a_user(notifications_enabled="yes")),
        invalid('"notifications_enabled" as 0', "PATCH", k.user, {"notifications_enabled": 0}),
        invalid("a name as a number", "POST", "/users", a_user(first_name=5)),
        invalid("a name as a list", "PATCH", k.user, {"last_name": ["Okafor"]}),
        invalid("a name null", "PATCH", k.user, {"first_name": None}),
        invalid("a username as a boolean", "POST", "/users", a_user(username=True)),
        invalid("the time zone as a number", "PATCH", PROFILE, {"time_zone": -5}),
        invalid("the contacts as one string", "PATCH", PROFILE, {"billing_contacts": "ap@example.com"}),
        invalid("the address as a string", "PATCH", PROFILE, {"billing_address": "1 King St W, Toronto"}),
        invalid("the format as a number", "POST", k.export, {"format": 1}),
        invalid("the format as a list", "POST", k.export, {"format": ["csv"]}),
        invalid("the card token as a number", "POST", "/payment-methods", {"token": 4242424242424242}),
        invalid(
            "the password as a number",
            "POST",
            "/auth/login",
            {"username": DEMO_USER, "password": 1},
            auth=None,
        ),
        invalid_query("page_size as a word", "page_size=ten"),
        invalid_query("page_size as a float", "page_size=10.0"),
        invalid_query("page_size as a boolean", "page_size=true"),
        invalid_query("page_size not offered", "page_size=11"),
        invalid_query("page_size twice", "page_size=10&page_size=50"),
        invalid_query("page_size twice, the same", "page_size=10&page_size=10"),
        invalid_query("from twice", "from=2026-01-01&from=2026-02-01"),
    ]


def unknown_fields(k: Known) -> list[Case]:
    elsewhere = "acct-atelier-lumiere"
    login = {"username": DEMO_USER, "password": "x", "remember": True}
    return [
        invalid(
            "another account's id in a profile edit",
            "PATCH",
            PROFILE,
            {"time_zone": "UTC", "account_id": elsewhere},
        ),
        invalid("an account id in a payment", "POST", PAY, {**k.paying("1.00"), "account_id": elsewhere}),
        invalid("a role for a new user", "POST", "/users", a_user(role="admin")),
        invalid("a new username for a user", "PATCH", k.user, {"username": "mallory@example.com"}),
        invalid("a field of an address", "PATCH", PROFILE, an_address(unit="9")),
        invalid(
            "a field of a new card",
            "POST",
            PAY,
            {"amount": "1.00", "new_payment_method": a_card(nickname="Work card")},
        ),
        invalid("a field of auto pay", "PUT", "/autopay", {"enabled": False, "day": 1}),
        invalid("a field of an export", "POST", k.export, {"format": "csv", "time_zone": "UTC"}),
        invalid("a field of a saved card", "POST", "/payment-methods", a_card(autopay=True)),
        invalid("a field of signing in", "POST", "/auth/login", login, auth=None),
        invalid(
            "a field of forgot password",
            "POST",
            "/auth/forgot-password",
            {"username": DEMO_USER, "cc": "m@x.io"},
            auth=None,
        ),
        invalid("only unknown fields", "PATCH", PROFILE, {"name": "Mallory Inc."}),
        invalid("an empty object", "PATCH", PROFILE, {}),
        invalid_query("a query parameter", f"account_id={elsewhere}"),
    ]


def huge_bodies(k: Known) -> list[Case]:
    """Over the gateway's limit, as valid-looking JSON: refused before any function runs."""

    def over(name: str) -> bytes:
        head, tail = f'{{"{name}": "'.encode(), b'"}'
        return head + b"x" * (MAX_BODY_BYTES + 1 - len(head) - len(tail)) + tail

    def too_large(name: str, method: str, path: str, body: bytes, *, auth: str | None = "demo") -> Case:
        return Case(
            name, method, path, 413, "payload_too_large", body, with_key() if path == PAY else JSON, auth
        )

    cases = [
        too_large("a payment", "POST", PAY, over("amount")),
        too_large("a profile edit", "PATCH", PROFILE, over("time_zone")),
        too_large("a new user", "POST", "/users", over("first_name")),
        too_large("a user edit", "PATCH", k.user, over("last_name")),
        too_large("a saved card", "POST", "/payment-methods", over("token")),
        too_large("an export", "POST", k.export, over("format")),
        too_large("signing in, public", "POST", "/auth/login", over("password"), auth=None),
        too_large("the webhook, public", "POST", "/webhooks/processor", over("id"), auth=None),
        too_large("not even JSON", "PUT", "/autopay", b"\x00" * (MAX_BODY_BYTES + 1)),
    ]
    assert all(len(case.body or b"") == MAX_BODY_BYTES + 1 for case in cases)
    return cases


def huge_strings(k: Known) -> list[Case]:
    assert 3 * HUGE < MAX_BODY_BYTES, "the huge strings must fit under the gateway's body limit"
    long, digits = "x" * HUGE, "9" * HUGE
    email = long + "@example.com"
    reset = {"username": DEMO_USER, "code": "123456", "new_password": GOOD_PASSWORD}
    new_password = {"username": DEMO_USER, "session": long, "new_password": GOOD_PASSWORD}
    long_key = Case(
        "an Idempotency-Key",
        "POST",
        PAY,
        400,
        "idempotency_key_required",
        j(k.paying("1.00")),
        (*JSON, ("Idempotency-Key", long)),
    )
    return [
        invalid("a first name", "POST", "/users", a_user(first_name=long)),
        invalid("a last name", "PATCH", k.user, {"last_name": long}),
        invalid("a username", "POST", "/users", a_user(username=email)),
        invalid(
            "a username, signing in", "POST", "/auth/login", {"username": long, "password": "x"}, auth=None
        ),
        invalid("a password", "POST", "/auth/login", {"username": DEMO_USER, "password": long}, auth=None),
        invalid("a refresh token", "POST", "/auth/refresh", {"refresh_token": long}, auth=None),
        invalid(
            "a username, forgot password", "POST", "/auth/forgot-password", {"username": long}, auth=None
        ),
        invalid("a reset code", "POST", "/auth/reset-password", {**reset, "code": digits}, auth=None),
        invalid("a new password", "POST", "/auth/reset-password", {**reset, "new_password": long}, auth=None),
        invalid("a sign-in session", "POST", "/auth/new-password", new_password, auth=None),
        invalid("an address line", "PATCH", PROFILE, an_address(line1=long)),
        invalid("a city", "POST", "/payment-methods", a_card(**an_address(city=long))),
        invalid("a billing contact", "PATCH", PROFILE, {"billing_contacts": [email]}),
        invalid("a billing email", "POST", "/payment-methods", a_card(billing_email=email)),
        invalid("a time zone", "PATCH", PROFILE, {"time_zone": "America/" + long}),
        invalid("a card token", "POST", "/payment-methods", {"token": "tok_" + long}),
        invalid("an amount", "POST", PAY, k.paying(digits + ".00")),
        invalid("an amount's decimals", "POST", PAY, k.paying("1." + digits)),
        invalid("a payment method id", "POST", PAY, {"amount": "1.00", "payment_method_id": "pm_" + long}),
        long_key,
        invalid_query("a cursor", "cursor=" + "A" * HUGE),
        invalid_query("a type filter", "type=invoice," + long),
        invalid_query("a date", "from=" + digits),
        invalid_query("a page size", "page_size=" + digits),
        invalid_query("a query parameter's name", long + "=1"),
        absent("a transaction id", "GET", "/transactions/INV-" + digits),
        absent("an invoice id, exporting", "POST", f"/invoices/INV-{digits}/cdr-exports", {"format": "csv"}),
        absent("a payment id", "GET", "/payments/PAY-" + long),
        absent("a saved card id, deleting", "DELETE", "/payment-methods/pm_" + long),
        absent("a username, deleting", "DELETE", "/users/" + email),
        absent("a username, editing", "PATCH", "/users/" + email, {"first_name": "Mallory"}),
    ]


def odd_characters(k: Known) -> list[Case]:
    """Controls, direction overrides, invisible characters, lone surrogates, combining marks and emoji where
    they have no place. (Combining marks and emoji in a person's name are fine, and accepted.)"""
    forgot, login = "/auth/forgot-password", "/auth/login"
    reset = {"username": "demo@example.com\u0000", "code": "123456", "new_password": GOOD_PASSWORD}
    challenge = {"username": "\u202edemo@example.com", "session": "s" * 40, "new_password": GOOD_PASSWORD}
    nul_login = {"username": "\u0000", "password": DEMO_PASSWORD}
    return [
        invalid("NUL in a first name", "POST", "/users", a_user(first_name="Na\u0000dia")),
        invalid("BEL in a last name", "PATCH", k.user, {"last_name": "Oka\u0007for"}),
        invalid("a right-to-left override in a name", "POST", "/users", a_user(last_name="\u202egnp.exe")),
        invalid("a direction isolate in a name", "PATCH", k.user, {"first_name": "\u2066Marc\u2069"}),
        invalid("only a zero-width space as a name", "PATCH", k.user, {"first_name": "\u200b"}),
        invalid("a C1 control in a name", "POST", "/users", a_user(first_name="Na\u0085dia")),
        invalid("a line separator in a name", "PATCH", k.user, {"last_name": "Oka\u2028for"}),
        invalid("a lone surrogate in a name", "POST", "/users", a_user(first_name="\ud800")),
        invalid("a lone low surrogate in a name", "PATCH", k.user, {"first_name": "Marc\udc00"}),
        invalid("NUL in a username", "POST", "/users", a_user(username="new\u0000colleague@example.com")),
        invalid("an emoji in a username", "POST", "/users", a_user(username="\U0001f600@example.com")),
        invalid("a combining mark in a username", "POST", "/users", a_user(username="ne\u0301e@example.com")),
        invalid("an override in a username", "POST", "/users", a_user(username="moc.elpmaxe@\u202eadmin")),
        invalid("a fullwidth @ in a username", "POST", "/users", a_user(username="nadia\uff20example.com")),
        invalid(
            "NUL in a username, forgot password",
            "POST",
            forgot,
            {"username": "demo\u0000@example.com"},
            auth=None,
        ),
        invalid(
            "an override in a username, forgot password",
            "POST",
            forgot,
            {"username": "\u202eme@x.io"},
            auth=None,
        ),
        invalid("NUL in a username, resetting a password", "POST", "/auth/reset-password", reset, auth=None),
        invalid(
            "a lone surrogate in a username, signing in",
            "POST",
            login,
            {"username": "\ud800", "password": "x"},
            auth=None,
        ),
        # Signing in answers a wrong username with the one generic 401, whatever is wrong with it.
        Case("NUL in a username, signing in", "POST", login, 401, "not_signed_in", j(nul_login), auth=None),
        Case(
            "an override, choosing a password",
            "POST",
            "/auth/new-password",
            401,
            "not_signed_in",
            j(challenge),
            auth=None,
        ),
        invalid("NUL in an address", "PATCH", PROFILE, an_address(line1="100 King\u0000 St")),
        invalid("an override in an address", "PATCH", PROFILE, an_address(line1="100 \u202eKing St")),
        invalid("only a zero-width space as a city", "PATCH", PROFILE, an_address(city="\u200b")),
        invalid(
            "a byte-order mark in a city",
            "POST",
            "/payment-methods",
            a_card(**an_address(city="\ufeffToronto")),
        ),
        invalid("a combining mark in a province", "PATCH", PROFILE, an_address(province="O\u0301N")),
        invalid("NUL in a postal code", "PATCH", PROFILE, an_address(postal_code="M5X\u00001A9")),
        invalid("a fullwidth country", "PATCH", PROFILE, an_address(country="\uff23\uff21")),
        invalid(
            "an emoji in a billing contact",
            "PATCH",
            PROFILE,
            {"billing_contacts": ["\U0001f4b8@example.com"]},
        ),
        invalid(
            "NUL in a billing email", "POST", "/payment-methods", a_card(billing_email="ap\u0000@example.com")
        ),
        invalid("NUL in a time zone", "PATCH", PROFILE, {"time_zone": "America/Toronto\u0000"}),
        invalid("a combining mark in a time zone", "PATCH", k.user, {"time_zone": "America/Tor\u0301onto"}),
        invalid("NUL in a card token", "POST", "/payment-methods", {"token": "tok_visa\u0000"}),
        invalid("fullwidth digits in an amount", "POST", PAY, k.paying("\uff11.\uff10\uff10")),
        invalid("Arabic-Indic digits in an amount", "POST", PAY, k.paying("\u0663.\u0660\u0660")),
        invalid("an override in an amount", "POST", PAY, k.paying("\u202e00.01")),
        invalid("NUL in an export format", "POST", k.export, {"format": "csv\u0000"}),
        invalid_query("NUL in a type filter", "type=invoice%00"),
        invalid_query("an emoji as a type", "type=%F0%9F%92%B8"),
        invalid_query("an override in a date", "from=%E2%80%AE2026-01-01"),
        invalid_query("a lone surrogate (as UTF-8) in a date", "to=%ED%A0%80"),
        invalid_query("invalid UTF-8 in a date", "from=2026-01-0%FF"),
        invalid_query("a combining mark in a page size", "page_size=10%CC%81"),
        invalid_query("NUL in a cursor", "cursor=%00"),
        absent("NUL in a transaction id", "GET", "/transactions/INV-%00"),
        absent("an override in a username, deleting", "DELETE", f"/users/%E2%80%AE{k.colleague}"),
        absent("an emoji in a saved card id, deleting", "DELETE", "/payment-methods/pm_%F0%9F%98%80"),
        absent("NUL in a username, editing", "PATCH", f"{k.user}%00", {"first_name": "Marc"}),
    ]


def amounts(k: Known) -> list[Case]:
    refused = (
        "-1.00",
        "-0.01",
        "1.001",
        "0.001",
        "1e3",
        "1E3",
        "0x10",
        " 1.00",
        "1.00 ",
        "+1.00",
        "1,000.00",
        "1.",
        ".50",
        "00.50",
        "1.0.0",
        "$1.00",
        "NaN",
        "Infinity",
        "",
        "1_000.00",
        "100000.01",
        "9999999999999.99",
        "99999999999999999999999999.00",
    )
    zero = [
        Case(
            f"amount {amount!r}",
            "POST",
            PAY,
            422,
            "validation_failed",
            j(k.paying(amount)),
            with_key(),
            message=str(ZERO_PAYMENT),
        )
        for amount in ("0.00", "-0.00", "0")
    ]
    return [
        *(invalid(f"amount {amount!r}", "POST", PAY, k.paying(amount)) for amount in refused),
        *zero,
        invalid(
            "negative, with a new card",
            "POST",
            PAY,
            {"amount": "-25.00", "new_payment_method": a_card(save=True)},
        ),
        invalid(
            "over-precise, with a new card", "POST", PAY, {"amount": "25.005", "new_payment_method": a_card()}
        ),
    ]


def dates(k: Known) -> list[Case]:
    today = datetime.now(UTC).date()
    recent, older = today - timedelta(days=10), today - timedelta(days=40)
    return [
        invalid_query("from the year 1", "from=0001-01-01"),
        invalid_query("to the year 1", "to=0001-01-01"),
        invalid_query("from the year 9999", "from=9999-12-31"),
        invalid_query("from and to the year 9999", "from=9999-12-31&to=9999-12-31"),
        invalid_query("from the year 10000", "from=10000-01-01"),
        invalid_query("February 30th", "from=2026-02-30"),
        invalid_query("February 29th of a common year", "to=2025-02-29"),
        invalid_query("month 13", "from=2026-13-01"),
        invalid_query("month 0", "to=2026-00-10"),
        invalid_query("day 0", "from=2026-01-00"),
        invalid_query("a word", "from=tomorrow"),
        invalid_query("another word", "to=today"),
        invalid_query("no dashes", "from=20260105"),
        invalid_query("no leading zeros", "from=2026-1-5"),
        invalid_query("a timestamp", "from=2026-01-05T00:00:00Z"),
        invalid_query("a signed year", "to=%2B2026-01-05"),
        invalid_query("a negative year", "from=-2026-01-05"),
        invalid_query("day first", "from=05-01-2026"),
        invalid_query("empty", "from="),
        invalid_query("from after to", f"from={recent}&to={older}"),
    ]


def cursors(k: Known) -> list[Case]:
    own = json.loads(unb64(k.own_cursor))
    assert isinstance(own, dict) and isinstance(own.get("k"), str), own
    prefix, year, rest = own["k"][:4], int(own["k"][4:8]), own["k"][8:]  # TXN#2026-02-01#00000041
    moved = {**own, "k": f"{prefix}{year - 1}{rest}"}
    flipped = k.own_cursor[:10] + ("B" if k.own_cursor[10] != "B" else "C") + k.own_cursor[11:]
    forged = {
        "random base64": b64(hashlib.sha256(b"not a cursor").digest()),
        "base64 of a word": b64(b"hello"),
        "base64 of JSON null": b64(b"null"),
        "base64 of a list": b64(b'["TXN#2026-01-01#00000001"]'),
        "a position without its check": b64(j({"k": "TXN#2026-01-01#00000001"})),
        "a position of the wrong type": b64(j({**own, "k": 20260101})),
        "a check of the wrong type": b64(j({**own, "c": 1234})),
        "a check in other letters": b64(j({**own, "c": "\u00e9" * 16})),
        "another account's cursor": k.others_cursor,
        "the own cursor, its position moved": b64(j(moved)),
        "the own cursor, one character changed": flipped,
        "the own cursor, truncated": k.own_cursor[:-6],
        "the own cursor, with more after it": k.own_cursor + "AAAA",
        "not base64": "%21%21%21",
        "an emoji": "%F0%9F%94%91",
        "empty": "",
    }
    assert len(set(forged.values())) == len(forged)
    # The own cursor came with no filter: it does not carry over to a filtered history.
    other_filters = {
        "the own cursor, with a type filter": "type=invoice",
        "the own cursor, with a from date": f"from={datetime.now(UTC).date() - timedelta(days=300)}",
        "the own cursor, with a to date": f"to={datetime.now(UTC).date()}",
    }
    return [
        *(invalid_query(name, f"page_size=10&cursor={cursor}") for name, cursor in forged.items()),
        *(
            invalid_query(name, f"{f}&page_size=10&cursor={k.own_cursor}")
            for name, f in other_filters.items()
        ),
        invalid_query("a cursor given twice", f"page_size=10&cursor={k.own_cursor}&cursor={k.own_cursor}"),
    ]


SIGNED_IN_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", PROFILE): {"time_zone": "America/Halifax"},
    ("POST", "/users"): a_user(),
    ("PATCH", "/users/{username}"): {"first_name": "Mallory"},
    ("POST", "/invoices/{id}/cdr-exports"): {"format": "csv"},
    ("POST", "/payment-methods"): a_card(),
    ("PUT", "/autopay"): {"enabled": False},
    ("POST", PAY): {"amount": "1.00", "payment_method_id": "<saved card>"},
}


def forged_tokens(k: Known) -> list[Case]:
    """Every signed-in route, each with every forged or expired token, and a request it would act on were the
    token good: the authorizer refuses them all."""
    cases = []
    for route in template.routes():
        if route.public:
            continue
        own_id = k.method if route.path.startswith("/payment-methods/") else k.invoice
        path = route.path.replace("{id}", own_id).replace("{username}", k.colleague)
        payload = SIGNED_IN_BODIES.get((route.method, route.path))
        body = None if payload is None else j(payload).replace(b"<saved card>", k.method.encode())
        for token in k.forged:
            headers = with_key() if route.path == PAY else JSON
            name = f"{route.method} {route.path} with {token}"
            cases.append(Case(name, route.method, path, 401, "not_signed_in", body, headers, auth=token))
    return cases


def webhook_signatures(k: Known) -> list[Case]:
    """The processor's webhook has no token: its HMAC signature is what gets forged."""
    callback = j(
        {"id": "evt_forged", "type": "charge.settled", "data": {"charge_id": "ch_x", "outcome": "approved"}}
    )
    now = int(time.time())
    forged = hmac.new(b"not the secret", f"{now}.".encode() + callback, hashlib.sha256).hexdigest()
    signatures = {
        "no signature": None,
        "an empty signature": "",
        "garbage": "garbage",
        "signed with another secret": f"t={now},v1={forged}",
        "a stale timestamp": f"t=1,v1={forged}",
        "no timestamp": f"v1={forged}",
    }
    return [
        Case(
            name,
            "POST",
            "/webhooks/processor",
            400,
            "callback_refused",
            callback,
            JSON if signature is None else (*JSON, ("Processor-Signature", signature)),
            auth=None,
        )
        for name, signature in signatures.items()
    ]


def refused_requests(k: Known) -> list[Case]:
    """What the API cannot take whatever the body: a payment without a usable Idempotency-Key, a method a
    route does not have, a route that does not exist."""
    paying = j(k.paying("1.00"))

    def keyed(name: str, value: str | None) -> Case:
        headers = JSON if value is None else (*JSON, ("Idempotency-Key", value))
        return Case(name, "POST", PAY, 400, "idempotency_key_required", paying, headers)

    return [
        keyed("a payment without an Idempotency-Key", None),
        keyed("an Idempotency-Key of spaces", "   "),
        keyed("an Idempotency-Key with a space", "a b"),
        keyed("an Idempotency-Key with a tab", "a\tb"),
        keyed("an Idempotency-Key of 256 characters", "k" * 256),
        Case("a method the route does not have", "DELETE", "/account", 405, "method_not_allowed"),
        Case("another one", "POST", f"/transactions/{k.invoice}", 405, "method_not_allowed", j({})),
        absent(
            "a route that does not exist", "POST", "/accounts/acct-atelier-lumiere/payments", k.paying("1.00")
        ),
        absent("a path that climbs", "GET", "/invoices/..%2F..%2Faccount/pdf"),
    ]


GROUPS: dict[str, Callable[[Known], list[Case]]] = {
    "malformed JSON": malformed_json,
    "nested too deep": nested_too_deep,
    "wrong types": wrong_types,
    "unknown fields": unknown_fields,
    "huge bodies": huge_bodies,
    "huge strings": huge_strings,
    "control characters and odd Unicode": odd_characters,
    "negative and over-precise amounts": amounts,
    "dates out of range or impossible": dates,
    "forged cursors": cursors,
    "forged and expired tokens": forged_tokens,
    "forged webhook signatures": webhook_signatures,
    "requests the API cannot take": refused_requests,
}


# -- tokens ------------------------------------------------------------------------------------------------


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(unb64(token.split(".")[1]))
    return decoded


def signed_like_cognito(claims: dict[str, Any]) -> str:
    """Signed with the key the local Cognito (moto) signs with: only what the claims say can be wrong."""
    cognito_key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, cognito_key)


def forged(demo_tokens: dict[str, Any], other_token: str) -> dict[str, str]:
    """Tokens the authorizer must refuse, each wrong in one way, by name; and, last, the control: the same
    claims freshly signed with the pool's key, which it must accept."""
    id_token = demo_tokens["id_token"]
    header, _, signature = id_token.split(".")
    now = int(time.time())
    claims = claims_of(id_token) | {"iat": now - 60, "auth_time": now - 60, "exp": now + 3600}
    unsigned = b64(j({"alg": "none", "typ": "JWT"})) + "." + b64(j(claims)) + "."
    hs256_signed = b64(j({"alg": "HS256", "kid": "dummy"})) + "." + b64(j(claims))
    hs256 = hs256_signed + "." + b64(hmac.new(b"guessed", hs256_signed.encode(), hashlib.sha256).digest())
    swapped = claims_of(id_token) | {"custom:account_id": claims_of(other_token)["custom:account_id"]}
    pool = claims["iss"].rsplit("/", 1)[0] + "/ca-central-1_AnotherPool"
    return {
        "garbage": "garbage",
        "three parts of garbage": "a.b.c",
        "alg none": unsigned,
        "alg HS256": hs256,
        "another key": jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, RSAKey.generate_key(2048)),
        "the account claim swapped": f"{header}.{b64(j(swapped))}.{signature}",
        "another pool's issuer": signed_like_cognito(claims | {"iss": pool}),
        "another app client": signed_like_cognito(claims | {"aud": "another-app-client"}),
        "an access token": signed_like_cognito(claims | {"token_use": "access"}),
        "expired an hour ago": signed_like_cognito(claims | {"iat": now - 7200, "exp": now - 3600}),
        "expired a minute ago": signed_like_cognito(claims | {"iat": now - 3660, "exp": now - 60}),
        "control": signed_like_cognito(claims),
    }


# -- running the catalogue ---------------------------------------------------------------------------------


def first_cursor(api: Api, token: str) -> str:
    answer = api.get("/transactions?page_size=10", token=token)
    assert answer.status == 200, answer.raw
    cursor: str | None = answer.body["next_cursor"]
    assert cursor, "the account has more than one page of history"
    return cursor


@pytest.fixture(scope="module")
def known(api: Api, demo_tokens: dict[str, Any], other_token: str) -> Known:
    demo_token = demo_tokens["id_token"]
    methods = api.get("/payment-methods", token=demo_token).body["items"]
    users = api.get("/users", token=demo_token).body["items"]
    colleagues = [user["username"] for user in users if user["username"] != DEMO_USER]
    assert methods and colleagues, "the demo account has a saved card and a second user"
    invoices = api.get("/transactions?type=invoice&page_size=10", token=demo_token).body["items"]
    tokens = forged(demo_tokens, other_token)
    # The forged tokens differ from a good one only where they say: the control is accepted.
    assert api.get("/me", token=tokens.pop("control")).status == 200
    own_cursor = first_cursor(api, demo_token)
    assert api.get(f"/transactions?page_size=10&cursor={own_cursor}", token=demo_token).status == 200
    return Known(
        invoice=invoices[0]["id"],
        method=methods[0]["id"],
        colleague=colleagues[0],
        own_cursor=own_cursor,
        others_cursor=first_cursor(api, other_token),
        tokens={"demo": demo_token, **tokens},
        forged=tuple(tokens),
    )


@pytest.fixture(scope="module")
def stored_before(api: Api, known: Known) -> dict[str, Any]:
    """Every table item and bucket object before the catalogue runs."""
    return settled(api)


def send(api: Api, case: Case, tokens: Mapping[str, str]) -> Answer:
    headers = dict(case.headers)
    if case.auth is not None:
        headers["Authorization"] = f"Bearer {tokens[case.auth]}"
    return api.request(case.method, case.path, data=case.body, headers=headers)


def problem(case: Case, answer: Answer) -> str | None:
    """What is wrong with the answer to a case, or None."""
    said = f"{case.method} {case.path[:100]} -> {answer.status} {answer.raw[:300]!r}"
    if answer.status != case.status:
        return f"{case.name}: expected {case.status} {case.code}; {said}"
    if not (answer.headers.get("Content-Type") or "").startswith("application/json"):
        return f"{case.name}: not JSON; {said}"
    try:
        body = json.loads(answer.raw)
    except ValueError:
        return f"{case.name}: the body is not JSON; {said}"
    if not isinstance(body, dict) or not body.keys() <= ERROR_KEYS:
        return f"{case.name}: not an error body; {said}"
    if not isinstance(body.get("message"), str) or not body["message"].strip():
        return f"{case.name}: no message; {said}"
    if body.get("code") != case.code:
        return f"{case.name}: expected the code {case.code}; {said}"
    details = body.get("details", [])
    well_formed = isinstance(details, list) and all(
        isinstance(d, dict)
        and d.keys() == {"field", "message"}
        and all(isinstance(v, str) for v in d.values())
        for d in details
    )
    if not well_formed:
        return f"{case.name}: malformed details; {said}"
    if case.message is not None and body["message"] != case.message:
        return f"{case.name}: expected the message {case.message!r}; {said}"
    return None


def test_the_catalogue_has_rows_for_every_group_and_every_route(known: Known) -> None:
    """A new signed-in route joins the catalogue on its own (tokens); a new public one needs rows."""
    rows = {name: build(known) for name, build in GROUPS.items()}
    assert [name for name, cases in rows.items() if not cases] == []
    reached = {(case.method, case.path.partition("?")[0]) for cases in rows.values() for case in cases}
    unreached = [
        f"{route.method} {route.path}"
        for route in template.routes()
        if not any(
            method == route.method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", route.path), path)
            for method, path in reached
        )
    ]
    assert unreached == []


@pytest.mark.parametrize("group", GROUPS)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    api: Api, known: Known, stored_before: dict[str, Any], group: str
) -> None:
    cases = GROUPS[group](known)
    failures = [found for case in cases if (found := problem(case, send(api, case, known.tokens)))]
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    assert_unchanged(api, stored_before)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_json_body_sent_as_another_media_type_is_refused(api: Api, content_type: str) -> None:
    """Sign-in is the route tried: public, so a page on any site could post it as a form or plain text
    without a preflight; and accepting it stores nothing."""
    body = j({"username": DEMO_USER, "password": DEMO_PASSWORD})
    answer = api.request("POST", "/auth/login", data=body, headers={"Content-Type": content_type})
    expected = Case(content_type, "POST", "/auth/login", 415, "unsupported_media_type")
    assert problem(expected, answer) is None
