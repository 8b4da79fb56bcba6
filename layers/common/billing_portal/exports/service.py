"""Billed CDR exports of an invoice (help centre: "Export CDR Spreadsheets"): CSV, Excel or PDF, for
invoices of the last 6 months, with call times in the requesting user's time zone, in their language.

A small export is made within the request (201, with its link); a larger one is recorded as pending and
queued for the worker (202), and polling gives its status and, when it is ready, a fresh link. Exported
files expire from S3 by a lifecycle rule, their records by TTL a little later; an expired export is simply
requested again. The engine (billing_portal.exports.writers) is imported only when an export is made, so that
answering a poll stays light.

An export is made in the language of the user who asks for it, and its record keeps that language: the
worker makes it in that language, and its file is never handed to a reader of the other language, who is
told to ask for one of their own.
"""

from __future__ import annotations

import csv
import gzip
import re
import secrets
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from billing_portal.i18n import Language, Text, _
from billing_portal.i18n.words import Words, words_in
from billing_portal.invoices.links import DocumentFiles, safe_filename, sign_link
from billing_portal.ledger.model import ACCOUNT_NOT_FOUND, DOCUMENT_ID, EntryType
from billing_portal.ledger.ports import Account, LedgerStore, PortalUser
from billing_portal.ledger.retention import CDR_EXPORT_MONTHS, cdr_exports_since
from billing_portal.shared.clock import Clock, utc_now
from billing_portal.shared.errors import Conflict, Gone, NotFound

if TYPE_CHECKING:
    from billing_portal.exports.writers import ExportHeader, ExportSummary

logger = Logger(child=True)

EXPORT_ID = re.compile(r"exp_[0-9a-f]{20}")
_INVOICE_ID = re.compile(DOCUMENT_ID[EntryType.INVOICE])
Format = Literal["csv", "xlsx", "pdf"]
# Made within the request up to this many calls, well inside API Gateway's 29 s; beyond, by the worker.
INLINE_CALLS: dict[str, int] = {"csv": 50_000, "xlsx": 10_000, "pdf": 2_000}
# The worker gets three tries of at most 15 minutes, 90 minutes apart: a pending export older than this
# has lost its worker for good.
PENDING_LIMIT = timedelta(hours=6)
# The lifecycle rule deletes a file at the first midnight (UTC) after its retention days; its record
# stays a day longer, so that asking for it says that it expired rather than that it never existed.
RECORD_OUTLIVES_FILE = timedelta(days=2)

INVOICE_NOT_FOUND = _("There is no invoice with this id on your account.")
EXPORT_NOT_FOUND = _("There is no export with this id on your account.")
NO_CALLS = _("This invoice has no billed calls to export.")
NOT_MADE = _("The export could not be made. Request it again; if it fails again, contact {billing_team}.")
NOT_SAVED = _(
    "The export file could not be saved. Request it again; if it fails again, contact {billing_team}."
)
OTHER_LANGUAGE = _(
    "This export was requested in another language. Request the export again for a file in yours."
)


class ExportStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class ExportRequest(BaseModel):
    """POST /invoices/{id}/cdr-exports."""

    model_config = ConfigDict(extra="forbid")

    format: Format = Field(description="csv, xlsx (Excel) or pdf", examples=["csv"])


class ExportView(BaseModel):
    """An export as the client sees it; what does not apply to its status is left out."""

    id: str = Field(examples=["exp_4f1c2a9b7d3e6f8a0b1c"])
    status: ExportStatus
    url: str | None = Field(
        default=None,
        description="When ready: a presigned GET of the file, answered as an attachment named `filename`; "
        "ask again for a fresh one",
    )
    expires_at: str | None = Field(
        default=None,
        description="When the link stops working, ISO 8601 with offset",
        examples=["2026-11-02T15:09:05+00:00"],
    )
    filename: str | None = Field(default=None, examples=["CDR-INV-100482731-202610.csv"])
    row_count: int | None = Field(default=None, description="The calls in the file")
    message: str | None = Field(default=None, description="Why it failed, and what to do")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True, kw_only=True)
class ExportRecord:
    id: str
    account_id: str
    invoice_id: str
    format: str  # csv | xlsx | pdf
    status: ExportStatus
    username: str  # who asked for it
    time_zone: str  # theirs, when they asked: the times in the file
    created_at: str
    object_key: str  # in the documents bucket
    filename: str
    expires_at: int  # epoch seconds: the record's time to live, after its file's
    row_count: int | None = None
    message: str | None = None  # why it failed, in `language`
    finished_at: str | None = None
    language: Language = "en"  # theirs, when they asked: the file's words (records from before: English)

    @property
    def words(self) -> Words:
        return words_in(self.language)


# -- ports -----------------------------------------------------------------------------------------------


class ExportStore(Protocol):
    def put_export(self, record: ExportRecord) -> None: ...

    def get_export(self, account_id: str, export_id: str) -> ExportRecord | None: ...


class UserProfiles(Protocol):
    def get_user(self, account_id: str, username: str) -> PortalUser | None: ...


class ExportQueue(Protocol):
    def send(self, account_id: str, export_id: str) -> None: ...


class ExportWriter(Protocol):
    """Reads the billed CDR file at `cdr_key` and writes the export at `export_key`, both as streams.
    Raises BilledCallsMissing or ExportNotSaved; a file that is not a billed CDR file raises what reading
    it raises (see UNREADABLE)."""

    def __call__(self, cdr_key: str, export_key: str, fmt: str, header: ExportHeader) -> ExportSummary: ...


class BilledCallsMissing(Exception):
    """The invoice's billed CDR file is not where the invoice says."""


class ExportNotSaved(Exception):
    """The documents bucket refused the export file (not a passing fault: retrying would not help)."""


# What reading a file that is not a well-formed gzip CSV of billed calls raises: bad gzip data, a
# truncated stream, text that is not UTF-8, unexpected columns, short rows, numbers that are not numbers.
UNREADABLE = (gzip.BadGzipFile, EOFError, zlib.error, csv.Error, ValueError, IndexError)


class NoCallsToExport(Conflict):
    code = "no_billed_calls"


def new_export_id() -> str:
    return "exp_" + secrets.token_hex(10)


def content_type(fmt: str) -> str:
    from billing_portal.exports.writers import CONTENT_TYPES, ExportFormat

    return CONTENT_TYPES[ExportFormat(fmt)]


def usage_mismatch(summary: ExportSummary, invoice: dict[str, Any]) -> str | None:
    """How the exported calls differ from the invoice (call count, each usage line), or None."""
    expected_calls = int(invoice["cdr_file"]["call_count"])
    if summary.row_count != expected_calls:
        return f"{summary.row_count} calls in the file, {expected_calls} on the invoice"
    lines: dict[str, int] = {}
    for line in invoice.get("lines", []):
        if line.get("category") == "usage":
            lines[line["description"]] = lines.get(line["description"], 0) + int(line["amount_cents"])
    for category in sorted(set(lines) | set(summary.cents_by_category)):
        charged, billed = summary.cents_by_category.get(category, 0), lines.get(category, 0)
        if charged != billed:
            return f"{category!r}: {charged} cents of calls, {billed} on the invoice"
    return None


def usage_names(invoice: dict[str, Any], language: Language) -> dict[str, str]:
    """The invoice's usage lines in `language`, by the name the billed calls give them (the line's
    description): a French description where the billing engine gives one."""
    if language != "fr":
        return {}
    return {
        str(line["description"]): str(line["description_fr"])
        for line in invoice.get("lines", [])
        if line.get("category") == "usage" and line.get("description_fr")
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class ExportService:
    def __init__(
        self,
        *,
        ledger: LedgerStore,
        records: ExportStore,
        users: UserProfiles,
        files: DocumentFiles,
        write: ExportWriter,
        retention_days: int,
        queue: ExportQueue | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """`queue`: where large exports go to the worker (the worker itself has none)."""
        self.ledger = ledger
        self.records = records
        self.users = users
        self.files = files
        self.write = write
        self.retention_days = retention_days
        self.queue = queue
        self.clock = clock

    # -- the API ---------------------------------------------------------------------------------------

    def request(
        self, account_id: str, username: str, invoice_id: str, fmt: str, words: Words
    ) -> tuple[int, ExportView]:
        """A new export of the invoice's billed calls, in the requesting user's `words`: (201, made) or
        (202, pending, queued)."""
        if fmt not in INLINE_CALLS:
            raise ValueError(f"not an export format: {fmt!r}")  # the request model allows only those
        invoice = (
            self.ledger.get_document(account_id, invoice_id) if _INVOICE_ID.fullmatch(invoice_id) else None
        )
        if invoice is None or invoice.get("type") != EntryType.INVOICE.value:
            raise NotFound(INVOICE_NOT_FOUND)
        now = self.clock()
        if date.fromisoformat(invoice["issue_date"]) < cdr_exports_since(now.astimezone(UTC).date()):
            raise Gone(
                _(
                    "Call records can be exported for invoices of the last {months} months, and invoice "
                    "{invoice_id} is older. For its call records, contact {billing_team}.",
                    months=CDR_EXPORT_MONTHS,
                    invoice_id=invoice_id,
                )
            )
        cdr_file = invoice.get("cdr_file")
        if not cdr_file:
            raise NoCallsToExport(NO_CALLS)
        account = self.ledger.get_account(account_id)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND)
        user = self.users.get_user(account_id, username)
        export_id = new_export_id()
        record = ExportRecord(
            id=export_id,
            account_id=account_id,
            invoice_id=invoice_id,
            format=fmt,
            status=ExportStatus.PENDING,
            username=username,
            # The account's zone only stands in for a user record that is missing.
            time_zone=user.time_zone if user else account.time_zone,
            created_at=_iso(now),
            object_key=f"exports/{account_id}/{export_id}.{fmt}",
            filename=safe_filename(
                words(_("CDR-{invoice_id}.{extension}", invoice_id=invoice_id, extension=fmt))
            ),
            expires_at=self._record_expiry(now),
            language=words.language,
        )
        self.records.put_export(record)
        pending = ExportView(id=export_id, status=ExportStatus.PENDING)
        if int(cdr_file["call_count"]) > INLINE_CALLS[fmt]:
            self._enqueue(record)
            return 202, pending
        try:
            made = self._make(record, invoice, account)
        except Exception:
            if self.queue is None:
                raise
            # A passing fault (S3 busy, say): the worker tries again, with its retries.
            logger.exception("an export made in the request failed; queued", extra={"export_id": export_id})
            self._enqueue(record)
            return 202, pending
        return 201, self._view(made)

    def status(self, account_id: str, export_id: str, words: Words) -> ExportView:
        """The export as a reader of `words` sees it: one made in the other language is not theirs to
        download (they are told to ask for their own)."""
        record = self.records.get_export(account_id, export_id) if EXPORT_ID.fullmatch(export_id) else None
        if record is None:
            raise NotFound(EXPORT_NOT_FOUND)
        if record.language != words.language:
            return ExportView(id=record.id, status=ExportStatus.FAILED, message=words(OTHER_LANGUAGE))
        now = self.clock()
        if record.status is ExportStatus.READY and (
            now.timestamp() >= record.expires_at or not self.files.exists(record.object_key)
        ):
            deleted = _(
                "This export's file was deleted {days} days after it was made, as every export's is. "
                "Request the export again for a new file.",
                days=self.retention_days,
            )
            return ExportView(id=record.id, status=ExportStatus.FAILED, message=words(deleted))
        waited = now - datetime.fromisoformat(record.created_at)
        if record.status is ExportStatus.PENDING and waited > PENDING_LIMIT:
            return ExportView(id=record.id, status=ExportStatus.FAILED, message=words(NOT_MADE))
        return self._view(record)

    # -- the worker ------------------------------------------------------------------------------------

    def run(self, account_id: str, export_id: str) -> ExportRecord | None:
        """Make a pending export. Answers the record as it ends up, or None when there is no such export;
        one already made (the message delivered again) is left as it is. A file that cannot be read or
        written fails the export with the reason; anything else is raised, for the queue to retry."""
        record = self.records.get_export(account_id, export_id)
        if record is None:
            logger.warning("no such export", extra={"account_id": account_id, "export_id": export_id})
            return None
        if record.status is not ExportStatus.PENDING:
            return record
        invoice = self.ledger.get_document(account_id, record.invoice_id)
        account = self.ledger.get_account(account_id)
        if invoice is None or account is None or not invoice.get("cdr_file"):
            return self._fail(
                record,
                _("Invoice {invoice_id} is no longer available for export.", invoice_id=record.invoice_id),
            )
        return self._make(record, invoice, account)

    def give_up(self, account_id: str, export_id: str) -> None:
        """After the last try: a pending export fails, so that polling stops."""
        record = self.records.get_export(account_id, export_id)
        if record is not None and record.status is ExportStatus.PENDING:
            self._fail(record, NOT_MADE)

    # -- making one ------------------------------------------------------------------------------------

    def _make(self, record: ExportRecord, invoice: dict[str, Any], account: Account) -> ExportRecord:
        from billing_portal.exports.writers import ExportHeader

        header = ExportHeader(
            account_name=account.name,
            account_number=account.account_number,
            invoice_id=record.invoice_id,
            period_start=str(invoice["period_start"]),
            period_end=str(invoice["period_end"]),
            time_zone=record.time_zone,
            language=record.language,
            usage_names=usage_names(invoice, record.language),
        )
        cdr_key = str(invoice["cdr_file"]["object_key"])
        context = {"export_id": record.id, "cdr_key": cdr_key}
        try:
            summary = self.write(cdr_key, record.object_key, record.format, header)
        except BilledCallsMissing:
            logger.error("the billed CDR file is missing", extra=context)
            return self._fail(
                record,
                _(
                    "The billed call records of invoice {invoice_id} could not be found. Contact "
                    "{billing_team}.",
                    invoice_id=record.invoice_id,
                ),
            )
        except ExportNotSaved:
            logger.exception("the export file could not be saved", extra=context)
            return self._fail(record, NOT_SAVED)
        except UNREADABLE:
            logger.exception("the billed CDR file could not be read", extra=context)
            return self._fail(
                record,
                _(
                    "The billed call records of invoice {invoice_id} could not be read. Contact "
                    "{billing_team}.",
                    invoice_id=record.invoice_id,
                ),
            )
        mismatch = usage_mismatch(summary, invoice)
        if mismatch is not None:
            # Totals that differ from the invoice would mislead: no file is handed out.
            logger.error("billed calls do not match the invoice", extra={**context, "mismatch": mismatch})
            return self._fail(
                record,
                _(
                    "The billed call records of invoice {invoice_id} do not add up to the invoice's usage "
                    "charges, so they were not exported. Contact {billing_team}.",
                    invoice_id=record.invoice_id,
                ),
            )
        now = self.clock()
        ready = replace(
            record,
            status=ExportStatus.READY,
            row_count=summary.row_count,
            finished_at=_iso(now),
            expires_at=self._record_expiry(now),  # the file's retention counts from now
        )
        self.records.put_export(ready)
        return ready

    def _fail(self, record: ExportRecord, message: Text) -> ExportRecord:
        """The export fails, saying why in the words it was asked in (the only reader its record has)."""
        failed = replace(
            record, status=ExportStatus.FAILED, message=record.words(message), finished_at=_iso(self.clock())
        )
        self.records.put_export(failed)
        return failed

    def _enqueue(self, record: ExportRecord) -> None:
        if self.queue is None:
            raise RuntimeError("large exports need the export queue")
        try:
            self.queue.send(record.account_id, record.id)
        except Exception:
            self._fail(record, NOT_MADE)  # never left pending with nobody to make it
            raise

    def _view(self, record: ExportRecord) -> ExportView:
        if record.status is not ExportStatus.READY:
            return ExportView(id=record.id, status=record.status, message=record.message)
        link = sign_link(
            self.files,
            record.object_key,
            filename=record.filename,
            content_type=content_type(record.format),
            clock=self.clock,
        )
        return ExportView(
            id=record.id,
            status=ExportStatus.READY,
            url=link.url,
            expires_at=link.expires_at.isoformat(),
            filename=record.filename,
            row_count=record.row_count,
        )

    def _record_expiry(self, now: datetime) -> int:
        return int((now + timedelta(days=self.retention_days) + RECORD_OUTLIVES_FILE).timestamp())
