"""The portal's password rules (help centre: "Your First Billing Portal Login"). Cognito's own policy
cannot say "two digits" nor "not your username", so every new or reset password passes through here."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence

from billing_portal.i18n import Text, _
from billing_portal.shared.errors import FieldProblem, ValidationFailed

MIN_LENGTH = 15
MIN_DIGITS = 2
# What the user pool says of a password the portal's rules accept and its policy does not (the two agree, so
# only a policy changed in the pool alone would say it).
POOL_REFUSED_PASSWORD = _("The password does not meet the password rules.")


def problems(password: str, username: str) -> list[Text]:
    """Each rule the password breaks, as a sentence a person can act on."""
    broken = []
    if len(password) < MIN_LENGTH:
        broken.append(_("The password must contain at least {count} characters.", count=MIN_LENGTH))
    # The characters Cognito counts (0-9, A-Z, a-z): a password accepted here must never be refused by the
    # pool after the reset code was spent.
    if sum(c in string.digits for c in password) < MIN_DIGITS:
        broken.append(_("The password must contain at least {count} digits.", count=MIN_DIGITS))
    if not any(c in string.ascii_uppercase for c in password) or not any(
        c in string.ascii_lowercase for c in password
    ):
        broken.append(_("The password must include both uppercase and lowercase letters."))
    lowered = password.lower()
    name = username.lower()
    local_part = name.split("@", 1)[0]
    if name and (name in lowered or (len(local_part) >= 3 and local_part in lowered)):
        broken.append(_("The password must not contain your username."))
    if password != password.strip():
        broken.append(_("The password must not begin or end with a space."))
    return broken


def one_after_another(sentences: Sequence[Text]) -> Text:
    """Sentences told one after the other, as one message."""
    first, *rest = sentences
    return _("{sentence} {following}", sentence=first, following=one_after_another(rest)) if rest else first


def require_valid(password: str, username: str, field: str = "new_password") -> None:
    broken = problems(password, username)
    if broken:
        raise ValidationFailed(one_after_another(broken), [FieldProblem(field, rule) for rule in broken])


def temporary_password() -> str:
    """A temporary password that meets both the portal's rules and Cognito's policy."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _letter in range(20))
        if not problems(candidate, ""):
            return candidate
