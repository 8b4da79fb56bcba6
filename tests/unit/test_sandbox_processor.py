"""The built-in sandbox card processor: its hosted card fields (`tokenize`), saving a card, and, on the table
under moto, charging once per idempotency key and settling a pending charge with a signed callback."""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime

import pytest

from billing_portal.ledger.ports import Address
from billing_portal.payments.cards import Card, contains_card_number
from billing_portal.payments.processor import (
    BillingDetails,
    CardDeclined,
    Charge,
    ChargeStatus,
    InvalidCardToken,
    verify_callback,
)
from billing_portal.payments.sandbox import SandboxProcessor, tokenize
from billing_portal.shared.errors import NotFound, ValidationFailed

TODAY = date(2026, 11, 2)
BILLING = BillingDetails(
    "dana.tremblay@erable.example", Address("1250 boulevard René-Lévesque Ouest", "Montréal", "QC", "H3B 4W8")
)
SECRET = b"whsec_unit_tests"


def processor(table: str = "no-table-needed-to-save-a-card") -> SandboxProcessor:
    return SandboxProcessor(table)


def token_for(number: str, exp_month: int = 12, exp_year: int = 2030, cvc: str = "123") -> str:
    return tokenize(number, exp_month, exp_year, cvc, TODAY)


def revealed(value: str) -> str:
    """A token or reference with its encoded part decoded too: whatever it could be hiding."""
    _, _, encoded = value.partition("_")
    decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode(errors="replace")
    return value + "\n" + decoded


# -- the hosted card fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "brand", "last4"),
    [
        ("4242 4242 4242 4242", "visa", "4242"),
        ("4242-4242-4242-4242", "visa", "4242"),
        ("5555555555554444", "mastercard", "4444"),
        ("2223003122003222", "mastercard", "3222"),
        ("378282246310005", "amex", "0005"),
    ],
)
def test_a_test_card_becomes_a_token_that_saves_as_its_brand_last_four_and_expiry(
    number: str, brand: str, last4: str
) -> None:
    token = token_for(number, exp_month=3, exp_year=2029)
    assert token.startswith("tok_")

    saved = processor().save_card(token, BILLING)

    assert saved.card == Card(brand, last4, 3, 2029)


@pytest.mark.parametrize(
    "number", ["4242424242424242", "4000000000000077", "5555555555554444", "378282246310005"]
)
def test_neither_the_token_nor_the_saved_card_carries_the_card_number(number: str) -> None:
    token = token_for(number)
    saved = processor().save_card(token, BILLING)
    for value in (token, saved.reference):
        assert number not in revealed(value)
        assert number[:6] not in revealed(value)  # not even the issuer's prefix
        assert not contains_card_number(revealed(value))
    assert saved.reference.startswith("card_")
    assert saved.reference != token


def test_the_declining_test_card_is_refused_when_saved() -> None:
    with pytest.raises(CardDeclined) as declined:
        processor().save_card(token_for("4000 0000 0000 0002"), BILLING)
    assert str(declined.value.message) == "The card has been declined."
    assert declined.value.status == 402


def test_the_pending_test_card_saves() -> None:
    saved = processor().save_card(token_for("4000 0000 0000 0077"), BILLING)
    assert saved.card.last4 == "0077"


@pytest.mark.parametrize(
    ("number", "exp_month", "exp_year", "cvc", "message"),
    [
        ("4242 4242 4242 4241", 12, 2030, "123", "The card number is not valid."),
        ("4242 4242 4242", 12, 2030, "123", "The card number is not valid."),
        ("4242 4242 4242 424x", 12, 2030, "123", "The card number is not valid."),
        ("", 12, 2030, "123", "The card number is not valid."),
        ("4242424242424242", 12, 2030, "12", "The security code is not valid."),
        ("4242424242424242", 12, 2030, "12345", "The security code is not valid."),
        ("4242424242424242", 12, 2030, "12a", "The security code is not valid."),
        ("4242424242424242", 0, 2030, "123", "The expiry date is not valid."),
        ("4242424242424242", 13, 2030, "123", "The expiry date is not valid."),
        ("4242424242424242", 12, 2047, "123", "The expiry date is not valid."),
        ("4242424242424242", 12, 2025, "123", "The expiry date is not valid."),
        ("4242424242424242", 10, 2026, "123", "The card has expired."),
    ],
)
def test_what_the_card_form_refuses(
    number: str, exp_month: int, exp_year: int, cvc: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        tokenize(number, exp_month, exp_year, cvc, TODAY)
    assert str(refused.value.message) == message
    assert refused.value.status == 422


def test_a_card_expiring_this_month_is_accepted() -> None:
    assert token_for("4242424242424242", exp_month=TODAY.month, exp_year=TODAY.year).startswith("tok_")


@pytest.mark.parametrize(
    "token",
    ["tok_", "tok_not-base64!", "tok_" + base64.urlsafe_b64encode(b'{"b": "visa"}').decode(), "visa", ""],
)
def test_a_token_the_processor_did_not_issue_is_refused(token: str) -> None:
    with pytest.raises(InvalidCardToken):
        processor().save_card(token, BILLING)


def test_the_card_behind_a_token_is_told_before_anything_is_charged_or_saved() -> None:
    assert processor().card_of_token(token_for("5555555555554444", 3, 2029)) == Card(
        "mastercard", "4444", 3, 2029
    )
    assert processor().card_of_token("tok_pending") == Card("visa", "0077", 12, 2034)
    # A token can be for a card whose expiry has passed: telling it is the portal's part.
    expired = b'{"b": "visa", "l": "4242", "m": 1, "y": 2020, "o": "approved"}'
    crafted = "tok_" + base64.urlsafe_b64encode(expired).decode().rstrip("=")
    assert processor().card_of_token(crafted) == Card("visa", "4242", 1, 2020)
    for token in ("tok_not-base64!", "visa", processor().save_card("tok_visa", BILLING).reference):
        with pytest.raises(InvalidCardToken):
            processor().card_of_token(token)


def test_a_saved_card_reference_is_not_a_token() -> None:
    saved = processor().save_card("tok_visa", BILLING)
    with pytest.raises(InvalidCardToken):
        processor().save_card(saved.reference, BILLING)


# -- charging and settling, on the table -------------------------------------------------------------------


def test_one_idempotency_key_is_one_charge(aws: dict[str, str]) -> None:
    sandbox = processor(aws["PortalTable"])
    saved = sandbox.save_card("tok_visa", BILLING)
    metadata = {"account_id": "acct-erable", "payment_id": "PAY-ONE"}

    def charge(source: str, cents: int, key: str) -> Charge:
        return sandbox.charge(source, cents, idempotency_key=key, metadata=metadata, billing=None)

    first = charge(saved.reference, 11300, "acct/PAY-ONE")
    again = charge(saved.reference, 99, "acct/PAY-ONE")
    other = charge("tok_declined", 500, "acct/PAY-TWO")

    assert first.status is ChargeStatus.APPROVED
    assert again == first  # the first charge answered again, amount included
    assert other.status is ChargeStatus.DECLINED
    assert other.charge_id != first.charge_id
    charges = sandbox.charges()
    assert [(c["charge_id"], c["amount_cents"]) for c in charges].count((first.charge_id, 11300)) == 1
    assert len(charges) == 2


def test_the_charge_made_under_a_key_is_found_as_it_stands(aws: dict[str, str]) -> None:
    sandbox = processor(aws["PortalTable"])
    assert sandbox.charge_of_key("acct/PAY-NEVER") is None
    metadata = {"account_id": "acct-erable", "payment_id": "PAY-FOUND"}
    made = sandbox.charge(
        "tok_pending", 2500, idempotency_key="acct/PAY-FOUND", metadata=metadata, billing=None
    )

    assert sandbox.charge_of_key("acct/PAY-FOUND") == made
    sandbox.settle(made.charge_id, ChargeStatus.APPROVED, SECRET)
    found = sandbox.charge_of_key("acct/PAY-FOUND")
    assert found is not None and found.status is ChargeStatus.APPROVED


def test_charges_are_listed_in_the_order_they_were_made_even_within_one_instant(aws: dict[str, str]) -> None:
    """The list the local stack serves: a charge made later never comes before an earlier one, however
    their ids sort and whatever the clock's resolution."""
    same_instant = datetime(2026, 11, 2, 15, 4, 5, 123000, tzinfo=UTC)
    sandbox = SandboxProcessor(aws["PortalTable"], clock=lambda: same_instant)
    keys = [f"acct/PAY-{number:02d}" for number in range(12)]
    made = [
        sandbox.charge("tok_visa", 100 + n, idempotency_key=key, metadata={"n": str(n)}, billing=None)
        for n, key in enumerate(keys)
    ]
    sandbox.charge("tok_visa", 1, idempotency_key=keys[0], metadata={}, billing=None)  # a repeat: no new one

    listed = [c["charge_id"] for c in sandbox.charges()]

    assert listed == [charge.charge_id for charge in made]
    assert listed != sorted(listed), "the ids alone would give another order"


def test_a_pending_charge_settles_once_with_a_callback_the_portal_verifies(aws: dict[str, str]) -> None:
    sandbox = processor(aws["PortalTable"])
    metadata = {"account_id": "acct-erable", "payment_id": "PAY-PENDING"}
    pending = sandbox.charge(
        token_for("4000 0000 0000 0077"),
        4599,
        idempotency_key="k-pending",
        metadata=metadata,
        billing=BILLING,
    )
    approved = sandbox.charge("tok_visa", 100, idempotency_key="k-approved", metadata={}, billing=None)
    assert pending.status is ChargeStatus.PENDING
    assert sandbox.find_charge("PAY-PENDING") == pending.charge_id
    assert sandbox.find_charge("PAY-NONE") is None

    with pytest.raises(ValidationFailed):
        sandbox.settle(pending.charge_id, ChargeStatus.PENDING, SECRET)
    body, header = sandbox.settle(pending.charge_id, ChargeStatus.DECLINED, SECRET)

    settlement = verify_callback(SECRET, header, body, time.time())
    assert (settlement.charge_id, settlement.outcome, settlement.amount_cents) == (
        pending.charge_id,
        ChargeStatus.DECLINED,
        4599,
    )
    assert (settlement.account_id, settlement.payment_id) == ("acct-erable", "PAY-PENDING")
    [record] = [c for c in sandbox.charges() if c["charge_id"] == pending.charge_id]
    assert record["status"] == "declined"
    # Settled once: neither it nor a charge that never was pending settles (again).
    with pytest.raises(NotFound):
        sandbox.settle(pending.charge_id, ChargeStatus.APPROVED, SECRET)
    with pytest.raises(NotFound):
        sandbox.settle(approved.charge_id, ChargeStatus.DECLINED, SECRET)
    with pytest.raises(NotFound):
        sandbox.settle("ch_unknown", ChargeStatus.APPROVED, SECRET)
