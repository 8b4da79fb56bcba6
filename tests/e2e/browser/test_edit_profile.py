"""Edit Profile in a real browser, in English (demo@example.com's account) and in French (the Québec account
of lea.bouchard@example.com), on a desktop and on a phone: reached from the user's name, the current billing
address, time zone, billing contacts and default language filled in; a postal code the API refuses, said
next to the field; a change saved and read back. Each account's profile is put back through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..conftest import FRENCH_USER, Api
from .portal import assert_accessible, screenshot, sign_in

WORDS = {
    "en": {
        "menu": "Account menu for",
        "title": "Edit Profile",
        "city": "City",
        "postal": "Postal code",
        "zone": "Time zone",
        "province": "Province or territory",
        "add": "Add a billing contact",
        "contact": "Billing contact {number}",
        "remove": "Remove billing contact {number}",
        "save": "Save changes",
        "saved": "The profile has been saved.",
        "postal_refused": "must be a Canadian postal code such as M5V 3L9",
    },
    "fr": {
        "menu": "Menu du compte de",
        "title": "Modifier le profil",
        "city": "Ville",
        "postal": "Code postal",
        "zone": "Fuseau horaire",
        "province": "Province ou territoire",
        "add": "Ajouter un contact de facturation",
        "contact": "Contact de facturation {number}",
        "remove": "Retirer le contact de facturation {number}",
        "save": "Enregistrer les changements",
        "saved": "Le profil a été enregistré.",
        "postal_refused": "M5V 3L9",
    },
}
JOURNEYS = [("desktop", "en"), ("phone", "en"), ("desktop", "fr"), ("phone", "fr")]
PROFILE_FIELDS = ("billing_address", "time_zone", "billing_contacts", "language")


@pytest.fixture
def account(api: Api, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The journey's user and their account's profile as it was, put back afterwards."""
    username = "demo@example.com" if request.param == "en" else FRENCH_USER
    token = api.login(username)["id_token"]
    before = api.get("/account", token=token)
    assert before.status == 200, before.raw
    profile = {name: before.body[name] for name in PROFILE_FIELDS}
    profile["billing_address"] = {
        key: value for key, value in profile["billing_address"].items() if value is not None
    }
    yield {"username": username, "profile": profile}
    restored = api.request("PATCH", "/account/profile", json_body=profile, token=token)
    assert restored.status == 200, restored.raw


def open_edit_profile(page: Page, words: dict[str, str]) -> None:
    page.get_by_role("button", name=re.compile(f"^{re.escape(words['menu'])} ")).click()
    page.get_by_role("banner").get_by_role("link", name=words["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])


@pytest.mark.parametrize(
    ("width", "language", "account"),
    [(width, language, language) for width, language in JOURNEYS],
    ids=[f"{language}-{width}" for width, language in JOURNEYS],
    indirect=["account"],
)
def test_edit_profile_change_and_read_back(
    page_for: Any, width: str, language: str, account: dict[str, Any]
) -> None:
    words = WORDS[language]
    profile = account["profile"]
    page = page_for(width, language)
    sign_in(page, account["username"])
    open_edit_profile(page, words)

    city = page.get_by_label(words["city"], exact=True)
    expect(city).to_have_value(profile["billing_address"]["city"])
    expect(page.get_by_label(words["postal"], exact=True)).to_have_value(
        profile["billing_address"]["postal_code"]
    )
    expect(page.get_by_role("combobox", name=words["zone"])).to_have_value(profile["time_zone"])
    expect(page.get_by_role("combobox", name=words["province"])).to_have_value(
        profile["billing_address"]["province"]
    )
    contacts = len(profile["billing_contacts"])
    for number, contact in enumerate(profile["billing_contacts"], start=1):
        expect(page.get_by_label(words["contact"].format(number=number), exact=True)).to_have_value(contact)
    assert_accessible(page)
    screenshot(page, f"edit-profile-{language}-{width}")

    # A postal code the API refuses: its words, next to the field, which takes the focus.
    postal = page.get_by_label(words["postal"], exact=True)
    postal.fill("12345")
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(postal).to_have_attribute("aria-invalid", "true")
    expect(postal).to_be_focused()
    expect(page.locator(".field-error")).to_contain_text(words["postal_refused"])
    assert_accessible(page)

    # A change: the city, a new billing contact; saved, then read again from the API.
    postal.fill(profile["billing_address"]["postal_code"])
    city.fill("Kingston")
    page.get_by_role("button", name=words["add"]).click()
    added = page.get_by_label(words["contact"].format(number=contacts + 1), exact=True)
    expect(added).to_be_focused()
    added.fill("accounts.payable@erable.example")
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status").filter(has_text=words["saved"])).to_be_visible()

    page.reload()
    expect(page.get_by_label(words["city"], exact=True)).to_have_value("Kingston")
    expect(page.get_by_label(words["contact"].format(number=contacts + 1), exact=True)).to_have_value(
        "accounts.payable@erable.example"
    )
    # And removed again, by its own button.
    page.get_by_role("button", name=words["remove"].format(number=contacts + 1)).click()
    expect(page.get_by_label(words["contact"].format(number=contacts + 1), exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=words["add"])).to_be_focused()
