"""When an invitation email cannot be sent, the user made for it is undone, with the template's IAM policies
enforced as on AWS: the ingest function (a new account's first user) and the restore function sign the
Cognito user out, delete it and put the records back, so that the same request can simply be sent again."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from integration.support import Caller, account_doc, call, ingest, posted

from localrun import functions

REGION = "ca-central-1"
ACCOUNT = "acct-undo"
FIRST = "amira.haddad@example.com"


def portal_user(username: str) -> dict[str, Any]:
    return {
        "kind": "portal_user",
        "account_id": ACCOUNT,
        "username": username,
        "first_name": "Amira",
        "last_name": "Haddad",
        "time_zone": "America/Halifax",
        "notifications_enabled": True,
    }


def in_the_pool(aws: dict[str, str], username: str) -> bool:
    found = boto3.client("cognito-idp", region_name=REGION).list_users(
        UserPoolId=aws["UserPool"], Filter=f'username = "{username}"'
    )
    return bool(found["Users"])


def sender_refused(aws: dict[str, str]) -> None:
    """SES refuses every message from the sender from now on."""
    boto3.client("ses", region_name=REGION).delete_identity(Identity=aws["SenderEmail"])


def sender_verified(aws: dict[str, str]) -> None:
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=aws["SenderEmail"])


def restore(username: str) -> dict[str, Any]:
    result: dict[str, Any] = functions.handler("RestoreUserFunction")(
        {"account_id": ACCOUNT, "username": username},
        functions.LambdaContext("RestoreUserFunction", str(uuid.uuid4())),
    )
    return result


@pytest.mark.usefixtures("template_iam")
def test_a_first_user_whose_invitation_cannot_be_sent_is_undone(aws: dict[str, str]) -> None:
    posted(account_doc(ACCOUNT))
    sender_refused(aws)

    refused = ingest(portal_user(FIRST))

    assert (refused["status"], refused["http_status"]) == ("rejected", 503), refused
    assert refused["error"]["code"] == "email_refused"  # for good, as SES refuses in its sandbox
    assert not in_the_pool(aws, FIRST)
    sender_verified(aws)
    assert ingest(portal_user(FIRST)) == {"status": "created", "id": FIRST}
    assert in_the_pool(aws, FIRST)


@pytest.mark.usefixtures("template_iam")
def test_a_restored_user_whose_invitation_cannot_be_sent_stays_deleted(aws: dict[str, str]) -> None:
    posted(account_doc(ACCOUNT))
    assert ingest(portal_user(FIRST))["status"] == "created"
    first = Caller(ACCOUNT, FIRST)
    added = call(
        "POST",
        "/users",
        first,
        body={
            "username": "pat@example.com",
            "first_name": "Pat",
            "last_name": "Lee",
            "time_zone": "America/Toronto",
        },
    )
    assert added.status == 201, added.body
    assert call("DELETE", "/users/pat@example.com", first).status == 204
    sender_refused(aws)

    refused = restore("pat@example.com")

    assert (refused["status"], refused["http_status"]) == ("rejected", 503), refused
    assert not in_the_pool(aws, "pat@example.com")
    assert "pat@example.com" not in {user["username"] for user in call("GET", "/users", first).body["items"]}
    sender_verified(aws)
    assert restore("pat@example.com")["status"] == "restored"
    assert in_the_pool(aws, "pat@example.com")
