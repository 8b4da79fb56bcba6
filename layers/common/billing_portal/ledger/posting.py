"""Posting against the store: read the account, apply a ledger rule, write it all in one transaction.

Optimistic concurrency: the write is conditional on the ledger version that was read; when another
posting won the race, read again and recompute. A duplicate source document is reported, not posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing_portal.ledger.model import Posting
from billing_portal.ledger.ports import Account, DuplicateDocument, LedgerStore
from billing_portal.shared.errors import ConcurrentUpdate, NotFound

PostingPlan = Callable[[Account], tuple[Posting, list[dict[str, Any]]]]


@dataclass(frozen=True)
class PostingOutcome:
    posted: bool
    posting: Posting | None


class PostingConflict(Exception):
    """The account kept changing under us; the caller may retry later."""


def allocations_of(posting: Posting, source_id: str) -> list[dict[str, Any]]:
    """What a payment or credit paid, as its details document lists it."""
    mine = [a for a in posting.allocations if a.source_id == source_id]
    return [{"invoice_id": a.invoice_id, "cents": a.cents} for a in mine]


def post(store: LedgerStore, account_id: str, plan: PostingPlan, attempts: int = 25) -> PostingOutcome:
    for _ in range(attempts):
        account = store.get_account(account_id)
        if account is None:
            raise NotFound(f"Account {account_id} does not exist.")
        posting, documents = plan(account)
        try:
            store.commit(account_id, posting, documents)
        except ConcurrentUpdate:
            continue
        except DuplicateDocument:
            return PostingOutcome(posted=False, posting=None)
        return PostingOutcome(posted=True, posting=posting)
    raise PostingConflict(f"account {account_id} changed {attempts} times while posting")
