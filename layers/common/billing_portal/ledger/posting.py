"""Posting against the store: read the account, apply a ledger rule, write it all in one transaction.

Optimistic concurrency: the write is conditional on the ledger version that was read; when another
posting won the race, read again and recompute. A duplicate source document is reported, not posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing_portal.i18n import _
from billing_portal.ledger import model as ledger
from billing_portal.ledger.documents import (
    CreditDocument,
    InvoiceDocument,
    PaymentDocument,
    PostingWrite,
    RefundDocument,
    TransactionDocument,
)
from billing_portal.ledger.model import LedgerState, Posting
from billing_portal.ledger.ports import Account, DuplicateDocument, LedgerStore
from billing_portal.shared.errors import ConcurrentUpdate, NotFound

PostingPlan = Callable[[Account], tuple[Posting, list[TransactionDocument]]]


@dataclass(frozen=True)
class PostingOutcome:
    posted: bool
    posting: Posting | None


class PostingConflict(Exception):
    """The account kept changing under us; the caller may retry later."""


def posting_of(state: LedgerState, document: TransactionDocument, paid_with: str | None = None) -> Posting:
    """The ledger rule a document is posted by. `paid_with`: what the Last Payment tile names a payment
    by (the card, when known; its description otherwise)."""
    if isinstance(document, InvoiceDocument):
        return ledger.post_invoice(state, document.entry(), document.due_date)
    if isinstance(document, PaymentDocument):
        return ledger.post_payment(state, document.entry(), method=paid_with)
    if isinstance(document, CreditDocument) and document.pending:
        return ledger.add_pending_credit(state, document.id, document.amount_cents)
    if isinstance(document, CreditDocument):
        return ledger.post_credit(state, document.entry())
    if isinstance(document, RefundDocument):
        return ledger.post_refund(state, document.entry())
    raise TypeError(f"no posting rule for {type(document).__name__}")


def document_plan(
    document_for: Callable[[Account], TransactionDocument], *, paid_with: str | None = None
) -> PostingPlan:
    """How to post one document, made from the account as read (an invoice's taxes follow its address):
    posted by its rule, recorded as posted (its date, what it paid)."""

    def plan(account: Account) -> tuple[Posting, list[TransactionDocument]]:
        document = document_for(account)
        posting = posting_of(account.ledger, document, paid_with)
        return posting, [document.recorded(posting)]

    return plan


def post(store: LedgerStore, account_id: str, plan: PostingPlan, attempts: int = 25) -> PostingOutcome:
    for _attempt in range(attempts):
        account = store.get_account(account_id)
        if account is None:
            raise NotFound(_("Account {account_id} does not exist.", account_id=account_id))
        posting, documents = plan(account)
        try:
            store.commit(account_id, PostingWrite.of(posting, documents))
        except ConcurrentUpdate:
            continue
        except DuplicateDocument:
            return PostingOutcome(posted=False, posting=None)
        return PostingOutcome(posted=True, posting=posting)
    raise PostingConflict(f"account {account_id} changed {attempts} times while posting")
