"""The rules of the portal's users that need no request model, for every capability that meets users: the
top user, the username's one spelling, when sessions end, and the errors of Manage Users. (Payments and the
notifier import this module, not `service`, whose pydantic request models would cost them cold-start time.)"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing_portal.i18n import _
from billing_portal.ledger.ports import PortalUser
from billing_portal.shared.clock import Clock
from billing_portal.shared.errors import Conflict, PortalError

USERNAME_TAKEN = _("The username already exists. Please use a different username.")
USER_NOT_FOUND = _("That user was not found.")
# The help centre's sentence, word for word (so it names the portal as the article does).
CANNOT_DELETE_SELF = _("You cannot delete your own Billing Portal user account.")
DELETED_MEANWHILE = _(
    "The user was not deleted: your own user was deleted at the same moment, and an account always keeps "
    "at least one user."
)
TRIED_TOGETHER = _("The account's users were being changed at the same moment. Try again.")
INVITATION_NOT_SENT = _("The invitation email could not be sent. Try again in a few minutes.")
INVITATION_REFUSED = _(
    "The invitation email could not be sent to this address, so the user was not added: the portal cannot "
    "send email to it yet. Contact {billing_team}."
)
NO_DELETED_USER = _("No deleted user by that name on this account.")
TEMPORARY_PASSWORD_DAYS = 7
MAX_USERNAME = 128  # the longest username Cognito accepts


class UsernameTaken(Conflict):
    code = "username_taken"


class EmailNotSent(PortalError):
    status, code = 503, "email_unavailable"


class EmailRefused(EmailNotSent):
    """The email service refused the invitation for good (an address it will not write to, as SES does for
    any unverified address while the account is in its sandbox): trying again later would not help."""

    code = "email_refused"


class DeletedMeanwhile(Conflict):
    """The deleting user stopped being one of the account's users before the delete could be written."""

    code = "deleted_meanwhile"


class TriedTogether(Conflict):
    """Another change to the same users kept this one from being written; trying again can work."""


@dataclass(frozen=True)
class UsernameClaim:
    username: str
    account_id: str
    deleted: bool
    snapshot: dict[str, Any] | None = None


def oldest_first(users: Iterable[PortalUser]) -> list[PortalUser]:
    """The account's users in the order Manage Users lists them: the first is the top user, whose email is
    the default billing email. Two users made in the same millisecond go by username."""
    return sorted(users, key=lambda u: (u.created_at, u.username))


def top_user(users: Iterable[PortalUser]) -> PortalUser | None:
    ordered = oldest_first(users)
    return ordered[0] if ordered else None


def normalize_username(value: str) -> str:
    return value.strip().lower()


def sessions_valid_after(at: datetime) -> int:
    """Cognito stamps a sign-in (`auth_time`) in whole epoch seconds: sessions ended at `at` are those
    stamped before the next whole second, so that one of the very second of the change is over too."""
    return math.floor(at.timestamp()) + 1


def wait_until(moment: int, clock: Clock, sleep: Callable[[float], None]) -> None:
    """Return once the clock reads `moment` (epoch seconds): a sign-in from then on is stamped at or after
    it. (Ending sessions waits out the rest of the second before answering, so that the user's own next
    sign-in, after the answer, is never taken for one of before.)"""
    remaining = moment - clock().timestamp()
    if remaining > 0:
        sleep(remaining)  # at least that long
