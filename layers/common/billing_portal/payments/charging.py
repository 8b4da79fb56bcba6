"""What one-time payments, the processor's callback and Auto Pay share: a payment's id, its view, and one
payment in flight per account.

A payment's id is derived from the account and what the payment is for (the client's idempotency key, or
the invoice Auto Pay pays), and the processor is asked with an idempotency key derived from it: whatever
is retried, by the client or after a crash, charges once and posts once (the ledger refuses a document id
twice). An approved payment is posted to the ledger, which applies it to the oldest unpaid invoices. A
pending one is held on the ledger (not in the balance) and blocks other payments until it settles.

At most one payment of an account is in flight, whatever runs at the same moment: before the processor is
asked, the payment claims the account with a ledger posting, which is conditional on the ledger's version
and refused (409 payment_pending) while another payment is claimed or pending. Everything that can refuse a
request (amount, card, expiry, saved-card limit) is checked before the claim, so a refused request leaves
none. The claim is released when the bank declines, or when anything fails before the charge; it becomes
the pending hold when the processor answers pending, and goes with the posting when it approves. A claim
left by a crash is resolved as `Charging.recover_claim` says.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import date, datetime, timedelta

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from billing_portal.i18n import Text, _
from billing_portal.i18n.words import Words
from billing_portal.ledger import model as ledger
from billing_portal.ledger.documents import PaymentDocument
from billing_portal.ledger.model import ACCOUNT_NOT_FOUND, PaymentClaim, PaymentMethod
from billing_portal.ledger.ports import Account, LedgerStore
from billing_portal.ledger.posting import document_plan, post
from billing_portal.ledger.views import Money
from billing_portal.payments.cards import AUTOPAY_CARD_EXPIRED
from billing_portal.payments.ports import PaymentRecord, PaymentStatus, PaymentStore
from billing_portal.payments.processor import DECLINED, BillingDetails, CardProcessor, Charge, ChargeStatus
from billing_portal.shared.clock import Clock, local_date, timestamp, utc_now
from billing_portal.shared.errors import NotFound, PortalError
from billing_portal.shared.money import format_cents

logger = Logger(child=True)

PAYMENT_NOT_FOUND = _("Payment not found.")
# Why a payment was declined or failed, as its record keeps it: the English message of one of these, put
# back into the reader's words when read.
STORED_MESSAGES: dict[str, Text] = {said.msgid: said for said in (DECLINED, AUTOPAY_CARD_EXPIRED)}
_PAYMENT_ID_LENGTH = 16

# A claim this old was left by an attempt that cannot be running any more: the payments function stops after
# 25 seconds and Auto Pay after 5 minutes (infra/template.yaml), and a processor call is long over by then.
CLAIM_LIFETIME = timedelta(minutes=15)


class PaymentCard(BaseModel):
    brand: str
    last4: str = Field(pattern=r"^[0-9]{4}$")
    exp_month: int
    exp_year: int
    label: str = Field(description='The card in words: "Visa ending in 4242"')


class PaymentView(BaseModel):
    id: str
    status: PaymentStatus
    amount: Money
    created_at: str
    settled_at: str | None
    card: PaymentCard | None
    payment_method_id: str | None = Field(description="The saved method charged, when one was")
    invoice_id: str | None = Field(description="For an Auto Pay payment, the invoice it pays")
    message: str | None = Field(description="Why it was declined or failed, in the reader's language")


def stored_message(message: str | None, words: Words) -> str | None:
    """A record's message (kept in English) in the reader's words."""
    said = STORED_MESSAGES.get(message) if message is not None else None
    return words(said) if said is not None else message


def payment_view(record: PaymentRecord, words: Words) -> PaymentView:
    card = record.card
    return PaymentView(
        id=record.id,
        status=record.status,
        amount=format_cents(record.amount_cents),
        created_at=record.created_at,
        settled_at=record.settled_at,
        card=PaymentCard(
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            label=words(card.label),
        )
        if card
        else None,
        payment_method_id=record.payment_method_id,
        invoice_id=record.autopay_invoice_id,
        message=stored_message(record.message, words),
    )


def payment_id_for(account_id: str, purpose: str) -> str:
    """The same account and purpose always name the same payment: `PAY-` and 16 base32 characters."""
    digest = hashlib.sha256(f"{account_id}\n{purpose}".encode()).digest()
    return "PAY-" + base64.b32encode(digest).decode()[:_PAYMENT_ID_LENGTH]


def processor_key(account_id: str, payment_id: str) -> str:
    """The idempotency key the processor is asked with for a payment: whoever asks again, it charges once."""
    return f"{account_id}/{payment_id}"


class Charging:
    """One payment in flight per account: claim the account, ask the processor, record its answer (post,
    hold or release), and resolve a claim an attempt left behind."""

    def __init__(
        self,
        *,
        ledger_store: LedgerStore,
        store: PaymentStore,
        processor: CardProcessor,
        clock: Clock = utc_now,
    ) -> None:
        self.ledger = ledger_store
        self.store = store
        self.processor = processor
        self.clock = clock

    def account(self, account_id: str) -> Account:
        account = self.ledger.get_account(account_id)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        return account

    def today(self, account: Account) -> date:
        return local_date(self.clock(), account.time_zone)

    def now(self) -> str:
        return timestamp(self.clock())

    # -- the claim -------------------------------------------------------------------------------------

    def claim(self, account: Account, payment_id: str, cents: int) -> PaymentClaim:
        """Hold the account for this payment before the processor is asked: PaymentPending while another
        payment is in flight (after resolving a claim a crash left behind)."""
        self.recover_claim(account)
        claimed_at = self.now()
        post(
            self.ledger,
            account.account_id,
            lambda current: (ledger.claim_payment(current.ledger, payment_id, cents, claimed_at), []),
        )
        return PaymentClaim(payment_id, cents, claimed_at)

    def release(self, account_id: str, claim: PaymentClaim) -> None:
        post(self.ledger, account_id, lambda state: (ledger.release_payment_claim(state.ledger, claim), []))

    def recover_claim(self, account: Account) -> None:
        """Resolve a claim left by an attempt that stopped between claiming the account and recording the
        processor's answer (a crash, a timeout). A claim is left alone until it is older than
        CLAIM_LIFETIME, well past the time any attempt can run. Then the processor is asked for the charge
        made under the payment's idempotency key: a charge found concludes the payment as the processor
        says (approved: posted; pending: held until its callback; declined: released); no charge, or no
        payment recorded, releases the claim (nothing was charged; a retry with the same Idempotency-Key
        charges it then). A claim whose payment was concluded already is released."""
        claim = account.ledger.payment_claim
        if claim is None or self.clock() - datetime.fromisoformat(claim.claimed_at) < CLAIM_LIFETIME:
            return
        logger.warning(
            "resolving a payment claim an attempt left behind",
            extra={"account_id": account.account_id, "payment_id": claim.payment_id},
        )
        record = self.store.get_payment(account.account_id, claim.payment_id)
        if record is not None and record.status is PaymentStatus.PENDING:
            self.hold_pending(record)
            return
        if record is not None and record.status is PaymentStatus.PROCESSING:
            charge = self.processor.charge_of_key(processor_key(record.account_id, record.id))
            if charge is not None:
                self.conclude(record, charge)
                return
        self.release(account.account_id, claim)

    # -- the processor's answer ------------------------------------------------------------------------

    def charge(
        self, record: PaymentRecord, source: str, billing: BillingDetails, claim: PaymentClaim
    ) -> Charge:
        """Ask the processor. When it refuses the request outright (a card it does not know), nothing was
        charged and the claim is released; when its answer does not come, whether it charged is not known,
        and the claim stays for `recover_claim` (or a retry of the same payment) to conclude."""
        try:
            return self.processor.charge(
                source,
                record.amount_cents,
                idempotency_key=processor_key(record.account_id, record.id),
                metadata={"account_id": record.account_id, "payment_id": record.id},
                billing=billing,
            )
        except PortalError:
            self.release(record.account_id, claim)
            raise

    def conclude(self, record: PaymentRecord, charge: Charge) -> PaymentRecord:
        record = replace(record, charge_id=charge.charge_id, card=charge.card)
        if charge.status is ChargeStatus.APPROVED:
            return self.post_approved(record)
        if charge.status is ChargeStatus.PENDING:
            pending = replace(record, status=PaymentStatus.PENDING)
            self.store.save_payment(pending)
            self.hold_pending(pending)
            return pending
        # Released first: a crash before the record is saved leaves a payment a retry concludes again.
        self.no_longer_in_flight(record)
        declined = replace(
            record, status=PaymentStatus.DECLINED, message=DECLINED.msgid, settled_at=self.now()
        )
        self.store.save_payment(declined)
        return declined

    def hold_pending(self, record: PaymentRecord) -> None:
        """The processor holds the payment as pending: its claim becomes the pending hold."""
        post(
            self.ledger,
            record.account_id,
            lambda account: (ledger.add_pending_payment(account.ledger, record.id, record.amount_cents), []),
        )

    def no_longer_in_flight(self, record: PaymentRecord) -> None:
        post(
            self.ledger,
            record.account_id,
            lambda account: (ledger.drop_pending_payment(account.ledger, record.id), []),
        )

    def post_approved(self, record: PaymentRecord) -> PaymentRecord:
        card = record.card  # always known once the processor has answered

        def document_for(account: Account) -> PaymentDocument:
            # The customer's today; never before the last posting (the ledger's dates only move forward).
            on = max(self.today(account), account.ledger.last_entry_date or date.min)
            return PaymentDocument(
                id=record.id,
                date=on,
                description=ledger.payment_description(PaymentMethod.CREDIT_CARD, on),
                amount_cents=record.amount_cents,
                method=PaymentMethod.CREDIT_CARD,
                status="approved",
                reference=record.charge_id,
                card_brand=card.brand if card else None,
                card_last4=card.last4 if card else None,
            )

        plan = document_plan(document_for, paid_with=card.stored_label if card else None)
        if not post(self.ledger, record.account_id, plan).posted:
            # Posted by an earlier attempt that stopped before recording it: in flight no more.
            self.no_longer_in_flight(record)
        # Saving it approved is what confirms it to the account's users (the notifier reads the change).
        approved = replace(record, status=PaymentStatus.APPROVED, message=None, settled_at=self.now())
        self.store.save_payment(approved)
        return approved
