"""The read functions' answers over HTTP, with the in-memory store standing in for DynamoDB: the status
codes and error bodies a client gets for the history window, paging, and transaction details."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from builders import noon

from billing_portal.ledger.ports import PortalUser
from billing_portal.ledger.reading import AccountReader
from localrun import functions
from localrun.events import api_event

from . import documents
from .documents import send
from .fakes import FakeLedgerStore

TODAY = date(2026, 11, 15)
ACCOUNT = "acct-fn"
CLAIMS = {"custom:account_id": ACCOUNT, "cognito:username": "dana@erable.example"}
Call = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def store() -> FakeLedgerStore:
    store = FakeLedgerStore()
    send(store, documents.account(ACCOUNT))
    send(store, documents.invoice(ACCOUNT, "INV-OLD", date(2024, 10, 1)))
    send(store, documents.payment(ACCOUNT, "PAY-OLD", date(2024, 10, 20), "113.00"))
    for month in range(1, 11):
        send(store, documents.invoice(ACCOUNT, f"INV-2026{month:02d}", date(2026, month, 1)))
        send(store, documents.payment(ACCOUNT, f"PAY-2026{month:02d}", date(2026, month, 9), "113.00"))
    send(store, documents.pending_credit(ACCOUNT, "CR-NEXT", date(2026, 10, 15), "10.00"))
    # The signed-in caller is one of the account's users (the edge checks that on every signed-in route).
    dana = PortalUser(ACCOUNT, CLAIMS["cognito:username"], "Dana", "Roy", "America/Toronto", True, "")
    store.seed_user(dana)
    return store


@pytest.fixture
def call(store: FakeLedgerStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Call]:
    """Calls a function's handler with the event of its template route; the store is the fake one."""
    monkeypatch.setenv("TABLE_NAME", "unit-test-table")
    patched = []

    def serve(
        logical_id: str, method: str, resource: str, path: str, **kwargs: Any
    ) -> tuple[int, dict[str, Any]]:
        module = functions.module(logical_id)
        if module not in patched:
            monkeypatch.setattr(
                module,
                "build_account_reader",
                lambda _settings: AccountReader(store, users=store, clock=noon(TODAY)),
            )
            monkeypatch.setattr(module.app, "session_records", lambda: store)
            module.settings.cache_clear()
            patched.append(module)
        event = api_event(method, resource, path, claims=kwargs.pop("claims", CLAIMS), **kwargs)
        response = functions.handler(logical_id)(event, functions.LambdaContext(logical_id, "req-unit"))
        return response["statusCode"], json.loads(response["body"])

    yield serve
    for module in patched:
        module.settings.cache_clear()


def history(call: Call, query: str = "") -> tuple[int, dict[str, Any]]:
    return call("HistoryFunction", "GET", "/transactions", "/transactions", query=query)


def details(call: Call, transaction_id: str) -> tuple[int, dict[str, Any]]:
    return call(
        "TransactionDetailsFunction",
        "GET",
        "/transactions/{id}",
        f"/transactions/{transaction_id}",
        path_parameters={"id": transaction_id},
    )


def test_the_dashboard(call: Call) -> None:
    status, body = call("DashboardFunction", "GET", "/account", "/account")
    assert status == 200
    assert body["current_balance"] == {"amount": "-10.00", "due_date": None}
    assert body["last_payment"] == {"date": "2026-10-09", "amount": "113.00", "method": "Credit Card"}


def test_the_dashboard_needs_a_signed_in_caller(call: Call) -> None:
    status, body = call("DashboardFunction", "GET", "/account", "/account", claims=None)
    assert (status, body["code"]) == (401, "not_signed_in")


@pytest.mark.parametrize("page_size", ["10", "50", "100"])
def test_history_pages_of_10_50_100(call: Call, page_size: str) -> None:
    status, body = history(call, f"page_size={page_size}")
    assert status == 200
    ids = [item["id"] for item in body["items"]]
    # Twenty rows in the last 24 months, newest first; October 2024's are older.
    assert ids[:2] == ["PAY-202610", "INV-202610"]
    assert len(ids) == min(int(page_size), 20)
    assert "INV-OLD" not in ids
    assert (body["next_cursor"] is None) == (int(page_size) >= 20)


def test_history_pages_follow_their_cursor(call: Call) -> None:
    _, first = history(call)
    status, second = history(call, f"cursor={first['next_cursor']}")
    assert status == 200
    assert [item["id"] for item in second["items"]] == [
        f"{kind}-2026{month:02d}" for month in range(5, 0, -1) for kind in ("PAY", "INV")
    ]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=20", "page_size"),
        ("page_size=", "page_size"),
        ("type=invoice,adjustment", "type"),
        ("from=2026-05-01&to=2026-04-01", None),
        ("from=01/05/2026", "from"),
        ("colour=red", "colour"),
    ],
)
def test_bad_history_queries_are_422(call: Call, query: str, field: str | None) -> None:
    status, body = history(call, query)
    assert status == 422
    assert body["code"] == "validation_failed"
    if field is not None:
        assert field in [problem["field"] for problem in body["details"]]


def test_history_before_24_months_is_422_telling_whom_to_contact(call: Call) -> None:
    status, body = history(call, "from=2024-11-14")
    assert status == 422
    assert "billing team" in body["message"]
    assert history(call, "from=2024-11-15")[0] == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.urlsafe_b64encode(b'{"x": 1}').decode(),
        base64.urlsafe_b64encode(b'{"k": "ACCOUNT"}').decode(),
        base64.urlsafe_b64encode(b"[]").decode(),
    ],
)
def test_forged_cursors_are_422(call: Call, cursor: str) -> None:
    status, body = history(call, f"cursor={cursor}")
    assert status == 422
    assert "cursor" in body["message"]


def test_details_of_an_invoice(call: Call) -> None:
    status, body = details(call, "INV-202610")
    assert status == 200
    assert (body["type"], body["total"], body["status"], body["invoice_pdf_available"]) == (
        "invoice",
        "113.00",
        "paid",
        True,
    )


@pytest.mark.parametrize("transaction_id", ["INV-NOPE", "inv-202610", "INV-202610%00", "ACCOUNT", "PAY"])
def test_details_of_an_unknown_or_malformed_id_are_404(call: Call, transaction_id: str) -> None:
    status, body = details(call, transaction_id)
    assert status == 404
    assert set(body) == {"message", "code"}
    assert body["code"] == "not_found"


def test_details_older_than_24_months_are_410(call: Call) -> None:
    status, body = details(call, "INV-OLD")
    assert status == 410
    assert body["code"] == "gone"
    assert "billing team" in body["message"]


def test_a_repeated_type_filter_is_the_list_it_means(call: Call) -> None:
    repeated = history(call, "type=invoice&type=payment&page_size=50")
    assert repeated == history(call, "type=invoice,payment&page_size=50")
    assert repeated[0] == 200 and len(repeated[1]["items"]) == 20
    assert history(call, "type=credit&type=invoice,payment&page_size=50") == repeated


@pytest.mark.parametrize(
    "query",
    [
        "page_size=10&page_size=50",
        "page_size=10&page_size=10",
        "from=2026-01-01&from=2026-02-01",
        "from_=2026-01-01&from_=2026-01-01",
        "to=2026-10-01&to=2026-10-01",
        "cursor=a&cursor=b",
    ],
)
def test_a_repeated_single_valued_parameter_is_422_naming_it(call: Call, query: str) -> None:
    name = query.split("=")[0]
    status, body = history(call, query)
    assert (status, body["code"]) == (422, "validation_failed")
    assert body["details"] == [{"field": name, "message": "must be given once, not repeated"}]


@pytest.fixture
def year_2025(store: FakeLedgerStore) -> None:
    """A year more of invoices and payments, so that a filtered history has more than one page too."""
    for month in range(1, 13):
        send(store, documents.invoice(ACCOUNT, f"INV-2025{month:02d}", date(2025, month, 1)))
        send(store, documents.payment(ACCOUNT, f"PAY-2025{month:02d}", date(2025, month, 9), "113.00"))


@pytest.mark.usefixtures("year_2025")
@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("type=invoice", "type=payment"),
        ("type=invoice", "type=invoice,payment"),
        ("type=invoice", ""),
        ("", "type=invoice"),
        ("from=2025-03-01", "from=2025-04-01"),
        ("from=2025-03-01", ""),
        ("to=2026-09-30", "to=2026-08-31"),
        ("to=2026-09-30", ""),
    ],
)
def test_a_cursor_is_refused_with_other_filters(call: Call, first: str, then: str) -> None:
    status, page = history(call, f"{first}&page_size=10")
    assert status == 200 and page["next_cursor"], page
    status, body = history(call, f"{then}&page_size=10&cursor={page['next_cursor']}")
    assert (status, body["code"]) == (422, "validation_failed")
    assert "cursor" in body["message"] and "filters" in body["message"]


@pytest.mark.usefixtures("year_2025")
@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("type=invoice", "type=invoice"),
        ("type=invoice,payment", "type=payment,invoice"),
        ("type=invoice&type=payment", "type=invoice,payment"),
        ("", "type=invoice,payment,credit,refund"),
        ("from=2025-03-01&to=2026-09-30", "to=2026-09-30&from=2025-03-01"),
    ],
)
def test_a_cursor_goes_on_with_the_same_filters_however_they_are_written(
    call: Call, first: str, then: str
) -> None:
    _, page = history(call, f"{first}&page_size=10")
    status, following = history(call, f"{then}&page_size=10&cursor={page['next_cursor']}")
    assert status == 200, following
    _, whole = history(call, f"{first}&page_size=50")
    assert [i["id"] for i in page["items"] + following["items"]] == [i["id"] for i in whole["items"]][:20]


@pytest.mark.usefixtures("year_2025")
def test_a_cursor_goes_on_with_another_page_size(call: Call) -> None:
    """The page size only says how many rows come next: changing it keeps the place."""
    _, page = history(call, "type=invoice&page_size=10")
    status, rest = history(call, f"type=invoice&page_size=50&cursor={page['next_cursor']}")
    assert status == 200
    _, whole = history(call, "type=invoice&page_size=50")
    assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in whole["items"]]


# -- in the reader's language ------------------------------------------------------------------------------

LEA = PortalUser(ACCOUNT, "lea@erable.example", "Léa", "Bouchard", "America/Toronto", True, "", language="fr")
LEA_CLAIMS = {"custom:account_id": ACCOUNT, "cognito:username": LEA.username}


def plain(text: str) -> str:
    """French text with its no-break spaces (before "$", "%" and ":", between digit groups) as spaces."""
    return text.replace("\u00a0", " ")


@pytest.fixture
def french_reader(store: FakeLedgerStore) -> dict[str, str]:
    """Léa, who reads the portal in French, is a user of the account too; a transaction of each kind."""
    store.seed_user(LEA)
    send(store, documents.payment(ACCOUNT, "PAY-HIST", date(2025, 6, 20), "1.00"))  # before 2025-07-01
    send(store, documents.credit(ACCOUNT, "CR-GOODWILL", date(2026, 10, 20), "25.00"))
    send(store, documents.payment(ACCOUNT, "PAY-BANK", date(2026, 10, 22), "5.00", method="bank_upload"))
    send(store, documents.refund(ACCOUNT, "RF-1", date(2026, 10, 25), "5.00"))
    send(store, documents.invoice(ACCOUNT, "INV-202611", date(2026, 11, 1)))  # CR-NEXT posts with it
    return LEA_CLAIMS


def described(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(item["id"], item["type_label"], item["description"]) for item in body["items"]]


def test_a_history_page_in_french(call: Call, french_reader: dict[str, str]) -> None:
    status, body = call(
        "HistoryFunction", "GET", "/transactions", "/transactions", query="page_size=10", claims=french_reader
    )
    assert status == 200
    assert described(body)[:8] == [
        ("CR-NEXT", "Crédit", "Crédit CR-NEXT sur la facture INV-202611"),
        ("INV-202611", "Facture", "Facture"),
        ("RF-1", "Remboursement", "Remboursement RF-1"),
        ("PAY-BANK", "Paiement", "Dépôt bancaire"),
        ("CR-GOODWILL", "Crédit", "Crédit CR-GOODWILL"),
        ("PAY-HIST", "Paiement", "Carte de crédit (historique)"),
        ("PAY-202610", "Paiement", "Carte de crédit"),
        ("INV-202610", "Facture", "Facture"),
    ]
    # The codes and the amounts stay as they are in every language.
    assert [item["type"] for item in body["items"][:3]] == ["credit", "invoice", "refund"]
    assert body["items"][1]["debit"] == "113.00"


def test_the_same_history_page_in_english(call: Call, french_reader: dict[str, str]) -> None:
    status, body = history(call, "page_size=10")
    assert status == 200
    assert described(body)[:8] == [
        ("CR-NEXT", "Credit", "Credit CR-NEXT on invoice INV-202611"),
        ("INV-202611", "Invoice", "Invoice"),
        ("RF-1", "Refund", "Refund RF-1"),
        ("PAY-BANK", "Payment", "Bank Upload"),
        ("CR-GOODWILL", "Credit", "Credit CR-GOODWILL"),
        ("PAY-HIST", "Payment", "Historical Credit Card"),
        ("PAY-202610", "Payment", "Credit Card"),
        ("INV-202610", "Invoice", "Invoice"),
    ]


def test_history_errors_in_french(call: Call, french_reader: dict[str, str]) -> None:
    def french_history(query: str) -> tuple[int, dict[str, Any]]:
        return call(
            "HistoryFunction", "GET", "/transactions", "/transactions", query=query, claims=french_reader
        )

    status, body = french_history("from=2024-11-14")
    assert (status, body["code"]) == (422, "validation_failed")
    assert body["message"] == (
        "L'historique des transactions remonte à 24 mois, soit au 15 novembre 2024. Pour les transactions "
        "plus anciennes, communiquez avec l'équipe de facturation au billing@net2phone.ca ou au "
        "1-877-498-3772 (option 4)."
    )
    status, body = french_history("page_size=20")
    assert (status, body["code"]) == (422, "validation_failed")
    assert body["details"] == [{"field": "page_size", "message": "doit être 10, 50 ou 100"}]
    status, body = french_history("cursor=not-a-cursor")
    assert body["message"] == "Ce curseur n'a pas été fourni par cette API."


def test_the_dashboard_in_french(call: Call, french_reader: dict[str, str]) -> None:
    status, body = call("DashboardFunction", "GET", "/account", "/account", claims=french_reader)
    assert status == 200
    assert body["last_payment"] == {"date": "2026-10-22", "amount": "5.00", "method": "Dépôt bancaire"}
    assert body["language"] == "en"  # the account's default, for users created without a language
    assert call("DashboardFunction", "GET", "/account", "/account")[1]["last_payment"]["method"] == (
        "Bank Upload"
    )


def test_details_in_french(call: Call, french_reader: dict[str, str]) -> None:
    def french_details(transaction_id: str) -> tuple[int, dict[str, Any]]:
        return call(
            "TransactionDetailsFunction",
            "GET",
            "/transactions/{id}",
            f"/transactions/{transaction_id}",
            path_parameters={"id": transaction_id},
            claims=french_reader,
        )

    status, invoice = french_details("INV-202611")
    assert status == 200
    assert (invoice["type_label"], invoice["description"], invoice["status_label"]) == (
        "Facture",
        "Facture",
        "Partiellement payée",  # by the credit on the account
    )
    assert [plain(tax["name"]) for tax in invoice["taxes"]] == ["TVH 13 %"]
    assert [tax["rate"] for tax in invoice["taxes"]] == ["0.13"]
    status, payment = french_details("PAY-BANK")
    assert (payment["type_label"], payment["method"], payment["method_label"]) == (
        "Paiement",
        "bank_upload",
        "Dépôt bancaire",
    )
    assert (payment["status"], payment["status_label"]) == ("approved", "Approuvé")
    status, credit = french_details("CR-NEXT")
    assert (
        credit["description"],
        credit["applied_on_invoice"],
        credit["status_label"],
        credit["reason"],
    ) == (
        "Crédit CR-NEXT",
        "INV-202611",
        "Appliqué",
        "Promotion on the next invoice",  # the billing engine's own words
    )
    status, refund = french_details("RF-1")
    assert (refund["type_label"], refund["description"], refund["status_label"]) == (
        "Remboursement",
        "Remboursement RF-1",
        "Émis",
    )
    status, body = french_details("INV-OLD")
    assert (status, body["code"]) == (410, "gone")
    assert body["message"].startswith("La transaction INV-OLD date de plus de 24 mois.")
    status, body = french_details("INV-NOPE")
    assert (status, body) == (
        404,
        {"message": "La transaction INV-NOPE est introuvable.", "code": "not_found"},
    )


@pytest.fixture
def quebec(store: FakeLedgerStore) -> dict[str, str]:
    """An account billed in Québec, with Léa as its French-reading user."""
    send(store, documents.account("acct-qc", province="QC", postal_code="H2X 1Y4"))
    send(store, documents.invoice("acct-qc", "INV-QC-1", date(2026, 11, 1), service="1234.56"))
    send(store, documents.pending_credit("acct-qc", "CR-QC", date(2026, 11, 5), "1000.00"))
    store.seed_user(replace(LEA, account_id="acct-qc"))
    return {"custom:account_id": "acct-qc", "cognito:username": LEA.username}


def test_a_quebec_invoice_in_french_names_its_taxes_tps_and_tvq(call: Call, quebec: dict[str, str]) -> None:
    status, body = call(
        "TransactionDetailsFunction",
        "GET",
        "/transactions/{id}",
        "/transactions/INV-QC-1",
        path_parameters={"id": "INV-QC-1"},
        claims=quebec,
    )
    assert status == 200
    assert [(plain(tax["name"]), tax["rate"], tax["amount"]) for tax in body["taxes"]] == [
        ("TPS 5 %", "0.05", "61.73"),
        ("TVQ 9,975 %", "0.09975", "123.15"),
    ]
    assert (body["status_label"], body["subtotal"]) == ("Ouverte", "1234.56")
    assert plain(body["pending_credit_note"]) == (
        "Les crédits en attente sur votre prochaine facture paieront 1 000,00 $ du solde de cette facture."
    )


def test_a_quebec_invoice_in_english_names_its_taxes_gst_and_qst(
    call: Call, store: FakeLedgerStore, quebec: dict[str, str]
) -> None:
    dana = PortalUser("acct-qc", "dana@erable.example", "Dana", "Roy", "America/Toronto", True, "")
    store.seed_user(dana)
    status, body = call(
        "TransactionDetailsFunction",
        "GET",
        "/transactions/{id}",
        "/transactions/INV-QC-1",
        path_parameters={"id": "INV-QC-1"},
        claims={"custom:account_id": "acct-qc", "cognito:username": dana.username},
    )
    assert status == 200
    assert [tax["name"] for tax in body["taxes"]] == ["GST 5%", "QST 9.975%"]
    assert body["status_label"] == "Open"
    assert body["pending_credit_note"] == (
        "Credits pending on your next invoice will pay $1,000.00 of this invoice's balance."
    )


def test_the_accounts_default_language_is_changed_and_shown_on_the_dashboard(
    call: Call, french_reader: dict[str, str]
) -> None:
    status, body = call(
        "UpdateProfileFunction",
        "PATCH",
        "/account/profile",
        "/account/profile",
        body=json.dumps({"language": "fr"}),
        headers={"Content-Type": "application/json"},
        claims=french_reader,
    )
    assert status == 200, body
    assert (body["language"], body["last_payment"]["method"]) == ("fr", "Dépôt bancaire")
    assert call("DashboardFunction", "GET", "/account", "/account")[1]["language"] == "fr"
