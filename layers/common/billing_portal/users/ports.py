"""The ports of Manage Users and password reset: the portal's user records, the user pool's admin side, and
the outstanding reset codes. The adapters (`dynamo`, `cognito`) only store and load behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from billing_portal.i18n import Language
from billing_portal.ledger.ports import PortalUser, UserSessions
from billing_portal.users.model import UsernameClaim


class UserRecords(Protocol):
    def list_users(self, account_id: str) -> list[PortalUser]: ...

    def get_user(self, account_id: str, username: str) -> PortalUser | None: ...

    def claim(self, user: PortalUser) -> None:
        """Claim the username for good and write the user, atomically; UsernameTaken if ever claimed."""

    def release(self, user: PortalUser) -> None:
        """Undo `claim` after the other half failed."""

    def mark_invited(self, account_id: str, username: str, at: str) -> None:
        """The user has their invitation: from this change, the account's users are told of them."""

    def update_user(self, account_id: str, username: str, changes: dict[str, Any]) -> PortalUser | None: ...

    def withdraw(self, user: PortalUser, by: str, at: str) -> None:
        """Decide the delete of `user` by the account's user `by`: from here the user's sessions are over.
        Written only while `by` is still a user of the account (DeletedMeanwhile otherwise), so that of two
        users deleting each other one wins; NotFound if `user` is gone."""

    def reinstate(self, user: PortalUser) -> None:
        """Undo `withdraw` after the other half of the delete failed."""

    def tombstone(self, user: PortalUser, deleted_at: str) -> None:
        """Remove the user; the claim stays, marked deleted, with what a restore needs. NotFound if another
        request removed them first."""

    def restore(self, user: PortalUser, sessions_valid_from: int) -> None:
        """Reinstate a tombstoned username of the same account, with no session from before."""

    def end_sessions(self, account_id: str, username: str, valid_from: int) -> None:
        """Tokens of the user's sign-ins before `valid_from` (epoch seconds) are no longer accepted; never
        moved back by a slower request."""

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        """What the user's record says of their sessions (the edge's `SessionRecords`): None when they are
        not, or no longer, a user of the account, or while their delete is under way."""

    def claim_of(self, username: str) -> UsernameClaim | None: ...

    def default_language(self, account_id: str) -> Language:
        """The account's default language (`Account.language`), for a user added without one; English
        when there is no such account."""


class Directory(Protocol):
    """The user pool, as Manage Users sees it."""

    def create_user(self, username: str, account_id: str, temporary_password: str) -> None: ...

    def delete_user(self, username: str) -> None: ...


class PasswordDirectory(Protocol):
    """The user pool, as password reset sees it."""

    def status(self, username: str) -> str | None: ...

    def set_temporary_password(self, username: str, password: str) -> None: ...

    def set_password(self, username: str, password: str) -> None: ...

    def sign_out_everywhere(self, username: str) -> None: ...


@dataclass(frozen=True)
class IssuedCode:
    """A reset code as stored: its salted digest, when it was issued and lapses (epoch seconds), and the
    wrong tries so far."""

    digest: str
    salt: str
    issued_at: int
    expires_at: int
    attempts: int


class ResetCodes(Protocol):
    def get(self, username: str) -> IssuedCode | None: ...

    def put(self, username: str, code: IssuedCode) -> None: ...

    def count_failure(self, username: str, code: IssuedCode) -> None:
        """One more wrong try, if `code` is still the one outstanding."""

    def consume(self, username: str, code: IssuedCode, max_attempts: int) -> bool:
        """Delete the code if it is still the one given and has had fewer than `max_attempts` wrong tries;
        False when another request used it first (or used up its tries)."""
