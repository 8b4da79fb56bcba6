"""The portal's pages the emails link to are pages of the web client (web/routes.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from billing_portal.shared import portal_url as pages

ROUTES = json.loads((Path(__file__).resolve().parents[2] / "web" / "routes.json").read_text())["routes"]


def test_every_page_an_email_links_to_is_a_page_of_the_portal() -> None:
    patterns = [re.compile("^" + re.sub(r":\w+", "[^/]+", route) + "$") for route in ROUTES.values()]
    linked = [
        pages.SIGN_IN,
        pages.RESET_PASSWORD_PAGE,
        f"{pages.TRANSACTION}/INV-1",
        pages.MAKE_A_PAYMENT,
        pages.MANAGE_USERS,
    ]
    for path in linked:
        assert any(pattern.match(path) for pattern in patterns), path


def test_the_configured_address_wins_and_loses_its_trailing_slash() -> None:
    assert pages.portal_url("https://portal.example.ca/", "/stack/portal-url") == "https://portal.example.ca"
