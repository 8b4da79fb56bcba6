"""In-memory stand-ins for the ports, faithful to what the DynamoDB adapter promises: a posting is written
all or nothing, conditional on the ledger version that was read; a document posted twice is refused;
history comes back newest first within the window, of the requested types, up to the limit; what is read
back is what a JSON-like store returns (dates as ISO text, absent values left out, never a float)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from billing_portal.errors import ConcurrentUpdate
from billing_portal.ledger import EntryType, HistoryRow, Posting, invoice_status
from billing_portal.store import Account, Address, DuplicateDocument, HistoryWindow, PortalUser, row_sort_key


def stored(value: Any) -> Any:
    """A value as it comes back from the table: dates as ISO text, None left out, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("money and quantities are never floats")
    if isinstance(value, dict):
        return {key: stored(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [stored(item) for item in value]
    return copy.deepcopy(value)


class FakeLedgerStore:
    """`billing_portal.store.LedgerStore` in memory, for one process."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.rows: dict[str, dict[str, HistoryRow]] = {}  # account id -> sort key -> row
        self.documents: dict[str, dict[str, dict[str, Any]]] = {}  # account id -> document id -> document
        self.users: dict[tuple[str, str], PortalUser] = {}
        self.commits = 0
        # Called with the account id just before a commit is checked: lets a test slip in a rival write.
        self.before_commit: Callable[[str], None] | None = None

    # -- accounts -------------------------------------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def create_account(self, account: Account) -> bool:
        if account.account_id in self.accounts:
            return False
        self.accounts[account.account_id] = account
        return True

    def update_profile(self, account_id: str, changes: dict[str, Any]) -> Account | None:
        account = self.accounts.get(account_id)
        if account is None:
            return None
        values = stored(changes)
        if "billing_address" in values:
            values["billing_address"] = Address(**values["billing_address"])
        updated = replace(account, **values)
        self.accounts[account_id] = updated
        return updated

    # -- postings -------------------------------------------------------------------------------------

    def commit(self, account_id: str, posting: Posting, documents: list[dict[str, Any]]) -> None:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook(account_id)
        rows = self.rows.setdefault(account_id, {})
        docs = self.documents.setdefault(account_id, {})
        # As in the adapter's transaction: a document that exists already wins over a moved ledger.
        if any(doc["id"] in docs for doc in documents):
            raise DuplicateDocument
        account = self.accounts.get(account_id)
        if account is None or account.ledger.version != posting.before.version:
            raise ConcurrentUpdate
        new_rows = {row_sort_key(row.date, row.seq): row for row in posting.rows}
        if any(key in rows for key in new_rows) or len(new_rows) != len(posting.rows):
            raise ConcurrentUpdate
        new_docs: dict[str, dict[str, Any]] = {doc["id"]: stored(doc) for doc in documents}
        touched: dict[str, dict[str, Any]] = {}

        def document(document_id: str) -> dict[str, Any]:
            if document_id in new_docs:
                return new_docs[document_id]
            if document_id not in touched:
                if document_id not in docs:  # the adapter's update is conditional on the item existing
                    raise ConcurrentUpdate
                touched[document_id] = copy.deepcopy(docs[document_id])
            return touched[document_id]

        for allocation in posting.allocations:
            invoice = document(allocation.invoice_id)
            invoice["amount_paid_cents"] = invoice.get("amount_paid_cents", 0) + allocation.cents
            invoice["status"] = invoice_status(
                allocation.invoice_total_cents, allocation.invoice_outstanding_after
            )
            invoice["applied"] = [
                *invoice.get("applied", []),
                {"source_id": allocation.source_id, "cents": allocation.cents},
            ]
        for credit_id in posting.consumed_pending_credits:
            if credit_id in new_docs:
                continue
            credit = document(credit_id)
            credit["status"] = "applied"
            credit["applied_on_invoice"] = posting.rows[0].id

        # Every check passed: write it all.
        self.accounts[account_id] = replace(account, ledger=posting.after)
        rows.update(new_rows)
        docs.update(touched)
        docs.update(new_docs)
        self.commits += 1

    # -- reads ----------------------------------------------------------------------------------------

    def history(
        self, account_id: str, types: frozenset[EntryType] | None, window: HistoryWindow, limit: int
    ) -> list[HistoryRow]:
        found = [
            row
            for key, row in self.rows.get(account_id, {}).items()
            if window.low <= key <= window.high and (types is None or row.type in types)
        ]
        found.sort(key=lambda row: row_sort_key(row.date, row.seq), reverse=True)
        return found[:limit]

    def get_document(self, account_id: str, document_id: str) -> dict[str, Any] | None:
        found = self.documents.get(account_id, {}).get(document_id)
        return copy.deepcopy(found) if found is not None else None

    # -- users ----------------------------------------------------------------------------------------

    def get_user(self, account_id: str, username: str) -> PortalUser | None:
        return self.users.get((account_id, username))

    def put_user(self, user: PortalUser) -> None:
        self.users[(user.account_id, user.username)] = user

    # -- for assertions -------------------------------------------------------------------------------

    def all_rows(self, account_id: str) -> list[HistoryRow]:
        """Every posted row of the account, in posting order."""
        return sorted(self.rows.get(account_id, {}).values(), key=lambda row: row.seq)


class FakeCdrFiles:
    """The CDR bucket's keys."""

    def __init__(self, keys: set[str] | None = None) -> None:
        self.keys = set(keys or ())

    def exists(self, object_key: str) -> bool:
        return object_key in self.keys
