"""What a signed-in customer reads of their account: the dashboard, the transaction history and the details
of one transaction, in the reader's words (`words`: English when the caller does not say). Retention windows
from the help centre: 24 months of history and invoice PDFs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from billing_portal.i18n import _
from billing_portal.i18n.words import Words, words_in
from billing_portal.ledger import views
from billing_portal.ledger.documents import InvoiceDocument, read_document
from billing_portal.ledger.model import (
    ACCOUNT_NOT_FOUND,
    ANY_DOCUMENT_ID,
    EntryType,
    LedgerState,
    oldest_first,
)
from billing_portal.ledger.ports import HistoryWindow, LedgerStore, PortalUser, UserSessions, row_sort_key
from billing_portal.ledger.retention import HISTORY_MONTHS, history_since, invoice_pdfs_since

# Re-exported: the invoices' and exports' code imports it from here.
from billing_portal.shared.clock import Clock, utc_now
from billing_portal.shared.errors import Gone, NotFound, ValidationFailed

if TYPE_CHECKING:
    from billing_portal.ledger.profile import ProfileUpdate
    from billing_portal.ledger.views_details import TransactionDetailsResponse
    from billing_portal.ledger.views_history import HistoryPage

PAGE_SIZES = (10, 50, 100)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ASCII digits, the whole key: `\d` takes other scripts' digits and `$` a trailing newline.
_CURSOR_KEY = re.compile(r"TXN#[0-9]{4}-[0-9]{2}-[0-9]{2}#[0-9]{8}")


NOT_OUR_CURSOR = _("The cursor is not one this API gave out.")


def _cursor_check(account_id: str, sort_key: str, filters: str) -> str:
    """Ties a cursor to the account, the position it was given for and the filters of the page it came
    from, so that another account's cursor, an edited one or one carried over to other filters is refused
    rather than silently read as a position. Not a secret, and not needed for it: the account always comes
    from the token."""
    return hashlib.sha256(f"{account_id}\n{sort_key}\n{filters}".encode()).hexdigest()[:16]


def encode_cursor(account_id: str, sort_key: str, filters: str) -> str:
    position = {"k": sort_key, "c": _cursor_check(account_id, sort_key, filters)}
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(account_id: str, cursor: str, filters: str) -> str:
    """The position a cursor stands for; 422 when it is not one given out for this account and filters."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        key, check = position["k"], position["c"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValidationFailed(NOT_OUR_CURSOR) from None
    if not isinstance(key, str) or not _CURSOR_KEY.fullmatch(key) or not isinstance(check, str):
        raise ValidationFailed(NOT_OUR_CURSOR)
    if not hmac.compare_digest(check.encode(), _cursor_check(account_id, key, filters).encode()):
        # A cursor continues the pages of the filters it came with (type, from, to), on its own account.
        raise ValidationFailed(
            _("The cursor is not one this API gave out for these filters; ask for the first page again.")
        )
    return key


def _before(sort_key: str) -> str:
    """The greatest sort key that is still before `sort_key` (keys end in a fixed-width sequence)."""
    prefix, seq = sort_key.rsplit("#", 1)
    number = int(seq)
    return f"{prefix}#{number - 1:08d}" if number else f"{prefix}#"


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: frozenset[EntryType] | None = Field(
        default=None, description="Comma-separated: invoice, payment, credit, refund"
    )
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    page_size: int = Field(default=10, description="10, 50 or 100")
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description="The previous page's `next_cursor`, sent with the same type, from and to",
    )

    @field_validator("type", mode="before")
    @classmethod
    def _types(cls, value: Any) -> Any:
        if isinstance(value, str):
            names = [v.strip() for v in value.split(",")]
            unknown = sorted({n for n in names if n not in {t.value for t in EntryType}})
            if unknown or not names:
                raise ValueError(
                    _("must be one or more of invoice, payment, credit, refund, comma-separated")
                )
            return frozenset(names)
        return value

    @field_validator("page_size", mode="before")
    @classmethod
    def _page_size(cls, value: Any) -> int:
        # Exactly one of the sizes the table offers, as the client sends it: not 10.0, " 10" nor 1_0.
        if isinstance(value, str) and value in {str(size) for size in PAGE_SIZES}:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value in PAGE_SIZES:
            return value
        raise ValueError(_("must be 10, 50 or 100"))

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        if isinstance(value, str) and not _DATE.fullmatch(value):
            raise ValueError(_("must be a date written YYYY-MM-DD"))
        return value

    @model_validator(mode="after")
    def _range(self) -> HistoryQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError(_("from must not be after to"))
        return self

    @property
    def filters(self) -> str:
        """Which rows the query asks for, however it is written (`type=payment,invoice` and
        `type=invoice&type=payment` alike, no type and every type alike), for the cursor to be bound to.
        The page size is not part of it: it says how many rows come next, not which, so a client may change
        it and go on from where it was."""
        types = sorted(t.value for t in (self.type or EntryType))
        return f"type={','.join(types)}&from={self.from_ or ''}&to={self.to or ''}"


class UserReader(Protocol):
    """The portal's user records, as GET /me reads them (users/dynamo.py)."""

    def get_user(self, account_id: str, username: str) -> PortalUser | None: ...


class AccountReader:
    def __init__(self, store: LedgerStore, *, users: UserReader, clock: Clock = utc_now) -> None:
        self.store = store
        self.users = users
        self.clock = clock

    def today(self) -> date:
        """The date the retention windows count from (UTC, as the billing engine dates its documents)."""
        return self.clock().date()

    def dashboard(self, account_id: str, words: Words) -> views.Dashboard:
        account = self.store.get_account(account_id)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return views.dashboard(account, self.today(), words)

    def signed_in_dashboard(
        self, account_id: str, username: str, confirm_session: Callable[[UserSessions | None], object]
    ) -> views.Dashboard:
        """The dashboard of the signed-in user's account in one read: the account and the user's record
        together, the user's session confirmed (`confirm_session` raises) before anything is shown, in the
        user's own language (their record's)."""
        account, sessions = self.store.get_account_and_sessions(account_id, username)
        confirm_session(sessions)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return views.dashboard(account, self.today(), words_in(sessions.language if sessions else "en"))

    def update_profile(self, account_id: str, change: ProfileUpdate, words: Words) -> views.Dashboard:
        changes: dict[str, Any] = {}
        if change.billing_address is not None:
            changes["billing_address"] = change.billing_address.model_dump()
        if change.time_zone is not None:
            changes["time_zone"] = change.time_zone
        if change.billing_contacts is not None:
            changes["billing_contacts"] = change.billing_contacts
        if change.language is not None:
            changes["language"] = change.language
        account = self.store.update_profile(account_id, changes)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return views.dashboard(account, self.today(), words)

    def history(self, account_id: str, query: HistoryQuery, words: Words) -> HistoryPage:
        # Imported here: only the history function answers with these models (see views).
        from billing_portal.ledger.views_history import HistoryPage, history_item

        today = self.today()
        earliest = history_since(today)
        past_the_window = _(
            "Transaction history goes back {months} months, to {earliest}. For older transactions, "
            "contact {billing_team}.",
            months=HISTORY_MONTHS,
            earliest=earliest,
        )
        if query.from_ is not None and query.from_ < earliest:
            raise ValidationFailed(past_the_window)
        # A user's own date can be a day ahead of UTC's; past that, nothing can match.
        if query.from_ is not None and query.from_ > today + timedelta(days=1):
            raise ValidationFailed(
                _("Transaction history ends today: choose a from date up to {today}.", today=today)
            )
        if query.to is not None and query.to < earliest:
            raise ValidationFailed(past_the_window)
        low = f"TXN#{(query.from_ or earliest).isoformat()}#"
        high = f"TXN#{(query.to or date.max).isoformat()}#99999999"
        if query.cursor is not None:
            high = min(high, _before(decode_cursor(account_id, query.cursor, query.filters)))
        window = HistoryWindow(low=low, high=high)
        rows = self.store.history(account_id, query.type, window, query.page_size + 1)
        page, more = rows[: query.page_size], len(rows) > query.page_size
        next_cursor = (
            encode_cursor(account_id, row_sort_key(page[-1].date, page[-1].seq), query.filters)
            if more and page
            else None
        )
        pdf_since = invoice_pdfs_since(today)
        items = [history_item(row, pdf_since, words) for row in page]
        return HistoryPage(items=items, next_cursor=next_cursor)

    def details(self, account_id: str, transaction_id: str, words: Words) -> TransactionDetailsResponse:
        from billing_portal.ledger.views_details import transaction_details

        not_found = NotFound(_("Transaction {id} was not found.", id=transaction_id))
        if not ANY_DOCUMENT_ID.fullmatch(transaction_id):
            raise not_found
        stored = self.store.get_document(account_id, transaction_id)
        if stored is None:
            raise not_found
        document = read_document(stored)
        today = self.today()
        earliest = history_since(today)
        if document.date < earliest:
            raise Gone(
                _(
                    "Transaction {id} is older than {months} months. For its details, contact "
                    "{billing_team}.",
                    id=transaction_id,
                    months=HISTORY_MONTHS,
                )
            )
        covered = 0
        if isinstance(document, InvoiceDocument) and document.status != "paid":
            account = self.store.get_account(account_id)
            covered = covered_by_pending_credit(account.ledger, transaction_id) if account else 0
        return transaction_details(
            document,
            invoice_pdf_since=invoice_pdfs_since(today),
            covered_by_pending_credit=covered,
            words=words,
        )

    def me(self, account_id: str, username: str) -> views.Me:
        user = self.users.get_user(account_id, username)
        if user is None:
            raise NotFound(_("Your portal user was not found."))
        return views.Me(**asdict(user))


def covered_by_pending_credit(state: LedgerState, invoice_id: str) -> int:
    """What of an unpaid invoice the credits pending on the next invoice will pay, as they will be applied
    when posted: credit already on the account first, then the pending credits, to the oldest unpaid
    invoices first. What the Current Balance tile already counts as paid."""
    on_account, pending = state.unapplied_cents, state.pending_credit_cents
    for open_id in oldest_first(state.open_invoices):
        owed = state.open_invoices[open_id].outstanding_cents
        from_account = min(on_account, owed)
        on_account -= from_account
        from_pending = min(pending, owed - from_account)
        pending -= from_pending
        if open_id == invoice_id:
            return from_pending
    return 0
