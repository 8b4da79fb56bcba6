"""The ports the domain needs from storage, and the in-memory records they exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from billing_portal.ledger.model import EntryType, HistoryRow, LedgerState, Posting


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    province: str
    postal_code: str
    line2: str | None = None
    country: str = "CA"


@dataclass(frozen=True)
class Account:
    account_id: str
    account_number: str
    name: str
    billing_address: Address
    time_zone: str
    billing_contacts: list[str]
    ledger: LedgerState = field(default_factory=LedgerState)
    autopay: dict[str, Any] | None = None


@dataclass(frozen=True)
class HistoryWindow:
    """Sort-key bounds of a history page, newest first: entries in [low, high] (inclusive)."""

    low: str
    high: str


@dataclass(frozen=True)
class PortalUser:
    account_id: str
    username: str
    first_name: str
    last_name: str
    time_zone: str
    notifications_enabled: bool
    created_at: str


@dataclass(frozen=True)
class UserSessions:
    """What the portal's record of a user says of their sign-ins. There is one only while the user is a user
    of the account; a token is good only if its sign-in was at or after `valid_from` (epoch seconds, as
    Cognito stamps `auth_time`; 0 for any), which a password reset or a restore moves on."""

    valid_from: int = 0


class DuplicateDocument(Exception):
    """The source document was posted before; posting it again changes nothing."""


class LedgerStore(Protocol):
    def get_account(self, account_id: str) -> Account | None: ...

    def create_account(self, account: Account) -> bool:
        """False when the account exists already (then nothing is written)."""

    def update_profile(self, account_id: str, changes: dict[str, Any]) -> Account | None: ...

    def commit(self, account_id: str, posting: Posting, documents: list[dict[str, Any]]) -> None:
        """Write the posting atomically. Raises ConcurrentUpdate if the ledger moved since it was read,
        DuplicateDocument if one of the documents exists already."""

    def history(
        self, account_id: str, types: frozenset[EntryType] | None, window: HistoryWindow, limit: int
    ) -> list[HistoryRow]:
        """Up to `limit` rows within the window, newest first, of the given types (None: all)."""

    def get_document(self, account_id: str, document_id: str) -> dict[str, Any] | None: ...

    def get_user(self, account_id: str, username: str) -> PortalUser | None: ...

    def put_user(self, user: PortalUser) -> None: ...

    def get_account_and_sessions(
        self, account_id: str, username: str
    ) -> tuple[Account | None, UserSessions | None]:
        """The account and what the user's record says of their sessions, read together."""


def row_sort_key(on: date, seq: int) -> str:
    """History rows sort by date, then posting order: dates never go backwards, so both orders agree."""
    return f"TXN#{on.isoformat()}#{seq:08d}"
