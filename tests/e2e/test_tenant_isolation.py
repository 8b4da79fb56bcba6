"""The tenant boundary, generated from the template's routes: for every route whose path takes an id, a user
of another account who sends a real id of the demo account gets exactly the 404 that an id existing nowhere
gets, and nothing stored changes, for reads, edits and deletes alike. A route added with an id is covered
automatically, and fails here until this module knows where to find a real id for it. The same holds the
other way round, and for a saved card's id sent in a request body."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from localrun import template

from .conftest import DEMO_USER, OTHER_USER, Answer, Api
from .stored_data import assert_unchanged, settled

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 120  # for the setup's email and export: generous
_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\+?\}")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def parameters(path: str) -> list[str]:
    return _PARAMETER.findall(path)


ROUTES_WITH_IDS = [route for route in template.routes() if parameters(route.path)]


# -- real ids of an account ------------------------------------------------------------------------------


def newest_invoice(api: Api, token: str) -> str:
    """The newest invoice with billed calls: inside every retention window (history, PDFs, CDR exports),
    and one whose calls can be exported (an invoice other tests post may have none)."""
    answer = api.get("/transactions?type=invoice&page_size=10", token=token)
    assert answer.status == 200, answer.raw
    for item in answer.body["items"]:
        details = api.get(f"/transactions/{item['id']}", token=token)
        assert details.status == 200, details.raw
        if details.body["call_count"]:
            invoice_id: str = item["id"]
            return invoice_id
    raise AssertionError("none of the account's ten newest invoices has billed calls")


def saved_method(api: Api, token: str) -> str:
    answer = api.get("/payment-methods", token=token)
    assert answer.status == 200, answer.raw
    assert answer.body["items"], "the account has a saved card"
    method_id: str = answer.body["items"][0]["id"]
    return method_id


def colleague(api: Api, token: str, signed_in: str) -> str:
    """Another portal user of the same account (not the one signed in, who may not delete themselves)."""
    answer = api.get("/users", token=token)
    assert answer.status == 200, answer.raw
    others = [user["username"] for user in answer.body["items"] if user["username"] != signed_in]
    assert others, "the account has a second portal user"
    username: str = others[0]
    return username


def payment(api: Api, token: str) -> str:
    """A one-time payment made now with the saved card, once its confirmation email is out (the notifier
    records what it sent: that must be done before the stored data is compared)."""
    mails = len(api.get("/_local/outbox").body["items"])
    answer = api.request(
        "POST",
        "/payments",
        json_body={"amount": "1.00", "payment_method_id": saved_method(api, token)},
        token=token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status == 201, answer.raw
    assert answer.body["status"] == "approved", answer.raw
    payment_id: str = answer.body["id"]
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(payment_id in mail["text"] for mail in api.get("/_local/outbox").body["items"][mails:]):
        assert time.monotonic() < deadline, f"no confirmation email for {payment_id}"
        time.sleep(0.2)
    return payment_id


def export(api: Api, token: str) -> str:
    """A CDR export of the newest invoice, made now and finished."""
    answer = api.post(f"/invoices/{newest_invoice(api, token)}/cdr-exports", {"format": "csv"}, token=token)
    assert answer.status in (201, 202), answer.raw
    export_id: str = answer.body["id"]
    deadline = time.monotonic() + WAIT_SECONDS
    while answer.body["status"] == "pending":
        assert time.monotonic() < deadline, f"export {export_id} still pending"
        time.sleep(0.5)
        answer = api.get(f"/cdr-exports/{export_id}", token=token)
        assert answer.status == 200, answer.raw
    assert answer.body["status"] == "ready", answer.raw
    return export_id


@dataclass(frozen=True)
class Finder:
    """How to find a real id of the signed-in user's account for one path parameter."""

    name: str
    find: Callable[[Api, str, str], str]  # (api, token, username) -> id
    # Whether finding one changes nothing (it only reads), so it can be used on the other account too.
    reads_only: bool


INVOICE = Finder("invoice", lambda api, token, _: newest_invoice(api, token), reads_only=True)
SAVED_METHOD = Finder("saved payment method", lambda api, token, _: saved_method(api, token), reads_only=True)
COLLEAGUE = Finder("colleague's username", colleague, reads_only=False)
PAYMENT = Finder("payment", lambda api, token, _: payment(api, token), reads_only=False)
EXPORT = Finder("CDR export", lambda api, token, _: export(api, token), reads_only=False)

# (route path, parameter) -> where a real id comes from. A new route with an id needs a line here.
FINDERS: dict[tuple[str, str], Finder] = {
    ("/transactions/{id}", "id"): INVOICE,
    ("/invoices/{id}/pdf", "id"): INVOICE,
    ("/invoices/{id}/cdr-exports", "id"): INVOICE,
    ("/cdr-exports/{id}", "id"): EXPORT,
    ("/payment-methods/{id}", "id"): SAVED_METHOD,
    ("/payments/{id}", "id"): PAYMENT,
    ("/users/{username}", "username"): COLLEAGUE,
}
# A body that the route would act on, were the id the caller's own. A new route with a body needs one here.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/invoices/{id}/cdr-exports"): {"format": "csv"},
    ("PATCH", "/users/{username}"): {"first_name": "Mallory", "notifications_enabled": True},
}


def missing_knowledge(route: template.Route) -> list[str]:
    """What this module would need to be told to test the route; empty when it knows everything."""
    missing = [
        f"where to find a real id for {{{name}}} (add it to FINDERS)"
        for name in parameters(route.path)
        if (route.path, name) not in FINDERS
    ]
    if route.method in BODY_METHODS and (route.method, route.path) not in VALID_BODIES:
        missing.append("a valid request body (add one to VALID_BODIES)")
    return missing


def stand_in(real: str) -> str:
    """An id shaped like `real` that no account has: each digit, hex letter and other letter after the
    prefix (`INV-`, `pm_`...) moved half way round its own alphabet."""
    alphabets = ("0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    prefix = re.match(r"^[A-Za-z]+[-_]", real)
    start = prefix.end() if prefix else 0

    def moved(character: str) -> str:
        for alphabet in alphabets:
            if character in alphabet:
                return alphabet[(alphabet.index(character) + len(alphabet) // 2) % len(alphabet)]
        return character

    absent = real[:start] + "".join(moved(c) for c in real[start:])
    assert absent != real
    return absent


def path_with(route: template.Route, ids: dict[str, str]) -> str:
    return _PARAMETER.sub(lambda m: ids[m.group(1)], route.path)


def call(api: Api, route: template.Route, ids: dict[str, str], token: str) -> Answer:
    return api.request(
        route.method,
        path_with(route, ids),
        json_body=VALID_BODIES.get((route.method, route.path)),
        token=token,
    )


def masked(answer: Answer, ids: dict[str, str]) -> str:
    """The answer's body with the ids sent in its place, so that answers to different ids compare."""
    text = json.dumps(answer.body, sort_keys=True)
    for name, value in ids.items():
        text = text.replace(value, f"<{name}>")
    return text


def assert_404_like_an_id_that_exists_nowhere(
    api: Api, route: template.Route, real: dict[str, str], token: str
) -> None:
    absent = {name: stand_in(value) for name, value in real.items()}
    theirs = call(api, route, real, token)
    nowhere = call(api, route, absent, token)
    assert nowhere.status == 404, f"the stand-in ids {absent} must exist nowhere: {nowhere.raw!r}"
    assert theirs.status == 404, f"{route.method} {path_with(route, real)}: {theirs.status} {theirs.raw!r}"
    assert theirs.body["code"] == nowhere.body["code"] == "not_found"
    assert masked(theirs, real) == masked(nowhere, absent), "the answer tells the two apart"


# -- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ids(api: Api, demo_token: str) -> dict[tuple[str, str], str]:
    """A real id of the demo account for every (route path, parameter) this module knows, each found once."""
    found: dict[str, str] = {}
    ids = {}
    for key, finder in FINDERS.items():
        if finder.name not in found:
            found[finder.name] = finder.find(api, demo_token, DEMO_USER)
        ids[key] = found[finder.name]
    return ids


@pytest.fixture(scope="module")
def other_ids(api: Api, other_token: str) -> dict[tuple[str, str], str]:
    """The same for the other account, where finding one changes nothing."""
    return {
        key: finder.find(api, other_token, OTHER_USER) for key, finder in FINDERS.items() if finder.reads_only
    }


@pytest.fixture(scope="module")
def stored_before(
    api: Api,
    demo_token: str,
    other_token: str,
    demo_ids: dict[tuple[str, str], str],
    other_ids: dict[tuple[str, str], str],
) -> dict[str, Any]:
    """What the stack stores before anyone reaches across the boundary. Each id is first read by its own
    account where a read changes nothing, to show it is real (and so that whatever a first read prepares,
    such as an invoice's PDF, is in place already)."""
    for route in ROUTES_WITH_IDS:
        if route.method != "GET" or missing_knowledge(route):
            continue
        for token, ids in ((demo_token, demo_ids), (other_token, other_ids)):
            real = {name: ids.get((route.path, name)) for name in parameters(route.path)}
            if all(real.values()):
                own = call(api, route, {name: str(value) for name, value in real.items()}, token)
                assert own.status == 200, f"{route.method} {route.path} {real}: {own.status} {own.raw!r}"
    return settled(api)


# -- the tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES_WITH_IDS, ids=lambda route: f"{route.method} {route.path}")
def test_another_accounts_id_is_404_like_an_id_that_exists_nowhere_and_changes_nothing(
    api: Api,
    other_token: str,
    route: template.Route,
    demo_ids: dict[tuple[str, str], str],
    stored_before: dict[str, Any],
) -> None:
    missing = missing_knowledge(route)
    if missing:
        pytest.fail(
            f"{route.method} {route.path} takes an id, and this test does not know {'; '.join(missing)}"
        )
    real = {name: demo_ids[(route.path, name)] for name in parameters(route.path)}
    assert_404_like_an_id_that_exists_nowhere(api, route, real, other_token)
    assert_unchanged(api, stored_before)


REVERSIBLE = [
    route
    for route in ROUTES_WITH_IDS
    if not missing_knowledge(route)
    and all(FINDERS[(route.path, name)].reads_only for name in parameters(route.path))
]


@pytest.mark.parametrize("route", REVERSIBLE, ids=lambda route: f"{route.method} {route.path}")
def test_the_other_way_round_the_demo_user_gets_404_for_the_other_accounts_ids(
    api: Api,
    demo_token: str,
    route: template.Route,
    other_ids: dict[tuple[str, str], str],
    stored_before: dict[str, Any],
) -> None:
    real = {name: other_ids[(route.path, name)] for name in parameters(route.path)}
    assert_404_like_an_id_that_exists_nowhere(api, route, real, demo_token)
    assert_unchanged(api, stored_before)


def percent_encoded(text: str) -> str:
    """Each character percent-encoded: the same id to the API, as a web client may send it."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


@pytest.mark.parametrize("route", ROUTES_WITH_IDS, ids=lambda route: f"{route.method} {route.path}")
def test_another_accounts_id_percent_encoded_is_404_like_an_id_that_exists_nowhere(
    api: Api,
    other_token: str,
    route: template.Route,
    demo_ids: dict[tuple[str, str], str],
    stored_before: dict[str, Any],
) -> None:
    """Decoding the path reaches the same id: the boundary holds for the encoded form as for the plain one."""
    real = {name: demo_ids[(route.path, name)] for name in parameters(route.path)}
    absent = {name: stand_in(value) for name, value in real.items()}

    def send(ids: dict[str, str]) -> Answer:
        encoded = {name: percent_encoded(value) for name, value in ids.items()}
        body = VALID_BODIES.get((route.method, route.path))
        return api.request(route.method, path_with(route, encoded), json_body=body, token=other_token)

    theirs, nowhere = send(real), send(absent)
    assert (theirs.status, nowhere.status) == (404, 404), (theirs.raw, nowhere.raw)
    assert masked(theirs, real) == masked(nowhere, absent), "the answer tells the two apart"
    assert_unchanged(api, stored_before)


def test_the_reverse_direction_covers_reads_and_writes() -> None:
    """The other way round is no token gesture: it reaches a read, a write and a delete at least."""
    assert {route.method for route in REVERSIBLE} >= {"GET", "POST", "DELETE"}, REVERSIBLE


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/autopay", {"enabled": True, "payment_method_id": "{id}"}),
        ("POST", "/payments", {"amount": "1.00", "payment_method_id": "{id}"}),
    ],
    ids=["PUT /autopay", "POST /payments"],
)
def test_another_accounts_saved_card_in_a_body_is_404_like_a_card_that_exists_nowhere(
    api: Api,
    other_token: str,
    demo_ids: dict[tuple[str, str], str],
    stored_before: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    real = demo_ids[("/payment-methods/{id}", "id")]

    def send(method_id: str) -> Answer:
        sent = {name: method_id if value == "{id}" else value for name, value in body.items()}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return api.request(method, path, json_body=sent, token=other_token, headers=headers)

    theirs, nowhere = send(real), send(stand_in(real))
    assert (theirs.status, nowhere.status) == (404, 404), (theirs.raw, nowhere.raw)
    assert masked(theirs, {"id": real}) == masked(nowhere, {"id": stand_in(real)})
    assert_unchanged(api, stored_before)
