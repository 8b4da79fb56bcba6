"""Billing notifications over the local stack, end to end: an invoice posted through the ingest function, a
payment made through the API, a user added and deleted. The table's stream feeds the notifier as Lambda
would; the outbox shows that the right people got exactly the right emails, and the users with
notifications off none."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from .conftest import DEMO_USER, OTHER_USER, Api

DEMO_ACCOUNT = "acct-maple-harbour"
DEMO_ACCOUNT_NUMBER = "100482731"
QUIET_USER = "marc.okafor@example.com"  # the demo account's user with billing notifications off
WAIT_SECONDS = 30


def outbox(api: Api) -> list[dict[str, Any]]:
    answer = api.get("/_local/outbox")
    assert answer.status == 200, answer.raw
    items: list[dict[str, Any]] = answer.body["items"]
    return items


def emails_until(
    api: Api, count_before: int, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The emails sent since `count_before`, once `done` holds for them (the stream is read asynchronously, as
    in AWS); fails after WAIT_SECONDS with what had arrived."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        sent = outbox(api)[count_before:]
        if done(sent) or time.monotonic() > deadline:
            return sent
        time.sleep(0.2)


def settled_outbox_size(api: Api, quiet_seconds: float = 1.5) -> int:
    """The outbox's size once the emails of earlier tests' changes have stopped arriving."""
    deadline = time.monotonic() + WAIT_SECONDS
    size, since = len(outbox(api)), time.monotonic()
    while time.monotonic() - since < quiet_seconds and time.monotonic() < deadline:
        time.sleep(0.2)
        now = len(outbox(api))
        if now != size:
            size, since = now, time.monotonic()
    return size


def with_subject(emails: list[dict[str, Any]], words: str) -> list[dict[str, Any]]:
    return [email for email in emails if words in email["subject"]]


def addressees(emails: list[dict[str, Any]]) -> list[str]:
    return sorted(address for email in emails for address in email["to"])


def test_invoice_payment_and_users_reach_exactly_the_users_with_notifications_on(
    api: Api, demo_token: str
) -> None:
    newcomer = f"nora.{uuid.uuid4().hex[:8]}@example.com"
    start = settled_outbox_size(api)

    # A user added: the others with notifications on are told; the newcomer gets the invitation.
    added = api.post(
        "/users",
        {
            "username": newcomer,
            "first_name": "Nora",
            "last_name": "Lindqvist",
            "time_zone": "America/Halifax",
            "notifications_enabled": True,
        },
        token=demo_token,
    )
    assert added.status == 201, added.raw
    sent = emails_until(api, start, lambda e: bool(with_subject(e, f"{newcomer} was added")))
    [told] = with_subject(sent, f"{newcomer} was added")
    assert told["to"] == [DEMO_USER]
    assert "Nora Lindqvist" in told["text"] and DEMO_ACCOUNT_NUMBER in told["text"]
    assert "/manage-users" in told["html"]

    # An invoice posted by the billing engine: both users with notifications on, in their own time zones.
    today = date.today()
    invoice_id = f"INV-E2E-{uuid.uuid4().hex[:8].upper()}"
    due = today + timedelta(days=30)
    ingested = api.post(
        "/_local/functions/ingest",
        {
            "kind": "invoice",
            "account_id": DEMO_ACCOUNT,
            "invoice_id": invoice_id,
            "issue_date": today.isoformat(),
            "period_start": (today - timedelta(days=30)).isoformat(),
            "period_end": (today - timedelta(days=1)).isoformat(),
            "due_date": due.isoformat(),
            "lines": [{"description": "Seats", "category": "service", "quantity": 2, "amount": "40.00"}],
        },
    )
    assert ingested.status == 200 and ingested.body["status"] == "posted", ingested.raw
    sent = emails_until(api, start, lambda e: len(with_subject(e, invoice_id)) >= 2)
    invoices = with_subject(sent, invoice_id)
    assert addressees(invoices) == sorted([DEMO_USER, newcomer])
    written_due = f"{due:%B} {due.day}, {due.year}"
    for email in invoices:
        assert f"due {written_due}" in email["subject"]
        assert f"Due date: {written_due}" in email["text"] and "Amount due: $" in email["text"]
        assert f'/activity/{invoice_id}" target="_blank"' in email["html"]  # the button
    by_address = {email["to"][0]: email["text"] for email in invoices}
    assert any(zone in by_address[newcomer] for zone in (" AST.", " ADT."))  # Halifax time
    assert any(zone in by_address[DEMO_USER] for zone in (" EST.", " EDT."))  # Toronto time

    # A payment through the API: one confirmation each, and no second email for its history row.
    methods = api.get("/payment-methods", token=demo_token).body["items"]
    paid = api.request(
        "POST",
        "/payments",
        json_body={"amount": "12.34", "payment_method_id": methods[0]["id"]},
        token=demo_token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert paid.status == 201 and paid.body["status"] == "approved", paid.raw
    sent = emails_until(api, start, lambda e: len(with_subject(e, "payment of $12.34")) >= 2)
    confirmations = with_subject(sent, "payment of $12.34")
    assert addressees(confirmations) == sorted([DEMO_USER, newcomer])
    assert all(paid.body["id"] in email["text"] for email in confirmations)

    # The newcomer deleted: the remaining user is told, the deleted one is not.
    deleted = api.request("DELETE", f"/users/{newcomer}", token=demo_token)
    assert deleted.status == 204, deleted.raw
    sent = emails_until(api, start, lambda e: bool(with_subject(e, f"{newcomer} was deleted")))

    # The stream is delivered in order: by now every email of the steps above has arrived.
    assert addressees(with_subject(sent, f"{newcomer} was deleted")) == [DEMO_USER]
    assert addressees(with_subject(sent, "invitation")) == [newcomer]
    # Credits pending on the next invoice were posted with it: each is a transaction of its own.
    history = api.get(f"/transactions?type=credit&from={today}&to={today}", token=demo_token)
    assert history.status == 200, history.raw
    credits = [row for row in history.body["items"] if row["id"] != invoice_id]
    for row in credits:
        told = [email for email in sent if f"/activity/{row['id']}" in (email["html"] or "")]
        assert addressees(told) == sorted([DEMO_USER, newcomer]), row
    expected = 1 + 1 + 2 + 2 * len(credits) + 2 + 1
    assert len(sent) == expected, [(email["to"], email["subject"]) for email in sent]
    assert QUIET_USER not in addressees(sent) and OTHER_USER not in addressees(sent)


FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
AMOUNT_IN_FRENCH = r"[0-9][0-9 ]*,[0-9]{2} \$"  # "1 130,00 $" (its spaces no-break ones, as sent)


def french_date(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def test_a_user_who_reads_french_gets_the_invitation_and_billing_emails_in_french(
    api: Api, demo_token: str
) -> None:
    newcomer = f"lea.{uuid.uuid4().hex[:8]}@example.com"
    start = settled_outbox_size(api)

    added = api.post(
        "/users",
        {
            "username": newcomer,
            "first_name": "Léa",
            "last_name": "Gagnon",
            "time_zone": "America/Montreal",
            "notifications_enabled": True,
            "language": "fr",
        },
        token=demo_token,
    )
    assert added.status == 201, added.raw
    sent = emails_until(api, start, lambda e: bool(with_subject(e, f"{newcomer} was added")))
    [invitation] = with_subject(sent, "Votre invitation au")
    assert invitation["to"] == [newcomer]
    assert "Bonjour Léa," in invitation["text"] and f"Nom d'utilisateur : {newcomer}" in invitation["text"]
    assert "Mot de passe temporaire : " in invitation["text"] and '<html lang="fr"' in invitation["html"]
    # The others read of the newcomer in their own language: the demo user, in English.
    assert addressees(with_subject(sent, f"{newcomer} was added")) == [DEMO_USER]

    today = date.today()
    invoice_id = f"INV-E2E-{uuid.uuid4().hex[:8].upper()}"
    due = today + timedelta(days=30)
    ingested = api.post(
        "/_local/functions/ingest",
        {
            "kind": "invoice",
            "account_id": DEMO_ACCOUNT,
            "invoice_id": invoice_id,
            "issue_date": today.isoformat(),
            "period_start": (today - timedelta(days=30)).isoformat(),
            "period_end": (today - timedelta(days=1)).isoformat(),
            "due_date": due.isoformat(),
            "lines": [{"description": "Seats", "category": "service", "quantity": 1, "amount": "1000.00"}],
        },
    )
    assert ingested.status == 200 and ingested.body["status"] == "posted", ingested.raw
    sent = emails_until(api, start, lambda e: len(with_subject(e, invoice_id)) >= 2)
    by_address = {email["to"][0]: email for email in with_subject(sent, invoice_id)}
    assert sorted(by_address) == sorted([DEMO_USER, newcomer])
    french = by_address[newcomer]
    subject = french["subject"].replace("\u00a0", " ")
    expected = f"Portail de facturation : facture {invoice_id}, {AMOUNT_IN_FRENCH} à payer d'ici le "
    assert re.fullmatch(expected + french_date(due), subject), subject
    text = french["text"].replace("\u00a0", " ")
    assert "Une nouvelle facture a été émise pour" in text and f"(compte {DEMO_ACCOUNT_NUMBER})" in text
    assert re.search(f"\nMontant dû : {AMOUNT_IN_FRENCH}\nDate d'échéance : {french_date(due)}\n", text)
    assert any(zone in text for zone in (" HNE.", " HAE."))  # Montréal time, as French writes it
    assert "\nVoir la facture : http" in text and f"/activity/{invoice_id}\n" in text
    assert "Des questions? Communiquez avec l'équipe de facturation au " in text
    assert '<html lang="fr"' in french["html"] and ">Voir la facture</a>" in french["html"]
    english = by_address[DEMO_USER]["subject"].strip()  # a long subject comes back folded, as sent
    assert re.fullmatch(rf"Billing Portal: invoice {invoice_id}, \$[0-9,]+\.[0-9]{{2}} due .+", english)

    deleted = api.request("DELETE", f"/users/{newcomer}", token=demo_token)
    assert deleted.status == 204, deleted.raw
    sent = emails_until(api, start, lambda e: bool(with_subject(e, f"{newcomer} was deleted")))
    assert addressees(with_subject(sent, f"{newcomer} was deleted")) == [DEMO_USER]
