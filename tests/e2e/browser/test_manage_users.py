"""Manage Users in a real browser, as the help centre describes it, in English and in French, on a desktop and
on a phone: reached from the user's name in the top right corner, the account's users oldest first (the
first is the top user); New User, edit with the pencil, delete with the trash can once the person answers
Yes; the article's sentences for a taken username and for deleting yourself.

Each journey is made by a user of its own (added through the API to demo@example.com's account, with their
own password), who adds, edits and deletes a user of its own: demo@example.com's users are left as they were.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..conftest import Api
from .portal import assert_accessible, screenshot, sign_in

PASSWORD = "Granite-Harbour-2026-Tide"
EMAIL_WAIT_SECONDS = 30
USERNAME_TAKEN = {
    "en": "The username already exists. Please use a different username.",
    "fr": "Ce nom d'utilisateur existe déjà. Veuillez utiliser un autre nom d'utilisateur.",
}
CANNOT_DELETE_SELF = {
    "en": "You cannot delete your own Billing Portal user account.",
    "fr": "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation.",
}
WORDS = {
    "en": {
        "menu": "Account menu for",
        "manage": "Manage Users",
        "new": "New User",
        "username": "Username",
        "first": "First name",
        "last": "Last name",
        "zone": "Time zone",
        "language": "Language",
        "notifications": "Billing notifications",
        "save": "Save",
        "cancel": "Cancel",
        "edit": "Edit {name}",
        "delete": "Delete {name}",
        "yes": "Yes",
        "no": "No",
        "top": "Top user",
        "added": "{name} was added.",
        "updated": "{name} was updated.",
        "deleted": "{name} was deleted.",
        "french": "French",
        "on": "On",
    },
    "fr": {
        "menu": "Menu du compte de",
        "manage": "Gérer les utilisateurs",
        "new": "Nouvel utilisateur",
        "username": "Nom d'utilisateur",
        "first": "Prénom",
        "last": "Nom de famille",
        "zone": "Fuseau horaire",
        "language": "Langue",
        "notifications": "Avis de facturation",
        "save": "Enregistrer",
        "cancel": "Annuler",
        "edit": "Modifier {name}",
        "delete": "Supprimer {name}",
        "yes": "Oui",
        "no": "Non",
        "top": "Utilisateur principal",
        "added": "Utilisateur ajouté : {name}.",
        "updated": "Utilisateur mis à jour : {name}.",
        "deleted": "Utilisateur supprimé : {name}.",
        "french": "Français",
        "on": "Activés",
    },
}
JOURNEYS = [("desktop", "en"), ("phone", "en"), ("desktop", "fr"), ("phone", "fr")]


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@erable.example"


def temporary_password(api: Api, username: str) -> str:
    """The temporary password of the welcome email (its English or French text)."""
    deadline = time.monotonic() + EMAIL_WAIT_SECONDS
    pattern = re.compile(r"(?:Temporary password|Mot de passe temporaire)\s*:\s*(\S+)")
    while True:
        for email in reversed(api.get("/_local/outbox").body["items"]):
            found = username in email["to"] and pattern.search(email["text"] or "")
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, f"no welcome email to {username}"
        time.sleep(0.2)


def delete_user(api: Api, username: str, token: str) -> None:
    api.request("DELETE", f"/users/{username}", token=token)


@pytest.fixture
def colleague(api: Api, demo_token: str, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A user of demo@example.com's account, in the journey's language, who has chosen PASSWORD."""
    language = request.param
    first, last = ("Noor", "Haddad") if language == "en" else ("Élodie", "Tremblay")
    username = unique("manager")
    body = {
        "username": username,
        "first_name": first,
        "last_name": last,
        "time_zone": "America/Toronto",
        "notifications_enabled": False,
        "language": language,
    }
    created = api.post("/users", body, token=demo_token)
    assert created.status == 201, created.raw
    try:
        challenge = api.post(
            "/auth/login", {"username": username, "password": temporary_password(api, username)}
        )
        assert challenge.status == 200 and challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED", (
            challenge.raw
        )
        chosen = api.post(
            "/auth/new-password",
            {"username": username, "session": challenge.body["session"], "new_password": PASSWORD},
        )
        assert chosen.status == 200, chosen.raw
        yield {**body, "name": f"{first} {last}"}
    finally:
        delete_user(api, username, demo_token)


def open_manage_users(page: Page, words: dict[str, str]) -> None:
    """From the user's name in the top right corner, as the article says."""
    page.get_by_role("button", name=re.compile(f"^{re.escape(words['menu'])} ")).click()
    page.get_by_role("banner").get_by_role("link", name=words["manage"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["manage"])


def fill_new_user(page: Page, words: dict[str, str], username: str, first: str, last: str) -> None:
    form = page.get_by_role("form", name=words["new"])
    form.get_by_label(words["username"], exact=True).fill(username)
    form.get_by_label(words["first"], exact=True).fill(first)
    form.get_by_label(words["last"], exact=True).fill(last)
    form.get_by_role("combobox", name=words["zone"]).select_option("America/Halifax")
    form.get_by_role("combobox", name=words["language"]).select_option("fr")
    form.get_by_role("checkbox", name=words["notifications"]).check()


@pytest.mark.parametrize(
    ("width", "language", "colleague"),
    [(width, language, language) for width, language in JOURNEYS],
    ids=[f"{language}-{width}" for width, language in JOURNEYS],
    indirect=["colleague"],
)
def test_manage_users_add_edit_delete(
    page_for: Any, api: Api, demo_token: str, width: str, language: str, colleague: dict[str, Any]
) -> None:
    words = WORDS[language]
    page = page_for(width, language)
    sign_in(page, colleague["username"], PASSWORD)
    open_manage_users(page, words)

    table = page.get_by_role("table")
    rows = table.locator("tbody tr")
    first_row = rows.first
    expect(first_row).to_contain_text("demo@example.com")
    expect(first_row).to_contain_text(words["top"])
    expect(rows.last).to_contain_text(colleague["username"])  # oldest first: the newest is last
    assert_accessible(page)
    screenshot(page, f"manage-users-{language}-{width}")

    newcomer = unique("pat")
    try:
        # New User, saved with the green checkmark.
        page.get_by_role("button", name=words["new"], exact=True).click()
        fill_new_user(page, words, newcomer, "Pat", "Lee")
        assert_accessible(page)
        screenshot(page, f"manage-users-new-{language}-{width}")
        page.get_by_role("button", name=words["save"]).click()
        expect(
            page.get_by_role("status").filter(has_text=words["added"].format(name="Pat Lee"))
        ).to_be_visible()
        added = rows.filter(has_text=newcomer)
        expect(added).to_contain_text("Pat Lee")
        expect(added).to_contain_text(words["french"])
        expect(added).to_contain_text(words["on"])
        expect(rows.last).to_contain_text(newcomer)

        # The pencil: the same form, the username read-only.
        page.get_by_role("button", name=words["edit"].format(name="Pat Lee")).click()
        form = page.get_by_role("form", name=words["edit"].format(name="Pat Lee"))
        expect(form.get_by_label(words["username"], exact=True)).to_have_attribute("readonly", "")
        form.get_by_label(words["first"], exact=True).fill("Patricia")
        form.get_by_role("button", name=words["save"]).click()
        expect(
            page.get_by_role("status").filter(has_text=words["updated"].format(name="Patricia Lee"))
        ).to_be_visible()
        expect(rows.filter(has_text=newcomer)).to_contain_text("Patricia Lee")

        # The same username again: the article's sentence, as the API says it.
        page.get_by_role("button", name=words["new"], exact=True).click()
        fill_new_user(page, words, newcomer, "Pat", "Again")
        page.get_by_role("button", name=words["save"]).click()
        expect(page.get_by_role("alert")).to_have_text(USERNAME_TAKEN[language])
        assert_accessible(page)
        page.get_by_role("button", name=words["cancel"]).click()
        expect(page.get_by_role("button", name=words["new"], exact=True)).to_be_focused()

        # The trash can, then No: nothing happens; then Yes: the user is gone.
        page.get_by_role("button", name=words["delete"].format(name="Patricia Lee")).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("button", name=words["no"], exact=True)).to_be_focused()
        assert_accessible(page)
        screenshot(page, f"manage-users-delete-{language}-{width}")
        dialog.get_by_role("button", name=words["no"], exact=True).click()
        expect(dialog).to_be_hidden()
        expect(rows.filter(has_text=newcomer)).to_have_count(1)
        trash = page.get_by_role("button", name=words["delete"].format(name="Patricia Lee"))
        expect(trash).to_be_focused()
        page.keyboard.press("Enter")  # the keyboard alone: Enter opens the question, Escape answers No
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(trash).to_be_focused()
        page.get_by_role("button", name=words["delete"].format(name="Patricia Lee")).click()
        page.get_by_role("dialog").get_by_role("button", name=words["yes"], exact=True).click()
        expect(
            page.get_by_role("status").filter(has_text=words["deleted"].format(name="Patricia Lee"))
        ).to_be_visible()
        expect(rows.filter(has_text=newcomer)).to_have_count(0)

        # Deleting yourself: the article's sentence, and you are still listed.
        page.get_by_role("button", name=words["delete"].format(name=colleague["name"])).click()
        page.get_by_role("dialog").get_by_role("button", name=words["yes"], exact=True).click()
        expect(page.get_by_role("alert")).to_have_text(CANNOT_DELETE_SELF[language])
        expect(rows.filter(has_text=colleague["username"])).to_have_count(1)
        assert_accessible(page)
    finally:
        delete_user(api, newcomer, demo_token)
