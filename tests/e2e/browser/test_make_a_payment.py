"""Make a Payment in a real browser, as the help centre's article describes it: the amount prefilled with the
balance, a saved card chosen by its radio button, a new card typed into the processor's card fields (the
local sandbox's tokenizer), and Pay: approved (the button turns green, a success message, then the
dashboard), declined (the article's sentence, in red), pending (wait for the bank), zero refused, and a
double click or a retry after a lost answer charging once.

The payments are made on the Québec account (other@example.com in English, lea.bouchard@example.com in
French), a dollar or two at a time, so that the dashboard's journeys on demo@example.com see their data
unchanged; every card a test saves is removed, and every pending payment is settled."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from ..conftest import FRENCH_USER, OTHER_USER, Api
from .portal import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e

APPROVES, DECLINES, STAYS_PENDING = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 0077"
SAVED_CARD = re.compile(r"^Mastercard (ending in|se terminant par) 4444")
WAIT_FOR_THE_BANK_MS = 20_000  # the page looks at a pending payment every 5 seconds

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "make_a_payment": "Make a Payment",
        "dashboard": "Account Dashboard",
        "amount": "Payment amount",
        "method": "Payment method",
        "new_method": "Add New Payment Method",
        "card_number": "Card number",
        "expiry": "Expiry date",
        "cvc": "Security code",
        "billing_email": "Billing email",
        "line1": "Street address",
        "save": "Save Payment Method",
        "save_only": "Save without paying",
        "pay": "Pay",
        "approved": "Payment of {amount} approved.",
        "pending": "is pending. Wait for your bank to approve or decline it before you submit another "
        "payment.",
        "declined": "The card has been declined.",
        "zero": "Payments cannot be zero dollars.",
        "offline": "The portal cannot be reached.",
        "in_flight": "A payment is pending. Wait for your bank to approve or decline it before you submit "
        "another payment.",
        "saved": "Visa ending in 4242 is saved and selected.",
        "visa": "Visa ending in 4242",
    },
    "fr": {
        "make_a_payment": "Effectuer un paiement",
        "dashboard": "Tableau de bord du compte",
        "amount": "Montant du paiement",
        "method": "Mode de paiement",
        "new_method": "Ajouter un nouveau mode de paiement",
        "card_number": "Numéro de carte",
        "expiry": "Date d'expiration",
        "cvc": "Code de sécurité",
        "billing_email": "Courriel de facturation",
        "line1": "Adresse",
        "save": "Enregistrer le mode de paiement",
        "save_only": "Enregistrer sans payer",
        "pay": "Payer",
        "approved": "Paiement de {amount} approuvé.",
        "pending": "est en attente. Attendez que votre banque l'approuve ou le refuse avant de soumettre un "
        "autre paiement.",
        "declined": "La carte a été refusée.",
        "zero": "Les paiements ne peuvent pas être de zéro dollar.",
        "offline": "Le portail est injoignable.",
        "in_flight": "Un paiement est en attente. Attendez que votre banque l'approuve ou le refuse avant de "
        "soumettre un autre paiement.",
        "saved": "La carte Visa se terminant par 4242 est enregistrée et sélectionnée.",
        "visa": "Visa se terminant par 4242",
    },
}
USERS = {"en": OTHER_USER, "fr": FRENCH_USER}
# The journeys' screens: English on a desktop, French on a phone (the first journey runs all four).
SCREENS = [pytest.param("desktop", "en", id="desktop-en"), pytest.param("phone", "fr", id="phone-fr")]
EVERY_SCREEN = [
    *SCREENS,
    pytest.param("phone", "en", id="phone-en"),
    pytest.param("desktop", "fr", id="desktop-fr"),
]


# -- helpers -----------------------------------------------------------------------------------------------


def money(cents: int, language: str) -> str:
    """An amount as the page writes it: "$1.07" or "1,07 $" (the page's no-break space matches a space)."""
    dollars = f"{cents // 100}.{cents % 100:02d}"
    return f"${dollars}" if language == "en" else f"{dollars.replace('.', ',')} $"


def balance_cents(api: Api, token: str) -> int:
    answer = api.get("/account", token=token)
    assert answer.status == 200, answer.raw
    amount: str = answer.body["current_balance"]["amount"]
    return round(float(amount) * 100)


def charge_count(api: Api) -> int:
    answer = api.get("/_local/processor/charges")
    assert answer.status == 200, answer.raw
    return len(answer.body["items"])


def saved_method_ids(api: Api, token: str) -> set[str]:
    answer = api.get("/payment-methods", token=token)
    assert answer.status == 200, answer.raw
    return {method["id"] for method in answer.body["items"]}


@pytest.fixture
def keep_saved_cards(api: Api, other_token: str) -> Iterator[None]:
    """The account's saved cards after the test are the ones it had before (a card the test saved is
    removed), so that other tests see the demo data's one card."""
    before = saved_method_ids(api, other_token)
    yield
    for added in saved_method_ids(api, other_token) - before:
        removed = api.request("DELETE", f"/payment-methods/{added}", token=other_token)
        assert removed.status == 204, removed.raw


def open_make_a_payment(
    page_for: Callable[..., Page], width: str, language: str
) -> tuple[Page, dict[str, str]]:
    """Signed in, from the dashboard's Make a Payment button to the payment page."""
    page = page_for(width, language)
    words = WORDS[language]
    sign_in(page, USERS[language])
    page.get_by_role("link", name=words["make_a_payment"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["make_a_payment"])
    expect(page.get_by_label(words["amount"], exact=True)).to_be_visible()
    return page, words


def assert_fits_the_screen(page: Page) -> None:
    """Nothing wider than the window: no page-level horizontal scrolling, on a phone too."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"


def pay_button(page: Page, words: dict[str, str]) -> Locator:
    return page.get_by_role("button", name=words["pay"], exact=True)


def type_new_card(page: Page, words: dict[str, str], number: str) -> None:
    page.get_by_role("radio", name=words["new_method"]).check()
    page.get_by_label(words["card_number"], exact=True).fill(number)
    page.get_by_label(words["expiry"], exact=True).fill("08/31")
    page.get_by_label(words["cvc"], exact=True).fill("123")


def expect_approved_then_dashboard(page: Page, words: dict[str, str], cents: int, language: str) -> None:
    """The Pay button green, the success message, then the dashboard."""
    message = page.get_by_role("status").filter(
        has_text=words["approved"].format(amount=money(cents, language))
    )
    expect(message).to_be_visible(timeout=WAIT_FOR_THE_BANK_MS)
    expect(pay_button(page, words)).to_have_class(re.compile(r"\bsuccess\b"))
    expect(pay_button(page, words)).to_have_css("background-color", "rgb(20, 108, 46)")  # --success
    expect(page.get_by_role("heading", level=1)).to_have_text(words["dashboard"], timeout=10_000)


# -- a saved card ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "language"), EVERY_SCREEN)
def test_a_saved_card_payment_is_approved_and_the_portal_returns_to_the_dashboard(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    before = balance_cents(api, other_token)
    page, words = open_make_a_payment(page_for, width, language)

    amount = page.get_by_label(words["amount"], exact=True)
    balance = f"{before // 100}.{before % 100:02d}"
    expect(amount).to_have_value(balance if language == "en" else balance.replace(".", ","))
    expect(page.get_by_role("group", name=words["method"])).to_be_visible()
    expect(page.get_by_role("radio", name=SAVED_CARD)).to_be_checked()
    assert_accessible(page)
    assert_fits_the_screen(page)
    screenshot(page, f"make-a-payment-{width}-{language}")

    cents = 107 if language == "en" else 108
    amount.fill(money(cents, language).replace("$", "").strip())
    pay_button(page, words).click()

    expect_approved_then_dashboard(page, words, cents, language)
    assert balance_cents(api, other_token) == before - cents


# -- a new card --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "language"), SCREENS)
@pytest.mark.usefixtures("keep_saved_cards")
def test_a_new_card_is_tokenized_by_the_processor_and_approved(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    before = balance_cents(api, other_token)
    page, words = open_make_a_payment(page_for, width, language)
    card_requests: list[str] = []
    page.on("request", lambda request: card_requests.append(f"{request.url} {request.post_data or ''}"))

    type_new_card(page, words, APPROVES)
    # The billing address and email start as the account's and its top user's.
    expect(page.get_by_label(words["line1"], exact=True)).to_have_value("4521, rue Saint-Denis")
    expect(page.get_by_label(words["billing_email"], exact=True)).to_have_value(OTHER_USER)
    page.get_by_label(words["save"], exact=True).check()
    assert_accessible(page)
    assert_fits_the_screen(page)
    screenshot(page, f"make-a-payment-new-card-{width}-{language}")

    page.get_by_label(words["amount"], exact=True).fill("1,11" if language == "fr" else "1.11")
    pay_button(page, words).click()

    expect_approved_then_dashboard(page, words, 111, language)
    assert balance_cents(api, other_token) == before - 111
    # The card number went to the processor's tokenizer, and nowhere else.
    digits = APPROVES.replace(" ", "")
    carrying = [request.split(" ")[0] for request in card_requests if digits in request]
    assert carrying and all(url.endswith("/_local/processor/tokenize") for url in carrying), carrying
    saved = api.get("/payment-methods", token=other_token).body["items"]
    assert [m["last4"] for m in saved if m["last4"] == "4242"] == ["4242"], (
        "Save Payment Method kept the card"
    )


@pytest.mark.parametrize(("width", "language"), SCREENS)
@pytest.mark.usefixtures("keep_saved_cards")
def test_a_new_card_can_be_saved_without_paying(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    charges = charge_count(api)
    page, words = open_make_a_payment(page_for, width, language)
    type_new_card(page, words, APPROVES)
    page.get_by_role("button", name=words["save_only"], exact=True).click()

    expect(page.get_by_role("status").filter(has_text=words["saved"])).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^" + re.escape(words["visa"])))).to_be_checked()
    expect(page.get_by_label(words["card_number"], exact=True)).to_have_count(0)
    assert_accessible(page)
    assert charge_count(api) == charges, "nothing was charged"
    assert "4242" in {m["last4"] for m in api.get("/payment-methods", token=other_token).body["items"]}


@pytest.mark.parametrize(("width", "language"), SCREENS)
@pytest.mark.usefixtures("keep_saved_cards")
def test_a_declined_card_says_the_articles_sentence_in_red(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    before = balance_cents(api, other_token)
    page, words = open_make_a_payment(page_for, width, language)
    type_new_card(page, words, DECLINES)
    page.get_by_label(words["amount"], exact=True).fill("1.13")
    pay_button(page, words).click()

    alert = page.get_by_role("alert").filter(has_text=words["declined"])
    expect(alert).to_be_visible()
    expect(alert).to_have_css("color", "rgb(122, 26, 18)")  # .notice-error's red
    expect(alert).to_have_css("border-left-color", "rgb(180, 35, 24)")  # --danger
    expect(page.get_by_role("heading", level=1)).to_have_text(words["make_a_payment"])
    assert_accessible(page)
    screenshot(page, f"make-a-payment-declined-{width}-{language}")
    assert balance_cents(api, other_token) == before


# -- pending, zero ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "language"), SCREENS)
def test_a_pending_payment_says_to_wait_for_the_bank_then_shows_its_answer(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    before = balance_cents(api, other_token)
    page, words = open_make_a_payment(page_for, width, language)
    type_new_card(page, words, STAYS_PENDING)
    page.get_by_label(words["amount"], exact=True).fill("1.17")
    with page.expect_response(lambda r: r.url.endswith("/payments") and r.request.method == "POST") as paid:
        pay_button(page, words).click()
    payment: dict[str, Any] = paid.value.json()
    try:
        assert payment["status"] == "pending"
        expect(page.get_by_role("status").filter(has_text=words["pending"])).to_be_visible()
        expect(pay_button(page, words)).to_be_disabled()
        assert_accessible(page)
        assert_fits_the_screen(page)
        screenshot(page, f"make-a-payment-pending-{width}-{language}")

        # The bank approves: the page, which keeps asking, says so and returns to the dashboard.
        settled = api.post("/_local/processor/settle", {"payment_id": payment["id"], "outcome": "approved"})
        assert settled.status == 200, settled.raw
        expect_approved_then_dashboard(page, words, 117, language)
        assert balance_cents(api, other_token) == before - 117
    finally:
        # Never leave the account with a payment in flight: every later payment would be refused.
        now = api.get(f"/payments/{payment['id']}", token=other_token).body
        if now["status"] == "pending":
            api.post("/_local/processor/settle", {"payment_id": payment["id"], "outcome": "declined"})


@pytest.mark.parametrize(("width", "language"), SCREENS)
def test_a_payment_while_another_is_pending_is_refused_with_the_apis_sentence(
    page_for: Callable[..., Page], api: Api, other_token: str, width: str, language: str
) -> None:
    page, words = open_make_a_payment(page_for, width, language)
    # Another user of the account has just paid with a card the bank is still deciding on.
    elsewhere = api.request(
        "POST",
        "/payments",
        json_body={"amount": "1.23", "new_payment_method": {"token": "tok_pending"}},
        token=other_token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert elsewhere.status == 201 and elsewhere.body["status"] == "pending", elsewhere.raw
    try:
        charges = charge_count(api)
        page.get_by_label(words["amount"], exact=True).fill("1.25")
        pay_button(page, words).click()
        expect(page.get_by_role("alert")).to_have_text(words["in_flight"])
        assert_accessible(page)
        assert charge_count(api) == charges
    finally:
        settled = api.post(
            "/_local/processor/settle", {"payment_id": elsewhere.body["id"], "outcome": "declined"}
        )
        assert settled.status == 200, settled.raw


@pytest.mark.parametrize(("width", "language"), SCREENS)
def test_a_zero_payment_is_refused_with_the_articles_sentence(
    page_for: Callable[..., Page], api: Api, width: str, language: str
) -> None:
    charges = charge_count(api)
    page, words = open_make_a_payment(page_for, width, language)
    amount = page.get_by_label(words["amount"], exact=True)
    amount.fill("0,00" if language == "fr" else "0.00")
    pay_button(page, words).click()

    expect(page.get_by_text(words["zero"], exact=True)).to_be_visible()
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()  # focus moves to the field, which reads its error out
    assert_accessible(page)
    screenshot(page, f"make-a-payment-zero-{width}-{language}")
    assert charge_count(api) == charges


# -- charged once ------------------------------------------------------------------------------------------


def test_a_double_click_on_pay_charges_once(
    page_for: Callable[..., Page], api: Api, other_token: str
) -> None:
    before, charges = balance_cents(api, other_token), charge_count(api)
    page, words = open_make_a_payment(page_for, "desktop", "en")
    page.get_by_label(words["amount"], exact=True).fill("1.19")
    pay_button(page, words).dblclick()

    expect_approved_then_dashboard(page, words, 119, "en")
    assert charge_count(api) == charges + 1
    assert balance_cents(api, other_token) == before - 119


def test_a_retry_after_a_lost_answer_sends_the_same_key_and_charges_once(
    page_for: Callable[..., Page], api: Api, other_token: str
) -> None:
    before, charges = balance_cents(api, other_token), charge_count(api)
    page, words = open_make_a_payment(page_for, "phone", "fr")
    keys: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the API makes the payment...
            route.abort()  # ...and its answer is lost on the way back
        else:
            route.continue_()

    page.route("**/payments", lose_the_first_answer)
    page.get_by_label(words["amount"], exact=True).fill("1,21")
    pay_button(page, words).click()
    expect(page.get_by_role("alert").filter(has_text=words["offline"])).to_be_visible()

    pay_button(page, words).click()  # the person tries again
    expect_approved_then_dashboard(page, words, 121, "fr")
    assert len(keys) == 2 and keys[0] == keys[1], keys
    assert charge_count(api) == charges + 1
    assert balance_cents(api, other_token) == before - 121
