"""Where the portal is, for the links of emails. Deployed, the stack writes the address of its CloudFront
distribution to an SSM parameter: the functions cannot be given it directly, as the distribution routes to
the API, whose routes are the functions (a cycle). A `PortalUrl` given to the stack (a custom domain), and
the local stack's address, come in the function's settings instead."""

from __future__ import annotations

from functools import cache

from billing_portal.shared import aws


def portal_url(configured: str, parameter_name: str) -> str:
    """The configured address when there is one, else the stack's parameter, read once per container."""
    return (configured or _stored(parameter_name)).rstrip("/")


@cache
def _stored(parameter_name: str) -> str:
    return str(aws.client("ssm").get_parameter(Name=parameter_name)["Parameter"]["Value"])


# The portal's pages the emails link to (web/routes.json names them all; a test keeps these equal).
SIGN_IN = "/sign-in"
RESET_PASSWORD_PAGE = "/forgot-password/reset"  # noqa: S105 - a page's path, not a password  # nosec B105
TRANSACTION = "/activity"  # followed by /<transaction id>
MAKE_A_PAYMENT = "/pay"
MANAGE_USERS = "/manage-users"
