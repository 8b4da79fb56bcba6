"""What the billing engine sends the portal, and how each document is posted.

The engine calls the internal ingest function directly (no API route, so no customer token reaches it).
Every document carries the engine's own id; posting the same id twice posts it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from billing_portal.exports import cdr
from billing_portal.i18n import Language, Text, _
from billing_portal.ledger import model as ledger
from billing_portal.ledger.documents import (
    CdrFile,
    CreditDocument,
    InvoiceDocument,
    InvoiceLine,
    PaymentDocument,
    RefundDocument,
    TaxLine,
    TransactionDocument,
)
from billing_portal.ledger.model import DOCUMENT_ID, EntryType, PaymentMethod
from billing_portal.ledger.ports import Account, Address, LedgerStore, default_language
from billing_portal.ledger.posting import PostingPlan, document_plan, post
from billing_portal.ledger.profile import AddressModel, validate_contacts
from billing_portal.ledger.taxes import compute_taxes
from billing_portal.shared.clock import Clock, local_date, utc_now
from billing_portal.shared.errors import NotFound, ValidationFailed
from billing_portal.shared.money import parse_amount
from billing_portal.shared.validation import validate_time_zone
from billing_portal.users.model import UsernameTaken
from billing_portal.users.service import NewUser, UserService

ACCOUNT_ID = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
# A document may be dated up to a day past the account's today: the billing engine's clock and the
# account's time zone can put "today" on either side of midnight. Any later date is a mistake.
FUTURE_TOLERANCE = timedelta(days=1)
Amount = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,9})\.[0-9]{2}$", examples=["123.45"])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountIn(_Strict):
    kind: Literal["account"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    account_number: str = Field(pattern=r"^[0-9]{6,12}$")
    name: str = Field(min_length=1, max_length=120)
    billing_address: AddressModel
    time_zone: str
    billing_contacts: list[str] = Field(default_factory=list, max_length=10)
    language: Language | None = Field(
        default=None,
        description="The account's default language, for its users added without one; when not given, "
        "French for accounts billed in Québec and English elsewhere",
    )

    _tz = field_validator("time_zone")(validate_time_zone)
    _contacts = field_validator("billing_contacts")(validate_contacts)


class InvoiceLineIn(_Strict):
    description: str = Field(min_length=1, max_length=200)
    description_fr: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The line's name in French, for French readers (the description otherwise)",
        examples=["Sièges"],
    )
    category: Literal["service", "usage"]
    quantity: int = Field(ge=1, le=1_000_000_000)
    amount: Amount


class CdrFileIn(_Strict):
    """The billed call records behind the invoice, already in the CDR bucket."""

    object_key: str = Field(pattern=r"^billed/[A-Za-z0-9-]+/INV-[A-Z0-9-]+\.csv\.gz$")
    call_count: int = Field(ge=0)
    usage_total: Amount


class InvoiceIn(_Strict):
    kind: Literal["invoice"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    invoice_id: str = Field(pattern=DOCUMENT_ID[EntryType.INVOICE])
    issue_date: date
    period_start: date
    period_end: date
    due_date: date
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)
    cdr_file: CdrFileIn | None = None

    @model_validator(mode="after")
    def _dates_and_usage(self) -> InvoiceIn:
        if not self.period_start <= self.period_end:
            raise ValueError(_("period_start must not be after period_end"))
        if self.due_date < self.issue_date:
            raise ValueError(_("due_date must not be before issue_date"))
        if self.cdr_file is not None:
            usage = sum(parse_amount(line.amount) for line in self.lines if line.category == "usage")
            if usage != parse_amount(self.cdr_file.usage_total):
                raise ValueError(_("the CDR file's usage total does not match the invoice's usage lines"))
            expected = cdr.object_key(self.account_id, self.invoice_id)
            if self.cdr_file.object_key != expected:
                raise ValueError(_("the CDR file must be {object_key}", object_key=expected))
        return self


class PaymentIn(_Strict):
    kind: Literal["payment"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    payment_id: str = Field(pattern=DOCUMENT_ID[EntryType.PAYMENT])
    date: date
    amount: Amount
    method: PaymentMethod
    reference: str = Field(min_length=1, max_length=80)
    card_brand: str | None = Field(default=None, max_length=20)
    card_last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")


class CreditIn(_Strict):
    kind: Literal["credit"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    credit_id: str = Field(pattern=DOCUMENT_ID[EntryType.CREDIT])
    date: date
    amount: Amount
    reason: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=80)


class RefundIn(_Strict):
    kind: Literal["refund"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    refund_id: str = Field(pattern=DOCUMENT_ID[EntryType.REFUND])
    date: date
    amount: Amount
    reason: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=80)


class PendingCreditIn(_Strict):
    """A credit promised on the next invoice."""

    kind: Literal["pending_credit"]
    account_id: str = Field(pattern=ACCOUNT_ID)
    credit_id: str = Field(pattern=DOCUMENT_ID[EntryType.CREDIT])
    date: date
    amount: Amount
    reason: str = Field(min_length=1, max_length=200)


class PortalUserIn(NewUser):
    """An account's first (or a further) portal user, sent after the account: created as Manage Users
    creates one, with the invitation email and its temporary password."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["portal_user"]
    account_id: str = Field(pattern=ACCOUNT_ID)


IngestRequest = Annotated[
    AccountIn | InvoiceIn | PaymentIn | CreditIn | RefundIn | PendingCreditIn | PortalUserIn,
    Field(discriminator="kind"),
]


class DatedInTheFuture(ValidationFailed):
    code = "dated_in_the_future"


class CdrFiles(Protocol):
    def exists(self, object_key: str) -> bool: ...


def _positive(amount: str, not_zero: Text) -> int:
    """The amount in cents; `not_zero` is what is said of an amount of zero."""
    cents = parse_amount(amount)
    if cents <= 0:
        raise ValidationFailed(not_zero)
    return cents


def _invoice(doc: InvoiceIn, account: Account) -> InvoiceDocument:
    """The invoice as the account's address taxes it."""
    province = account.billing_address.province
    lines = tuple(
        InvoiceLine(
            description=line.description,
            description_fr=line.description_fr,
            category=line.category,
            quantity=line.quantity,
            amount_cents=parse_amount(line.amount),
        )
        for line in doc.lines
    )
    subtotal = sum(line.amount_cents for line in lines)
    taxes = compute_taxes(province, doc.issue_date, subtotal)
    total = subtotal + sum(t.amount_cents for t in taxes)
    if total <= 0:
        raise ValidationFailed(_("An invoice's total must be more than zero."))
    return InvoiceDocument(
        id=doc.invoice_id,
        date=doc.issue_date,
        description="Invoice",
        issue_date=doc.issue_date,
        period_start=doc.period_start,
        period_end=doc.period_end,
        due_date=doc.due_date,
        province=province,
        lines=lines,
        subtotal_cents=subtotal,
        taxes=tuple(TaxLine(name=t.label, rate=str(t.rate), amount_cents=t.amount_cents) for t in taxes),
        total_cents=total,
        cdr_file=CdrFile(**doc.cdr_file.model_dump()) if doc.cdr_file else None,
    )


def _payment(doc: PaymentIn) -> PaymentDocument:
    return PaymentDocument(
        id=doc.payment_id,
        date=doc.date,
        description=ledger.payment_description(doc.method, doc.date),
        amount_cents=_positive(doc.amount, _("The payment amount must be more than zero.")),
        method=doc.method,
        reference=doc.reference,
        card_brand=doc.card_brand,
        card_last4=doc.card_last4,
    )


def _credit(doc: CreditIn | PendingCreditIn) -> CreditDocument:
    return CreditDocument(
        id=doc.credit_id,
        date=doc.date,
        description=f"Credit {doc.credit_id}",
        amount_cents=_positive(doc.amount, _("The credit amount must be more than zero.")),
        reason=doc.reason,
        reference=doc.reference if isinstance(doc, CreditIn) else None,
        status="pending" if isinstance(doc, PendingCreditIn) else "applied",
    )


def _refund(doc: RefundIn) -> RefundDocument:
    return RefundDocument(
        id=doc.refund_id,
        date=doc.date,
        description=f"Refund {doc.refund_id}",
        amount_cents=_positive(doc.amount, _("The refund amount must be more than zero.")),
        reason=doc.reason,
        reference=doc.reference,
    )


def ingest(
    store: LedgerStore,
    cdr_files: CdrFiles,
    request: BaseModel,
    *,
    clock: Clock = utc_now,
    users: Callable[[], UserService] | None = None,
) -> dict[str, Any]:
    """Post one document from the billing engine; answers what happened. `users` builds the Manage Users
    service, which only a `portal_user` document needs."""
    if isinstance(request, AccountIn):
        return _create_account(store, request)
    account_id: str = request.account_id  # type: ignore[attr-defined]
    account = store.get_account(account_id)
    if account is None:
        raise NotFound(_("Account {account_id} does not exist.", account_id=account_id))
    if isinstance(request, PortalUserIn):
        if users is None:
            raise TypeError("a portal_user document needs the Manage Users service")
        return _add_portal_user(users(), request, account)
    document_id, value_date, plan = _plan_for(request)
    _refuse_future_date(document_id, value_date, account, clock)
    if store.get_document(account_id, document_id) is not None:
        return {"status": "already_posted", "id": document_id}
    if (
        isinstance(request, InvoiceIn)
        and request.cdr_file
        and not cdr_files.exists(request.cdr_file.object_key)
    ):
        raise ValidationFailed(
            _(
                "The billed CDR file {object_key} is not in the CDR bucket.",
                object_key=request.cdr_file.object_key,
            )
        )
    outcome = post(store, account_id, plan)
    return {"status": "posted" if outcome.posted else "already_posted", "id": document_id}


def _create_account(store: LedgerStore, request: AccountIn) -> dict[str, Any]:
    account = Account(
        account_id=request.account_id,
        account_number=request.account_number,
        name=request.name,
        billing_address=Address(**request.billing_address.model_dump()),
        time_zone=request.time_zone,
        billing_contacts=request.billing_contacts,
        language=request.language or default_language(request.billing_address.province),
    )
    created = store.create_account(account)
    return {"status": "created" if created else "already_exists", "id": request.account_id}


def _refuse_future_date(document_id: str, value_date: date, account: Account, clock: Clock) -> None:
    """A document dated after the account's today (give or take a day) is refused, so that no date in
    the future ever enters the ledger, where dates only move forward."""
    today = local_date(clock(), account.time_zone)
    if value_date > today + FUTURE_TOLERANCE:
        raise DatedInTheFuture(
            _(
                "{document_id} is dated {date}, after today ({today}) in the account's time zone. Send it "
                "on or after that date.",
                document_id=document_id,
                # As the billing engine writes dates.
                date=value_date.isoformat(),
                today=today.isoformat(),
            )
        )


def _add_portal_user(users: UserService, request: PortalUserIn, account: Account) -> dict[str, Any]:
    """Created as Manage Users creates a user, in the account's default language unless the document gives
    one. The same document again finds the user there and creates and sends nothing; a username taken
    elsewhere, or deleted, is refused as Manage Users refuses it."""
    new_user = NewUser.model_validate(
        request.model_dump(exclude={"kind", "account_id"})
        | {"language": request.language or account.language}
    )
    if users.has_user(request.account_id, new_user.username):
        return {"status": "already_exists", "id": new_user.username}
    try:
        users.create(request.account_id, new_user)
    except UsernameTaken:
        # The same document sent twice at once: the other delivery created the user.
        if users.has_user(request.account_id, new_user.username):
            return {"status": "already_exists", "id": new_user.username}
        raise
    return {"status": "created", "id": new_user.username}


def _plan_for(request: BaseModel) -> tuple[str, date, PostingPlan]:
    """The document's id, its own date, and how to post it."""
    if isinstance(request, InvoiceIn):
        invoice = request
        return (
            invoice.invoice_id,
            invoice.issue_date,
            document_plan(lambda account: _invoice(invoice, account)),
        )
    document: TransactionDocument
    if isinstance(request, PaymentIn):
        document = _payment(request)
    elif isinstance(request, CreditIn | PendingCreditIn):
        document = _credit(request)
    elif isinstance(request, RefundIn):
        document = _refund(request)
    else:
        raise TypeError(f"no posting for {type(request).__name__}")
    return document.id, document.date, document_plan(lambda _: document)
