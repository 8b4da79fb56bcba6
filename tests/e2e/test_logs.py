"""The functions' logs over the local stack: JSON, one line per API request with the request's correlation
id, and never a secret: after a user is invited, signs in for the first time, refreshes, forgets and resets
their password, and pays with a new card kept for later, none of the passwords, tokens, temporary password,
reset code or card references appears in any log line."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

from .conftest import DEMO_PASSWORD, Api

FIRST_PASSWORD = "Harbour-Lights-2026-Wave"
RESET_PASSWORD = "Lighthouse-Keeper-2027-Dusk"
CONFIRMATION_WAIT_SECONDS = 30


def outbox_to(api: Api, address: str) -> list[dict[str, Any]]:
    return [email for email in api.get("/_local/outbox").body["items"] if address in email["to"]]


def value_in(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, text
    return found.group(1)


def log_lines(log: Path) -> list[str]:
    """What the stack logged after it started (its banner, which shows the demo sign-in, is not a log)."""
    text = log.read_text(errors="replace")
    return text.partition("Press Ctrl-C to stop.")[2].splitlines()


def test_logs_are_json_with_a_correlation_id_and_hold_no_secret(
    api: Api, demo_token: str, local_stack_log: Path
) -> None:
    secrets: dict[str, str] = {"demo password": DEMO_PASSWORD}
    request_ids: list[str] = []

    def remember(answer: Any) -> Any:
        request_ids.append(answer.headers["x-amzn-RequestId"])
        assert answer.status < 400, answer.raw
        return answer.body

    signed_in = remember(api.post("/auth/login", {"username": "demo@example.com", "password": DEMO_PASSWORD}))
    secrets.update({f"demo {name}": signed_in[name] for name in ("id_token", "refresh_token")})
    refreshed = remember(api.post("/auth/refresh", {"refresh_token": signed_in["refresh_token"]}))
    secrets["refreshed id_token"] = refreshed["id_token"]

    newcomer = f"lena.{uuid.uuid4().hex[:8]}@example.com"
    body = {"username": newcomer, "first_name": "Lena", "last_name": "Park", "time_zone": "America/Toronto"}
    remember(api.post("/users", {**body, "notifications_enabled": False}, token=demo_token))
    temporary = value_in(r"Temporary password: (\S+)", outbox_to(api, newcomer)[-1]["text"])
    secrets["temporary password"] = temporary
    challenge = remember(api.post("/auth/login", {"username": newcomer, "password": temporary}))
    secrets["challenge session"] = challenge["session"]
    first = remember(
        api.post(
            "/auth/new-password",
            {"username": newcomer, "session": challenge["session"], "new_password": FIRST_PASSWORD},
        )
    )
    secrets.update({"first password": FIRST_PASSWORD, "newcomer id token": first["id_token"]})
    remember(api.post("/auth/forgot-password", {"username": newcomer}))
    code = value_in(r"verification code: (\d+)", outbox_to(api, newcomer)[-1]["text"])
    secrets["reset code"] = code
    remember(
        api.post("/auth/reset-password", {"username": newcomer, "code": code, "new_password": RESET_PASSWORD})
    )
    secrets["reset password"] = RESET_PASSWORD

    tokenized = api.post(
        "/_local/processor/tokenize",
        {"number": "5555555555554444", "exp_month": 9, "exp_year": 2031, "cvc": "321"},
    )
    assert tokenized.status == 201, tokenized.raw
    secrets["card token"] = tokenized.body["token"]
    paid = api.request(
        "POST",
        "/payments",
        json_body={"amount": "3.21", "new_payment_method": {"token": tokenized.body["token"], "save": True}},
        token=demo_token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    payment_id = remember(paid)["id"]
    stored = api.get("/_local/snapshot").body["tables"]["PortalTable"]
    references = [item["reference"]["S"] for item in stored if item["SK"]["S"].startswith("PM#")]
    assert references, "the saved card's processor reference"
    secrets.update({f"card reference {i}": reference for i, reference in enumerate(references)})

    # The notifier logs asynchronously, as it reads the table's stream: its lines are in once the payment's
    # confirmation, the last change above, has been emailed.
    deadline = time.monotonic() + CONFIRMATION_WAIT_SECONDS
    while not any(payment_id in email["text"] for email in api.get("/_local/outbox").body["items"]):
        assert time.monotonic() < deadline, f"no confirmation email for {payment_id}"
        time.sleep(0.2)
    lines = log_lines(local_stack_log)

    leaked = {
        name: [
            line[:200]
            for line in lines
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", line)
        ]
        for name, value in secrets.items()
    }
    assert {name: found for name, found in leaked.items() if found} == {}

    printed = [json.loads(line) for line in lines if line.startswith("{")]
    metrics = [line for line in printed if "_aws" in line]  # CloudWatch embedded metric format
    records = [line for line in printed if "_aws" not in line]
    assert records, "the functions log"
    correlated = {
        record.get("correlation_id") for record in records if record["message"] == "request answered"
    }
    assert set(request_ids) <= correlated, "each API request is logged with its correlation id"
    for record in records:
        assert {"level", "message", "timestamp", "service", "function_name"} <= set(record), record

    # The payment above is counted, in the namespace the template gives.
    counted = {
        definition["Name"]
        for line in metrics
        for directive in line["_aws"]["CloudWatchMetrics"]
        if directive["Namespace"] == "BillingPortal"
        for definition in directive["Metrics"]
    }
    assert "PaymentsApproved" in counted
