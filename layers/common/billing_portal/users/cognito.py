"""Cognito admin adapter: the portal's users as the user pool knows them (Manage Users and password reset).
Signing in is `identity`'s: it needs only the app client, never the pool's admin rights, so the sign-in
function is granted none of these calls."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from billing_portal.shared import aws
from billing_portal.shared.errors import FieldProblem, ValidationFailed
from billing_portal.users.model import USERNAME_TAKEN, UsernameTaken
from billing_portal.users.passwords import POOL_REFUSED_PASSWORD


class CognitoDirectory:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    @property
    def _idp(self) -> Any:
        return aws.client("cognito-idp")

    def create_user(self, username: str, account_id: str, temporary_password: str) -> None:
        """The invitation email is ours (sent through SES), so Cognito's own message is suppressed."""
        try:
            self._idp.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                TemporaryPassword=temporary_password,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": username},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:account_id", "Value": account_id},
                ],
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "UsernameExistsException":
                raise UsernameTaken(USERNAME_TAKEN) from error
            raise

    def status(self, username: str) -> str | None:
        """CONFIRMED, FORCE_CHANGE_PASSWORD, ... or None when there is no such user."""
        try:
            found = self._idp.admin_get_user(UserPoolId=self.user_pool_id, Username=username)
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                return None
            raise
        return str(found["UserStatus"])

    def set_temporary_password(self, username: str, password: str) -> None:
        """Starts the invitation again: the user must choose a new password at the next sign-in."""
        self._idp.admin_set_user_password(
            UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=False
        )

    def set_password(self, username: str, password: str) -> None:
        try:
            self._idp.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidPasswordException":
                raise ValidationFailed(
                    POOL_REFUSED_PASSWORD, [FieldProblem("new_password", POOL_REFUSED_PASSWORD)]
                ) from None
            raise

    def sign_out_everywhere(self, username: str) -> None:
        """Revokes the user's refresh tokens, so no session outlives the short-lived id token."""
        try:
            self._idp.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UserNotFoundException":
                raise

    def delete_user(self, username: str) -> None:
        self.sign_out_everywhere(username)
        try:
            self._idp.admin_delete_user(UserPoolId=self.user_pool_id, Username=username)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UserNotFoundException":
                raise
