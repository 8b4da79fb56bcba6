"""POST /auth/forgot-password and /auth/reset-password (public, throttled per route)."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from billing_portal.http.resolver import PortalResolver, handle
from billing_portal.i18n import N_, _
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.shared.validation import UNSEEN_CHARACTERS
from billing_portal.users.reset import PasswordReset
from billing_portal.wiring import build_password_reset


class Settings(FunctionSettings):
    table_name: str
    user_pool_id: str
    sender_email: str
    portal_url: str  # empty deployed: then the stack's parameter, named here
    portal_url_parameter: str
    ses_configuration_set: str


# No username has control or invisible characters: such a request is refused, not answered as if sent.
Username = Annotated[
    str,
    Field(
        min_length=1,
        max_length=254,
        pattern=rf"^[^{UNSEEN_CHARACTERS}]+$",
        description=N_("The username (an email address), with no control characters or invisible formatting"),
    ),
]


class ForgotPasswordRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username


class ResetPasswordRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    code: str = Field(min_length=1, max_length=16)
    new_password: str = Field(min_length=1, max_length=256)


class Accepted(BaseModel):
    message: str


FORGOT_ANSWER = _(
    "If that username has a {portal} account, an email is on its way: a verification code, or a new "
    "invitation if the first sign-in was never completed."
)
RESET_ANSWER = _("Your password has been reset. Sign in with your new password.")
settings = settings_loader(Settings)
app = PortalResolver()


def reset_service() -> PasswordReset:
    return build_password_reset(settings())


@app.operation(
    "POST",
    "/auth/forgot-password",
    summary="Email a reset code (or a new invitation)",
    body=ForgotPasswordRequest,
    response=Accepted,
    status=202,
    errors=(400, 422, 429),
    public=True,
)
def forgot_password(body: ForgotPasswordRequest) -> Accepted:
    reset_service().forgot(body.username)
    return Accepted(message=app.words(FORGOT_ANSWER))


@app.operation(
    "POST",
    "/auth/reset-password",
    summary="Choose a new password with the emailed code",
    body=ResetPasswordRequest,
    response=Accepted,
    errors=(400, 422, 429),
    public=True,
)
def reset_password(body: ResetPasswordRequest) -> Accepted:
    reset_service().reset(body.username, body.code, body.new_password)
    return Accepted(message=app.words(RESET_ANSWER))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
