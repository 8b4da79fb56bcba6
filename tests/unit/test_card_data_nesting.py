"""The card-data check walks a body of any depth: no nesting makes it fail, and it still names the first
card field or number in the body's own order."""

from __future__ import annotations

from typing import Any

import pytest

from billing_portal.payments.cards import card_data_in

VISA = "4242 4242 4242 4242"


def buried(depth: int, inner: Any, kind: str) -> Any:
    """`inner` at the bottom of `depth` arrays or objects (built without recursion)."""
    value = inner
    for _ in range(depth):
        value = [value] if kind == "arrays" else {"a": value}
    return value


@pytest.mark.parametrize("kind", ["arrays", "objects"])
@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_a_card_number_at_the_bottom_of_any_depth_is_found(kind: str, depth: int) -> None:
    where = card_data_in({"notes": buried(depth, VISA, kind)})
    step = "0" if kind == "arrays" else "a"
    assert where == "notes" + f".{step}" * depth


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_a_deep_body_without_card_data_is_clean(kind: str) -> None:
    assert card_data_in({"notes": buried(50_000, "nothing to see", kind)}) is None


def test_the_first_card_data_in_the_bodys_order_is_named() -> None:
    body = {
        "a": [{"b": "fine"}, {"c": ["x", {"cvc": "123"}]}],
        "d": VISA,
        "cardNumber": "4000 0000 0000 0002",
    }
    assert card_data_in(body) == "a.1.c.1.cvc"
    assert card_data_in({"x": ["ok", VISA], "cvv": "1"}) == "x.1"
    assert card_data_in({"pan": "1", "x": VISA}) == "pan"
