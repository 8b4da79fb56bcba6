"""The notifier function fed by the table's stream through the template's event source mapping, over moto:
the emails of real changes (an invoice posted through ingest, users added and deleted through the API), and
the faults: SES throttling, a poison record, a redelivered batch, a bounced address."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications.dynamo import DynamoSuppressionList
from billing_portal.shared import aws as aws_clients
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import outbox
from localrun.streams import StreamFeeder
from localrun.template import ROOT

from .support import Caller, account_doc, call, days_ago, invoice_doc, invoke, notifier_stream, posted

ERABLE = Caller("acct-erable", "ana@erable.example")
QUIET = Caller("acct-erable", "quiet@erable.example")
BOB = Caller("acct-erable", "bob@erable.example")
OTHER = Caller("acct-other", "zoe@other.example")


def new_user(username: str, notifications: bool) -> dict[str, Any]:
    return {
        "username": username,
        "first_name": "Pat",
        "last_name": "Lee",
        "time_zone": "America/Vancouver",
        "notifications_enabled": notifications,
    }


@pytest.fixture
def accounts(aws: dict[str, str]) -> Iterator[dict[str, str]]:
    """Erable with three users (Bob with notifications off), Other with one; the notifier reads the stream
    from here on."""
    posted(account_doc(ERABLE.account_id))
    posted(account_doc(OTHER.account_id, account_number="900800700", province="QC", postal_code="H3B 4W8"))
    for caller, owner, notified in ((ERABLE, ERABLE, True), (QUIET, ERABLE, False), (OTHER, OTHER, True)):
        from billing_portal.ledger.ports import PortalUser
        from billing_portal.users.dynamo import DynamoUserRecords

        DynamoUserRecords(aws["PortalTable"]).claim(
            PortalUser(
                owner.account_id,
                caller.username,
                "Ana",
                "Roy",
                "America/Toronto",
                notified,
                "2026-01-05T14:00:00+00:00",
            )
        )
    yield aws


def sent_since(count: int) -> list[dict[str, Any]]:
    return outbox.items()[count:]


def by_recipient(emails: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for email in emails:
        for address in email["to"]:
            found.setdefault(address, []).append(email["subject"])
    return found


def dead_letters(physical: dict[str, str]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="ca-central-1")
    answer = sqs.receive_message(QueueUrl=physical["NotifierDeadLetterQueue"], MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in answer.get("Messages", [])]


# -- what reaches whom --------------------------------------------------------------------------------------


def test_an_invoice_and_users_added_and_deleted_reach_exactly_the_notified_users(
    accounts: dict[str, str],
) -> None:
    stream = notifier_stream(accounts)
    before = len(outbox.items())

    posted(invoice_doc(ERABLE.account_id, "INV-N1", days_ago(1)))
    assert call("POST", "/users", ERABLE, body=new_user(BOB.username, notifications=True)).status == 201
    assert call("DELETE", f"/users/{BOB.username}", ERABLE).status == 204
    stream.drain()

    received = by_recipient(sent_since(before))
    assert sorted(received) == [ERABLE.username, BOB.username]  # Bob was added with notifications on
    assert [subject.split(",")[0] for subject in received[ERABLE.username]] == [
        "Billing Portal: invoice INV-N1",
        f"Billing Portal: {BOB.username} was added",
        f"Billing Portal: {BOB.username} was deleted",
    ]
    assert received[BOB.username] == ["Your Billing Portal invitation"]
    invoice_email = next(e for e in sent_since(before) if "INV-N1" in e["subject"])
    assert "Amount due: $" in invoice_email["text"] and "(account 100200300)" in invoice_email["text"]
    assert "INV-N1" in (invoice_email["html"] or "")


def test_each_user_reads_the_invoice_email_in_their_own_language(accounts: dict[str, str]) -> None:
    stream = notifier_stream(accounts)
    lea = PortalUser(
        ERABLE.account_id,
        "lea@erable.example",
        "Léa",
        "Roy",
        "America/Toronto",
        True,
        "2026-01-05T14:00:00+00:00",
        language="fr",
    )
    DynamoUserRecords(accounts["PortalTable"]).claim(lea)
    before = len(outbox.items())

    posted(invoice_doc(ERABLE.account_id, "INV-F1", days_ago(1)))
    stream.drain()

    emails = {email["to"][0]: email for email in sent_since(before)}
    assert sorted(emails) == sorted([ERABLE.username, lea.username])
    french = emails[lea.username]
    assert french["subject"].startswith("Portail de facturation : facture INV-F1, ")
    assert "\u00a0$ à payer d'ici le " in french["subject"]
    assert "Bonjour Léa," in french["text"] and "(compte 100200300)" in french["text"]
    assert "Montant dû : " in french["text"] and "Voir la facture : " in french["text"]
    assert "l'équipe de facturation au billing@net2phone.ca" in french["text"]
    assert '<html lang="fr"' in french["html"] and ">Voir la facture</a>" in french["html"]
    english = emails[ERABLE.username]
    assert english["subject"].startswith("Billing Portal: invoice INV-F1, $")
    assert "Amount due: $" in english["text"] and '<html lang="en"' in english["html"]


# -- faults -------------------------------------------------------------------------------------------------


class ThrottledSes:
    """SES that answers Throttling to the first `refusals` sends, then sends."""

    def __init__(self, real: Any, refusals: int) -> None:
        self.real, self.refusals = real, refusals

    def send_raw_email(self, **request: Any) -> Any:
        if self.refusals:
            self.refusals -= 1
            error = {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}
            raise ClientError(error, "SendRawEmail")  # type: ignore[arg-type]
        return self.real.send_raw_email(**request)


def test_ses_throttled_on_the_first_tries_still_delivers_once(
    accounts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = notifier_stream(accounts)
    throttled = ThrottledSes(aws_clients.client("ses"), refusals=2)
    real_client = aws_clients.client
    monkeypatch.setattr(
        aws_clients, "client", lambda service: throttled if service == "ses" else real_client(service)
    )
    before = len(outbox.items())

    posted(invoice_doc(ERABLE.account_id, "INV-T1", days_ago(1)))
    stream.drain()
    stream.drain()

    assert throttled.refusals == 0
    assert list(by_recipient(sent_since(before))) == [ERABLE.username]
    assert len(sent_since(before)) == 1
    assert dead_letters(accounts) == []


def test_a_poison_record_goes_to_the_dead_letter_queue_and_the_rest_of_its_batch_is_delivered(
    accounts: dict[str, str],
) -> None:
    stream = notifier_stream(accounts)
    before = len(outbox.items())
    posted(invoice_doc(ERABLE.account_id, "INV-P1", days_ago(3)))
    # A history row the notifier cannot read (no id, no date): it fails whatever the retries.
    dynamodb = boto3.client("dynamodb", region_name="ca-central-1")
    dynamodb.put_item(
        TableName=accounts["PortalTable"],
        Item={
            "PK": {"S": "ACCOUNT#acct-erable"},
            "SK": {"S": "TXN#2099-01-01#99999999"},
            "type": {"S": "invoice"},
        },
    )
    posted(invoice_doc(ERABLE.account_id, "INV-P2", days_ago(2)))
    posted(invoice_doc(OTHER.account_id, "INV-P3", days_ago(2)))

    stream.drain()

    subjects = [email["subject"] for email in sent_since(before)]
    assert [s.split(",")[0] for s in subjects] == [
        "Billing Portal: invoice INV-P1",
        "Billing Portal: invoice INV-P2",
        "Billing Portal: invoice INV-P3",
    ]
    [dead] = dead_letters(accounts)
    info = dead["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert dead["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # The stream goes on past it.
    posted(invoice_doc(ERABLE.account_id, "INV-P4", days_ago(1)))
    stream.drain()
    assert sent_since(before)[-1]["subject"].startswith("Billing Portal: invoice INV-P4")


def test_a_redelivered_batch_sends_nothing_twice(accounts: dict[str, str]) -> None:
    batches: list[dict[str, Any]] = []

    def record_and_invoke(logical_id: str, event: Any) -> Any:
        batches.append(event)
        return invoke(logical_id, event)

    stream = StreamFeeder(accounts, record_and_invoke, "ca-central-1")
    before = len(outbox.items())
    posted(invoice_doc(ERABLE.account_id, "INV-R1", days_ago(1)))
    assert call("POST", "/users", ERABLE, body=new_user(BOB.username, notifications=False)).status == 201
    stream.drain()
    sent = len(outbox.items())
    assert by_recipient(sent_since(before)).keys() == {ERABLE.username, BOB.username}

    for batch in batches:  # Lambda delivers the same records again
        answer = invoke("NotifierFunction", batch)
        assert answer == {"batchItemFailures": []}

    assert len(outbox.items()) == sent


def test_an_address_that_bounced_gets_no_more_billing_emails(accounts: dict[str, str]) -> None:
    stream = notifier_stream(accounts)
    DynamoSuppressionList(accounts["NotificationsTable"]).suppress(
        "Ana@Erable.example", "bounce", "General", "2026-11-01T00:00:00Z"
    )
    before = len(outbox.items())

    posted(invoice_doc(ERABLE.account_id, "INV-B1", days_ago(1)))
    posted(invoice_doc(OTHER.account_id, "INV-B2", days_ago(1)))
    stream.drain()

    assert list(by_recipient(sent_since(before))) == [OTHER.username]


def test_the_sample_stream_batches_email_the_sample_accounts_user(aws: dict[str, str]) -> None:
    events = ROOT / "events"
    posted(json.loads((events / "ingest" / "01_account.json").read_text(encoding="utf-8")))
    dana = PortalUser(
        "acct-100200300",
        "dana.tremblay@erable.example",
        "Dana",
        "Tremblay",
        "America/Toronto",
        True,
        "2026-01-05T14:00:00+00:00",
    )
    DynamoUserRecords(aws["PortalTable"]).claim(dana)
    before = len(outbox.items())

    for sample in sorted((events / "notifier").glob("*.json")):
        answer = invoke("NotifierFunction", json.loads(sample.read_text(encoding="utf-8")))
        assert answer == {"batchItemFailures": []}, sample.name

    subjects = by_recipient(sent_since(before))
    assert subjects == {
        dana.username: [
            "Billing Portal: payment of $100.00 received",
            "Billing Portal: luc.bouchard@erable.example was added",
        ]
    }
    confirmation = sent_since(before)[0]
    assert "on November 2, 2026 at 10:04 a.m. EST." in confirmation["text"]
    assert "Paid with: Visa ending in 4242" in confirmation["text"]
