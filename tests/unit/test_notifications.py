"""Billing notifications (help centre: "Billing notifications") on the domain, with the stores, the stream,
the sent log and the mailer in memory: who gets which email, what it says, in whose time zone, and that
each event reaches each person exactly once whatever is redelivered or fails on the way."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications.dynamo import change_of_item
from billing_portal.notifications.mail import MailNotSent
from billing_portal.notifications.notices import Change, UserDeleted, notice_of
from billing_portal.notifications.service import DeliveryIncomplete, NotificationService
from billing_portal.payments.cards import Card
from billing_portal.payments.ports import PaymentRecord, PaymentStatus
from billing_portal.users.emails import Email
from billing_portal.users.service import NewUser, UserService

from . import documents
from .fakes import (
    Clock,
    FakeDirectory,
    FakeLedgerStore,
    FakeMailer,
    FakePaymentStore,
    FakeSentLog,
    FakeStream,
    FakeSuppressionList,
    FakeUserRecords,
    throttled,
)

ACCOUNT = "acct-erable"
PORTAL_URL = "https://portal.example.ca"
NOV_20 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 10:30 in Toronto, 07:30 in Vancouver


class World:
    def __init__(self) -> None:
        self.clock = Clock(NOV_20)
        self.stream = FakeStream(self.clock)
        self.ledger = FakeLedgerStore(self.stream)
        self.payments = FakePaymentStore(self.ledger, self.stream)
        self.records = FakeUserRecords(self.stream)
        self.mailer = FakeMailer()
        self.sent_log = FakeSentLog()
        self.suppressions = FakeSuppressionList()
        self.sleeps: list[float] = []
        self.notifier = NotificationService(
            ledger=self.ledger,
            users=self.records,
            payments=self.payments,
            sent_log=self.sent_log,
            suppressions=self.suppressions,
            mailer=self.mailer,
            portal_url=PORTAL_URL + "/",
            clock=self.clock,
            sleep=self.sleeps.append,
        )
        minutes = itertools.count()
        self.users = UserService(
            records=self.records,
            directory=FakeDirectory(),
            mailer=FakeMailer(),  # the welcome emails, not under test here
            portal_url=PORTAL_URL,
            clock=lambda: self.clock() + timedelta(minutes=next(minutes)),
        )
        assert documents.send(self.ledger, documents.account(ACCOUNT)) == "created"

    def user(self, username: str, time_zone: str = "America/Toronto", notifications: bool = True) -> None:
        """A user made long ago (before anything the tests post)."""
        self.records.claim(
            PortalUser(ACCOUNT, username, "Pat", "Lee", time_zone, notifications, "2026-01-05T14:00:00+00:00")
        )

    def post(self, document: dict[str, Any]) -> list[Change]:
        """Ingest a billing engine document; answers the changes it made."""
        first = len(self.stream.changes)
        assert documents.send(self.ledger, document) in ("created", "posted")
        return self.stream.changes[first:]

    def deliver(self, changes: list[Change]) -> list[Email]:
        """Deliver the changes, as one stream batch; answers the emails sent by it."""
        first = len(self.mailer.sent)
        for change in changes:
            self.notifier.deliver(change)
        return self.mailer.sent[first:]


@pytest.fixture
def world() -> World:
    world = World()
    world.user("ana@erable.example")
    world.user("bob@erable.example", time_zone="America/Vancouver")
    world.user("quiet@erable.example", notifications=False)
    return world


NOTIFIED = ["ana@erable.example", "bob@erable.example"]


def recipients(emails: list[Email]) -> list[str]:
    return sorted(address for email in emails for address in email.to)


# -- what is sent, to whom -------------------------------------------------------------------------------


def test_a_new_invoice_tells_each_notified_user_its_amount_due_and_due_date(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1), service="100.00"))

    emails = world.deliver(changes)

    assert recipients(emails) == NOTIFIED
    invoice = world.ledger.get_document(ACCOUNT, "INV-202611")
    assert invoice is not None
    total = f"${invoice['total_cents'] // 100}.{invoice['total_cents'] % 100:02d}"
    for email in emails:
        assert email.subject == f"Billing Portal: invoice INV-202611, {total} due {invoice['due_date']}"
        for part in (email.text, email.html):
            assert "Érable Télécom Inc. (account 100200300)" in part
            assert f"Amount due: {total}, due {invoice['due_date']}" in part
            assert f"{PORTAL_URL}/transactions/INV-202611" in part


def test_times_are_in_each_recipients_own_time_zone(world: World) -> None:
    emails = world.deliver(world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1))))

    by_address = {email.to[0]: email.text for email in emails}
    assert "on 2026-11-20 10:30 EST" in by_address["ana@erable.example"]
    assert "on 2026-11-20 07:30 PST" in by_address["bob@erable.example"]


@pytest.mark.parametrize(
    ("document", "noun", "amount"),
    [
        (
            documents.payment(ACCOUNT, "PAY-CHQ-1", date(2026, 11, 19), "40.00", method="bank_upload"),
            "payment",
            "$40.00",
        ),
        (documents.credit(ACCOUNT, "CR-1", date(2026, 11, 19), "12.50"), "credit", "$12.50"),
        (documents.refund(ACCOUNT, "RF-1", date(2026, 11, 19), "7.25"), "refund", "$7.25"),
    ],
)
def test_payments_credits_and_refunds_posted_by_the_billing_team_are_told(
    world: World, document: dict[str, Any], noun: str, amount: str
) -> None:
    world.post(documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1)))
    world.stream.changes.clear()
    if noun == "refund":  # a refund returns a credit balance
        world.post(documents.credit(ACCOUNT, "CR-0", date(2026, 11, 18), "500.00"))
        world.stream.changes.clear()

    emails = world.deliver(world.post(document))

    assert recipients(emails) == NOTIFIED
    for email in emails:
        assert email.subject == f"Billing Portal: {noun} of {amount} posted"
        assert f"A {noun} of {amount} was posted to Érable Télécom Inc. (account 100200300)" in email.text


def test_users_who_turned_notifications_off_or_joined_later_get_nothing(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    world.records.claim(
        PortalUser(
            ACCOUNT,
            "late@erable.example",
            "Lou",
            "Late",
            "America/Toronto",
            True,
            "2026-11-21T00:00:00+00:00",
        )
    )

    assert recipients(world.deliver(changes)) == NOTIFIED


def test_a_user_made_within_the_second_the_stream_rounds_its_time_down_to_is_told(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))  # stamped 15:30:00
    made = (NOV_20 + timedelta(milliseconds=600)).isoformat()
    world.records.claim(PortalUser(ACCOUNT, "new@erable.example", "Nia", "Ng", "America/Toronto", True, made))

    assert recipients(world.deliver(changes)) == [*NOTIFIED, "new@erable.example"]


def test_an_address_that_bounced_is_not_emailed(world: World) -> None:
    world.suppressions.suppress("Bob@Erable.example", "bounce", "General", "2026-11-01T00:00:00+00:00")

    emails = world.deliver(world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1))))

    assert recipients(emails) == ["ana@erable.example"]


def test_a_user_added_is_told_to_the_others_and_not_to_the_new_user(world: World) -> None:
    first = len(world.stream.changes)
    world.users.create(
        ACCOUNT,
        NewUser(
            username="carla@erable.example",
            first_name="Carla",
            last_name="Díaz",
            time_zone="America/Halifax",
            notifications_enabled=True,
        ),
    )

    emails = world.deliver(world.stream.changes[first:])

    assert recipients(emails) == NOTIFIED
    for email in emails:
        assert email.subject == "Billing Portal: carla@erable.example was added"
        assert "Carla Díaz (carla@erable.example) was added" in email.text
        assert f"{PORTAL_URL}/users" in email.text


def test_a_user_added_whose_invitation_failed_is_never_told() -> None:
    world = World()
    world.user("ana@erable.example")
    directory = FakeDirectory()
    directory.fail["create_user"] = ConnectionError("Cognito is unreachable")
    users = UserService(
        records=world.records, directory=directory, mailer=FakeMailer(), portal_url=PORTAL_URL
    )
    first = len(world.stream.changes)
    with pytest.raises(ConnectionError):
        users.create(
            ACCOUNT, NewUser(username="x@erable.example", first_name="X", last_name="Y", time_zone="UTC")
        )

    assert world.deliver(world.stream.changes[first:]) == []


def test_a_user_deleted_is_told_to_the_remaining_users(world: World) -> None:
    world.user("dan@erable.example")
    first = len(world.stream.changes)
    world.users.delete(ACCOUNT, "ana@erable.example", "dan@erable.example")

    emails = world.deliver(world.stream.changes[first:])

    assert recipients(emails) == NOTIFIED
    for email in emails:
        assert email.subject == "Billing Portal: dan@erable.example was deleted"
        assert "Pat Lee (dan@erable.example) was deleted" in email.text


def test_changes_that_tell_nothing_send_nothing(world: World) -> None:
    at = NOV_20
    keys = {"PK": f"ACCOUNT#{ACCOUNT}", "SK": "ACCOUNT"}
    profile = change_of_item(
        event="MODIFY", keys=keys, new={**keys, "name": "New"}, old={**keys, "name": "Old"}, at=at
    )
    user_keys = {"PK": f"ACCOUNT#{ACCOUNT}", "SK": "USER#ana@erable.example"}
    renamed = change_of_item(
        event="MODIFY", keys=user_keys, new={"first_name": "Ana"}, old={"first_name": "Pat"}, at=at
    )
    history_removed = change_of_item(
        event="REMOVE",
        keys={"PK": f"ACCOUNT#{ACCOUNT}", "SK": "TXN#2026-11-20#00000001"},
        new=None,
        old={},
        at=at,
    )
    pending = {"PK": f"ACCOUNT#{ACCOUNT}", "SK": "PAYMENT#PAY-1"}
    still_pending = change_of_item(
        event="MODIFY",
        keys=pending,
        new={"id": "PAY-1", "status": "pending"},
        old={"status": "processing"},
        at=at,
    )

    for change in (profile, renamed, history_removed, still_pending):
        assert change is None
        assert world.notifier.deliver(change).sent == 0
    assert world.mailer.sent == []


def test_a_payment_turning_approved_is_a_confirmation_and_its_history_row_is_not_told_twice(
    world: World,
) -> None:
    card = Card("visa", "4242", 12, 2034)
    processing = PaymentRecord(
        "PAY-ABC", ACCOUNT, 2500, PaymentStatus.PROCESSING, "2026-11-20T15:29:00+00:00", card
    )
    world.payments.save_payment(processing)
    row = world.post(documents.payment(ACCOUNT, "PAY-ABC", date(2026, 11, 20), "25.00"))
    first = len(world.stream.changes)
    world.payments.save_payment(
        replace(processing, status=PaymentStatus.APPROVED, settled_at=NOV_20.isoformat())
    )
    [approved] = world.stream.changes[first:]

    emails = world.deliver([*row, approved])

    assert recipients(emails) == NOTIFIED
    for email in emails:
        assert email.subject == "Billing Portal: payment of $25.00 received"
        assert "Payment PAY-ABC, paid with Visa ending in 4242." in email.text
        assert "on 2026-11-20 10:30 EST" in email.text or "on 2026-11-20 07:30 PST" in email.text


def test_an_autopay_payment_that_fails_tells_why(world: World) -> None:
    world.post(documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1)))
    card = Card("visa", "1881", 10, 2026)
    failed = PaymentRecord(
        "PAY-AUTO",
        ACCOUNT,
        11300,
        PaymentStatus.FAILED,
        NOV_20.isoformat(),
        card,
        autopay_invoice_id="INV-202610",
        message="The Auto Pay card has expired.",
    )
    first = len(world.stream.changes)
    world.payments.save_payment(failed)

    emails = world.deliver(world.stream.changes[first:])

    assert recipients(emails) == NOTIFIED
    for email in emails:
        assert email.subject == "Billing Portal: Auto Pay could not pay invoice INV-202610"
        assert "The Auto Pay card has expired." in email.text
        assert "Visa ending in 1881" in email.text


# -- exactly once ------------------------------------------------------------------------------------------


def test_a_redelivered_batch_sends_nothing_twice(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    first = world.deliver(changes)

    again = world.deliver(changes)

    assert recipients(first) == NOTIFIED
    assert again == []


def test_ses_throttling_on_the_first_tries_still_delivers_once_with_backoff(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    world.mailer.refusals = [throttled(), throttled()]

    emails = world.deliver(changes)

    assert recipients(emails) == NOTIFIED
    assert len(world.sleeps) == 2 and all(0 <= pause <= 1.6 for pause in world.sleeps)


def test_a_send_failing_halfway_is_finished_by_the_next_delivery_without_repeats(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    world.mailer.refuse_to["bob@erable.example"] = throttled()

    with pytest.raises(DeliveryIncomplete):
        world.deliver(changes)
    assert recipients(world.mailer.sent) == ["ana@erable.example"]

    del world.mailer.refuse_to["bob@erable.example"]
    assert recipients(world.deliver(changes)) == ["bob@erable.example"]
    assert recipients(world.mailer.sent) == NOTIFIED


def test_an_address_ses_refuses_for_good_is_skipped_without_holding_up_the_others(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    world.mailer.refuse_to["bob@erable.example"] = MailNotSent(
        "SES refused the email: MessageRejected", passing=False
    )

    emails = world.deliver(changes)

    assert recipients(emails) == ["ana@erable.example"]
    assert world.sleeps == []  # a refusal for good is not tried again


def test_an_email_another_delivery_is_sending_is_left_to_it_until_its_claim_lapses(world: World) -> None:
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))
    [notice] = [notice_of(change) for change in changes]
    now = int(NOV_20.timestamp())
    world.sent_log.claim(notice.key, "bob@erable.example", now, 300)  # a delivery that died mid-send

    with pytest.raises(DeliveryIncomplete):
        world.deliver(changes)
    assert recipients(world.mailer.sent) == ["ana@erable.example"]

    world.clock.at = NOV_20 + timedelta(minutes=6)
    assert recipients(world.deliver(changes)) == ["bob@erable.example"]


def test_the_notifier_tells_a_change_as_typed_knowing_nothing_of_how_it_is_stored(world: World) -> None:
    deleted = UserDeleted(ACCOUNT, "dan@erable.example", "Dan", "Roy", "2026-11-20T15:30:00.000+00:00")

    emails = world.deliver([deleted])

    assert recipients(emails) == NOTIFIED
    assert all("Dan Roy (dan@erable.example) was deleted" in email.text for email in emails)
    assert (
        notice_of(deleted).key == f"user_deleted#{ACCOUNT}#dan@erable.example#2026-11-20T15:30:00.000+00:00"
    )
