"""Validators of what people type that more than one capability accepts: an email address (a username, a
billing contact, a card's billing email), an IANA time zone, and the characters no name or address needs."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from billing_portal.i18n import _

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# Characters no name or address needs, refused in them: controls (C0, DEL, C1), line separators, the
# bidirectional embeddings, overrides, isolates and marks that make text display in another order than it is
# stored (a spoofing trick in emails), and invisible spaces that make a blank value look filled in. The
# zero-width (non-)joiners some scripts need stay allowed.
UNSEEN_CHARACTERS = (
    r"\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
)


def validate_time_zone(value: str) -> str:
    """An IANA zone name such as America/Toronto."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}", value):
        raise ValueError(_("must be an IANA time zone such as America/Toronto"))
    if value not in _iana_zones():
        raise ValueError(_("must be an IANA time zone such as America/Toronto"))
    return value


@cache
def _iana_zones() -> frozenset[str]:
    """The zones of the IANA database, without the files that are not zones (localtime, posixrules)."""
    return frozenset(available_timezones()) - {"localtime", "posixrules", "Factory"}


def validate_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError(_("{value} is not an email address", value=repr(value)))
    return value.lower()
