"""Internal, for the billing team: restore a deleted portal user. Invoked directly with IAM (no API route),
so no customer token reaches it. Event: `{"account_id": ..., "username": ...}`."""

from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from billing_portal.http.errors import rejected, validation_failed
from billing_portal.shared.errors import PortalError
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_user_service


class Settings(FunctionSettings):
    table_name: str
    user_pool_id: str
    sender_email: str
    portal_url: str  # empty deployed: then the stack's parameter, named here
    portal_url_parameter: str
    ses_configuration_set: str


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
    username: str = Field(min_length=3, max_length=254)


settings = settings_loader(Settings)
logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = settings()
    try:
        request = RestoreRequest.model_validate(event)
        service = build_user_service(config)
        restored = service.restore(request.account_id, request.username)
    except ValidationError as error:
        return rejected(validation_failed(error))
    except PortalError as error:
        return rejected(error)
    logger.info("restored user", extra={"account_id": request.account_id})
    return {"status": "restored", "user": restored.model_dump()}
