"""Card payments and saved payment methods (help centre: "Make a Payment", Auto Pay) on the domain, with the
ledger, the payment records, the users, the mailer and a scripted card processor in memory: what is
charged, what is posted and to which invoice, who is emailed, and what is refused with which sentence."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from billing_portal.i18n.words import words_in
from billing_portal.ledger.model import PAYMENT_PENDING, LastPayment, LedgerState, PaymentPending
from billing_portal.ledger.ports import Account, PortalUser
from billing_portal.ledger.views import dashboard
from billing_portal.notifications.service import DeliveryIncomplete, NotificationService
from billing_portal.payments.autopay import AutopayReport, AutopayRun
from billing_portal.payments.cards import Card, CardExpired
from billing_portal.payments.charging import CLAIM_LIFETIME, Charging, PaymentView
from billing_portal.payments.methods import (
    MAX_SAVED_METHODS,
    AutopayChange,
    NewPaymentMethod,
    PaymentMethodService,
    TooManyMethods,
)
from billing_portal.payments.one_time import MAX_PAYMENT_CENTS, OneTimePayments, PaymentRequest
from billing_portal.payments.ports import AutopayMethodInUse, PaymentRecord, PaymentStatus, SavedMethod
from billing_portal.payments.processor import (
    CallbackRefused,
    CardDeclined,
    ChargeStatus,
    InvalidCardToken,
    Settlement,
)
from billing_portal.payments.settle import PaymentSettlement
from billing_portal.shared.clock import timestamp
from billing_portal.shared.errors import NotFound, ValidationFailed
from billing_portal.shared.money import format_cents
from billing_portal.users.emails import Email

from . import documents
from .fakes import (
    Clock,
    FakeCardProcessor,
    FakeLedgerStore,
    FakeMailer,
    FakePaymentStore,
    FakeSentLog,
    FakeStream,
    FakeSuppressionList,
    FakeUserRecords,
    throttled,
)

ENGLISH = words_in("en")  # the words of a reader of English

ACCOUNT = "acct-erable"
PORTAL_URL = "https://portal.example.ca"
NOV_20 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 in Toronto
DECLINED = "The card has been declined."


class World:
    """One Toronto account, its users, and the services as the functions build them, over fakes."""

    def __init__(self) -> None:
        self.clock = Clock(NOV_20)
        self.stream = FakeStream(self.clock)
        self.ledger = FakeLedgerStore(self.stream)
        self.store = FakePaymentStore(self.ledger, self.stream)
        self.users = FakeUserRecords()
        self.processor = FakeCardProcessor()
        self.mailer = FakeMailer()
        charging = Charging(
            ledger_store=self.ledger, store=self.store, processor=self.processor, clock=self.clock
        )
        self.payments = OneTimePayments(charging=charging, users=self.users)
        self.settlements = PaymentSettlement(charging=charging)
        self.autopay_run = AutopayRun(charging=charging)
        # The billing emails come from the notifier reading the changes the services make.
        self.notifier = NotificationService(
            ledger=self.ledger,
            users=self.users,
            payments=self.store,
            sent_log=FakeSentLog(),
            suppressions=FakeSuppressionList(),
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=self.clock,
            sleep=lambda _: None,
        )
        self.delivered = 0
        # Each card is saved a millisecond after the one before: the list shows them in the order saved.
        saving = itertools.count()

        def saving_clock() -> datetime:
            return self.clock() + timedelta(milliseconds=next(saving))

        self.saving_clock = saving_clock
        self.methods = PaymentMethodService(
            ledger_store=self.ledger,
            store=self.store,
            users=self.users,
            processor=self.processor,
            clock=self.saving_clock,
        )
        assert documents.send(self.ledger, documents.account(ACCOUNT)) == "created"

    # -- setting the scene ---------------------------------------------------------------------------------

    def invoice(self, invoice_id: str, issued: date, service: str = "100.00") -> None:
        """Post an invoice, due 30 days after it is issued (its own email is not what these tests look at)."""
        self.notify()
        assert documents.send(self.ledger, documents.invoice(ACCOUNT, invoice_id, issued, service=service))
        self.delivered = len(self.stream.changes)

    def pending_credit(self, credit_id: str, amount: str) -> None:
        """A credit the billing engine promises on the next invoice: in the Current Balance tile now."""
        assert documents.send(
            self.ledger, documents.pending_credit(ACCOUNT, credit_id, date(2026, 11, 5), amount)
        )

    def user(
        self, username: str, created_at: str, notifications: bool = True, account: str = ACCOUNT
    ) -> None:
        self.users.claim(
            PortalUser(account, username, "Pat", "Lee", "America/Toronto", notifications, created_at)
        )

    def card(self, test_card: str = "tok_visa") -> str:
        """Save a card from one of the processor's test tokens; answers its method id."""
        return self.methods.add(ACCOUNT, NewPaymentMethod(token=test_card), ENGLISH).id

    def expired_card(self) -> SavedMethod:
        """A card good through 10/2026, saved after the cards saved before it in the test."""
        method = SavedMethod(
            id="pm_" + "e" * 20,
            account_id=ACCOUNT,
            reference="card_expired",
            card=Card("visa", "1881", 10, 2026),
            billing_email="billing@erable.example",
            billing_address=self.account().billing_address,
            created_at=timestamp(self.saving_clock()),
        )
        self.store.add_method(method)
        self.processor.cards[method.reference] = (method.card, ChargeStatus.APPROVED)  # saved back then
        return method

    def autopay_with(self, method_id: str) -> None:
        self.methods.set_autopay(ACCOUNT, AutopayChange(enabled=True, payment_method_id=method_id), ENGLISH)

    # -- acting --------------------------------------------------------------------------------------------

    def pay(self, amount: str, key: str = "key-1", **source: Any) -> PaymentView:
        body: dict[str, Any] = {"amount": amount, **(source or {"new_payment_method": {"token": "tok_visa"}})}
        return self.payments.pay(ACCOUNT, key, PaymentRequest.model_validate(body), ENGLISH)

    def settle(self, payment: PaymentView, outcome: ChargeStatus, **changes: Any) -> PaymentView:
        """The processor's verified callback for the payment's charge."""
        [call] = [call for call in self.processor.calls if call.metadata.get("payment_id") == payment.id]
        charge = self.processor.charged[call.idempotency_key]
        settlement = Settlement(
            event_id="evt_1",
            charge_id=charge.charge_id,
            outcome=outcome,
            amount_cents=charge.amount_cents,
            account_id=ACCOUNT,
            payment_id=payment.id,
            signature="0" * 64,
        )
        return self.settlements.settle(replace(settlement, **changes), ENGLISH)

    def autopay(self) -> AutopayReport:
        return self.autopay_run.run_autopay()

    # -- looking -------------------------------------------------------------------------------------------

    def account(self, account_id: str = ACCOUNT) -> Account:
        account = self.ledger.get_account(account_id)
        assert account is not None
        return account

    def state(self) -> LedgerState:
        return self.account().ledger

    def outstanding(self, invoice_id: str) -> int:
        invoice = self.state().open_invoices.get(invoice_id)
        return invoice.outstanding_cents if invoice else 0

    def payment_rows(self) -> list[str]:
        return [row.id for row in self.ledger.all_rows(ACCOUNT) if row.id.startswith("PAY-")]

    def notify(self) -> list[Email]:
        """Run the notifier over the changes made since the last call; answers every email sent so far."""
        for change in self.stream.changes[self.delivered :]:
            self.notifier.deliver(change)
        self.delivered = len(self.stream.changes)
        return self.mailer.sent

    def emailed(self) -> list[tuple[str, str]]:
        return [(address, email.subject) for email in self.notify() for address in email.to]


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def owing(world: World) -> World:
    """Two unpaid invoices, both past due; three users, one of them without notifications."""
    world.invoice("INV-202609", date(2026, 9, 1))
    world.invoice("INV-202610", date(2026, 10, 1), service="50.00")
    world.user("ana@erable.example", "2026-01-05T14:00:00+00:00")
    world.user("bob@erable.example", "2026-02-05T14:00:00+00:00")
    world.user("quiet@erable.example", "2026-03-05T14:00:00+00:00", notifications=False)
    return world


NOTIFIED = ["ana@erable.example", "bob@erable.example"]
# A token the processor issued for a card that expired at the end of October 2026 (the tests' today is
# 20 November 2026): a real processor's token can be for an expired card too.
EXPIRED_TOKEN = "tok_expired_1026"
EXPIRED_CARD = Card("visa", "1117", 10, 2026)


# -- what is refused before anything is charged ------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.00", "0.0"])
def test_a_zero_dollar_payment_is_refused_with_the_help_centres_sentence(owing: World, amount: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        owing.pay(amount)
    assert str(refused.value.message) == "Payments cannot be zero dollars."
    assert refused.value.status == 422
    assert owing.processor.calls == []


def test_a_payment_over_the_maximum_is_refused_and_the_maximum_itself_is_taken(owing: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        owing.pay(format_cents(MAX_PAYMENT_CENTS + 1))
    assert refused.value.status == 422
    assert owing.processor.calls == []

    balance = owing.state().balance_cents
    assert owing.pay(format_cents(MAX_PAYMENT_CENTS)).status is PaymentStatus.APPROVED
    assert owing.state().balance_cents == balance - MAX_PAYMENT_CENTS  # the rest is credit on the account


def test_paying_with_an_unknown_or_expired_saved_method_is_refused(owing: World) -> None:
    with pytest.raises(NotFound):
        owing.pay("10.00", payment_method_id="pm_" + "0" * 20)
    with pytest.raises(NotFound):
        owing.pay("10.00", payment_method_id="not-a-method")
    expired = owing.expired_card()
    with pytest.raises(ValidationFailed) as refused:
        owing.pay("10.00", payment_method_id=expired.id)
    assert "10/2026" in str(refused.value.message)
    assert owing.processor.calls == []


def test_a_new_card_whose_expiry_has_passed_is_refused_before_anything_is_charged_or_saved(
    owing: World,
) -> None:
    owing.processor.tokens[EXPIRED_TOKEN] = (EXPIRED_CARD, ChargeStatus.APPROVED)
    before = owing.state()

    for save in (False, True):
        with pytest.raises(CardExpired) as refused:
            owing.pay("10.00", key=f"key-{save}", new_payment_method={"token": EXPIRED_TOKEN, "save": save})
        assert refused.value.status == 422
        assert str(refused.value.message) == (
            "This card expired at the end of 10/2026. Choose another payment method."
        )
    with pytest.raises(CardExpired) as refused_to_save:
        owing.methods.add(ACCOUNT, NewPaymentMethod(token=EXPIRED_TOKEN), ENGLISH)

    assert refused_to_save.value.message == refused.value.message  # one sentence, from one place
    assert owing.processor.calls == [] and owing.processor.saved == []
    assert owing.methods.list(ACCOUNT, ENGLISH).items == []
    assert owing.state() == before
    assert owing.store.payments == {}


def test_a_card_that_expires_this_month_is_taken(owing: World) -> None:
    owing.processor.tokens["tok_nov"] = (Card("visa", "1117", 11, 2026), ChargeStatus.APPROVED)
    owing.clock.at = datetime(2026, 12, 1, 4, 59, tzinfo=UTC)  # 30 November, 23:59 in Toronto
    paid = owing.pay("10.00", new_payment_method={"token": "tok_nov", "save": True})
    assert paid.status is PaymentStatus.APPROVED
    assert [m.last4 for m in owing.methods.list(ACCOUNT, ENGLISH).items] == ["1117"]


# -- approved ----------------------------------------------------------------------------------------------


def test_an_approved_payment_pays_the_oldest_invoice_and_confirms_to_each_notified_user(owing: World) -> None:
    owing.user("someone@other.example", "2026-01-01T00:00:00+00:00", account="acct-other")
    oldest, newer = owing.outstanding("INV-202609"), owing.outstanding("INV-202610")
    balance = owing.state().balance_cents

    paid = owing.pay(format_cents(oldest))

    assert paid.status is PaymentStatus.APPROVED
    assert paid.amount == format_cents(oldest)
    assert paid.card is not None and (paid.card.brand, paid.card.last4) == ("visa", "4242")
    state = owing.state()
    assert state.balance_cents == balance - oldest
    assert "INV-202609" not in state.open_invoices
    assert owing.outstanding("INV-202610") == newer
    assert state.last_payment == LastPayment(date(2026, 11, 20), oldest, "Visa ending in 4242")
    assert owing.payment_rows() == [paid.id]
    posted = owing.ledger.get_document(ACCOUNT, paid.id)
    assert posted is not None
    assert posted["allocations"] == [{"invoice_id": "INV-202609", "cents": oldest}]
    invoice = owing.ledger.get_document(ACCOUNT, "INV-202609")
    assert invoice is not None and invoice["status"] == "paid"

    assert sorted(address for address, _ in owing.emailed()) == NOTIFIED
    for email in owing.notify():
        assert format_cents(oldest) in email.subject
        assert paid.id in email.text
        assert "Visa ending in 4242" in email.text
    assert owing.payments.status(ACCOUNT, paid.id, ENGLISH) == paid


def test_a_payment_is_dated_on_the_accounts_day(owing: World) -> None:
    owing.clock.at = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 21:00 on 20 November in Toronto
    paid = owing.pay("25.00")
    posted = owing.ledger.get_document(ACCOUNT, paid.id)
    assert posted is not None and posted["date"] == "2026-11-20"
    last = owing.state().last_payment
    assert last is not None and last.date == date(2026, 11, 20)


def test_a_payment_stands_when_its_confirmation_cannot_be_sent_and_is_confirmed_once_later(
    owing: World,
) -> None:
    owing.mailer.failing = throttled()
    first_change = len(owing.stream.changes)
    paid = owing.pay("25.00")
    assert paid.status is PaymentStatus.APPROVED
    assert owing.payment_rows() == [paid.id]
    with pytest.raises(DeliveryIncomplete):
        owing.notify()

    owing.mailer.failing = None
    for change in owing.stream.changes[first_change:]:  # the stream delivers the batch again
        owing.notifier.deliver(change)
    owing.delivered = len(owing.stream.changes)

    assert sorted(address for address, _ in owing.emailed()) == NOTIFIED


def test_a_new_card_kept_for_later_is_saved_and_named_on_the_payment(owing: World) -> None:
    paid = owing.pay("25.00", new_payment_method={"token": "tok_mastercard", "save": True})

    [listed] = owing.methods.list(ACCOUNT, ENGLISH).items
    assert paid.payment_method_id == listed.id
    assert (listed.brand, listed.last4) == ("mastercard", "4444")
    last = owing.state().last_payment
    assert last is not None and last.method == "Mastercard ending in 4444"


def test_the_same_idempotency_key_twice_is_one_payment_charged_once(owing: World) -> None:
    first = owing.pay("40.00", key="7b0c1f9e")
    again = owing.pay("40.00", key="7b0c1f9e")

    assert again == first
    assert len(owing.processor.calls) == 1
    assert owing.payment_rows() == [first.id]
    assert len(owing.notify()) == len(NOTIFIED)
    other = owing.pay("40.00", key="another-key")
    assert other.id != first.id
    assert len(owing.processor.calls) == 2


def test_the_billing_email_defaults_to_the_oldest_portal_user(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.user("adam@erable.example", "2026-06-01T09:00:00+00:00")
    world.user("zoe@erable.example", "2026-01-15T09:00:00+00:00")  # the top user, though last by name

    world.pay("10.00", key="k1")
    world.pay(
        "10.00", key="k2", new_payment_method={"token": "tok_visa", "billing_email": "ap@erable.example"}
    )
    saved = world.methods.add(ACCOUNT, NewPaymentMethod(token="tok_mastercard"), ENGLISH)

    first, second = world.processor.calls
    assert first.billing is not None and second.billing is not None
    assert first.billing.email == "zoe@erable.example"
    assert first.billing.address == world.account().billing_address
    assert second.billing.email == "ap@erable.example"
    assert saved.billing_email == "zoe@erable.example"


# -- declined ----------------------------------------------------------------------------------------------


def test_a_declined_payment_says_so_and_posts_nothing(owing: World) -> None:
    before = owing.state()

    with pytest.raises(CardDeclined) as declined:
        owing.pay("30.00", new_payment_method={"token": "tok_declined"})

    assert str(declined.value.message) == DECLINED
    assert declined.value.status == 402
    # The account was held while the bank was asked, and released: only the ledger's version moved.
    assert replace(owing.state(), version=before.version) == before
    assert owing.payment_rows() == []
    assert owing.notify() == []
    # The same request again gets the same answer, without asking the bank twice.
    with pytest.raises(CardDeclined):
        owing.pay("30.00", new_payment_method={"token": "tok_declined"})
    assert len(owing.processor.calls) == 1


def test_a_card_saved_for_a_payment_that_is_declined_is_not_kept(owing: World) -> None:
    owing.processor.script = [ChargeStatus.DECLINED]

    with pytest.raises(CardDeclined):
        owing.pay("30.00", new_payment_method={"token": "tok_visa", "save": True})

    assert len(owing.processor.saved) == 1  # it was saved for the charge...
    assert owing.methods.list(ACCOUNT, ENGLISH).items == []  # ...and removed again


# -- pending, and the processor's callback -----------------------------------------------------------------


def test_a_pending_payment_is_held_and_blocks_another_payment(owing: World) -> None:
    balance = owing.state().balance_cents

    pending = owing.pay("60.00", new_payment_method={"token": "tok_pending"})

    assert pending.status is PaymentStatus.PENDING
    assert owing.state().balance_cents == balance
    assert owing.state().pending_payments == {pending.id: 6000}
    assert owing.payment_rows() == []
    assert owing.notify() == []
    with pytest.raises(PaymentPending) as blocked:
        owing.pay("10.00", key="key-2")
    assert blocked.value.message == PAYMENT_PENDING
    assert blocked.value.status == 409
    # The pending payment's own request, repeated, answers it as it stands.
    assert owing.pay("60.00", new_payment_method={"token": "tok_pending"}) == pending
    assert len(owing.processor.calls) == 1


def test_an_approved_settlement_posts_once_however_often_it_arrives(owing: World) -> None:
    pending = owing.pay("60.00", new_payment_method={"token": "tok_pending"})
    balance = owing.state().balance_cents

    settled = owing.settle(pending, ChargeStatus.APPROVED)
    again = owing.settle(pending, ChargeStatus.APPROVED, event_id="evt_again", signature="1" * 64)

    assert settled.status is PaymentStatus.APPROVED
    assert again == settled
    assert owing.payment_rows() == [pending.id]
    state = owing.state()
    assert state.balance_cents == balance - 6000
    assert state.pending_payments == {}
    assert state.last_payment == LastPayment(date(2026, 11, 20), 6000, "Visa ending in 0077")
    assert sorted(address for address, _ in owing.emailed()) == NOTIFIED
    assert owing.pay("10.00", key="key-2").status is PaymentStatus.APPROVED


def test_a_declined_settlement_fails_the_payment_and_unblocks_payments(owing: World) -> None:
    pending = owing.pay("60.00", new_payment_method={"token": "tok_pending"})
    balance = owing.state().balance_cents

    failed = owing.settle(pending, ChargeStatus.DECLINED)

    assert failed.status is PaymentStatus.FAILED
    assert failed.message == DECLINED
    assert owing.payments.status(ACCOUNT, pending.id, ENGLISH).status is PaymentStatus.FAILED
    assert owing.state().pending_payments == {}
    assert owing.state().balance_cents == balance
    assert owing.payment_rows() == []
    assert owing.notify() == []
    # A late approval of the same charge changes nothing.
    assert owing.settle(pending, ChargeStatus.APPROVED).status is PaymentStatus.FAILED
    assert owing.payment_rows() == []

    assert owing.pay("10.00", key="key-2").status is PaymentStatus.APPROVED


@pytest.mark.parametrize(
    "changes",
    [
        {"charge_id": "ch_someone_elses"},
        {"amount_cents": 6001},
        {"payment_id": "PAY-NOSUCHPAYMENT"},
        {"account_id": "acct-other"},
    ],
    ids=["charge id", "amount", "payment", "account"],
)
def test_a_settlement_that_does_not_match_the_payment_is_refused(
    owing: World, changes: dict[str, Any]
) -> None:
    pending = owing.pay("60.00", new_payment_method={"token": "tok_pending"})

    with pytest.raises(CallbackRefused):
        owing.settle(pending, ChargeStatus.APPROVED, **changes)

    assert owing.payments.status(ACCOUNT, pending.id, ENGLISH) == pending
    assert owing.state().pending_payments == {pending.id: 6000}
    assert owing.payment_rows() == []


# -- one payment in flight, whatever runs at the same moment -----------------------------------------------


def test_a_payment_submitted_while_another_is_being_charged_is_refused_and_never_charged(
    owing: World,
) -> None:
    """Two Pay clicks (two Idempotency-Keys) at once, the processor answering pending: the second arrives
    while the first is at the processor, before its answer is recorded."""
    refused: list[PaymentPending] = []

    def second_click() -> None:
        with pytest.raises(PaymentPending) as blocked:
            owing.pay("60.00", key="key-2", new_payment_method={"token": "tok_pending"})
        refused.append(blocked.value)

    owing.processor.while_charging = second_click
    first = owing.pay("60.00", key="key-1", new_payment_method={"token": "tok_pending"})

    assert first.status is PaymentStatus.PENDING
    [blocked] = refused
    assert (blocked.status, blocked.code, blocked.message) == (409, "payment_pending", PAYMENT_PENDING)
    assert [call.metadata["payment_id"] for call in owing.processor.calls] == [first.id]
    assert owing.state().pending_payments == {first.id: 6000}
    # The bank approves the one charge made: charged once, posted once.
    owing.settle(first, ChargeStatus.APPROVED)
    assert owing.payment_rows() == [first.id]


def test_a_payment_submitted_while_an_approved_one_is_being_charged_is_refused(owing: World) -> None:
    balance = owing.state().balance_cents
    refused: list[PaymentPending] = []

    def second_click() -> None:
        with pytest.raises(PaymentPending) as blocked:
            owing.pay("25.00", key="key-2")
        refused.append(blocked.value)

    owing.processor.while_charging = second_click
    first = owing.pay("25.00", key="key-1")

    assert first.status is PaymentStatus.APPROVED and len(refused) == 1
    assert len(owing.processor.calls) == 1
    assert owing.state().balance_cents == balance - 2500
    assert owing.pay("25.00", key="key-2").status is PaymentStatus.APPROVED  # once the first is done


def test_auto_pay_waits_while_a_one_time_payment_is_being_charged(owing: World) -> None:
    owing.autopay_with(owing.card())
    reports: list[AutopayReport] = []
    owing.processor.while_charging = lambda: reports.append(owing.autopay())

    paid = owing.pay("25.00")

    [report] = reports
    assert (report.waiting, report.approved, report.pending, report.declined) == (1, 0, 0, 0)
    assert [call.metadata["payment_id"] for call in owing.processor.calls] == [paid.id]
    # The next run charges what is still due.
    assert owing.autopay().approved == 2
    assert owing.state().open_invoices == {}


def test_a_payment_submitted_while_auto_pay_is_charging_is_refused(owing: World) -> None:
    owing.autopay_with(owing.card())
    refused: list[PaymentPending] = []

    def customer_pays() -> None:
        with pytest.raises(PaymentPending) as blocked:
            owing.pay("25.00")
        refused.append(blocked.value)

    owing.processor.while_charging = customer_pays
    assert owing.autopay().approved == 2

    assert len(refused) == 1
    assert len(owing.processor.calls) == 2  # the two invoices Auto Pay paid, nothing else
    assert owing.state().open_invoices == {}


@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ({"payment_method_id": "pm_" + "0" * 20}, NotFound),
        ({"new_payment_method": {"token": "tok_invented"}}, InvalidCardToken),
        ({"new_payment_method": {"token": EXPIRED_TOKEN}}, CardExpired),
        ({"new_payment_method": {"token": "tok_declined", "save": True}}, CardDeclined),
        ({"new_payment_method": {"token": "tok_declined"}}, CardDeclined),
    ],
    ids=["unknown method", "unknown token", "expired card", "declined when saved", "declined"],
)
def test_a_refused_payment_leaves_the_account_free_for_the_next_one(
    owing: World, source: dict[str, Any], refusal: type[Exception]
) -> None:
    owing.processor.tokens[EXPIRED_TOKEN] = (EXPIRED_CARD, ChargeStatus.APPROVED)

    with pytest.raises(refusal):
        owing.pay("30.00", key="key-1", **source)

    assert owing.state().payment_claim is None
    assert owing.pay("30.00", key="key-2").status is PaymentStatus.APPROVED


def test_a_saved_card_the_processor_refuses_leaves_the_account_free(owing: World) -> None:
    forgotten = replace(owing.expired_card(), id="pm_" + "f" * 20, card=Card("visa", "1881", 12, 2030))
    owing.store.add_method(replace(forgotten, reference="card_the_processor_no_longer_knows"))

    with pytest.raises(InvalidCardToken):
        owing.pay("30.00", key="key-1", payment_method_id=forgotten.id)

    assert owing.processor.calls == []
    assert owing.state().payment_claim is None
    assert owing.pay("30.00", key="key-2").status is PaymentStatus.APPROVED


def test_a_payment_whose_answer_was_lost_holds_the_account_until_the_processor_is_asked(owing: World) -> None:
    owing.processor.lose_answers = 1  # the bank approved; the answer never reached the portal
    with pytest.raises(TimeoutError):
        owing.pay("25.00", key="key-1")
    [lost] = owing.processor.calls
    lost_id = lost.metadata["payment_id"]
    assert owing.payments.status(ACCOUNT, lost_id, ENGLISH).status is PaymentStatus.PROCESSING

    # Whether the bank was asked is not known yet: no other payment meanwhile.
    owing.clock.at = NOV_20 + CLAIM_LIFETIME - timedelta(seconds=1)
    with pytest.raises(PaymentPending):
        owing.pay("10.00", key="key-2")

    # Long after any attempt could still be running, the processor is asked and the charge concluded.
    owing.clock.at = NOV_20 + CLAIM_LIFETIME
    other = owing.pay("10.00", key="key-2")

    assert other.status is PaymentStatus.APPROVED
    assert owing.payments.status(ACCOUNT, lost_id, ENGLISH).status is PaymentStatus.APPROVED
    assert owing.payment_rows() == [lost_id, other.id]
    assert len(owing.processor.calls) == 2
    # Retrying the lost request answers its payment, charged once.
    assert owing.pay("25.00", key="key-1").id == lost_id
    assert len(owing.processor.calls) == 2


def test_a_payment_posted_by_an_attempt_that_stopped_before_recording_it_is_concluded_by_its_retry(
    owing: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    save = owing.store.save_payment

    def stop_before_recording_approval(record: PaymentRecord) -> None:
        if record.status is PaymentStatus.APPROVED:
            monkeypatch.setattr(owing.store, "save_payment", save)
            raise TimeoutError("the function stopped")
        save(record)

    monkeypatch.setattr(owing.store, "save_payment", stop_before_recording_approval)
    with pytest.raises(TimeoutError):
        owing.pay("25.00", key="key-1")

    retried = owing.pay("25.00", key="key-1")

    assert retried.status is PaymentStatus.APPROVED
    assert owing.payment_rows() == [retried.id] and len(owing.processor.calls) == 1
    assert owing.state().payment_claim is None
    assert owing.pay("10.00", key="key-2").status is PaymentStatus.APPROVED


def test_a_payment_that_never_reached_the_processor_frees_the_account_and_can_be_retried(
    owing: World,
) -> None:
    owing.processor.lose_answers, owing.processor.charge_first = 1, False
    with pytest.raises(ConnectionError):
        owing.pay("25.00", key="key-1")
    assert owing.processor.calls == []

    owing.clock.at = NOV_20 + CLAIM_LIFETIME
    other = owing.pay("10.00", key="key-2")
    retried = owing.pay("25.00", key="key-1")

    assert (other.status, retried.status) == (PaymentStatus.APPROVED, PaymentStatus.APPROVED)
    assert [call.amount_cents for call in owing.processor.calls] == [1000, 2500]
    assert sorted(owing.payment_rows()) == sorted([other.id, retried.id])


def test_a_pending_charge_whose_answer_was_lost_is_held_until_the_bank_decides(owing: World) -> None:
    owing.processor.lose_answers = 1
    with pytest.raises(TimeoutError):
        owing.pay("60.00", key="key-1", new_payment_method={"token": "tok_pending"})
    lost_id = owing.processor.calls[0].metadata["payment_id"]

    owing.clock.at = NOV_20 + CLAIM_LIFETIME
    with pytest.raises(PaymentPending):
        owing.pay("10.00", key="key-2")  # the bank has not decided yet

    lost = owing.payments.status(ACCOUNT, lost_id, ENGLISH)
    assert lost.status is PaymentStatus.PENDING
    assert owing.state().pending_payments == {lost_id: 6000}
    assert owing.settle(lost, ChargeStatus.APPROVED).status is PaymentStatus.APPROVED
    assert owing.pay("10.00", key="key-2").status is PaymentStatus.APPROVED
    assert len(owing.processor.calls) == 2


# -- auto pay ----------------------------------------------------------------------------------------------


def test_autopay_charges_each_due_invoice_once_across_runs(owing: World) -> None:
    owing.invoice("INV-202611", date(2026, 11, 1))  # due on 2026-12-01: not yet
    due = [owing.outstanding("INV-202609"), owing.outstanding("INV-202610")]
    owing.autopay_with(owing.card())

    first = owing.autopay()
    second = owing.autopay()

    assert (first.accounts, first.approved, first.failed_accounts) == (1, 2, [])
    assert (second.approved, second.declined, second.card_expired) == (0, 0, 0)
    assert [call.amount_cents for call in owing.processor.calls] == due
    assert set(owing.state().open_invoices) == {"INV-202611"}
    assert len(owing.payment_rows()) == 2
    assert len(owing.notify()) == 2 * len(NOTIFIED)


def test_autopay_waits_for_the_due_date_in_the_accounts_time_zone(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 3))  # due 2026-11-02
    world.autopay_with(world.card())

    world.clock.at = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)  # 2 November in UTC, 1 November in Toronto
    assert world.autopay().approved == 0
    world.clock.at = datetime(2026, 11, 2, 4, 59, tzinfo=UTC)  # 23:59 in Toronto
    assert world.autopay().approved == 0
    assert world.processor.calls == []

    world.clock.at = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # midnight in Toronto: the due date
    assert world.autopay().approved == 1
    assert world.state().open_invoices == {}


def test_autopay_with_an_expired_card_charges_nothing_and_tells_notified_users_once(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.user("ana@erable.example", "2026-01-05T14:00:00+00:00")
    world.user("bob@erable.example", "2026-02-05T14:00:00+00:00")
    world.user("quiet@erable.example", "2026-03-05T14:00:00+00:00", notifications=False)
    # Auto Pay was turned on while the card was good (10/2026); it has expired since.
    expired = world.expired_card()
    assert world.store.enable_autopay(ACCOUNT, expired)

    first = world.autopay()
    second = world.autopay()

    assert (first.card_expired, first.approved) == (1, 0)
    assert second.card_expired == 0
    assert world.processor.calls == []
    assert "INV-202610" in world.state().open_invoices
    subject = "Billing Portal: Auto Pay could not pay invoice INV-202610"
    assert sorted(world.emailed()) == [(address, subject) for address in NOTIFIED]
    for email in world.notify():
        assert "The Auto Pay card has expired." in email.text
        assert "Visa ending in 1881" in email.text


def test_a_declined_autopay_tells_notified_users_and_is_not_retried_by_the_next_run(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.user("ana@erable.example", "2026-01-05T14:00:00+00:00")
    world.user("quiet@erable.example", "2026-03-05T14:00:00+00:00", notifications=False)
    world.autopay_with(world.card())
    world.processor.script = [ChargeStatus.DECLINED]

    first = world.autopay()
    second = world.autopay()

    assert (first.declined, first.approved) == (1, 0)
    assert (second.declined, second.approved) == (0, 0)
    assert len(world.processor.calls) == 1
    assert "INV-202610" in world.state().open_invoices
    [email] = world.notify()
    assert email.to == ("ana@erable.example",)
    assert email.subject == "Billing Portal: Auto Pay could not pay invoice INV-202610"
    assert DECLINED in email.text
    assert "Visa ending in 4242" in email.text


def test_after_a_decline_a_new_autopay_card_is_tried_on_the_next_run(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.autopay_with(world.card())
    world.processor.script = [ChargeStatus.DECLINED, ChargeStatus.APPROVED]
    assert world.autopay().declined == 1

    world.autopay_with(world.card("tok_mastercard"))  # what the email asks the customer to do
    again = world.autopay()

    assert (again.declined, again.approved) == (0, 1)
    assert "INV-202610" not in world.state().open_invoices
    assert world.autopay().approved == 0, "paid: nothing more to charge"


def test_autopay_never_charges_more_than_the_current_balance_tile(world: World) -> None:
    """A credit pending on the next invoice counts in the Current Balance tile: paying the tile's amount
    leaves nothing for Auto Pay to charge, though the invoice stays partly paid until the credit posts."""
    world.invoice("INV-202610", date(2026, 10, 1))
    world.pending_credit("CR-NEXT", "30.00")
    world.autopay_with(world.card())
    tile = world.state().current_balance_cents
    paid = world.pay(format_cents(tile))

    assert world.state().current_balance_cents == 0
    assert world.outstanding("INV-202610") == 3000
    report = world.autopay()

    assert (report.approved, report.declined, report.pending) == (0, 0, 0)
    assert [call.metadata["payment_id"] for call in world.processor.calls] == [paid.id]
    assert world.state().current_balance_cents == 0


def test_autopay_shares_the_tile_across_the_invoices_it_pays_in_one_run(owing: World) -> None:
    owing.pending_credit("CR-NEXT", "30.00")
    older, newer = owing.outstanding("INV-202609"), owing.outstanding("INV-202610")
    tile = owing.state().current_balance_cents
    owing.autopay_with(owing.card())

    report = owing.autopay()

    assert report.approved == 2
    assert [call.amount_cents for call in owing.processor.calls] == [older, newer - 3000]
    assert sum(call.amount_cents for call in owing.processor.calls) == tile
    assert owing.state().current_balance_cents == 0
    assert owing.outstanding("INV-202610") == 3000  # what the pending credit pays when it posts
    assert owing.autopay().approved == 0


def test_autopay_charges_nothing_when_pending_credits_cover_what_is_owed(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    owed = world.outstanding("INV-202610")
    credit = format_cents(owed + 5000)
    world.pending_credit("CR-BIG", credit)
    world.autopay_with(world.card())

    assert world.state().current_balance_cents == -5000  # a credit on the account
    assert world.autopay().approved == 0
    assert world.processor.calls == []


def test_autopay_skips_accounts_without_it(owing: World) -> None:
    owing.card()
    report = owing.autopay()
    assert report.accounts == 0
    assert owing.processor.calls == []


# -- saved payment methods ---------------------------------------------------------------------------------


def test_the_list_marks_the_autopay_method_and_expired_cards(world: World) -> None:
    visa = world.card("tok_visa")
    mastercard = world.card("tok_mastercard")
    expired = world.expired_card()
    world.autopay_with(mastercard)

    listed = world.methods.list(ACCOUNT, ENGLISH).items

    assert [(m.id, m.last4, m.autopay, m.expired) for m in listed] == [
        (visa, "4242", False, False),
        (mastercard, "4444", True, False),
        (expired.id, "1881", False, True),
    ]
    autopay = world.account().autopay
    assert autopay.enabled and autopay.method_id == mastercard


def test_a_saved_card_is_dated_at_the_time_the_portal_acts_at(world: World) -> None:
    methods = PaymentMethodService(
        ledger_store=world.ledger,
        store=world.store,
        users=world.users,
        processor=world.processor,
        clock=world.clock,
    )
    world.clock.at = datetime(2026, 12, 1, 4, 59, 30, 250_000, tzinfo=UTC)  # 23:59 on 30 November in Toronto

    saved = methods.add(ACCOUNT, NewPaymentMethod(token="tok_visa"), ENGLISH)

    assert saved.created_at == "2026-12-01T04:59:30.250+00:00"
    assert [m.created_at for m in methods.list(ACCOUNT, ENGLISH).items] == [saved.created_at]


def test_an_account_keeps_at_most_the_maximum_of_saved_methods(world: World) -> None:
    for _ in range(MAX_SAVED_METHODS):
        world.card()

    with pytest.raises(TooManyMethods) as refused:
        world.card()

    assert refused.value.status == 409
    assert len(world.methods.list(ACCOUNT, ENGLISH).items) == MAX_SAVED_METHODS
    assert len(world.processor.saved) == MAX_SAVED_METHODS  # the extra card never reached the processor


def test_a_card_the_bank_declines_is_not_saved(world: World) -> None:
    with pytest.raises(CardDeclined):
        world.card("tok_declined")
    assert world.methods.list(ACCOUNT, ENGLISH).items == []


@pytest.mark.parametrize("method_id", ["pm_" + "0" * 20, "pm_nope", "../PM#x", ""])
def test_deleting_a_method_that_is_not_there_is_not_found(world: World, method_id: str) -> None:
    kept = world.card()
    with pytest.raises(NotFound):
        world.methods.delete(ACCOUNT, method_id)
    assert [m.id for m in world.methods.list(ACCOUNT, ENGLISH).items] == [kept]


def test_a_deleted_method_is_no_longer_listed(world: World) -> None:
    gone, kept = world.card(), world.card("tok_mastercard")
    world.methods.delete(ACCOUNT, gone)
    assert [m.id for m in world.methods.list(ACCOUNT, ENGLISH).items] == [kept]
    with pytest.raises(NotFound):
        world.methods.delete(ACCOUNT, gone)


def test_autopay_cannot_be_turned_on_with_an_expired_card(world: World) -> None:
    expired = world.expired_card()

    with pytest.raises(ValidationFailed) as refused:
        world.autopay_with(expired.id)

    assert str(refused.value.message) == (
        "This card expired at the end of 10/2026. Choose another payment method for Auto Pay."
    )
    assert words_in("fr")(refused.value.message) == (
        "Cette carte a expiré à la fin de 10/2026. Choisissez un autre mode de paiement pour le paiement "
        "automatique."
    )
    assert not world.account().autopay.enabled


def test_autopay_turns_on_with_a_saved_card_and_off_again(world: World) -> None:
    method = world.card()

    on = world.methods.set_autopay(ACCOUNT, AutopayChange(enabled=True, payment_method_id=method), ENGLISH)
    assert on.enabled and on.payment_method is not None
    assert (on.payment_method.id, on.payment_method.last4, on.payment_method.expired) == (
        method,
        "4242",
        False,
    )

    off = world.methods.set_autopay(ACCOUNT, AutopayChange(enabled=False), ENGLISH)
    assert (off.enabled, off.payment_method) == (False, None)
    assert not world.methods.list(ACCOUNT, ENGLISH).items[0].autopay
    with pytest.raises(NotFound):
        world.autopay_with("pm_" + "0" * 20)


def test_the_methods_and_the_payments_agree_on_whether_a_card_has_expired(owing: World) -> None:
    method = owing.expired_card()  # good through 10/2026
    owing.clock.at = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 31 October, 22:00 in Toronto

    assert owing.pay("10.00", payment_method_id=method.id).status is PaymentStatus.APPROVED
    [listed] = owing.methods.list(ACCOUNT, ENGLISH).items
    assert not listed.expired


# -- in the reader's language ------------------------------------------------------------------------------

FRENCH = words_in("fr")


def test_a_french_reader_reads_the_refusals_in_french(owing: World) -> None:
    with pytest.raises(ValidationFailed) as zero:
        owing.pay("0.00")
    assert FRENCH(zero.value.message) == "Les paiements ne peuvent pas être de zéro dollar."
    with pytest.raises(CardDeclined) as declined:
        owing.pay("30.00", new_payment_method={"token": "tok_declined"})
    assert FRENCH(declined.value.message) == "La carte a été refusée."
    with pytest.raises(ValidationFailed) as too_much:
        owing.pay(format_cents(MAX_PAYMENT_CENTS + 1), key="key-2")
    assert FRENCH(too_much.value.message).replace("\u00a0", " ") == (
        "Un paiement peut être d'au plus 100 000,00 $. Pour un paiement plus élevé, communiquez avec "
        "l'équipe de facturation au billing@net2phone.ca ou au 1-877-498-3772 (option 4)."
    )
    assert str(too_much.value.message) == (
        "A payment can be at most $100,000.00. For a larger payment, contact the billing team at "
        "billing@net2phone.ca or 1-877-498-3772 (option 4)."
    )
    owing.pay("10.00", key="key-3", new_payment_method={"token": "tok_pending"})
    with pytest.raises(PaymentPending) as pending:
        owing.pay("10.00", key="key-4")
    assert FRENCH(pending.value.message) == (
        "Un paiement est en attente. Attendez que votre banque l'approuve ou le refuse avant de soumettre "
        "un autre paiement."
    )


def test_a_payment_reads_in_its_readers_language(owing: World) -> None:
    request = PaymentRequest.model_validate(
        {"amount": "60.00", "new_payment_method": {"token": "tok_pending"}}
    )
    pending = owing.payments.pay(ACCOUNT, "key-fr", request, FRENCH)
    assert pending.card is not None and pending.card.label == "Visa se terminant par 0077"

    failed = owing.settle(pending, ChargeStatus.DECLINED)

    # The record keeps the English sentence; each reader reads it in their own language.
    assert failed.message == DECLINED
    assert owing.payments.status(ACCOUNT, pending.id, FRENCH).message == "La carte a été refusée."
    assert owing.payments.status(ACCOUNT, pending.id, ENGLISH).message == DECLINED


def test_saved_cards_and_auto_pay_read_in_french(world: World) -> None:
    method_id = world.card("tok_mastercard")
    [listed] = world.methods.list(ACCOUNT, FRENCH).items
    assert (listed.label, world.methods.list(ACCOUNT, ENGLISH).items[0].label) == (
        "Mastercard se terminant par 4444",
        "Mastercard ending in 4444",
    )
    autopay = world.methods.set_autopay(
        ACCOUNT, AutopayChange(enabled=True, payment_method_id=method_id), FRENCH
    )
    assert autopay.payment_method is not None
    assert autopay.payment_method.label == "Mastercard se terminant par 4444"
    with pytest.raises(NotFound) as unknown:
        world.methods.set_autopay(
            ACCOUNT, AutopayChange(enabled=True, payment_method_id="pm_" + "0" * 20), ENGLISH
        )
    assert FRENCH(unknown.value.message) == "Mode de paiement introuvable."
    with pytest.raises(AutopayMethodInUse) as in_use:
        world.methods.delete(ACCOUNT, method_id)
    assert FRENCH(in_use.value.message) == (
        "Ce mode de paiement sert au paiement automatique. Désactivez d'abord le paiement automatique ou "
        "choisissez-lui un autre mode de paiement."
    )


def test_the_last_payment_tile_names_the_card_in_the_readers_language(owing: World) -> None:
    owing.pay("25.00", new_payment_method={"token": "tok_mastercard"})
    account = owing.account()
    assert account.ledger.last_payment is not None
    assert account.ledger.last_payment.method == "Mastercard ending in 4444"  # as stored
    tile = dashboard(account, NOV_20.date(), FRENCH).last_payment
    assert tile is not None and tile.method == "Mastercard se terminant par 4444"
