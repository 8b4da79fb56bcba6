"""Billing notifications (help centre: "Billing notifications") on the domain, with the stores, the stream,
the sent log and the mailer in memory: who gets which email, what it says, in whose time zone, and that
each event reaches each person exactly once whatever is redelivered or fails on the way."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest

from billing_portal.i18n import Language, _
from billing_portal.i18n.brand import BrandSettings
from billing_portal.i18n.formats import NBSP
from billing_portal.i18n.words import Words
from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications import emails as compose
from billing_portal.notifications.dynamo import change_of_item
from billing_portal.notifications.email_template import Content, Row, render
from billing_portal.notifications.emails import AccountLine, Recipient
from billing_portal.notifications.mail import MailNotSent
from billing_portal.notifications.notices import Change, UserDeleted, notice_of
from billing_portal.notifications.service import DeliveryIncomplete, NotificationService
from billing_portal.payments.cards import Card
from billing_portal.payments.ports import PaymentRecord, PaymentStatus
from billing_portal.users.emails import Email
from billing_portal.users.service import NewUser, UserService

from . import documents
from .email_samples import KINDS, READER, sample
from .email_samples import PORTAL_URL as SAMPLE_URL
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

    def user(
        self,
        username: str,
        time_zone: str = "America/Toronto",
        notifications: bool = True,
        language: Language = "en",
    ) -> None:
        """A user made long ago (before anything the tests post)."""
        made = "2026-01-05T14:00:00+00:00"
        self.records.claim(
            PortalUser(ACCOUNT, username, "Pat", "Lee", time_zone, notifications, made, language)
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
    due = date.fromisoformat(invoice["due_date"])
    written_due = f"{due:%B} {due.day}, {due.year}"
    for email in emails:
        assert email.subject == f"Billing Portal: invoice INV-202611, {total} due {written_due}"
        assert f"Amount due: {total}\nDue date: {written_due}\nInvoice: INV-202611\n" in email.text
        assert f"View the invoice: {PORTAL_URL}/activity/INV-202611" in email.text
        assert "Érable Télécom Inc. (account 100200300)" in email.text
        html = unescape(email.html)
        for shown in ("Érable Télécom Inc. (account 100200300)", "Amount due", total, written_due):
            assert shown in html
        assert f'href="{PORTAL_URL}/activity/INV-202611"' in email.html


def test_times_are_in_each_recipients_own_time_zone(world: World) -> None:
    emails = world.deliver(world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1))))

    by_address = {email.to[0]: email.text for email in emails}
    assert "on November 20, 2026 at 10:30 a.m. EST." in by_address["ana@erable.example"]
    assert "on November 20, 2026 at 7:30 a.m. PST." in by_address["bob@erable.example"]


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
        assert f"{PORTAL_URL}/manage-users" in email.text


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
        assert "Payment: PAY-ABC\n" in email.text and "Paid with: Visa ending in 4242\n" in email.text
        assert (
            "on November 20, 2026 at 10:30 a.m. EST." in email.text
            or "on November 20, 2026 at 7:30 a.m. PST." in email.text
        )


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


# -- in each reader's language -----------------------------------------------------------------------------


def spaced(text: str) -> str:
    """French writes a no-break space inside amounts ("1 234,56 $"): compared here as a plain space."""
    return text.replace(NBSP, " ")


def visible(html: str) -> str:
    """The words an HTML part shows, its markup left out."""
    return spaced(unescape(re.sub(r"<[^>]*>", "", html)))


def test_each_recipient_reads_the_same_notice_in_their_own_language(world: World) -> None:
    world.user("lea@erable.example", language="fr")
    changes = world.post(documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))

    emails = {email.to[0]: email for email in world.deliver(changes)}

    invoice = world.ledger.get_document(ACCOUNT, "INV-202611")
    assert invoice is not None
    whole, fraction = divmod(invoice["total_cents"], 100)
    english, french = (
        f"${whole:,}.{fraction:02d}",
        f"{whole:,},{fraction:02d} $".replace(",", " ", whole >= 1000),
    )
    due = date.fromisoformat(invoice["due_date"])
    assert due.month == 12  # the documents' invoices of November are due in December
    french_due = f"{'1er' if due.day == 1 else due.day} décembre {due.year}"
    lea = emails["lea@erable.example"]
    assert spaced(lea.subject) == (
        f"Portail de facturation : facture INV-202611, {french} à payer d'ici le {french_due}"
    )
    text = spaced(lea.text)
    assert "Bonjour Pat," in text
    assert "Une nouvelle facture a été émise pour Érable Télécom Inc. (compte 100200300)" in text
    assert "le 20 novembre 2026 à 10 h 30 HNE." in text
    assert f"Date d'échéance : {french_due}\n" in text
    assert f"Voir la facture : {PORTAL_URL}/activity/INV-202611" in text
    assert '<html lang="fr"' in lea.html and "Voir la facture" in unescape(lea.html)
    ana = emails["ana@erable.example"]
    assert ana.subject.startswith("Billing Portal: invoice INV-202611, $") and english in ana.subject
    assert '<html lang="en"' in ana.html and "Hello Pat," in ana.text


@pytest.mark.parametrize(
    ("stored", "french"),
    [
        ("The Auto Pay card has expired.", "La carte du paiement automatique est expirée."),
        ("The card has been declined.", "La carte a été refusée."),
        (None, "La carte a été refusée."),
    ],
)
def test_why_auto_pay_did_not_pay_reads_in_french(stored: str | None, french: str) -> None:
    world = World()
    world.user("lea@erable.example", language="fr")
    world.post(documents.invoice(ACCOUNT, "INV-202610", date(2026, 10, 1)))
    failed = PaymentRecord(
        "PAY-AUTO",
        ACCOUNT,
        11300,
        PaymentStatus.FAILED,
        NOV_20.isoformat(),
        Card("mastercard", "1881", 10, 2026),
        autopay_invoice_id="INV-202610",
        message=stored,
    )
    first = len(world.stream.changes)
    world.payments.save_payment(failed)

    [email] = world.deliver(world.stream.changes[first:])

    assert email.subject == (
        "Portail de facturation : le paiement automatique n'a pas pu régler la facture INV-202610"
    )
    text = spaced(email.text)
    assert "Le paiement automatique n'a pas pu régler la facture INV-202610 de 113,00 $ pour" in text
    assert f"(compte 100200300). {french}\n" in text
    assert "Mode de paiement automatique : Mastercard se terminant par 1881\n" in text
    assert french in unescape(email.html)


CONTACTS = {
    "en": "Questions? Contact the billing team at billing@net2phone.ca or 1-877-498-3772 (option 4).",
    "fr": "Des questions? Communiquez avec l'équipe de facturation au billing@net2phone.ca ou au "
    "1-877-498-3772 (option 4).",
}
NOTIFIED_BECAUSE = {
    "en": f"You receive this email because billing notifications are on for {READER} in Manage Users.",
    "fr": f"Vous recevez ce courriel parce que les notifications de facturation sont activées pour {READER} "
    "dans Gérer les utilisateurs.",
}
ACCOUNT_LINES = {
    "en": ["Account: Érable Télécom Inc.", "Account number: 100200300"],
    "fr": ["Compte : Érable Télécom Inc.", "Numéro de compte : 100200300"],
}
# What each kind of email says, in each language: (subject, the button's label and page, lines of the text
# part, and why the reader gets it when it is not their billing notifications).
EXPECTED: dict[tuple[str, Language], tuple[str, str, str, list[str], str | None]] = {
    ("welcome", "en"): (
        "Your Billing Portal invitation",
        "Sign in",
        SAMPLE_URL,
        [
            "Welcome to the Billing Portal",
            "Hello Ana,",
            f"Username: {READER}\nTemporary password: Tq7#mW2pZx9!",
            "The temporary password is valid for 7 days.",
        ],
        "You receive this email because you were given access to the Billing Portal of net2phone Canada.",
    ),
    ("welcome", "fr"): (
        "Votre invitation au Portail de facturation",
        "Se connecter",
        SAMPLE_URL,
        [
            "Bienvenue au Portail de facturation",
            "Bonjour Ana,",
            f"Nom d'utilisateur : {READER}\nMot de passe temporaire : Tq7#mW2pZx9!",
            "Le mot de passe temporaire est valide pendant 7 jours.",
            "sélectionnez « Mot de passe oublié » sur la page de connexion",
        ],
        "Vous recevez ce courriel parce qu'on vous a donné accès au Portail de facturation de "
        "net2phone Canada.",
    ),
    ("reset-code", "en"): (
        "Reset your Billing Portal password",
        "Reset your password",
        SAMPLE_URL,
        [
            f"We received a request to reset the password for {READER}.",
            "Enter this code on the password reset page within 15 minutes:",
            "Your verification code: 482913",
        ],
        f"You receive this email because a password reset was requested for {READER}.",
    ),
    ("reset-code", "fr"): (
        "Réinitialisation de votre mot de passe du Portail de facturation",
        "Réinitialiser le mot de passe",
        SAMPLE_URL,
        [
            f"Nous avons reçu une demande de réinitialisation du mot de passe pour {READER}.",
            "dans un délai de 15 minutes :",
            "Votre code de vérification : 482913",
            "votre mot de passe n'a pas changé.",
        ],
        "Vous recevez ce courriel parce qu'une réinitialisation du mot de passe a été demandée pour "
        f"{READER}.",
    ),
    ("invoice-posted", "en"): (
        "Billing Portal: invoice INV-202612, $1,234.56 due December 31, 2026",
        "View the invoice",
        f"{SAMPLE_URL}/transactions/INV-202612",
        [
            "A new invoice was posted to Érable Télécom Inc. (account 100200300) on December 5, 2026 at "
            "3:16 a.m. EST.",
            "Amount due: $1,234.56\nDue date: December 31, 2026\nInvoice: INV-202612\n"
            "Invoice date: December 1, 2026\nInvoice total: $1,234.56",
        ],
        None,
    ),
    ("invoice-posted", "fr"): (
        "Portail de facturation : facture INV-202612, 1 234,56 $ à payer d'ici le 31 décembre 2026",
        "Voir la facture",
        f"{SAMPLE_URL}/transactions/INV-202612",
        [
            "Une nouvelle facture a été émise pour Érable Télécom Inc. (compte 100200300) le "
            "5 décembre 2026 à 3 h 16 HNE.",
            "Montant dû : 1 234,56 $\nDate d'échéance : 31 décembre 2026\nFacture : INV-202612\n"
            "Date de la facture : 1er décembre 2026\nTotal de la facture : 1 234,56 $",
        ],
        None,
    ),
    ("payment-posted", "en"): (
        "Billing Portal: payment of $500.00 posted",
        "View the transaction",
        f"{SAMPLE_URL}/transactions/PAY-CHQ-1042",
        [
            "A payment of $500.00 was posted to Érable Télécom Inc. (account 100200300) on December 5, 2026 "
            "at 3:16 a.m. EST.",
            "Payment amount: $500.00\nPayment: PAY-CHQ-1042\nDate: December 4, 2026\n"
            "Payment method: Bank Upload\nNew balance: $734.56",
        ],
        None,
    ),
    ("payment-posted", "fr"): (
        "Portail de facturation : paiement de 500,00 $ enregistré",
        "Voir la transaction",
        f"{SAMPLE_URL}/transactions/PAY-CHQ-1042",
        [
            "Un paiement de 500,00 $ a été enregistré pour Érable Télécom Inc. (compte 100200300) le "
            "5 décembre 2026 à 3 h 16 HNE.",
            "Montant du paiement : 500,00 $\nPaiement : PAY-CHQ-1042\nDate : 4 décembre 2026\n"
            "Mode de paiement : Dépôt bancaire\nNouveau solde : 734,56 $",
        ],
        None,
    ),
    ("credit-posted", "en"): (
        "Billing Portal: credit of $500.00 posted",
        "View the transaction",
        f"{SAMPLE_URL}/transactions/CR-2044",
        [
            "A credit of $500.00 was posted to Érable Télécom Inc. (account 100200300) on December 5, 2026 "
            "at 3:16 a.m. EST.",
            "Credit amount: $500.00\nCredit: CR-2044\nDate: December 4, 2026\nNew balance: $734.56",
        ],
        None,
    ),
    ("credit-posted", "fr"): (
        "Portail de facturation : crédit de 500,00 $ enregistré",
        "Voir la transaction",
        f"{SAMPLE_URL}/transactions/CR-2044",
        [
            "Un crédit de 500,00 $ a été enregistré pour Érable Télécom Inc. (compte 100200300) le "
            "5 décembre 2026 à 3 h 16 HNE.",
            "Montant du crédit : 500,00 $\nCrédit : CR-2044\nDate : 4 décembre 2026\n"
            "Nouveau solde : 734,56 $",
        ],
        None,
    ),
    ("refund-posted", "en"): (
        "Billing Portal: refund of $500.00 posted",
        "View the transaction",
        f"{SAMPLE_URL}/transactions/RF-3001",
        [
            "A refund of $500.00 was posted to Érable Télécom Inc. (account 100200300) on December 5, 2026 "
            "at 3:16 a.m. EST.",
            "Refund amount: $500.00\nRefund: RF-3001\nDate: December 4, 2026\nNew balance: $734.56",
        ],
        None,
    ),
    ("refund-posted", "fr"): (
        "Portail de facturation : remboursement de 500,00 $ enregistré",
        "Voir la transaction",
        f"{SAMPLE_URL}/transactions/RF-3001",
        [
            "Un remboursement de 500,00 $ a été enregistré pour Érable Télécom Inc. (compte 100200300) le "
            "5 décembre 2026 à 3 h 16 HNE.",
            "Montant du remboursement : 500,00 $\nRemboursement : RF-3001\nDate : 4 décembre 2026\n"
            "Nouveau solde : 734,56 $",
        ],
        None,
    ),
    ("payment-confirmation", "en"): (
        "Billing Portal: payment of $1,234.56 received",
        "View the payment",
        f"{SAMPLE_URL}/transactions/PAY-7F3A9C",
        [
            "Thank you. We received your payment of $1,234.56 for Érable Télécom Inc. (account 100200300) on "
            "December 5, 2026 at 3:16 a.m. EST.",
            "Amount paid: $1,234.56\nPayment: PAY-7F3A9C\nPaid on: December 5, 2026 at 3:16 a.m. EST\n"
            "Paid with: Visa ending in 4242",
            "It has been applied to your oldest unpaid invoices.",
        ],
        None,
    ),
    ("payment-confirmation", "fr"): (
        "Portail de facturation : paiement de 1 234,56 $ reçu",
        "Voir le paiement",
        f"{SAMPLE_URL}/transactions/PAY-7F3A9C",
        [
            "Merci. Nous avons reçu votre paiement de 1 234,56 $ pour Érable Télécom Inc. "
            "(compte 100200300) le 5 décembre 2026 à 3 h 16 HNE.",
            "Montant payé : 1 234,56 $\nPaiement : PAY-7F3A9C\n"
            "Date du paiement : 5 décembre 2026 à 3 h 16 HNE\nPayé avec : Visa se terminant par 4242",
            "Il a été appliqué à vos factures impayées les plus anciennes.",
        ],
        None,
    ),
    ("autopay-not-charged", "en"): (
        "Billing Portal: Auto Pay could not pay invoice INV-202612",
        "Make a payment",
        f"{SAMPLE_URL}/transactions/INV-202612",
        [
            "Auto Pay could not pay invoice INV-202612 of $1,234.56 for Érable Télécom Inc. (account "
            "100200300). The card has been declined.",
            "Update your Auto Pay method or make a payment in the Billing Portal.",
            "Amount due: $1,234.56\nInvoice: INV-202612\nDue date: December 31, 2026\n"
            "Auto Pay method: Visa ending in 4242",
        ],
        None,
    ),
    ("autopay-not-charged", "fr"): (
        "Portail de facturation : le paiement automatique n'a pas pu régler la facture INV-202612",
        "Effectuer un paiement",
        f"{SAMPLE_URL}/transactions/INV-202612",
        [
            "Le paiement automatique n'a pas pu régler la facture INV-202612 de 1 234,56 $ pour Érable "
            "Télécom Inc. (compte 100200300). La carte a été refusée.",
            "Mettez à jour votre mode de paiement automatique ou effectuez un paiement dans le Portail de "
            "facturation.",
            "Montant dû : 1 234,56 $\nFacture : INV-202612\nDate d'échéance : 31 décembre 2026\n"
            "Mode de paiement automatique : Visa se terminant par 4242",
        ],
        None,
    ),
    ("user-added", "en"): (
        "Billing Portal: lea.bouchard@erable.example was added",
        "Manage users",
        f"{SAMPLE_URL}/users",
        [
            "Léa Bouchard (lea.bouchard@erable.example) was added as a Billing Portal user of Érable Télécom "
            "Inc. (account 100200300) on December 5, 2026 at 3:16 a.m. EST.",
            "Name: Léa Bouchard\nUsername: lea.bouchard@erable.example\n"
            "Added on: December 5, 2026 at 3:16 a.m. EST",
            "They can now see the account's invoices and payments, and pay.",
        ],
        None,
    ),
    ("user-added", "fr"): (
        "Portail de facturation : accès ajouté pour lea.bouchard@erable.example",
        "Gérer les utilisateurs",
        f"{SAMPLE_URL}/users",
        [
            "Léa Bouchard (lea.bouchard@erable.example) a maintenant accès au Portail de facturation pour "
            "Érable Télécom Inc. (compte 100200300), depuis le 5 décembre 2026 à 3 h 16 HNE.",
            "Nom : Léa Bouchard\nNom d'utilisateur : lea.bouchard@erable.example\n"
            "Date d'ajout : 5 décembre 2026 à 3 h 16 HNE",
            "Cette personne peut maintenant consulter les factures et les paiements du compte, et payer.",
        ],
        None,
    ),
    ("user-deleted", "en"): (
        "Billing Portal: lea.bouchard@erable.example was deleted",
        "Manage users",
        f"{SAMPLE_URL}/users",
        [
            "Léa Bouchard (lea.bouchard@erable.example) was deleted from the Billing Portal users of Érable "
            "Télécom Inc. (account 100200300) on December 5, 2026 at 3:16 a.m. EST.",
            "Name: Léa Bouchard\nUsername: lea.bouchard@erable.example\n"
            "Deleted on: December 5, 2026 at 3:16 a.m. EST",
            "They can no longer sign in.",
        ],
        None,
    ),
    ("user-deleted", "fr"): (
        "Portail de facturation : accès supprimé pour lea.bouchard@erable.example",
        "Gérer les utilisateurs",
        f"{SAMPLE_URL}/users",
        [
            "Léa Bouchard (lea.bouchard@erable.example) n'a plus accès au Portail de facturation pour Érable "
            "Télécom Inc. (compte 100200300), depuis le 5 décembre 2026 à 3 h 16 HNE.",
            "Nom : Léa Bouchard\nNom d'utilisateur : lea.bouchard@erable.example\n"
            "Date de suppression : 5 décembre 2026 à 3 h 16 HNE",
            "Cette personne ne peut plus se connecter.",
        ],
        None,
    ),
}


def test_every_kind_of_email_is_covered_in_both_languages() -> None:
    assert set(EXPECTED) == {(kind, language) for kind in KINDS for language in ("en", "fr")}


@pytest.mark.parametrize(("kind", "language"), list(EXPECTED))
def test_each_kind_of_email_reads_in_its_readers_language(kind: str, language: Language) -> None:
    subject, button, url, lines, because = EXPECTED[kind, language]

    email = sample(kind, language)

    assert email.to == (READER,)
    assert spaced(email.subject) == subject
    text = spaced(email.text)
    why = because or NOTIFIED_BECAUSE[language]
    for line in [
        *lines,
        f"{button} : {url}" if language == "fr" else f"{button}: {url}",
        why,
        CONTACTS[language],
    ]:
        assert line in text, (line, text)
    if because is None:  # billing notifications name the account
        for line in ACCOUNT_LINES[language]:
            assert line in text
    assert f'<html lang="{language}"' in email.html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in email.html
    assert f"<title>{subject}</title>" in spaced(unescape(email.html))
    assert f'<a href="{url}" target="_blank"' in email.html  # the button
    assert f">{button}</a>" in spaced(unescape(email.html))
    assert 'href="mailto:billing@net2phone.ca"' in email.html
    shown = visible(email.html)
    for words in ["net2phone Canada", why, CONTACTS[language]]:
        assert words in shown
    for line in lines:  # the summary's labels and values, each in a cell of its own
        for piece in line.split("\n"):
            label, _colon, value = piece.rpartition(" : " if language == "fr" else ": ")
            for words in (label, value) if label else (value,):
                assert words in shown, (words, kind, language)
    assert "<style" not in email.html and "<img" not in email.html and "<script" not in email.html


def test_every_value_is_escaped_in_the_html_whatever_the_language() -> None:
    account = AccountLine("<b>Tom & Jerry's</b>", "100200300")
    for language in ("en", "fr"):
        to = Recipient("ana@erable.example", "<i>Ana</i>", "America/Toronto", language)
        email = compose.user_added(
            to=to,
            account=account,
            full_name='<script>alert("x")</script>',
            username="o'neil@erable.example",
            at=NOV_20,
            url='https://portal.example.ca/users?a=1&b="2"',
        )
        assert "<script>" not in email.html and "<b>" not in email.html and "<i>" not in email.html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in email.html
        assert "&lt;b&gt;Tom &amp; Jerry&#x27;s&lt;/b&gt;" in email.html
        assert "&lt;i&gt;Ana&lt;/i&gt;" in email.html
        assert "o&#x27;neil@erable.example" in email.html
        assert 'href="https://portal.example.ca/users?a=1&amp;b=&quot;2&quot;"' in email.html
        assert '<script>alert("x")</script>' in email.text  # the text part is plain text


def test_the_provider_and_its_billing_team_are_named_as_the_settings_say() -> None:
    brand = BrandSettings(
        provider_name_en="Maple Telecom",
        provider_name_fr="Télécom Érable",
        portal_name_en="Customer Portal",
        portal_name_fr="Portail client",
        billing_email="billing@maple.example",
        billing_phone_en="1-800-555-0100",
        billing_phone_fr="1-800-555-0101",
    )
    content = Content(
        subject=_("Your {portal} invitation"),
        title=_("Welcome to the {portal}"),
        first_name="Ana",
        lead=(),
        summary=(Row(_("Username"), READER),),
        button=_("Sign in"),
        url=SAMPLE_URL,
        reason=_("You receive this email because you were given access to the {portal} of {provider}."),
    )

    subject, text, html = render(content, Words("fr", brand))

    assert subject == "Votre invitation au Portail client"
    for part in (text, visible(html)):
        assert "Télécom Érable" in part
        assert (
            "Communiquez avec l'équipe de facturation au billing@maple.example ou au 1-800-555-0101." in part
        )
        assert (
            "net2phone" not in part and "Billing Portal" not in part and "Portail de facturation" not in part
        )
    assert 'href="mailto:billing@maple.example"' in html
