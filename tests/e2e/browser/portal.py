"""What the browser tests do on the portal's pages: sign in as a person would, check a screen with axe-core,
and keep a screenshot of it for reviewers."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots" / "portal"
DEMO_PASSWORD = "Portal-Demo-2026-Pass"  # the documented demo sign-in  # nosec B105
DASHBOARD_HEADING = re.compile("^(Account Dashboard|Tableau de bord du compte)$")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Through the sign-in page, then wait for the Account Dashboard."""
    page.goto("/sign-in")
    page.get_by_label(re.compile("^(Username|Nom d'utilisateur)$")).fill(username)
    page.get_by_label(re.compile("^(Password|Mot de passe)$")).fill(password)
    page.get_by_role("button", name=re.compile("^(Sign in|Se connecter)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DASHBOARD_HEADING)


def assert_accessible(page: Page) -> None:
    """axe-core (bundled with axe-playwright-python: nothing is fetched) finds no WCAG 2.1 A or AA
    violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert not results.response["violations"], results.generate_report()


def screenshot(page: Page, name: str) -> Path:
    """The whole page, in build/screenshots/portal/<name>.png (ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
