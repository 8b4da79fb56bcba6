"""Internal: the billing engine posts accounts, their portal users, invoices (with their billed CDR file),
payments, credits, refunds and pending credits. Invoked directly with IAM (no API route), so no customer
token reaches it.

Answers `{"status": "created" | "already_exists" | "posted" | "already_posted", "id": ...}`, or for a
document it cannot post `{"status": "rejected", "error": {"message", "code", "details"}}`.
"""

from typing import Any

from aws_lambda_powertools import Logger
from pydantic import TypeAdapter, ValidationError

from billing_portal.http.errors import rejected, validation_failed
from billing_portal.ledger.ingest import IngestRequest
from billing_portal.shared.errors import PortalError
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_ingest


class Settings(FunctionSettings):
    table_name: str
    cdr_bucket: str
    # A portal_user document creates the user as Manage Users does: Cognito, and the invitation by SES.
    user_pool_id: str
    sender_email: str
    portal_url: str  # empty deployed: then the stack's parameter, named here
    portal_url_parameter: str
    ses_configuration_set: str


settings = settings_loader(Settings)
logger = Logger()
request_adapter: TypeAdapter[Any] = TypeAdapter(IngestRequest)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = request_adapter.validate_python(event)
        result = build_ingest(settings())(request)
    except ValidationError as error:
        return rejected(validation_failed(error, subject="document"))
    except PortalError as error:
        return rejected(error)
    logger.info("ingested", extra=result)
    return result
