"""Invoice PDFs as a customer reads them, in English and in French: invoices posted through the ingest rules
into the in-memory store, drawn, and read back with pypdf. Then the download link's rules (retention window,
ids, drawn once per language)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pypdf
import pytest

from billing_portal.i18n import Language
from billing_portal.i18n.words import words_in
from billing_portal.invoices.drawing import draw_invoice
from billing_portal.invoices.links import LINK_LIFETIME
from billing_portal.invoices.service import InvoicePdfService
from billing_portal.ledger.retention import HISTORY_MONTHS, months_before
from billing_portal.shared.errors import Gone, NotFound

from . import documents
from .documents import send
from .fakes import FakeDocuments, FakeLedgerStore

ISSUED = date(2026, 10, 1)


def account_doc(account_id: str, **changes: Any) -> dict[str, Any]:
    doc = documents.account(account_id)
    doc["billing_address"] = {
        "line1": "100 King Street West",
        "line2": "Suite 4",
        "city": "Toronto",
        "province": "ON",
        "postal_code": "M5V 3L9",
    }
    doc.update(changes)
    return doc


def invoice_doc(
    account_id: str, invoice_id: str, lines: list[tuple[str, str, int, str]], issued: date = ISSUED
) -> dict[str, Any]:
    """`lines`: (description, category, quantity, amount); billing period September 2026, due October 31."""
    return {
        "kind": "invoice",
        "account_id": account_id,
        "invoice_id": invoice_id,
        "issue_date": issued.isoformat(),
        "period_start": "2026-09-01",
        "period_end": "2026-09-30",
        "due_date": "2026-10-31",
        "lines": [{"description": d, "category": c, "quantity": q, "amount": a} for d, c, q, a in lines],
    }


EN, FR = words_in("en"), words_in("fr")
NBSP = "\u00a0"


def dollars(cents: int) -> str:
    return EN.money(cents)


def read_pdf(data: bytes) -> list[str]:
    """Each page's text laid out as printed, runs of spaces (the gaps between columns) as one space; a
    no-break space as a space (WinAnsi draws both with its one space glyph)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [
        re.sub(r"[ \t]+", " ", page.extract_text(extraction_mode="layout").replace(NBSP, " "))
        for page in reader.pages
    ]


def drawn_pdf(
    store: FakeLedgerStore, account_id: str, invoice_id: str, language: Language = "en", **line_changes: Any
) -> bytes:
    """The invoice drawn as stored; `line_changes` are added to its first line (a French description)."""
    invoice = store.get_document(account_id, invoice_id)
    account = store.get_account(account_id)
    assert invoice is not None and account is not None
    invoice["lines"][0].update(line_changes)
    pdf = io.BytesIO()
    draw_invoice(invoice, account, pdf, words_in(language))
    return pdf.getvalue()


def drawn(store: FakeLedgerStore, account_id: str, invoice_id: str, language: Language = "en") -> list[str]:
    """The invoice drawn as stored, read back."""
    return read_pdf(drawn_pdf(store, account_id, invoice_id, language))


def lines_of(pages: list[str]) -> list[str]:
    return [line.strip() for page in pages for line in page.splitlines() if line.strip()]


@pytest.fixture
def store() -> FakeLedgerStore:
    return FakeLedgerStore()


def test_an_ontario_invoice_has_everything_a_customer_looks_for(store: FakeLedgerStore) -> None:
    send(store, account_doc("acct-on", account_number="100482731", name="Maple Dental Group"))
    send(
        store,
        invoice_doc(
            "acct-on",
            "INV-100482731",
            [
                ("Hosted seats", "service", 4, "100.00"),
                ("Long distance", "usage", 120, "23.45"),
            ],
        ),
    )

    [page] = drawn(store, "acct-on", "INV-100482731")
    text = " ".join(page.split())

    # The provider and how to reach the billing team.
    for expected in ("net2phone Canada", "billing@net2phone.ca", "1-877-498-3772 (option 4)"):
        assert expected in text
    # Who is billed, for what, and when.
    for expected in (
        "Account number 100482731",
        "Account name Maple Dental Group",
        "100 King Street West",
        "Suite 4",
        "Toronto, ON M5V 3L9",
        "Invoice number INV-100482731",
        "Issue date October 1, 2026",
        "Billing period September 1, 2026 to September 30, 2026",
        "Due date October 31, 2026",
    ):
        assert expected in text, expected
    # Service and usage lines in their own sections, with quantities and amounts.
    assert "Services Description Quantity Amount Hosted seats 4 $100.00 Total services $100.00" in text
    assert "Usage Description Quantity Amount Long distance 120 $23.45 Total usage $23.45" in text
    assert text.index("Services") < text.index("Usage")
    # Ontario's HST at 13 %: 123.45 x 0.13 = 16.0485, rounded to the cent.
    assert "Subtotal $123.45 HST 13% $16.05 Total $139.50" in text
    assert "GST" not in text and "QST" not in text
    assert "Payments and credits applied $0.00 Balance due $139.50" in text
    # How to pay, and the page number.
    assert "Billing Portal" in text and "Make a Payment" in text and "Auto Pay" in text
    assert text.endswith("Page 1 of 1")


def test_a_quebec_invoice_shows_gst_and_qst_and_its_accents(store: FakeLedgerStore) -> None:
    send(
        store,
        account_doc(
            "acct-qc",
            name="Érable Télécom Inc.",
            billing_address={
                "line1": "1250 rue Saint-Hubert",
                "line2": "Bureau 300",
                "city": "Montréal",
                "province": "QC",
                "postal_code": "H2L 3Y7",
            },
            time_zone="America/Toronto",
        ),
    )
    send(
        store,
        invoice_doc(
            "acct-qc",
            "INV-QC-1",
            [
                ("Postes hébergés", "service", 12, "1200.00"),
                ("Numéros sans frais, Québec", "usage", 345, "34.56"),
            ],
        ),
    )

    [page] = drawn(store, "acct-qc", "INV-QC-1")
    text = " ".join(page.split())

    for expected in (
        "Érable Télécom Inc.",
        "Montréal, QC H2L 3Y7",
        "Postes hébergés 12 $1,200.00",
        "Numéros sans frais, Québec 345 $34.56",
    ):
        assert expected in text, expected
    # GST 5 % and QST 9.975 % on 1,234.56, each rounded half up; QST is not charged on the GST.
    assert "Subtotal $1,234.56 GST 5% $61.73 QST 9.975% $123.15 Total $1,419.44" in text
    assert "HST" not in text
    assert "Balance due $1,419.44" in text


def test_a_long_invoice_flows_onto_more_pages_each_numbered(store: FakeLedgerStore) -> None:
    send(store, account_doc("acct-big"))
    seats = [(f"Extension {100 + n} & voicemail <main>", "service", 1, "25.00") for n in range(90)]
    usage = [(f"Calls to area code {200 + n}", "usage", n + 1, f"{n + 1}.01") for n in range(30)]
    send(store, invoice_doc("acct-big", "INV-BIG-1", seats + usage))

    pages = drawn(store, "acct-big", "INV-BIG-1")

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"Page {number} of {len(pages)}\s*$", page), page[-200:]
    # The column headings come back on every page a table goes on to.
    pages_with_lines = [page for page in pages if "Extension" in page or "Calls to area code" in page]
    assert len(pages_with_lines) >= 3
    for page in pages_with_lines:
        assert "Description Quantity Amount" in page
    lines = lines_of(pages)
    # Every line printed once, markup characters as they are.
    for description, _, quantity, amount in seats + usage:
        assert lines.count(f"{description} {quantity} {dollars(int(amount.replace('.', '')))}") == 1
    text = " ".join(lines)
    assert "Total services $2,250.00" in text
    usage_cents = sum((n + 1) * 100 + 1 for n in range(30))  # 1.01 + 2.01 + ... + 30.01
    assert f"Total usage {dollars(usage_cents)}" in text
    assert f"Subtotal {dollars(225_000 + usage_cents)}" in text


def test_a_partly_paid_invoice_lists_the_payments_and_credits_applied(store: FakeLedgerStore) -> None:
    send(store, account_doc("acct-paid"))
    # Credit on the account before the invoice pays part of it the moment it is posted.
    send(store, documents.credit("acct-paid", "CR-BEFORE", date(2026, 9, 20), "20.00"))
    send(store, invoice_doc("acct-paid", "INV-PAID-1", [("Hosted seats", "service", 4, "123.45")]))
    send(store, documents.payment("acct-paid", "PAY-PART-1", date(2026, 10, 10), "50.00"))
    send(store, documents.credit("acct-paid", "CR-OUTAGE-7", date(2026, 10, 12), "10.00"))

    [page] = drawn(store, "acct-paid", "INV-PAID-1")
    text = " ".join(page.split())

    assert "Total this invoice Payments and credits applied Balance due by October 31, 2026" in text
    assert "$139.50 -$80.00 $59.50" in text
    assert (
        "Total $139.50 Credit on account -$20.00 Payment PAY-PART-1 -$50.00 Credit CR-OUTAGE-7 -$10.00 "
        "Balance due $59.50"
    ) in text


def quebec_invoice(store: FakeLedgerStore) -> None:
    send(
        store,
        account_doc(
            "acct-qc",
            account_number="100482731",
            name="Érable Télécom Inc.",
            billing_address={
                "line1": "1250 rue Saint-Hubert",
                "line2": "Bureau 300",
                "city": "Montréal",
                "province": "QC",
                "postal_code": "H2L 3Y7",
            },
        ),
    )
    send(
        store,
        invoice_doc(
            "acct-qc",
            "INV-QC-1",
            [("Hosted seats", "service", 1200, "1200.00"), ("Long distance", "usage", 345, "34.56")],
        ),
    )
    send(store, documents.payment("acct-qc", "PAY-PART-1", date(2026, 10, 10), "50.00"))


def test_a_french_invoice_is_in_french_with_the_quebec_taxes_french_names(store: FakeLedgerStore) -> None:
    quebec_invoice(store)

    [page] = read_pdf(drawn_pdf(store, "acct-qc", "INV-QC-1", "fr", description_fr="Postes hébergés"))
    text = " ".join(page.split())

    # The provider, and its billing team's contacts, from the brand settings.
    for expected in ("net2phone Canada", "Équipe de facturation", "billing@net2phone.ca", "1-877-498-3772"):
        assert expected in text, expected
    for expected in (
        "FACTURE",
        "Numéro de facture INV-QC-1",
        "Date d'émission 1er octobre 2026",
        "Date d'échéance 31 octobre 2026",
        "Facturé à",
        "Numéro de compte 100482731",
        "Nom du compte Érable Télécom Inc.",
        "Montréal, QC H2L 3Y7",
        "Période de facturation Du 1er septembre 2026 au 30 septembre 2026",
        "Total de cette facture Paiements et crédits appliqués Solde dû le 31 octobre 2026",
        "1 419,44 $ -50,00 $ 1 369,44 $",
    ):
        assert expected in text, expected
    # Lines in French where the billing engine describes them in French; quantities and amounts as French
    # writes them.
    assert (
        "Services Description Quantité Montant Postes hébergés 1 200 1 200,00 $ Total des services 1 200,00 $"
    ) in text
    assert "Utilisation Description Quantité Montant Long distance 345 34,56 $" in text
    assert "Total de l'utilisation 34,56 $" in text
    # TPS and TVQ, their rates and amounts written the French way.
    assert "Sous-total 1 234,56 $ TPS 5 % 61,73 $ TVQ 9,975 % 123,15 $ Total 1 419,44 $" in text
    assert "Paiement PAY-PART-1 -50,00 $ Solde dû 1 369,44 $" in text
    assert "GST" not in text and "QST" not in text
    # How to pay, in the portal's French name; the billing team; the page footer.
    assert "Comment payer" in text
    assert "Payez en ligne dans le Portail de facturation de net2phone Canada : connectez-vous" in text
    assert "Veuillez régler le solde dû au plus tard le 31 octobre 2026." in text
    assert "Paiement automatique : activez le paiement automatique dans le Portail de facturation" in text
    assert "Communiquez avec l'équipe de facturation au billing@net2phone.ca ou au 1-877-498-3772" in text
    assert "net2phone Canada · Facture INV-QC-1 · Compte 100482731" in text
    assert text.endswith("Page 1 de 1")
    # Nothing left in English.
    for english in ("Invoice", "Due date", "Balance", "Subtotal", "Payment ", "Page 1 of", "How to pay"):
        assert english not in text, english


def test_the_same_invoice_in_english_keeps_the_english_descriptions(store: FakeLedgerStore) -> None:
    quebec_invoice(store)

    [page] = read_pdf(drawn_pdf(store, "acct-qc", "INV-QC-1", "en", description_fr="Postes hébergés"))
    text = " ".join(page.split())

    assert "Hosted seats 1,200 $1,200.00" in text and "Postes hébergés" not in text
    assert "Subtotal $1,234.56 GST 5% $61.73 QST 9.975% $123.15 Total $1,419.44" in text
    assert "Issue date October 1, 2026" in text and text.endswith("Page 1 of 1")


def test_a_long_french_invoice_numbers_its_pages_in_french(store: FakeLedgerStore) -> None:
    send(store, account_doc("acct-big-fr"))
    seats = [(f"Poste {100 + n}", "service", 1, "25.00") for n in range(90)]
    send(store, invoice_doc("acct-big-fr", "INV-BIG-FR", seats))

    pages = drawn(store, "acct-big-fr", "INV-BIG-FR", "fr")

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"Page {number} de {len(pages)}\s*$", page), page[-200:]
        assert ("Facture INV-BIG-FR (suite)" in page) == (number > 1)
        if "Poste " in page:
            assert "Description Quantité Montant" in page


def test_the_same_invoice_draws_to_the_same_bytes(store: FakeLedgerStore) -> None:
    """Two requests racing to draw the PDF store the very same file."""
    send(store, account_doc("acct-same"))
    send(store, invoice_doc("acct-same", "INV-SAME-1", [("Hosted seats", "service", 4, "100.00")]))
    invoice = store.get_document("acct-same", "INV-SAME-1")
    account = store.get_account("acct-same")
    assert invoice is not None and account is not None
    first, second = io.BytesIO(), io.BytesIO()

    draw_invoice(invoice, account, first, EN)
    draw_invoice(invoice, account, second, EN)

    assert first.getvalue().startswith(b"%PDF-")
    assert first.getvalue() == second.getvalue()


@pytest.mark.parametrize(
    ("cents", "english", "french"),
    [
        (5, "$0.05", "0,05 $"),
        (123456, "$1,234.56", "1 234,56 $"),
        (100_000_000, "$1,000,000.00", "1 000 000,00 $"),
    ],
)
def test_amounts_print_as_each_language_writes_dollars(
    store: FakeLedgerStore, cents: int, english: str, french: str
) -> None:
    send(store, account_doc("acct-amounts"))
    amount = f"{cents // 100}.{cents % 100:02d}"
    send(store, invoice_doc("acct-amounts", "INV-AMOUNT-1", [("Adjustment", "service", 1, amount)]))

    shown_in: dict[Language, str] = {"en": english, "fr": french}
    for language, shown in shown_in.items():
        [page] = drawn(store, "acct-amounts", "INV-AMOUNT-1", language)
        assert f"Adjustment 1 {shown}" in " ".join(page.split())


# -- the download link ------------------------------------------------------------------------------------


TODAY = date(2026, 11, 15)
NOW = datetime(2026, 11, 15, 14, 0, 7, 654321, tzinfo=UTC)


@pytest.fixture
def service(store: FakeLedgerStore) -> tuple[InvoicePdfService, FakeDocuments]:
    send(store, account_doc("acct-link"))
    send(store, account_doc("acct-other"))
    earliest = months_before(TODAY, HISTORY_MONTHS)
    send(
        store,
        invoice_doc("acct-link", "INV-TOO-OLD", [("Seats", "service", 1, "10.00")], earliest - timedelta(1)),
    )
    send(store, invoice_doc("acct-link", "INV-OLDEST", [("Seats", "service", 1, "10.00")], earliest))
    send(store, invoice_doc("acct-link", "INV-100482731", [("Seats", "service", 1, "10.00")]))
    send(store, documents.payment("acct-link", "PAY-1", date(2026, 11, 2), "10.00"))
    send(store, invoice_doc("acct-other", "INV-THEIRS", [("Seats", "service", 1, "10.00")]))
    bucket = FakeDocuments()
    return InvoicePdfService(store, bucket, clock=lambda: NOW), bucket


def test_the_pdf_is_drawn_once_then_linked_from_the_bucket(
    service: tuple[InvoicePdfService, FakeDocuments],
) -> None:
    pdfs, bucket = service

    first = pdfs.pdf_link("acct-link", "INV-100482731", EN)
    second = pdfs.pdf_link("acct-link", "INV-100482731", EN)

    key = "invoices/acct-link/INV-100482731/en/paid-0.pdf"
    assert bucket.puts == [key]
    data, content_type = bucket.objects[key]
    assert data.startswith(b"%PDF-") and content_type == "application/pdf"
    assert first.filename == second.filename == "Invoice-INV-100482731-202610.pdf"
    assert bucket.links == [(key, first.filename, "application/pdf", LINK_LIFETIME)] * 2
    assert (
        first.url
        == second.url
        == FakeDocuments().download_link(key, first.filename, "application/pdf", LINK_LIFETIME)
    )


def test_the_link_expires_five_minutes_after_it_is_signed(
    service: tuple[InvoicePdfService, FakeDocuments],
) -> None:
    pdfs, bucket = service

    link = pdfs.pdf_link("acct-link", "INV-100482731", EN)

    [(_, _, _, lifetime)] = bucket.links
    assert lifetime == LINK_LIFETIME == timedelta(minutes=5)
    # Whole seconds, as the signature's date: never later than the link really stops working.
    assert link.expires_at == "2026-11-15T14:05:07+00:00"


def test_the_oldest_invoice_of_the_window_has_a_pdf_and_the_day_before_is_gone(
    service: tuple[InvoicePdfService, FakeDocuments],
) -> None:
    pdfs, bucket = service

    assert pdfs.pdf_link("acct-link", "INV-OLDEST", EN).filename.startswith("Invoice-INV-OLDEST-")
    with pytest.raises(Gone) as gone:
        pdfs.pdf_link("acct-link", "INV-TOO-OLD", EN)

    message = str(gone.value.message)
    assert "24 months" in message
    assert "billing@net2phone.ca" in message and "1-877-498-3772" in message
    assert FR(gone.value.message) == (
        "La facture INV-TOO-OLD date de plus de 24 mois : son PDF n'est donc plus offert ici. Pour en "
        "obtenir une copie, communiquez avec l'équipe de facturation au billing@net2phone.ca ou au "
        "1-877-498-3772 (option 4)."
    )
    assert bucket.puts == ["invoices/acct-link/INV-OLDEST/en/paid-0.pdf"]


@pytest.mark.parametrize("invoice_id", ["INV-THEIRS", "INV-NOPE", "PAY-1", "inv-100482731", "../INV-1", ""])
def test_what_is_not_one_of_the_accounts_invoices_is_not_found_alike(
    service: tuple[InvoicePdfService, FakeDocuments], invoice_id: str
) -> None:
    pdfs, bucket = service

    with pytest.raises(NotFound) as missing:
        pdfs.pdf_link("acct-link", invoice_id, FR)

    assert str(missing.value.message) == "There is no invoice with this id on your account."
    assert FR(missing.value.message) == "Aucune facture ne porte cet identifiant dans votre compte."
    assert bucket.puts == [] and bucket.links == []


@pytest.mark.parametrize(
    ("invoice_id", "filename"),
    [
        ("INV-100482731", "Invoice-INV-100482731-202610.pdf"),
        # The billing engine's ids carry the month already (the demo's do): it is said once.
        ("INV-100482731-202610", "Invoice-INV-100482731-202610.pdf"),
        ("INV-100482731-202609", "Invoice-INV-100482731-202609.pdf"),  # the billing period's month
        ("INV-202610", "Invoice-INV-202610.pdf"),
        # Digits that happen to end the id but are not the invoice's month are part of the id only.
        ("INV-100482731-202611", "Invoice-INV-100482731-202611-202610.pdf"),
        ("INV-1202610", "Invoice-INV-1202610-202610.pdf"),
    ],
)
def test_the_file_name_says_the_invoice_and_its_month_once(
    store: FakeLedgerStore, invoice_id: str, filename: str
) -> None:
    send(store, account_doc("acct-name"))
    send(store, invoice_doc("acct-name", invoice_id, [("Seats", "service", 1, "10.00")]))
    pdfs = InvoicePdfService(store, FakeDocuments(), clock=lambda: NOW)
    assert pdfs.pdf_link("acct-name", invoice_id, EN).filename == filename
    assert pdfs.pdf_link("acct-name", invoice_id, FR).filename == filename.replace("Invoice-", "Facture-")


def test_each_language_has_its_own_pdf_and_neither_is_served_to_the_other(
    service: tuple[InvoicePdfService, FakeDocuments],
) -> None:
    pdfs, bucket = service

    english = pdfs.pdf_link("acct-link", "INV-100482731", EN)
    french = pdfs.pdf_link("acct-link", "INV-100482731", FR)
    english_again = pdfs.pdf_link("acct-link", "INV-100482731", EN)
    french_again = pdfs.pdf_link("acct-link", "INV-100482731", FR)

    english_key = "invoices/acct-link/INV-100482731/en/paid-0.pdf"
    french_key = "invoices/acct-link/INV-100482731/fr/paid-0.pdf"
    assert bucket.puts == [english_key, french_key], "each drawn once, in its own language"
    assert [key for key, *_ in bucket.links] == [english_key, french_key, english_key, french_key]
    assert (english.filename, french.filename) == (
        "Invoice-INV-100482731-202610.pdf",
        "Facture-INV-100482731-202610.pdf",
    )
    assert english_again.filename == english.filename and french_again.filename == french.filename
    english_text = " ".join(read_pdf(bucket.objects[english_key][0])[0].split())
    french_text = " ".join(read_pdf(bucket.objects[french_key][0])[0].split())
    assert "INVOICE" in english_text and "FACTURE" not in english_text
    assert "FACTURE" in french_text and "INVOICE" not in french_text
