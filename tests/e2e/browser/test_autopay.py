"""The dashboard's Auto Pay tiles in a real browser: Auto Pay Status (on or off, and with which card) with its
control to turn Auto Pay off and on, and Automatic Payment Method (the card and its expiry) changed to
another saved card. On the Québec account (other@example.com in English, lea.bouchard@example.com in
French), which pays by Auto Pay with its Mastercard ending in 4444: every test puts that back, and removes
the card it added, since the API's Auto Pay tests count on it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from ..conftest import FRENCH_USER, OTHER_USER, Api
from .portal import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "status_tile": "Auto Pay Status",
        "method_tile": "Automatic Payment Method",
        "on": "On",
        "off": "Off",
        "mastercard": "Mastercard ending in 4444",
        "visa": "Visa ending in 4242",
        "expires": "Expires 12/2034",
        "change": "Change the Auto Pay card",
        "choose": "Card for Auto Pay",
        "use": "Use this card",
        "changed": "Auto Pay now uses {card}.",
        "turn_off": "Turn off Auto Pay",
        "confirm_off": "Turn off Auto Pay? Your invoices will no longer be paid automatically.",
        "turned_off": "Auto Pay is off.",
        "no_method": "No card is set for Auto Pay.",
        "turn_on": "Turn on Auto Pay",
        "turned_on": "Auto Pay is on with {card}.",
    },
    "fr": {
        "status_tile": "État du paiement automatique",
        "method_tile": "Mode de paiement automatique",
        "on": "Activé",
        "off": "Désactivé",
        "mastercard": "Mastercard se terminant par 4444",
        "visa": "Visa se terminant par 4242",
        "expires": "Expiration : 12/2034",
        "change": "Changer la carte du paiement automatique",
        "choose": "Carte pour le paiement automatique",
        "use": "Utiliser cette carte",
        "changed": "Le paiement automatique utilise maintenant la carte {card}.",
        "turn_off": "Désactiver le paiement automatique",
        "confirm_off": "Désactiver le paiement automatique? Vos factures ne seront plus payées "
        "automatiquement.",
        "turned_off": "Le paiement automatique est désactivé.",
        "no_method": "Aucune carte n'est associée au paiement automatique.",
        "turn_on": "Activer le paiement automatique",
        "turned_on": "Le paiement automatique est activé avec la carte {card}.",
    },
}
USERS = {"en": OTHER_USER, "fr": FRENCH_USER}
SCREENS = [pytest.param("desktop", "en", id="desktop-en"), pytest.param("phone", "fr", id="phone-fr")]


def autopay_of(api: Api, token: str) -> dict[str, Any]:
    answer = api.get("/account", token=token)
    assert answer.status == 200, answer.raw
    autopay: dict[str, Any] = answer.body["autopay"]
    return autopay


@pytest.fixture
def autopay_kept(api: Api, other_token: str) -> Iterator[dict[str, Any]]:
    """The account's Auto Pay as the demo data has it (on, with the Mastercard), put back after the test."""
    before = autopay_of(api, other_token)
    assert before["enabled"], "the Québec account pays by Auto Pay"
    yield before
    restored = api.request(
        "PUT",
        "/autopay",
        json_body={"enabled": True, "payment_method_id": before["payment_method"]["id"]},
        token=other_token,
    )
    assert restored.status == 200, restored.raw


@pytest.fixture
def second_card(api: Api, other_token: str, autopay_kept: dict[str, Any]) -> Iterator[str]:
    """A Visa ending in 4242 saved next to the Mastercard (through the processor's token, as the payment
    page saves one), removed after the test, once Auto Pay is back on the Mastercard."""
    tokenized = api.post(
        "/_local/processor/tokenize",
        {"number": "4242424242424242", "exp_month": 8, "exp_year": 2031, "cvc": "123"},
    )
    assert tokenized.status == 201, tokenized.raw
    saved = api.post("/payment-methods", {"token": tokenized.body["token"]}, token=other_token)
    assert saved.status == 201, saved.raw
    method_id: str = saved.body["id"]
    yield method_id
    api.request(
        "PUT",
        "/autopay",
        json_body={"enabled": True, "payment_method_id": autopay_kept["payment_method"]["id"]},
        token=other_token,
    )
    removed = api.request("DELETE", f"/payment-methods/{method_id}", token=other_token)
    assert removed.status == 204, removed.raw


def tiles(page_for: Callable[..., Page], width: str, language: str) -> tuple[Page, Locator, Locator]:
    page = page_for(width, language)
    sign_in(page, USERS[language])
    words = WORDS[language]
    status = page.get_by_role("region", name=words["status_tile"], exact=True)
    method = page.get_by_role("region", name=words["method_tile"], exact=True)
    expect(status).to_be_visible()
    return page, status, method


@pytest.mark.parametrize(("width", "language"), SCREENS)
def test_the_auto_pay_card_is_changed_on_the_dashboard_and_changed_back(
    page_for: Callable[..., Page],
    api: Api,
    other_token: str,
    autopay_kept: dict[str, Any],
    second_card: str,
    width: str,
    language: str,
) -> None:
    words = WORDS[language]
    page, status, method = tiles(page_for, width, language)
    expect(status.locator(".figure")).to_have_text(words["on"])
    expect(status).to_contain_text(words["mastercard"])
    expect(method.locator(".figure")).to_have_text(words["mastercard"])
    expect(method).to_contain_text(words["expires"])
    assert_accessible(page)
    screenshot(page, f"autopay-tiles-{width}-{language}")

    method.get_by_role("button", name=words["change"], exact=True).click()
    cards = method.get_by_role("group", name=words["choose"], exact=True)
    expect(cards.get_by_role("radio", name=re.compile("^" + words["mastercard"]))).to_be_checked()
    expect(cards.get_by_role("radio", name=re.compile("^" + words["mastercard"]))).to_be_focused()
    cards.get_by_role("radio", name=re.compile("^" + words["visa"])).check()
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    screenshot(page, f"autopay-choose-card-{width}-{language}")
    method.get_by_role("button", name=words["use"], exact=True).click()

    expect(method.get_by_role("status")).to_have_text(words["changed"].format(card=words["visa"]))
    expect(method.locator(".figure")).to_have_text(words["visa"])
    expect(status).to_contain_text(words["visa"])
    expect(method.get_by_role("button", name=words["change"], exact=True)).to_be_focused()
    assert autopay_of(api, other_token)["payment_method"]["id"] == second_card

    # And back, the same way.
    method.get_by_role("button", name=words["change"], exact=True).click()
    method.get_by_role("radio", name=re.compile("^" + words["mastercard"])).check()
    method.get_by_role("button", name=words["use"], exact=True).click()
    expect(method.get_by_role("status")).to_have_text(words["changed"].format(card=words["mastercard"]))
    expect(method.locator(".figure")).to_have_text(words["mastercard"])
    assert autopay_of(api, other_token) == autopay_kept


@pytest.mark.parametrize(("width", "language"), SCREENS)
def test_auto_pay_is_turned_off_and_on_again(
    page_for: Callable[..., Page],
    api: Api,
    other_token: str,
    autopay_kept: dict[str, Any],
    width: str,
    language: str,
) -> None:
    words = WORDS[language]
    page, status, method = tiles(page_for, width, language)

    status.get_by_role("button", name=words["turn_off"], exact=True).click()
    confirm = status.get_by_role("group", name=words["confirm_off"], exact=True)
    expect(confirm.get_by_role("button", name=words["turn_off"], exact=True)).to_be_focused()
    assert_accessible(page)
    confirm.get_by_role("button", name=words["turn_off"], exact=True).click()

    expect(status.get_by_role("status")).to_have_text(words["turned_off"])
    expect(status.locator(".figure")).to_have_text(words["off"])
    expect(method).to_contain_text(words["no_method"])
    assert autopay_of(api, other_token) == {"enabled": False, "payment_method": None}
    assert_accessible(page)
    screenshot(page, f"autopay-off-{width}-{language}")

    status.get_by_role("button", name=words["turn_on"], exact=True).click()
    expect(status.get_by_role("radio", name=re.compile("^" + words["mastercard"]))).to_be_checked()
    status.get_by_role("button", name=words["turn_on"], exact=True).click()

    expect(status.get_by_role("status")).to_have_text(words["turned_on"].format(card=words["mastercard"]))
    expect(status.locator(".figure")).to_have_text(words["on"])
    expect(method.locator(".figure")).to_have_text(words["mastercard"])
    assert autopay_of(api, other_token) == autopay_kept
