"""Transaction Details in a real browser, as the help centre describes it: opened from the Transaction ID of
the history, for every type (an invoice's lines, taxes and totals, period, due date, status, amount paid and
payments applied; a payment's method, status and the invoices it paid; a credit's or a refund's reason and
reference), in English and in French, on a desktop and on a phone. Its Export menu: a CSV that downloads at
once, the big demo invoice (5,000 calls and more) as an Excel file and as a PDF, which show their progress
then download, and the article's message for an invoice past 6 months. The expected figures come from the
API as the test runs; exports add records only, so the accounts are left as they were."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from ..conftest import DEMO_USER, FRENCH_USER, Api
from .portal import assert_accessible, screenshot, sign_in
from .test_dashboard import allow_documents, history_rows, long_date, money, ok, plain

pytestmark = pytest.mark.e2e

USERS = {"en": DEMO_USER, "fr": FRENCH_USER}
WAIT_FOR_WORKER_MS = 120_000  # the worker's export of the big invoice: generous, a slow machine is no failure
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Transaction Details",
        "charges": "Charges",
        "subtotal": "Subtotal",
        "total": "Total",
        "payments_applied": "Payments applied",
        "invoices_paid": "Invoices paid",
        "period": "{start} to {end}",
        "export": "Export",
        "csv": "CSV",
        "xlsx": "XLS (Excel)",
        "pdf": "PDF",
        "progress": "Export in progress",
        "working": "Preparing the {format} export",
        "ready": "Your export {filename} is ready ({count} calls) and is downloading.",
        "pdf_button": "Download the invoice PDF",
        "back": "Back to the Account Dashboard",
        "file": "CDR-{id}.{extension}",
    },
    "fr": {
        "title": "Détails de la transaction",
        "charges": "Frais",
        "subtotal": "Sous-total",
        "total": "Total",
        "payments_applied": "Paiements appliqués",
        "invoices_paid": "Factures payées",
        "period": "Du {start} au {end}",
        "export": "Exporter",
        "csv": "CSV",
        "xlsx": "XLS (Excel)",
        "pdf": "PDF",
        "progress": "Exportation en cours",
        "working": "Préparation de l'exportation {format}",
        "ready": "Votre exportation {filename} est prête ({count} appels) et se télécharge.",
        "pdf_button": "Télécharger la facture en PDF",
        "back": "Retour au tableau de bord du compte",
        "file": "Appels-{id}.{extension}",
    },
}


@pytest.fixture(scope="module")
def tokens(api: Api) -> dict[str, str]:
    return {language: api.login(username)["id_token"] for language, username in USERS.items()}


def first_of(api: Api, token: str, type_: str, index: int = 0) -> dict[str, Any]:
    items = ok(api.get(f"/transactions?type={type_}&page_size=100", token=token))["items"]
    details: dict[str, Any] = ok(api.get(f"/transactions/{items[index]['id']}", token=token))
    return details


def count(number: int, language: str) -> str:
    return f"{number:,}".replace(",", " " if language == "fr" else ",")


def open_details(page_for: Callable[..., Page], width: str, language: str, transaction_id: str) -> Page:
    """Signed in, from the dashboard's history (the row's Transaction ID) or, for a transaction past the
    first page, by its address."""
    page = page_for(width, language)
    sign_in(page, USERS[language])
    link = history_rows(page).get_by_role("link", name=transaction_id, exact=True)
    expect(history_rows(page).first).to_be_visible()
    if link.count():
        link.click()
    else:
        page.goto(f"/activity/{transaction_id}")
    expect(page).to_have_url(re.compile(rf"/activity/{re.escape(transaction_id)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[language]["title"])
    return page


def fact(page: Page, label: str) -> Any:
    """The value of one of the summary's facts (a description list)."""
    return page.locator(
        ".facts .fact", has=page.locator("dt", has_text=re.compile(f"^{re.escape(label)}$"))
    ).locator("dd")


def export(page: Page, language: str, format_: str) -> None:
    page.get_by_role("button", name=WORDS[language]["export"], exact=True).click()
    page.get_by_role("button", name=WORDS[language][format_], exact=True).click()


def big_invoice(api: Api, token: str) -> dict[str, Any]:
    """The recent invoice with the most billed calls."""
    recent = ok(api.get("/transactions?type=invoice&page_size=10", token=token))["items"][:4]
    details = [ok(api.get(f"/transactions/{item['id']}", token=token)) for item in recent]
    chosen: dict[str, Any] = max(details, key=lambda d: d["call_count"] or 0)
    assert chosen["call_count"] >= 5000, "the demo has a recent invoice of 5,000 calls or more"
    return chosen


# -- every type ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "width"), [("en", "desktop"), ("fr", "phone")])
def test_an_invoice_shows_its_lines_taxes_totals_and_payments(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str, width: str
) -> None:
    words = WORDS[language]
    invoice = first_of(api, tokens[language], "invoice", index=1)  # paid: it has payments applied
    assert invoice["payments_applied"], invoice
    page = open_details(page_for, width, language, invoice["id"])

    expect(
        page.get_by_role("heading", level=2, name=f"{invoice['type_label']} {invoice['id']}")
    ).to_be_visible()
    expect(fact(page, "Status" if language == "en" else "Statut")).to_have_text(invoice["status_label"])
    period = words["period"].format(
        start=long_date(invoice["period_start"], language), end=long_date(invoice["period_end"], language)
    )
    expect(fact(page, "Billing period" if language == "en" else "Période de facturation")).to_have_text(
        period
    )
    expect(fact(page, "Due date" if language == "en" else "Date d'échéance")).to_have_text(
        long_date(invoice["due_date"], language)
    )
    expect(fact(page, "Amount paid" if language == "en" else "Montant payé")).to_have_text(
        money(invoice["amount_paid"], language)
    )

    charges = page.get_by_role("table", name=re.compile(re.escape(invoice["id"]))).first
    expect(charges.locator("tbody tr")).to_have_count(len(invoice["lines"]))
    expect(charges.locator("tbody tr th")).to_have_text([line["description"] for line in invoice["lines"]])
    footer = [words["subtotal"], *(tax["name"] for tax in invoice["taxes"]), words["total"]]
    expect(charges.locator("tfoot th")).to_have_text(footer)
    amounts = [invoice["subtotal"], *(tax["amount"] for tax in invoice["taxes"]), invoice["total"]]
    expect(charges.locator("tfoot td")).to_have_text([money(amount, language) for amount in amounts])

    applied = page.locator(
        "section", has=page.get_by_role("heading", name=words["payments_applied"], exact=True)
    )
    first_payment = invoice["payments_applied"][0]
    expect(applied.get_by_role("link", name=first_payment["source_id"], exact=True)).to_have_attribute(
        "href", f"/activity/{first_payment['source_id']}"
    )
    assert_accessible(page)
    screenshot(page, f"details-invoice-{language}-{width}")

    # The payment it lists opens as its own page, and the way back finds the dashboard.
    applied.get_by_role("link", name=first_payment["source_id"], exact=True).click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile(re.escape(first_payment["source_id"])))
    ).to_be_visible()
    page.get_by_role("link", name=words["back"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Account Dashboard|Tableau de bord du compte")
    )


@pytest.mark.parametrize(
    ("type_", "language", "width"),
    [
        ("payment", "en", "desktop"),
        ("payment", "fr", "phone"),
        ("credit", "en", "phone"),
        ("credit", "fr", "desktop"),
        ("refund", "en", "desktop"),
    ],
)
def test_payments_credits_and_refunds_show_their_details(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], type_: str, language: str, width: str
) -> None:
    details = first_of(api, tokens[language], type_)
    page = open_details(page_for, width, language, details["id"])
    expect(
        page.get_by_role("heading", level=2, name=f"{details['type_label']} {details['id']}")
    ).to_be_visible()
    summary = page.locator(".facts")
    expect(fact(page, "Amount" if language == "en" else "Montant")).to_have_text(
        money(details["amount"], language)
    )
    expect(summary).to_contain_text(details["status_label"])
    expect(summary).to_contain_text(long_date(details["date"], language))
    if type_ == "payment":
        expect(summary).to_contain_text(details["method_label"])
        if details["card_label"]:
            expect(summary).to_contain_text(details["card_label"])
    else:
        expect(fact(page, "Reason" if language == "en" else "Motif")).to_have_text(details["reason"])
        expect(fact(page, "Reference" if language == "en" else "Référence")).to_have_text(
            details["reference"]
        )
    for paid in details.get("invoices_paid", []):
        row = page.get_by_role("row", name=re.compile(re.escape(paid["invoice_id"])))
        expect(row.get_by_role("link", name=paid["invoice_id"], exact=True)).to_be_visible()
        expect(row.locator("td")).to_have_text(money(paid["amount"], language))
    assert_accessible(page)
    screenshot(page, f"details-{type_}-{language}-{width}")


def test_an_unknown_transaction_says_so(page_for: Callable[..., Page]) -> None:
    page = page_for("desktop", "en")
    sign_in(page, DEMO_USER)
    page.goto("/activity/INV-000000000-000000")
    expect(page.get_by_role("alert")).to_have_text("Transaction INV-000000000-000000 was not found.")
    assert_accessible(page)


def test_the_invoice_pdf_downloads_from_its_details(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    invoice = first_of(api, tokens["en"], "invoice")
    page = open_details(page_for, "desktop", "en", invoice["id"])
    allow_documents(page)
    with page.expect_download() as downloading:
        page.get_by_role("button", name=WORDS["en"]["pdf_button"], exact=True).click()
    assert downloading.value.suggested_filename == f"Invoice-{invoice['id']}.pdf"


# -- the Export menu ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "width"), [("en", "desktop"), ("fr", "phone")])
def test_a_csv_export_downloads(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str, width: str
) -> None:
    invoice = first_of(api, tokens[language], "invoice")
    page = open_details(page_for, width, language, invoice["id"])
    allow_documents(page)
    with page.expect_download() as downloading:
        export(page, language, "csv")
    filename = WORDS[language]["file"].format(id=invoice["id"], extension="csv")
    assert downloading.value.suggested_filename == filename
    assert downloading.value.path().stat().st_size > 0
    ready = WORDS[language]["ready"].format(filename=filename, count=count(invoice["call_count"], language))
    expect(page.locator(".export-status")).to_contain_text(plain(ready))
    # The menu is closed and focus is back on its button, for the next export.
    expect(page.get_by_role("button", name=WORDS[language]["export"], exact=True)).to_be_focused()
    expect(page.get_by_role("button", name=WORDS[language]["export"], exact=True)).to_have_attribute(
        "aria-expanded", "false"
    )
    assert_accessible(page)
    screenshot(page, f"details-export-csv-{language}-{width}")


def test_the_big_invoice_as_excel_shows_progress_then_downloads(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    words = WORDS["en"]
    invoice = big_invoice(api, tokens["en"])
    page = open_details(page_for, "desktop", "en", invoice["id"])
    allow_documents(page)
    # The API makes this one within the request: the request is held here until the progress was seen.
    held: list[Route] = []
    page.route("**/invoices/*/cdr-exports", lambda route: held.append(route))
    export(page, "en", "xlsx")
    status = page.locator(".export-status")
    expect(status.get_by_role("progressbar", name=words["progress"])).to_be_visible()
    expect(status).to_contain_text(words["working"].format(format=words["xlsx"]))
    assert_accessible(page)
    screenshot(page, "details-export-progress-en-desktop")
    with page.expect_download() as downloading:
        held[0].continue_()
    filename = f"CDR-{invoice['id']}.xlsx"
    assert downloading.value.suggested_filename == filename
    expect(status).to_contain_text(
        words["ready"].format(filename=filename, count=count(invoice["call_count"], "en"))
    )
    expect(status.get_by_role("progressbar")).to_have_count(0)
    expect(status.get_by_role("link", name=f"Download {filename} again")).to_be_visible()


def test_the_big_invoice_as_pdf_is_made_by_the_worker_with_progress(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    words = WORDS["en"]
    invoice = big_invoice(api, tokens["en"])
    page = open_details(page_for, "phone", "en", invoice["id"])
    allow_documents(page)
    with page.expect_download(timeout=WAIT_FOR_WORKER_MS) as downloading:
        export(page, "en", "pdf")
        status = page.locator(".export-status")
        expect(status.get_by_role("progressbar", name=words["progress"])).to_be_visible()
        expect(status).to_contain_text(f"export of {count(invoice['call_count'], 'en')} calls")
    assert downloading.value.suggested_filename == f"CDR-{invoice['id']}.pdf"
    assert downloading.value.path().read_bytes().startswith(b"%PDF")
    expect(status.get_by_role("progressbar")).to_have_count(0)


@pytest.mark.parametrize(("language", "width"), [("en", "desktop"), ("fr", "phone")])
def test_an_invoice_past_6_months_gets_the_articles_message(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str, width: str
) -> None:
    invoices = ok(api.get("/transactions?type=invoice&page_size=100", token=tokens[language]))["items"]
    today = date.today()
    # An invoice of about 8 months ago: past the 6 months of call records, within the 24 of the history.
    old = next(item for item in invoices if (today - date.fromisoformat(item["date"])).days > 8 * 31)
    refused = api.post(f"/invoices/{old['id']}/cdr-exports", {"format": "csv"}, token=tokens[language])
    assert refused.status == 410, refused.raw
    page = open_details(page_for, width, language, old["id"])
    export(page, language, "csv")
    expect(page.get_by_role("alert")).to_have_text(refused.body["message"])
    assert_accessible(page)
    screenshot(page, f"details-export-too-old-{language}-{width}")


def test_the_export_menu_works_by_keyboard_alone(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    invoice = first_of(api, tokens["en"], "invoice")
    page = open_details(page_for, "desktop", "en", invoice["id"])
    allow_documents(page)
    menu_button = page.get_by_role("button", name="Export", exact=True)
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="CSV", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    with page.expect_download() as downloading:
        page.keyboard.press("Enter")
    assert downloading.value.suggested_filename == f"CDR-{invoice['id']}.csv"
