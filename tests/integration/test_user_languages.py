"""English and French through the Lambda handlers against moto: each user's `language` in Manage Users and
GET /me, the account's default (PATCH /account/profile), a signed-in user's errors in their language, and
`Accept-Language` before sign-in (login, new password, refresh, sign-out, forgot and reset password)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from billing_portal.ledger.ports import PortalUser
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import outbox

from .support import Caller, Reply, account_doc, assert_error, call, posted

ERABLE = "acct-erable"  # billed in Ontario
QUEBEC = "acct-quebec"  # billed in Québec
BOSS = Caller(ERABLE, "boss@erable.example")  # reads English
LEA = Caller(QUEBEC, "lea@quebec.example")  # reads French
WEAK_PASSWORD = "short1"
USERNAME_TAKEN = {
    "en": "The username already exists. Please use a different username.",
    "fr": "Ce nom d'utilisateur existe déjà. Veuillez utiliser un autre nom d'utilisateur.",
}
CANNOT_DELETE_SELF = {
    "en": "You cannot delete your own Billing Portal user account.",
    "fr": "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation.",
}
WRONG_CREDENTIALS = {
    "en": "The username or password is incorrect.",
    "fr": "Le nom d'utilisateur ou le mot de passe est incorrect.",
}
RULES = {
    "en": [
        "The password must contain at least 15 characters.",
        "The password must contain at least 2 digits.",
        "The password must include both uppercase and lowercase letters.",
    ],
    "fr": [
        "Le mot de passe doit contenir au moins 15 caractères.",
        "Le mot de passe doit contenir au moins 2 chiffres.",
        "Le mot de passe doit comprendre des lettres majuscules et des lettres minuscules.",
    ],
}


def seed_user(table: str, caller: Caller, language: str) -> None:
    DynamoUserRecords(table).claim(
        PortalUser(
            caller.account_id,
            caller.username,
            "Léa",
            "Bouchard",
            "America/Montreal",
            True,
            "2025-01-05T14:00:00.000+00:00",
            language,  # type: ignore[arg-type]
        )
    )


@pytest.fixture
def team(aws: dict[str, str]) -> dict[str, str]:
    """An Ontario account with its English user and a Québec account with its French one."""
    posted(account_doc(ERABLE))
    posted(
        account_doc(QUEBEC, account_number="900800700", city="Montréal", province="QC", postal_code="H2X 1Y4")
    )
    seed_user(aws["PortalTable"], BOSS, "en")
    seed_user(aws["PortalTable"], LEA, "fr")
    return aws


def unique(name: str = "pat") -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@erable.example"


def new_user(username: str, **fields: Any) -> dict[str, Any]:
    return {
        "username": username,
        "first_name": "Pat",
        "last_name": "Lee",
        "time_zone": "America/Toronto",
    } | fields


def in_language(language: str | None) -> dict[str, str]:
    """The headers of a browser set to `language` (none: no Accept-Language at all)."""
    return {"Accept-Language": language} if language is not None else {}


def listed_languages(caller: Caller) -> dict[str, str]:
    reply = call("GET", "/users", caller)
    assert reply.status == 200, reply.body
    return {user["username"]: user["language"] for user in reply.body["items"]}


# -- each user's language -----------------------------------------------------------------------------------


def test_a_users_language_is_chosen_when_added_listed_changed_and_shown_by_me(team: dict[str, str]) -> None:
    username = unique()
    created = call("POST", "/users", BOSS, body=new_user(username, language="fr"))
    assert created.status == 201, created.body
    assert created.body["language"] == "fr"
    assert listed_languages(BOSS) == {BOSS.username: "en", username: "fr"}
    me = call("GET", "/me", Caller(ERABLE, username))
    assert me.status == 200, me.body
    assert me.body["language"] == "fr"

    changed = call("PATCH", f"/users/{username}", BOSS, body={"language": "en"})
    assert changed.status == 200, changed.body
    assert changed.body["language"] == "en"
    assert call("GET", "/me", Caller(ERABLE, username)).body["language"] == "en"


def test_a_user_added_without_a_language_reads_the_accounts_default(team: dict[str, str]) -> None:
    english, french = unique("sam"), unique("lea")
    assert call("POST", "/users", BOSS, body=new_user(english)).body["language"] == "en"
    assert call("POST", "/users", LEA, body=new_user(french)).body["language"] == "fr"
    [invitation] = [email for email in outbox.items() if email["to"] == [french]]
    assert invitation["subject"] == "Votre invitation au Portail de facturation"


def test_the_accounts_default_language_is_set_through_the_profile(team: dict[str, str]) -> None:
    changed = call("PATCH", "/account/profile", BOSS, body={"language": "fr"})
    assert changed.status == 200, changed.body
    assert changed.body["language"] == "fr"
    assert call("GET", "/account", BOSS).body["language"] == "fr"
    # The answer is in the reader's own language, whatever the account's default.
    refused = call("PATCH", "/account/profile", BOSS, body={"language": "de"})
    assert_error(refused, 422, "validation_failed")
    assert refused.body["details"] == [{"field": "language", "message": "must be one of: en, fr"}]

    username = unique()
    assert call("POST", "/users", BOSS, body=new_user(username)).body["language"] == "fr"


def test_a_language_other_than_en_or_fr_is_refused_in_the_readers_language(team: dict[str, str]) -> None:
    for caller, said in ((BOSS, "must be one of: en, fr"), (LEA, "doit être l'une de ces valeurs : en, fr")):
        refused = call("POST", "/users", caller, body=new_user(unique(), language="de"))
        assert_error(refused, 422, "validation_failed")
        assert refused.body["details"] == [{"field": "language", "message": said}]


# -- a signed-in user's errors in their language ----------------------------------------------------------


@pytest.mark.parametrize(("caller", "language"), [(BOSS, "en"), (LEA, "fr")], ids=["english", "french"])
def test_the_help_centres_sentences_in_the_users_language(
    team: dict[str, str], caller: Caller, language: str
) -> None:
    # Whatever the browser prefers: a signed-in user reads their own language.
    other = "fr" if language == "en" else "en"
    taken = call("POST", "/users", caller, body=new_user(BOSS.username), headers=in_language(other))
    assert_error(taken, 409, "username_taken")
    assert taken.body["message"] == USERNAME_TAKEN[language]

    yourself = call("DELETE", f"/users/{caller.username}", caller, headers=in_language(other))
    assert_error(yourself, 403, "forbidden")
    assert yourself.body["message"] == CANNOT_DELETE_SELF[language]


def test_a_missing_user_is_not_found_in_french(team: dict[str, str]) -> None:
    missing = call("PATCH", "/users/nobody@quebec.example", LEA, body={"first_name": "X"})
    assert_error(missing, 404, "not_found")
    assert missing.body["message"] == "Cet utilisateur est introuvable."


# -- before sign-in: the browser's language ----------------------------------------------------------------


def login(username: str, password: str, language: str | None) -> Reply:
    body = {"username": username, "password": password}
    return call("POST", "/auth/login", body=body, headers=in_language(language))


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("fr-CA", "fr"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en-CA,en;q=0.9,fr;q=0.8", "en"),
        ("en", "en"),
        (None, "en"),
        ("de-DE", "en"),
    ],
)
def test_a_wrong_password_is_told_in_the_language_the_browser_prefers(
    team: dict[str, str], accept_language: str | None, language: str
) -> None:
    refused = login(LEA.username, "Not-Her-Password-2026", accept_language)
    assert_error(refused, 401)
    assert refused.body["message"] == WRONG_CREDENTIALS[language]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_password_that_breaks_the_rules_is_told_in_the_browsers_language(
    team: dict[str, str], language: str
) -> None:
    body = {"username": LEA.username, "session": "s" * 40, "new_password": WEAK_PASSWORD}
    refused = call("POST", "/auth/new-password", body=body, headers=in_language(language))
    assert_error(refused, 422, "validation_failed")
    assert [detail["message"] for detail in refused.body["details"]] == RULES[language]
    assert refused.body["message"] == " ".join(RULES[language])


def test_forgot_and_reset_password_answer_in_the_browsers_language(team: dict[str, str]) -> None:
    forgot = call(
        "POST", "/auth/forgot-password", body={"username": LEA.username}, headers=in_language("fr-CA")
    )
    assert forgot.status == 202, forgot.body
    assert forgot.body["message"] == (
        "Si ce nom d'utilisateur a un compte sur le Portail de facturation, un courriel est en route : un "
        "code de vérification, ou une nouvelle invitation si la première connexion n'a jamais été terminée."
    )
    english = call("POST", "/auth/forgot-password", body={"username": LEA.username})
    assert english.body["message"].startswith("If that username has a Billing Portal account")

    reset = {"username": LEA.username, "code": "000000", "new_password": "Prairie-Wind-1867-Oak"}
    wrong_code = call("POST", "/auth/reset-password", body=reset, headers=in_language("fr"))
    assert_error(wrong_code, 422, "validation_failed")
    assert wrong_code.body["message"] == (
        "Le code de vérification est incorrect ou a expiré. Demandez-en un nouveau avec Mot de passe oublié."
    )
    weak = call(
        "POST",
        "/auth/reset-password",
        body=reset | {"new_password": WEAK_PASSWORD},
        headers=in_language("fr"),
    )
    assert [detail["message"] for detail in weak.body["details"]] == RULES["fr"]


def test_refresh_and_sign_out_refusals_are_in_the_browsers_language(team: dict[str, str]) -> None:
    expired = call("POST", "/auth/refresh", body={"refresh_token": "not-a-token"}, headers=in_language("fr"))
    assert_error(expired, 401)
    assert expired.body["message"] == "Votre session a expiré. Veuillez vous connecter de nouveau."

    malformed = call("POST", "/auth/logout", body={"refresh_token": "<script>"}, headers=in_language("fr"))
    assert_error(malformed, 422, "validation_failed")
    assert malformed.body["details"] == [
        {
            "field": "refresh_token",
            "message": "doit être de la forme : le jeton d'actualisation remis à la connexion",
        }
    ]
