"""One email of each kind the portal sends, to one reader in either language, with the same values: for the
tests of what each email says, and for the screenshots of how it looks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from billing_portal.i18n import Language
from billing_portal.ledger.model import BANK_UPLOAD, PAYMENT_DESCRIPTIONS
from billing_portal.notifications import emails
from billing_portal.notifications.emails import AccountLine, Recipient
from billing_portal.payments.cards import card_label
from billing_portal.payments.processor import DECLINED
from billing_portal.users import emails as user_emails
from billing_portal.users.emails import Email

PORTAL_URL = "https://portal.example.ca"
ACCOUNT = AccountLine("Érable Télécom Inc.", "100200300")
READER = "ana.tremblay@erable.example"
# 2026-12-05 08:16 UTC: 3:16 a.m. in Toronto, Eastern Standard Time.
AT = datetime(2026, 12, 5, 8, 16, tzinfo=UTC)
TIME_ZONE = "America/Toronto"
VISA = card_label("visa", "4242")


def _to(language: Language) -> Recipient:
    return Recipient(READER, "Ana", TIME_ZONE, language)


def _invoice_posted(language: Language) -> Email:
    return emails.invoice_posted(
        to=_to(language),
        account=ACCOUNT,
        invoice_id="INV-202612",
        invoice_date=date(2026, 12, 1),
        total_cents=123456,
        amount_due_cents=123456,
        due_date=date(2026, 12, 31),
        posted_at=AT,
        url=f"{PORTAL_URL}/transactions/INV-202612",
    )


def _posted(kind: str, transaction_id: str, method: bool = False) -> Callable[[Language], Email]:
    def compose(language: Language) -> Email:
        return emails.transaction_posted(
            to=_to(language),
            account=ACCOUNT,
            kind=kind,
            transaction_id=transaction_id,
            transaction_date=date(2026, 12, 4),
            payment_method=PAYMENT_DESCRIPTIONS[BANK_UPLOAD] if method else None,
            amount_cents=50000,
            balance_cents=73456,
            posted_at=AT,
            url=f"{PORTAL_URL}/transactions/{transaction_id}",
        )

    return compose


def _payment_confirmation(language: Language) -> Email:
    return emails.payment_confirmation(
        to=_to(language),
        account=ACCOUNT,
        payment_id="PAY-7F3A9C",
        amount_cents=123456,
        paid_at=AT,
        card_label=VISA,
        url=f"{PORTAL_URL}/transactions/PAY-7F3A9C",
    )


def _autopay_not_charged(language: Language) -> Email:
    return emails.autopay_not_charged(
        to=_to(language),
        account=ACCOUNT,
        invoice_id="INV-202612",
        amount_cents=123456,
        due_date=date(2026, 12, 31),
        card_label=VISA,
        reason=DECLINED,
        url=f"{PORTAL_URL}/transactions/INV-202612",
    )


def _user_added(language: Language) -> Email:
    return emails.user_added(
        to=_to(language),
        account=ACCOUNT,
        full_name="Léa Bouchard",
        username="lea.bouchard@erable.example",
        at=AT,
        url=f"{PORTAL_URL}/users",
    )


def _user_deleted(language: Language) -> Email:
    return emails.user_deleted(
        to=_to(language),
        account=ACCOUNT,
        full_name="Léa Bouchard",
        username="lea.bouchard@erable.example",
        at=AT,
        url=f"{PORTAL_URL}/users",
    )


def _welcome(language: Language) -> Email:
    return user_emails.welcome(
        language=language,
        username=READER,
        first_name="Ana",
        temporary_password="Tq7#mW2pZx9!",
        portal_url=PORTAL_URL,
        valid_days=7,
    )


def _reset_code(language: Language) -> Email:
    return user_emails.reset_code(
        language=language,
        username=READER,
        first_name="Ana",
        code="482913",
        portal_url=PORTAL_URL,
        valid_minutes=15,
    )


KINDS: dict[str, Callable[[Language], Email]] = {
    "welcome": _welcome,
    "reset-code": _reset_code,
    "invoice-posted": _invoice_posted,
    "payment-posted": _posted("payment", "PAY-CHQ-1042", method=True),
    "credit-posted": _posted("credit", "CR-2044"),
    "refund-posted": _posted("refund", "RF-3001"),
    "payment-confirmation": _payment_confirmation,
    "autopay-not-charged": _autopay_not_charged,
    "user-added": _user_added,
    "user-deleted": _user_deleted,
}


def sample(kind: str, language: Language) -> Email:
    return KINDS[kind](language)
