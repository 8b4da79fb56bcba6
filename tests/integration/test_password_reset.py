"""The first sign-in's new password, forgot password and reset with the emailed code, through the Lambda
handlers against moto (Cognito, SES, DynamoDB): each password rule refused with its own sentence, the same
202 whoever asks, the code that works once, and the new invitation for a user whose welcome expired."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from billing_portal.notifications.mail import MailNotSent
from billing_portal.notifications.ses import SesMailer
from billing_portal.users.reset import INVALID_CODE, MAX_ATTEMPTS
from localrun import events, functions, outbox

from .support import Reply, account_doc, assert_error, call, posted
from .test_users_functions import (
    BOSS,
    CHOSEN_PASSWORD,
    ERABLE,
    create,
    emails_to,
    execution_environments,
    first_sign_in,
    login,
    new_user,
    one_request_at_a_time,
    run_together,
    seed_user,
    temporary_password,
    unique,
    with_token,
)

NEW_PASSWORD = "Prairie-Wind-1867-Oak"
RULES = {
    "length": "The password must contain at least 15 characters.",
    "digits": "The password must contain at least 2 digits.",
    "case": "The password must include both uppercase and lowercase letters.",
    "username": "The password must not contain your username.",
}


@pytest.fixture
def team(aws: dict[str, str]) -> dict[str, str]:
    posted(account_doc(ERABLE))
    seed_user(aws["PortalTable"], BOSS, "2025-01-05T14:00:00.000+00:00")
    return aws


def invited() -> str:
    """A user just added, who has not signed in yet."""
    username = unique()
    assert create(new_user(username)).status == 201
    return username


def signed_up() -> tuple[str, dict[str, Any]]:
    """A user who has finished the first sign-in with CHOSEN_PASSWORD, and their tokens."""
    username = invited()
    return username, first_sign_in(username)


def new_password(username: str, session: str, password: str) -> Reply:
    return call(
        "POST",
        "/auth/new-password",
        body={"username": username, "session": session, "new_password": password},
    )


def forgot(username: str) -> Reply:
    return call("POST", "/auth/forgot-password", body={"username": username})


def reset(username: str, code: str, password: str = NEW_PASSWORD) -> Reply:
    return call(
        "POST", "/auth/reset-password", body={"username": username, "code": code, "new_password": password}
    )


def emailed_code(username: str) -> str:
    email = emails_to(username)[-1]
    found = re.search(r"verification code: (\d{6})\b", email["text"])
    assert found, email["text"]
    assert found.group(1) in email["html"]
    return found.group(1)


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def refused_rules(reply: Reply) -> list[str]:
    assert_error(reply, 422, "validation_failed")
    assert {detail["field"] for detail in reply.body["details"]} == {"new_password"}
    return [detail["message"] for detail in reply.body["details"]]


# -- the first sign-in -------------------------------------------------------------------------------------


def test_the_first_sign_in_refuses_each_broken_rule_with_its_reason_then_accepts_a_good_password(
    team: dict[str, str],
) -> None:
    username = invited()
    challenge = login(username, temporary_password(username))
    assert challenge.status == 200, challenge.body
    assert set(challenge.body) >= {"challenge", "session"}
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert not challenge.body.get("id_token")
    session = challenge.body["session"]

    local_part = username.split("@")[0]
    for password, broken in (
        ("Short-2026-ab", ["length"]),
        ("Maple-Leaf-Snow-7", ["digits"]),
        ("maple-leaf-2026-snow", ["case"]),
        ("MAPLE-LEAF-2026-SNOW", ["case"]),
        (f"Xy1-{username.upper()}-2", ["username"]),
        (f"Key-{local_part}-2026", ["username"]),
        ("Émile-Ève-Éric-2026", ["case"]),  # A-Z is what the user pool counts
        ("short", ["length", "digits", "case"]),
    ):
        reply = new_password(username, session, password)
        assert refused_rules(reply) == [RULES[rule] for rule in broken], password
        for rule in broken:
            assert RULES[rule] in reply.body["message"]

    tokens = new_password(username, session, CHOSEN_PASSWORD)
    assert tokens.status == 200, tokens.body
    assert tokens.body["id_token"] and tokens.body["refresh_token"]
    assert tokens.body["expires_in"] > 0
    again = login(username, CHOSEN_PASSWORD)
    assert again.status == 200 and again.body["id_token"], again.body
    assert_error(login(username, temporary_password(username)), 401)


def test_a_made_up_challenge_session_is_refused(team: dict[str, str]) -> None:
    username = invited()
    assert_error(new_password(username, "not-a-session", CHOSEN_PASSWORD), 422, "validation_failed")
    assert_error(new_password(username, "s" * 40, CHOSEN_PASSWORD), 401, "not_signed_in")
    assert_error(new_password(username, "s" * 5000, CHOSEN_PASSWORD), 422, "validation_failed")
    # The user can still sign in with the temporary password.
    assert login(username, temporary_password(username)).body["challenge"] == "NEW_PASSWORD_REQUIRED"


# -- forgot --------------------------------------------------------------------------------------------------


def test_forgot_answers_the_same_whoever_asks(team: dict[str, str]) -> None:
    username, _ = signed_up()
    deleted, _ = signed_up()
    assert call("DELETE", f"/users/{deleted}", BOSS).status == 204
    before = len(outbox.items())
    answers = {who: forgot(who) for who in (username, "nobody@erable.example", deleted, "not an email")}
    assert {reply.status for reply in answers.values()} == {202}
    assert len({json.dumps(reply.body) for reply in answers.values()}) == 1
    assert [email["to"] for email in outbox.items()[before:]] == [[username]]


def test_forgot_and_reset_with_the_emailed_code(team: dict[str, str]) -> None:
    username, tokens = signed_up()
    assert forgot(username.upper()).status == 202
    email = emails_to(username)[-1]
    code = emailed_code(username)
    assert "Reset your Billing Portal password" in email["subject"]
    for body in (email["text"], email["html"]):
        assert username in body
        assert team["PortalUrl"] in body

    wrong = reset(username, another_code(code))
    assert_error(wrong, 422, "validation_failed")
    assert wrong.body["message"] == str(INVALID_CODE)
    assert login(username, CHOSEN_PASSWORD).status == 200  # nothing changed yet

    done = reset(username, code)
    assert done.status == 200, done.body
    assert login(username, NEW_PASSWORD).status == 200
    assert_error(login(username, CHOSEN_PASSWORD), 401)
    # Every session from before the reset is over.
    assert_error(call("POST", "/auth/refresh", body={"refresh_token": tokens["refresh_token"]}), 401)
    # The code worked once.
    twice = reset(username, code, "Third-Choice-2026-x")
    assert_error(twice, 422)
    assert twice.body["message"] == str(INVALID_CODE)
    assert login(username, NEW_PASSWORD).status == 200


def test_when_the_email_cannot_be_sent_forgot_answers_the_same_and_tells_only_the_log(
    team: dict[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    username, _ = signed_up()
    invitee = invited()
    sent = len(outbox.items())

    def unavailable(self: SesMailer, email: Any) -> str:
        raise MailNotSent("SES refused the email: ServiceUnavailable", passing=True)

    monkeypatch.setattr(SesMailer, "send", unavailable)
    answers = [forgot(who) for who in (username, invitee, "nobody@erable.example")]
    assert {reply.status for reply in answers} == {202}
    assert len({json.dumps(reply.body) for reply in answers}) == 1
    assert len(outbox.items()) == sent
    failures = [record for record in caplog.records if "could not be sent" in record.getMessage()]
    assert len(failures) == 2
    for record in failures:
        assert username not in str(vars(record)) and invitee not in str(vars(record))

    # Once SES takes email again, pressing again sends at once: the unsent code was not kept.
    monkeypatch.undo()
    assert forgot(username).status == 202
    assert reset(username, emailed_code(username)).status == 200
    assert login(username, NEW_PASSWORD).status == 200


def test_one_email_a_minute_however_often_forgot_is_pressed(team: dict[str, str]) -> None:
    username, _ = signed_up()
    sent = len(emails_to(username))
    for _ in range(3):
        assert forgot(username).status == 202
    assert len(emails_to(username)) == sent + 1


def test_a_reset_ends_at_once_the_sessions_signed_in_before_it(team: dict[str, str]) -> None:
    username, tokens = signed_up()
    assert with_token("GET", "/me", tokens["id_token"]).status == 200
    forgot(username)
    assert reset(username, emailed_code(username)).status == 200
    # The id token from before is unexpired, yet over: refused on every signed-in route.
    for method, route in (("GET", "/me"), ("GET", "/account"), ("GET", "/users")):
        assert_error(with_token(method, route, tokens["id_token"]), 401, "not_signed_in")
    # The sign-in with the new password that follows the answer is served.
    fresh = login(username, NEW_PASSWORD).body["id_token"]
    assert with_token("GET", "/me", fresh).body["username"] == username


def test_after_too_many_wrong_codes_the_right_one_is_refused(team: dict[str, str]) -> None:
    username, _ = signed_up()
    forgot(username)
    code = emailed_code(username)
    for _ in range(MAX_ATTEMPTS):
        assert_error(reset(username, another_code(code)), 422)
    refused = reset(username, code)
    assert_error(refused, 422)
    assert refused.body["message"] == str(INVALID_CODE)
    assert login(username, CHOSEN_PASSWORD).status == 200


def test_a_new_password_that_breaks_a_rule_is_refused_and_the_code_still_works(team: dict[str, str]) -> None:
    username, _ = signed_up()
    forgot(username)
    code = emailed_code(username)
    assert refused_rules(reset(username, code, "prairie-wind")) == [
        RULES["length"],
        RULES["digits"],
        RULES["case"],
    ]
    assert refused_rules(reset(username, code, f"Ab12-{username}")) == [RULES["username"]]
    # One the user pool would refuse is refused before the code is spent.
    assert refused_rules(reset(username, code, "Émile-Ève-Éric-2026")) == [RULES["case"]]
    assert reset(username, code).status == 200
    assert login(username, NEW_PASSWORD).status == 200


def test_a_user_whose_welcome_expired_gets_a_new_invitation(team: dict[str, str]) -> None:
    username = invited()
    old_temporary = temporary_password(username)
    assert forgot(username).status == 202
    invitations = emails_to(username)
    assert len(invitations) == 2
    assert invitations[-1]["subject"] == "Your Billing Portal invitation"
    new_temporary = temporary_password(username)
    assert new_temporary != old_temporary
    for body in (invitations[-1]["text"], invitations[-1]["html"]):
        assert username in body
        assert new_temporary in body
        assert team["PortalUrl"] in body
    assert_error(login(username, old_temporary), 401)
    tokens = first_sign_in(username)
    assert tokens["id_token"]


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("/auth/forgot-password", {}),
    ("/auth/forgot-password", {"username": "pat@erable.example", "code": "123456"}),
    ("/auth/forgot-password", {"username": "x" * 100_000}),
    ("/auth/reset-password", {"username": "pat@erable.example", "code": "123456"}),
    ("/auth/reset-password", {"username": "pat@erable.example", "code": "1" * 17, "new_password": "x"}),
    ("/auth/reset-password", {"username": "p", "code": "1", "new_password": "x" * 100_000}),
    ("/auth/new-password", {"username": "p", "session": "s" * 40}),
    ("/auth/new-password", {"username": "p", "session": "s" * 40, "new_password": "P" * 300 + "a12"}),
    ("/auth/new-password", {"username": "p", "session": "s" * 40, "new_password": "Pa12" * 5, "x": 1}),
]


def test_malformed_bodies_are_refused_and_send_nothing(team: dict[str, str]) -> None:
    for path, body in MALFORMED:
        reply = call("POST", path, body=body)
        assert reply.status == 422, (path, body, reply.body)
        assert_error(reply, 422, "validation_failed")
    for path in ("/auth/forgot-password", "/auth/reset-password", "/auth/new-password"):
        assert_error(call("POST", path, body="{"), 400, "bad_request")
        assert_error(call("POST", path, body=[1]), 422, "validation_failed")
    assert outbox.items() == []


# -- at the same moment --------------------------------------------------------------------------------------

RIVALS = 6


def test_one_code_used_by_simultaneous_resets_works_once(
    team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    username, _ = signed_up()
    forgot(username)
    code = emailed_code(username)
    handlers = execution_environments("PasswordResetFunction", RIVALS, monkeypatch)
    one_request_at_a_time(monkeypatch, RIVALS)

    def attempt(number: int) -> int:
        event = events.api_event(
            "POST",
            "/auth/reset-password",
            "/auth/reset-password",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {"username": username, "code": code, "new_password": f"Rival-{number}-Choice-2026"}
            ),
        )
        context = functions.LambdaContext("PasswordResetFunction", f"reset-{number}")
        status: int = handlers[number](event, context)["statusCode"]
        return status

    statuses = run_together(attempt, RIVALS)
    assert sorted(statuses) == [200] + [422] * (RIVALS - 1)
    winner = statuses.index(200)
    assert login(username, f"Rival-{winner}-Choice-2026").status == 200
    for loser in (n for n in range(RIVALS) if n != winner):
        assert_error(login(username, f"Rival-{loser}-Choice-2026"), 401)
