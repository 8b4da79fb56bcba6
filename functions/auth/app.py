"""POST /auth/login, /auth/new-password, /auth/refresh and /auth/logout: signing in and out through
Cognito, behind the portal's own API."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billing_portal.http.resolver import PortalResolver, Response, handle
from billing_portal.i18n import N_
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.users import passwords
from billing_portal.users.model import normalize_username
from billing_portal.users.sign_in import Identity, NewPasswordChallenge, Tokens
from billing_portal.wiring import build_identity


class Settings(FunctionSettings):
    user_pool_id: str
    user_pool_client_id: str


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class NewPasswordRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=254)
    # Cognito's own bounds on a challenge session: anything else cannot be one.
    session: str = Field(min_length=20, max_length=4096)
    new_password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=8192)


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The characters Cognito's refresh tokens are made of: anything else cannot be one.
    refresh_token: str = Field(
        min_length=1,
        max_length=8192,
        pattern=r"^[A-Za-z0-9_=.-]+$",
        description=N_("The refresh token given at sign-in"),
    )


class LoginResponse(BaseModel):
    """Tokens, or on the first sign-in the challenge to choose a new password."""

    id_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    challenge: str | None = None
    session: str | None = None


settings = settings_loader(Settings)
app = PortalResolver()


def identity() -> Identity:
    return build_identity(settings())


@app.operation(
    "POST",
    "/auth/login",
    summary="Sign in",
    body=LoginRequest,
    response=LoginResponse,
    errors=(400, 401, 422, 429),
    public=True,
)
def login(body: LoginRequest) -> Tokens | NewPasswordChallenge:
    return identity().login(normalize_username(body.username), body.password)


@app.operation(
    "POST",
    "/auth/new-password",
    summary="Choose a new password at the first sign-in",
    body=NewPasswordRequest,
    response=Tokens,
    errors=(400, 401, 422, 429),
    public=True,
)
def new_password(body: NewPasswordRequest) -> Tokens:
    username = normalize_username(body.username)
    passwords.require_valid(body.new_password, username)
    return identity().new_password(username, body.session, body.new_password)


@app.operation(
    "POST",
    "/auth/refresh",
    summary="New tokens from a refresh token",
    body=RefreshRequest,
    response=Tokens,
    errors=(400, 401, 422, 429),
    public=True,
)
def refresh(body: RefreshRequest) -> Tokens:
    return identity().refresh(body.refresh_token)


@app.operation(
    "POST",
    "/auth/logout",
    summary="Sign out: the refresh token is revoked",
    body=LogoutRequest,
    status=204,
    errors=(400, 422, 429),
    public=True,
)
def logout(body: LogoutRequest) -> Response:
    identity().sign_out(body.refresh_token)
    return Response(status_code=204, body="")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
