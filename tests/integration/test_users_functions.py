"""Manage Users through the Lambda handlers against moto (DynamoDB, Cognito, SES): the welcome email, the
list and its top user, edits, deletes that end sessions and keep the username taken, two creates of one
username at the same moment, nothing half-made when Cognito or SES fails, and the billing team's restore."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import BotocoreStubber

from billing_portal.ledger.ports import PortalUser
from billing_portal.users.cognito import CognitoDirectory
from billing_portal.users.dynamo import DynamoUserRecords
from billing_portal.users.model import DELETED_MEANWHILE
from localrun import events, functions, outbox, template

from .support import Caller, Reply, account_doc, assert_error, call, posted

ERABLE = "acct-erable"
OTHER = "acct-other"
BOSS = Caller(ERABLE, "boss@erable.example")  # the account's first user, made when the account was set up
STRANGER = Caller(OTHER, "sam@other.example")
USERNAME_TAKEN = "The username already exists. Please use a different username."
CHOSEN_PASSWORD = "Maple-Leaf-2026-Snow"
T = TypeVar("T")


# -- the world -----------------------------------------------------------------------------------------------


def seed_user(table: str, caller: Caller, created_at: str) -> None:
    DynamoUserRecords(table).claim(
        PortalUser(
            caller.account_id, caller.username, "Dana", "Tremblay", "America/Toronto", True, created_at
        )
    )


@pytest.fixture
def team(aws: dict[str, str]) -> dict[str, str]:
    """Two accounts, each with the user who was set up with it."""
    posted(account_doc(ERABLE))
    posted(account_doc(OTHER, account_number="900800700", province="QC", postal_code="H3B 4W8"))
    seed_user(aws["PortalTable"], BOSS, "2025-01-05T14:00:00.000+00:00")
    seed_user(aws["PortalTable"], STRANGER, "2025-02-05T14:00:00.000+00:00")
    return aws


def new_user(username: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "username": username,
        "first_name": "Pat",
        "last_name": "Lee",
        "time_zone": "America/Toronto",
        "notifications_enabled": True,
    } | fields


def unique(name: str = "pat") -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@erable.example"


def create(body: Any, caller: Caller = BOSS) -> Reply:
    return call("POST", "/users", caller, body=body)


def listed(caller: Caller = BOSS) -> list[str]:
    reply = call("GET", "/users", caller)
    assert reply.status == 200, reply.body
    return [user["username"] for user in reply.body["items"]]


def emails_to(address: str) -> list[dict[str, Any]]:
    return [email for email in outbox.items() if address in email["to"]]


def temporary_password(username: str) -> str:
    """From the newest welcome email to the user."""
    welcome = emails_to(username)[-1]
    found = re.search(r"Temporary password: (\S+)", welcome["text"])
    assert found, welcome["text"]
    return found.group(1)


def login(username: str, password: str) -> Reply:
    return call("POST", "/auth/login", body={"username": username, "password": password})


def first_sign_in(username: str, password: str = CHOSEN_PASSWORD) -> dict[str, Any]:
    """The welcome email's temporary password, the challenge, and a password of the user's own: tokens."""
    challenge = login(username, temporary_password(username))
    assert challenge.status == 200, challenge.body
    assert challenge.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    answer = call(
        "POST",
        "/auth/new-password",
        body={"username": username, "session": challenge.body["session"], "new_password": password},
    )
    assert answer.status == 200, answer.body
    tokens: dict[str, Any] = answer.body
    return tokens


def pool_users(user_pool_id: str, username: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = boto3.client("cognito-idp").list_users(
        UserPoolId=user_pool_id, Filter=f'username = "{username}"'
    )["Users"]
    return found


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the test only reads what Cognito issued)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


# -- adding --------------------------------------------------------------------------------------------------


def test_a_new_user_gets_a_welcome_email_and_signs_in_with_it(team: dict[str, str]) -> None:
    username = unique()
    reply = create(new_user(username.upper(), first_name="Pat", last_name="Lee", time_zone="America/Halifax"))
    assert reply.status == 201, reply.body
    assert reply.body == {
        "username": username,
        "first_name": "Pat",
        "last_name": "Lee",
        "time_zone": "America/Halifax",
        "notifications_enabled": True,
        "language": "en",  # the account's default: it is billed in Ontario
        "created_at": reply.body["created_at"],
        "top_user": False,
    }
    assert listed() == [BOSS.username, username]

    [welcome] = emails_to(username)
    temporary = temporary_password(username)
    assert welcome["to"] == [username]
    assert welcome["subject"] == "Your Billing Portal invitation"
    for body in (welcome["text"], welcome["html"]):
        assert username in body
        assert temporary in body
        assert team["PortalUrl"] in body
    assert f'href="{team["PortalUrl"]}/sign-in"' in welcome["html"]

    [pooled] = pool_users(team["UserPool"], username)
    attributes = {a["Name"]: a["Value"] for a in pooled["Attributes"]}
    assert pooled["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert attributes["custom:account_id"] == ERABLE
    assert attributes["email"] == username

    tokens = first_sign_in(username)
    assert claims_of(tokens["id_token"])["custom:account_id"] == ERABLE
    again = login(username, CHOSEN_PASSWORD)
    assert again.status == 200 and again.body["id_token"], again.body
    assert_error(login(username, temporary), 401)
    # The new user manages the same account's users, with the same rights.
    assert listed(Caller(ERABLE, username)) == [BOSS.username, username]


def test_users_are_listed_oldest_first_with_the_top_user_first(team: dict[str, str]) -> None:
    added = [unique("zoe"), unique("adam"), unique("marc")]
    for username in added:
        assert create(new_user(username)).status == 201
    items = call("GET", "/users", BOSS).body["items"]
    assert [u["username"] for u in items] == [BOSS.username, *added]
    assert [u["top_user"] for u in items] == [True, False, False, False]
    assert [u["created_at"] for u in items] == sorted(u["created_at"] for u in items)
    assert listed(STRANGER) == [STRANGER.username]


def test_an_existing_username_is_409_with_the_help_centre_sentence(team: dict[str, str]) -> None:
    username = unique()
    assert create(new_user(username)).status == 201
    for caller, spelled in ((BOSS, username), (STRANGER, username.upper()), (BOSS, BOSS.username)):
        reply = create(new_user(spelled), caller)
        assert_error(reply, 409)
        assert reply.body["message"] == USERNAME_TAKEN
    assert len(emails_to(username)) == 1
    assert listed(STRANGER) == [STRANGER.username]


BAD_NEW_USERS: dict[str, Any] = {
    "not-an-email": new_user("not-an-email"),
    "no-domain-dot": new_user("pat@erable"),
    "129-characters": new_user("p" * 64 + "@" + "b" * 56 + ".example"),  # an email; Cognito takes 128
    "huge-username": new_user("x" * 100_000 + "@erable.example"),
    "null-username": new_user(None),
    "newline-in-name": new_user("pat@erable.example", first_name="Pat\nBcc: everyone@example.com"),
    "nul-in-name": new_user("pat@erable.example", first_name="Pat\x00"),
    "c1-control-in-name": new_user("pat@erable.example", last_name="Lee\x85Bcc: everyone@example.com"),
    "blank-name": new_user("pat@erable.example", last_name="   "),
    "huge-name": new_user("pat@erable.example", last_name="L" * 100_000),
    "markup-in-name": new_user("pat@erable.example", first_name="<img src=x onerror=alert(1)>"),
    "unknown-time-zone": new_user("pat@erable.example", time_zone="Mars/Olympus_Mons"),
    "path-as-time-zone": new_user("pat@erable.example", time_zone="../../../etc/passwd"),
    "huge-time-zone": new_user("pat@erable.example", time_zone="T" * 100_000),
    "notifications-not-boolean": new_user("pat@erable.example", notifications_enabled="yes please"),
    "account-id-field": new_user("pat@erable.example", account_id=OTHER),
    "unknown-field": new_user("pat@erable.example", role="admin"),
    "names-missing": {"username": "pat@erable.example"},
    "a-list": [new_user("pat@erable.example")],
}


def test_a_bad_new_user_is_422_and_nothing_is_made(team: dict[str, str]) -> None:
    for case, body in BAD_NEW_USERS.items():
        reply = create(body)
        assert reply.status == 422, (case, reply.body)
        assert_error(reply, 422, "validation_failed")
    assert listed() == [BOSS.username]
    assert outbox.items() == []
    assert boto3.client("cognito-idp").list_users(UserPoolId=team["UserPool"])["Users"] == []


def test_a_body_that_is_not_json_is_400_and_nothing_is_made(team: dict[str, str]) -> None:
    for raw in ("", "{", '{"username": "pat@erable.example",}', "null x"):
        reply = create(raw)
        assert reply.status == 400, (raw, reply.body)
        assert_error(reply, 400, "bad_request")
    assert listed() == [BOSS.username]
    assert outbox.items() == []


def test_every_users_route_needs_a_signed_in_user(team: dict[str, str]) -> None:
    assert_error(call("GET", "/users"), 401, "not_signed_in")
    assert_error(call("POST", "/users", body=new_user(unique())), 401, "not_signed_in")
    assert_error(call("PATCH", f"/users/{BOSS.username}", body={"first_name": "X"}), 401, "not_signed_in")
    assert_error(call("DELETE", f"/users/{BOSS.username}"), 401, "not_signed_in")
    assert listed() == [BOSS.username]
    assert outbox.items() == []


# -- editing -------------------------------------------------------------------------------------------------


def test_a_user_edits_names_time_zone_and_notifications(team: dict[str, str]) -> None:
    username = unique()
    created = create(new_user(username)).body
    reply = call(
        "PATCH",
        f"/users/{username}",
        BOSS,
        body={"first_name": "Patricia", "last_name": "Lee-Ng", "time_zone": "America/Vancouver"},
    )
    assert reply.status == 200, reply.body
    assert reply.body == created | {
        "first_name": "Patricia",
        "last_name": "Lee-Ng",
        "time_zone": "America/Vancouver",
    }
    off = call("PATCH", f"/users/{username.upper()}", BOSS, body={"notifications_enabled": False})
    assert off.status == 200, off.body
    assert off.body["notifications_enabled"] is False
    assert off.body["first_name"] == "Patricia"
    [shown] = [u for u in call("GET", "/users", BOSS).body["items"] if u["username"] == username]
    assert shown == off.body


REFUSED_EDITS: list[dict[str, Any]] = [
    {"username": "someone.else@erable.example"},  # the username never changes
    {"first_name": "Pat", "username": "someone.else@erable.example"},
    {},
    {"first_name": None},
    {"time_zone": "Nowhere/City"},
    {"first_name": "Pat\r\nX"},
    {"last_name": "L" * 61},
    {"created_at": "2020-01-01T00:00:00+00:00"},
    {"top_user": True},
]


def test_refused_edits_are_422_and_change_nothing(team: dict[str, str]) -> None:
    username = unique()
    created = create(new_user(username)).body
    for body in REFUSED_EDITS:
        reply = call("PATCH", f"/users/{username}", BOSS, body=body)
        assert reply.status == 422, (body, reply.body)
        assert_error(reply, 422, "validation_failed")
    assert call("GET", "/users", BOSS).body["items"][1] == created


def test_another_accounts_user_cannot_be_edited_or_deleted(team: dict[str, str]) -> None:
    theirs = STRANGER.username
    for method, body in (("PATCH", {"first_name": "Mallory"}), ("DELETE", None)):
        stolen = call(method, f"/users/{theirs}", BOSS, body=body)
        missing = call(method, "/users/nobody@erable.example", BOSS, body=body)
        assert_error(stolen, 404, "not_found")
        assert stolen.body == missing.body
    [still] = call("GET", "/users", STRANGER).body["items"]
    assert (still["username"], still["first_name"]) == (theirs, "Dana")


# -- deleting ------------------------------------------------------------------------------------------------


def test_a_deleted_user_is_gone_cannot_sign_in_and_their_username_stays_taken(team: dict[str, str]) -> None:
    username = unique()
    create(new_user(username))
    tokens = first_sign_in(username)
    assert call("POST", "/auth/refresh", body={"refresh_token": tokens["refresh_token"]}).status == 200

    reply = call("DELETE", f"/users/{username}", BOSS)
    assert (reply.status, reply.body) == (204, None)
    assert listed() == [BOSS.username]
    assert pool_users(team["UserPool"], username) == []
    assert_error(login(username, CHOSEN_PASSWORD), 401)
    assert_error(call("POST", "/auth/refresh", body={"refresh_token": tokens["refresh_token"]}), 401)
    # Deleting is permanent: the username cannot be used again, by this account or any other.
    for caller in (BOSS, STRANGER):
        again = create(new_user(username), caller)
        assert_error(again, 409)
        assert again.body["message"] == USERNAME_TAKEN
    assert_error(call("DELETE", f"/users/{username}", BOSS), 404)
    assert len(emails_to(username)) == 1


def test_nobody_can_delete_their_own_user(team: dict[str, str]) -> None:
    for spelled in (BOSS.username, BOSS.username.upper()):
        reply = call("DELETE", f"/users/{spelled}", BOSS)
        assert_error(reply, 403, "forbidden")
        assert reply.body["message"] == "You cannot delete your own Billing Portal user account."
    assert listed() == [BOSS.username]


def test_any_user_of_the_account_may_delete_another(team: dict[str, str]) -> None:
    first, second = unique("first"), unique("second")
    create(new_user(first))
    create(new_user(second))
    assert call("DELETE", f"/users/{BOSS.username}", Caller(ERABLE, second)).status == 204
    assert listed(Caller(ERABLE, first)) == [first, second]
    assert call("GET", "/users", Caller(ERABLE, first)).body["items"][0]["top_user"] is True


# -- at the same moment --------------------------------------------------------------------------------------


class TakingTurns:
    """A lock granted in the order it was asked for, with a start line: the first request of each of the
    `rivals` worker threads waits until all of them have asked, so every rival's first request is served
    before any rival's second one. From there, a thread that has just been served queues behind the ones
    already waiting: the requests of concurrent invocations interleave as much as they can."""

    def __init__(self, rivals: int) -> None:
        self._turns = threading.Condition()
        self._issued = 0
        self._serving = 0
        self._start_line = threading.Barrier(rivals, timeout=30)
        self._started: set[threading.Thread] = set()

    def __enter__(self) -> None:
        with self._turns:
            ticket = self._issued
            self._issued += 1
        thread = threading.current_thread()
        with self._turns:
            first = thread is not threading.main_thread() and thread not in self._started
            self._started.add(thread)
        if first:
            self._start_line.wait()
        with self._turns:
            self._turns.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._turns:
            self._serving += 1
            self._turns.notify_all()


def one_request_at_a_time(monkeypatch: pytest.MonkeyPatch, rivals: int) -> None:
    """DynamoDB and Cognito serve each request atomically; moto in-process does not when threads call it at
    once. One request at a time, in turns, restores that and nothing more: the requests of the `rivals`
    concurrent invocations interleave, so only a conditional write can keep them apart."""
    turns = TakingTurns(rivals)
    serve = BotocoreStubber.process_request

    def serialized(self: BotocoreStubber, request: Any) -> Any:
        with turns:
            return serve(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialized)


def run_together(attempt: Callable[[int], T], count: int) -> list[T]:
    """`attempt(0)` to `attempt(count - 1)`, each on a thread of its own, all at once; their results."""
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            results[number] = attempt(number)
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [results[number] for number in range(count)]


def execution_environments(logical_id: str, count: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`count` copies of a function's handler, each loaded on its own, as Lambda runs concurrent requests in
    separate execution environments (a resolver keeps the current event, so one copy serves one request)."""
    function = template.functions()[logical_id]
    handlers = []
    for number in range(count):
        name = f"functions_{function.code_dir.name}_app_environment_{number}"
        spec = importlib.util.spec_from_file_location(name, function.module_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        handlers.append(getattr(module, function.handler_name))
    return handlers


RIVALS = 8


def test_simultaneous_creates_of_one_username_have_exactly_one_winner(
    team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one_request_at_a_time(monkeypatch, RIVALS)
    username = unique("race")
    handlers = execution_environments("UsersFunction", RIVALS, monkeypatch)
    callers = [BOSS if number % 2 == 0 else STRANGER for number in range(RIVALS)]

    def attempt(number: int) -> tuple[int, dict[str, Any]]:
        event = events.api_event(
            "POST",
            "/users",
            "/users",
            headers={"Content-Type": "application/json"},
            body=json.dumps({**new_user(username, first_name=f"Rival {number}"), "language": "en"}),
            claims=callers[number].claims,
        )
        context = functions.LambdaContext("UsersFunction", f"race-{number}")
        response = handlers[number](event, context)
        return response["statusCode"], json.loads(response["body"])

    answers = run_together(attempt, RIVALS)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (RIVALS - 1), answers
    [(winner, created)] = [(n, body) for n, (status, body) in enumerate(answers) if status == 201]
    assert all(body["message"] == USERNAME_TAKEN for status, body in answers if status == 409)
    assert created["first_name"] == f"Rival {winner}"

    owner, bystander = (BOSS, STRANGER) if callers[winner] is BOSS else (STRANGER, BOSS)
    assert listed(owner).count(username) == 1
    assert username not in listed(bystander)
    [pooled] = pool_users(team["UserPool"], username)
    assert {a["Name"]: a["Value"] for a in pooled["Attributes"]}["custom:account_id"] == owner.account_id
    [welcome] = emails_to(username)
    assert f"Hello Rival {winner}," in welcome["text"]
    # The winner's user works: the losers undid nothing of it.
    assert first_sign_in(username)["id_token"]


# -- nothing half-made ---------------------------------------------------------------------------------------


def test_when_cognito_fails_nothing_is_kept_and_the_username_is_free(
    team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    username = unique()
    original = CognitoDirectory.create_user

    def unavailable(self: CognitoDirectory, *args: Any) -> None:
        monkeypatch.setattr(CognitoDirectory, "create_user", original)  # once
        raise ClientError(
            {"Error": {"Code": "InternalErrorException", "Message": "Cognito is unavailable"}},
            "AdminCreateUser",
        )

    monkeypatch.setattr(CognitoDirectory, "create_user", unavailable)
    reply = create(new_user(username))
    assert_error(reply, 500, "internal_error")
    assert "Cognito" not in reply.body["message"]  # no internals leak
    assert listed() == [BOSS.username]
    assert pool_users(team["UserPool"], username) == []
    assert emails_to(username) == []
    # Nothing holds the username: trying again works.
    assert create(new_user(username)).status == 201
    assert listed() == [BOSS.username, username]
    assert len(emails_to(username)) == 1


def test_when_the_welcome_email_cannot_be_sent_the_user_is_removed_and_the_answer_says_so(
    team: dict[str, str],
) -> None:
    ses = boto3.client("ses")
    # SES now refuses every message from the sender, as it refuses any unverified address in its sandbox.
    ses.delete_identity(Identity=team["SenderEmail"])
    username = unique()
    reply = create(new_user(username))
    assert_error(reply, 503, "email_refused")
    assert reply.body["message"] == (
        "The invitation email could not be sent to this address, so the user was not added: the portal "
        "cannot send email to it yet. Contact the billing team at billing@net2phone.ca or 1-877-498-3772 "
        "(option 4)."
    )
    assert listed() == [BOSS.username]
    assert pool_users(team["UserPool"], username) == []
    assert outbox.items() == []

    ses.verify_email_identity(EmailAddress=team["SenderEmail"])
    assert create(new_user(username)).status == 201
    assert listed() == [BOSS.username, username]
    first_sign_in(username)


# -- deleting ends sessions; the billing team's restore -------------------------------------------------


def restore(account_id: str, username: str) -> dict[str, Any]:
    result: dict[str, Any] = functions.handler("RestoreUserFunction")(
        {"account_id": account_id, "username": username},
        functions.LambdaContext("RestoreUserFunction", str(uuid.uuid4())),
    )
    return result


def test_a_restored_user_is_listed_again_invited_afresh_and_old_sessions_stay_ended(
    team: dict[str, str],
) -> None:
    username = unique()
    created = create(new_user(username, first_name="Patricia", time_zone="America/Halifax")).body
    tokens = first_sign_in(username)
    assert call("DELETE", f"/users/{username}", BOSS).status == 204

    result = restore(ERABLE, username.upper())
    assert result["status"] == "restored", result
    assert result["user"] == created
    [shown] = [u for u in call("GET", "/users", BOSS).body["items"] if u["username"] == username]
    assert shown == created  # same names, settings and place in the list
    invitations = emails_to(username)
    assert len(invitations) == 2
    assert invitations[-1]["subject"] == "Your Billing Portal invitation"
    # The sessions from before the delete were ended, not merely orphaned: the restored user's old
    # refresh token does not come back to life.
    assert_error(call("POST", "/auth/refresh", body={"refresh_token": tokens["refresh_token"]}), 401)
    assert_error(login(username, CHOSEN_PASSWORD), 401)
    first_sign_in(username, "Back-Again-2026-Pass")
    # Restored means taken again.
    assert_error(create(new_user(username)), 409)


def test_only_a_deleted_user_of_the_same_account_is_restored(team: dict[str, str]) -> None:
    deleted = unique("gone")
    create(new_user(deleted))
    assert call("DELETE", f"/users/{deleted}", BOSS).status == 204
    before = outbox.items()
    for account_id, username in (
        (OTHER, deleted),  # another account's deleted user
        (ERABLE, BOSS.username),  # never deleted
        (ERABLE, unique("never")),  # never existed
    ):
        result = restore(account_id, username)
        assert result["status"] == "rejected", result
        assert result["http_status"] == 404
    for malformed in (
        {"account_id": ERABLE},
        {"account_id": "../x", "username": deleted},
        {"username": deleted},
    ):
        result = functions.handler("RestoreUserFunction")(malformed, functions.LambdaContext("Restore", "r"))
        assert (result["status"], result["http_status"]) == ("rejected", 422)
    assert outbox.items() == before
    assert listed() == [BOSS.username]
    assert listed(STRANGER) == [STRANGER.username]


def test_no_api_route_reaches_the_restore_function() -> None:
    assert [route for route in template.routes() if route.function == "RestoreUserFunction"] == []
    restore_function = template.resources()["RestoreUserFunction"]
    assert not restore_function["Properties"].get("Events")
    assert "FunctionUrlConfig" not in restore_function["Properties"]
    # Nothing else opens it up: no URL, no permission for another service or account to invoke it.
    for logical_id, resource in template.resources().items():
        if resource["Type"] in ("AWS::Lambda::Url", "AWS::Lambda::Permission"):
            assert "RestoreUserFunction" not in json.dumps(resource), logical_id
    assert not hasattr(functions.module("RestoreUserFunction"), "app")


# -- a token speaks for its user only while they are one -----------------------------------------------


def with_token(method: str, route: str, token: str, body: Any = None, path: str | None = None) -> Reply:
    """A request to a template route with `Authorization: Bearer <token>`, its claims as API Gateway's
    Cognito authorizer hands them over (every path parameter `x` unless the path is given)."""
    parameters = dict.fromkeys(re.findall(r"\{(\w+)\}", route), "x")
    [function] = [r.function for r in template.routes() if (r.method, r.path) == (method, route)]
    event = events.api_event(
        method,
        route,
        path or re.sub(r"\{\w+\}", "x", route),
        path_parameters=parameters or None,
        headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
        body=json.dumps(body) if body is not None else None,
        claims={name: str(value) for name, value in claims_of(token).items()},
    )
    response = functions.handler(function)(event, functions.LambdaContext(function, str(uuid.uuid4())))
    headers = {name: ", ".join(values) for name, values in (response.get("multiValueHeaders") or {}).items()}
    parsed = json.loads(response["body"]) if response.get("body") else None
    return Reply(response["statusCode"], parsed, headers | dict(response.get("headers") or {}))


def table_items(physical: dict[str, str]) -> list[str]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=physical["PortalTable"])
    return sorted(json.dumps(item, sort_keys=True) for page in pages for item in page["Items"])


SOME_BODIES: dict[str, Any] = {
    "POST /users": new_user("mallory@erable.example"),
    "POST /payments": {"amount": "10.00", "new_payment_method": {"token": "tok_visa"}},
    "PATCH /account/profile": {"time_zone": "America/Regina"},
    "PATCH /users/{username}": {"first_name": "Mallory"},
    "POST /payment-methods": {"token": "tok_visa"},
    "PUT /autopay": {"enabled": False},
    "POST /invoices/{id}/cdr-exports": {"format": "csv"},
}


def test_a_deleted_users_token_is_refused_on_every_signed_in_route_and_changes_nothing(
    team: dict[str, str],
) -> None:
    username = unique()
    assert create(new_user(username)).status == 201
    token = first_sign_in(username)["id_token"]
    assert with_token("GET", "/me", token).status == 200
    assert call("DELETE", f"/users/{username}", BOSS).status == 204
    before = table_items(team)

    signed_in_routes = [route for route in template.routes() if not route.public]
    assert len(signed_in_routes) >= 15
    for route in signed_in_routes:
        reply = with_token(route.method, route.path, token, SOME_BODIES.get(f"{route.method} {route.path}"))
        assert (reply.status, reply.body) == (
            401,
            {"message": "Sign in to continue.", "code": "not_signed_in"},
        ), f"{route.method} {route.path}"
    assert table_items(team) == before
    assert "mallory@erable.example" not in listed()


def test_a_token_from_before_a_delete_stays_refused_after_a_restore(team: dict[str, str]) -> None:
    username = unique()
    create(new_user(username))
    old = first_sign_in(username)["id_token"]
    assert call("DELETE", f"/users/{username}", BOSS).status == 204
    assert restore(ERABLE, username)["status"] == "restored"
    assert_error(with_token("GET", "/me", old), 401, "not_signed_in")
    new = first_sign_in(username, "Back-Again-2026-Pass")["id_token"]
    assert with_token("GET", "/me", new).body["username"] == username


def test_of_two_users_deleting_each_other_at_the_same_moment_one_wins_and_the_account_keeps_a_user(
    team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = unique("first"), unique("second")
    for username in (first, second):
        assert create(new_user(username)).status == 201
    handlers = execution_environments("UsersFunction", 2, monkeypatch)
    one_request_at_a_time(monkeypatch, 2)
    pairs = [(first, second), (second, first)]

    def attempt(number: int) -> tuple[int, Any]:
        deleting, deleted = pairs[number]
        event = events.api_event(
            "DELETE",
            "/users/{username}",
            f"/users/{deleted}",
            path_parameters={"username": deleted},
            claims=Caller(ERABLE, deleting).claims,
        )
        response = handlers[number](event, functions.LambdaContext("UsersFunction", f"delete-{number}"))
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else None

    answers = run_together(attempt, 2)

    assert sorted(status for status, _ in answers) == [204, 409], answers
    [(winner, _)] = [pairs[n] for n, (status, _) in enumerate(answers) if status == 204]
    [refusal] = [body for status, body in answers if status == 409]
    assert refusal == {"message": str(DELETED_MEANWHILE), "code": "deleted_meanwhile"}
    loser = second if winner == first else first
    assert listed() == [BOSS.username, winner]
    assert pool_users(team["UserPool"], winner) != []
    assert pool_users(team["UserPool"], loser) == []
