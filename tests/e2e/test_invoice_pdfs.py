"""Invoice PDFs over HTTP: a recent invoice downloads through its short-lived link as a real PDF, in the
signed-in user's language (the Québec account's invoice in French for Léa, in English for Sophie); one past
the 24-month window is gone, as the history's `invoice_pdf_available` says."""

from __future__ import annotations

import io
import re
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


def downloaded_text(api: Api, token: str, invoice_id: str) -> tuple[str, str]:
    """The invoice's PDF as the token's user downloads it: its file name and its text, runs of spaces
    as one."""
    answer = api.get(f"/invoices/{invoice_id}/pdf", token=token)
    assert answer.status == 200, answer.raw
    with urllib.request.urlopen(answer.body["url"], timeout=30) as download:  # noqa: S310 - the local S3
        pdf = pypdf.PdfReader(io.BytesIO(download.read()))
    text = " ".join(" ".join(page.extract_text(extraction_mode="layout").split()) for page in pdf.pages)
    return answer.body["filename"], text


_FRENCH_DATE = (
    r"(1er|[1-9]|[12][0-9]|3[01]) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre) 20[0-9]{2}"
)


def test_each_reader_gets_the_quebec_invoice_in_their_language(
    api: Api, french_token: str, other_token: str
) -> None:
    newest = invoices(api, french_token)[0]
    assert newest["invoice_pdf_available"]

    french_name, french = downloaded_text(api, french_token, newest["id"])
    english_name, english = downloaded_text(api, other_token, newest["id"])

    assert french_name == english_name.replace("Invoice-", "Facture-") != english_name
    # French labels, the Québec taxes' French names, French dates and amounts ("1 234,56 $").
    for expected in ("FACTURE", f"Numéro de facture {newest['id']}", "Sous-total", "Solde dû", "TPS 5 %"):
        assert expected in french, expected
    assert "TVQ 9,975 %" in french
    assert re.search(rf"Date d'échéance {_FRENCH_DATE}", french), french[:500]
    assert re.search(r"TVQ 9,975 % [0-9 ]+,[0-9]{2} \$", french), french
    assert re.search(r"Page ([0-9]+) de \1$", french) and "Page 1 de" in french
    assert "GST" not in french and "QST" not in french and "Balance due" not in french
    # The same invoice in English for Sophie, drawn and kept apart.
    assert "INVOICE" in english and "GST 5%" in english and "QST 9.975%" in english
    assert re.search(r"Page ([0-9]+) of \1$", english) and "Page 1 of" in english
    assert "TPS" not in english and "FACTURE" not in english


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
