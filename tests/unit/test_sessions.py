"""The HTTP edge's check that a token still speaks for a user of the account, on every signed-in route: a
deleted user, one whose delete is under way, or a sign-in from before a password reset is refused with 401
before anything is read or changed; the user records stand in memory for the table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from billing_portal.http.resolver import PortalResolver, edge_settings, handle, session_is_current
from billing_portal.ledger.ports import PortalUser, UserSessions
from localrun.events import api_event
from localrun.functions import LambdaContext

from .fakes import FakeUserRecords

ACCOUNT = "acct-erable"
PAT = "pat@erable.example"
SIGNED_IN_AT = 1_793_631_845
CLAIMS = {
    "custom:account_id": ACCOUNT,
    "cognito:username": "Pat@Erable.example",
    "auth_time": str(SIGNED_IN_AT),
}


@pytest.fixture(autouse=True)
def web_origin(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WEB_ORIGIN", "https://portal.example.ca")
    edge_settings.cache_clear()
    yield
    edge_settings.cache_clear()


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class CountingRecords(FakeUserRecords):
    """The user records, counting the edge's reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        self.reads += 1
        return super().sessions_of(account_id, username)


class Edge:
    """An API function's edge with three operations: a write, a read whose handler reads the caller's
    record itself (as the dashboard does, in the same request as the account), and a public one."""

    def __init__(self) -> None:
        self.records = CountingRecords()
        self.records.claim(PortalUser(ACCOUNT, PAT, "Pat", "Lee", "America/Toronto", True, "2026-01-01"))
        self.notes: list[str] = []
        self.forget_the_session = False
        app = PortalResolver(session_records=lambda: self.records)

        @app.operation("POST", "/notes", summary="Write", body=Note, status=201)
        def write(body: Note) -> dict[str, Any]:
            self.notes.append(body.text)
            return {"by": app.caller().username}

        @app.operation("GET", "/dashboard", summary="Read", reads_session=True)
        def read() -> dict[str, Any]:
            caller = app.caller()
            if not self.forget_the_session:
                app.confirm_session(self.records.sessions_of(caller.account_id, caller.username))
            return {"notes": list(self.notes)}

        @app.operation("GET", "/open", summary="Public", public=True)
        def public() -> dict[str, Any]:
            return {"open": True}

        self.app = app

    def call(
        self, method: str, path: str, body: Any = None, claims: dict[str, str] | None = CLAIMS
    ) -> tuple[int, dict[str, Any]]:
        event = api_event(
            method,
            path,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"},
            claims=claims,
        )
        response = handle(self.app, event, LambdaContext("test", "req-1"))
        return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def edge() -> Edge:
    return Edge()


NOT_SIGNED_IN = (401, {"message": "Sign in to continue.", "code": "not_signed_in"})


def test_a_user_of_the_account_is_served_after_one_read_of_their_record(edge: Edge) -> None:
    assert edge.call("POST", "/notes", {"text": "hello"}) == (201, {"by": PAT})
    assert edge.notes == ["hello"]
    assert edge.records.reads == 1


def test_a_deleted_users_token_is_refused_and_changes_nothing(edge: Edge) -> None:
    user = edge.records.users[(ACCOUNT, PAT)]
    edge.records.tombstone(user, "2026-11-02T15:00:00.000+00:00")
    assert edge.call("POST", "/notes", {"text": "still here?"}) == NOT_SIGNED_IN
    assert edge.call("GET", "/dashboard") == NOT_SIGNED_IN
    assert edge.notes == []


def test_a_user_whose_delete_is_under_way_is_refused(edge: Edge) -> None:
    edge.records.withdrawn.add((ACCOUNT, PAT))
    assert edge.call("POST", "/notes", {"text": "quick, before it is done"}) == NOT_SIGNED_IN
    assert edge.notes == []


def test_a_username_that_is_not_one_of_the_accounts_users_is_refused(edge: Edge) -> None:
    for claims in (
        CLAIMS | {"custom:account_id": "acct-other"},
        CLAIMS | {"cognito:username": "nobody@erable.example"},
    ):
        assert edge.call("POST", "/notes", {"text": "x"}, claims=claims) == NOT_SIGNED_IN
    assert edge.notes == []


def test_who_asks_is_checked_before_what_they_send(edge: Edge) -> None:
    edge.records.tombstone(edge.records.users[(ACCOUNT, PAT)], "2026-11-02T15:00:00.000+00:00")
    assert edge.call("POST", "/notes", {"unknown": "field"}) == NOT_SIGNED_IN


def test_a_sign_in_from_before_the_sessions_were_ended_is_refused_one_after_is_served(edge: Edge) -> None:
    edge.records.end_sessions(ACCOUNT, PAT, SIGNED_IN_AT + 1)
    assert edge.call("POST", "/notes", {"text": "old session"}) == NOT_SIGNED_IN
    assert edge.call("GET", "/dashboard") == NOT_SIGNED_IN
    later = CLAIMS | {"auth_time": str(SIGNED_IN_AT + 1)}
    assert edge.call("POST", "/notes", {"text": "new session"}, claims=later) == (201, {"by": PAT})
    assert edge.notes == ["new session"]


@pytest.mark.parametrize("auth_time", [None, "", "soon", "-1", "1793631846.5"])
def test_once_sessions_were_ended_a_token_without_a_readable_sign_in_time_is_refused(
    edge: Edge, auth_time: str | None
) -> None:
    edge.records.end_sessions(ACCOUNT, PAT, 1)
    claims = {k: v for k, v in CLAIMS.items() if k != "auth_time"}
    if auth_time is not None:
        claims["auth_time"] = auth_time
    assert edge.call("POST", "/notes", {"text": "x"}, claims=claims) == NOT_SIGNED_IN


def test_a_handler_that_reads_the_session_itself_costs_no_second_read(edge: Edge) -> None:
    assert edge.call("GET", "/dashboard") == (200, {"notes": []})
    assert edge.records.reads == 1


def test_a_signed_in_route_never_answers_without_the_session_confirmed(edge: Edge) -> None:
    edge.forget_the_session = True
    status, body = edge.call("GET", "/dashboard")
    assert (status, body["code"]) == (500, "internal_error")


def test_a_public_route_reads_no_user_record(edge: Edge) -> None:
    assert edge.call("GET", "/open", claims=None) == (200, {"open": True})
    assert edge.records.reads == 0


def test_without_claims_it_is_401_before_any_read(edge: Edge) -> None:
    assert edge.call("POST", "/notes", {"text": "x"}, claims=None) == NOT_SIGNED_IN
    assert edge.records.reads == 0


def test_the_rule_itself() -> None:
    assert session_is_current({"auth_time": "100"}, UserSessions(valid_from=0))
    assert session_is_current({}, UserSessions(valid_from=0))
    assert session_is_current({"auth_time": "100"}, UserSessions(valid_from=100))
    assert not session_is_current({"auth_time": "99"}, UserSessions(valid_from=100))
    assert not session_is_current({"auth_time": "100"}, None)


def test_the_local_authorizer_hands_over_the_claims_as_api_gateway_does() -> None:
    """`auth_time`, which the edge compares, in epoch seconds; `iat` and `exp` turned into dates."""
    from localrun.gateway import _string_claims

    claims = _string_claims({"auth_time": SIGNED_IN_AT, "iat": SIGNED_IN_AT, "exp": SIGNED_IN_AT + 900})
    assert claims == {
        "auth_time": "1793631845",
        "iat": "Mon Nov 02 15:04:05 UTC 2026",
        "exp": "Mon Nov 02 15:19:05 UTC 2026",
    }
