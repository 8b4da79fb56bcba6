"""DynamoDB adapter of the portal's user records.

    PK ACCOUNT#<id>        SK USER#<username>   the user (`language` absent on records from before
                                                languages: English); `invited_at` set once the invitation
                                                is out (the stream turns that change into the "user added"
                                                emails); `sessions_valid_from` once a password reset or a
                                                restore ended the sessions before it; `withdrawn_at` while
                                                a delete is under way
    PK USERNAME#<username> SK USERNAME          the claim on the username, forever: status active | deleted
                                                (turning deleted is what the "user deleted" emails follow)

The claim is written with the user in one transaction, conditional on no claim existing, so two concurrent
creates of one username cannot both win, and a deleted username stays taken. A delete is decided by a
transaction conditional on the deleting user still being one of the account's, so two users deleting each
other at the same moment cannot both win, and an account always keeps a user.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.i18n import Language
from billing_portal.ledger.dynamo import account_key, account_language, from_item, set_existing, to_item
from billing_portal.ledger.ports import PortalUser, UserSessions
from billing_portal.shared import aws
from billing_portal.shared.errors import NotFound
from billing_portal.users.model import (
    DELETED_MEANWHILE,
    TRIED_TOGETHER,
    USER_NOT_FOUND,
    USERNAME_TAKEN,
    DeletedMeanwhile,
    TriedTogether,
    UsernameClaim,
    UsernameTaken,
)
from billing_portal.users.ports import IssuedCode

_USER_FIELDS = tuple(PortalUser.__dataclass_fields__)
# A transaction cancelled because another one touched the same items at that moment is tried again.
_TRANSACTION_ATTEMPTS = 4


def claim_key(username: str) -> dict[str, Any]:
    return to_item({"PK": f"USERNAME#{username}", "SK": "USERNAME"})


def user_key(account_id: str, username: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": f"USER#{username}"})


def _user_item(user: PortalUser, **extra: Any) -> dict[str, Any]:
    return to_item(
        {"PK": account_key(user.account_id), "SK": f"USER#{user.username}", **asdict(user), **extra}
    )


def _user(data: dict[str, Any]) -> PortalUser:
    # A field the record does not have (`language`, on records from before it) takes its default.
    return PortalUser(**{name: data[name] for name in _USER_FIELDS if name in data})


def user_sessions(found: dict[str, Any] | None) -> UserSessions | None:
    """What a user item (DynamoDB's JSON, as read) says of the user's sessions and the language they read:
    no sessions while a delete is under way or once it is done."""
    if not found or "withdrawn_at" in found:
        return None
    valid_from = found.get("sessions_valid_from")
    # Records from before languages read as English.
    language: Language = "fr" if found.get("language") == {"S": "fr"} else "en"
    return UserSessions(valid_from=int(valid_from["N"]) if valid_from else 0, language=language)


def _cancellation_reasons(error: ClientError) -> list[str]:
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


class DynamoUserRecords:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def list_users(self, account_id: str) -> list[PortalUser]:
        users: list[PortalUser] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :user)",
            "ExpressionAttributeValues": to_item({":pk": account_key(account_id), ":user": "USER#"}),
        }
        while True:
            page = self._db.query(**request)
            users.extend(_user(from_item(item)) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return users
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get_user(self, account_id: str, username: str) -> PortalUser | None:
        found = self._db.get_item(TableName=self.table, Key=user_key(account_id, username)).get("Item")
        return _user(from_item(found)) if found else None

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        # Strongly consistent: a user deleted a moment ago is refused at once.
        found = self._db.get_item(
            TableName=self.table,
            Key=user_key(account_id, username),
            ConsistentRead=True,
            ProjectionExpression="PK, sessions_valid_from, withdrawn_at, #language",
            ExpressionAttributeNames={"#language": "language"},  # a reserved word of DynamoDB's
        ).get("Item")
        return user_sessions(found)

    def default_language(self, account_id: str) -> Language:
        # Strongly consistent: a default changed a moment ago applies to the next user added.
        found = self._db.get_item(
            TableName=self.table,
            Key=to_item({"PK": account_key(account_id), "SK": "ACCOUNT"}),
            ConsistentRead=True,
            ProjectionExpression="#language, billing_address",
            ExpressionAttributeNames={"#language": "language"},
        ).get("Item")
        return account_language(from_item(found)) if found else "en"

    def end_sessions(self, account_id: str, username: str, valid_from: int) -> None:
        try:
            self._db.update_item(
                TableName=self.table,
                Key=user_key(account_id, username),
                UpdateExpression="SET sessions_valid_from = :from",
                # Never moved back by a slower request.
                ConditionExpression="attribute_exists(PK) AND "
                "(attribute_not_exists(sessions_valid_from) OR sessions_valid_from < :from)",
                ExpressionAttributeValues=to_item({":from": valid_from}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def claim(self, user: PortalUser) -> None:
        claim = {
            "PK": f"USERNAME#{user.username}",
            "SK": "USERNAME",
            "username": user.username,
            "account_id": user.account_id,
            "status": "active",
        }
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(claim),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _user_item(user),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise UsernameTaken(USERNAME_TAKEN) from None
            raise

    def release(self, user: PortalUser) -> None:
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": claim_key(user.username),
                        "ConditionExpression": "account_id = :a AND #s = :active",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": to_item({":a": user.account_id, ":active": "active"}),
                    }
                },
                {"Delete": {"TableName": self.table, "Key": user_key(user.account_id, user.username)}},
            ]
        )

    def mark_invited(self, account_id: str, username: str, at: str) -> None:
        set_existing(self._db, self.table, user_key(account_id, username), {"invited_at": at})

    def update_user(self, account_id: str, username: str, changes: dict[str, Any]) -> PortalUser | None:
        updated = set_existing(self._db, self.table, user_key(account_id, username), changes)
        return _user(updated) if updated is not None else None

    def withdraw(self, user: PortalUser, by: str, at: str) -> None:
        """Decide the delete of `user` by the account's user `by`: written only while `by` is still one of
        the account's users (DeletedMeanwhile otherwise) and `user` still exists (NotFound)."""
        items = [
            {
                "ConditionCheck": {
                    "TableName": self.table,
                    "Key": user_key(user.account_id, by),
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(withdrawn_at)",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": user_key(user.account_id, user.username),
                    "UpdateExpression": "SET withdrawn_at = :at",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": to_item({":at": at}),
                }
            },
        ]
        reasons = self._transact(items)
        if not reasons:
            return
        if reasons[0] == "ConditionalCheckFailed":
            raise DeletedMeanwhile(DELETED_MEANWHILE)
        if reasons[1] == "ConditionalCheckFailed":
            raise NotFound(USER_NOT_FOUND)
        raise TriedTogether(TRIED_TOGETHER)

    def reinstate(self, user: PortalUser) -> None:
        self._db.update_item(
            TableName=self.table,
            Key=user_key(user.account_id, user.username),
            UpdateExpression="REMOVE withdrawn_at",
            ConditionExpression="attribute_exists(PK)",
        )

    def tombstone(self, user: PortalUser, deleted_at: str) -> None:
        items = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": claim_key(user.username),
                    "UpdateExpression": "SET #s = :deleted, deleted_at = :at, #snapshot = :snapshot",
                    "ConditionExpression": "account_id = :a AND #s = :active",
                    "ExpressionAttributeNames": {"#s": "status", "#snapshot": "snapshot"},
                    "ExpressionAttributeValues": to_item(
                        {
                            ":deleted": "deleted",
                            ":active": "active",
                            ":at": deleted_at,
                            ":snapshot": asdict(user),
                            ":a": user.account_id,
                        }
                    ),
                }
            },
            {
                "Delete": {
                    "TableName": self.table,
                    "Key": user_key(user.account_id, user.username),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
        ]
        reasons = self._transact(items)
        if "ConditionalCheckFailed" in reasons:
            raise NotFound(USER_NOT_FOUND)  # deleted by another request first
        if reasons:
            raise TriedTogether(TRIED_TOGETHER)

    def _transact(self, items: list[dict[str, Any]]) -> list[str]:
        """Write the items in one transaction; the reasons it was cancelled for ([] when written): a failed
        condition, or, after a few tries, another transaction touching the same items at that moment."""
        reasons: list[str] = []
        for _ in range(_TRANSACTION_ATTEMPTS):
            try:
                self._db.transact_write_items(TransactItems=items)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = _cancellation_reasons(error)
                if set(reasons) - {"None", "ConditionalCheckFailed", "TransactionConflict"}:
                    raise
                if "ConditionalCheckFailed" in reasons:
                    return reasons
            else:
                return []
        return reasons

    def restore(self, user: PortalUser, sessions_valid_from: int) -> None:
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": claim_key(user.username),
                        "UpdateExpression": "SET #s = :active REMOVE deleted_at, #snapshot",
                        "ConditionExpression": "account_id = :a AND #s = :deleted",
                        "ExpressionAttributeNames": {"#s": "status", "#snapshot": "snapshot"},
                        "ExpressionAttributeValues": to_item(
                            {":active": "active", ":deleted": "deleted", ":a": user.account_id}
                        ),
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": _user_item(user, sessions_valid_from=sessions_valid_from),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    def claim_of(self, username: str) -> UsernameClaim | None:
        found = self._db.get_item(TableName=self.table, Key=claim_key(username)).get("Item")
        if not found:
            return None
        data = from_item(found)
        return UsernameClaim(
            username=data["username"],
            account_id=data["account_id"],
            deleted=data["status"] == "deleted",
            snapshot=data.get("snapshot"),
        )


class DynamoResetCodes:
    """PK USERNAME#<username> SK RESET: the one outstanding reset code, hashed; TTL removes it."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def _key(self, username: str) -> dict[str, Any]:
        return to_item({"PK": f"USERNAME#{username}", "SK": "RESET"})

    def get(self, username: str) -> IssuedCode | None:
        found = self._db.get_item(TableName=self.table, Key=self._key(username), ConsistentRead=True).get(
            "Item"
        )
        if not found:
            return None
        data = from_item(found)
        return IssuedCode(**{name: data[name] for name in IssuedCode.__dataclass_fields__})

    def put(self, username: str, code: IssuedCode) -> None:
        item = {"PK": f"USERNAME#{username}", "SK": "RESET", **asdict(code)}
        self._db.put_item(TableName=self.table, Item=to_item(item))

    def count_failure(self, username: str, code: IssuedCode) -> None:
        try:
            self._db.update_item(
                TableName=self.table,
                Key=self._key(username),
                UpdateExpression="SET attempts = attempts + :one",
                ConditionExpression="digest = :digest",
                ExpressionAttributeValues=to_item({":one": 1, ":digest": code.digest}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def consume(self, username: str, code: IssuedCode, max_attempts: int) -> bool:
        try:
            self._db.delete_item(
                TableName=self.table,
                Key=self._key(username),
                ConditionExpression="digest = :digest AND attempts < :max",
                ExpressionAttributeValues=to_item({":digest": code.digest, ":max": max_attempts}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
