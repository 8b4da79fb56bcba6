"""What the portal knows of a card: the processor's reference, brand, last four digits and expiry. Card
numbers and security codes never reach the API (PCI SAQ A): the web client sends them to the processor's
hosted fields and gets a token back. A request that carries one anyway is refused before anything reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

# Field names a client might put a card number or security code under, compared without case or
# separators: `cardNumber`, `card_number` and `card-number` are one name.
CARD_DATA_FIELDS = frozenset(
    {
        "number",
        "cardnumber",
        "pan",
        "primaryaccountnumber",
        "cvc",
        "cvv",
        "cvv2",
        "cvc2",
        "securitycode",
        "cardcode",
        "card",
    }
)
CARD_DATA_REFUSED = (
    "card numbers and security codes are never sent to this API; send the token from the card form instead"
)
# Digits, possibly grouped by single spaces or dashes, as people type card numbers (and what follows them).
_DIGIT_GROUPS = re.compile(r"[0-9]+(?:[ -][0-9]+)*")


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    def expired(self, on: date) -> bool:
        """A card is good through the last day of its expiry month."""
        return (on.year, on.month) > (self.exp_year, self.exp_month)

    @property
    def label(self) -> str:
        """How the portal names the card: "Visa ending in 4242"."""
        return f"{BRAND_NAMES.get(self.brand, self.brand.title())} ending in {self.last4}"


BRAND_NAMES = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    """True when the text holds what looks like a payment card number: 13 to 19 digits that pass Luhn,
    written whole or in groups. Runs of whole groups are tried too, so the expiry or the security code typed
    right after the number does not hide it."""
    for found in _DIGIT_GROUPS.finditer(text):
        groups = re.split(r"[ -]", found.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    return True
    return False


def card_data_in(value: Any, path: str = "") -> str | None:
    """Where, in a parsed JSON body, a card number or security code sits (a field path), or None."""
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if re.sub(r"[^a-z0-9]", "", str(key).lower()) in CARD_DATA_FIELDS:
                return where
            found = card_data_in(inner, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = card_data_in(inner, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    elif isinstance(value, str) and contains_card_number(value):
        return path or "body"
    return None
