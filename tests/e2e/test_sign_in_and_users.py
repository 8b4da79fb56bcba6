"""Sign-in and Manage Users over HTTP against the local stack, as a person using the portal would go through
them: a user added by a colleague reads the welcome email, signs in with the temporary password, chooses a
password (each broken rule refused with its reason), forgets it and resets it with the emailed code; users
are listed, edited and deleted, a deleted username stays taken, and nobody deletes themselves.

The stack is shared by the whole session, so every user made here has a username of its own."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from typing import Any

import pytest

from localrun import template

from .conftest import DEMO_USER, FRENCH_USER, OTHER_USER, Answer, Api

pytestmark = pytest.mark.e2e

DEMO_COLLEAGUE = "marc.okafor@example.com"
USERNAME_TAKEN = "The username already exists. Please use a different username."
CANNOT_DELETE_SELF = "You cannot delete your own Billing Portal user account."
CHOSEN_PASSWORD = "Maple-Leaf-2026-Snow"
NEW_PASSWORD = "Prairie-Wind-1867-Oak"
RULES = {
    "length": "The password must contain at least 15 characters.",
    "digits": "The password must contain at least 2 digits.",
    "case": "The password must include both uppercase and lowercase letters.",
    "username": "The password must not contain your username.",
}


# -- helpers -----------------------------------------------------------------------------------------------


def unique(name: str = "pat") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@erable.example"


def new_user(username: str, **fields: Any) -> dict[str, Any]:
    return {
        "username": username,
        "first_name": "Pat",
        "last_name": "Lee",
        "time_zone": "America/Toronto",
        "notifications_enabled": True,
    } | fields


def patch(api: Api, path: str, body: Any, token: str) -> Answer:
    return api.request("PATCH", path, json_body=body, token=token)


def delete(api: Api, path: str, token: str) -> Answer:
    return api.request("DELETE", path, token=token)


def users(api: Api, token: str) -> list[dict[str, Any]]:
    answer = api.get("/users", token=token)
    assert answer.status == 200, answer.raw
    items: list[dict[str, Any]] = answer.body["items"]
    return items


def usernames(api: Api, token: str) -> list[str]:
    return [user["username"] for user in users(api, token)]


def outbox(api: Api) -> list[dict[str, Any]]:
    answer = api.get("/_local/outbox")
    assert answer.status == 200, answer.raw
    items: list[dict[str, Any]] = answer.body["items"]
    return items


SIGN_IN_SUBJECTS = ("Your Billing Portal invitation", "Reset your Billing Portal password")


def emails_to(api: Api, address: str) -> list[dict[str, Any]]:
    """The sign-in emails (invitations, reset codes) sent to the address. The billing notifications a user
    with notifications on also gets arrive asynchronously, as other tests add and delete users: not these."""
    return [email for email in outbox(api) if address in email["to"] and email["subject"] in SIGN_IN_SUBJECTS]


def found_in(pattern: str, email: dict[str, Any]) -> str:
    """A value the email gives in its text part, checked to be in its HTML part as well."""
    match = re.search(pattern, email["text"])
    assert match, email["text"]
    assert match.group(1) in email["html"], email["html"]
    return match.group(1)


def login(api: Api, username: str, password: str) -> Answer:
    return api.post("/auth/login", {"username": username, "password": password})


def new_password(api: Api, username: str, session: str, password: str) -> Answer:
    return api.post(
        "/auth/new-password", {"username": username, "session": session, "new_password": password}
    )


def assert_error(answer: Answer, status: int, message: str | None = None) -> None:
    assert answer.status == status, answer.raw
    assert answer.headers["Content-Type"].startswith("application/json")
    assert isinstance(answer.body["message"], str) and answer.body["message"]
    assert isinstance(answer.body["code"], str) and answer.body["code"]
    if message is not None:
        assert answer.body["message"] == message


def add(api: Api, token: str, username: str | None = None, **fields: Any) -> str:
    """A user added by a colleague, who has the welcome email and has not signed in yet."""
    username = username or unique()
    answer = api.post("/users", new_user(username, **fields), token=token)
    assert answer.status == 201, answer.raw
    return username


def temporary_password(api: Api, username: str) -> str:
    return found_in(r"Temporary password: (\S+)", emails_to(api, username)[-1])


def sign_up(api: Api, token: str) -> tuple[str, dict[str, Any]]:
    """A new user who has finished the first sign-in with CHOSEN_PASSWORD, and their tokens."""
    username = add(api, token)
    challenge = login(api, username, temporary_password(api, username))
    assert challenge.status == 200, challenge.raw
    answer = new_password(api, username, challenge.body["session"], CHOSEN_PASSWORD)
    assert answer.status == 200, answer.raw
    tokens: dict[str, Any] = answer.body
    return username, tokens


# -- first sign-in -------------------------------------------------------------------------------------------


def test_a_new_user_reads_the_welcome_email_signs_in_and_chooses_a_password(
    api: Api, demo_token: str
) -> None:
    username = unique()
    created = api.post("/users", new_user(username.title(), first_name="Pat"), token=demo_token)
    assert created.status == 201, created.raw
    assert created.body["username"] == username
    assert created.body["top_user"] is False
    assert username in usernames(api, demo_token)

    [welcome] = emails_to(api, username)
    assert welcome["subject"] == "Your Billing Portal invitation"
    assert found_in(r"Username: (\S+)", welcome) == username
    temporary = temporary_password(api, username)
    for body in (welcome["text"], welcome["html"]):
        assert api.base_url in body  # the portal link

    challenge = login(api, username, temporary)
    assert challenge.status == 200, challenge.raw
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert not challenge.body.get("id_token")
    session = challenge.body["session"]

    local_part = username.split("@")[0]
    for password, broken in (
        ("Short-2026-ab", ["length"]),
        ("Maple-Leaf-Snow-7", ["digits"]),
        ("maple-leaf-2026-snow", ["case"]),
        ("MAPLE-LEAF-2026-SNOW", ["case"]),
        (f"Key-{local_part}-2026", ["username"]),
        ("short", ["length", "digits", "case"]),
    ):
        refused = new_password(api, username, session, password)
        assert_error(refused, 422)
        assert [d["message"] for d in refused.body["details"]] == [RULES[rule] for rule in broken], password
        assert {d["field"] for d in refused.body["details"]} == {"new_password"}

    accepted = new_password(api, username, session, CHOSEN_PASSWORD)
    assert accepted.status == 200, accepted.raw
    # Never Cognito's access token: with it, Cognito's own user API could be called past the portal.
    assert accepted.body.keys() == {"id_token", "refresh_token", "expires_in"}

    again = login(api, username, CHOSEN_PASSWORD)
    assert again.status == 200, again.raw
    token = again.body["id_token"]
    me = api.get("/me", token=token)
    assert me.status == 200, me.raw
    assert me.body["username"] == username
    # Every user of the account has the same rights: the new one manages users too.
    assert usernames(api, token) == usernames(api, demo_token)
    assert_error(login(api, username, temporary), 401)


# -- forgot and reset ----------------------------------------------------------------------------------------


def test_forgot_and_reset_with_the_emailed_code(api: Api, demo_token: str) -> None:
    username, tokens = sign_up(api, demo_token)
    answer = api.post("/auth/forgot-password", {"username": username})
    unknown = api.post("/auth/forgot-password", {"username": unique("nobody")})
    assert (answer.status, unknown.status) == (202, 202)
    assert answer.raw == unknown.raw

    email = emails_to(api, username)[-1]
    code = found_in(r"verification code: (\d{6})\b", email)
    assert api.base_url in email["text"] and api.base_url in email["html"]

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    reset = {"username": username, "code": wrong, "new_password": NEW_PASSWORD}
    assert_error(api.post("/auth/reset-password", reset), 422)
    assert login(api, username, CHOSEN_PASSWORD).status == 200

    broken = api.post("/auth/reset-password", reset | {"code": code, "new_password": "prairie-wind-oak"})
    assert_error(broken, 422)
    assert [d["message"] for d in broken.body["details"]] == [RULES["digits"], RULES["case"]]

    done = api.post("/auth/reset-password", reset | {"code": code})
    assert done.status == 200, done.raw
    assert login(api, username, NEW_PASSWORD).status == 200
    assert_error(login(api, username, CHOSEN_PASSWORD), 401)
    assert_error(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)
    # The code cannot be used twice.
    twice = api.post("/auth/reset-password", reset | {"code": code, "new_password": "Third-Choice-2026-x"})
    assert_error(twice, 422)
    assert login(api, username, NEW_PASSWORD).status == 200


def test_forgot_before_the_first_sign_in_sends_a_new_welcome_email(api: Api, demo_token: str) -> None:
    username = add(api, demo_token)
    old_temporary = temporary_password(api, username)
    assert api.post("/auth/forgot-password", {"username": username}).status == 202
    invitations = emails_to(api, username)
    assert [email["subject"] for email in invitations] == ["Your Billing Portal invitation"] * 2
    new_temporary = temporary_password(api, username)
    assert new_temporary != old_temporary
    assert api.base_url in invitations[-1]["text"] and api.base_url in invitations[-1]["html"]
    assert_error(login(api, username, old_temporary), 401)
    challenge = login(api, username, new_temporary)
    assert challenge.status == 200, challenge.raw
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"


# -- Manage Users --------------------------------------------------------------------------------------------


def test_users_are_listed_oldest_first_with_the_top_user_first(api: Api, demo_token: str) -> None:
    added = [add(api, demo_token, unique("zoe")), add(api, demo_token, unique("adam"))]
    listed = users(api, demo_token)
    names = [user["username"] for user in listed]
    assert names[0] == DEMO_USER
    assert [user["top_user"] for user in listed] == [True] + [False] * (len(listed) - 1)
    assert [user["created_at"] for user in listed] == sorted(user["created_at"] for user in listed)
    assert names.index(DEMO_COLLEAGUE) < names.index(added[0]) < names.index(added[1])


def test_each_account_sees_and_manages_only_its_own_users(
    api: Api, demo_token: str, other_token: str
) -> None:
    username = add(api, demo_token)
    assert username not in usernames(api, other_token)
    assert DEMO_USER not in usernames(api, other_token)
    assert OTHER_USER not in usernames(api, demo_token)
    for target in (username, DEMO_USER):
        for answer in (
            patch(api, f"/users/{target}", {"first_name": "Mallory"}, other_token),
            delete(api, f"/users/{target}", other_token),
        ):
            assert_error(answer, 404)
    assert_error(delete(api, f"/users/{OTHER_USER}", demo_token), 404)
    [mine] = [user for user in users(api, demo_token) if user["username"] == username]
    assert mine["first_name"] == "Pat"
    assert DEMO_USER in usernames(api, demo_token)


def test_a_user_is_edited_but_their_username_never_changes(api: Api, demo_token: str) -> None:
    username = add(api, demo_token, notifications_enabled=True)
    edited = patch(
        api,
        f"/users/{username}",
        {"first_name": "Patricia", "last_name": "Lee-Ng", "time_zone": "America/Vancouver"},
        demo_token,
    )
    assert edited.status == 200, edited.raw
    off = patch(api, f"/users/{username}", {"notifications_enabled": False}, demo_token)
    assert off.status == 200, off.raw
    [shown] = [user for user in users(api, demo_token) if user["username"] == username]
    assert (shown["first_name"], shown["last_name"], shown["time_zone"], shown["notifications_enabled"]) == (
        "Patricia",
        "Lee-Ng",
        "America/Vancouver",
        False,
    )
    renamed = patch(api, f"/users/{username}", {"username": unique("new")}, demo_token)
    assert_error(renamed, 422)
    assert any(detail["field"] == "username" for detail in renamed.body["details"])
    for body in ({"time_zone": "Nowhere/City"}, {"first_name": "Pat\u0007"}, {}):
        assert_error(patch(api, f"/users/{username}", body, demo_token), 422)
    [still] = [user for user in users(api, demo_token) if user["username"] == username]
    assert still == shown


def test_a_deleted_user_is_gone_for_good(api: Api, demo_token: str, other_token: str) -> None:
    username, tokens = sign_up(api, demo_token)
    deleted = delete(api, f"/users/{username}", demo_token)
    assert (deleted.status, deleted.raw) == (204, b"")
    assert username not in usernames(api, demo_token)
    assert_error(login(api, username, CHOSEN_PASSWORD), 401)
    assert_error(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)
    for token in (demo_token, other_token):
        again = api.post("/users", new_user(username), token=token)
        assert_error(again, 409, USERNAME_TAKEN)
    assert_error(delete(api, f"/users/{username}", demo_token), 404)

    # Forgot password does nothing for a deleted user, and says the same as always.
    # (Billing notifications of what happened while they were a user may still arrive: the stream is read
    # asynchronously. Only the sign-in emails count here.)
    def sign_in_emails() -> int:
        return sum(
            "password" in e["subject"] or "invitation" in e["subject"] for e in emails_to(api, username)
        )

    before = sign_in_emails()
    assert api.post("/auth/forgot-password", {"username": username}).status == 202
    assert sign_in_emails() == before


def test_an_existing_username_is_refused_with_the_same_sentence(api: Api, demo_token: str) -> None:
    username = add(api, demo_token)
    assert_error(api.post("/users", new_user(username.upper()), token=demo_token), 409, USERNAME_TAKEN)
    assert_error(api.post("/users", new_user(DEMO_COLLEAGUE), token=demo_token), 409, USERNAME_TAKEN)
    assert len(emails_to(api, username)) == 1


def test_nobody_can_delete_their_own_user(api: Api, demo_token: str) -> None:
    assert_error(delete(api, f"/users/{DEMO_USER}", demo_token), 403, CANNOT_DELETE_SELF)
    username, tokens = sign_up(api, demo_token)
    assert_error(delete(api, f"/users/{username}", tokens["id_token"]), 403, CANNOT_DELETE_SELF)
    listed = usernames(api, demo_token)
    assert DEMO_USER in listed and username in listed


BAD_NEW_USERS: dict[str, Any] = {
    "not-an-email": new_user("not-an-email"),
    "longer-than-cognito-takes": new_user("p" * 64 + "@" + "b" * 56 + ".example"),
    "huge-username": new_user("x" * 50_000 + "@erable.example"),
    "bad-time-zone": new_user("bad.tz@erable.example", time_zone="Eastern Time"),
    "control-in-name": new_user("bad.name@erable.example", first_name="Pat\u001b[31m"),
    "newline-in-name": new_user("bad.name@erable.example", last_name="Lee\nBcc: all@example.com"),
    "blank-name": new_user("bad.name@erable.example", first_name="   "),
    "huge-name": new_user("bad.name@erable.example", last_name="L" * 50_000),
    "unknown-field": new_user("bad.field@erable.example", is_admin=True),
    "account-field": new_user("bad.field@erable.example", account_id="acct-other"),
    "missing-names": {"username": "bad.missing@erable.example", "time_zone": "America/Toronto"},
    "not-an-object": ["bad.list@erable.example"],
}


def test_bad_new_users_are_422_and_nothing_is_made(api: Api, demo_token: str) -> None:
    emails_before = len(outbox(api))
    listed_before = usernames(api, demo_token)
    for case, body in BAD_NEW_USERS.items():
        answer = api.post("/users", body, token=demo_token)
        assert answer.status == 422, (case, answer.raw[:500])
        assert_error(answer, 422)
    malformed = api.request(
        "POST",
        "/users",
        data=b'{"username": ',
        token=demo_token,
        headers={"Content-Type": "application/json"},
    )
    assert_error(malformed, 400)
    emails = outbox(api)[emails_before:]
    made = [address for email in emails for address in email["to"] if address.startswith("bad.")]
    assert made == [], json.dumps(emails)[:500]
    assert not [name for name in usernames(api, demo_token) if name.startswith("bad.")]
    assert set(listed_before) <= set(usernames(api, demo_token))


def test_users_routes_need_a_signed_in_user(api: Api) -> None:
    assert_error(api.get("/users"), 401)
    assert_error(api.post("/users", new_user(unique())), 401)
    assert_error(api.request("PATCH", f"/users/{DEMO_USER}", json_body={"first_name": "X"}), 401)
    assert_error(api.request("DELETE", f"/users/{DEMO_COLLEAGUE}"), 401)


# -- sessions end when the user is deleted or resets their password ------------------------------------------


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the test only reads what the stack issued)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def refused_everywhere(api: Api, token: str) -> list[Answer]:
    """What a token gets from a read and from each kind of change, each of which would otherwise work."""
    return [
        api.get("/account", token=token),
        api.get("/me", token=token),
        api.post("/users", new_user(unique("ghost")), token=token),
        api.request(
            "POST",
            "/payments",
            json_body={"amount": "1.00", "new_payment_method": {"token": "tok_visa"}},
            token=token,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        api.request("PATCH", "/account/profile", json_body={"time_zone": "America/Regina"}, token=token),
    ]


def test_a_deleted_users_token_is_refused_at_once(api: Api, demo_token: str) -> None:
    username, tokens = sign_up(api, demo_token)
    assert api.get("/me", token=tokens["id_token"]).status == 200
    account_before = api.get("/account", token=demo_token).body
    users_before = usernames(api, demo_token)
    assert delete(api, f"/users/{username}", demo_token).status == 204

    for answer in refused_everywhere(api, tokens["id_token"]):
        assert_error(answer, 401, "Sign in to continue.")
    # Nothing they sent was done: no user added, no payment, the profile as it was.
    assert usernames(api, demo_token) == [name for name in users_before if name != username]
    assert api.get("/account", token=demo_token).body == account_before


def test_a_token_from_before_a_password_reset_is_refused_at_once(api: Api, demo_token: str) -> None:
    username, tokens = sign_up(api, demo_token)
    assert api.get("/me", token=tokens["id_token"]).status == 200
    assert api.post("/auth/forgot-password", {"username": username}).status == 202
    code = found_in(r"verification code: (\d{6})\b", emails_to(api, username)[-1])
    reset = {"username": username, "code": code, "new_password": NEW_PASSWORD}
    assert api.post("/auth/reset-password", reset).status == 200

    for answer in refused_everywhere(api, tokens["id_token"]):
        assert_error(answer, 401, "Sign in to continue.")
    fresh = login(api, username, NEW_PASSWORD).body["id_token"]
    me = api.get("/me", token=fresh)
    assert (me.status, me.body["username"]) == (200, username)


def delete_each_other(api: Api, users: dict[str, str]) -> dict[str, Answer]:
    """Each of the two users (username: id token) deletes the other, both requests sent at the same moment
    from threads of their own; each one's answer."""
    start = threading.Barrier(len(users), timeout=60)
    answers: dict[str, Answer] = {}

    def deletes(me: str, other: str) -> None:
        start.wait()
        answers[me] = delete(api, f"/users/{other}", users[me])

    first, second = users
    threads = [threading.Thread(target=deletes, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_of_two_users_deleting_each_other_at_the_same_moment_at_most_one_succeeds(
    api: Api, demo_token: str
) -> None:
    for _ in range(3):
        users = {
            username: tokens["id_token"] for username, tokens in (sign_up(api, demo_token) for _ in "ab")
        }
        answers = delete_each_other(api, users)

        succeeded = [me for me, answer in answers.items() if answer.status == 204]
        assert len(succeeded) == 1, {me: (a.status, a.raw) for me, a in answers.items()}
        [winner] = succeeded
        [loser] = set(users) - {winner}
        # The loser was deleted first or at the same moment: refused as a deleted user, or as too late.
        assert answers[loser].status in (401, 409), answers[loser].raw
        listed = usernames(api, demo_token)
        assert winner in listed and loser not in listed
        assert api.get("/me", token=users[winner]).status == 200
        assert_error(api.get("/me", token=users[loser]), 401)


def test_signing_out_revokes_the_refresh_token(api: Api, demo_token: str) -> None:
    username, _ = sign_up(api, demo_token)
    tokens = login(api, username, CHOSEN_PASSWORD).body
    assert api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status == 200
    signed_out = api.post("/auth/logout", {"refresh_token": tokens["refresh_token"]})
    assert (signed_out.status, signed_out.raw) == (204, b"")
    assert_error(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)


def test_sign_in_hands_out_the_id_and_refresh_tokens_only(api: Api, demo_token: str) -> None:
    username, first = sign_up(api, demo_token)
    signed_in = login(api, username, CHOSEN_PASSWORD).body
    refreshed = api.post("/auth/refresh", {"refresh_token": signed_in["refresh_token"]}).body
    for answer in (first, signed_in, refreshed):
        assert answer.keys() == {"id_token", "refresh_token", "expires_in"}


def test_tokens_last_what_the_template_says(api: Api, demo_token: str) -> None:
    client = template.resources()["UserPoolClient"]["Properties"]
    seconds = {"minutes": 60, "hours": 3600}[client["TokenValidityUnits"]["IdToken"]]
    lifetime = client["IdTokenValidity"] * seconds
    username, _ = sign_up(api, demo_token)
    tokens = login(api, username, CHOSEN_PASSWORD).body
    claims = claims_of(tokens["id_token"])
    assert claims["exp"] - claims["iat"] == lifetime == tokens["expires_in"] == 15 * 60


# -- English and French ------------------------------------------------------------------------------------

FRENCH = {
    "username_taken": "Ce nom d'utilisateur existe déjà. Veuillez utiliser un autre nom d'utilisateur.",
    "cannot_delete_self": (
        "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation."
    ),
    "wrong_credentials": "Le nom d'utilisateur ou le mot de passe est incorrect.",
}
FRENCH_RULES = {
    "length": "Le mot de passe doit contenir au moins 15 caractères.",
    "digits": "Le mot de passe doit contenir au moins 2 chiffres.",
    "case": "Le mot de passe doit comprendre des lettres majuscules et des lettres minuscules.",
}


def in_language(accept_language: str | None) -> dict[str, str]:
    return {"Accept-Language": accept_language} if accept_language is not None else {}


def test_each_users_language_is_chosen_listed_changed_and_shown_by_me(
    api: Api, demo_token: str, french_token: str, other_token: str
) -> None:
    username = unique("lea")
    created = api.post("/users", new_user(username, language="fr"), token=demo_token)
    assert created.status == 201, created.raw
    assert created.body["language"] == "fr"
    english = add(api, demo_token)  # with no language: the Ontario account's default
    languages = {user["username"]: user["language"] for user in users(api, demo_token)}
    assert (languages[username], languages[english]) == ("fr", "en")

    changed = patch(api, f"/users/{username}", {"language": "en"}, demo_token)
    assert changed.status == 200, changed.raw
    assert changed.body["language"] == "en"
    assert_error(patch(api, f"/users/{username}", {"language": "de"}, demo_token), 422)

    assert api.get("/me", token=french_token).body["language"] == "fr"
    assert api.get("/me", token=other_token).body["language"] == "en"  # the README's examples stay English
    # Léa's colleagues on the Québec account, each in their own language.
    languages = {user["username"]: user["language"] for user in users(api, french_token)}
    assert (languages[FRENCH_USER], languages[OTHER_USER]) == ("fr", "en")


def test_the_accounts_default_language_is_set_in_the_profile_and_given_to_new_users(
    api: Api, demo_token: str
) -> None:
    try:
        changed = patch(api, "/account/profile", {"language": "fr"}, demo_token)
        assert changed.status == 200, changed.raw
        assert changed.body["language"] == "fr"
        assert api.get("/account", token=demo_token).body["language"] == "fr"
        created = api.post("/users", new_user(unique("nouveau")), token=demo_token)
        assert created.status == 201, created.raw
        assert created.body["language"] == "fr"
    finally:
        patch(api, "/account/profile", {"language": "en"}, demo_token)
    assert api.get("/account", token=demo_token).body["language"] == "en"


def test_a_french_user_reads_the_help_centres_sentences_in_french(api: Api, french_token: str) -> None:
    # The browser's language does not matter once signed in: the user's own does.
    english_browser = {"Accept-Language": "en-CA"}
    taken = api.request(
        "POST", "/users", json_body=new_user(DEMO_USER), token=french_token, headers=english_browser
    )
    assert_error(taken, 409, FRENCH["username_taken"])
    assert taken.body["code"] == "username_taken"
    yourself = api.request("DELETE", f"/users/{FRENCH_USER}", token=french_token, headers=english_browser)
    assert_error(yourself, 403, FRENCH["cannot_delete_self"])
    assert yourself.body["code"] == "forbidden"


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        ("fr-CA", FRENCH["wrong_credentials"]),
        ("fr-CA,fr;q=0.9,en;q=0.8", FRENCH["wrong_credentials"]),
        ("en-CA", "The username or password is incorrect."),
        (None, "The username or password is incorrect."),
    ],
)
def test_before_sign_in_the_browsers_language_decides(
    api: Api, accept_language: str | None, message: str
) -> None:
    body = {"username": FRENCH_USER, "password": "Not-Her-Password-2026"}
    refused = api.request("POST", "/auth/login", json_body=body, headers=in_language(accept_language))
    assert_error(refused, 401, message)


def test_a_new_password_and_a_reset_are_refused_in_the_browsers_language(api: Api, demo_token: str) -> None:
    username = add(api, demo_token)
    challenge = login(api, username, temporary_password(api, username))
    assert challenge.status == 200, challenge.raw
    body = {"username": username, "session": challenge.body["session"], "new_password": "short"}
    refused = api.request("POST", "/auth/new-password", json_body=body, headers=in_language("fr-CA"))
    assert_error(refused, 422)
    assert [d["message"] for d in refused.body["details"]] == [
        FRENCH_RULES["length"],
        FRENCH_RULES["digits"],
        FRENCH_RULES["case"],
    ]

    forgot = api.request(
        "POST", "/auth/forgot-password", json_body={"username": username}, headers=in_language("fr")
    )
    assert forgot.status == 202, forgot.raw
    assert forgot.body["message"].startswith(
        "Si ce nom d'utilisateur a un compte sur le Portail de facturation"
    )
    reset = {"username": username, "code": "000000", "new_password": NEW_PASSWORD}
    wrong = api.request("POST", "/auth/reset-password", json_body=reset, headers=in_language("fr"))
    assert_error(
        wrong,
        422,
        "Le code de vérification est incorrect ou a expiré. Demandez-en un nouveau avec Mot de passe oublié.",
    )
