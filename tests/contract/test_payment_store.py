"""The payment records and the card processor keep the same promises in memory (the unit tests' fakes) and
for real (DynamoDB and the sandbox processor, against moto): saved methods are kept per account, a method
Auto Pay uses cannot be removed, Auto Pay is kept on the account as one typed setting and lists the account
for the schedule while it is on, a payment is started once, a callback delivery is accepted once; and a
processor's idempotency key charges once, a declining card is declined, a token stands for its card."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit import documents
from unit.fakes import FakeCardProcessor, FakeLedgerStore, FakePaymentStore

from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.ports import Address, LedgerStore
from billing_portal.payments.autopay_setting import AUTOPAY_OFF, AutopayMethod, AutopaySetting
from billing_portal.payments.cards import Card
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.ports import (
    AutopayMethodInUse,
    PaymentRecord,
    PaymentStatus,
    PaymentStore,
    SavedMethod,
)
from billing_portal.payments.processor import (
    BillingDetails,
    CardDeclined,
    CardProcessor,
    ChargeStatus,
    InvalidCardToken,
)
from billing_portal.payments.sandbox import SandboxProcessor

ACCOUNT = "acct-contract"
OTHER = "acct-other"
ADDRESS = Address("1 Rue Sainte-Catherine", "Montréal", "QC", "H2X 1L4")
VISA = SavedMethod(
    id="pm_" + "1" * 20,
    account_id=ACCOUNT,
    reference="card_visa",
    card=Card("visa", "4242", 12, 2034),
    billing_email="ana@erable.example",
    billing_address=ADDRESS,
    created_at="2026-11-02T15:00:00.000+00:00",
)
MASTERCARD = replace(
    VISA,
    id="pm_" + "2" * 20,
    reference="card_mc",
    card=Card("mastercard", "4444", 3, 2030),
    created_at="2026-11-03",
)
PAYMENT = PaymentRecord(
    id="PAY-CONTRACT00000001",
    account_id=ACCOUNT,
    amount_cents=12_345,
    status=PaymentStatus.PROCESSING,
    created_at="2026-11-20T15:00:00.000+00:00",
    card=VISA.card,
    payment_method_id=VISA.id,
    request_digest="d" * 64,
)
BILLING = BillingDetails("ana@erable.example", ADDRESS)


@pytest.fixture(params=["fake", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> tuple[LedgerStore, PaymentStore]:
    """The ledger (Auto Pay lives on its account item) and the payment records, with two accounts."""
    ledger: LedgerStore
    payments: PaymentStore
    if request.param == "fake":
        ledger = FakeLedgerStore()
        payments = FakePaymentStore(ledger)
    else:
        physical: dict[str, str] = request.getfixturevalue("aws")
        ledger, payments = DynamoLedgerStore(physical["PortalTable"]), DynamoPayments(physical["PortalTable"])
    for account_id in (ACCOUNT, OTHER):
        assert documents.send(ledger, documents.account(account_id)) == "created"
    return ledger, payments


def autopay_of(ledger: LedgerStore, account_id: str = ACCOUNT) -> AutopaySetting:
    account = ledger.get_account(account_id)
    assert account is not None
    return account.autopay


# -- saved methods ---------------------------------------------------------------------------------------


def test_a_saved_method_reads_back_on_its_account_only(stores: tuple[LedgerStore, PaymentStore]) -> None:
    _, payments = stores
    payments.add_method(VISA)
    payments.add_method(MASTERCARD)
    assert payments.get_method(ACCOUNT, VISA.id) == VISA
    assert sorted(payments.list_methods(ACCOUNT), key=lambda m: m.id) == [VISA, MASTERCARD]
    assert payments.get_method(OTHER, VISA.id) is None
    assert payments.list_methods(OTHER) == []


def test_a_removed_method_is_gone_and_removing_it_again_says_so(
    stores: tuple[LedgerStore, PaymentStore],
) -> None:
    _, payments = stores
    payments.add_method(VISA)
    assert payments.delete_method(OTHER, VISA.id) is False
    assert payments.delete_method(ACCOUNT, VISA.id) is True
    assert payments.get_method(ACCOUNT, VISA.id) is None
    assert payments.delete_method(ACCOUNT, VISA.id) is False


def test_the_auto_pay_method_cannot_be_removed_while_auto_pay_is_on(
    stores: tuple[LedgerStore, PaymentStore],
) -> None:
    _, payments = stores
    payments.add_method(VISA)
    payments.add_method(MASTERCARD)
    assert payments.enable_autopay(ACCOUNT, VISA)
    with pytest.raises(AutopayMethodInUse):
        payments.delete_method(ACCOUNT, VISA.id)
    assert payments.get_method(ACCOUNT, VISA.id) == VISA
    assert payments.delete_method(ACCOUNT, MASTERCARD.id) is True  # another card goes
    payments.disable_autopay(ACCOUNT)
    assert payments.delete_method(ACCOUNT, VISA.id) is True


# -- auto pay --------------------------------------------------------------------------------------------


def test_auto_pay_is_off_until_turned_on(stores: tuple[LedgerStore, PaymentStore]) -> None:
    ledger, payments = stores
    assert autopay_of(ledger) == AUTOPAY_OFF
    assert list(payments.autopay_accounts()) == []


def test_auto_pay_on_keeps_the_card_on_the_account_and_lists_the_account(
    stores: tuple[LedgerStore, PaymentStore],
) -> None:
    ledger, payments = stores
    payments.add_method(VISA)
    payments.add_method(MASTERCARD)
    assert payments.enable_autopay(ACCOUNT, VISA)
    assert payments.enable_autopay(ACCOUNT, MASTERCARD)  # another card replaces it
    assert autopay_of(ledger) == AutopaySetting(AutopayMethod(MASTERCARD.id, MASTERCARD.card))
    assert autopay_of(ledger, OTHER) == AUTOPAY_OFF
    assert list(payments.autopay_accounts()) == [ACCOUNT]


def test_auto_pay_off_forgets_the_card_and_the_account(stores: tuple[LedgerStore, PaymentStore]) -> None:
    ledger, payments = stores
    payments.add_method(VISA)
    assert payments.enable_autopay(ACCOUNT, VISA)
    payments.disable_autopay(ACCOUNT)
    payments.disable_autopay(ACCOUNT)  # off twice is off
    assert autopay_of(ledger) == AUTOPAY_OFF
    assert list(payments.autopay_accounts()) == []


def test_auto_pay_is_not_turned_on_with_a_method_removed_meanwhile(
    stores: tuple[LedgerStore, PaymentStore],
) -> None:
    ledger, payments = stores
    assert payments.enable_autopay(ACCOUNT, VISA) is False  # never saved, or removed since it was read
    payments.add_method(VISA)
    assert payments.enable_autopay("acct-unknown", VISA) is False
    assert autopay_of(ledger) == AUTOPAY_OFF
    assert list(payments.autopay_accounts()) == []


# -- payments --------------------------------------------------------------------------------------------


def test_a_payment_is_started_once_and_the_first_record_answers(
    stores: tuple[LedgerStore, PaymentStore],
) -> None:
    _, payments = stores
    assert payments.get_payment(ACCOUNT, PAYMENT.id) is None
    assert payments.start_payment(PAYMENT) is None
    again = replace(PAYMENT, amount_cents=1, status=PaymentStatus.FAILED)
    assert payments.start_payment(again) == PAYMENT
    assert payments.get_payment(ACCOUNT, PAYMENT.id) == PAYMENT
    assert payments.get_payment(OTHER, PAYMENT.id) is None


def test_a_saved_payment_replaces_the_record(stores: tuple[LedgerStore, PaymentStore]) -> None:
    _, payments = stores
    payments.start_payment(PAYMENT)
    approved = replace(
        PAYMENT, status=PaymentStatus.APPROVED, charge_id="ch_1", settled_at="2026-11-20T15:00:01.000+00:00"
    )
    payments.save_payment(approved)
    assert payments.get_payment(ACCOUNT, PAYMENT.id) == approved
    autopay = replace(PAYMENT, id="PAY-CONTRACT00000002", card=None, autopay_invoice_id="INV-1", message="no")
    payments.save_payment(autopay)
    assert payments.get_payment(ACCOUNT, autopay.id) == autopay


def test_a_callback_delivery_is_accepted_once(stores: tuple[LedgerStore, PaymentStore]) -> None:
    _, payments = stores
    assert payments.first_delivery("a" * 64, 1_793_635_445) is True
    assert payments.first_delivery("a" * 64, 1_793_635_445) is False
    assert payments.first_delivery("b" * 64, 1_793_635_445) is True


# -- the card processor ----------------------------------------------------------------------------------


@pytest.fixture(params=["fake", "sandbox"])
def processor(request: pytest.FixtureRequest) -> CardProcessor:
    if request.param == "fake":
        return FakeCardProcessor()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return SandboxProcessor(physical["PortalTable"])


def test_a_token_stands_for_its_card(processor: CardProcessor) -> None:
    assert processor.card_of_token("tok_visa") == Card("visa", "4242", 12, 2034)
    assert processor.card_of_token("tok_mastercard") == Card("mastercard", "4444", 12, 2034)
    for unknown in ("tok_unknown", "card_visa", ""):
        with pytest.raises(InvalidCardToken):
            processor.card_of_token(unknown)


def test_one_idempotency_key_charges_once(processor: CardProcessor) -> None:
    first = processor.charge("tok_visa", 5_000, idempotency_key="acct/PAY-1", metadata={}, billing=BILLING)
    again = processor.charge("tok_visa", 7_000, idempotency_key="acct/PAY-1", metadata={}, billing=BILLING)
    other = processor.charge("tok_visa", 5_000, idempotency_key="acct/PAY-2", metadata={}, billing=BILLING)
    assert (first.status, first.amount_cents, first.card) == (
        ChargeStatus.APPROVED,
        5_000,
        Card("visa", "4242", 12, 2034),
    )
    assert again == first
    assert other.charge_id != first.charge_id
    assert processor.charge_of_key("acct/PAY-1") == first
    assert processor.charge_of_key("acct/PAY-3") is None


def test_a_declining_card_is_declined_and_not_saved(processor: CardProcessor) -> None:
    declined = processor.charge("tok_declined", 5_000, idempotency_key="k", metadata={}, billing=None)
    assert declined.status is ChargeStatus.DECLINED
    with pytest.raises(CardDeclined):
        processor.save_card("tok_declined", BILLING)


def test_a_saved_card_charges_as_its_token_would(processor: CardProcessor) -> None:
    for token, outcome in (("tok_mastercard", ChargeStatus.APPROVED), ("tok_pending", ChargeStatus.PENDING)):
        saved = processor.save_card(token, BILLING)
        assert saved.card == processor.card_of_token(token)
        charge = processor.charge(saved.reference, 100, idempotency_key=token, metadata={}, billing=None)
        assert (charge.status, charge.card) == (outcome, saved.card)
    with pytest.raises(InvalidCardToken):
        processor.save_card("tok_unknown", BILLING)
