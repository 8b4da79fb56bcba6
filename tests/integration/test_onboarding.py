"""A new customer account gets its first portal user from the billing engine (`portal_user`), as Manage
Users creates one: the invitation with a temporary password, sent once however often the document comes."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from localrun import outbox

from .support import Caller, account_doc, call, ingest, posted

NEW_ACCOUNT = "acct-new-customer"
USERNAME_TAKEN = "The username already exists. Please use a different username."


def portal_user_doc(account_id: str, username: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "portal_user",
        "account_id": account_id,
        "username": username,
        "first_name": "Amira",
        "last_name": "Haddad",
        "time_zone": "America/Halifax",
        "notifications_enabled": True,
    } | fields


def invitations_to(address: str) -> list[dict[str, Any]]:
    return [email for email in outbox.items() if email["to"] == [address]]


@pytest.fixture
def new_account(aws: dict[str, str]) -> dict[str, str]:
    posted(account_doc(NEW_ACCOUNT, account_number="555000111"))
    return aws


def test_the_first_user_is_created_with_the_invitation_and_signs_in_with_it(
    new_account: dict[str, str],
) -> None:
    result = ingest(portal_user_doc(NEW_ACCOUNT, "Amira.Haddad@Example.com"))

    assert result == {"status": "created", "id": "amira.haddad@example.com"}
    [invitation] = invitations_to("amira.haddad@example.com")
    assert invitation["subject"] == "Your Billing Portal invitation"
    temporary = re.search(r"Temporary password: (\S+)", invitation["text"])
    assert temporary is not None
    signing_in = call(
        "POST", "/auth/login", body={"username": "amira.haddad@example.com", "password": temporary.group(1)}
    )
    assert signing_in.status == 200 and signing_in.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    users = call("GET", "/users", Caller(NEW_ACCOUNT, "amira.haddad@example.com")).body["items"]
    assert [(u["username"], u["time_zone"], u["top_user"]) for u in users] == [
        ("amira.haddad@example.com", "America/Halifax", True)
    ]


def test_the_same_document_again_creates_and_sends_nothing(new_account: dict[str, str]) -> None:
    document = portal_user_doc(NEW_ACCOUNT, "amira@example.com")
    assert ingest(document)["status"] == "created"
    sent = len(outbox.items())

    assert ingest(document) == {"status": "already_exists", "id": "amira@example.com"}

    assert len(outbox.items()) == sent
    pool = boto3.client("cognito-idp").list_users(UserPoolId=new_account["UserPool"])["Users"]
    assert [user["Username"] for user in pool] == ["amira@example.com"]


def test_a_username_taken_by_another_account_answers_the_help_centre_sentence(
    new_account: dict[str, str],
) -> None:
    posted(account_doc("acct-elsewhere", account_number="555000222"))
    assert ingest(portal_user_doc("acct-elsewhere", "amira@example.com"))["status"] == "created"
    sent = len(outbox.items())

    result = ingest(portal_user_doc(NEW_ACCOUNT, "amira@example.com"))

    assert result["status"] == "rejected"
    assert (result["http_status"], result["error"]["code"]) == (409, "username_taken")
    assert result["error"]["message"] == USERNAME_TAKEN
    assert len(outbox.items()) == sent
    assert call("GET", "/users", Caller("acct-elsewhere", "amira@example.com")).status == 200


def test_a_deleted_username_answers_the_help_centre_sentence(new_account: dict[str, str]) -> None:
    assert ingest(portal_user_doc(NEW_ACCOUNT, "first@example.com"))["status"] == "created"
    assert ingest(portal_user_doc(NEW_ACCOUNT, "second@example.com"))["status"] == "created"
    first = Caller(NEW_ACCOUNT, "first@example.com")
    assert call("DELETE", "/users/second@example.com", first).status == 204
    sent = len(outbox.items())

    result = ingest(portal_user_doc(NEW_ACCOUNT, "second@example.com"))

    assert (result["status"], result["http_status"]) == ("rejected", 409)
    assert result["error"]["message"] == USERNAME_TAKEN
    assert len(outbox.items()) == sent


@pytest.mark.parametrize(
    "document",
    [
        portal_user_doc(NEW_ACCOUNT, "not-an-email"),
        portal_user_doc(NEW_ACCOUNT, "amira@example.com", time_zone="Mars/Olympus_Mons"),
        portal_user_doc(NEW_ACCOUNT, "amira@example.com", first_name="<b>Amira</b>"),
        portal_user_doc(NEW_ACCOUNT, "amira@example.com", role="admin"),
    ],
    ids=["username", "time-zone", "markup-in-name", "unknown-field"],
)
def test_a_bad_portal_user_is_refused_and_nothing_is_made(
    new_account: dict[str, str], document: dict[str, Any]
) -> None:
    result = ingest(document)

    assert (result["status"], result["http_status"]) == ("rejected", 422)
    assert outbox.items() == []
    assert boto3.client("cognito-idp").list_users(UserPoolId=new_account["UserPool"])["Users"] == []


def test_a_portal_user_of_an_account_not_sent_yet_is_refused(aws: dict[str, str]) -> None:
    result = ingest(portal_user_doc("acct-not-yet", "amira@example.com"))

    assert (result["status"], result["http_status"]) == ("rejected", 404)
    assert outbox.items() == []


# -- the account's language ----------------------------------------------------------------------------


def test_a_quebec_accounts_first_user_is_invited_in_french(aws: dict[str, str]) -> None:
    posted(account_doc("acct-qc", account_number="555000333", province="QC", postal_code="H2X 1Y4"))

    assert ingest(portal_user_doc("acct-qc", "lea@example.com"))["status"] == "created"
    assert ingest(portal_user_doc("acct-qc", "sophie@example.com", language="en"))["status"] == "created"

    [invitation] = invitations_to("lea@example.com")
    assert invitation["subject"] == "Votre invitation au Portail de facturation"
    [english] = invitations_to("sophie@example.com")
    assert english["subject"] == "Your Billing Portal invitation"
    users = call("GET", "/users", Caller("acct-qc", "lea@example.com")).body["items"]
    assert [(u["username"], u["language"]) for u in users] == [
        ("lea@example.com", "fr"),
        ("sophie@example.com", "en"),
    ]


def test_the_billing_engine_may_choose_the_accounts_language(aws: dict[str, str]) -> None:
    quebec = account_doc("acct-qc-en", account_number="555000444", province="QC", postal_code="H2X 1Y4")
    posted(quebec | {"language": "en"})
    posted(account_doc("acct-on-fr", account_number="555000555") | {"language": "fr"})

    ingest(portal_user_doc("acct-qc-en", "first@example.com"))
    ingest(portal_user_doc("acct-on-fr", "premier@example.com"))

    assert call("GET", "/account", Caller("acct-qc-en", "first@example.com")).body["language"] == "en"
    assert call("GET", "/account", Caller("acct-on-fr", "premier@example.com")).body["language"] == "fr"
    me = call("GET", "/me", Caller("acct-on-fr", "premier@example.com"))
    assert me.body["language"] == "fr"


def test_an_account_in_another_language_is_refused(aws: dict[str, str]) -> None:
    result = ingest(account_doc("acct-de", account_number="555000666") | {"language": "de"})
    assert (result["status"], result["http_status"]) == ("rejected", 422)
    assert result["error"]["details"] == [{"field": "account.language", "message": "must be one of: en, fr"}]
