"""In-memory stand-ins for the ports, faithful to what the adapters promise: a posting is written all or
nothing, conditional on the ledger version that was read; a document posted twice is refused; history comes
back newest first within the window, of the requested types, up to the limit; what is read back is what a
JSON-like store returns (dates as ISO text, absent values left out, never a float). A username is claimed
once and for all; the user pool, the mailer and the reset codes behave as Cognito, SES and the table do."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from billing_portal.exports.service import ExportRecord
from billing_portal.i18n import Language
from billing_portal.invoices.links import safe_filename
from billing_portal.ledger.documents import PostingWrite
from billing_portal.ledger.model import EntryType, HistoryRow
from billing_portal.ledger.ports import (
    Account,
    Address,
    DuplicateDocument,
    HistoryWindow,
    PortalUser,
    UserSessions,
    row_sort_key,
)
from billing_portal.notifications.dynamo import change_of_item
from billing_portal.notifications.mail import MailNotSent
from billing_portal.notifications.notice_log import Claim
from billing_portal.notifications.notices import Change
from billing_portal.payments.autopay_setting import AUTOPAY_OFF, AutopayMethod, AutopaySetting
from billing_portal.payments.cards import Card
from billing_portal.payments.ports import (
    AUTOPAY_METHOD_IN_USE,
    AutopayMethodInUse,
    PaymentRecord,
    SavedMethod,
)
from billing_portal.payments.processor import (
    DECLINED,
    BillingDetails,
    CardDeclined,
    Charge,
    ChargeStatus,
    InvalidCardToken,
    SavedCard,
)
from billing_portal.payments.sandbox import NOT_ISSUED
from billing_portal.shared.errors import ConcurrentUpdate, NotFound
from billing_portal.users.emails import Email
from billing_portal.users.model import (
    DELETED_MEANWHILE,
    USER_NOT_FOUND,
    USERNAME_TAKEN,
    DeletedMeanwhile,
    UsernameClaim,
    UsernameTaken,
)
from billing_portal.users.ports import IssuedCode


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


class Clock:
    """A settable `now`: what time the services under test think it is."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class FakeStream:
    """The table's stream: the item changes the fakes below record as the adapters' writes would cause them
    (history rows written, payment records saved, users marked invited, usernames tombstoned), read as the
    notifier's stream adapter reads them; in order, leaving out those that tell of nothing."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.changes: list[Change] = []
        self.clock = clock or (lambda: datetime.now(UTC))

    def record(
        self, event: str, pk: str, sk: str, new: dict[str, Any] | None, old: dict[str, Any] | None
    ) -> None:
        def image(values: dict[str, Any] | None) -> dict[str, Any] | None:
            return {"PK": pk, "SK": sk, **stored(values)} if values is not None else None

        keys = {"PK": pk, "SK": sk}
        change = change_of_item(event=event, keys=keys, new=image(new), old=image(old), at=self.clock())
        if change is not None:
            self.changes.append(change)


class FakeLedgerStore:
    """`billing_portal.ledger.ports.LedgerStore` in memory, for one process."""

    def __init__(self, stream: FakeStream | None = None) -> None:
        self.stream = stream
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

    def commit(self, account_id: str, write: PostingWrite) -> None:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook(account_id)
        posting = write.posting
        rows = self.rows.setdefault(account_id, {})
        docs = self.documents.setdefault(account_id, {})
        # As in the adapter's transaction: a document that exists already wins over a moved ledger.
        if any(doc.id in docs for doc in write.documents):
            raise DuplicateDocument
        account = self.accounts.get(account_id)
        if account is None or account.ledger.version != posting.before.version:
            raise ConcurrentUpdate
        new_rows = {row_sort_key(row.date, row.seq): row for row in posting.rows}
        if any(key in rows for key in new_rows) or len(new_rows) != len(posting.rows):
            raise ConcurrentUpdate
        new_docs = {doc.id: doc.stored() for doc in write.documents}
        touched: dict[str, dict[str, Any]] = {}

        def stored_before(document_id: str) -> dict[str, Any]:
            if document_id not in touched:
                if document_id not in docs:  # the adapter's update is conditional on the item existing
                    raise ConcurrentUpdate
                touched[document_id] = copy.deepcopy(docs[document_id])
            return touched[document_id]

        # As the adapter's update expressions write them.
        for payment in write.invoice_payments:
            invoice = stored_before(payment.invoice_id)
            invoice["amount_paid_cents"] += payment.cents
            invoice["status"] = payment.status
            applied_to = {"source_id": payment.source_id, "cents": payment.cents}
            invoice["applied"] = [*invoice["applied"], applied_to]
        for applied in write.applied_credits:
            credit = stored_before(applied.credit_id)
            credit["status"] = applied.status
            credit["applied_on_invoice"] = applied.invoice_id

        # Every check passed: write it all.
        self.accounts[account_id] = replace(account, ledger=posting.after)
        rows.update(new_rows)
        docs.update(touched)
        docs.update(new_docs)
        self.commits += 1
        if self.stream is not None:
            for key, row in new_rows.items():
                self.stream.record(
                    "INSERT", f"ACCOUNT#{account_id}", key, {**asdict(row), "type": row.type.value}, None
                )

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

    def seed_user(self, user: PortalUser) -> None:
        """The test's own: a portal user the account has (the users capability writes them)."""
        self.users[(user.account_id, user.username)] = user

    def get_account_and_sessions(
        self, account_id: str, username: str
    ) -> tuple[Account | None, UserSessions | None]:
        return self.get_account(account_id), self.sessions_of(account_id, username)

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        """As the edge's `SessionRecords`: a user of the account has their sessions."""
        user = self.users.get((account_id, username))
        return UserSessions(language=user.language) if user is not None else None

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


# -- invoice PDFs and CDR exports -----------------------------------------------------------------------


class FakeDocuments:
    """`invoices.links.DocumentFiles` in memory: the documents bucket's objects, every write, and every
    link handed out, presigned as S3 presigns one (the object in the path, the attachment's name, its type
    and lifetime in the query)."""

    def __init__(self, bucket: str = "documents") -> None:
        self.bucket = bucket
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts: list[str] = []
        self.links: list[tuple[str, str, str, timedelta]] = []

    def exists(self, key: str) -> bool:
        return key in self.objects

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)
        self.puts.append(key)

    def download_link(self, key: str, filename: str, content_type: str, lifetime: timedelta) -> str:
        self.links.append((key, filename, content_type, lifetime))
        query = urlencode(
            {
                "response-content-disposition": f'attachment; filename="{safe_filename(filename)}"',
                "response-content-type": content_type,
                "X-Amz-Expires": int(lifetime.total_seconds()),
            }
        )
        return f"https://{self.bucket}.s3.ca-central-1.amazonaws.com/{quote(key)}?{query}"


class FakeExports:
    """`exports.service.ExportStore` in memory: a record put replaces the one of the same id."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], ExportRecord] = {}
        self.writes = 0

    def put_export(self, record: ExportRecord) -> None:
        self.writes += 1
        self.stored[(record.account_id, record.id)] = record

    def get_export(self, account_id: str, export_id: str) -> ExportRecord | None:
        return self.stored.get((account_id, export_id))


class FakeExportQueue:
    """`exports.service.ExportQueue`: what was sent to the worker; `broken` when the queue is unreachable."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.broken = False

    def send(self, account_id: str, export_id: str) -> None:
        if self.broken:
            raise ConnectionError("the queue is unreachable")
        self.sent.append((account_id, export_id))


# -- Manage Users and sign-in ---------------------------------------------------------------------------


class FakeUserRecords:
    """`users.ports.UserRecords` in memory, keeping the adapter's promises: a username is claimed
    once and for all (a deleted one stays taken), the claim and the user are written together, a release
    only undoes an active claim of the same account, a restore only a deleted one of the same account; a
    delete is decided only while the deleting user is still one of the account's. Also the edge's
    `SessionRecords`. The accounts' default languages are those of `accounts` (the same table, in DynamoDB):
    English without."""

    def __init__(self, stream: FakeStream | None = None, accounts: FakeLedgerStore | None = None) -> None:
        self.stream = stream
        self.accounts = accounts
        self.users: dict[tuple[str, str], PortalUser] = {}
        self.claims: dict[str, UsernameClaim] = {}
        self.invited: dict[tuple[str, str], str] = {}  # (account, username) -> when the invitation went out
        self.withdrawn: set[tuple[str, str]] = set()  # users whose delete is under way
        self.sessions_valid_from: dict[tuple[str, str], int] = {}
        # Called with the user just before a claim is checked: lets a test slip in a rival create.
        self.before_claim: Callable[[PortalUser], None] | None = None
        # Called with the user just before a delete is decided: lets a test slip in a rival delete.
        self.before_withdraw: Callable[[PortalUser], None] | None = None

    def list_users(self, account_id: str) -> list[PortalUser]:
        return [user for (account, _), user in self.users.items() if account == account_id]

    def get_user(self, account_id: str, username: str) -> PortalUser | None:
        return self.users.get((account_id, username))

    def claim(self, user: PortalUser) -> None:
        if self.before_claim is not None:
            hook, self.before_claim = self.before_claim, None
            hook(user)
        if user.username in self.claims or (user.account_id, user.username) in self.users:
            raise UsernameTaken(USERNAME_TAKEN)
        self.claims[user.username] = UsernameClaim(user.username, user.account_id, deleted=False)
        self.users[(user.account_id, user.username)] = user

    def release(self, user: PortalUser) -> None:
        claim = self.claims.get(user.username)
        if claim is None or claim.account_id != user.account_id or claim.deleted:
            raise AssertionError(f"release of a claim that is not this account's active one: {claim}")
        del self.claims[user.username]
        self.users.pop((user.account_id, user.username), None)

    def mark_invited(self, account_id: str, username: str, at: str) -> None:
        user = self.users.get((account_id, username))
        if user is None:
            return
        before = self.invited.get((account_id, username))
        self.invited[(account_id, username)] = at
        if self.stream is not None:
            old = {**asdict(user), "invited_at": before}
            self.stream.record(
                "MODIFY", f"ACCOUNT#{account_id}", f"USER#{username}", {**old, "invited_at": at}, old
            )

    def update_user(self, account_id: str, username: str, changes: dict[str, Any]) -> PortalUser | None:
        user = self.users.get((account_id, username))
        if user is None:
            return None
        updated = replace(user, **changes)
        self.users[(account_id, username)] = updated
        return updated

    def withdraw(self, user: PortalUser, by: str, at: str) -> None:
        if self.before_withdraw is not None:
            hook, self.before_withdraw = self.before_withdraw, None
            hook(user)
        deleting = (user.account_id, by)
        if deleting not in self.users or deleting in self.withdrawn:
            raise DeletedMeanwhile(DELETED_MEANWHILE)
        if (user.account_id, user.username) not in self.users:
            raise NotFound(USER_NOT_FOUND)
        self.withdrawn.add((user.account_id, user.username))

    def reinstate(self, user: PortalUser) -> None:
        self.withdrawn.discard((user.account_id, user.username))

    def end_sessions(self, account_id: str, username: str, valid_from: int) -> None:
        if (account_id, username) in self.users:
            before = self.sessions_valid_from.get((account_id, username), 0)
            self.sessions_valid_from[(account_id, username)] = max(before, valid_from)

    def sessions_of(self, account_id: str, username: str) -> UserSessions | None:
        key = (account_id, username)
        if key not in self.users or key in self.withdrawn:
            return None
        return UserSessions(self.sessions_valid_from.get(key, 0), language=self.users[key].language)

    def tombstone(self, user: PortalUser, deleted_at: str) -> None:
        claim = self.claims.get(user.username)
        if claim is not None and claim.account_id != user.account_id:
            raise AssertionError(f"tombstone of a claim that is not this account's: {claim}")
        if claim is None or claim.deleted or (user.account_id, user.username) not in self.users:
            raise NotFound(USER_NOT_FOUND)
        self.claims[user.username] = UsernameClaim(
            user.username, user.account_id, deleted=True, snapshot=stored(asdict(user))
        )
        self.users.pop((user.account_id, user.username), None)
        self.invited.pop((user.account_id, user.username), None)
        self.withdrawn.discard((user.account_id, user.username))
        self.sessions_valid_from.pop((user.account_id, user.username), None)
        if self.stream is not None:
            active = {"username": user.username, "account_id": user.account_id, "status": "active"}
            deleted = {**active, "status": "deleted", "deleted_at": deleted_at, "snapshot": asdict(user)}
            self.stream.record("MODIFY", f"USERNAME#{user.username}", "USERNAME", deleted, active)

    def restore(self, user: PortalUser, sessions_valid_from: int) -> None:
        claim = self.claims.get(user.username)
        if claim is None or claim.account_id != user.account_id or not claim.deleted:
            raise AssertionError(f"restore of a claim that is not this account's deleted one: {claim}")
        if (user.account_id, user.username) in self.users:
            raise AssertionError("restore over an existing user")
        self.claims[user.username] = UsernameClaim(user.username, user.account_id, deleted=False)
        self.users[(user.account_id, user.username)] = user
        self.sessions_valid_from[(user.account_id, user.username)] = sessions_valid_from

    def claim_of(self, username: str) -> UsernameClaim | None:
        return self.claims.get(username)

    def default_language(self, account_id: str) -> Language:
        account = self.accounts.get_account(account_id) if self.accounts is not None else None
        return account.language if account is not None else "en"


@dataclass
class DirectoryUser:
    account_id: str
    password: str
    status: str  # FORCE_CHANGE_PASSWORD until the first sign-in's new password, then CONFIRMED
    sessions: int = 1  # refresh tokens outstanding; a global sign-out revokes them all


class FakeDirectory:
    """The Cognito user pool as `users.Directory` and `password_reset.PasswordDirectory` see it. A failure
    can be queued per operation name (`fail["create_user"] = error`), raised once."""

    def __init__(self) -> None:
        self.users: dict[str, DirectoryUser] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail: dict[str, Exception] = {}

    def _maybe_fail(self, operation: str, username: str) -> None:
        self.calls.append((operation, username))
        if operation in self.fail:
            raise self.fail.pop(operation)

    def create_user(self, username: str, account_id: str, temporary_password: str) -> None:
        self._maybe_fail("create_user", username)
        if username in self.users:
            raise UsernameTaken(USERNAME_TAKEN)
        self.users[username] = DirectoryUser(account_id, temporary_password, "FORCE_CHANGE_PASSWORD")

    def delete_user(self, username: str) -> None:
        self._maybe_fail("delete_user", username)
        self.users.pop(username, None)

    def status(self, username: str) -> str | None:
        user = self.users.get(username)
        return user.status if user else None

    def set_temporary_password(self, username: str, password: str) -> None:
        self._maybe_fail("set_temporary_password", username)
        self.users[username] = replace(
            self.users[username], password=password, status="FORCE_CHANGE_PASSWORD"
        )

    def set_password(self, username: str, password: str) -> None:
        self._maybe_fail("set_password", username)
        self.users[username] = replace(self.users[username], password=password, status="CONFIRMED")

    def sign_out_everywhere(self, username: str) -> None:
        self._maybe_fail("sign_out_everywhere", username)
        if username in self.users:
            self.users[username] = replace(self.users[username], sessions=0)

    # -- what a user would do, for the tests --------------------------------------------------------------

    def first_sign_in(self, username: str, new_password: str) -> None:
        """The temporary password exchanged for one of the user's own."""
        user = self.users[username]
        assert user.status == "FORCE_CHANGE_PASSWORD"
        self.users[username] = replace(user, password=new_password, status="CONFIRMED", sessions=1)


class FakeMailer:
    """`notifications.ses.Mailer`: keeps what it sends; `failing` makes every send raise, `refusals`
    makes the next sends raise one after the other, and `refuse_to` every send to those addresses."""

    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.failing: Exception | None = None
        self.refusals: list[Exception] = []
        self.refuse_to: dict[str, Exception] = {}
        self.attempts = 0

    def send(self, email: Email) -> str:
        self.attempts += 1
        if self.failing is not None:
            raise self.failing
        if self.refusals:
            raise self.refusals.pop(0)
        for address in email.to:
            if address in self.refuse_to:
                raise self.refuse_to[address]
        self.sent.append(email)
        return f"message-{len(self.sent)}"

    def to(self, address: str) -> list[Email]:
        return [email for email in self.sent if address in email.to]


class FakeResetCodes:
    """`billing_portal.users.ports.ResetCodes`: one outstanding code per username; `consume` is a
    compare-and-delete on the code that was read, refused once the attempts are used up."""

    def __init__(self) -> None:
        self.codes: dict[str, IssuedCode] = {}
        # Called with the username just before a consume is checked: lets a test slip in a rival reset.
        self.before_consume: Callable[[str], None] | None = None

    def get(self, username: str) -> IssuedCode | None:
        return self.codes.get(username)

    def put(self, username: str, code: IssuedCode) -> None:
        self.codes[username] = code

    def count_failure(self, username: str, code: IssuedCode) -> None:
        current = self.codes.get(username)
        if current is not None and current.digest == code.digest:
            self.codes[username] = replace(current, attempts=current.attempts + 1)

    def consume(self, username: str, code: IssuedCode, max_attempts: int) -> bool:
        if self.before_consume is not None:
            hook, self.before_consume = self.before_consume, None
            hook(username)
        current = self.codes.get(username)
        if current is None or current.digest != code.digest or current.attempts >= max_attempts:
            return False
        del self.codes[username]
        return True


# -- payments --------------------------------------------------------------------------------------------


class FakePaymentStore:
    """`billing_portal.payments.ports.PaymentStore` in memory, over a FakeLedgerStore: Auto Pay lives on the
    account as the adapter keeps it there (an `AutopaySetting`); a payment is started once (an existing
    record is answered, nothing written); a method that Auto Pay uses cannot be deleted; a callback delivery
    is accepted once."""

    def __init__(self, ledger_store: FakeLedgerStore, stream: FakeStream | None = None) -> None:
        self.ledger_store = ledger_store
        self.stream = stream
        self.methods: dict[tuple[str, str], SavedMethod] = {}
        self.payments: dict[tuple[str, str], PaymentRecord] = {}
        self.deliveries: dict[str, int] = {}

    def list_methods(self, account_id: str) -> list[SavedMethod]:
        return [method for (account, _), method in self.methods.items() if account == account_id]

    def get_method(self, account_id: str, method_id: str) -> SavedMethod | None:
        return self.methods.get((account_id, method_id))

    def add_method(self, method: SavedMethod) -> None:
        self.methods[(method.account_id, method.id)] = method

    def delete_method(self, account_id: str, method_id: str) -> bool:
        if (account_id, method_id) not in self.methods:
            return False
        account = self.ledger_store.get_account(account_id)
        if account is not None and account.autopay.method_id == method_id:
            raise AutopayMethodInUse(AUTOPAY_METHOD_IN_USE)
        del self.methods[(account_id, method_id)]
        return True

    def enable_autopay(self, account_id: str, method: SavedMethod) -> bool:
        account = self.ledger_store.get_account(account_id)
        if account is None or (account_id, method.id) not in self.methods:
            return False
        autopay = AutopaySetting(AutopayMethod(method.id, method.card))
        self.ledger_store.accounts[account_id] = replace(account, autopay=autopay)
        return True

    def disable_autopay(self, account_id: str) -> None:
        account = self.ledger_store.get_account(account_id)
        if account is not None:
            self.ledger_store.accounts[account_id] = replace(account, autopay=AUTOPAY_OFF)

    def autopay_accounts(self) -> Iterator[str]:
        for account_id, account in sorted(self.ledger_store.accounts.items()):
            if account.autopay.enabled:
                yield account_id

    def get_payment(self, account_id: str, payment_id: str) -> PaymentRecord | None:
        return self.payments.get((account_id, payment_id))

    def start_payment(self, record: PaymentRecord) -> PaymentRecord | None:
        existing = self.payments.get((record.account_id, record.id))
        if existing is not None:
            return existing
        self.save_payment(record)
        return None

    def save_payment(self, record: PaymentRecord) -> None:
        before = self.payments.get((record.account_id, record.id))
        self.payments[(record.account_id, record.id)] = record
        if self.stream is not None:
            self.stream.record(
                "MODIFY" if before else "INSERT",
                f"ACCOUNT#{record.account_id}",
                f"PAYMENT#{record.id}",
                _payment_image(record),
                _payment_image(before),
            )

    def first_delivery(self, signature: str, expires_at: int) -> bool:
        if signature in self.deliveries:
            return False
        self.deliveries[signature] = expires_at
        return True


def _payment_image(record: PaymentRecord | None) -> dict[str, Any] | None:
    return {**asdict(record), "status": record.status.value} if record else None


FAKE_CARD_TOKENS: dict[str, tuple[Card, ChargeStatus]] = {
    "tok_visa": (Card("visa", "4242", 12, 2034), ChargeStatus.APPROVED),
    "tok_mastercard": (Card("mastercard", "4444", 12, 2034), ChargeStatus.APPROVED),
    "tok_declined": (Card("visa", "0002", 12, 2034), ChargeStatus.DECLINED),
    "tok_pending": (Card("visa", "0077", 12, 2034), ChargeStatus.PENDING),
}


@dataclass(frozen=True)
class ChargeCall:
    source: str
    amount_cents: int
    idempotency_key: str
    metadata: dict[str, str]
    billing: BillingDetails | None


class FakeCardProcessor:
    """`payments.processor.CardProcessor` with scripted outcomes. Each token of FAKE_CARD_TOKENS (or
    `tokens`) answers with its card's behaviour, and a saved card's reference with the behaviour of the
    token it was saved from; `script` overrides the outcome of the next charges, in order. As the port
    promises: saving a declining card raises CardDeclined, an unknown token InvalidCardToken; one
    idempotency key charges once and always answers that charge. `while_charging` runs (once) as a charge
    is being made, before it is answered: what happens meanwhile elsewhere. `lose_answers` raises that many
    times instead of answering, after charging (`charge_first=True`) or before: a crash, a timeout."""

    def __init__(self) -> None:
        self.tokens = dict(FAKE_CARD_TOKENS)
        self.cards: dict[str, tuple[Card, ChargeStatus]] = {}  # saved card reference -> card, behaviour
        self.script: list[ChargeStatus] = []
        self.charged: dict[str, Charge] = {}  # idempotency key -> the charge made
        self.calls: list[ChargeCall] = []  # every charge made (not the repeats)
        self.saved: list[tuple[str, BillingDetails]] = []
        self.while_charging: Callable[[], None] | None = None
        self.lose_answers = 0
        self.charge_first = True

    def card_of_token(self, token: str) -> Card:
        if token not in self.tokens:
            raise InvalidCardToken(NOT_ISSUED)
        return self.tokens[token][0]

    def charge_of_key(self, idempotency_key: str) -> Charge | None:
        return self.charged.get(idempotency_key)

    def save_card(self, token: str, billing: BillingDetails) -> SavedCard:
        if token not in self.tokens:
            raise InvalidCardToken(NOT_ISSUED)
        card, behaviour = self.tokens[token]
        if behaviour is ChargeStatus.DECLINED:
            raise CardDeclined(DECLINED)
        reference = f"card_{len(self.cards) + 1}"
        self.cards[reference] = (card, behaviour)
        self.saved.append((token, billing))
        return SavedCard(reference, card)

    def charge(
        self,
        source: str,
        amount_cents: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        billing: BillingDetails | None,
    ) -> Charge:
        if self.while_charging is not None:
            meanwhile, self.while_charging = self.while_charging, None
            meanwhile()
        if self.lose_answers and not self.charge_first:
            self.lose_answers -= 1
            raise ConnectionError("the processor could not be reached")
        if idempotency_key not in self.charged:
            known = self.tokens.get(source) or self.cards.get(source)
            if known is None:
                raise InvalidCardToken(NOT_ISSUED)
            card, behaviour = known
            if self.script:
                behaviour = self.script.pop(0)
            charge = Charge(f"ch_{len(self.charged) + 1:04d}", behaviour, amount_cents, card)
            self.charged[idempotency_key] = charge
            self.calls.append(ChargeCall(source, amount_cents, idempotency_key, dict(metadata), billing))
        if self.lose_answers:
            self.lose_answers -= 1
            raise TimeoutError("the processor's answer was lost")
        return self.charged[idempotency_key]

    def settle(self, idempotency_key: str, outcome: ChargeStatus) -> Charge:
        """The bank decides on a pending charge (the processor's side of its callback)."""
        settled = replace(self.charged[idempotency_key], status=outcome)
        self.charged[idempotency_key] = settled
        return settled


def throttled() -> MailNotSent:
    return MailNotSent("SES refused the email: Throttling", passing=True)


class FakeSentLog:
    """`notifications.notice_log.SentLog` in memory: a claim is taken once, until released or lapsed."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}

    def claim(self, notice_key: str, recipient: str, now: int, lease_seconds: int) -> Claim:
        key = (notice_key, recipient.lower())
        found = self.records.get(key)
        if found is not None and (found["status"] == "sent" or found["claimed_until"] >= now):
            return Claim.SENT if found["status"] == "sent" else Claim.BUSY
        self.records[key] = {"status": "sending", "claimed_until": now + lease_seconds}
        return Claim.TAKEN

    def mark_sent(self, notice_key: str, recipient: str, message_id: str, sent_at: str) -> None:
        self.records[(notice_key, recipient.lower())] = {"status": "sent", "message_id": message_id}

    def release(self, notice_key: str, recipient: str) -> None:
        key = (notice_key, recipient.lower())
        if self.records.get(key, {}).get("status") == "sending":
            del self.records[key]


class FakeSuppressionList:
    def __init__(self) -> None:
        self.addresses: dict[str, str] = {}

    def suppressed(self, addresses: Iterable[str]) -> set[str]:
        return {address for address in addresses if address.lower() in self.addresses}

    def suppress(self, address: str, reason: str, detail: str, at: str) -> None:
        self.addresses[address.lower()] = reason
