"""Manage Users (help centre: "Manage Billing Portal Users"). All users of an account have the same rights;
the oldest is the "top user". A deleted username can never be taken again unless the billing team restores
it. A user lives in two places, the portal's records and the Cognito pool; an operation that fails halfway
undoes what it did, so neither half is left alone. An account always keeps at least one user."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from aws_lambda_powertools import Logger
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from billing_portal.i18n import N_, Language, _
from billing_portal.ledger.ports import PortalUser
from billing_portal.notifications.mail import Mailer, MailNotSent
from billing_portal.shared import portal_url as pages
from billing_portal.shared.clock import Clock, timestamp, utc_now
from billing_portal.shared.errors import Forbidden, NotFound
from billing_portal.shared.validation import UNSEEN_CHARACTERS, validate_email, validate_time_zone
from billing_portal.users import emails, passwords
from billing_portal.users.model import (
    CANNOT_DELETE_SELF,
    INVITATION_NOT_SENT,
    INVITATION_REFUSED,
    MAX_USERNAME,
    NO_DELETED_USER,
    TEMPORARY_PASSWORD_DAYS,
    USER_NOT_FOUND,
    EmailNotSent,
    EmailRefused,
    normalize_username,
    oldest_first,
    sessions_valid_after,
    top_user,
    wait_until,
)
from billing_portal.users.ports import Directory, UserRecords

logger = Logger(child=True)

# Blank once trimmed, unseen characters (see validation.UNSEEN_CHARACTERS) and markup are refused.
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=rf"^[^{UNSEEN_CHARACTERS}<>]+$"
    ),
    Field(description=N_("Up to 60 characters, with no < or >, control characters or invisible formatting")),
]
# Each user reads the portal and its emails in their own language.
LANGUAGE = "The language the user reads the portal and its emails in: en (English) or fr (French)"


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        max_length=MAX_USERNAME, description="The user's email address", examples=["pat@example.com"]
    )
    first_name: Name
    last_name: Name
    time_zone: str = Field(examples=["America/Toronto"])
    notifications_enabled: StrictBool = False  # true or false, not "true", 1 or "yes"
    language: Language | None = Field(
        default=None, description=f"{LANGUAGE}; the account's default language when not given"
    )

    _username = field_validator("username")(validate_email)
    _time_zone = field_validator("time_zone")(validate_time_zone)


class UserChanges(BaseModel):
    """Names, time zone, notifications and language; the username never changes."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    time_zone: str | None = Field(default=None, examples=["America/Toronto"])
    notifications_enabled: StrictBool | None = None
    language: Language | None = Field(default=None, description=LANGUAGE)

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str | None) -> str | None:
        return None if value is None else validate_time_zone(value)

    @model_validator(mode="after")
    def _something(self) -> UserChanges:
        if not self.model_fields_set:
            raise ValueError(
                _(
                    "send at least one of {fields}",
                    fields="first_name, last_name, time_zone, notifications_enabled, language",
                )
            )
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(_("{field} cannot be null", field=name))
        return self


class UserView(BaseModel):
    username: str
    first_name: str
    last_name: str
    time_zone: str
    notifications_enabled: bool
    language: Language = Field(description=LANGUAGE)
    created_at: str
    top_user: bool = Field(description="The oldest user; their email is the default billing email")


class UserList(BaseModel):
    items: list[UserView]


class UserService:
    def __init__(
        self,
        *,
        records: UserRecords,
        directory: Directory,
        mailer: Mailer,
        portal_url: str,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.records = records
        self.directory = directory
        self.mailer = mailer
        self.portal_url = portal_url
        self.clock = clock
        self.sleep = sleep

    def _now(self) -> str:
        return timestamp(self.clock())

    def list(self, account_id: str) -> UserList:
        users = oldest_first(self.records.list_users(account_id))
        return UserList(items=[_view(u, top=i == 0) for i, u in enumerate(users)])

    def has_user(self, account_id: str, username: str) -> bool:
        return self.records.get_user(account_id, normalize_username(username)) is not None

    def top_user(self, account_id: str) -> PortalUser | None:
        return top_user(self.records.list_users(account_id))

    def create(self, account_id: str, request: NewUser) -> UserView:
        """The user, in the language asked for, or else the account's default language."""
        user = PortalUser(
            account_id=account_id,
            username=request.username,
            first_name=request.first_name.strip(),
            last_name=request.last_name.strip(),
            time_zone=request.time_zone,
            notifications_enabled=request.notifications_enabled,
            created_at=self._now(),
            language=request.language or self.records.default_language(account_id),
        )
        self.records.claim(user)  # UsernameTaken, before anything else exists
        self._invite(user, undo=lambda: self.records.release(user))
        return _view(user, top=self.top_user(account_id) == user)

    def update(self, account_id: str, username: str, changes: UserChanges) -> UserView:
        if len(username) > MAX_USERNAME:
            raise NotFound(USER_NOT_FOUND)
        values = {name: getattr(changes, name) for name in changes.model_fields_set}
        for name in ("first_name", "last_name"):
            if name in values:
                values[name] = values[name].strip()
        updated = self.records.update_user(account_id, normalize_username(username), values)
        if updated is None:
            raise NotFound(USER_NOT_FOUND)
        return _view(updated, top=self.top_user(account_id) == updated)

    def delete(self, account_id: str, caller_username: str, username: str) -> None:
        username = normalize_username(username)
        if len(username) > MAX_USERNAME:
            raise NotFound(USER_NOT_FOUND)
        user = self.records.get_user(account_id, username)
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        caller = normalize_username(caller_username)
        if username == caller:
            raise Forbidden(CANNOT_DELETE_SELF)
        # Decided in the records first, where the caller must still be a user: of two users deleting each
        # other at the same moment, one wins and the account keeps a user. From here the user's tokens are
        # refused; if Cognito then fails, the decision is undone and the delete can be repeated.
        self.records.withdraw(user, by=caller, at=self._now())
        try:
            self.directory.delete_user(username)
        except Exception:
            self.records.reinstate(user)
            raise
        self.records.tombstone(user, deleted_at=self._now())

    def restore(self, account_id: str, username: str) -> UserView:
        """For the billing team only (an internal operation): bring a deleted user back, with a fresh
        invitation."""
        username = normalize_username(username)
        claim = self.records.claim_of(username)
        if claim is None or claim.account_id != account_id or not claim.deleted or not claim.snapshot:
            raise NotFound(NO_DELETED_USER)
        user = replace(PortalUser(**claim.snapshot), created_at=claim.snapshot["created_at"])
        # No token from before the delete works again: only sign-ins from the restored invitation.
        valid_from = sessions_valid_after(self.clock())
        self.records.restore(user, sessions_valid_from=valid_from)
        wait_until(valid_from, self.clock, self.sleep)
        self._invite(user, undo=lambda: self.records.tombstone(user, deleted_at=self._now()))
        return _view(user, top=self.top_user(account_id) == user)

    def _invite(self, user: PortalUser, undo: Callable[[], None]) -> None:
        temporary = passwords.temporary_password()
        try:
            self.directory.create_user(user.username, user.account_id, temporary)
        except Exception:
            undo()
            raise
        try:
            self.mailer.send(
                emails.welcome(
                    language=user.language,
                    username=user.username,
                    first_name=user.first_name,
                    temporary_password=temporary,
                    portal_url=f"{self.portal_url}{pages.SIGN_IN}",
                    valid_days=TEMPORARY_PASSWORD_DAYS,
                )
            )
        except Exception as error:
            self.directory.delete_user(user.username)
            undo()
            if isinstance(error, MailNotSent) and not error.passing:
                # For whoever runs the portal: on a new AWS account, SES's sandbox refuses every recipient
                # that is not verified (README, "First deploy").
                logger.error("the invitation email was refused", extra={"reason": str(error)})
                raise EmailRefused(INVITATION_REFUSED) from error
            raise EmailNotSent(INVITATION_NOT_SENT) from error
        try:
            self.records.mark_invited(user.account_id, user.username, self._now())
        except Exception:
            # The user exists and has their invitation; only the other users' email about it is missed.
            logger.exception("the new user could not be marked invited", extra={"username": user.username})


def _view(user: PortalUser, top: bool) -> UserView:
    return UserView(
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        time_zone=user.time_zone,
        notifications_enabled=user.notifications_enabled,
        language=user.language,
        created_at=user.created_at,
        top_user=top,
    )
