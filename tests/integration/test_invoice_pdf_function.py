"""GET /invoices/{id}/pdf through the real handler, against moto: the presigned link, the stored PDF, drawn
once per language in the signed-in user's language, and the answers for ids that are not the caller's
invoice or are past the 24-month window."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pypdf

from billing_portal.ledger.ports import PortalUser
from billing_portal.ledger.retention import HISTORY_MONTHS, months_before
from billing_portal.shared.clock import utc_today
from billing_portal.users.dynamo import DynamoUserRecords

from .support import (
    Caller,
    account_doc,
    assert_error,
    call,
    days_ago,
    invoice_doc,
    payment_doc,
    portal_user,
    posted,
)

DANA = Caller("acct-pdf", "dana@erable.example")
LEA = Caller("acct-pdf", "lea@erable.example")  # Dana's colleague, who reads the portal in French
OMAR = Caller("acct-pdf-other", "omar@other.example")


def s3() -> Any:
    return boto3.client("s3", region_name="ca-central-1")


def bucket_and_key(url: str) -> tuple[str, str]:
    """The object a presigned S3 URL points at, addressed virtual-host or path style."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = unquote(parts.path).lstrip("/")
    if host.startswith("s3.") or host == "s3.amazonaws.com":
        bucket, _, key = path.partition("/")
        return bucket, key
    return host.split(".s3", 1)[0], path


def setup_accounts() -> None:
    posted(
        account_doc(
            DANA.account_id,
            account_number="100482731",
            name="Érable Télécom Inc.",
            city="Montréal",
            province="QC",
            postal_code="H2L 3Y7",
        )
    )
    posted(account_doc(OMAR.account_id, account_number="200300400", name="Other Co"))
    portal_user(DANA)
    portal_user(OMAR)
    DynamoUserRecords(aws_table()).claim(
        PortalUser(LEA.account_id, LEA.username, "Léa", "Bouchard", "America/Toronto", False, "", "fr")
    )


def aws_table() -> str:
    return os.environ["TABLE_NAME"]


def pdf_text(data: bytes) -> str:
    """The PDF's text as laid out, its runs of spaces as one."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text(extraction_mode="layout").split()) for page in reader.pages)


def test_the_link_is_a_short_presigned_get_of_the_stored_pdf(aws: dict[str, str]) -> None:
    setup_accounts()
    issued = days_ago(20)
    posted(
        invoice_doc(
            DANA.account_id,
            "INV-100482731",
            issued,
            [("Postes hébergés", "service", 4, "100.00"), ("Interurbains", "usage", 120, "23.45")],
        )
    )
    asked_at = datetime.now(UTC).replace(microsecond=0)

    reply = call("GET", "/invoices/INV-100482731/pdf", DANA)

    assert reply.status == 200, reply.body
    assert set(reply.body) == {"url", "expires_at", "filename"}
    filename = f"Invoice-INV-100482731-{issued:%Y%m}.pdf"
    assert reply.body["filename"] == filename
    url = reply.body["url"]
    assert bucket_and_key(url) == (
        aws["DocumentsBucket"],
        f"invoices/{DANA.account_id}/INV-100482731/en/paid-0.pdf",
    )
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["response-content-disposition"] == f'attachment; filename="{filename}"'
    assert query["response-content-type"] == "application/pdf"
    # moto checks neither signature nor expiry: read them off the URL.
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    lifetime = int(query["X-Amz-Expires"])
    assert 0 < lifetime <= 300
    expires_at = datetime.fromisoformat(reply.body["expires_at"])
    assert expires_at.utcoffset() is not None
    # The answer never promises more than the signature gives.
    assert asked_at < expires_at <= signed_at + timedelta(seconds=lifetime)

    stored = s3().get_object(
        Bucket=aws["DocumentsBucket"], Key=f"invoices/{DANA.account_id}/INV-100482731/en/paid-0.pdf"
    )
    assert stored["ContentType"] == "application/pdf"
    text = pdf_text(stored["Body"].read())
    for expected in (
        "INV-100482731",
        "Account number 100482731",
        "Érable Télécom Inc.",
        "Montréal, QC H2L 3Y7",
        "Postes hébergés 4 $100.00",
        "Interurbains 120 $23.45",
        "GST 5% $6.17",  # 123.45 x 0.05 = 6.1725
        "QST 9.975% $12.31",  # 123.45 x 0.09975 = 12.3141...
        "Balance due $141.93",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_a_french_reader_gets_the_invoice_in_french_kept_apart_from_the_english_one(
    aws: dict[str, str],
) -> None:
    setup_accounts()
    issued = days_ago(20)
    document = invoice_doc(
        DANA.account_id,
        "INV-100482731",
        issued,
        [("Hosted seats", "service", 4, "100.00"), ("Long distance", "usage", 120, "1134.56")],
    )
    document["lines"][0]["description_fr"] = "Postes hébergés"
    posted(document)

    french = call("GET", "/invoices/INV-100482731/pdf", LEA)
    english = call("GET", "/invoices/INV-100482731/pdf", DANA)

    assert french.status == english.status == 200, (french.body, english.body)
    assert french.body["filename"] == f"Facture-INV-100482731-{issued:%Y%m}.pdf"
    assert english.body["filename"] == f"Invoice-INV-100482731-{issued:%Y%m}.pdf"
    query = {name: values[0] for name, values in parse_qs(urlsplit(french.body["url"]).query).items()}
    assert query["response-content-disposition"] == f'attachment; filename="{french.body["filename"]}"'
    bucket, french_key = bucket_and_key(french.body["url"])
    _, english_key = bucket_and_key(english.body["url"])
    assert french_key == f"invoices/{DANA.account_id}/INV-100482731/fr/paid-0.pdf"
    assert english_key == f"invoices/{DANA.account_id}/INV-100482731/en/paid-0.pdf"

    text = pdf_text(s3().get_object(Bucket=bucket, Key=french_key)["Body"].read())
    for expected in (
        "FACTURE",
        "Numéro de facture INV-100482731",
        f"Date d'émission {french_date(issued)}",
        "Numéro de compte 100482731",
        "Montréal, QC H2L 3Y7",
        "Postes hébergés 4 100,00 $",  # the billing engine's French description
        "Long distance 120 1 134,56 $",  # none given: the English one
        "Sous-total 1 234,56 $",
        "TPS 5 % 61,73 $",  # 1,234.56 x 0.05 = 61.728
        "TVQ 9,975 % 123,15 $",  # 1,234.56 x 0.09975 = 123.1473...
        "Total 1 419,44 $",
        "Solde dû 1 419,44 $",
        "Communiquez avec l'équipe de facturation au billing@net2phone.ca",
        "Page 1 de 1",
    ):
        assert expected in text, expected
    assert "GST" not in text and "QST" not in text and "Invoice" not in text
    english_text = pdf_text(s3().get_object(Bucket=bucket, Key=english_key)["Body"].read())
    assert "GST 5% $61.73" in english_text and "Hosted seats 4 $100.00" in english_text
    assert "TPS" not in english_text and "Postes hébergés" not in english_text


_FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_date(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {_FRENCH_MONTHS[day.month - 1]} {day.year}"


def test_a_second_download_serves_the_stored_pdf_without_drawing_it_again(aws: dict[str, str]) -> None:
    setup_accounts()
    posted(invoice_doc(DANA.account_id, "INV-AGAIN-1", days_ago(40)))
    first = call("GET", "/invoices/INV-AGAIN-1/pdf", DANA)
    assert first.status == 200, first.body
    bucket, key = bucket_and_key(first.body["url"])
    # Stand in for the stored copy: drawing again would replace it.
    s3().put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4 the stored copy", ContentType="application/pdf")

    second = call("GET", "/invoices/INV-AGAIN-1/pdf", DANA)

    assert second.status == 200, second.body
    assert bucket_and_key(second.body["url"]) == (bucket, key)
    assert second.body["filename"] == first.body["filename"]
    assert s3().get_object(Bucket=bucket, Key=key)["Body"].read() == b"%PDF-1.4 the stored copy"


def test_a_payment_applied_later_shows_in_the_next_download(aws: dict[str, str]) -> None:
    setup_accounts()
    posted(invoice_doc(DANA.account_id, "INV-PAID-LATER-1", days_ago(40)))
    before = call("GET", "/invoices/INV-PAID-LATER-1/pdf", DANA)
    posted(payment_doc(DANA.account_id, "PAY-AFTER-1", days_ago(5), "150.00"))

    after = call("GET", "/invoices/INV-PAID-LATER-1/pdf", DANA)

    assert after.status == 200, after.body
    assert bucket_and_key(after.body["url"]) != bucket_and_key(before.body["url"])
    bucket, key = bucket_and_key(after.body["url"])
    pdf = pypdf.PdfReader(io.BytesIO(s3().get_object(Bucket=bucket, Key=key)["Body"].read()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Payment PAY-AFTER-1" in text and "Balance due\n$0.00" in text


def test_another_accounts_invoice_is_not_found(aws: dict[str, str]) -> None:
    setup_accounts()
    posted(invoice_doc(OMAR.account_id, "INV-OMAR-1", days_ago(10)))

    reply = call("GET", "/invoices/INV-OMAR-1/pdf", DANA)

    assert_error(reply, 404, "not_found")
    in_french = call("GET", "/invoices/INV-OMAR-1/pdf", LEA)
    assert_error(in_french, 404, "not_found")
    assert in_french.body["message"] == "Aucune facture ne porte cet identifiant dans votre compte."
    unknown = call("GET", "/invoices/INV-NO-SUCH-1/pdf", DANA)
    assert_error(unknown, 404, "not_found")
    assert reply.body == unknown.body
    listed = s3().list_objects_v2(Bucket=aws["DocumentsBucket"], Prefix="invoices/")
    assert listed.get("KeyCount", 0) == 0


def test_a_payment_id_is_not_an_invoice(aws: dict[str, str]) -> None:
    setup_accounts()
    posted(invoice_doc(DANA.account_id, "INV-PAID-1", days_ago(30)))
    posted(payment_doc(DANA.account_id, "PAY-PAID-1", days_ago(25), "113.00"))

    assert_error(call("GET", "/invoices/PAY-PAID-1/pdf", DANA), 404, "not_found")


def test_invoices_past_24_months_are_gone_and_the_history_agrees(aws: dict[str, str]) -> None:
    setup_accounts()
    earliest = months_before(utc_today(), HISTORY_MONTHS)
    posted(invoice_doc(DANA.account_id, "INV-PAST-1", earliest - timedelta(days=1)))
    posted(invoice_doc(DANA.account_id, "INV-INSIDE-1", earliest))

    gone = call("GET", "/invoices/INV-PAST-1/pdf", DANA)
    inside = call("GET", "/invoices/INV-INSIDE-1/pdf", DANA)

    assert_error(gone, 410, "gone")
    assert "billing@net2phone.ca" in gone.body["message"]
    assert "1-877-498-3772" in gone.body["message"]
    gone_in_french = call("GET", "/invoices/INV-PAST-1/pdf", LEA)
    assert_error(gone_in_french, 410, "gone")
    assert gone_in_french.body["message"] == (
        f"La facture INV-PAST-1 date de plus de {HISTORY_MONTHS} mois : son PDF n'est donc plus offert ici. "
        "Pour en obtenir une copie, communiquez avec l'équipe de facturation au billing@net2phone.ca ou au "
        "1-877-498-3772 (option 4)."
    )
    assert inside.status == 200, inside.body
    assert inside.body["filename"] == f"Invoice-INV-INSIDE-1-{earliest:%Y%m}.pdf"
    history = call("GET", "/transactions", DANA, query="type=invoice&page_size=100")
    assert history.status == 200, history.body
    available = {item["id"]: item["invoice_pdf_available"] for item in history.body["items"]}
    assert available == {"INV-INSIDE-1": True}  # the older one is past the history's window too


def test_signing_in_is_required(aws: dict[str, str]) -> None:
    setup_accounts()
    posted(invoice_doc(DANA.account_id, "INV-ANON-1", days_ago(5)))

    assert_error(call("GET", "/invoices/INV-ANON-1/pdf"), 401, "not_signed_in")
