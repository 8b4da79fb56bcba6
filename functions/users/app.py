"""Manage Users: list, add, edit and delete the account's portal users."""

from typing import Any

from billing_portal.http.resolver import PortalResolver, Response, handle
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.users.service import NewUser, UserChanges, UserList, UserService, UserView
from billing_portal.wiring import build_user_service


class Settings(FunctionSettings):
    table_name: str
    user_pool_id: str
    sender_email: str
    portal_url: str  # empty deployed: then the stack's parameter, named here
    portal_url_parameter: str
    ses_configuration_set: str


settings = settings_loader(Settings)
app = PortalResolver()


def service() -> UserService:
    return build_user_service(settings())


@app.operation(
    "GET", "/users", summary="The account's portal users, oldest first", response=UserList, errors=(401,)
)
def list_users() -> UserList:
    return service().list(app.caller().account_id)


@app.operation(
    "POST",
    "/users",
    summary="Add a portal user and send the invitation",
    body=NewUser,
    response=UserView,
    status=201,
    errors=(400, 401, 409, 422, 503),
)
def create_user(body: NewUser) -> UserView:
    return service().create(app.caller().account_id, body)


@app.operation(
    "PATCH",
    "/users/<username>",
    summary="Edit a user's names, time zone, notifications, language",
    body=UserChanges,
    response=UserView,
    errors=(400, 401, 404, 422),
)
def update_user(username: str, body: UserChanges) -> UserView:
    return service().update(app.caller().account_id, username, body)


@app.operation(
    "DELETE",
    "/users/<username>",
    summary="Delete a portal user, permanently; their sessions end at once",
    status=204,
    errors=(401, 403, 404, 409),
)
def delete_user(username: str) -> Response:
    caller = app.caller()
    service().delete(caller.account_id, caller.username, username)
    return Response(status_code=204, body="")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(app, event, context)
