"""English and French: the catalogues hold every message of the code in both languages, and numbers,
amounts, dates and times read as each language writes them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from billing_portal.i18n import Amount, Moment, Percent, Text, _
from billing_portal.i18n.brand import BrandSettings
from billing_portal.i18n.words import Words, preferred_language
from localrun import catalogues

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"
BRAND = BrandSettings(
    provider_name_en="Maple Telecom",
    provider_name_fr="Télécom Érable",
    portal_name_en="Customer Portal",
    portal_name_fr="Portail client",
    billing_email="billing@maple.example",
    billing_phone_en="1-800-555-0100",
    billing_phone_fr="1-800-555-0101",
)


def spaced(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, str]]:
    return {
        language: {m.id: m.string for m in catalogues.read(language) if m.id and isinstance(m.id, str)}
        for language in catalogues.LANGUAGES
    }


def test_each_language_has_every_message_of_the_code_and_nothing_else(
    catalogue: dict[str, dict[str, str]],
) -> None:
    in_code = set(catalogues.code_messages())
    assert len(in_code) > 100
    for language, messages in catalogue.items():
        assert set(messages) == in_code, (
            f"{language}: run `python -m localrun.catalogues --update` and translate; "
            f"missing {sorted(in_code - set(messages))[:5]}, unused {sorted(set(messages) - in_code)[:5]}"
        )
        untranslated = sorted(msgid for msgid, sentence in messages.items() if not sentence.strip())
        assert not untranslated, f"{language}: not translated: {untranslated[:5]}"


def test_each_translation_keeps_the_placeholders_of_its_message(catalogue: dict[str, dict[str, str]]) -> None:
    for language, messages in catalogue.items():
        for msgid, sentence in messages.items():
            assert catalogues.placeholders(sentence) == catalogues.placeholders(msgid), (
                language,
                msgid,
                sentence,
            )


def test_no_translation_is_left_fuzzy() -> None:
    for language in catalogues.LANGUAGES:
        fuzzy = [m.id for m in catalogues.read(language) if m.id and m.fuzzy]
        assert not fuzzy, (language, fuzzy)


@pytest.mark.parametrize(
    ("english", "french"),
    [
        (
            "The username already exists. Please use a different username.",
            "Ce nom d'utilisateur existe déjà. Veuillez utiliser un autre nom d'utilisateur.",
        ),
        (
            "You cannot delete your own Billing Portal user account.",
            "Vous ne pouvez pas supprimer votre propre compte d'utilisateur du portail de facturation.",
        ),
        ("The card has been declined.", "La carte a été refusée."),
        ("Payments cannot be zero dollars.", "Les paiements ne peuvent pas être de zéro dollar."),
    ],
)
def test_the_articles_sentences_in_both_languages(english: str, french: str) -> None:
    assert Words("en", BRAND)(_(english)) == english
    assert Words("fr", BRAND)(_(english)) == french


def test_the_code_names_the_provider_only_through_the_settings() -> None:
    """A provider adopting the portal renames it with the template's parameters, never in code."""
    named = re.compile(r"(?i:net2phone|billing@|1-877-498)|Billing Portal(?! user account)")
    found = []
    for folder in ("layers/common/billing_portal", "functions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if named.search(line) and not line.lstrip().startswith("#") and "help centre" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_brand_fills_any_message_in_the_readers_language() -> None:
    contact = _("For older transactions, contact {billing_team}.")
    english = Words("en", BRAND)(Text(contact.msgid))
    assert "billing@maple.example" in english and "1-800-555-0100" in english
    assert Words("fr", BRAND).brand["provider"] == "Télécom Érable"
    assert Words("fr", BRAND).brand["billing_phone"] == "1-800-555-0101"


@pytest.mark.parametrize(
    ("cents", "english", "french"),
    [
        (123456, "$1,234.56", "1 234,56 $"),
        (-2000, "-$20.00", "-20,00 $"),
        (5, "$0.05", "0,05 $"),
        (123456789, "$1,234,567.89", "1 234 567,89 $"),
    ],
)
def test_amounts(cents: int, english: str, french: str) -> None:
    assert Words("en", BRAND).money(cents) == english
    assert spaced(Words("fr", BRAND).money(cents)) == french
    # A French amount never breaks across lines: its spaces are no-break spaces.
    assert " " not in Words("fr", BRAND).money(cents)


def test_dates_are_written_out() -> None:
    assert Words("en", BRAND).date(dt.date(2026, 12, 5)) == "December 5, 2026"
    assert Words("fr", BRAND).date(dt.date(2026, 12, 5)) == "5 décembre 2026"
    assert Words("fr", BRAND).date(dt.date(2026, 8, 1)) == "1er août 2026"


@pytest.mark.parametrize(
    ("at", "english", "french"),
    [
        (
            dt.datetime(2026, 12, 5, 8, 16, tzinfo=dt.UTC),
            "December 5, 2026 at 3:16 a.m. EST",
            "5 décembre 2026 à 3 h 16 HNE",
        ),
        (
            dt.datetime(2026, 7, 1, 19, 5, tzinfo=dt.UTC),
            "July 1, 2026 at 3:05 p.m. EDT",
            "1er juillet 2026 à 15 h 05 HAE",
        ),
        (
            dt.datetime(2026, 12, 5, 17, 0, tzinfo=dt.UTC),
            "December 5, 2026 at 12:00 p.m. EST",
            "5 décembre 2026 à 12 h 00 HNE",
        ),
        (
            dt.datetime(2026, 12, 5, 5, 30, tzinfo=dt.UTC),
            "December 5, 2026 at 12:30 a.m. EST",
            "5 décembre 2026 à 0 h 30 HNE",
        ),
    ],
)
def test_times_in_the_readers_time_zone(at: dt.datetime, english: str, french: str) -> None:
    assert Words("en", BRAND).moment(at, "America/Toronto") == english
    assert Words("fr", BRAND).moment(at, "America/Toronto") == french


def test_values_in_a_message_are_written_in_its_language() -> None:
    message = Text(
        "{amount} {rate} {count} {when}",
        (
            ("amount", Amount(123456)),
            ("rate", Percent("0.09975")),
            ("count", 5000),
            ("when", Moment(dt.datetime(2026, 12, 5, 8, 16, tzinfo=dt.UTC), "America/Vancouver")),
        ),
    )
    assert Words("en", BRAND)(message) == "$1,234.56 9.975% 5,000 December 5, 2026 at 12:16 a.m. PST"
    assert spaced(Words("fr", BRAND)(message)) == "1 234,56 $ 9,975 % 5 000 5 décembre 2026 à 0 h 16 HNP"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("fr-CA", "fr"),
        ("fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("en-CA,en;q=0.9,fr-CA;q=0.8", "en"),
        ("en;q=0.4, fr;q=0.6", "fr"),
        ("de-DE, fr;q=0.5", "fr"),
        ("de-DE, es", "en"),
        ("fr;q=0, en;q=0.1", "en"),
        ("fr;q=abc", "en"),
        ("FR-ca", "fr"),
        ("*", "en"),
    ],
)
def test_before_sign_in_accept_language_decides(header: str | None, language: str) -> None:
    assert preferred_language(header) == language
