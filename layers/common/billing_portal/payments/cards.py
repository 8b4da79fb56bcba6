"""What the portal knows of a card: the processor's reference, brand, last four digits and expiry, and the
one rule of its expiry (and how a refusal for it is worded). Card numbers and security codes never reach the
API (PCI SAQ A): the web client sends them to the processor's hosted fields and gets a token back. A request
that carries one anyway is refused before anything reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing_portal.i18n import Text, _
from billing_portal.shared.errors import ValidationFailed

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
CARD_DATA_REFUSED = _(
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
    def label(self) -> Text:
        """How the portal names the card: "Visa ending in 4242", "Visa se terminant par 4242"."""
        return card_label(self.brand, self.last4)

    @property
    def stored_label(self) -> str:
        """The label as a record keeps it (the Last Payment tile's card): in English, put back into the
        reader's words by `read_card_label`."""
        return f"{brand_name(self.brand)} ending in {self.last4}"


BRAND_NAMES = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}
_STORED_LABEL = re.compile(r"(?P<brand>.+) ending in (?P<last4>[0-9]{4})")


def brand_name(brand: str) -> str:
    """A brand as written ("Visa"), from the processor's code ("visa")."""
    return BRAND_NAMES.get(brand, brand.title())


def card_label(brand: str, last4: str) -> Text:
    """A card named by its brand (the processor's code) and its last four digits."""
    return _("{brand} ending in {last4}", brand=brand_name(brand), last4=last4)


def read_card_label(stored: str) -> Text | None:
    """A card's `stored_label` as its label; None for anything else."""
    found = _STORED_LABEL.fullmatch(stored)
    return _("{brand} ending in {last4}", brand=found["brand"], last4=found["last4"]) if found else None


# Why Auto Pay did not charge an invoice, on the failed payment its users are told of.
AUTOPAY_CARD_EXPIRED = _("The Auto Pay card has expired.")


class CardExpired(ValidationFailed):
    code = "card_expired"


def refuse_expired(card: Card, today: date, *, for_autopay: bool = False) -> None:
    """CardExpired when the card's expiry has passed on the account's day: a saved card, or a new one whose
    token is for an expired card (nothing is charged or saved then)."""
    if card.expired(today):
        expiry = f"{card.exp_month:02d}/{card.exp_year}"  # as the card shows it, in either language
        raise CardExpired(
            _(
                "This card expired at the end of {expiry}. Choose another payment method for Auto Pay.",
                expiry=expiry,
            )
            if for_autopay
            else _("This card expired at the end of {expiry}. Choose another payment method.", expiry=expiry)
        )


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


# A place in a body: None for the body itself, else (the place it is in, its key or index).
_Place = tuple[Any, str] | None


def card_data_in(value: Any, path: str = "") -> str | None:
    """Where, in a parsed JSON body, a card number or security code sits (a field path), or None: the first
    one in the body's order. Walked with a stack of its own rather than by recursion, so that no depth of
    nesting can exhaust Python's; a place is kept as a link to its parent and spelt out only when found."""
    root: _Place = (None, path) if path else None
    pending: list[tuple[str | None, Any, _Place]] = [(None, value, root)]
    while pending:
        key, current, place = pending.pop()
        if key is not None and re.sub(r"[^a-z0-9]", "", key.lower()) in CARD_DATA_FIELDS:
            return _spelt(place)
        if isinstance(current, dict):
            entries = [(str(k), inner, (place, str(k))) for k, inner in current.items()]
            pending.extend(reversed(entries))
        elif isinstance(current, list):
            items = [(None, inner, (place, str(index))) for index, inner in enumerate(current)]
            pending.extend(reversed(items))
        elif isinstance(current, str) and contains_card_number(current):
            return _spelt(place) or "body"
    return None


def _spelt(place: _Place) -> str:
    """A place as a dotted field path: `new_payment_method.billing_address.line2`."""
    steps = []
    while place is not None:
        place, step = place
        steps.append(step)
    return ".".join(reversed(steps))
