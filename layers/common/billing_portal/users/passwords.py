"""The portal's password rules (help centre: "Your First Billing Portal Login"). Cognito's own policy
cannot say "two digits" nor "not your username", so every new or reset password passes through here."""

from __future__ import annotations

import secrets
import string

from billing_portal.shared.errors import FieldProblem, ValidationFailed

MIN_LENGTH = 15
MIN_DIGITS = 2


def problems(password: str, username: str) -> list[str]:
    """Each rule the password breaks, as a sentence a person can act on."""
    broken = []
    if len(password) < MIN_LENGTH:
        broken.append(f"The password must contain at least {MIN_LENGTH} characters.")
    # The characters Cognito counts (0-9, A-Z, a-z): a password accepted here must never be refused by the
    # pool after the reset code was spent.
    if sum(c in string.digits for c in password) < MIN_DIGITS:
        broken.append(f"The password must contain at least {MIN_DIGITS} digits.")
    if not any(c in string.ascii_uppercase for c in password) or not any(
        c in string.ascii_lowercase for c in password
    ):
        broken.append("The password must include both uppercase and lowercase letters.")
    lowered = password.lower()
    name = username.lower()
    local_part = name.split("@", 1)[0]
    if name and (name in lowered or (len(local_part) >= 3 and local_part in lowered)):
        broken.append("The password must not contain your username.")
    if password != password.strip():
        broken.append("The password must not begin or end with a space.")
    return broken


def require_valid(password: str, username: str, field: str = "new_password") -> None:
    broken = problems(password, username)
    if broken:
        raise ValidationFailed(" ".join(broken), [FieldProblem(field, message) for message in broken])


def temporary_password() -> str:
    """A temporary password that meets both the portal's rules and Cognito's policy."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(20))
        if not problems(candidate, ""):
            return candidate
