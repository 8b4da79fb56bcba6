"""Internal: the billing engine posts accounts, their portal users, invoices (with their billed CDR file),
payments, credits, refunds and pending credits. Invoked directly with IAM (no API route), so no customer
token reaches it.

Answers `{"status": "created" | "already_exists" | "posted" | "already_posted", "id": ...}`, or for a
document it cannot post `{"status": "rejected", "error": {"message", "code", "details"}}`.
"""

from typing import Any

from aws_lambda_powertools import Logger
from pydantic import TypeAdapter, ValidationError

from billing_portal.exports.cdr_store import S3CdrFiles
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.ingest import IngestRequest, ingest
from billing_portal.shared.errors import FieldProblem, PortalError, ValidationFailed
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.users.service import UserService


class Settings(FunctionSettings):
    table_name: str
    cdr_bucket: str
    # A portal_user document creates the user as Manage Users does: Cognito, and the invitation by SES.
    user_pool_id: str
    sender_email: str
    portal_url: str
    ses_configuration_set: str


settings = settings_loader(Settings)
logger = Logger()
request_adapter: TypeAdapter[Any] = TypeAdapter(IngestRequest)


def user_service() -> UserService:
    # Imported here: only portal_user documents reach Cognito and SES.
    from billing_portal.notifications.ses import SesMailer
    from billing_portal.users.cognito import CognitoDirectory
    from billing_portal.users.dynamo import DynamoUserRecords

    config = settings()
    return UserService(
        DynamoUserRecords(config.table_name),
        CognitoDirectory(config.user_pool_id),
        SesMailer(config.sender_email, config.ses_configuration_set),
        config.portal_url,
    )


def _rejected(error: PortalError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details:
        body["details"] = [{"field": d.field, "message": d.message} for d in error.details]
    return {"status": "rejected", "http_status": error.status, "error": body}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = request_adapter.validate_python(event)
        result = ingest(
            DynamoLedgerStore(settings().table_name),
            S3CdrFiles(settings().cdr_bucket),
            request,
            users=user_service,
        )
    except ValidationError as error:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"])
            for e in error.errors(include_url=False, include_input=False)
        ]
        return _rejected(ValidationFailed("The document is not valid.", problems))
    except PortalError as error:
        return _rejected(error)
    logger.info("ingested", extra=result)
    return result
