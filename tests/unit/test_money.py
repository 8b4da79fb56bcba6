"""Money crosses the API as two-decimal strings and is integer cents inside: no float ever rounds a cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_portal.shared.money import format_cents, parse_amount, percent_of


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_format_then_parse_gives_back_the_cents(cents: int) -> None:
    text = format_cents(cents)
    assert parse_amount(text) == cents
    whole, _, fraction = text.lstrip("-").partition(".")
    assert len(fraction) == 2
    assert whole == "0" or not whole.startswith("0")


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (12345, "123.45"),
        (-2000, "-20.00"),
        (-1, "-0.01"),
        (100000000, "1000000.00"),
    ],
)
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("123.45", 12345),
        ("0.05", 5),
        ("7", 700),
        ("7.5", 750),
        ("-20.00", -2000),
        ("-0.5", -50),  # the pattern allows one decimal and a sign: "-0.5" is minus fifty cents
        ("-0.00", 0),
        ("999999999999.99", 99999999999999),
    ],
)
def test_parse_amount_accepts_plain_decimal_spellings(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


def test_one_decimal_reads_as_tenths_and_prints_back_with_two() -> None:
    assert format_cents(parse_amount("-0.5")) == "-0.50"
    assert format_cents(parse_amount("1.5")) == "1.50"


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E3",
        "1.234",
        " 1.00",
        "1.00 ",
        "1.00\n",
        "\n1.00",
        "+1.00",
        "1,000.00",
        "01.00",
        "1.",
        ".50",
        "--1.00",
        "- 1.00",
        "NaN",
        "inf",
        "0x10",
        "1_000",
        "\u0661\u0662\u0663",  # Arabic-Indic digits: int() would read them, an amount must not
        "1\u0662.00",
        "1.\u0665\u0660",
        "7\n",
        "",
        "1000000000000.00",  # more than twelve digits of dollars
    ],
)
def test_parse_amount_rejects_other_spellings(text: str) -> None:
    with pytest.raises(ValueError, match="two decimals"):
        parse_amount(text)


@pytest.mark.parametrize("value", [1.5, 150, Decimal("1.50"), None])
def test_parse_amount_rejects_anything_but_text(value: object) -> None:
    with pytest.raises(ValueError, match="two decimals"):
        parse_amount(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "rate", "expected"),
    [
        (50, "0.13", 7),  # 6.5 cents rounds up (banker's rounding would give 6)
        (250, "0.05", 13),  # 12.5 -> 13 (banker's: 12)
        (150, "0.05", 8),  # 7.5 -> 8
        (10000, "0.09975", 998),  # 9.975 -> 9.98
        (10000, "0.13", 1300),
        (149, "0.05", 7),  # 7.45 -> 7: only the half goes up
        (0, "0.15", 0),
    ],
)
def test_percent_of_rounds_half_up_to_the_cent(cents: int, rate: str, expected: int) -> None:
    assert percent_of(cents, Decimal(rate)) == expected
