"""The processor's callback (help centre: "Make a Payment", pending payments): a verified settlement posts
a pending payment, or fails it and frees the account for other payments."""

from __future__ import annotations

from dataclasses import replace

from billing_portal.i18n import _
from billing_portal.i18n.words import Words
from billing_portal.payments.charging import Charging, PaymentView, payment_view
from billing_portal.payments.ports import PaymentStatus
from billing_portal.payments.processor import (
    DECLINED,
    CallbackRefused,
    ChargeStatus,
    Settlement,
)
from billing_portal.shared.errors import Conflict

NOT_OURS = _("The callback does not match a payment of this portal.")


class SettlementNotReady(Conflict):
    code = "payment_not_recorded_yet"


class PaymentSettlement:
    def __init__(self, *, charging: Charging) -> None:
        self.charging = charging
        self.store = charging.store

    def settle(self, settlement: Settlement, words: Words) -> PaymentView:
        """Post or fail a pending payment as the processor's verified callback says; a payment settled
        already stays as it is (the callback is idempotent). The processor reads the answer: English."""
        record = self.store.get_payment(settlement.account_id, settlement.payment_id)
        if record is None or record.amount_cents != settlement.amount_cents:
            raise CallbackRefused(NOT_OURS)
        if record.status is PaymentStatus.PROCESSING:
            # The charge's answer is still being recorded; the processor delivers the callback again later.
            raise SettlementNotReady(_("The payment is still being recorded; send the callback again."))
        if record.charge_id != settlement.charge_id:
            raise CallbackRefused(NOT_OURS)
        if record.status.final:
            return payment_view(record, words)
        if settlement.outcome is ChargeStatus.APPROVED:
            return payment_view(self.charging.post_approved(record), words)
        failed = replace(
            record, status=PaymentStatus.FAILED, message=DECLINED.msgid, settled_at=self.charging.now()
        )
        self.store.save_payment(failed)
        self.charging.no_longer_in_flight(record)
        return payment_view(failed, words)
