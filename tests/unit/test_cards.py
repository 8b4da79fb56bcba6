"""What the portal knows of a card, and how it spots card data that must never reach the API: card numbers
as people type them (grouped or not), card fields under any name and at any depth."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from billing_portal.i18n.words import words_in
from billing_portal.payments.cards import (
    Card,
    card_data_in,
    contains_card_number,
    luhn_valid,
    read_card_label,
)

VISA = "4242424242424242"


# -- Luhn --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [VISA, "5555555555554444", "378282246310005", "6011111111111117", "4000000000000002", "79927398713"],
)
def test_real_card_numbers_pass_luhn(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number", ["4242424242424241", "5555555555554445", "79927398710", "1234567812345678"]
)
def test_a_mistyped_digit_fails_luhn(number: str) -> None:
    assert not luhn_valid(number)


def test_swapping_two_digits_fails_luhn() -> None:
    assert not luhn_valid("4242424242424224")


# -- card numbers in text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        VISA,
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "3782 822463 10005",  # American Express groups 4-6-5
        "pay with 4242 4242 4242 4242 please",
        "card:4242424242424242.",
    ],
)
def test_a_card_number_is_found_however_it_is_grouped(text: str) -> None:
    assert contains_card_number(text)


def test_twelve_digits_are_not_a_card_number_even_when_they_pass_luhn() -> None:
    twelve = "424242424242"
    assert luhn_valid(twelve)
    assert not contains_card_number(twelve)
    assert not contains_card_number("4242 4242 4242")


def test_twenty_digits_are_not_a_card_number_even_when_they_pass_luhn() -> None:
    twenty = "42424242424242424242"
    assert luhn_valid(twenty)
    assert not contains_card_number(twenty)


@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4241",  # sixteen digits failing Luhn
        "+1 514 555 0100",
        "INV-20261001",
        "123.45",
        "2026-11-02T15:04:05Z",
        "1250 boulevard René-Lévesque Ouest",
        "",
    ],
)
def test_ordinary_text_is_not_a_card_number(text: str) -> None:
    assert not contains_card_number(text)


@pytest.mark.parametrize("text", ["4242 4242 4242 4242 12/34", "4242 4242 4242 4242 12 34 123"])
def test_a_card_number_followed_by_its_expiry_is_found(text: str) -> None:
    assert contains_card_number(text)


# -- card data in a request body ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "number",
        "card_number",
        "cardNumber",
        "card-number",
        "CardNumber",
        "pan",
        "cvc",
        "CVV",
        "cvv2",
        "security_code",
        "securityCode",
        "card",
    ],
)
def test_a_card_field_is_found_by_its_name_whatever_its_value(field: str) -> None:
    assert card_data_in({"amount": "10.00", field: "x"}) == field


def test_a_card_field_is_found_at_any_depth() -> None:
    body = {"new_payment_method": {"extra": [{"ok": "yes"}, {"details": {"cardNumber": "4242"}}]}}
    assert card_data_in(body) == "new_payment_method.extra.1.details.cardNumber"


def test_a_card_field_in_a_list_at_the_top_is_found() -> None:
    assert card_data_in([{"cvc": "123"}]) == "0.cvc"


def test_a_card_number_under_an_innocent_name_is_found() -> None:
    body = {"new_payment_method": {"token": "tok_visa", "billing_address": {"line2": "4242 4242 4242 4242"}}}
    assert card_data_in(body) == "new_payment_method.billing_address.line2"


def test_a_card_number_as_the_whole_body_is_found() -> None:
    assert card_data_in("4242-4242-4242-4242") == "body"


def test_an_ordinary_payment_body_carries_no_card_data() -> None:
    body: dict[str, Any] = {
        "amount": "1234.56",
        "new_payment_method": {
            "token": "tok_eyJiIjogInZpc2EiLCAibCI6ICI0MjQyIn0",
            "billing_address": {
                "line1": "1250 boulevard René-Lévesque Ouest",
                "line2": "Bureau 2200",
                "city": "Montréal",
                "province": "QC",
                "postal_code": "H3B 4W8",
                "country": "CA",
            },
            "billing_email": "dana.tremblay@erable.example",
            "save": True,
        },
    }
    assert card_data_in(body) is None
    assert card_data_in({"amount": "50.00", "payment_method_id": "pm_3c9a71e0d54b28f6a1e7"}) is None
    assert card_data_in({"enabled": True, "payment_method_id": "pm_3c9a71e0d54b28f6a1e7"}) is None


# -- the card as the portal shows it ----------------------------------------------------------------------


def test_a_card_is_good_through_the_last_day_of_its_expiry_month() -> None:
    card = Card("visa", "4242", 2, 2028)
    assert not card.expired(date(2027, 12, 31))
    assert not card.expired(date(2028, 2, 1))
    assert not card.expired(date(2028, 2, 29))
    assert card.expired(date(2028, 3, 1))
    assert card.expired(date(2029, 1, 1))


def test_a_december_card_expires_with_the_new_year() -> None:
    card = Card("visa", "4242", 12, 2026)
    assert not card.expired(date(2026, 12, 31))
    assert card.expired(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("brand", "last4", "label", "french"),
    [
        ("visa", "4242", "Visa ending in 4242", "Visa se terminant par 4242"),
        ("mastercard", "4444", "Mastercard ending in 4444", "Mastercard se terminant par 4444"),
        ("amex", "0005", "American Express ending in 0005", "American Express se terminant par 0005"),
        ("discover", "1117", "Discover ending in 1117", "Discover se terminant par 1117"),
    ],
)
def test_a_card_is_named_by_its_brand_and_last_four_digits(
    brand: str, last4: str, label: str, french: str
) -> None:
    card = Card(brand, last4, 12, 2030)
    assert (words_in("en")(card.label), words_in("fr")(card.label)) == (label, french)
    # A record keeps the label in English, and it reads back in either language.
    assert card.stored_label == label
    stored = read_card_label(card.stored_label)
    assert stored is not None and words_in("fr")(stored) == french
    assert read_card_label("Bank Upload") is None
