"""Each kind of email in each language, as Chromium shows it at a desktop width and at a phone's: written to
build/screenshots/emails/<kind>-<language>-<width>.png to be looked at, and checked for what a reader would
notice (the words shown, nothing wider than the phone, nothing fetched from the network)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from billing_portal.i18n import Language

from .email_samples import KINDS, sample

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots" / "emails"
CHROMIUM = Path("/usr/bin/chromium")
DESKTOP, PHONE = 800, 375
# Key words of each kind's French subject, which the French email shows too.
FRENCH_WORDS = {
    "welcome": ("invitation",),
    "reset-code": ("réinitialisation", "mot de passe"),
    "invoice-posted": ("facture", "1 234,56 $"),
    "payment-posted": ("paiement", "500,00 $", "enregistré"),
    "credit-posted": ("crédit", "500,00 $", "enregistré"),
    "refund-posted": ("remboursement", "500,00 $", "enregistré"),
    "payment-confirmation": ("paiement", "1 234,56 $", "reçu"),
    "autopay-not-charged": ("paiement automatique", "facture"),
    "user-added": ("accès", "ajouté"),
    "user-deleted": ("accès", "supprimé"),
}
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded one); missing, the test is skipped, except in CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_email_reads_well_on_a_desktop_and_on_a_phone(
    browser: Any, kind: str, language: Language
) -> None:
    email = sample(kind, language)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (DESKTOP, PHONE):
        page = browser.new_page(viewport={"width": width, "height": 800})
        requested: list[str] = []

        def refuse(route: Any, requested: list[str] = requested) -> None:
            requested.append(route.request.url)
            route.abort()

        # An email shows as sent: nothing loads from anywhere (no image, font or tracker to fetch).
        page.route("**/*", refuse)
        try:
            page.set_content(email.html, wait_until="load")
            page.screenshot(path=str(SHOTS / f"{kind}-{language}-{width}.png"), full_page=True)
            shown = page.inner_text("body")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (kind, language, width)
            assert page.evaluate("document.documentElement.lang") == language
            button = page.locator("a[target=_blank]")
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            assert button.get_attribute("href", timeout=1000) in email.text
        finally:
            page.close()
        assert requested == []
        assert "net2phone Canada" in shown
        if language == "fr":
            for word in FRENCH_WORDS[kind]:
                assert word in email.subject.replace(NBSP, " ").lower()
                assert word in shown.replace(NBSP, " ").lower(), (kind, shown)
