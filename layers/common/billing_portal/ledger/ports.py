"""The ports the domain needs from storage, and the in-memory records they exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from billing_portal.i18n.text import Language
from billing_portal.ledger.model import EntryType, HistoryRow, LedgerState
from billing_portal.payments.autopay_setting import AUTOPAY_OFF, AutopaySetting

if TYPE_CHECKING:
    from billing_portal.ledger.documents import PostingWrite


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
    autopay: AutopaySetting = AUTOPAY_OFF
    # The language of users created without one (the first user's included): `default_language` of the
    # billing address unless the billing engine or the account's users say otherwise.
    language: Language = "en"


def default_language(province: str) -> Language:
    """An account's language when no one chose it: French for accounts billed in Québec (the Charter of the
    French language), English elsewhere."""
    return "fr" if province.upper() == "QC" else "en"


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
    language: Language = "en"  # records from before languages read as English


@dataclass(frozen=True)
class UserSessions:
    """What the portal's record of a user says of their sign-ins. There is one only while the user is a user
    of the account; a token is good only if its sign-in was at or after `valid_from` (epoch seconds, as
    Cognito stamps `auth_time`; 0 for any), which a password reset or a restore moves on."""

    valid_from: int = 0
    # The language the user reads the portal in (records from before languages read as English).
    language: Language = "en"


class DuplicateDocument(Exception):
    """The source document was posted before; posting it again changes nothing."""


class LedgerStore(Protocol):
    def get_account(self, account_id: str) -> Account | None: ...

    def create_account(self, account: Account) -> bool:
        """False when the account exists already (then nothing is written)."""

    def update_profile(self, account_id: str, changes: dict[str, Any]) -> Account | None: ...

    def commit(self, account_id: str, write: PostingWrite) -> None:
        """Write the posting and its documents' changes atomically, as given. Raises ConcurrentUpdate if
        the ledger moved since it was read (or a document to change is not there), DuplicateDocument if
        one of the new documents exists already."""

    def history(
        self, account_id: str, types: frozenset[EntryType] | None, window: HistoryWindow, limit: int
    ) -> list[HistoryRow]:
        """Up to `limit` rows within the window, newest first, of the given types (None: all)."""

    def get_document(self, account_id: str, document_id: str) -> dict[str, Any] | None:
        """The document as stored (`documents.read_document` types it)."""

    def get_account_and_sessions(
        self, account_id: str, username: str
    ) -> tuple[Account | None, UserSessions | None]:
        """The account and what the user's record says of their sessions, read together."""


def row_sort_key(on: date, seq: int) -> str:
    """History rows sort by date, then posting order: dates never go backwards, so both orders agree."""
    return f"TXN#{on.isoformat()}#{seq:08d}"
