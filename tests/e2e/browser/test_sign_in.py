"""Signing in, in a real browser, in English and in French, on a desktop and on a phone: sign in and sign out,
a wrong password said plainly, a page that needs a session sending the person to sign in and back; the first
sign-in of a user added by a colleague (a password that breaks the rules, then one that keeps them); and
Forgot Password, then the reset with the code from the email.

The first sign-in and the reset are made by users of their own, added through the API to demo@example.com's
account and deleted at the end."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..conftest import Api
from .portal import DASHBOARD_HEADING, DEMO_PASSWORD, assert_accessible, screenshot, sign_in

EMAIL_WAIT_SECONDS = 30
FIRST_PASSWORD = "Cedar-Lantern-2026-Brook"
RESET_PASSWORD = "Northern-Aurora-1867-Lake"
WIDTHS = ["desktop", "phone"]
LANGUAGES = ["en", "fr"]
USERS = {
    "en": ("demo@example.com", "Account menu for"),
    "fr": ("lea.bouchard@example.com", "Menu du compte de"),
}
WORDS = {
    "en": {
        "title": "Sign in",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "wrong": "The username or password is incorrect.",
        "sign_out": "Sign out",
        "signed_out": "You are signed out.",
        "forgot": "Forgot Password?",
        "new_title": "Choose a new password",
        "new_password": "New password",
        "save_password": "Save my password",
        "not_yet": "Your password does not meet every rule yet.",
        "met": "(met)",
        "unmet": "(not met yet)",
        "rule_length": "contain at least 15 characters",
        "rule_digits": "contain at least 2 digits",
        "space": "The password must not begin or end with a space.",
        "forgot_title": "Forgot Password",
        "send_code": "Email me a code",
        "enter_code": "Enter the code",
        "reset_title": "Reset your password",
        "code": "Verification code",
        "reset": "Reset my password",
        "reset_done": "Your password has been reset. Sign in with your new password.",
    },
    "fr": {
        "title": "Connexion",
        "username": "Nom d'utilisateur",
        "password": "Mot de passe",
        "submit": "Se connecter",
        "wrong": "Le nom d'utilisateur ou le mot de passe est incorrect.",
        "sign_out": "Se déconnecter",
        "signed_out": "Vous êtes déconnecté.",
        "forgot": "Mot de passe oublié?",
        "new_title": "Choisissez un nouveau mot de passe",
        "new_password": "Nouveau mot de passe",
        "save_password": "Enregistrer mon mot de passe",
        "not_yet": "Votre mot de passe ne respecte pas encore toutes les règles.",
        "met": "(respectée)",
        "unmet": "(pas encore respectée)",
        "rule_length": "contenir au moins 15 caractères",
        "rule_digits": "contenir au moins 2 chiffres",
        "space": "Le mot de passe ne doit pas commencer ni se terminer par une espace.",
        "forgot_title": "Mot de passe oublié",
        "send_code": "M'envoyer un code",
        "enter_code": "Entrer le code",
        "reset_title": "Réinitialisez votre mot de passe",
        "code": "Code de vérification",
        "reset": "Réinitialiser mon mot de passe",
        "reset_done": (
            "Votre mot de passe a été réinitialisé. Connectez-vous avec votre nouveau mot de passe."
        ),
    },
}
EVERY_WAY = [(width, language) for language in LANGUAGES for width in WIDTHS]
EVERY_WAY_IDS = [f"{language}-{width}" for width, language in EVERY_WAY]


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@erable.example"


def emailed(api: Api, username: str, pattern: str, after: int = 0) -> str:
    """A value of the newest email to the username sent after the first `after` ones (English or French)."""
    deadline = time.monotonic() + EMAIL_WAIT_SECONDS
    while True:
        for email in reversed(api.get("/_local/outbox").body["items"][after:]):
            found = username in email["to"] and re.search(pattern, email["text"] or "")
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, f"no email to {username} with {pattern}"
        time.sleep(0.2)


def outbox_size(api: Api) -> int:
    return len(api.get("/_local/outbox").body["items"])


TEMPORARY = r"(?:Temporary password|Mot de passe temporaire)\s*:\s*(\S+)"
CODE = r"(?:verification code|code de vérification)\s*:\s*(\d+)"


@pytest.fixture
def newcomer(api: Api, demo_token: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A user just added to demo@example.com's account in the journey's language, with the welcome email."""
    username = unique("newcomer")
    body = {
        "username": username,
        "first_name": "Sam",
        "last_name": "Okoye",
        "time_zone": "America/Winnipeg",
        "notifications_enabled": False,
        "language": request.param,
    }
    created = api.post("/users", body, token=demo_token)
    assert created.status == 201, created.raw
    yield username
    api.request("DELETE", f"/users/{username}", token=demo_token)


def open_user_menu(page: Page, language: str) -> None:
    page.get_by_role("button", name=re.compile(f"^{re.escape(USERS[language][1])} ")).click()


@pytest.mark.parametrize(("width", "language"), EVERY_WAY, ids=EVERY_WAY_IDS)
def test_sign_in_and_sign_out(page_for: Any, width: str, language: str) -> None:
    words = WORDS[language]
    page = page_for(width, language)
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    expect(page.get_by_role("link", name=words["forgot"])).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"sign-in-{language}-{width}")

    sign_in(page, USERS[language][0])
    expect(page).to_have_url(re.compile(r"/$"))
    open_user_menu(page, language)
    page.get_by_role("button", name=words["sign_out"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    expect(page.get_by_role("status").filter(has_text=words["signed_out"])).to_be_visible()
    # Signed out: the portal's pages ask to sign in again.
    page.goto("/manage-users")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])


@pytest.mark.parametrize(("width", "language"), EVERY_WAY, ids=EVERY_WAY_IDS)
def test_a_wrong_password_is_said_plainly(page_for: Any, width: str, language: str) -> None:
    words = WORDS[language]
    page = page_for(width, language)
    page.goto("/sign-in")
    page.get_by_label(words["username"], exact=True).fill(USERS[language][0])
    page.get_by_label(words["password"], exact=True).fill("Not-The-Password-2026")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(words["wrong"])
    expect(page.get_by_label(words["password"], exact=True)).to_have_value("")
    assert_accessible(page)
    screenshot(page, f"sign-in-wrong-password-{language}-{width}")


def test_the_page_asked_for_opens_after_sign_in(page_for: Any) -> None:
    page = page_for("desktop", "en")
    page.goto("/manage-users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username", exact=True).fill("demo@example.com")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Users")


@pytest.mark.parametrize(
    ("width", "language", "newcomer"),
    [("desktop", "en", "en"), ("phone", "fr", "fr")],
    ids=["en-desktop", "fr-phone"],
    indirect=["newcomer"],
)
def test_first_sign_in_chooses_a_password_that_keeps_the_rules(
    page_for: Any, api: Api, width: str, language: str, newcomer: str
) -> None:
    words = WORDS[language]
    page = page_for(width, language)
    page.goto("/sign-in")
    page.get_by_label(words["username"], exact=True).fill(newcomer)
    page.get_by_label(words["password"], exact=True).fill(emailed(api, newcomer, TEMPORARY))
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["new_title"])
    expect(page).to_have_url(re.compile(r"/sign-in/new-password$"))  # the session is not in the address

    rules = page.locator(".password-rules li")
    expect(rules).to_have_count(4)
    password = page.get_by_label(words["new_password"], exact=True)
    password.fill("Short-1")
    expect(rules.filter(has_text=words["rule_length"])).to_contain_text(words["unmet"])
    expect(rules.filter(has_text=words["rule_digits"])).to_contain_text(words["unmet"])
    password.fill("Short-12")
    expect(rules.filter(has_text=words["rule_digits"])).to_contain_text(words["met"])
    page.get_by_role("button", name=words["save_password"]).click()
    expect(page.get_by_role("status").filter(has_text=words["not_yet"])).to_have_count(1)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_be_focused()
    assert_accessible(page)
    screenshot(page, f"new-password-{language}-{width}")

    # A rule only the API checks: its refusal says which one, next to the field.
    password.fill(f" {FIRST_PASSWORD}")
    page.get_by_role("button", name=words["save_password"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["space"])
    expect(page.locator(".field-error")).to_have_text(words["space"])

    password.fill(FIRST_PASSWORD)
    for rule in range(4):
        expect(rules.nth(rule)).to_contain_text(words["met"])
    page.get_by_role("button", name=words["save_password"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DASHBOARD_HEADING)

    signed_in = api.post("/auth/login", {"username": newcomer, "password": FIRST_PASSWORD})
    assert signed_in.status == 200 and signed_in.body["id_token"], signed_in.raw


@pytest.mark.parametrize(
    ("width", "language", "newcomer"),
    [("phone", "en", "en"), ("desktop", "fr", "fr")],
    ids=["en-phone", "fr-desktop"],
    indirect=["newcomer"],
)
def test_forgot_password_then_reset_with_the_emailed_code(
    page_for: Any, api: Api, width: str, language: str, newcomer: str
) -> None:
    words = WORDS[language]
    challenge = api.post("/auth/login", {"username": newcomer, "password": emailed(api, newcomer, TEMPORARY)})
    chosen = api.post(
        "/auth/new-password",
        {"username": newcomer, "session": challenge.body["session"], "new_password": FIRST_PASSWORD},
    )
    assert chosen.status == 200, chosen.raw

    page = page_for(width, language)
    page.goto("/sign-in")
    page.get_by_role("link", name=words["forgot"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["forgot_title"])
    assert_accessible(page)
    screenshot(page, f"forgot-password-{language}-{width}")

    # Someone without an account sees the very same confirmation.
    page.get_by_label(words["username"], exact=True).fill(unique("nobody"))
    page.get_by_role("button", name=words["send_code"]).click()
    nobody_said = page.locator(".confirmation .notice")
    expect(nobody_said).to_be_visible()
    said_to_nobody = nobody_said.inner_text()

    page.goto("/forgot-password")
    before = outbox_size(api)
    page.get_by_label(words["username"], exact=True).fill(newcomer)
    page.get_by_role("button", name=words["send_code"]).click()
    expect(page.locator(".confirmation .notice")).to_have_text(said_to_nobody)
    assert_accessible(page)
    page.get_by_role("link", name=words["enter_code"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["reset_title"])
    expect(page.get_by_label(words["username"], exact=True)).to_have_value(newcomer)
    page.get_by_label(words["code"], exact=True).fill(emailed(api, newcomer, CODE, after=before))
    password = page.get_by_label(words["new_password"], exact=True)
    password.fill("weakpassword")
    page.get_by_role("button", name=words["reset"]).click()
    expect(page.get_by_role("status").filter(has_text=words["not_yet"])).to_have_count(1)
    assert_accessible(page)
    screenshot(page, f"reset-password-{language}-{width}")

    password.fill(RESET_PASSWORD)
    page.get_by_role("button", name=words["reset"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    expect(page.get_by_role("status").filter(has_text=words["reset_done"])).to_be_visible()
    expect(page.get_by_label(words["username"], exact=True)).to_have_value(newcomer)
    sign_in(page, newcomer, RESET_PASSWORD)
