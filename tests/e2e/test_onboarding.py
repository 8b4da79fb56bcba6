"""A new customer, end to end: the billing engine sends the account, then its first portal user; the
invitation arrives, and the person signs in with it, chooses a password and sees their dashboard."""

from __future__ import annotations

import re
import uuid
from typing import Any

from .conftest import Api

CHOSEN_PASSWORD = "Harbour-Lights-2026-Fog"


def ingest(api: Api, document: dict[str, Any]) -> dict[str, Any]:
    answer = api.post("/_local/functions/ingest", document)
    assert answer.status == 200, answer.raw
    result: dict[str, Any] = answer.body
    return result


def invitations_to(api: Api, address: str) -> list[dict[str, Any]]:
    answer = api.get("/_local/outbox")
    assert answer.status == 200, answer.raw
    return [
        email
        for email in answer.body["items"]
        if email["to"] == [address] and email["subject"] == "Your Billing Portal invitation"
    ]


def test_a_new_accounts_first_user_gets_the_invitation_once_and_signs_in(api: Api) -> None:
    suffix = uuid.uuid4().hex[:8]
    account_id, username = f"acct-onboard-{suffix}", f"owner.{suffix}@example.com"
    account = {
        "kind": "account",
        "account_id": account_id,
        "account_number": str(int(suffix, 16) % 10**9).zfill(9),
        "name": "Northern Lights Dental",
        "billing_address": {
            "line1": "12 Water Street",
            "city": "St. John's",
            "province": "NL",
            "postal_code": "A1C 1A1",
        },
        "time_zone": "America/St_Johns",
    }
    first_user = {
        "kind": "portal_user",
        "account_id": account_id,
        "username": username,
        "first_name": "Siobhan",
        "last_name": "Walsh",
        "time_zone": "America/St_Johns",
        "notifications_enabled": True,
    }
    assert ingest(api, account)["status"] == "created"

    assert ingest(api, first_user) == {"status": "created", "id": username}
    assert ingest(api, first_user) == {"status": "already_exists", "id": username}

    [invitation] = invitations_to(api, username)
    temporary = re.search(r"Temporary password: (\S+)", invitation["text"])
    assert temporary is not None
    challenge = api.post("/auth/login", {"username": username, "password": temporary.group(1)})
    assert challenge.status == 200 and challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED", challenge.raw
    tokens = api.post(
        "/auth/new-password",
        {"username": username, "session": challenge.body["session"], "new_password": CHOSEN_PASSWORD},
    )
    assert tokens.status == 200, tokens.raw
    dashboard = api.get("/account", token=tokens.body["id_token"])
    assert dashboard.status == 200, dashboard.raw
    assert (dashboard.body["account_id"], dashboard.body["current_balance"]["amount"]) == (account_id, "0.00")


def test_a_quebec_accounts_first_user_is_invited_in_french_and_reads_the_portal_in_french(api: Api) -> None:
    suffix = uuid.uuid4().hex[:8]
    account_id, username = f"acct-quebec-{suffix}", f"proprietaire.{suffix}@example.com"
    account = {
        "kind": "account",
        "account_id": account_id,
        "account_number": str(int(suffix, 16) % 10**9).zfill(9),
        "name": "Clinique dentaire du Vieux-Port",
        "billing_address": {
            "line1": "355 rue de la Commune Ouest",
            "city": "Montréal",
            "province": "QC",
            "postal_code": "H2Y 2E2",
        },
        "time_zone": "America/Montreal",
    }
    first_user = {
        "kind": "portal_user",
        "account_id": account_id,
        "username": username,
        "first_name": "Geneviève",
        "last_name": "Tremblay",
        "time_zone": "America/Montreal",
    }
    assert ingest(api, account)["status"] == "created"
    assert ingest(api, first_user) == {"status": "created", "id": username}

    outbox = api.get("/_local/outbox").body["items"]
    [invitation] = [email for email in outbox if email["to"] == [username]]
    assert invitation["subject"] == "Votre invitation au Portail de facturation"
    temporary = re.search(r"Mot de passe temporaire\s?: (\S+)", invitation["text"])
    assert temporary is not None, invitation["text"]
    challenge = api.post("/auth/login", {"username": username, "password": temporary.group(1)})
    assert challenge.status == 200 and challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED", challenge.raw
    tokens = api.post(
        "/auth/new-password",
        {"username": username, "session": challenge.body["session"], "new_password": CHOSEN_PASSWORD},
    )
    assert tokens.status == 200, tokens.raw
    token = tokens.body["id_token"]

    assert api.get("/me", token=token).body["language"] == "fr"
    assert api.get("/account", token=token).body["language"] == "fr"
    yourself = api.request("DELETE", f"/users/{username}", token=token)
    assert (yourself.status, yourself.body["message"]) == (
        403,
        "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation.",
    )
