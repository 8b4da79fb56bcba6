"""The composition root: the one place that chooses and builds adapters. A handler asks for a service here
and never imports an adapter, boto3, or a `dynamo`, `s3`, `ses`, `sqs` or `cognito` module itself.

Each builder imports its adapters when it is called, so a function imports only the adapters of the
services it asks for (cold start). Each takes the function's settings, typed here by the few values the
builder reads: every function's own validated settings model has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

from billing_portal.shared.clock import Clock, utc_now
from billing_portal.shared.portal_url import portal_url

if TYPE_CHECKING:
    from pydantic import BaseModel

    from billing_portal.exports.service import ExportService
    from billing_portal.http.resolver import SessionRecords
    from billing_portal.invoices.service import InvoicePdfService
    from billing_portal.ledger.reading import AccountReader
    from billing_portal.notifications.notice_log import SuppressionList
    from billing_portal.notifications.notices import Change
    from billing_portal.notifications.service import NotificationService
    from billing_portal.payments.autopay import AutopayRun
    from billing_portal.payments.charging import Charging
    from billing_portal.payments.idempotency import IdempotentOperation
    from billing_portal.payments.methods import PaymentMethodService
    from billing_portal.payments.one_time import OneTimePayments
    from billing_portal.payments.ports import PaymentStore
    from billing_portal.payments.processor import CardProcessor
    from billing_portal.payments.settle import PaymentSettlement
    from billing_portal.users.reset import PasswordReset
    from billing_portal.users.service import UserService
    from billing_portal.users.sign_in import Identity


# -- what the builders read of a function's settings ---------------------------------------------------


class TableSettings(Protocol):
    @property
    def table_name(self) -> str: ...


class SignInSettings(Protocol):
    @property
    def user_pool_id(self) -> str: ...
    @property
    def user_pool_client_id(self) -> str: ...


class MailSettings(Protocol):
    @property
    def sender_email(self) -> str: ...
    @property
    def ses_configuration_set(self) -> str: ...
    @property
    def portal_url(self) -> str: ...
    @property
    def portal_url_parameter(self) -> str: ...


class UserSettings(TableSettings, MailSettings, Protocol):
    @property
    def user_pool_id(self) -> str: ...


class DocumentSettings(TableSettings, Protocol):
    @property
    def documents_bucket(self) -> str: ...


class ExportSettings(DocumentSettings, Protocol):
    @property
    def cdr_bucket(self) -> str: ...
    @property
    def export_retention_days(self) -> int: ...


class ExportQueueSettings(ExportSettings, Protocol):
    @property
    def export_queue_url(self) -> str: ...


class IngestSettings(UserSettings, Protocol):
    @property
    def cdr_bucket(self) -> str: ...


class PaymentSettings(TableSettings, Protocol):
    @property
    def card_processor(self) -> Literal["sandbox"]: ...


class IdempotencySettings(Protocol):
    @property
    def idempotency_table_name(self) -> str: ...


class NotifierSettings(TableSettings, MailSettings, Protocol):
    @property
    def notifications_table_name(self) -> str: ...


class SuppressionSettings(Protocol):
    @property
    def notifications_table_name(self) -> str: ...


# -- the account ledger -----------------------------------------------------------------------------------


def build_account_reader(settings: TableSettings) -> AccountReader:
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.ledger.reading import AccountReader
    from billing_portal.users.dynamo import DynamoUserRecords

    return AccountReader(DynamoLedgerStore(settings.table_name), users=DynamoUserRecords(settings.table_name))


def build_ingest(settings: IngestSettings) -> Callable[[BaseModel], dict[str, Any]]:
    """What the billing engine's documents go through; only a `portal_user` document builds the Manage
    Users service (Cognito and SES)."""
    from billing_portal.exports.cdr_store import S3CdrFiles
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.ledger.ingest import ingest

    store, cdr_files = DynamoLedgerStore(settings.table_name), S3CdrFiles(settings.cdr_bucket)

    def run(request: BaseModel) -> dict[str, Any]:
        return ingest(store, cdr_files, request, users=lambda: build_user_service(settings))

    return run


# -- sign-in and Manage Users -----------------------------------------------------------------------------


def build_session_records(settings: TableSettings) -> SessionRecords:
    """The caller's user record, which the HTTP edge reads on every signed-in route."""
    from billing_portal.users.dynamo import DynamoUserRecords

    return DynamoUserRecords(settings.table_name)


def build_identity(settings: SignInSettings) -> Identity:
    from billing_portal.users.identity import CognitoIdentity

    return CognitoIdentity(settings.user_pool_id, settings.user_pool_client_id)


def build_user_service(settings: UserSettings) -> UserService:
    from billing_portal.notifications.ses import SesMailer
    from billing_portal.users.cognito import CognitoDirectory
    from billing_portal.users.dynamo import DynamoUserRecords
    from billing_portal.users.service import UserService

    return UserService(
        records=DynamoUserRecords(settings.table_name),
        directory=CognitoDirectory(settings.user_pool_id),
        mailer=SesMailer(settings.sender_email, settings.ses_configuration_set),
        portal_url=portal_url(settings.portal_url, settings.portal_url_parameter),
    )


def build_password_reset(settings: UserSettings) -> PasswordReset:
    from billing_portal.notifications.ses import SesMailer
    from billing_portal.users.cognito import CognitoDirectory
    from billing_portal.users.dynamo import DynamoResetCodes, DynamoUserRecords
    from billing_portal.users.reset import PasswordReset

    return PasswordReset(
        records=DynamoUserRecords(settings.table_name),
        directory=CognitoDirectory(settings.user_pool_id),
        codes=DynamoResetCodes(settings.table_name),
        mailer=SesMailer(settings.sender_email, settings.ses_configuration_set),
        portal_url=portal_url(settings.portal_url, settings.portal_url_parameter),
    )


# -- invoice PDFs and CDR exports -------------------------------------------------------------------------


def build_invoice_pdf_service(settings: DocumentSettings) -> InvoicePdfService:
    from billing_portal.invoices.s3 import S3Documents
    from billing_portal.invoices.service import InvoicePdfService
    from billing_portal.ledger.dynamo import DynamoLedgerStore

    return InvoicePdfService(DynamoLedgerStore(settings.table_name), S3Documents(settings.documents_bucket))


def build_export_service(settings: ExportSettings) -> ExportService:
    """The export worker's service: it makes the exports the queue hands it."""
    return _export_service(settings, queue_url=None)


def build_export_request_service(settings: ExportQueueSettings) -> ExportService:
    """The API's service: a small export is made in the request, a large one queued for the worker."""
    return _export_service(settings, queue_url=settings.export_queue_url)


def _export_service(settings: ExportSettings, queue_url: str | None) -> ExportService:
    from billing_portal.exports.dynamo import DynamoExports
    from billing_portal.exports.s3 import s3_export_writer
    from billing_portal.exports.service import ExportService
    from billing_portal.exports.sqs import SqsExportQueue
    from billing_portal.invoices.s3 import S3Documents
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.users.dynamo import DynamoUserRecords

    return ExportService(
        ledger=DynamoLedgerStore(settings.table_name),
        records=DynamoExports(settings.table_name),
        users=DynamoUserRecords(settings.table_name),
        files=S3Documents(settings.documents_bucket),
        write=s3_export_writer(cdr_bucket=settings.cdr_bucket, documents_bucket=settings.documents_bucket),
        retention_days=settings.export_retention_days,
        queue=SqsExportQueue(queue_url) if queue_url else None,
    )


# -- payments ---------------------------------------------------------------------------------------------


def build_card_processor(settings: PaymentSettings) -> CardProcessor:
    from billing_portal.payments.sandbox import SandboxProcessor

    return SandboxProcessor(settings.table_name)


def build_payment_store(settings: TableSettings) -> PaymentStore:
    from billing_portal.payments.dynamo import DynamoPayments

    return DynamoPayments(settings.table_name)


def build_charging(settings: PaymentSettings, clock: Clock = utc_now) -> Charging:
    """The one-payment-in-flight charge all payment services go through. `clock`: the time it acts at
    (a scheduled run's time); now by default."""
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.payments.charging import Charging

    return Charging(
        ledger_store=DynamoLedgerStore(settings.table_name),
        store=build_payment_store(settings),
        processor=build_card_processor(settings),
        clock=clock,
    )


def build_one_time_payments(settings: PaymentSettings) -> OneTimePayments:
    from billing_portal.payments.one_time import OneTimePayments
    from billing_portal.users.dynamo import DynamoUserRecords

    return OneTimePayments(charging=build_charging(settings), users=DynamoUserRecords(settings.table_name))


def build_payment_settlement(settings: PaymentSettings) -> PaymentSettlement:
    from billing_portal.payments.settle import PaymentSettlement

    return PaymentSettlement(charging=build_charging(settings))


def build_autopay_run(settings: PaymentSettings, clock: Clock = utc_now) -> AutopayRun:
    """`clock`: the time the run acts at (the scheduled event's time); now by default."""
    from billing_portal.payments.autopay import AutopayRun

    return AutopayRun(charging=build_charging(settings, clock))


def build_idempotent_operation(
    settings: IdempotencySettings, name: str, operation: Callable[[str, str, dict[str, Any]], Any]
) -> IdempotentOperation:
    """`operation` run at most once per account and Idempotency-Key, its answers kept in the idempotency
    table (Powertools' DynamoDB persistence, which imports boto3: built here, at first use)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from billing_portal.payments.idempotency import IdempotentOperation
    from billing_portal.shared import aws

    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name, boto3_client=aws.client("dynamodb")
    )
    return IdempotentOperation(persistence=persistence, name=name, operation=operation)


def build_payment_method_service(settings: PaymentSettings) -> PaymentMethodService:
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.payments.methods import PaymentMethodService
    from billing_portal.users.dynamo import DynamoUserRecords

    return PaymentMethodService(
        ledger_store=DynamoLedgerStore(settings.table_name),
        store=build_payment_store(settings),
        users=DynamoUserRecords(settings.table_name),
        processor=build_card_processor(settings),
    )


def build_secret_reader() -> Callable[[str, int], str]:
    """Reads a Secrets Manager secret by ARN, cached for the seconds given (Powertools' provider)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from billing_portal.shared import aws

    provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))

    def read(arn: str, max_age: int) -> str:
        return str(provider.get(arn, max_age=max_age))

    return read


# -- billing notifications --------------------------------------------------------------------------------


def build_notification_service(settings: NotifierSettings) -> NotificationService:
    from billing_portal.ledger.dynamo import DynamoLedgerStore
    from billing_portal.notifications.dynamo import DynamoSentLog, DynamoSuppressionList
    from billing_portal.notifications.service import NotificationService
    from billing_portal.notifications.ses import SesMailer
    from billing_portal.users.dynamo import DynamoUserRecords

    return NotificationService(
        ledger=DynamoLedgerStore(settings.table_name),
        users=DynamoUserRecords(settings.table_name),
        payments=build_payment_store(settings),
        sent_log=DynamoSentLog(settings.notifications_table_name),
        suppressions=DynamoSuppressionList(settings.notifications_table_name),
        mailer=SesMailer(settings.sender_email, settings.ses_configuration_set),
        portal_url=portal_url(settings.portal_url, settings.portal_url_parameter),
    )


def read_table_change(record: dict[str, Any]) -> Change | None:
    """What a change of the portal table, as its stream reports it, tells the notifier (None: nothing)."""
    from billing_portal.notifications.dynamo import change_of

    return change_of(record)


def build_suppression_list(settings: SuppressionSettings) -> SuppressionList:
    from billing_portal.notifications.dynamo import DynamoSuppressionList

    return DynamoSuppressionList(settings.notifications_table_name)
