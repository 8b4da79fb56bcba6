"""Invoice PDFs over HTTP: a recent invoice downloads through its short-lived link as a real PDF; one past
the 24-month window is gone, as the history's `invoice_pdf_available` says."""

from __future__ import annotations

import io
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest

from .conftest import Api

pytestmark = pytest.mark.e2e


def invoices(api: Api, token: str) -> list[dict[str, Any]]:
    answer = api.get("/transactions?type=invoice&page_size=100", token=token)
    assert answer.status == 200, answer.raw
    items: list[dict[str, Any]] = answer.body["items"]
    return items


def test_a_recent_invoice_downloads_as_its_pdf(api: Api, demo_token: str) -> None:
    newest = invoices(api, demo_token)[0]
    assert newest["invoice_pdf_available"]
    answer = api.get(f"/invoices/{newest['id']}/pdf", token=demo_token)
    assert answer.status == 200, answer.raw
    link = answer.body
    assert link["filename"].endswith(".pdf") and newest["id"] in link["filename"]
    # The invoice's month names the file once, though the billing engine's ids carry it already.
    month = newest["date"][:7].replace("-", "")
    assert link["filename"].count(month) == 1, link["filename"]
    seconds_left = (datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)).total_seconds()
    assert 0 < seconds_left <= 300
    # The link points at the local S3 (the stack's moto server), on the loopback address.
    with urllib.request.urlopen(link["url"], timeout=30) as download:  # noqa: S310 - the local stack's S3
        disposition = download.headers.get("Content-Disposition", "")
        pdf = pypdf.PdfReader(io.BytesIO(download.read()))
    assert "attachment" in disposition and link["filename"] in disposition
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert newest["id"] in text and "100482731" in text and "Page 1 of" in text


def test_an_invoice_past_24_months_is_gone(api: Api, demo_token: str) -> None:
    # The history shows 24 months; the demo has 30, so an older id is known from its shape.
    oldest_shown = invoices(api, demo_token)[-1]["id"]
    prefix, month = oldest_shown.rsplit("-", 1)
    year, number = divmod(int(month[:4]) * 12 + int(month[4:]) - 1 - 3, 12)
    older = f"{prefix}-{year}{number + 1:02d}"
    answer = api.get(f"/invoices/{older}/pdf", token=demo_token)
    assert answer.status == 410, answer.raw
    assert "billing@net2phone.ca" in answer.body["message"]


def test_another_accounts_invoice_pdf_is_not_found(api: Api, demo_token: str, other_token: str) -> None:
    theirs = invoices(api, other_token)[0]["id"]
    assert api.get(f"/invoices/{theirs}/pdf", token=demo_token).status == 404
