"""Manage Users (help centre, "Manage Billing Portal Users") on the domain, with the user pool, the mailer and
the records in memory: who is listed and in what order, the welcome email, the username taken for good, the
user that may not delete themselves, restoring, and nothing left half-made when one half fails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications.mail import MailNotSent
from billing_portal.shared import validation
from billing_portal.shared.errors import Forbidden, NotFound
from billing_portal.users import passwords
from billing_portal.users.model import (
    CANNOT_DELETE_SELF,
    USERNAME_TAKEN,
    DeletedMeanwhile,
    EmailNotSent,
    EmailRefused,
    UsernameTaken,
    oldest_first,
    top_user,
)
from billing_portal.users.service import NewUser, UserChanges, UserService

from .fakes import DirectoryUser, FakeDirectory, FakeMailer, FakeUserRecords

ACCOUNT = "acct-erable"
OTHER_ACCOUNT = "acct-other"
PORTAL_URL = "https://portal.example.ca"


class Transient(Exception):
    """A failure of a service the portal depends on (Cognito or SES), not of the request."""


class Clock:
    """The wall clock, moved only by the test (a minute after each user added) and by the waits the
    service asks for."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.waited: list[float] = []

    def __call__(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.at += timedelta(seconds=seconds)


class World:
    def __init__(self) -> None:
        self.records = FakeUserRecords()
        self.directory = FakeDirectory()
        self.mailer = FakeMailer()
        self.clock = Clock(datetime(2026, 11, 2, 15, 4, 5, 250_000, tzinfo=UTC))
        self.service = UserService(
            records=self.records,
            directory=self.directory,
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=self.clock,
            sleep=self.clock.sleep,
        )

    def add(self, username: str, account_id: str = ACCOUNT, **fields: Any) -> Any:
        body = {
            "username": username,
            "first_name": "Pat",
            "last_name": "Lee",
            "time_zone": "America/Toronto",
            "notifications_enabled": True,
        } | fields
        try:
            return self.service.create(account_id, NewUser.model_validate(body))
        finally:
            self.clock.at += timedelta(minutes=1)

    def listed(self, account_id: str = ACCOUNT) -> list[str]:
        return [user.username for user in self.service.list(account_id).items]

    def temporary_password(self, username: str) -> str:
        [welcome] = self.mailer.to(username)
        found = re.search(r"Temporary password: (\S+)", welcome.text)
        assert found, welcome.text
        return found.group(1)


@pytest.fixture
def world() -> World:
    return World()


# -- adding ------------------------------------------------------------------------------------------------


def test_a_new_user_is_listed_and_invited_with_a_temporary_password(world: World) -> None:
    created = world.add("Pat.Lee@Erable.Example", first_name="  Pat ", last_name="Lee")
    assert created.username == "pat.lee@erable.example"  # usernames ignore case, as Cognito's do
    assert (created.first_name, created.last_name) == ("Pat", "Lee")
    assert world.listed() == ["pat.lee@erable.example"]

    [welcome] = world.mailer.sent
    assert welcome.to == ("pat.lee@erable.example",)
    temporary = world.temporary_password("pat.lee@erable.example")
    for body in (welcome.text, welcome.html):
        assert "pat.lee@erable.example" in body
        assert temporary in body
        assert PORTAL_URL in body
        assert "7 days" in body
    # The pool holds the same temporary password, to be changed at the first sign-in.
    pooled = world.directory.users["pat.lee@erable.example"]
    assert (pooled.account_id, pooled.password, pooled.status) == (
        ACCOUNT,
        temporary,
        "FORCE_CHANGE_PASSWORD",
    )
    assert passwords.problems(temporary, "pat.lee@erable.example") == []


def test_each_invitation_has_its_own_temporary_password(world: World) -> None:
    world.add("pat@erable.example")
    world.add("sam@erable.example")
    assert world.temporary_password("pat@erable.example") != world.temporary_password("sam@erable.example")


def test_names_and_email_are_escaped_in_the_html_welcome(world: World) -> None:
    world.add("o'neil@erable.example", first_name="Dan & Co", last_name="O'Neil")
    [welcome] = world.mailer.sent
    assert "Hello Dan & Co," in welcome.text
    assert "Dan &amp; Co" in welcome.html
    assert "o&#x27;neil@erable.example" in welcome.html


def test_users_are_listed_oldest_first_and_the_first_is_the_top_user(world: World) -> None:
    for name in ("zoe", "adam", "marc"):
        world.add(f"{name}@erable.example")
    listed = world.service.list(ACCOUNT).items
    assert [u.username for u in listed] == [
        "zoe@erable.example",
        "adam@erable.example",
        "marc@erable.example",
    ]
    assert [u.top_user for u in listed] == [True, False, False]
    assert [u.created_at for u in listed] == sorted(u.created_at for u in listed)


def test_the_first_user_of_an_account_is_its_top_user_and_the_next_is_not(world: World) -> None:
    assert world.add("first@erable.example").top_user is True
    assert world.add("second@erable.example").top_user is False


def test_when_the_top_user_is_deleted_the_next_oldest_is_top(world: World) -> None:
    for name in ("zoe", "adam", "marc"):
        world.add(f"{name}@erable.example")
    world.service.delete(ACCOUNT, "marc@erable.example", "zoe@erable.example")
    listed = world.service.list(ACCOUNT).items
    assert [(u.username, u.top_user) for u in listed] == [
        ("adam@erable.example", True),
        ("marc@erable.example", False),
    ]


def test_each_account_lists_only_its_own_users(world: World) -> None:
    world.add("pat@erable.example")
    world.add("sam@other.example", account_id=OTHER_ACCOUNT)
    assert world.listed() == ["pat@erable.example"]
    assert world.listed(OTHER_ACCOUNT) == ["sam@other.example"]
    assert world.listed("acct-nobody") == []


def test_an_existing_username_is_refused_in_any_case_and_from_any_account(world: World) -> None:
    world.add("pat@erable.example")
    for username, account in (("pat@erable.example", ACCOUNT), ("PAT@Erable.example", OTHER_ACCOUNT)):
        with pytest.raises(UsernameTaken) as refused:
            world.add(username, account_id=account)
        assert refused.value.status == 409
        assert refused.value.message == USERNAME_TAKEN
    assert len(world.mailer.sent) == 1
    assert world.listed(OTHER_ACCOUNT) == []


def test_a_deleted_username_cannot_be_taken_again(world: World) -> None:
    world.add("pat@erable.example")
    world.add("boss@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    for account in (ACCOUNT, OTHER_ACCOUNT):
        with pytest.raises(UsernameTaken) as refused:
            world.add("pat@erable.example", account_id=account)
        assert str(refused.value.message) == "The username already exists. Please use a different username."
    assert "pat@erable.example" not in world.directory.users
    assert world.listed() == ["boss@erable.example"]


def test_a_rival_create_between_the_read_and_the_claim_loses_cleanly(world: World) -> None:
    """The other request claims the username first: this one is refused before touching the pool."""
    world.records.before_claim = lambda user: world.add(user.username, account_id=OTHER_ACCOUNT)
    with pytest.raises(UsernameTaken):
        world.add("pat@erable.example")
    assert world.listed() == []
    assert world.listed(OTHER_ACCOUNT) == ["pat@erable.example"]
    assert [call for call in world.directory.calls if call[0] == "create_user"] == [
        ("create_user", "pat@erable.example")
    ]
    assert len(world.mailer.sent) == 1


# -- nothing half-made ---------------------------------------------------------------------------------------


def test_when_the_pool_refuses_the_user_nothing_is_kept_and_the_username_is_free(world: World) -> None:
    world.directory.fail["create_user"] = Transient("Cognito is unavailable")
    with pytest.raises(Transient):
        world.add("pat@erable.example")
    assert world.listed() == []
    assert world.records.claim_of("pat@erable.example") is None
    assert world.mailer.sent == []
    # Trying again later works.
    assert world.add("pat@erable.example").username == "pat@erable.example"
    assert len(world.mailer.sent) == 1


def test_a_user_the_pool_already_has_is_refused_and_the_claim_released(world: World) -> None:
    # Made in the pool by hand, say from the console, without a portal record.
    world.directory.users["pat@erable.example"] = DirectoryUser(
        OTHER_ACCOUNT, "Console-Made-2026", "CONFIRMED"
    )
    with pytest.raises(UsernameTaken):
        world.add("pat@erable.example")
    assert world.listed() == []
    assert world.records.claim_of("pat@erable.example") is None
    # The user someone else made is left alone.
    assert world.directory.users["pat@erable.example"].account_id == OTHER_ACCOUNT


def test_when_the_welcome_email_cannot_be_sent_the_user_is_removed_everywhere(world: World) -> None:
    world.mailer.failing = Transient("SES throttled")
    with pytest.raises(EmailNotSent) as refused:
        world.add("pat@erable.example")
    assert refused.value.status == 503
    assert "invitation email could not be sent" in str(refused.value.message)
    assert "Try again" in str(refused.value.message)
    assert world.listed() == []
    assert world.records.claim_of("pat@erable.example") is None
    assert "pat@erable.example" not in world.directory.users
    # Once email works again, the same username can be added.
    world.mailer.failing = None
    world.add("pat@erable.example")
    assert world.listed() == ["pat@erable.example"]


def test_an_address_the_email_service_refuses_is_told_plainly_and_nothing_is_made(world: World) -> None:
    world.mailer.failing = MailNotSent("SES refused the email: MessageRejected", passing=False)

    with pytest.raises(EmailRefused) as refused:
        world.add("pat@erable.example")

    assert (refused.value.status, refused.value.code) == (503, "email_refused")
    assert str(refused.value.message) == (
        "The invitation email could not be sent to this address, so the user was not added: the portal "
        "cannot send email to it yet. Contact the billing team at billing@net2phone.ca or 1-877-498-3772 "
        "(option 4)."
    )
    assert "Try again" not in str(refused.value.message)  # it would not help
    assert world.listed() == []
    assert world.records.claim_of("pat@erable.example") is None
    assert "pat@erable.example" not in world.directory.users


# -- editing -----------------------------------------------------------------------------------------------


def test_editing_changes_only_what_is_sent(world: World) -> None:
    before = world.add("pat@erable.example", notifications_enabled=True)
    changed = world.service.update(
        ACCOUNT,
        "PAT@erable.example",
        UserChanges.model_validate({"first_name": " Patricia ", "time_zone": "America/Halifax"}),
    )
    assert (changed.first_name, changed.last_name, changed.time_zone) == (
        "Patricia",
        "Lee",
        "America/Halifax",
    )
    assert changed.notifications_enabled is True
    assert changed.created_at == before.created_at
    assert changed.top_user is True
    off = world.service.update(
        ACCOUNT, "pat@erable.example", UserChanges.model_validate({"notifications_enabled": False})
    )
    assert off.notifications_enabled is False
    assert off.first_name == "Patricia"
    assert world.service.list(ACCOUNT).items == [off]


def test_editing_another_accounts_user_or_an_unknown_one_is_not_found(world: World) -> None:
    world.add("sam@other.example", account_id=OTHER_ACCOUNT)
    for username in ("sam@other.example", "nobody@erable.example"):
        with pytest.raises(NotFound):
            world.service.update(ACCOUNT, username, UserChanges.model_validate({"first_name": "Mallory"}))
    assert world.service.list(OTHER_ACCOUNT).items[0].first_name == "Pat"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "new@erable.example"},
        {"first_name": None},
        {"notifications_enabled": None},
        {"time_zone": "Mars/Olympus_Mons"},
        {"time_zone": "EST5EDT "},
        {"first_name": ""},
        {"last_name": "Lee\nBcc: everyone@example.com"},
        {"first_name": "<script>"},
        {"first_name": "P" * 61},
        {"first_name": "   "},
        {"first_name": "\u00a0\t"},
        {"last_name": "Lee\x85Bcc"},
        {"last_name": "Lee\u2028Bcc"},
    ],
    ids=[
        "nothing",
        "username",
        "null-name",
        "null-notifications",
        "unknown-zone",
        "zone-with-space",
        "empty-name",
        "newline",
        "angle-brackets",
        "61-characters",
        "blank-name",
        "non-breaking-space-and-tab",
        "c1-control",
        "line-separator",
    ],
)
def test_edits_that_cannot_be_made_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UserChanges.model_validate(body)


# -- new user validation -----------------------------------------------------------------------------------


VALID = {
    "username": "pat@erable.example",
    "first_name": "Pat",
    "last_name": "Lee",
    "time_zone": "America/Toronto",
    "notifications_enabled": False,
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "not-an-email"}, "username"),
        ({"username": "pat@erable"}, "username"),
        ({"username": "pat@@erable.example"}, "username"),
        ({"username": "a" * 250 + "@erable.example"}, "username"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "Pat\x00"}, "first_name"),
        ({"first_name": "  "}, "first_name"),
        ({"first_name": "Pat\x9b"}, "first_name"),
        ({"last_name": "Lee\r\nBcc: all@example.com"}, "last_name"),
        ({"last_name": "x" * 10_000}, "last_name"),
        ({"time_zone": "Toronto"}, "time_zone"),
        ({"time_zone": "America/Toronto/../../etc"}, "time_zone"),
        ({"notifications_enabled": "maybe"}, "notifications_enabled"),
        ({"role": "admin"}, "role"),
    ],
)
def test_a_new_user_with_a_bad_field_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        NewUser.model_validate(VALID | changes)
    assert {str(error["loc"][0]) for error in refused.value.errors()} == {field}


def test_a_username_is_at_most_what_the_user_pool_accepts() -> None:
    """Cognito takes usernames of up to 128 characters; a longer email would fail halfway through a create."""
    longest = "p" * 64 + "@" + "b" * 55 + ".example"
    assert len(longest) == 128
    assert NewUser.model_validate(VALID | {"username": longest}).username == longest
    too_long = "p" * 64 + "@" + "b" * 56 + ".example"  # an email address all the same
    assert validation.EMAIL.match(too_long)
    with pytest.raises(ValidationError):
        NewUser.model_validate(VALID | {"username": too_long})


@pytest.mark.parametrize("missing", ["username", "first_name", "last_name", "time_zone"])
def test_every_required_field_of_a_new_user_is_required(missing: str) -> None:
    body = {name: value for name, value in VALID.items() if name != missing}
    with pytest.raises(ValidationError):
        NewUser.model_validate(body)


def test_notifications_are_off_unless_asked_for() -> None:
    body = {name: value for name, value in VALID.items() if name != "notifications_enabled"}
    assert NewUser.model_validate(body).notifications_enabled is False


# -- deleting ----------------------------------------------------------------------------------------------


def test_deleting_removes_the_user_from_the_list_and_the_pool(world: World) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "Pat@Erable.example")
    assert world.listed() == ["boss@erable.example"]
    assert "pat@erable.example" not in world.directory.users
    assert ("delete_user", "pat@erable.example") in world.directory.calls


def test_nobody_can_delete_their_own_user(world: World) -> None:
    world.add("boss@erable.example")
    for target in ("boss@erable.example", "BOSS@erable.example"):
        with pytest.raises(Forbidden) as refused:
            world.service.delete(ACCOUNT, "Boss@Erable.Example", target)
        assert refused.value.status == 403
        assert refused.value.message == CANNOT_DELETE_SELF
        # The help centre's own sentence.
        assert str(refused.value.message) == "You cannot delete your own Billing Portal user account."
    assert world.listed() == ["boss@erable.example"]
    assert "boss@erable.example" in world.directory.users


def test_deleting_another_accounts_user_an_unknown_or_a_deleted_one_is_not_found(world: World) -> None:
    world.add("boss@erable.example")
    world.add("gone@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "gone@erable.example")
    world.add("sam@other.example", account_id=OTHER_ACCOUNT)
    for target in ("sam@other.example", "nobody@erable.example", "gone@erable.example"):
        with pytest.raises(NotFound):
            world.service.delete(ACCOUNT, "boss@erable.example", target)
    assert world.listed(OTHER_ACCOUNT) == ["sam@other.example"]
    assert "sam@other.example" in world.directory.users


def test_a_deleted_users_sessions_end_at_once(world: World) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    assert world.records.sessions_of(ACCOUNT, "pat@erable.example") is not None
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    assert world.records.sessions_of(ACCOUNT, "pat@erable.example") is None
    assert world.directory.calls[-1] == ("delete_user", "pat@erable.example")


def test_of_two_users_deleting_each_other_at_the_same_moment_one_wins_and_the_account_keeps_a_user(
    world: World,
) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")

    # Pat's delete of the boss is written first, while the boss's delete of Pat is on its way.
    def pat_deletes_the_boss_first(_: Any) -> None:
        world.service.delete(ACCOUNT, "pat@erable.example", "boss@erable.example")

    world.records.before_withdraw = pat_deletes_the_boss_first
    with pytest.raises(DeletedMeanwhile) as refused:
        world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    assert refused.value.status == 409
    assert world.listed() == ["pat@erable.example"]
    # The loser changed nothing: Pat still signs in.
    assert "pat@erable.example" in world.directory.users
    assert "boss@erable.example" not in world.directory.users
    assert world.records.sessions_of(ACCOUNT, "pat@erable.example") is not None


def test_a_user_deleted_a_moment_before_can_delete_nobody(world: World) -> None:
    """What the edge saw was a user; by the time the delete is written, they are not."""
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    world.add("sam@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    with pytest.raises(DeletedMeanwhile):
        world.service.delete(ACCOUNT, "pat@erable.example", "sam@erable.example")
    assert world.listed() == ["boss@erable.example", "sam@erable.example"]
    assert "sam@erable.example" in world.directory.users


def test_when_the_pool_fails_the_user_stays_and_the_delete_can_be_repeated(world: World) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    world.directory.fail["delete_user"] = Transient("Cognito is unavailable")
    with pytest.raises(Transient):
        world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    assert world.listed() == ["boss@erable.example", "pat@erable.example"]
    # Nor did their sessions end: the delete was undone whole.
    assert world.records.sessions_of(ACCOUNT, "pat@erable.example") is not None
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    assert world.listed() == ["boss@erable.example"]


# -- restoring (the billing team's internal operation) ------------------------------------------------------


def test_a_restored_user_is_listed_again_as_before_with_a_new_invitation(world: World) -> None:
    world.add("boss@erable.example")
    original = world.add("pat@erable.example", first_name="Patricia", time_zone="America/Halifax")
    first_password = world.temporary_password("pat@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")

    restored = world.service.restore(ACCOUNT, "PAT@erable.example")
    assert restored == original  # same names, settings and place in the list
    assert world.listed() == ["boss@erable.example", "pat@erable.example"]
    welcomes = world.mailer.to("pat@erable.example")
    assert len(welcomes) == 2
    new_password = re.search(r"Temporary password: (\S+)", welcomes[-1].text)
    assert new_password is not None and new_password.group(1) != first_password
    assert world.directory.users["pat@erable.example"].password == new_password.group(1)
    # Restored means taken again: it cannot be added a second time, and can be deleted again.
    with pytest.raises(UsernameTaken):
        world.add("pat@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    assert world.listed() == ["boss@erable.example"]


def test_a_restored_user_has_no_session_from_before_the_delete(world: World) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    signed_in_before = int(
        world.clock().timestamp()
    )  # a sign-in of the very second of the delete and restore
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    invited_at: list[float] = []
    create_user = world.directory.create_user

    def create_user_noting_when(username: str, account_id: str, temporary_password: str) -> None:
        invited_at.append(world.clock().timestamp())
        create_user(username, account_id, temporary_password)

    world.directory.create_user = create_user_noting_when  # type: ignore[method-assign]
    world.service.restore(ACCOUNT, "pat@erable.example")
    sessions = world.records.sessions_of(ACCOUNT, "pat@erable.example")
    assert sessions is not None and sessions.valid_from > signed_in_before
    # The new sign-in was made possible only once the old sessions' last second was over: the first
    # sign-in with the new invitation is stamped at or after `valid_from`.
    assert invited_at == [pytest.approx(sessions.valid_from)]
    assert sum(world.clock.waited) <= 1


@pytest.mark.parametrize("case", ["never-existed", "still-active", "other-account", "restored-twice"])
def test_only_a_deleted_user_of_the_same_account_can_be_restored(world: World, case: str) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    account, username = {
        "never-existed": (ACCOUNT, "nobody@erable.example"),
        "still-active": (ACCOUNT, "boss@erable.example"),
        "other-account": (OTHER_ACCOUNT, "pat@erable.example"),
        "restored-twice": (ACCOUNT, "pat@erable.example"),
    }[case]
    if case == "restored-twice":
        world.service.restore(ACCOUNT, "pat@erable.example")
    sent = len(world.mailer.sent)
    listed = {a: world.listed(a) for a in (ACCOUNT, OTHER_ACCOUNT)}
    with pytest.raises(NotFound):
        world.service.restore(account, username)
    assert len(world.mailer.sent) == sent
    assert {a: world.listed(a) for a in (ACCOUNT, OTHER_ACCOUNT)} == listed


def test_a_restore_whose_invitation_fails_leaves_the_user_deleted(world: World) -> None:
    world.add("boss@erable.example")
    world.add("pat@erable.example")
    world.service.delete(ACCOUNT, "boss@erable.example", "pat@erable.example")
    world.mailer.failing = Transient("SES throttled")
    with pytest.raises(EmailNotSent):
        world.service.restore(ACCOUNT, "pat@erable.example")
    assert world.listed() == ["boss@erable.example"]
    assert "pat@erable.example" not in world.directory.users
    claim = world.records.claim_of("pat@erable.example")
    assert claim is not None and claim.deleted
    # It can be tried again once email works.
    world.mailer.failing = None
    world.service.restore(ACCOUNT, "pat@erable.example")
    assert world.listed() == ["boss@erable.example", "pat@erable.example"]


def test_the_top_user_is_the_oldest_and_of_two_made_together_the_first_by_username() -> None:
    def user(username: str, created_at: str) -> PortalUser:
        return PortalUser(ACCOUNT, username, "Pat", "Lee", "UTC", True, created_at)

    zoe = user("zoe@erable.example", "2026-01-01T00:00:00.000+00:00")
    adam = user("adam@erable.example", "2026-01-01T00:00:00.000+00:00")
    late = user("aaron@erable.example", "2026-02-01T00:00:00.000+00:00")
    assert oldest_first([late, zoe, adam]) == [adam, zoe, late]
    assert top_user([late, zoe, adam]) == adam
    assert top_user([]) is None
