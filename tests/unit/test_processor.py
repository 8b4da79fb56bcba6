"""The processor's callback, as the portal checks it before anything changes: signed with the shared secret
(`Processor-Signature: t=<unix>,v1=<hex>`), fresh, and a settlement of a charge this API understands."""

from __future__ import annotations

import json
from typing import Any

import pytest

from billing_portal.payments.cards import Card
from billing_portal.payments.processor import (
    CALLBACK_TOLERANCE_SECONDS,
    CallbackRefused,
    Charge,
    ChargeStatus,
    callback_body,
    signature_header,
    verify_callback,
)

SECRET = b"whsec_unit_tests"
SENT_AT = 1_793_631_845  # 2026-11-02T15:04:05Z
METADATA = {"account_id": "acct-erable", "payment_id": "PAY-3EEV5P4GMWRD5SMH"}


def settled(outcome: ChargeStatus = ChargeStatus.APPROVED, amount_cents: int = 11300) -> bytes:
    charge = Charge("ch_9d2b0ebf0da913d56bcd482b", outcome, amount_cents, Card("visa", "0077", 12, 2034))
    return callback_body("evt_1", charge, METADATA, SENT_AT)


def signed(body: bytes, timestamp: int = SENT_AT, secret: bytes = SECRET) -> str:
    return signature_header(secret, timestamp, body)


def event(**changes: Any) -> dict[str, Any]:
    """The callback's JSON with some fields replaced (None removes one)."""
    parsed: dict[str, Any] = json.loads(settled())
    for path, value in changes.items():
        *parents, name = path.split("__")
        target = parsed
        for parent in parents:
            target = target[parent]
        if value is None:
            del target[name]
        else:
            target[name] = value
    return parsed


def test_a_correctly_signed_fresh_callback_is_read() -> None:
    body = settled(ChargeStatus.DECLINED, 4599)
    header = signed(body)

    settlement = verify_callback(SECRET, header, body, now=SENT_AT + 2)

    assert settlement.event_id == "evt_1"
    assert settlement.charge_id == "ch_9d2b0ebf0da913d56bcd482b"
    assert settlement.outcome is ChargeStatus.DECLINED
    assert settlement.amount_cents == 4599
    assert (settlement.account_id, settlement.payment_id) == (METADATA["account_id"], METADATA["payment_id"])
    assert settlement.signature == header.rpartition("v1=")[2]


def test_the_header_may_carry_surrounding_spaces() -> None:
    body = settled()
    assert verify_callback(SECRET, f"  {signed(body)} ", body, now=SENT_AT).outcome is ChargeStatus.APPROVED


def test_a_callback_at_the_edge_of_the_tolerance_is_read() -> None:
    body = settled()
    header = signed(body)
    assert verify_callback(SECRET, header, body, now=SENT_AT + CALLBACK_TOLERANCE_SECONDS)
    assert verify_callback(SECRET, header, body, now=SENT_AT - CALLBACK_TOLERANCE_SECONDS)


# -- forged or garbled -------------------------------------------------------------------------------------


def test_a_signature_made_with_another_secret_is_refused() -> None:
    body = settled()
    with pytest.raises(CallbackRefused) as refused:
        verify_callback(SECRET, signed(body, secret=b"whsec_someone_else"), body, now=SENT_AT)
    assert refused.value.status == 400


def test_a_body_changed_after_signing_is_refused() -> None:
    body = settled(amount_cents=100)
    header = signed(body)
    tampered = body.replace(b'"amount":100', b'"amount":100000')
    assert tampered != body
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, header, tampered, now=SENT_AT)


def test_a_signature_moved_to_another_timestamp_is_refused() -> None:
    body = settled()
    digest = signed(body).rpartition("v1=")[2]
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, f"t={SENT_AT + 60},v1={digest}", body, now=SENT_AT + 60)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=1793631845",
        "v1=" + "0" * 64,
        "t=abc,v1=" + "0" * 64,
        "t=1793631845,v1=xyz",
        "t=1793631845,v1=" + "0" * 63,
        "v1={digest},t=1793631845",
        "t=1793631845,v1={digest},v0=abc",
        "t=1793631845,v1={upper}",
        "sha256={digest}",
    ],
)
def test_a_missing_or_garbled_header_is_refused(header: str | None) -> None:
    body = settled()
    digest = signed(body).rpartition("v1=")[2]
    filled = None if header is None else header.format(digest=digest, upper=digest.upper())
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, filled, body, now=SENT_AT)


@pytest.mark.parametrize(
    "now",
    [
        SENT_AT + CALLBACK_TOLERANCE_SECONDS + 1,
        SENT_AT + 24 * 3600,
        SENT_AT - CALLBACK_TOLERANCE_SECONDS - 1,
        SENT_AT - 24 * 3600,
    ],
    ids=["stale", "a day old", "from the future", "a day ahead"],
)
def test_a_callback_outside_the_tolerance_is_refused_however_well_signed(now: int) -> None:
    body = settled()
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, signed(body), body, now=now)


# -- well signed, but not a settlement ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"data__outcome": "pending"},
        {"data__outcome": "refunded"},
        {"type": "charge.created"},
        {"type": None},
        {"id": None},
        {"id": ""},
        {"data": None},
        {"data__charge_id": None},
        {"data__outcome": None},
        {"data__amount": None},
        {"data__metadata": None},
        {"data__metadata__payment_id": None},
        {"data__metadata__account_id": None},
        {"data__metadata__account_id": 42},
        {"data__amount": "113.00"},
        {"data__amount": 113.0},
        {"data__amount": True},
        {"data__amount": 0},
        {"data__amount": -11300},
    ],
    ids=lambda changes: ",".join(f"{k}={v!r}" for k, v in changes.items()),
)
def test_a_signed_body_that_is_not_a_settlement_is_refused(changes: dict[str, Any]) -> None:
    body = json.dumps(event(**changes)).encode()
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, signed(body), body, now=SENT_AT)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"charge.settled"', b"null", b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(CallbackRefused):
        verify_callback(SECRET, signed(body), body, now=SENT_AT)
