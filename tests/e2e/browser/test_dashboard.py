"""The Account Dashboard in a real browser, as the help centre describes it, in English and in French, on a
desktop and on a phone: the Current Balance tile (amount, due date, Make a Payment), Last Payment, Billing
Address with Edit Profile, the chart of the last 24 months' invoice totals with the same figures as a table,
and the Transaction History's eight columns with the article's notes. The history's filters (one type,
several types, a date range), its 10/50/100 rows and its pages; the "$" icon that downloads an invoice's
PDF; the billing team's sentence for dates older than 24 months. The whole dashboard asks the API three
times. Nothing here changes the accounts: the expected figures are read from the API as the test runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from ..conftest import DEMO_USER, FRENCH_USER, Api
from .portal import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e

USERS = {"en": DEMO_USER, "fr": FRENCH_USER}
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "balance": "Current Balance",
        "last_payment": "Last Payment",
        "address": "Billing Address",
        "edit_profile": "Edit Profile",
        "pay": "Make a Payment",
        "due": "Due date: {date}",
        "chart": "Invoice totals, last 24 months",
        "chart_table": "Show the totals as a table",
        "chart_caption": "Invoice totals by month, oldest first",
        "history": "Transaction History",
        "columns": [
            "Transaction ID",
            "Transaction Type",
            "Transaction Date",
            "Description",
            "Credit",
            "Debit",
            "Balance",
            "Download",
        ],
        "balance_note": "The Balance column does not reflect credits added to future invoices",
        "older_note": "For anything older, including invoice PDFs, contact the billing team at",
        "types": {"invoice": "Invoice", "payment": "Payment", "credit": "Credit", "refund": "Refund"},
        "from": "From",
        "to": "To",
        "apply": "Apply filters",
        "clear": "Clear filters",
        "rows": "Rows per page",
        "next": "Next page",
        "previous": "Previous page",
        "page": "Page {page}",
        "download": "Download invoice {id} PDF",
        "downloading": "Your invoice {id} PDF is downloading.",
        "reversed": "The end date must be on or after the start date.",
    },
    "fr": {
        "balance": "Solde actuel",
        "last_payment": "Dernier paiement",
        "address": "Adresse de facturation",
        "edit_profile": "Modifier le profil",
        "pay": "Effectuer un paiement",
        "due": "Date d'échéance : {date}",
        "chart": "Total des factures des 24 derniers mois",
        "chart_table": "Afficher les totaux sous forme de tableau",
        "chart_caption": "Total des factures par mois, du plus ancien au plus récent",
        "history": "Historique des transactions",
        "columns": [
            "Numéro de transaction",
            "Type de transaction",
            "Date de transaction",
            "Description",
            "Crédit",
            "Débit",
            "Solde",
            "Télécharger",
        ],
        "balance_note": "La colonne Solde ne tient pas compte des crédits ajoutés aux factures à venir",
        "older_note": "Pour toute transaction plus ancienne, y compris les factures en PDF, communiquez avec",
        "types": {"invoice": "Facture", "payment": "Paiement", "credit": "Crédit", "refund": "Remboursement"},
        "from": "Du",
        "to": "Au",
        "apply": "Appliquer les filtres",
        "clear": "Effacer les filtres",
        "rows": "Lignes par page",
        "next": "Page suivante",
        "previous": "Page précédente",
        "page": "Page {page}",
        "download": "Télécharger la facture {id} en PDF",
        "downloading": "Le PDF de votre facture {id} est en cours de téléchargement.",
        "reversed": "La date de fin doit être identique ou postérieure à la date de début.",
    },
}


# -- what the reader should see, written as the portal writes it -----------------------------------------


def plain(text: str) -> str:
    """Text with its no-break spaces (French amounts and dates) as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def money(amount: str, language: str) -> str:
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    grouped = f"{int(whole):,}"
    if language == "fr":
        return f"{sign}{grouped.replace(',', ' ')},{cents} $"
    return f"{sign}${grouped}.{cents}"


def long_date(iso: str, language: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    if language == "fr":
        return f"{'1er' if day == 1 else day} {MONTHS_FR[month - 1]} {year}"
    return f"{MONTHS_EN[month - 1]} {day}, {year}"


def month_name(month: str, language: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{MONTHS_FR[number - 1]} {year}" if language == "fr" else f"{MONTHS_EN[number - 1]} {year}"


def ok(answer: Any) -> Any:
    assert answer.status == 200, answer.raw
    return answer.body


@pytest.fixture(scope="module")
def tokens(api: Api) -> dict[str, str]:
    return {language: api.login(username)["id_token"] for language, username in USERS.items()}


def open_dashboard(page_for: Callable[..., Page], width: str, language: str) -> Page:
    page = page_for(width, language)
    sign_in(page, USERS[language])
    expect(history_rows(page).first).to_be_visible()
    return page


def history_table(page: Page) -> Locator:
    return page.locator("table.history-table")


def history_rows(page: Page) -> Locator:
    return history_table(page).locator("tbody tr")


def column(page: Page, index: int) -> list[str]:
    """The cells of one column of the history (0: Transaction ID, the row's header)."""
    return [
        plain(text)
        for text in history_rows(page).locator(f":scope > :nth-child({index + 1})").all_inner_texts()
    ]


def allow_documents(page: Page) -> None:
    """Let the page reach the local stack's S3 (another port of 127.0.0.1), where the API's presigned
    download links point; the fixture refuses every other origin."""
    page.route(re.compile(r"^http://127\.0\.0\.1:\d+/"), lambda route: route.continue_())


def no_page_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


# -- the tiles, the chart and the table ------------------------------------------------------------------


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_dashboard_shows_the_accounts_tiles_chart_and_history(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str, width: str
) -> None:
    words = WORDS[language]
    account = ok(api.get("/account", token=tokens[language]))
    first_page = ok(api.get("/transactions?page_size=10", token=tokens[language]))
    page = open_dashboard(page_for, width, language)

    balance = page.locator("section.tile", has=page.get_by_role("heading", name=words["balance"], exact=True))
    amount = account["current_balance"]["amount"]
    if Decimal(amount) > 0:  # as the demo accounts are, unless a payment test of this run paid them off
        expect(balance.locator(".figure")).to_have_text(money(amount, language))
        due = words["due"].format(date=long_date(account["current_balance"]["due_date"], language))
        expect(balance).to_contain_text(due)
    expect(balance.get_by_role("link", name=words["pay"], exact=True)).to_have_attribute("href", "/pay")

    last = page.locator(
        "section.tile", has=page.get_by_role("heading", name=words["last_payment"], exact=True)
    )
    payment = account["last_payment"]
    expect(last.locator(".figure")).to_have_text(money(payment["amount"], language))
    expect(last).to_contain_text(long_date(payment["date"], language))
    expect(last).to_contain_text(payment["method"])

    address = page.locator("section.tile", has=page.get_by_role("heading", name=words["address"], exact=True))
    expect(address.locator("address")).to_contain_text(account["billing_address"]["line1"])
    expect(address.locator("address")).to_contain_text(account["billing_address"]["postal_code"])
    expect(address.get_by_role("link", name=words["edit_profile"], exact=True)).to_have_attribute(
        "href", "/profile"
    )

    chart = page.locator("section.invoice-chart")
    expect(chart.get_by_role("heading", name=words["chart"], exact=True)).to_be_visible()
    totals = account["invoice_totals"]
    assert len(totals) == 24
    expect(chart.get_by_role("img")).to_have_attribute(
        "aria-label", re.compile(re.escape(month_name(totals[0]["month"], language)))
    )
    expect(chart.locator("rect.bar")).to_have_count(24)
    chart.get_by_text(words["chart_table"], exact=True).click()
    figures = chart.get_by_role("table", name=words["chart_caption"])
    expect(figures.locator("tbody tr")).to_have_count(24)
    expect(figures.locator("tbody tr").last.locator("th")).to_have_text(
        month_name(totals[-1]["month"], language)
    )
    expect(figures.locator("tbody tr").last.locator("td")).to_have_text(money(totals[-1]["total"], language))

    history = page.locator("section.history")
    expect(history.get_by_role("heading", name=words["history"], exact=True)).to_be_visible()
    expect(history).to_contain_text(words["balance_note"])
    expect(history).to_contain_text(words["older_note"])
    expect(history_table(page).locator("thead th")).to_have_text(words["columns"])
    expect(history_rows(page)).to_have_count(len(first_page["items"]))
    invoice = next(item for item in first_page["items"] if item["type"] == "invoice")
    invoice_row = history_rows(page).filter(has=page.get_by_role("link", name=invoice["id"], exact=True))
    expect(invoice_row.get_by_role("link")).to_have_attribute("href", f"/activity/{invoice['id']}")
    expect(invoice_row.locator("td")).to_have_text(
        [
            invoice["type_label"],
            invoice["date"],
            invoice["description"],
            "",
            money(invoice["debit"], language),
            money(invoice["balance"], language),
            "$",  # the invoice icon's glyph
        ]
    )
    assert invoice["invoice_pdf_available"]
    expect(
        invoice_row.get_by_role("button", name=words["download"].format(id=invoice["id"]), exact=True)
    ).to_be_visible()
    payment_item = next(item for item in first_page["items"] if item["type"] == "payment")
    payment_row = history_rows(page).filter(has=page.get_by_role("link", name=payment_item["id"], exact=True))
    expect(payment_row.locator("td").nth(3)).to_have_text(money(payment_item["credit"], language))
    expect(payment_row.locator("td").nth(4)).to_have_text("")
    expect(payment_row.get_by_role("button")).to_have_count(0)
    # Amounts are right-aligned, as a table of figures is read.
    assert (
        invoice_row.locator("td.number").first.evaluate("cell => getComputedStyle(cell).textAlign") == "right"
    )

    assert no_page_scroll(page), "the page itself must not scroll sideways"
    assert_accessible(page)
    screenshot(page, f"dashboard-{language}-{width}")


def test_the_dashboard_and_a_details_page_reflow_at_200_percent_zoom(page_for: Callable[..., Page]) -> None:
    """A 1280 px screen at 200% zoom lays the page out in 640 CSS pixels: nothing scrolls sideways but the
    tables, inside their own boxes."""
    page = page_for("desktop", "en")
    page.set_viewport_size({"width": 640, "height": 450})
    sign_in(page, DEMO_USER)
    expect(history_rows(page).first).to_be_visible()
    assert no_page_scroll(page)
    history_rows(page).locator("th a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transaction Details")
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    assert no_page_scroll(page)
    screenshot(page, "details-invoice-en-zoom-200")


def test_the_dashboard_asks_the_api_three_times(page_for: Callable[..., Page], portal: str) -> None:
    page = page_for("desktop", "en")
    sign_in(page, DEMO_USER)
    # The first load's requests are all made before counting starts: only the reload's are counted.
    expect(history_rows(page).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    asked: list[str] = []

    def note(request: Request) -> None:
        url = urlsplit(request.url)
        if request.resource_type in ("fetch", "xhr") and url.path != "/config.json":
            asked.append(f"{request.method} {url.path}")

    page.on("request", note)
    page.reload()
    expect(history_rows(page).first).to_be_visible()
    expect(page.locator("section.invoice-chart rect.bar")).to_have_count(24)
    page.wait_for_load_state("networkidle")
    assert sorted(asked) == ["GET /account", "GET /me", "GET /transactions"], asked


def test_a_negative_balance_shows_as_a_credit(page_for: Callable[..., Page]) -> None:
    page = page_for("desktop", "en")
    sign_in(page, DEMO_USER)

    def with_a_credit(route: Any) -> None:
        answer = route.fetch()
        body = answer.json()
        body["current_balance"] = {"amount": "-20.00", "due_date": None}
        route.fulfill(response=answer, json=body)

    # The demo accounts owe money: the API's answer is changed on its way to the page to see a credit.
    page.route("**/account", with_a_credit)
    page.reload()
    balance = page.locator(
        "section.tile", has=page.get_by_role("heading", name="Current Balance", exact=True)
    )
    expect(balance.locator(".figure")).to_have_text("$20.00 credit")
    expect(balance).to_contain_text("Your account has a credit that will be applied to future invoices.")
    assert_accessible(page)


# -- filters, rows per page and pages ------------------------------------------------------------------------


# Two types each account has: the demo account has a credit and a refund; the Québec account a credit.
SEVERAL_TYPES = {"en": ("credit", "refund"), "fr": ("payment", "credit")}


@pytest.mark.parametrize(("language", "width"), [("en", "desktop"), ("fr", "phone")])
def test_the_history_filters_by_one_type_and_by_several(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str, width: str
) -> None:
    words = WORDS[language]
    several = SEVERAL_TYPES[language]
    wanted = ",".join(sorted(several, key=list(words["types"]).index))
    expected = ok(api.get(f"/transactions?type={wanted}&page_size=10", token=tokens[language]))["items"]
    assert {item["type"] for item in expected} == set(several), "the demo has both types on the first page"
    page = open_dashboard(page_for, width, language)
    filters = page.locator("form.history-filters")

    filters.get_by_label(words["types"]["invoice"], exact=True).check()
    filters.get_by_role("button", name=words["apply"]).click()
    expect(page).to_have_url(re.compile(r"\?type=invoice$"))
    expect(history_rows(page).locator("td:nth-child(2)")).to_have_text([words["types"]["invoice"]] * 10)
    screenshot(page, f"dashboard-history-invoices-{language}-{width}")

    filters.get_by_label(words["types"]["invoice"], exact=True).uncheck()
    for type_ in several:
        filters.get_by_label(words["types"][type_], exact=True).check()
    filters.get_by_role("button", name=words["apply"]).click()
    expect(page).to_have_url(re.compile(rf"\?type={wanted}$"))
    expect(history_rows(page).locator("th")).to_have_text([item["id"] for item in expected])
    assert set(column(page, 1)) == {words["types"][type_] for type_ in several}

    # The filters stay with the address: a reload shows the same rows.
    page.reload()
    expect(history_rows(page).locator("th")).to_have_text([item["id"] for item in expected])
    expect(filters.get_by_label(words["types"][several[0]], exact=True)).to_be_checked()

    filters.get_by_role("button", name=words["clear"]).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(filters.get_by_label(words["types"][several[0]], exact=True)).not_to_be_checked()
    expect(history_rows(page)).to_have_count(10)
    assert_accessible(page)


def test_the_history_filters_by_date_range(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    words = WORDS["en"]
    expected = ok(api.get("/transactions?from=2025-10-01&to=2025-12-31&page_size=100", token=tokens["en"]))[
        "items"
    ]
    assert expected, "the demo has transactions in the last quarter of 2025"
    page = open_dashboard(page_for, "desktop", "en")
    filters = page.locator("form.history-filters")
    filters.get_by_label(words["from"], exact=True).fill("2025-10-01")
    filters.get_by_label(words["to"], exact=True).fill("2025-12-31")
    filters.get_by_role("button", name=words["apply"]).click()
    expect(page).to_have_url(re.compile(r"\?from=2025-10-01&to=2025-12-31$"))
    expect(history_rows(page).locator("th")).to_have_text([item["id"] for item in expected[:10]])
    dates = column(page, 2)
    assert all("2025-10-01" <= date <= "2025-12-31" for date in dates), dates

    # An end before the start is said next to the end date, and nothing is asked.
    filters.get_by_label(words["to"], exact=True).fill("2025-09-01")
    filters.get_by_role("button", name=words["apply"]).click()
    expect(filters.get_by_label(words["to"], exact=True)).to_have_attribute("aria-invalid", "true")
    expect(filters.get_by_label(words["to"], exact=True)).to_be_focused()
    expect(filters).to_contain_text(words["reversed"])
    assert_accessible(page)
    screenshot(page, "dashboard-history-dates-en-desktop")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_dates_older_than_24_months_get_the_billing_teams_sentence(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str], language: str
) -> None:
    refused = api.get("/transactions?from=2020-01-01", token=tokens[language])
    assert refused.status == 422, refused.raw
    page = open_dashboard(page_for, "desktop", language)
    filters = page.locator("form.history-filters")
    filters.get_by_label(WORDS[language]["from"], exact=True).fill("2020-01-01")
    filters.get_by_role("button", name=WORDS[language]["apply"]).click()
    expect(page.locator("section.history").get_by_role("alert")).to_have_text(refused.body["message"])
    assert_accessible(page)
    screenshot(page, f"dashboard-history-too-old-{language}")


def test_the_history_shows_10_50_or_100_rows_a_page_with_paging(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    words = WORDS["en"]
    everything = ok(api.get("/transactions?page_size=100", token=tokens["en"]))["items"]
    assert 20 < len(everything) <= 100, "the demo has between two pages of 10 and one page of 100"
    ids = [item["id"] for item in everything]
    page = open_dashboard(page_for, "desktop", "en")
    pages = page.get_by_role("navigation", name="Transaction History pages")
    expect(history_rows(page).locator("th")).to_have_text(ids[:10])
    expect(pages.get_by_role("button", name=words["previous"])).to_be_disabled()

    pages.get_by_role("button", name=words["next"]).click()
    expect(history_rows(page).locator("th")).to_have_text(ids[10:20])
    expect(pages).to_contain_text(words["page"].format(page=2))
    pages.get_by_role("button", name=words["next"]).click()
    expect(history_rows(page).locator("th")).to_have_text(ids[20:30])
    pages.get_by_role("button", name=words["previous"]).click()
    expect(history_rows(page).locator("th")).to_have_text(ids[10:20])
    pages.get_by_role("button", name=words["previous"]).click()
    expect(history_rows(page).locator("th")).to_have_text(ids[:10])
    # Previous can no longer be used on the first page: focus goes to Next, not to nowhere.
    expect(pages.get_by_role("button", name=words["next"])).to_be_focused()

    page.get_by_label(words["rows"]).select_option("50")
    expect(page).to_have_url(re.compile(r"\?size=50$"))
    expect(history_rows(page)).to_have_count(min(50, len(ids)))
    page.get_by_label(words["rows"]).select_option("100")
    expect(history_rows(page)).to_have_count(len(ids))
    expect(pages.get_by_role("button", name=words["next"])).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "dashboard-history-100-rows-en-desktop")


def test_the_dollar_icon_downloads_the_invoice_pdf(
    page_for: Callable[..., Page], api: Api, tokens: dict[str, str]
) -> None:
    words = WORDS["en"]
    first_page = ok(api.get("/transactions?page_size=10", token=tokens["en"]))["items"]
    invoice = [item for item in first_page if item["invoice_pdf_available"]][-1]
    page = open_dashboard(page_for, "phone", "en")
    allow_documents(page)
    icon = page.get_by_role("button", name=words["download"].format(id=invoice["id"]), exact=True)
    with page.expect_download() as downloading:
        icon.click()
    download = downloading.value
    assert download.suggested_filename == f"Invoice-{invoice['id']}.pdf"
    assert download.path().read_bytes().startswith(b"%PDF")
    expect(page.locator("section.history").get_by_role("status").filter(has_text=invoice["id"])).to_have_text(
        words["downloading"].format(id=invoice["id"])
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Account Dashboard")
