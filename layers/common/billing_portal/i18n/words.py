"""Messages put into words in one language: the catalogue's sentence, with its values written as that
language writes them and the provider's names filled in."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from pathlib import Path
from typing import Any

from billing_portal.i18n import formats
from billing_portal.i18n.brand import BrandSettings, brand_settings
from billing_portal.i18n.text import LANGUAGES, Amount, Continued, Language, Moment, Percent, Text, _

CATALOGUES = Path(__file__).parent / "locale"
DOMAIN = "portal"

# "the billing team at billing@… or 1-877-…", which messages name as `{billing_team}`.
BILLING_TEAM = _("the billing team at {billing_email} or {billing_phone}")


class CatalogueMissing(RuntimeError):
    """The compiled catalogue is not there: the build (`make catalogues`) makes it from the .po file."""


@functools.cache
def catalogue(language: Language) -> gettext.GNUTranslations:
    compiled = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    except FileNotFoundError:
        raise CatalogueMissing(f"{compiled} is missing: build it with `make catalogues`") from None


class Words:
    """What a reader of `language` reads: `words(text)`, and the values written on their own."""

    def __init__(self, language: Language, brand: BrandSettings | None = None) -> None:
        self.language = language
        self._brand = brand

    def __repr__(self) -> str:
        return f"Words({self.language!r})"

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        names = (self._brand or brand_settings()).names(self.language)
        names["billing_team"] = self._sentence(BILLING_TEAM, names)
        return names

    def __call__(self, text: Text) -> str:
        return self._sentence(text, self._names)

    def _sentence(self, text: Text, names: dict[str, str]) -> str:
        sentence = catalogue(self.language).gettext(text.msgid)
        if not text.params and "{" not in sentence:
            return sentence
        values = {**names, **{name: self.value(value) for name, value in text.params}}
        return sentence.format_map(values)

    def value(self, value: Any) -> str:
        """One value of a message, as this language writes it."""
        if isinstance(value, Text):
            return self(value)
        if isinstance(value, Continued):
            sentence = self(value.text).rstrip(".")
            lower = sentence[:1].isupper() and not sentence[1:2].isupper()
            return sentence[0].lower() + sentence[1:] if lower else sentence
        if isinstance(value, tuple | list):
            return "; ".join(self.value(item) for item in value)
        if isinstance(value, Amount):
            return self.money(value.cents)
        if isinstance(value, Percent):
            return formats.percent(value.rate, self.language)
        if isinstance(value, Moment):
            return self.moment(value.at, value.time_zone)
        if isinstance(value, dt.datetime):
            raise TypeError("an instant in a message needs its reader's time zone: use Moment")
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.number(value)
        return str(value)

    def money(self, cents: int) -> str:
        return formats.money(cents, self.language)

    def number(self, value: int) -> str:
        return formats.number(value, self.language)

    def date(self, day: dt.date) -> str:
        return formats.date(day, self.language)

    def month(self, day: dt.date) -> str:
        return formats.month(day, self.language)

    def moment(self, at: dt.datetime, time_zone: str) -> str:
        return formats.moment(at, time_zone, self.language)

    @property
    def brand(self) -> dict[str, str]:
        """The provider's names and the billing team's contacts, in this language."""
        return dict(self._names)


@functools.cache
def words_in(language: Language) -> Words:
    """The words of `language`, with the brand from the function's settings."""
    return Words(language)


def preferred_language(accept_language: str | None) -> Language:
    """The language an `Accept-Language` header prefers among ours: French when French is preferred to
    English, English otherwise (and when it names neither)."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _separator, parameters = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _equals, number = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if not 0 < quality <= 1:  # q=0 refuses a language; anything outside 0..1 (or NaN) is no preference
            continue
        if best is None or (quality, -position) > best[:2]:
            best = (quality, -position, "fr" if primary == "fr" else "en")
    return best[2] if best else "en"
