"""The Auto Pay run (help centre: Auto Pay): each unpaid invoice of every Auto Pay account is charged once to
the Auto Pay card when its due date has come in the account's time zone, however often the schedule runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from aws_lambda_powertools import Logger

from billing_portal.ledger import model as ledger
from billing_portal.ledger.model import PaymentPending
from billing_portal.ledger.ports import Account
from billing_portal.payments.cards import AUTOPAY_CARD_EXPIRED
from billing_portal.payments.charging import Charging, payment_id_for
from billing_portal.payments.ports import PaymentRecord, PaymentStatus
from billing_portal.payments.processor import BillingDetails

logger = Logger(child=True)


@dataclass
class AutopayReport:
    accounts: int = 0
    approved: int = 0
    pending: int = 0
    declined: int = 0
    card_expired: int = 0
    waiting: int = 0  # accounts with a payment pending: tried again on the next run
    failed_accounts: list[str] = field(default_factory=list)


class AutopayRun:
    def __init__(self, *, charging: Charging) -> None:
        self.charging = charging
        self.store = charging.store

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
        today = self.charging.today(account)
        invoices = account.ledger.open_invoices
        for invoice_id in ledger.oldest_first(invoices):
            if invoices[invoice_id].due_date <= today:
                yield invoice_id, invoices[invoice_id].outstanding_cents

    def _autopay(self, account_id: str, report: AutopayReport) -> None:
        method_id = self.charging.account(account_id).autopay.method_id
        if method_id is None:
            return
        for invoice_id, _ in list(self._due_invoices(self.charging.account(account_id))):
            if not self._pay_invoice(account_id, invoice_id, method_id, report):
                return

    def _pay_invoice(self, account_id: str, invoice_id: str, method_id: str, report: AutopayReport) -> bool:
        """Charge one due invoice; False when nothing more can be charged on this run (a payment of the
        account is pending)."""
        account = self.charging.account(account_id)  # the previous charge moved the balance
        outstanding = dict(self._due_invoices(account)).get(invoice_id)
        if not outstanding:
            return True
        # Once per invoice and card, however often the schedule runs: after a decline or an expired card,
        # a new Auto Pay card is tried on the next run.
        payment_id = payment_id_for(account_id, f"autopay\n{invoice_id}\n{method_id}")
        earlier = self.store.get_payment(account_id, payment_id)
        if earlier is not None and earlier.status is not PaymentStatus.PROCESSING:
            return True
        # Never more than the Current Balance tile says is owed (credits pending on the next invoice count,
        # and what this run charged already is paid), nor more than the invoice still owes. An attempt that
        # stopped halfway is resumed for what it recorded.
        cents = earlier.amount_cents if earlier else min(outstanding, account.ledger.current_balance_cents)
        if cents <= 0:
            return True
        try:
            claim = self.charging.claim(account, payment_id, cents)
        except PaymentPending:
            report.waiting += 1
            return False
        method = self.store.get_method(account_id, method_id)
        record = PaymentRecord(
            id=payment_id,
            account_id=account_id,
            amount_cents=cents,
            status=PaymentStatus.PROCESSING,
            created_at=self.charging.now(),
            card=method.card if method else None,
            payment_method_id=method_id,
            autopay_invoice_id=invoice_id,
        )
        try:
            if method is None or method.card.expired(self.charging.today(account)):
                self.charging.release(account_id, claim)
                skipped = replace(
                    record,
                    status=PaymentStatus.FAILED,
                    message=AUTOPAY_CARD_EXPIRED.msgid,
                    settled_at=self.charging.now(),
                )
                # The first run to record it counts it; its users hear of it from the notifier.
                if self.store.start_payment(skipped) is None:
                    report.card_expired += 1
                return True
            record = self.store.start_payment(record) or record
        except BaseException:
            self.charging.release(account_id, claim)
            raise
        billing = BillingDetails(method.billing_email, method.billing_address)
        concluded = self.charging.conclude(
            record, self.charging.charge(record, method.reference, billing, claim)
        )
        if concluded.status is PaymentStatus.APPROVED:
            report.approved += 1
        elif concluded.status is PaymentStatus.PENDING:
            report.pending += 1
            return False  # nothing more until the bank decides
        else:
            report.declined += 1
        return True
