"""Forgot password and reset with the emailed code, on the domain with the user pool, the mailer, the codes
and the clock in memory: who gets which email, how often, and what a code can and cannot do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from billing_portal.http.resolver import session_is_current
from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications.mail import MailNotSent
from billing_portal.shared.errors import ValidationFailed
from billing_portal.users.reset import (
    CODE_MINUTES,
    INVALID_CODE,
    MAX_ATTEMPTS,
    RESEND_AFTER_SECONDS,
    PasswordReset,
)
from billing_portal.users.service import NewUser, UserService

from .fakes import FakeDirectory, FakeMailer, FakeResetCodes, FakeUserRecords

ACCOUNT = "acct-erable"
PORTAL_URL = "https://portal.example.ca"
PAT = "pat@erable.example"
NEW_PASSWORD = "Maple-Leaf-2026-Snow"
FIRST_PASSWORD = "First-Choice-2026-ok"
START = datetime(2026, 11, 2, 15, 4, 5, tzinfo=UTC)  # on a whole second


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.waited: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        """A wait the service asks for: the clock moves on by it, no test waits."""
        self.waited.append(seconds)
        self.advance(seconds)


class World:
    def __init__(self) -> None:
        self.records = FakeUserRecords()
        self.directory = FakeDirectory()
        self.mailer = FakeMailer()
        self.codes = FakeResetCodes()
        self.clock = Clock()
        self.users = UserService(
            records=self.records,
            directory=self.directory,
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=self.clock,
            sleep=self.clock.sleep,
        )
        self.reset = PasswordReset(
            records=self.records,
            directory=self.directory,
            codes=self.codes,
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=self.clock,
            sleep=self.clock.sleep,
        )

    def invite(self, username: str) -> None:
        body = {"username": username, "first_name": "Pat", "last_name": "Lee", "time_zone": "America/Toronto"}
        self.users.create(ACCOUNT, NewUser.model_validate(body))

    def signed_up(self, username: str) -> None:
        """Invited, and the first sign-in done with FIRST_PASSWORD."""
        self.invite(username)
        self.directory.first_sign_in(username, FIRST_PASSWORD)

    def last_email(self, username: str) -> tuple[str, str, str]:
        email = self.mailer.to(username)[-1]
        return email.subject, email.text, email.html

    def code(self, username: str) -> str:
        _, text, _ = self.last_email(username)
        found = re.search(r"verification code: (\d{6})\b", text)
        assert found, text
        return found.group(1)


@pytest.fixture
def world() -> World:
    return World()


def refused(world: World, username: str, code: str, password: str = NEW_PASSWORD) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as error:
        world.reset.reset(username, code, password)
    return error.value


# -- forgot ------------------------------------------------------------------------------------------------


def test_a_signed_up_user_gets_a_code_by_email(world: World) -> None:
    world.signed_up(PAT)
    sent = len(world.mailer.sent)
    world.reset.forgot("  Pat@Erable.Example ")
    assert len(world.mailer.sent) == sent + 1
    subject, text, html = world.last_email(PAT)
    code = world.code(PAT)
    assert "Reset" in subject
    for body in (text, html):
        assert code in body
        assert PAT in body
        assert PORTAL_URL in body
        assert f"{CODE_MINUTES} minutes" in body
    # Nothing changed yet: the old password still stands until the code is used.
    assert world.directory.users[PAT].password == FIRST_PASSWORD


@pytest.mark.parametrize("who", ["unknown", "deleted", "only-in-the-pool", "only-in-the-records"])
def test_forgot_for_someone_who_cannot_sign_in_sends_nothing(world: World, who: str) -> None:
    world.signed_up("boss@erable.example")
    if who == "deleted":
        world.signed_up(PAT)
        world.users.delete(ACCOUNT, "boss@erable.example", PAT)
    elif who == "only-in-the-pool":
        world.directory.create_user(PAT, ACCOUNT, "Temporary-Pass-2026")
    elif who == "only-in-the-records":
        world.records.claim(PortalUser(ACCOUNT, PAT, "Pat", "Lee", "America/Toronto", False, "2026-01-01"))
    sent = len(world.mailer.sent)
    world.reset.forgot(PAT)
    assert len(world.mailer.sent) == sent
    assert world.codes.codes == {}


@pytest.mark.parametrize(
    "failure", [MailNotSent("SES refused the email: Throttling", passing=True), OSError()]
)
def test_when_the_code_cannot_be_sent_forgot_stays_quiet_and_the_next_press_sends_one(
    world: World, failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    world.signed_up(PAT)
    sent = len(world.mailer.sent)
    world.mailer.failing = failure
    world.reset.forgot(PAT)  # no error: the answer must not tell that the username exists
    [logged] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert "could not be sent" in logged.getMessage()
    assert PAT not in str(vars(logged)).lower()  # nor any part of the message sent
    # Withdrawn, not waited on: pressing again sends a code at once, and that code works.
    world.mailer.failing = None
    world.reset.forgot(PAT)
    assert len(world.mailer.sent) == sent + 1
    world.reset.reset(PAT, world.code(PAT), NEW_PASSWORD)
    assert world.directory.users[PAT].password == NEW_PASSWORD


def test_when_a_new_invitation_cannot_be_sent_forgot_stays_quiet_and_the_next_press_sends_one(
    world: World,
) -> None:
    world.invite(PAT)
    world.mailer.failing = MailNotSent("SES refused the email: ServiceUnavailable", passing=True)
    world.reset.forgot(PAT)
    world.mailer.failing = None
    world.reset.forgot(PAT)
    invitations = world.mailer.to(PAT)
    assert len(invitations) == 2
    new_temporary = re.search(r"Temporary password: (\S+)", invitations[-1].text)
    assert new_temporary and world.directory.users[PAT].password == new_temporary.group(1)


def test_a_user_who_never_finished_the_first_sign_in_gets_a_new_invitation(world: World) -> None:
    world.invite(PAT)
    [first] = world.mailer.to(PAT)
    old_temporary = re.search(r"Temporary password: (\S+)", first.text)
    assert old_temporary
    world.reset.forgot(PAT)
    invitations = world.mailer.to(PAT)
    assert len(invitations) == 2
    assert invitations[-1].subject == first.subject  # a welcome email again, not a code
    new_temporary = re.search(r"Temporary password: (\S+)", invitations[-1].text)
    assert new_temporary and new_temporary.group(1) != old_temporary.group(1)
    pooled = world.directory.users[PAT]
    assert (pooled.password, pooled.status) == (new_temporary.group(1), "FORCE_CHANGE_PASSWORD")
    assert not any("verification code" in email.text for email in world.mailer.to(PAT))


def test_invitations_sent_by_forgot_are_limited_to_one_a_minute(world: World) -> None:
    world.invite(PAT)
    world.reset.forgot(PAT)
    world.reset.forgot(PAT)
    assert len(world.mailer.to(PAT)) == 2  # the first invitation and one new one
    world.clock.advance(RESEND_AFTER_SECONDS)
    world.reset.forgot(PAT)
    assert len(world.mailer.to(PAT)) == 3


def test_one_code_a_minute_however_often_forgot_is_pressed(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    first = world.code(PAT)
    sent = len(world.mailer.sent)
    world.clock.advance(RESEND_AFTER_SECONDS - 1)
    world.reset.forgot(PAT)
    assert len(world.mailer.sent) == sent
    world.clock.advance(1)
    world.reset.forgot(PAT)
    assert len(world.mailer.sent) == sent + 1
    second = world.code(PAT)
    # Only the newest code works.
    if second != first:
        assert refused(world, PAT, first).message == INVALID_CODE
    world.reset.reset(PAT, second, NEW_PASSWORD)
    assert world.directory.users[PAT].password == NEW_PASSWORD


# -- reset -------------------------------------------------------------------------------------------------


def test_the_emailed_code_sets_the_new_password_and_ends_every_session(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    world.reset.reset("PAT@erable.example", f" {world.code(PAT)} ", NEW_PASSWORD)
    pooled = world.directory.users[PAT]
    assert (pooled.password, pooled.status, pooled.sessions) == (NEW_PASSWORD, "CONFIRMED", 0)


def test_a_reset_ends_every_session_from_before_it_even_of_the_same_second(world: World) -> None:
    world.signed_up(PAT)
    signed_in_before = {"auth_time": str(int(world.clock().timestamp()))}
    world.reset.forgot(PAT)
    world.reset.reset(PAT, world.code(PAT), NEW_PASSWORD)
    sessions = world.records.sessions_of(ACCOUNT, PAT)
    assert sessions is not None
    assert not session_is_current(signed_in_before, sessions)
    # The reset answers once a sign-in with the new password is stamped late enough to be served.
    signed_in_after = {"auth_time": str(int(world.clock().timestamp()))}
    assert session_is_current(signed_in_after, sessions)
    assert sum(world.clock.waited) <= 1


def test_a_code_works_once(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    world.reset.reset(PAT, code, NEW_PASSWORD)
    assert refused(world, PAT, code, "Another-Choice-2026-x").message == INVALID_CODE
    assert world.directory.users[PAT].password == NEW_PASSWORD


def test_a_wrong_code_is_refused_and_the_right_one_still_works(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    error = refused(world, PAT, wrong)
    assert (error.status, error.message) == (422, INVALID_CODE)
    assert world.directory.users[PAT].password == FIRST_PASSWORD
    world.reset.reset(PAT, code, NEW_PASSWORD)
    assert world.directory.users[PAT].password == NEW_PASSWORD


def test_after_too_many_wrong_codes_even_the_right_one_is_refused(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_ATTEMPTS):
        refused(world, PAT, wrong)
    assert refused(world, PAT, code).message == INVALID_CODE
    assert world.directory.users[PAT].password == FIRST_PASSWORD
    # A new code, a minute later, works.
    world.clock.advance(RESEND_AFTER_SECONDS)
    world.reset.forgot(PAT)
    world.reset.reset(PAT, world.code(PAT), NEW_PASSWORD)
    assert world.directory.users[PAT].password == NEW_PASSWORD


def test_a_code_expires(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    world.clock.advance(CODE_MINUTES * 60)
    assert refused(world, PAT, code).message == INVALID_CODE
    assert world.directory.users[PAT].password == FIRST_PASSWORD


def test_a_code_is_for_its_own_user_only(world: World) -> None:
    world.signed_up(PAT)
    world.signed_up("sam@erable.example")
    world.reset.forgot(PAT)
    assert refused(world, "sam@erable.example", world.code(PAT)).message == INVALID_CODE
    assert world.directory.users["sam@erable.example"].password == FIRST_PASSWORD


def test_a_reset_without_a_code_asked_for_is_refused_like_a_wrong_code(world: World) -> None:
    world.signed_up(PAT)
    assert refused(world, PAT, "123456").message == INVALID_CODE
    assert refused(world, "nobody@erable.example", "123456").message == INVALID_CODE


def test_a_new_password_that_breaks_a_rule_is_refused_and_the_code_kept(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    error = refused(world, PAT, code, "maple-leaf-snow")
    assert error.status == 422
    assert [str(d.message) for d in error.details] == [
        "The password must contain at least 2 digits.",
        "The password must include both uppercase and lowercase letters.",
    ]
    assert {d.field for d in error.details} == {"new_password"}
    error = refused(world, PAT, code, "Pat@Erable.example-2026")
    assert [str(d.message) for d in error.details] == ["The password must not contain your username."]
    # The rules were checked before the code: it still works.
    world.reset.reset(PAT, code, NEW_PASSWORD)
    assert world.directory.users[PAT].password == NEW_PASSWORD


def test_two_resets_with_one_code_cannot_both_win(world: World) -> None:
    world.signed_up(PAT)
    world.reset.forgot(PAT)
    code = world.code(PAT)
    # The rival reset uses the code between this one's check and its use of the code.
    world.codes.before_consume = lambda username: world.reset.reset(username, code, "Rival-Choice-2026-x")
    assert refused(world, PAT, code).message == INVALID_CODE
    assert world.directory.users[PAT].password == "Rival-Choice-2026-x"
