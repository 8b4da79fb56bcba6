"""Cognito adapter of the sign-in port (users/sign_in.py): signing in, refreshing and signing out."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from billing_portal.i18n import Text
from billing_portal.shared import aws
from billing_portal.shared.errors import FieldProblem, NotSignedIn, Throttled, ValidationFailed
from billing_portal.users.passwords import POOL_REFUSED_PASSWORD
from billing_portal.users.sign_in import (
    CHALLENGE_EXPIRED,
    SESSION_EXPIRED,
    TOO_MANY_ATTEMPTS,
    WRONG_CREDENTIALS,
    NewPasswordChallenge,
    Tokens,
)


class CognitoIdentity:
    def __init__(self, user_pool_id: str, client_id: str) -> None:
        self.user_pool_id = user_pool_id
        self.client_id = client_id

    @property
    def _idp(self) -> Any:
        return aws.client("cognito-idp")

    def login(self, username: str, password: str) -> Tokens | NewPasswordChallenge:
        result = self._call(
            WRONG_CREDENTIALS,
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self.client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            return NewPasswordChallenge(session=result["Session"])
        if "AuthenticationResult" not in result:
            # Any other challenge (MFA and so on) is not configured for the portal's pool.
            raise NotSignedIn(WRONG_CREDENTIALS)
        return _tokens(result["AuthenticationResult"])

    def refresh(self, refresh_token: str) -> Tokens:
        result = self._call(
            SESSION_EXPIRED,
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=self.client_id,
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        return _tokens(result["AuthenticationResult"], refresh_token)

    def sign_out(self, refresh_token: str) -> None:
        """Revoke the refresh token (and what Cognito issued from it). A token Cognito does not know as one
        of this client's refresh tokens has nothing left to revoke: that is no error either."""
        try:
            self._idp.revoke_token(Token=refresh_token, ClientId=self.client_id)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in ("TooManyRequestsException", "LimitExceededException"):
                raise Throttled(TOO_MANY_ATTEMPTS) from None
            if code not in (
                "UnauthorizedException",
                "UnsupportedTokenTypeException",
                "InvalidParameterException",
                "NotAuthorizedException",
            ):
                raise

    def new_password(self, username: str, session: str, new_password: str) -> Tokens:
        """Answer the first sign-in's challenge with the password the user chose."""
        try:
            result = self._idp.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "InvalidPasswordException":
                raise ValidationFailed(
                    POOL_REFUSED_PASSWORD, [FieldProblem("new_password", POOL_REFUSED_PASSWORD)]
                ) from None
            if code in ("TooManyRequestsException", "LimitExceededException"):
                raise Throttled(TOO_MANY_ATTEMPTS) from None
            if code in (
                "NotAuthorizedException",
                "CodeMismatchException",
                "ExpiredCodeException",
                "UserNotFoundException",
                "InvalidParameterException",
                # The local user pool (moto) answers a session it does not know this way; a missing app
                # client cannot be the cause here, since the sign-in that issued the session used it.
                "ResourceNotFoundException",
            ):
                raise NotSignedIn(CHALLENGE_EXPIRED) from None
            raise
        if "AuthenticationResult" not in result:
            raise NotSignedIn(CHALLENGE_EXPIRED)
        return _tokens(result["AuthenticationResult"])

    def _call(self, refused: Text, **kwargs: Any) -> dict[str, Any]:
        """`initiate_auth`, with Cognito's refusals answered by one generic sentence (no user enumeration)."""
        try:
            result: dict[str, Any] = self._idp.initiate_auth(**kwargs)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in ("TooManyRequestsException", "LimitExceededException"):
                raise Throttled(TOO_MANY_ATTEMPTS) from None
            if code in (
                "NotAuthorizedException",
                "UserNotFoundException",
                "UserNotConfirmedException",
                "PasswordResetRequiredException",
                "InvalidParameterException",
            ):
                raise NotSignedIn(refused) from None
            raise
        return result


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    return Tokens(
        id_token=result["IdToken"],
        refresh_token=result.get("RefreshToken") or refresh_token or "",
        expires_in=result["ExpiresIn"],
    )
