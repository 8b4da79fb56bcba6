"""What the API says to a signed-in user in their own language, over HTTP: Léa (lea.bouchard@example.com)
reads the Québec account in French, other@example.com reads the same account in English. The history's
descriptions and type labels, an invoice's taxes (TPS and TVQ), the dashboard, the saved cards, and the
payments the help centre's sentences refuse. Nothing here changes the account."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from .conftest import Answer, Api

pytestmark = pytest.mark.e2e

DECLINES = "4000 0000 0000 0002"
TYPE_LABELS = {"Invoice": "Facture", "Payment": "Paiement", "Credit": "Crédit", "Refund": "Remboursement"}
PAYMENT_DESCRIPTIONS = {
    "Credit Card": "Carte de crédit",
    "Historical Credit Card": "Carte de crédit (historique)",
    "Bank Upload": "Dépôt bancaire",
}


def ok(answer: Answer) -> Any:
    assert answer.status == 200, answer.raw
    return answer.body


def plain(text: str) -> str:
    """French text with its no-break spaces (before "$", "%" and ":", between digit groups) as spaces."""
    return text.replace("\u00a0", " ")


def in_french(english: str) -> str:
    """What a description the portal writes reads as in French."""
    if english in PAYMENT_DESCRIPTIONS:
        return PAYMENT_DESCRIPTIONS[english]
    if english == "Invoice":
        return "Facture"
    if on_invoice := re.fullmatch(r"Credit (\S+) on invoice (\S+)", english):
        return f"Crédit {on_invoice[1]} sur la facture {on_invoice[2]}"
    if credit := re.fullmatch(r"Credit (\S+)", english):
        return f"Crédit {credit[1]}"
    if refund := re.fullmatch(r"Refund (\S+)", english):
        return f"Remboursement {refund[1]}"
    if card := re.fullmatch(r"(.+) ending in ([0-9]{4})", english):
        return f"{card[1]} se terminant par {card[2]}"
    raise AssertionError(f"not a description the portal writes: {english!r}")


def pay(api: Api, token: str, body: dict[str, Any]) -> Answer:
    return api.request(
        "POST", "/payments", json_body=body, token=token, headers={"Idempotency-Key": str(uuid.uuid4())}
    )


def test_a_history_page_in_french_and_the_same_in_english(
    api: Api, french_token: str, other_token: str
) -> None:
    french = ok(api.get("/transactions?page_size=100", token=french_token))["items"]
    english = ok(api.get("/transactions?page_size=100", token=other_token))["items"]

    assert [item["id"] for item in french] == [item["id"] for item in english]
    for fr, en in zip(french, english, strict=True):
        # Codes and amounts are the same in every language; the words are each reader's.
        assert {k: fr[k] for k in ("type", "credit", "debit", "balance")} == {
            k: en[k] for k in ("type", "credit", "debit", "balance")
        }
        assert fr["type_label"] == TYPE_LABELS[en["type_label"]]
        assert fr["description"] == in_french(en["description"]), (fr, en)
    described = {item["description"] for item in french}
    assert {"Facture", "Carte de crédit", "Carte de crédit (historique)", "Dépôt bancaire"} <= described
    assert {item["type_label"] for item in french} >= {"Facture", "Paiement"}


def test_a_quebec_invoice_in_french_names_its_taxes_tps_and_tvq(
    api: Api, french_token: str, other_token: str
) -> None:
    newest = ok(api.get("/transactions?type=invoice", token=french_token))["items"][0]["id"]
    french = ok(api.get(f"/transactions/{newest}", token=french_token))
    english = ok(api.get(f"/transactions/{newest}", token=other_token))

    assert [plain(tax["name"]) for tax in french["taxes"]] == ["TPS 5 %", "TVQ 9,975 %"]
    assert [tax["name"] for tax in english["taxes"]] == ["GST 5%", "QST 9.975%"]
    assert [tax["amount"] for tax in french["taxes"]] == [tax["amount"] for tax in english["taxes"]]
    assert (french["type_label"], english["type_label"]) == ("Facture", "Invoice")
    statuses = {"Open": "Ouverte", "Partially paid": "Partiellement payée", "Paid": "Payée"}
    assert french["status_label"] == statuses[english["status_label"]]


def test_the_dashboard_and_saved_cards_in_french(api: Api, french_token: str, other_token: str) -> None:
    french, english = ok(api.get("/account", token=french_token)), ok(api.get("/account", token=other_token))
    assert french["language"] == english["language"] == "fr"  # the Québec account's default
    assert french["last_payment"]["method"] == in_french(english["last_payment"]["method"])
    assert french["last_payment"]["amount"] == english["last_payment"]["amount"]

    french_cards = [m["label"] for m in ok(api.get("/payment-methods", token=french_token))["items"]]
    english_cards = [m["label"] for m in ok(api.get("/payment-methods", token=other_token))["items"]]
    assert french_cards == [in_french(label) for label in english_cards]
    assert "Mastercard se terminant par 4444" in french_cards
    assert french["autopay"]["payment_method"]["label"] == "Mastercard se terminant par 4444"


def test_payments_are_refused_in_french_with_the_help_centres_sentences(
    api: Api, french_token: str, other_token: str
) -> None:
    before = ok(api.get("/transactions?page_size=10", token=french_token))
    zero = {"amount": "0.00", "new_payment_method": {"token": "tok_mastercard"}}
    assert pay(api, french_token, zero).body == {
        "message": "Les paiements ne peuvent pas être de zéro dollar.",
        "code": "validation_failed",
    }
    assert pay(api, other_token, zero).body == {
        "message": "Payments cannot be zero dollars.",
        "code": "validation_failed",
    }
    card = api.post(
        "/_local/processor/tokenize", {"number": DECLINES, "exp_month": 8, "exp_year": 2031, "cvc": "123"}
    )
    assert card.status == 201, card.raw
    declined = pay(
        api, french_token, {"amount": "40.00", "new_payment_method": {"token": card.body["token"]}}
    )
    assert (declined.status, declined.body) == (
        402,
        {"message": "La carte a été refusée.", "code": "card_declined"},
    )
    assert ok(api.get("/transactions?page_size=10", token=french_token)) == before
