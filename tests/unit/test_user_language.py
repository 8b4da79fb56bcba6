"""Each person reads the portal in their own language, English or French: a user's `language` (chosen when
the user is added or later, or else the account's default), the account's default (French for accounts
billed in Québec unless the billing engine or the account's users say otherwise), and what Manage Users and
signing in say, in either language; on the domain, with the records, the pool and the mailer in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import builders
import pytest
from pydantic import ValidationError

from billing_portal.http.errors import error_body, validation_failed
from billing_portal.i18n import _
from billing_portal.i18n.words import words_in
from billing_portal.ledger.ingest import ingest
from billing_portal.ledger.ports import UserSessions
from billing_portal.ledger.profile import ProfileUpdate
from billing_portal.notifications.mail import MailNotSent
from billing_portal.shared.errors import Forbidden, PortalError, ValidationFailed
from billing_portal.users import passwords
from billing_portal.users.model import UsernameTaken
from billing_portal.users.reset import INVALID_CODE, PasswordReset
from billing_portal.users.service import NewUser, UserChanges, UserService
from billing_portal.users.sign_in import TOO_MANY_ATTEMPTS, WRONG_CREDENTIALS

from . import documents
from .documents import parse, send
from .fakes import FakeCdrFiles, FakeDirectory, FakeLedgerStore, FakeMailer, FakeResetCodes, FakeUserRecords

ONTARIO = "acct-erable"  # billed in Ontario
QUEBEC = "acct-quebec"  # billed in Québec
PORTAL_URL = "https://portal.example.ca"
ENGLISH, FRENCH = words_in("en"), words_in("fr")


class World:
    """Two accounts, one billed in Ontario and one in Québec, and Manage Users and password reset over
    them."""

    def __init__(self) -> None:
        self.ledger = FakeLedgerStore()
        assert send(self.ledger, documents.account(ONTARIO)) == "created"
        assert send(self.ledger, documents.account(QUEBEC, province="QC", postal_code="H2X 1Y4")) == "created"
        self.records = FakeUserRecords(accounts=self.ledger)
        self.directory = FakeDirectory()
        self.mailer = FakeMailer()
        self.at = datetime(2026, 11, 2, 15, 4, 5, tzinfo=UTC)
        self.users = UserService(
            records=self.records,
            directory=self.directory,
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=lambda: self.at,
            sleep=lambda seconds: None,
        )
        self.reset = PasswordReset(
            records=self.records,
            directory=self.directory,
            codes=FakeResetCodes(),
            mailer=self.mailer,
            portal_url=PORTAL_URL,
            clock=lambda: self.at,
            sleep=lambda seconds: None,
        )

    def add(self, username: str, account_id: str = ONTARIO, **fields: Any) -> Any:
        body = {
            "username": username,
            "first_name": "Pat",
            "last_name": "Lee",
            "time_zone": "America/Toronto",
        } | fields
        try:
            return self.users.create(account_id, NewUser.model_validate(body))
        finally:
            self.at += timedelta(minutes=1)


@pytest.fixture
def world() -> World:
    return World()


def refusal(error: PortalError, language: str) -> dict[str, Any]:
    """The error as the API answers it to a reader of `language`."""
    return error_body(error, FRENCH if language == "fr" else ENGLISH)


# -- the account's default ------------------------------------------------------------------------------


def test_an_account_billed_in_quebec_defaults_to_french_and_elsewhere_to_english(world: World) -> None:
    assert world.ledger.accounts[QUEBEC].language == "fr"
    assert world.ledger.accounts[ONTARIO].language == "en"


def test_the_billing_engine_may_choose_the_accounts_language() -> None:
    store = FakeLedgerStore()
    quebec = builders.address(province="QC", postal_code="H2X 1Y4")
    send(store, builders.account("acct-en", billing_address=quebec) | {"language": "en"})
    send(store, builders.account("acct-fr") | {"language": "fr"})
    assert store.accounts["acct-en"].language == "en"
    assert store.accounts["acct-fr"].language == "fr"


def test_an_account_document_in_another_language_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse(builders.account("acct-de") | {"language": "de"})
    problem = validation_failed(refused.value, subject="document")
    assert [(d.field, str(d.message)) for d in problem.details] == [
        ("account.language", "must be one of: en, fr")
    ]


def test_the_profile_may_change_the_accounts_language() -> None:
    assert ProfileUpdate.model_validate({"language": "fr"}).language == "fr"
    for refused_value in (None, "FR", "fr-CA"):
        with pytest.raises(ValidationError):
            ProfileUpdate.model_validate({"language": refused_value})


# -- each user's language ---------------------------------------------------------------------------------


def test_a_user_added_without_a_language_reads_the_accounts(world: World) -> None:
    assert world.add("pat@erable.example").language == "en"
    assert world.add("lea@quebec.example", QUEBEC).language == "fr"
    assert world.records.get_user(QUEBEC, "lea@quebec.example").language == "fr"  # type: ignore[union-attr]


def test_a_user_added_with_a_language_keeps_it_whatever_the_accounts(world: World) -> None:
    assert world.add("sophie@quebec.example", QUEBEC, language="en").language == "en"
    assert world.add("marc@erable.example", language="fr").language == "fr"
    listed = {user.username: user.language for user in world.users.list(QUEBEC).items}
    assert listed == {"sophie@quebec.example": "en"}


def test_the_accounts_default_applies_as_it_is_when_the_user_is_added(world: World) -> None:
    world.ledger.update_profile(ONTARIO, {"language": "fr"})
    assert world.add("pat@erable.example").language == "fr"


def test_a_users_language_changes_and_nothing_else(world: World) -> None:
    before = world.add("pat@erable.example")
    after = world.users.update(ONTARIO, "pat@erable.example", UserChanges.model_validate({"language": "fr"}))
    assert after.language == "fr"
    assert after.model_dump(exclude={"language"}) == before.model_dump(exclude={"language"})
    assert [user.language for user in world.users.list(ONTARIO).items] == ["fr"]


def test_a_language_sent_as_null_is_refused_as_a_change_and_means_the_default_for_a_new_user(
    world: World,
) -> None:
    with pytest.raises(ValidationError):
        UserChanges.model_validate({"language": None})
    assert world.add("lea@quebec.example", QUEBEC, language=None).language == "fr"


@pytest.mark.parametrize("value", ["de", "French", "FR", "fr-CA", 1])
def test_a_language_other_than_en_or_fr_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        UserChanges.model_validate({"language": value})
    with pytest.raises(ValidationError):
        NewUser.model_validate(
            {
                "username": "pat@erable.example",
                "first_name": "Pat",
                "last_name": "Lee",
                "time_zone": "America/Toronto",
                "language": value,
            }
        )


def test_the_choice_of_languages_is_told_in_the_readers_words() -> None:
    with pytest.raises(ValidationError) as refused:
        UserChanges.model_validate({"language": "de"})
    problem = validation_failed(refused.value, UserChanges)
    assert refusal(problem, "en")["details"] == [{"field": "language", "message": "must be one of: en, fr"}]
    assert refusal(problem, "fr")["details"] == [
        {"field": "language", "message": "doit être l'une de ces valeurs : en, fr"}
    ]


def test_the_users_sessions_say_the_language_they_read(world: World) -> None:
    world.add("lea@quebec.example", QUEBEC)
    world.add("pat@erable.example")
    assert world.records.sessions_of(QUEBEC, "lea@quebec.example") == UserSessions(language="fr")
    assert world.records.sessions_of(ONTARIO, "pat@erable.example") == UserSessions(language="en")


def test_a_restored_user_keeps_their_language(world: World) -> None:
    world.add("boss@erable.example")
    world.add("lea@erable.example", language="fr")
    world.users.delete(ONTARIO, "boss@erable.example", "lea@erable.example")
    assert world.users.restore(ONTARIO, "lea@erable.example").language == "fr"


# -- emails in the user's language --------------------------------------------------------------------------


def test_the_invitation_is_in_the_new_users_language(world: World) -> None:
    world.add("lea@quebec.example", QUEBEC)
    world.add("pat@erable.example")
    [french] = world.mailer.to("lea@quebec.example")
    [english] = world.mailer.to("pat@erable.example")
    invitation = _("Your {portal} invitation")
    assert FRENCH(invitation) != ENGLISH(invitation)
    assert french.subject == FRENCH(invitation)
    assert english.subject == ENGLISH(invitation)


def test_a_reset_code_and_a_new_invitation_are_in_the_users_language(world: World) -> None:
    world.add("lea@quebec.example", QUEBEC)
    world.add("pat@erable.example", QUEBEC, language="en")
    world.directory.first_sign_in("lea@quebec.example", "Maple-Leaf-2026-Snow")
    world.mailer.sent.clear()

    world.reset.forgot("lea@quebec.example")  # signed in before: a code
    world.reset.forgot("pat@erable.example")  # never signed in: a new invitation

    reset = _("Reset your {portal} password")
    assert [email.subject for email in world.mailer.to("lea@quebec.example")] == [FRENCH(reset)]
    invitation = _("Your {portal} invitation")
    assert [email.subject for email in world.mailer.to("pat@erable.example")] == [ENGLISH(invitation)]


def test_the_first_user_sent_by_the_billing_engine_reads_the_accounts_language(world: World) -> None:
    def first_user(username: str, account_id: str, **fields: Any) -> dict[str, Any]:
        document = {
            "kind": "portal_user",
            "account_id": account_id,
            "username": username,
            "first_name": "Léa",
            "last_name": "Bouchard",
            "time_zone": "America/Montreal",
        } | fields
        return ingest(world.ledger, FakeCdrFiles(), parse(document), users=lambda: world.users)

    assert first_user("lea@quebec.example", QUEBEC)["status"] == "created"
    assert first_user("sophie@quebec.example", QUEBEC, language="en")["status"] == "created"
    assert first_user("pat@erable.example", ONTARIO)["status"] == "created"
    languages = {user.username: user.language for user in world.records.users.values()}
    assert languages == {
        "lea@quebec.example": "fr",
        "sophie@quebec.example": "en",
        "pat@erable.example": "en",
    }


# -- what Manage Users and signing in say, in either language ---------------------------------------------


def test_a_taken_username_is_told_in_the_readers_language(world: World) -> None:
    world.add("pat@erable.example")
    with pytest.raises(UsernameTaken) as refused:
        world.add("pat@erable.example", QUEBEC)
    assert refusal(refused.value, "fr") == {
        "message": "Ce nom d'utilisateur existe déjà. Veuillez utiliser un autre nom d'utilisateur.",
        "code": "username_taken",
    }
    assert refusal(refused.value, "en") == {
        "message": "The username already exists. Please use a different username.",
        "code": "username_taken",
    }


def test_deleting_yourself_is_refused_in_the_readers_language(world: World) -> None:
    world.add("lea@quebec.example", QUEBEC)
    with pytest.raises(Forbidden) as refused:
        world.users.delete(QUEBEC, "lea@quebec.example", "lea@quebec.example")
    assert refusal(refused.value, "fr") == {
        "message": (
            "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation."
        ),
        "code": "forbidden",
    }
    assert (
        refusal(refused.value, "en")["message"] == "You cannot delete your own Billing Portal user account."
    )


def test_each_broken_password_rule_is_named_in_french() -> None:
    with pytest.raises(ValidationFailed) as refused:
        passwords.require_valid("short1", "pat@erable.example")
    answered = refusal(refused.value, "fr")
    assert answered["details"] == [
        {"field": "new_password", "message": "Le mot de passe doit contenir au moins 15 caractères."},
        {"field": "new_password", "message": "Le mot de passe doit contenir au moins 2 chiffres."},
        {
            "field": "new_password",
            "message": "Le mot de passe doit comprendre des lettres majuscules et des lettres minuscules.",
        },
    ]
    assert answered["message"] == " ".join(detail["message"] for detail in answered["details"])
    username = refusal(ValidationFailed(passwords.problems("Pat-Lee-2026-Snow-x", "pat")[0]), "fr")
    assert username["message"] == "Le mot de passe ne doit pas contenir votre nom d'utilisateur."


@pytest.mark.parametrize(
    ("said", "english", "french"),
    [
        (
            WRONG_CREDENTIALS,
            "The username or password is incorrect.",
            "Le nom d'utilisateur ou le mot de passe est incorrect.",
        ),
        (
            TOO_MANY_ATTEMPTS,
            "Too many attempts. Wait a minute and try again.",
            "Trop de tentatives. Attendez une minute, puis réessayez.",
        ),
        (
            INVALID_CODE,
            "The verification code is incorrect or has expired. Request a new one with Forgot Password.",
            "Le code de vérification est incorrect ou a expiré. Demandez-en un nouveau avec Mot de passe "
            "oublié.",
        ),
    ],
    ids=["wrong-credentials", "too-many-attempts", "invalid-code"],
)
def test_sign_in_refusals_are_in_either_language(said: Any, english: str, french: str) -> None:
    assert (ENGLISH(said), FRENCH(said)) == (english, french)


def test_the_invitation_refused_names_the_billing_team_in_the_readers_language(world: World) -> None:
    world.mailer.failing = MailNotSent("SES refused the email: MessageRejected", passing=False)
    with pytest.raises(PortalError) as refused:
        world.add("lea@quebec.example", QUEBEC)
    french = refusal(refused.value, "fr")["message"]
    assert french.endswith(
        "Communiquez avec l'équipe de facturation au billing@net2phone.ca ou au 1-877-498-3772 (option 4)."
    )
