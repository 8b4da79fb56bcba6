"""Amounts, numbers, dates and times as English and French Canada write them: "$1,234.56" and "1 234,56 $",
"December 5, 2026" and "5 décembre 2026", "3:16 a.m. EST" and "3 h 16 HNE". Two languages only, written out
here rather than with Babel's CLDR data, whose import would add to every function's cold start.
French puts a no-break space (U+00A0) between digit groups and before "$" and "%", so that a line never
breaks inside an amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing_portal.i18n.text import Language

NBSP = "\u00a0"

_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip

# The abbreviations of Canada's time zones in French (Office québécois de la langue française): HNE is
# "heure normale de l'Est", HAE "heure avancée de l'Est".
_FRENCH_ZONE_NAMES = {
    "NST": "HNT", "NDT": "HAT",
    "AST": "HNA", "ADT": "HAA",
    "EST": "HNE", "EDT": "HAE",
    "CST": "HNC", "CDT": "HAC",
    "MST": "HNR", "MDT": "HAR",
    "PST": "HNP", "PDT": "HAP",
    "UTC": "UTC",
}  # fmt: skip


def _grouped(whole: int, language: Language) -> str:
    if language == "fr":
        return f"{whole:,}".replace(",", NBSP)
    return f"{whole:,}"


def money(cents: int, language: Language) -> str:
    """`123456` → "$1,234.56" or "1 234,56 $"; a credit keeps its minus sign: "-$20.00", "-20,00 $"."""
    whole, fraction = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    if language == "fr":
        return f"{sign}{_grouped(whole, language)},{fraction:02d}{NBSP}$"
    return f"{sign}${_grouped(whole, language)}.{fraction:02d}"


def number(value: int, language: Language) -> str:
    """`5000` → "5,000" or "5 000"."""
    return f"{'-' if value < 0 else ''}{_grouped(abs(value), language)}"


def decimal(value: Decimal | str, language: Language) -> str:
    """A decimal number as written ("9.975" or "9,975"), its digits kept as given."""
    text = format(Decimal(value), "f")
    return text.replace(".", ",") if language == "fr" else text


def percent(rate: Decimal | str, language: Language) -> str:
    """A rate as a percentage: "0.09975" → "9.975%" or "9,975 %"."""
    scaled = (Decimal(rate) * 100).normalize()
    written = decimal(format(scaled, "f"), language)
    return f"{written}{NBSP}%" if language == "fr" else f"{written}%"


def date(day: dt.date, language: Language) -> str:
    """ "December 5, 2026" or "5 décembre 2026" ("1er décembre 2026" on the first of a month)."""
    month = _MONTHS[language][day.month - 1]
    if language == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


def month(day: dt.date, language: Language) -> str:
    """The month of `day` and its year: "November 2026" or "novembre 2026"."""
    return f"{_MONTHS[language][day.month - 1]} {day.year}"


def clock_time(local: dt.datetime, language: Language) -> str:
    """ "3:16 a.m." or "3 h 16" (French counts 24 hours: "15 h 05")."""
    if language == "fr":
        return f"{local.hour} h {local.minute:02d}"
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'a.m.' if local.hour < 12 else 'p.m.'}"


def zone_name(local: dt.datetime, language: Language) -> str:
    """The time zone's abbreviation at that instant ("EST", "HNE"); its UTC offset when it has none."""
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        offset = local.strftime("%z")
        name = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return _FRENCH_ZONE_NAMES.get(name, name) if language == "fr" else name


def moment(at: dt.datetime, time_zone: str, language: Language) -> str:
    """An instant in a time zone: "December 5, 2026 at 3:16 a.m. EST", "5 décembre 2026 à 3 h 16 HNE"."""
    local = at.astimezone(ZoneInfo(time_zone))
    joined = "à" if language == "fr" else "at"
    return (
        f"{date(local.date(), language)} {joined} {clock_time(local, language)} {zone_name(local, language)}"
    )
