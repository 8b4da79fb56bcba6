"""Invoice PDFs as a customer reads them: invoices posted through the ingest rules into the in-memory store,
drawn, and read back with pypdf. Then the download link's rules (retention window, ids, drawn once)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pypdf
import pytest

from billing_portal.invoices.drawing import dollars, draw_invoice
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


def drawn(store: FakeLedgerStore, account_id: str, invoice_id: str) -> list[str]:
    """The invoice drawn as stored, read back: each page's text laid out as printed, runs of spaces
    (the gaps between columns) as one space."""
    invoice = store.get_document(account_id, invoice_id)
    account = store.get_account(account_id)
    assert invoice is not None and account is not None
    pdf = io.BytesIO()
    draw_invoice(invoice, account, pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf.getvalue()))
    return [re.sub(r"[ \t]+", " ", page.extract_text(extraction_mode="layout")) for page in reader.pages]


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


def test_the_same_invoice_draws_to_the_same_bytes(store: FakeLedgerStore) -> None:
    """Two requests racing to draw the PDF store the very same file."""
    send(store, account_doc("acct-same"))
    send(store, invoice_doc("acct-same", "INV-SAME-1", [("Hosted seats", "service", 4, "100.00")]))
    invoice = store.get_document("acct-same", "INV-SAME-1")
    account = store.get_account("acct-same")
    assert invoice is not None and account is not None
    first, second = io.BytesIO(), io.BytesIO()

    draw_invoice(invoice, account, first)
    draw_invoice(invoice, account, second)

    assert first.getvalue().startswith(b"%PDF-")
    assert first.getvalue() == second.getvalue()


@pytest.mark.parametrize(
    ("cents", "shown"),
    [(0, "$0.00"), (5, "$0.05"), (123456, "$1,234.56"), (100_000_000, "$1,000,000.00"), (-2000, "-$20.00")],
)
def test_amounts_print_as_dollars_with_thousands_separators(cents: int, shown: str) -> None:
    assert dollars(cents) == shown


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

    first = pdfs.pdf_link("acct-link", "INV-100482731")
    second = pdfs.pdf_link("acct-link", "INV-100482731")

    key = "invoices/acct-link/INV-100482731/paid-0.pdf"
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

    link = pdfs.pdf_link("acct-link", "INV-100482731")

    [(_, _, _, lifetime)] = bucket.links
    assert lifetime == LINK_LIFETIME == timedelta(minutes=5)
    # Whole seconds, as the signature's date: never later than the link really stops working.
    assert link.expires_at == "2026-11-15T14:05:07+00:00"


def test_the_oldest_invoice_of_the_window_has_a_pdf_and_the_day_before_is_gone(
    service: tuple[InvoicePdfService, FakeDocuments],
) -> None:
    pdfs, bucket = service

    assert pdfs.pdf_link("acct-link", "INV-OLDEST").filename.startswith("Invoice-INV-OLDEST-")
    with pytest.raises(Gone) as gone:
        pdfs.pdf_link("acct-link", "INV-TOO-OLD")

    assert "24 months" in gone.value.message
    assert "billing@net2phone.ca" in gone.value.message and "1-877-498-3772" in gone.value.message
    assert bucket.puts == ["invoices/acct-link/INV-OLDEST/paid-0.pdf"]


@pytest.mark.parametrize("invoice_id", ["INV-THEIRS", "INV-NOPE", "PAY-1", "inv-100482731", "../INV-1", ""])
def test_what_is_not_one_of_the_accounts_invoices_is_not_found_alike(
    service: tuple[InvoicePdfService, FakeDocuments], invoice_id: str
) -> None:
    pdfs, bucket = service

    with pytest.raises(NotFound) as missing:
        pdfs.pdf_link("acct-link", invoice_id)

    assert missing.value.message == "There is no invoice with this id on your account."
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
    assert pdfs.pdf_link("acct-name", invoice_id).filename == filename
