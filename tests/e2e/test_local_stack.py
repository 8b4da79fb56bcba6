"""The local stack over HTTP, as the web client sees it: health, the OpenAPI document, signing in, the
Cognito authorizer, the tenant boundary, the gateway's own errors, walking the demo history, and the
customer portal it serves on the API's origin."""

from __future__ import annotations

import base64
import calendar
import gzip
import json
import re
import socket
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from localrun import portal, template

from .conftest import DEMO_USER, Api

pytestmark = pytest.mark.e2e

NOT_SIGNED_IN = 401


# -- helpers -----------------------------------------------------------------------------------------------


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the test only reads what the server issued)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_like_cognito(claims: dict[str, Any]) -> str:
    """A token signed with the key the local Cognito (moto) signs with, so only its claims can be wrong."""
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key)


def months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def walk_history(api: Api, token: str, query: str = "") -> list[list[dict[str, Any]]]:
    """Every page of the history, following `next_cursor` until it is null."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        path = f"/transactions?page_size=10{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = api.get(path, token=token)
        assert answer.status == 200, answer.raw
        pages.append(answer.body["items"])
        cursor = answer.body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 200, "the cursor never ends"


def assert_error(answer: Any, status: int, code: str | None = None) -> None:
    assert answer.status == status, answer.raw
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code


# -- the stack itself --------------------------------------------------------------------------------------


def test_health_says_ok(api: Api) -> None:
    answer = api.get("/health")
    assert answer.status == 200
    assert answer.body == {"status": "ok"}


def test_openapi_document_describes_every_template_route(api: Api) -> None:
    answer = api.get("/openapi.json")
    assert answer.status == 200
    document = answer.body
    assert document["openapi"].startswith("3.1")
    for route in template.routes():
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["responses"], route
        signed_in = bool(operation.get("security"))
        assert signed_in is not route.public, route
    # Every reference resolves inside the document.
    schemas = document["components"]["schemas"]
    text = json.dumps(document)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_unknown_path_is_a_json_404(api: Api) -> None:
    assert_error(api.get("/no/such/thing"), 404, "not_found")


def test_known_path_with_another_method_is_a_json_405(api: Api) -> None:
    answer = api.request("DELETE", "/account")
    assert_error(answer, 405)
    assert "GET" in answer.headers["Allow"]


def test_body_over_64_kibibytes_is_refused_with_413(api: Api) -> None:
    answer = api.request(
        "POST", "/auth/login", data=b"x" * (64 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert_error(answer, 413, "payload_too_large")
    assert answer.body["message"] == "The request body is larger than 64 KiB."


def test_body_of_exactly_64_kibibytes_reaches_the_function(api: Api) -> None:
    answer = api.request(
        "POST", "/auth/login", data=b"x" * (64 * 1024), headers={"Content-Type": "application/json"}
    )
    assert_error(answer, 400)  # not JSON, as the function says: the gateway let it through


def test_malformed_request_line_gets_a_json_400_and_the_server_keeps_serving(api: Api) -> None:
    address = urlsplit(api.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(b"\x00\xffNOT A REQUEST \x1b[31m\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), received
    assert json.loads(body)["code"] == "bad_request"
    assert api.get("/health").status == 200


def test_outbox_lists_sent_emails(api: Api) -> None:
    answer = api.get("/_local/outbox")
    assert answer.status == 200
    assert isinstance(answer.body["items"], list)
    for item in answer.body["items"]:
        assert {"to", "cc", "bcc", "from", "subject", "text", "html", "sent_at"} <= item.keys()


# -- signing in --------------------------------------------------------------------------------------------


def test_login_returns_tokens_for_the_demo_user(demo_tokens: dict[str, Any]) -> None:
    assert demo_tokens["expires_in"] > 0
    for name in ("id_token", "refresh_token"):
        assert isinstance(demo_tokens[name], str) and demo_tokens[name]
    assert "access_token" not in demo_tokens  # Cognito's own: never handed out
    assert claims_of(demo_tokens["id_token"])["cognito:username"] == DEMO_USER


def test_wrong_password_and_unknown_user_get_the_same_401(api: Api) -> None:
    wrong_password = api.post("/auth/login", {"username": DEMO_USER, "password": "Not-The-Password-99"})
    unknown_user = api.post(
        "/auth/login", {"username": "nobody@example.com", "password": "Not-The-Password-99"}
    )
    assert_error(wrong_password, 401)
    assert unknown_user.status == wrong_password.status
    assert unknown_user.body == wrong_password.body


def test_refresh_gives_new_tokens_that_work(api: Api, demo_tokens: dict[str, Any]) -> None:
    answer = api.post("/auth/refresh", {"refresh_token": demo_tokens["refresh_token"]})
    assert answer.status == 200, answer.raw
    refreshed = answer.body["id_token"]
    assert claims_of(refreshed)["jti"] != claims_of(demo_tokens["id_token"])["jti"]
    dashboard = api.get("/account", token=refreshed)
    assert dashboard.status == 200, dashboard.raw


def test_refresh_with_a_made_up_token_is_401(api: Api) -> None:
    assert_error(api.post("/auth/refresh", {"refresh_token": "made-up"}), 401)


# -- the authorizer ----------------------------------------------------------------------------------------


def test_dashboard_with_the_demo_token(api: Api, demo_token: str) -> None:
    answer = api.get("/account", token=demo_token)
    assert answer.status == 200, answer.raw
    dashboard = answer.body
    assert dashboard["account_id"] == claims_of(demo_token)["custom:account_id"]
    assert {"current_balance", "last_payment", "autopay", "billing_address", "time_zone"} <= dashboard.keys()


def test_each_user_sees_their_own_account(api: Api, demo_token: str, other_token: str) -> None:
    demo = api.get("/account", token=demo_token).body
    other = api.get("/account", token=other_token).body
    assert demo["account_id"] != other["account_id"]
    assert other["account_id"] == claims_of(other_token)["custom:account_id"]


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer garbage", "Bearer a.b.c", "Basic ZGVtbzpwYXNz", "Bearer " + "x" * 20_000],
    ids=["missing", "empty", "no-token", "garbage", "three-junk-parts", "basic-auth", "oversized"],
)
def test_requests_without_a_valid_token_are_401(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_error(api.request("GET", "/account", headers=headers), NOT_SIGNED_IN, "not_signed_in")


def test_token_with_a_tampered_payload_is_401(api: Api, demo_token: str, other_token: str) -> None:
    header, _, signature = demo_token.split(".")
    claims = claims_of(demo_token) | {"custom:account_id": claims_of(other_token)["custom:account_id"]}
    tampered = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert_error(api.get("/account", token=tampered), NOT_SIGNED_IN, "not_signed_in")


def test_token_signed_with_another_key_is_401(api: Api, demo_token: str) -> None:
    stranger = RSAKey.generate_key(2048)
    forged = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims_of(demo_token), stranger)
    assert_error(api.get("/account", token=forged), NOT_SIGNED_IN, "not_signed_in")


def test_the_access_token_is_not_accepted_in_place_of_the_id_token(
    api: Api, demo_tokens: dict[str, Any]
) -> None:
    # An access token as the user pool issues one (the API never hands one out).
    claims = claims_of(demo_tokens["id_token"])
    client_id = claims.pop("aud")
    access = claims | {"token_use": "access", "client_id": client_id}
    assert_error(api.get("/account", token=signed_like_cognito(access)), NOT_SIGNED_IN, "not_signed_in")


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": -60},  # expired a minute ago
        {"aud": "another-app-client"},
        {"iss": "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_AnotherPool"},
        {"token_use": "access"},
    ],
    ids=["expired", "other-audience", "other-issuer", "access-token-use"],
)
def test_correctly_signed_token_with_a_wrong_claim_is_401(
    api: Api, demo_token: str, changes: dict[str, Any]
) -> None:
    now = int(time.time())
    claims = claims_of(demo_token) | {"iat": now - 120, "exp": now + 600}
    # The same claims, signed the same way, are accepted: only the changed claim can be refused.
    assert api.get("/account", token=signed_like_cognito(claims)).status == 200
    wrong = claims | {k: now + v if k == "exp" else v for k, v in changes.items()}
    assert_error(api.get("/account", token=signed_like_cognito(wrong)), NOT_SIGNED_IN, "not_signed_in")


# -- the tenant boundary -----------------------------------------------------------------------------------


def test_another_accounts_transaction_is_404_like_one_that_does_not_exist(
    api: Api, demo_token: str, other_token: str
) -> None:
    theirs = api.get("/transactions?page_size=10", token=other_token).body["items"][0]["id"]
    assert api.get(f"/transactions/{theirs}", token=other_token).status == 200
    stolen = api.get(f"/transactions/{theirs}", token=demo_token)
    missing = api.get("/transactions/INV-0-000000", token=demo_token)
    assert_error(stolen, 404)
    assert_error(missing, 404)
    assert stolen.body["code"] == missing.body["code"]


# -- the history of the demo data --------------------------------------------------------------------------


def test_history_walks_24_months_newest_first_without_repeats(api: Api, demo_token: str) -> None:
    pages = walk_history(api, demo_token)
    items = [item for page in pages for item in page]
    assert all(len(page) == 10 for page in pages[:-1])
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "an item came twice"
    dates = [date.fromisoformat(item["date"]) for item in items]
    assert dates == sorted(dates, reverse=True), "not newest first"
    today = datetime.now(UTC).date()
    assert min(dates) >= months_back(today, 24)
    # The demo has 30 months of monthly invoices: the window holds two years of them, no more.
    invoices = [item for item in items if item["type"] == "invoice"]
    assert 23 <= len(invoices) <= 25


def test_history_type_filter(api: Api, demo_token: str) -> None:
    payments = [item for page in walk_history(api, demo_token, "&type=payment") for item in page]
    assert payments
    assert {item["type"] for item in payments} == {"payment"}
    mixed = [item for page in walk_history(api, demo_token, "&type=invoice,credit") for item in page]
    assert {item["type"] for item in mixed} == {"invoice", "credit"}
    everything = [item for page in walk_history(api, demo_token) for item in page]
    assert len(payments) == sum(item["type"] == "payment" for item in everything)


def test_history_type_filter_repeated_is_the_list_it_means(api: Api, demo_token: str) -> None:
    repeated = [item for page in walk_history(api, demo_token, "&type=invoice&type=credit") for item in page]
    joined = [item for page in walk_history(api, demo_token, "&type=invoice,credit") for item in page]
    assert repeated == joined and {item["type"] for item in repeated} == {"invoice", "credit"}
    answer = api.get("/transactions?page_size=10&page_size=50", token=demo_token)
    assert_error(answer, 422, "validation_failed")
    assert answer.body["details"] == [{"field": "page_size", "message": "must be given once, not repeated"}]


def test_a_history_cursor_continues_only_the_filters_it_came_with(api: Api, demo_token: str) -> None:
    invoices = api.get("/transactions?type=invoice&page_size=10", token=demo_token).body
    cursor = invoices["next_cursor"]
    assert cursor, "the demo account has more than ten invoices"
    assert api.get(f"/transactions?type=invoice&page_size=50&cursor={cursor}", token=demo_token).status == 200
    for other in (
        "type=payment",
        "type=invoice,payment",
        "",
        f"from={months_back(datetime.now(UTC).date(), 12)}",
    ):
        answer = api.get(f"/transactions?{other}&page_size=10&cursor={cursor}", token=demo_token)
        assert_error(answer, 422, "validation_failed")
        assert "cursor" in answer.body["message"]


# -- ids in the path, as a web client encodes them -------------------------------------------------------


def encode_uri_component(text: str) -> str:
    """What a web client's `encodeURIComponent` makes of a path segment."""
    return quote(text, safe="-_.!~*'()")


def every_character_encoded(text: str) -> str:
    """A segment with each character percent-encoded: any client may, and it names the same thing."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


def test_a_user_is_edited_and_deleted_through_an_encoded_username(api: Api, demo_token: str) -> None:
    username = f"marc.okafor+{uuid.uuid4().hex[:8]}@example.com"
    new_user = {
        "username": username,
        "first_name": "Marc",
        "last_name": "Okafor",
        "time_zone": "America/Toronto",
        "notifications_enabled": False,
    }
    created = api.post("/users", new_user, token=demo_token)
    assert created.status == 201, created.raw
    path = f"/users/{encode_uri_component(username)}"
    assert "%40" in path and "%2B" in path

    edited = api.request("PATCH", path, json_body={"first_name": "Marcus"}, token=demo_token)
    assert edited.status == 200, edited.raw
    assert (edited.body["username"], edited.body["first_name"]) == (username, "Marcus")
    listed = {user["username"]: user for user in api.get("/users", token=demo_token).body["items"]}
    assert listed[username]["first_name"] == "Marcus"

    deleted = api.request("DELETE", path, token=demo_token)
    assert deleted.status == 204, deleted.raw
    assert username not in {user["username"] for user in api.get("/users", token=demo_token).body["items"]}
    assert_error(api.request("DELETE", path, token=demo_token), 404, "not_found")


def test_ids_in_the_path_may_be_percent_encoded(api: Api, demo_token: str) -> None:
    newest = api.get("/transactions?type=invoice&page_size=10", token=demo_token).body["items"][0]["id"]
    plain = api.get(f"/transactions/{newest}", token=demo_token)
    encoded = api.get(f"/transactions/{every_character_encoded(newest)}", token=demo_token)
    assert plain.status == encoded.status == 200, encoded.raw
    assert encoded.body == plain.body
    pdf = api.get(f"/invoices/{every_character_encoded(newest)}/pdf", token=demo_token)
    assert pdf.status == 200, pdf.raw
    assert newest in pdf.body["filename"]

    card = api.post("/payment-methods", {"token": "tok_visa"}, token=demo_token)
    assert card.status == 201, card.raw
    path = f"/payment-methods/{every_character_encoded(card.body['id'])}"
    assert api.request("DELETE", path, token=demo_token).status == 204
    remaining = {method["id"] for method in api.get("/payment-methods", token=demo_token).body["items"]}
    assert card.body["id"] not in remaining


# -- the customer portal, on the API's origin ------------------------------------------------------------

DIST = template.ROOT / "web" / "dist"
PAGES = [re.sub(r":\w+", "INV-100482731", route) for route in portal.routes()]


@pytest.fixture(scope="module")
def index_html() -> bytes:
    """The built portal's page, as `make run` and `make test` build it before starting the stack."""
    if not (DIST / "index.html").is_file():
        pytest.fail("web/dist is missing: build the portal first (make web)")
    return (DIST / "index.html").read_bytes()


def assert_security_headers(answer: Any) -> None:
    assert answer.headers["Content-Security-Policy"] == portal.CONTENT_SECURITY_POLICY
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == portal.REFERRER_POLICY


def test_the_stack_prints_the_portals_address_first(api: Api, local_stack_log: Path) -> None:
    first_line = local_stack_log.read_text(errors="replace").splitlines()[0]
    assert first_line == f"Customer portal: {api.base_url}/"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_the_portal_reloads_to_the_portal(api: Api, index_html: bytes, page: str) -> None:
    answer = api.get(page)
    assert answer.status == 200, answer.raw
    assert answer.raw == index_html
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert_security_headers(answer)


def test_a_portal_page_and_the_api_path_beside_it(api: Api, index_html: bytes, demo_token: str) -> None:
    assert api.get("/activity/INV-1").raw == index_html
    assert_error(api.get("/transactions/INV-1"), NOT_SIGNED_IN, "not_signed_in")
    assert_error(api.get("/transactions/INV-1", token=demo_token), 404, "not_found")


def test_head_of_a_page_is_its_headers_alone(api: Api, index_html: bytes) -> None:
    answer = api.request("HEAD", "/")
    assert answer.status == 200
    assert answer.raw == b""
    assert int(answer.headers["Content-Length"]) == len(index_html)


def test_the_pages_assets_are_served_with_their_type_and_kept_a_year(api: Api, index_html: bytes) -> None:
    assets = re.findall(rb'(?:src|href)="(/assets/[^"]+)"', index_html)
    assert assets, index_html
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    for asset in (found.decode() for found in assets):
        answer = api.get(asset)
        assert answer.status == 200, asset
        assert answer.raw == (DIST / asset.lstrip("/")).read_bytes()
        assert answer.headers["Content-Type"] == types[Path(asset).suffix]
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        zipped = api.request("GET", asset, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.raw) == answer.raw


def test_config_json_is_the_templates_defaults_with_the_api_on_the_root_paths(api: Api) -> None:
    answer = api.get("/config.json")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert_security_headers(answer)
    defaults = {name: spec.get("Default") for name, spec in template.load()["Parameters"].items()}
    assert answer.body == {
        "apiBase": "",
        "brand": {
            "en": {
                "provider": defaults["ProviderName"],
                "portal": defaults["PortalName"],
                "billingEmail": defaults["BillingEmail"],
                "billingPhone": defaults["BillingPhone"],
            },
            "fr": {
                "provider": defaults["ProviderNameFr"],
                "portal": defaults["PortalNameFr"],
                "billingEmail": defaults["BillingEmail"],
                "billingPhone": defaults["BillingPhoneFr"],
            },
        },
    }


@pytest.mark.parametrize(
    "path", ["/activity", "/activity/INV-1/pdf", "/sign-in/", "/assets/no-such-file.js", "/assets/../health"]
)
def test_what_is_not_the_portals_stays_the_apis_404(api: Api, path: str) -> None:
    assert_error(api.get(path), 404, "not_found")


def test_the_portals_pages_are_only_read(api: Api) -> None:
    answer = api.request("POST", "/sign-in", json_body={"username": DEMO_USER})
    assert_error(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["Allow"]
