"""DynamoDB adapter of the portal's user records.

    PK ACCOUNT#<id>        SK USER#<username>   the user; `invited_at` set once the invitation is out (the
                                                stream turns that change into the "user added" emails)
    PK USERNAME#<username> SK USERNAME          the claim on the username, forever: status active | deleted
                                                (turning deleted is what the "user deleted" emails follow)

The claim is written with the user in one transaction, conditional on no claim existing, so two concurrent
creates of one username cannot both win, and a deleted username stays taken.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from billing_portal import aws
from billing_portal.dynamo import account_key, from_item, set_existing, to_item
from billing_portal.store import PortalUser

if TYPE_CHECKING:
    # Imported where used at run time: the payment functions list users, and need not build the Manage
    # Users and password reset request models to do it (pydantic models cost cold-start time).
    from billing_portal.password_reset import IssuedCode
    from billing_portal.users import UsernameClaim

_USER_FIELDS = tuple(PortalUser.__dataclass_fields__)


def claim_key(username: str) -> dict[str, Any]:
    return to_item({"PK": f"USERNAME#{username}", "SK": "USERNAME"})


def user_key(account_id: str, username: str) -> dict[str, Any]:
    return to_item({"PK": account_key(account_id), "SK": f"USER#{username}"})


def _user(data: dict[str, Any]) -> PortalUser:
    return PortalUser(**{name: data[name] for name in _USER_FIELDS})


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

    def claim(self, user: PortalUser) -> None:
        record = {"PK": account_key(user.account_id), "SK": f"USER#{user.username}", **asdict(user)}
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
                            "Item": to_item(record),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                from billing_portal.users import USERNAME_TAKEN, UsernameTaken

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

    def tombstone(self, user: PortalUser, deleted_at: str) -> None:
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": claim_key(user.username),
                        "UpdateExpression": "SET #s = :deleted, deleted_at = :at, #snapshot = :snapshot",
                        "ConditionExpression": "account_id = :a",
                        "ExpressionAttributeNames": {"#s": "status", "#snapshot": "snapshot"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":deleted": "deleted",
                                ":at": deleted_at,
                                ":snapshot": asdict(user),
                                ":a": user.account_id,
                            }
                        ),
                    }
                },
                {"Delete": {"TableName": self.table, "Key": user_key(user.account_id, user.username)}},
            ]
        )

    def restore(self, user: PortalUser) -> None:
        record = {"PK": account_key(user.account_id), "SK": f"USER#{user.username}", **asdict(user)}
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
                        "Item": to_item(record),
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
        from billing_portal.users import UsernameClaim

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
        from billing_portal.password_reset import IssuedCode

        return IssuedCode(
            data["digest"], data["salt"], data["issued_at"], data["expires_at"], data["attempts"]
        )

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

    def consume(self, username: str, code: IssuedCode) -> bool:
        from billing_portal.password_reset import MAX_ATTEMPTS

        try:
            self._db.delete_item(
                TableName=self.table,
                Key=self._key(username),
                ConditionExpression="digest = :digest AND attempts < :max",
                ExpressionAttributeValues=to_item({":digest": code.digest, ":max": MAX_ATTEMPTS}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
