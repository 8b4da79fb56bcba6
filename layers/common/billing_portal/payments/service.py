"""Card payments (help centre: "Make a Payment"): one-time payments with a saved or a new card, the
processor's callback that settles a pending one, and Auto Pay on each invoice's due date.

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
left by a crash is resolved as `PaymentService.recover_claim` says.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field, StrictBool, field_validator, model_validator

from billing_portal.ledger import model as ledger
from billing_portal.ledger.model import Entry, EntryType, PaymentClaim, PaymentMethod, PaymentPending
from billing_portal.ledger.ports import Account, LedgerStore
from billing_portal.ledger.posting import allocations_of, post
from billing_portal.ledger.views import Money
from billing_portal.payments.methods import (
    MAX_SAVED_METHODS,
    METHOD_ID,
    METHOD_NOT_FOUND,
    CardFreeModel,
    NewPaymentMethod,
    TooManyMethods,
    UserLister,
    autopay_method_id,
    billing_details,
    local_date,
    refuse_expired,
)
from billing_portal.payments.ports import PaymentRecord, PaymentStatus, PaymentStore, SavedMethod
from billing_portal.payments.processor import (
    DECLINED,
    BillingDetails,
    CallbackRefused,
    CardDeclined,
    CardProcessor,
    Charge,
    ChargeStatus,
    Settlement,
)
from billing_portal.shared.errors import Conflict, NotFound, PortalError, ValidationFailed
from billing_portal.shared.money import format_cents, parse_amount

logger = Logger(child=True)

# $100,000.00: far above any invoice, low enough to catch a typo's extra digits.
MAX_PAYMENT_CENTS = 10_000_000
ZERO_PAYMENT = "Payments cannot be zero dollars."
PAYMENT_NOT_FOUND = "Payment not found."
CARD_EXPIRED = "The Auto Pay card has expired."
_PAYMENT_ID_LENGTH = 16


# A claim this old was left by an attempt that cannot be running any more: the payments function stops after
# 25 seconds and Auto Pay after 5 minutes (infra/template.yaml), and a processor call is long over by then.
CLAIM_LIFETIME = timedelta(minutes=15)


class KeyNamesAnotherPayment(ValidationFailed):
    code = "idempotency_key_reused"


class SettlementNotReady(Conflict):
    code = "payment_not_recorded_yet"


# -- requests and answers --------------------------------------------------------------------------------


class NewCardPayment(NewPaymentMethod):
    save: StrictBool = Field(default=False, description="Keep the card for future payments")


class PaymentRequest(CardFreeModel):
    """POST /payments: an amount and either a saved method or a new card."""

    amount: str = Field(description="Canadian dollars, at most two decimals", examples=["123.45"])
    payment_method_id: str | None = Field(default=None, max_length=40)
    new_payment_method: NewCardPayment | None = None

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        try:
            cents = parse_amount(value)
        except ValueError:
            raise ValueError("must be an amount in dollars with at most two decimals, like 123.45") from None
        if cents < 0:
            raise ValueError("must not be negative")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> PaymentRequest:
        if (self.payment_method_id is None) == (self.new_payment_method is None):
            raise ValueError("send either payment_method_id or new_payment_method")
        return self


class PaymentCard(BaseModel):
    brand: str
    last4: str = Field(pattern=r"^[0-9]{4}$")
    exp_month: int
    exp_year: int


class PaymentView(BaseModel):
    id: str
    status: PaymentStatus
    amount: Money
    created_at: str
    settled_at: str | None
    card: PaymentCard | None
    payment_method_id: str | None = Field(description="The saved method charged, when one was")
    invoice_id: str | None = Field(description="For an Auto Pay payment, the invoice it pays")
    message: str | None = Field(description="Why it was declined or failed")


def payment_view(record: PaymentRecord) -> PaymentView:
    card = record.card
    return PaymentView(
        id=record.id,
        status=record.status,
        amount=format_cents(record.amount_cents),
        created_at=record.created_at,
        settled_at=record.settled_at,
        card=PaymentCard(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year)
        if card
        else None,
        payment_method_id=record.payment_method_id,
        invoice_id=record.autopay_invoice_id,
        message=record.message,
    )


def payment_id_for(account_id: str, purpose: str) -> str:
    """The same account and purpose always name the same payment: `PAY-` and 16 base32 characters."""
    digest = hashlib.sha256(f"{account_id}\n{purpose}".encode()).digest()
    return "PAY-" + base64.b32encode(digest).decode()[:_PAYMENT_ID_LENGTH]


@dataclass
class AutopayReport:
    accounts: int = 0
    approved: int = 0
    pending: int = 0
    declined: int = 0
    card_expired: int = 0
    waiting: int = 0  # accounts with a payment pending: tried again on the next run
    failed_accounts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Source:
    reference: str  # a token or a saved card's reference
    billing: BillingDetails
    method: SavedMethod | None
    # A new card kept for later: the id it is saved under, named after the payment so that a retried
    # request saves it once (and a card saved for a payment that is declined is not kept).
    keep_as: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def processor_key(account_id: str, payment_id: str) -> str:
    """The idempotency key the processor is asked with for a payment: whoever asks again, it charges once."""
    return f"{account_id}/{payment_id}"


class PaymentService:
    def __init__(
        self,
        ledger_store: LedgerStore,
        store: PaymentStore,
        users: UserLister,
        processor: CardProcessor,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ledger = ledger_store
        self.store = store
        self.users = users
        self.processor = processor
        self.clock = clock or _utc_now

    # -- one-time payments -----------------------------------------------------------------------------

    def pay(self, account_id: str, idempotency_key: str, request: PaymentRequest) -> PaymentView:
        """Charge and, once approved, post. CardDeclined when the bank says no (nothing is posted),
        PaymentPending while another payment of the account is in flight (nothing is done)."""
        cents = parse_amount(request.amount)
        if cents == 0:
            raise ValidationFailed(ZERO_PAYMENT)
        if cents > MAX_PAYMENT_CENTS:
            raise ValidationFailed(
                f"A payment can be at most ${format_cents(MAX_PAYMENT_CENTS)}. "
                "For a larger payment, contact the billing team."
            )
        account = self._account(account_id)
        payment_id = payment_id_for(account_id, f"one-time\n{idempotency_key}")
        digest = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        earlier = self.store.get_payment(account_id, payment_id)
        if earlier is not None and earlier.request_digest != digest:
            # The key names this payment for good, also after its idempotency record has expired.
            raise KeyNamesAnotherPayment(
                "This Idempotency-Key was used for another payment. Use a new key for a new payment."
            )
        if earlier is not None and earlier.status is not PaymentStatus.PROCESSING:
            return self._answer(earlier)  # its answer was lost on the way; the payment was made
        source = self._source(account, payment_id, request)
        claim = self._claim(account, payment_id, cents)
        try:
            if source.keep_as is not None and source.method is None:
                source = self._keep_card(account, source, source.keep_as)
            record = PaymentRecord(
                id=payment_id,
                account_id=account_id,
                amount_cents=cents,
                status=PaymentStatus.PROCESSING,
                created_at=self._now(),
                card=source.method.card if source.method else None,
                payment_method_id=source.method.id if source.method else None,
                request_digest=digest,
            )
            record = self.store.start_payment(record) or record
        except BaseException:
            self._release(account_id, claim)  # nothing was charged: other payments may go ahead
            raise
        concluded = self._conclude(record, self._charge(record, source.reference, source.billing, claim))
        if concluded.status is PaymentStatus.DECLINED and source.keep_as and source.method:
            self.store.delete_method(account_id, source.method.id)  # a card just declined is not kept
        return self._answer(concluded)

    def status(self, account_id: str, payment_id: str) -> PaymentView:
        record = self.store.get_payment(account_id, payment_id) if len(payment_id) <= 60 else None
        if record is None:
            raise NotFound(PAYMENT_NOT_FOUND)
        return payment_view(record)

    def _answer(self, record: PaymentRecord) -> PaymentView:
        if record.status is PaymentStatus.DECLINED:
            raise CardDeclined(DECLINED)
        return payment_view(record)

    def _source(self, account: Account, payment_id: str, request: PaymentRequest) -> _Source:
        """What the payment is charged to, every check that can refuse the request made, nothing saved."""
        today = self._today(account)
        if request.payment_method_id is not None:
            method = self._saved_method(account.account_id, request.payment_method_id)
            refuse_expired(method.card, today)
            billing = BillingDetails(method.billing_email, method.billing_address)
            return _Source(method.reference, billing, method)
        new = request.new_payment_method
        if new is None:  # the request model requires one of the two
            raise ValidationFailed("Send either payment_method_id or new_payment_method.")
        refuse_expired(self.processor.card_of_token(new.token), today)
        billing = billing_details(account, self.users, new.billing_address, new.billing_email)
        if not new.save:
            return _Source(new.token, billing, None)
        method_id = "pm_" + hashlib.sha256(payment_id.encode()).hexdigest()[:20]
        kept = self.store.get_method(account.account_id, method_id)
        if kept is not None:  # saved by an earlier attempt of this payment
            return _Source(kept.reference, billing, kept, keep_as=method_id)
        if len(self.store.list_methods(account.account_id)) >= MAX_SAVED_METHODS:
            raise TooManyMethods(
                f"An account can keep {MAX_SAVED_METHODS} payment methods. Remove one, or pay without "
                "saving this card."
            )
        return _Source(new.token, billing, None, keep_as=method_id)

    def _keep_card(self, account: Account, source: _Source, method_id: str) -> _Source:
        saved = self.processor.save_card(source.reference, source.billing)
        self.store.add_method(
            SavedMethod(
                id=method_id,
                account_id=account.account_id,
                reference=saved.reference,
                card=saved.card,
                billing_email=source.billing.email,
                billing_address=source.billing.address,
                created_at=self._now(),
            )
        )
        method = self._saved_method(account.account_id, method_id)
        return _Source(method.reference, source.billing, method, keep_as=method_id)

    def _saved_method(self, account_id: str, method_id: str) -> SavedMethod:
        method = self.store.get_method(account_id, method_id) if METHOD_ID.fullmatch(method_id) else None
        if method is None:
            raise NotFound(METHOD_NOT_FOUND)
        return method

    # -- one payment in flight -------------------------------------------------------------------------

    def _claim(self, account: Account, payment_id: str, cents: int) -> PaymentClaim:
        """Hold the account for this payment before the processor is asked: PaymentPending while another
        payment is in flight (after resolving a claim a crash left behind)."""
        self.recover_claim(account)
        claimed_at = self._now()
        post(
            self.ledger,
            account.account_id,
            lambda current: (ledger.claim_payment(current.ledger, payment_id, cents, claimed_at), []),
        )
        return PaymentClaim(payment_id, cents, claimed_at)

    def _release(self, account_id: str, claim: PaymentClaim) -> None:
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
            self._hold_pending(record)
            return
        if record is not None and record.status is PaymentStatus.PROCESSING:
            charge = self.processor.charge_of_key(processor_key(record.account_id, record.id))
            if charge is not None:
                self._conclude(record, charge)
                return
        self._release(account.account_id, claim)

    # -- the processor's answer ------------------------------------------------------------------------

    def _charge(
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
            self._release(record.account_id, claim)
            raise

    def _conclude(self, record: PaymentRecord, charge: Charge) -> PaymentRecord:
        record = replace(record, charge_id=charge.charge_id, card=charge.card)
        if charge.status is ChargeStatus.APPROVED:
            return self._post_approved(record)
        if charge.status is ChargeStatus.PENDING:
            pending = replace(record, status=PaymentStatus.PENDING)
            self.store.save_payment(pending)
            self._hold_pending(pending)
            return pending
        # Released first: a crash before the record is saved leaves a payment a retry concludes again.
        self._no_longer_in_flight(record)
        declined = replace(record, status=PaymentStatus.DECLINED, message=DECLINED, settled_at=self._now())
        self.store.save_payment(declined)
        return declined

    def _hold_pending(self, record: PaymentRecord) -> None:
        """The processor holds the payment as pending: its claim becomes the pending hold."""
        post(
            self.ledger,
            record.account_id,
            lambda account: (ledger.add_pending_payment(account.ledger, record.id, record.amount_cents), []),
        )

    def _no_longer_in_flight(self, record: PaymentRecord) -> None:
        post(
            self.ledger,
            record.account_id,
            lambda account: (ledger.drop_pending_payment(account.ledger, record.id), []),
        )

    def _post_approved(self, record: PaymentRecord) -> PaymentRecord:
        card = record.card  # always known once the processor has answered

        def plan(account: Account) -> tuple[ledger.Posting, list[dict[str, Any]]]:
            # The customer's today; never before the last posting (the ledger's dates only move forward).
            on = max(self._today(account), account.ledger.last_entry_date or date.min)
            description = ledger.payment_description(PaymentMethod.CREDIT_CARD, on)
            entry = Entry(record.id, EntryType.PAYMENT, on, record.amount_cents, description)
            posting = ledger.post_payment(account.ledger, entry, method=card.label if card else None)
            document = {
                "id": record.id,
                "type": EntryType.PAYMENT.value,
                "date": on,
                "description": description,
                "amount_cents": record.amount_cents,
                "method": PaymentMethod.CREDIT_CARD.value,
                "status": "approved",
                "reference": record.charge_id,
                "card_brand": card.brand if card else None,
                "card_last4": card.last4 if card else None,
                "allocations": allocations_of(posting, record.id),
            }
            return posting, [document]

        if not post(self.ledger, record.account_id, plan).posted:
            # Posted by an earlier attempt that stopped before recording it: in flight no more.
            self._no_longer_in_flight(record)
        # Saving it approved is what confirms it to the account's users (the notifier reads the change).
        approved = replace(record, status=PaymentStatus.APPROVED, message=None, settled_at=self._now())
        self.store.save_payment(approved)
        return approved

    # -- the processor's callback ----------------------------------------------------------------------

    def settle(self, settlement: Settlement) -> PaymentView:
        """Post or fail a pending payment as the processor's verified callback says; a payment settled
        already stays as it is (the callback is idempotent)."""
        record = self.store.get_payment(settlement.account_id, settlement.payment_id)
        if record is None or record.amount_cents != settlement.amount_cents:
            raise CallbackRefused("The callback does not match a payment of this portal.")
        if record.status is PaymentStatus.PROCESSING:
            # The charge's answer is still being recorded; the processor delivers the callback again later.
            raise SettlementNotReady("The payment is still being recorded; send the callback again.")
        if record.charge_id != settlement.charge_id:
            raise CallbackRefused("The callback does not match a payment of this portal.")
        if record.status.final:
            return payment_view(record)
        if settlement.outcome is ChargeStatus.APPROVED:
            return payment_view(self._post_approved(record))
        failed = replace(record, status=PaymentStatus.FAILED, message=DECLINED, settled_at=self._now())
        self.store.save_payment(failed)
        self._no_longer_in_flight(record)
        return payment_view(failed)

    # -- auto pay --------------------------------------------------------------------------------------

    def run_autopay(self) -> AutopayReport:
        """Charge each unpaid invoice of every Auto Pay account once, when its due date has come in the
        account's time zone. One account's failure does not stop the others."""
        report = AutopayReport()
        for account_id in self.store.autopay_accounts():
            report.accounts += 1
            try:
                self._autopay(account_id, report)
            except Exception:
                logger.exception("auto pay failed for an account", extra={"account_id": account_id})
                report.failed_accounts.append(account_id)
        return report

    def _due_invoices(self, account: Account) -> Iterator[tuple[str, int]]:
        today = self._today(account)
        invoices = account.ledger.open_invoices
        for invoice_id in ledger.oldest_first(invoices):
            if invoices[invoice_id].due_date <= today:
                yield invoice_id, invoices[invoice_id].outstanding_cents

    def _autopay(self, account_id: str, report: AutopayReport) -> None:
        account = self._account(account_id)
        method_id = autopay_method_id(account)
        if method_id is None:
            return
        for invoice_id, _ in list(self._due_invoices(account)):
            account = self._account(account_id)  # the previous charge moved the balance
            outstanding = dict(self._due_invoices(account)).get(invoice_id)
            if not outstanding:
                continue
            # Once per invoice and card, however often the schedule runs: after a decline or an expired
            # card, a new Auto Pay card is tried on the next run.
            payment_id = payment_id_for(account_id, f"autopay\n{invoice_id}\n{method_id}")
            earlier = self.store.get_payment(account_id, payment_id)
            if earlier is not None and earlier.status is not PaymentStatus.PROCESSING:
                continue
            # Never more than the Current Balance tile says is owed (credits pending on the next invoice
            # count, and what this run charged already is paid), nor more than the invoice still owes. An
            # attempt that stopped halfway is resumed for what it recorded.
            owed = min(outstanding, account.ledger.current_balance_cents)
            cents = earlier.amount_cents if earlier else owed
            if cents <= 0:
                continue
            try:
                claim = self._claim(account, payment_id, cents)
            except PaymentPending:
                report.waiting += 1
                return
            method = self.store.get_method(account_id, method_id)
            record = PaymentRecord(
                id=payment_id,
                account_id=account_id,
                amount_cents=cents,
                status=PaymentStatus.PROCESSING,
                created_at=self._now(),
                card=method.card if method else None,
                payment_method_id=method_id,
                autopay_invoice_id=invoice_id,
            )
            try:
                if method is None or method.card.expired(self._today(account)):
                    self._release(account_id, claim)
                    skipped = replace(
                        record, status=PaymentStatus.FAILED, message=CARD_EXPIRED, settled_at=self._now()
                    )
                    # The first run to record it counts it; its users hear of it from the notifier.
                    if self.store.start_payment(skipped) is None:
                        report.card_expired += 1
                    continue
                record = self.store.start_payment(record) or record
            except BaseException:
                self._release(account_id, claim)
                raise
            billing = BillingDetails(method.billing_email, method.billing_address)
            concluded = self._conclude(record, self._charge(record, method.reference, billing, claim))
            if concluded.status is PaymentStatus.APPROVED:
                report.approved += 1
            elif concluded.status is PaymentStatus.PENDING:
                report.pending += 1
                return  # nothing more until the bank decides
            else:
                report.declined += 1

    # -- helpers ---------------------------------------------------------------------------------------

    def _account(self, account_id: str) -> Account:
        account = self.ledger.get_account(account_id)
        if account is None:
            raise NotFound("Account not found.")
        return account

    def _today(self, account: Account) -> date:
        return local_date(self.clock(), account.time_zone)

    def _now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="milliseconds")
