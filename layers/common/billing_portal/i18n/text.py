"""A message for a person, not yet in words: its catalogue id (the English sentence) and its values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, get_args

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


@dataclass(frozen=True)
class Amount:
    """A sum of money in a message, written as the reader's language writes dollars."""

    cents: int


@dataclass(frozen=True)
class Percent:
    """A rate in a message ("0.09975"), written as a percentage: "9.975%", "9,975 %"."""

    rate: str


@dataclass(frozen=True)
class Moment:
    """An instant in a message, written in the reader's language and `time_zone` (IANA)."""

    at: dt.datetime
    time_zone: str


@dataclass(frozen=True)
class Text:
    """`msgid` is the English sentence, with `{name}` placeholders for `params`. Besides its own values, any
    message may name the provider and its billing team: `{provider}`, `{portal}`, `{billing_email}`,
    `{billing_phone}` and `{billing_team}` (see `brand`)."""

    msgid: str
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        """In English: for logs and for tests. What a customer reads is put into words by `Words`."""
        from billing_portal.i18n.words import words_in

        return words_in("en")(self)

    def values(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class Continued:
    """A sentence of its own (a field's description, "Three capital letters..."), written on inside another:
    "must be three capital letters...". Its first letter is lowered unless it starts an initialism."""

    text: Text


def _(msgid: str, /, **params: Any) -> Text:
    """A message in the catalogues (the name gettext's extractors look for)."""
    return Text(msgid, tuple(params.items()))


def N_(msgid: str, /) -> str:  # gettext's name for it, which its extractors look for
    """A catalogue message where the code needs it as a plain string (a field's description, which the
    OpenAPI document shows in English): extracted with the others, put into words where a person reads it."""
    return msgid
