"""The customer portal in a real browser: Debian's Chromium, driven by Playwright through its executable path
(nothing downloads a browser), against the local stack the e2e session starts, which serves the built portal
(web/dist) on the API's origin. Every request to anywhere else is refused, so a page that reaches for a
third party fails its test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from .portal import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
LOCALES = {"en": "en-CA", "fr": "fr-CA"}
# As the machine's own browser checks run it: no sandbox (root in a container), and none of Chromium's
# background connections, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def portal(local_stack: str) -> str:
    """The portal's address: the local stack's, which serves web/dist (built by make run and make test)."""
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        pytest.fail("web/dist is missing: build the portal first (make web)")
    return local_stack


# For this package's tests only: Playwright's sync API runs an event loop while it is started, and another
# test that starts it (the emails' screenshots) must find it stopped.
@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: make test installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(chromium: Browser, portal: str) -> Iterator[Callable[..., Page]]:
    """`page_for(width="desktop" | "phone", language="en" | "fr")`: a page in a fresh browser context (no
    session), whose browser prefers that language, in Toronto's time zone, that may reach the portal only."""
    contexts = []
    origin = urlsplit(portal).netloc
    host = urlsplit(portal).hostname

    def only_the_portal(route: Route) -> None:
        # The portal's origin, and the local stack's stand-ins on this host (S3, where download links point).
        if urlsplit(route.request.url).netloc == origin or urlsplit(route.request.url).hostname == host:
            route.continue_()
        else:
            route.abort()

    def make(width: str = "desktop", language: str = "en") -> Page:
        context = chromium.new_context(
            viewport=WIDTHS[width],  # type: ignore[arg-type]
            locale=LOCALES[language],
            timezone_id="America/Toronto",
            base_url=portal,
        )
        context.route("**/*", only_the_portal)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
