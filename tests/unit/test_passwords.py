"""The portal's password rules (help centre, "Your First Billing Portal Login"): at least 15 characters, more
than one digit, uppercase and lowercase letters; and, the portal's own addition, never the username. Each
broken rule is named by its own sentence, so the person choosing the password knows what to change."""

from __future__ import annotations

import string

import pytest

from billing_portal.shared.errors import ValidationFailed
from billing_portal.users import passwords

USERNAME = "pat.lee@erable.example"
GOOD = "Maple-Leaf-2026-Snow"

TOO_SHORT = "The password must contain at least 15 characters."
TOO_FEW_DIGITS = "The password must contain at least 2 digits."
ONE_CASE = "The password must include both uppercase and lowercase letters."
HAS_USERNAME = "The password must not contain your username."
SPACE_AT_AN_END = "The password must not begin or end with a space."


def broken(password: str, username: str) -> list[str]:
    """The rules the password breaks, as an English reader reads them."""
    return [str(rule) for rule in passwords.problems(password, username)]


@pytest.mark.parametrize(
    ("password", "sentence"),
    [
        ("Maple-Leaf-26a", TOO_SHORT),  # 14 characters
        ("Maple-Leaf-Snow-2", TOO_FEW_DIGITS),
        ("Maple-Leaf-Snow-x", TOO_FEW_DIGITS),
        ("maple-leaf-2026-snow", ONE_CASE),
        ("MAPLE-LEAF-2026-SNOW", ONE_CASE),
        ("Ma-2026-" + "pat.lee@erable.example", HAS_USERNAME),
        ("Maple-PAT.LEE-2026-Snow", HAS_USERNAME),  # the part before the @, in any case
        (" Maple-Leaf-2026-Snow", SPACE_AT_AN_END),
        ("Maple-Leaf-2026-Snow ", SPACE_AT_AN_END),
    ],
    ids=[
        "14-characters",
        "one-digit",
        "no-digit",
        "no-uppercase",
        "no-lowercase",
        "whole-username",
        "username-before-the-at",
        "leading-space",
        "trailing-space",
    ],
)
def test_each_broken_rule_is_named_by_its_own_sentence(password: str, sentence: str) -> None:
    assert broken(password, USERNAME) == [sentence]


def test_every_broken_rule_is_named_at_once() -> None:
    assert broken("pat.lee", USERNAME) == [TOO_SHORT, TOO_FEW_DIGITS, ONE_CASE, HAS_USERNAME]


@pytest.mark.parametrize(
    "password",
    [
        GOOD,
        "Abcdefghijklm12",  # exactly 15 characters and exactly two digits
        "Pat-Leaf-2026-Snow",  # "pat" alone is not the username
        "Le mot de passe 2026 de Zoé",  # spaces inside and accents are fine
        "x" * 200 + "Ab12",
    ],
)
def test_a_password_that_keeps_every_rule_is_accepted(password: str) -> None:
    assert broken(password, USERNAME) == []
    passwords.require_valid(password, USERNAME)


def test_a_short_local_part_does_not_forbid_every_password_that_contains_it() -> None:
    # "al" would rule out half the dictionary; the whole username still may not appear.
    assert broken("Totally-Valid-2026", "al@erable.example") == []
    assert broken("X1y2-al@erable.example", "al@erable.example") == [HAS_USERNAME]


@pytest.mark.parametrize(
    ("password", "sentence"),
    [
        ("Émile-Ève-Éric-2026", ONE_CASE),  # no uppercase letter from A to Z
        ("Maple-Leaf-Snow-²³", TOO_FEW_DIGITS),  # superscripts are not digits a keyboard types
        ("Maple-Leaf-Snow-٢٣", TOO_FEW_DIGITS),
    ],
    ids=["accented-capitals-only", "superscript-digits", "arabic-indic-digits"],
)
def test_letters_and_digits_are_the_ones_the_user_pool_counts(password: str, sentence: str) -> None:
    """Cognito counts A-Z, a-z and 0-9. A password the portal accepted and the pool then refused would fail
    after the reset code was spent, so the portal counts the same characters."""
    assert broken(password, USERNAME) == [sentence]


def test_require_valid_answers_422_with_one_detail_per_rule() -> None:
    with pytest.raises(ValidationFailed) as refused:
        passwords.require_valid("short1", USERNAME, field="new_password")
    error = refused.value
    assert error.status == 422
    assert [(d.field, str(d.message)) for d in error.details] == [
        ("new_password", TOO_SHORT),
        ("new_password", TOO_FEW_DIGITS),
        ("new_password", ONE_CASE),
    ]
    assert str(error.message) == f"{TOO_SHORT} {TOO_FEW_DIGITS} {ONE_CASE}"


def test_temporary_passwords_keep_the_rules_and_are_not_repeated() -> None:
    made = [passwords.temporary_password() for _ in range(200)]
    assert len(set(made)) == len(made)
    for password in made:
        assert broken(password, USERNAME) == []
        assert len(password) >= 15
        assert set(password) <= set(string.ascii_letters + string.digits)  # nothing to misread in an email
        assert sum(c in string.digits for c in password) >= 2
        assert any(c in string.ascii_uppercase for c in password)
        assert any(c in string.ascii_lowercase for c in password)
