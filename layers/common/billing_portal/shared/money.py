"""Money is integer cents inside the portal and a two-decimal string at its edges."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# ASCII digits only, the whole text: `\d` would take other scripts' digits and `$` a trailing newline.
_AMOUNT = re.compile(r"-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")


def format_cents(cents: int) -> str:
    """`12345` -> `"123.45"`, `-2000` -> `"-20.00"`."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def parse_amount(text: str) -> int:
    """`"123.45"` -> `12345`. Rejects floats' spellings: exponents, spaces, more than two decimals."""
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text):
        raise ValueError("must be an amount in dollars with at most two decimals, like 123.45")
    whole, _, frac = text.lstrip("-").partition(".")
    cents = int(whole) * 100 + int((frac + "00")[:2])
    return -cents if text.startswith("-") else cents


def percent_of(cents: int, rate: Decimal) -> int:
    """A tax or charge at `rate` (0.13 for 13 %), rounded half up to the cent as Canadian invoices do."""
    return int((Decimal(cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
