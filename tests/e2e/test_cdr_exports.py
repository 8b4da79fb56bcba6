"""CDR exports over HTTP, as the web client sees them: the demo's big invoice (5,000 calls and more)
exported as CSV, Excel and PDF, each made in the request or by the worker the local stack feeds from the
queue, downloaded through its short-lived link and read back: every call, in the user's time zone, and
totals that equal the invoice's usage lines. The same invoice's PDF downloads too; an invoice past the
6-month window and another account's export are refused. A French reader of the Québec account gets their
exports in French, read back alike."""

from __future__ import annotations

import csv
import io
import re
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import boto3
import pypdf
import pytest
from billed_calls import read_billed_calls

from billing_portal.exports import cdr
from billing_portal.i18n import Language
from billing_portal.ledger.retention import months_before
from billing_portal.shared.money import parse_amount

from .conftest import Api

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 180  # for the worker to make an export: generous, a slow machine is no failure
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
EXCEL_DAY_ZERO = datetime(1899, 12, 30)
NBSP = "\u00a0"
# An amount as the PDF writes it for its reader: "$1,234.56", "1 234,56 $" (no-break spaces).
_PDF_AMOUNTS = {"en": r"-?\$[\d,]+\.\d{2}", "fr": rf"-?[\d{NBSP}]+,\d{{2}}{NBSP}\$"}
_PDF_ZONE_LINES = {"en": "Call start times in ", "fr": "Heures de début des appels selon le fuseau "}


# -- the demo's big invoice --------------------------------------------------------------------------------


def big_invoice(api: Api, token: str) -> dict[str, Any]:
    """The recent invoice with the most billed calls, with its details."""
    answer = api.get("/transactions?type=invoice&page_size=10", token=token)
    assert answer.status == 200, answer.raw
    details = [api.get(f"/transactions/{item['id']}", token=token).body for item in answer.body["items"][:4]]
    chosen: dict[str, Any] = max(details, key=lambda d: d["call_count"] or 0)
    assert chosen["call_count"] >= 5000, "the demo has a recent invoice of 5,000 calls or more"
    return chosen


def expected_totals(invoice: dict[str, Any], language: Language = "en") -> dict[str, int]:
    """The totals an export shows: its usage lines named as the invoice's details name them for the same
    reader."""
    usage = {
        line["description"]: parse_amount(line["amount"])
        for line in invoice["lines"]
        if line["category"] == "usage"
    }
    total_charge = "Total des frais" if language == "fr" else "Total charge"
    return {total_charge: sum(usage.values()), **{f"Total {name}": cents for name, cents in usage.items()}}


@dataclass(frozen=True)
class Billed:
    starts_utc: list[str]
    charges: list[int]


def billed_file(link: str, account_id: str, invoice_id: str) -> Billed:
    """The invoice's billed CDR file, read straight from the local S3 the export links point at."""
    url = urlsplit(link)
    s3 = boto3.client(
        "s3",
        endpoint_url=f"{url.scheme}://{url.netloc}",
        region_name="ca-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # the local moto server's
    )
    key = cdr.object_key(account_id, invoice_id)
    for bucket in s3.list_buckets()["Buckets"]:
        found = s3.list_objects_v2(Bucket=bucket["Name"], Prefix=key)
        if found.get("KeyCount"):
            calls = read_billed_calls(
                io.BytesIO(s3.get_object(Bucket=bucket["Name"], Key=key)["Body"].read())
            )
            return Billed([c.start_utc for c in calls], [c.charge_cents for c in calls])
    raise AssertionError(f"no bucket holds {key}")


def local_times(starts_utc: list[str], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [
        datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        for s in starts_utc
    ]


# -- exports -----------------------------------------------------------------------------------------------


def export(api: Api, token: str, invoice_id: str, fmt: str, name: str = "CDR") -> dict[str, Any]:
    """POST the export, then poll until it is ready (bounded); `name` is what its file name says first."""
    answer = api.post(f"/invoices/{invoice_id}/cdr-exports", {"format": fmt}, token=token)
    assert answer.status in (201, 202), answer.raw
    view: dict[str, Any] = answer.body
    if answer.status == 202:
        assert view == {"id": view["id"], "status": "pending"}
    deadline = time.monotonic() + WAIT_SECONDS
    while view["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        polled = api.get(f"/cdr-exports/{view['id']}", token=token)
        assert polled.status == 200, polled.raw
        view = polled.body
    assert view["status"] == "ready", view
    assert view["filename"] == f"{name}-{invoice_id}.{fmt}"
    return view


def download(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - the local stack's S3
        data: bytes = answer.read()
        return data, answer.headers.get("Content-Disposition", "")


@dataclass(frozen=True)
class ReadBack:
    starts: list[str]
    charges: list[int]
    totals: dict[str, int]
    heading: str


def read_csv(data: bytes, language: Language = "en") -> ReadBack:
    """Its numbers are machine-readable in both languages: read alike."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blank = rows.index([])
    calls = rows[1:blank]
    totals = {row[0]: parse_amount(row[1]) for row in rows[blank + 1 :] if row[0].startswith("Total")}
    return ReadBack([row[0] for row in calls], [parse_amount(row[8]) for row in calls], totals, rows[0][0])


def _rows(book: zipfile.ZipFile, name: str) -> Iterator[dict[str, str]]:
    root = ElementTree.fromstring(book.read(name))  # noqa: S314 - the file the stack just made
    for row in root.iter(f"{SHEET}row"):
        cells = {}
        for cell in row.iter(f"{SHEET}c"):
            value = cell.find(f"{SHEET}v")
            if value is None:
                value = cell.find(f"{SHEET}is/{SHEET}t")
            cells[re.sub(r"[0-9]", "", cell.get("r", ""))] = (value.text if value is not None else "") or ""
        yield cells


def read_xlsx(data: bytes, language: Language = "en") -> ReadBack:
    """The worksheets' XML (openpyxl is not installed): the call sheets, then the totals sheet; its cells are
    numbers in both languages."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = [name for name in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        names.sort(key=lambda name: int(re.sub(r"\D", "", name)))
        sheets = [list(_rows(book, name)) for name in names]
    *call_sheets, totals_sheet = sheets
    starts, charges = [], []
    for sheet in call_sheets:
        for cells in sheet[1:]:
            moment = EXCEL_DAY_ZERO + timedelta(days=float(cells["A"]), microseconds=500_000)
            starts.append(moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S"))
            charges.append(parse_amount(cells["I"]))
    totals = {c["A"]: round(float(c["B"]) * 100) for c in totals_sheet if c.get("A", "").startswith("Total")}
    return ReadBack(starts, charges, totals, call_sheets[0][0]["A"])


def pdf_cents(amount: str, language: Language) -> int:
    digits = amount.replace("$", "").replace(NBSP, "")
    return parse_amount(digits.replace(",", ".") if language == "fr" else digits.replace(",", ""))


def read_pdf(data: bytes, language: Language = "en") -> ReadBack:
    reader = pypdf.PdfReader(io.BytesIO(data))
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    amount = _PDF_AMOUNTS[language]
    call_line = re.compile(rf"^(\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}}) .* ({amount})$")
    total_line = re.compile(rf"^(Total .+) ({amount})$")
    calls = [match for line in lines if (match := call_line.match(line))]
    totals = {m[1]: pdf_cents(m[2], language) for line in lines if (m := total_line.match(line))}
    zone = next(line for line in lines if line.startswith(_PDF_ZONE_LINES[language]))
    return ReadBack([m[1] for m in calls], [pdf_cents(m[2], language) for m in calls], totals, zone)


READERS = {"csv": read_csv, "xlsx": read_xlsx, "pdf": read_pdf}


def _user_zone(api: Api, token: str) -> str:
    answer = api.get("/me", token=token)
    assert answer.status == 200, answer.raw
    return str(answer.body["time_zone"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_the_big_invoice_exports_and_reads_back(api: Api, demo_token: str, fmt: str) -> None:
    invoice = big_invoice(api, demo_token)
    account_id = api.get("/account", token=demo_token).body["account_id"]
    zone = _user_zone(api, demo_token)

    view = export(api, demo_token, invoice["id"], fmt)
    assert view["row_count"] == invoice["call_count"]
    data, disposition = download(view["url"])
    read = READERS[fmt](data)

    assert "attachment" in disposition and view["filename"] in disposition
    assert len(read.starts) == invoice["call_count"]
    assert read.totals == expected_totals(invoice), "the totals are the invoice's usage lines, to the cent"
    billed = billed_file(view["url"], account_id, invoice["id"])
    assert read.starts == local_times(billed.starts_utc, zone), f"call starts in the user's zone, {zone}"
    assert read.charges == billed.charges
    assert zone in read.heading
    # Polling a ready export again gives a fresh link to the same file.
    again = api.get(f"/cdr-exports/{view['id']}", token=demo_token).body
    assert again["status"] == "ready" and again["row_count"] == view["row_count"]
    assert download(again["url"])[0] == data


def test_the_big_invoices_pdf_downloads(api: Api, demo_token: str) -> None:
    invoice = big_invoice(api, demo_token)
    answer = api.get(f"/invoices/{invoice['id']}/pdf", token=demo_token)
    assert answer.status == 200, answer.raw
    data, disposition = download(answer.body["url"])
    assert data.startswith(b"%PDF-") and "attachment" in disposition
    assert invoice["id"] in "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_an_invoice_past_six_months_cannot_be_exported(api: Api, demo_token: str) -> None:
    answer = api.get("/transactions?type=invoice&page_size=50", token=demo_token)
    # A month clear of the boundary, so that the test does not depend on the hour it runs.
    limit = months_before(datetime.now(UTC).date(), 7)
    old = next(item for item in answer.body["items"] if datetime.fromisoformat(item["date"]).date() < limit)
    refused = api.post(f"/invoices/{old['id']}/cdr-exports", {"format": "csv"}, token=demo_token)
    assert refused.status == 410, refused.raw
    assert "billing@net2phone.ca" in refused.body["message"] and "6 months" in refused.body["message"]


def test_another_accounts_export_is_not_found(api: Api, demo_token: str, other_token: str) -> None:
    invoice = big_invoice(api, demo_token)
    made = api.post(f"/invoices/{invoice['id']}/cdr-exports", {"format": "csv"}, token=demo_token).body
    assert api.get(f"/cdr-exports/{made['id']}", token=other_token).status == 404
    assert (
        api.post(f"/invoices/{invoice['id']}/cdr-exports", {"format": "csv"}, token=other_token).status == 404
    )


# -- in French ---------------------------------------------------------------------------------------------


def recent_invoice_with_calls(api: Api, token: str) -> dict[str, Any]:
    """The newest invoice with billed calls, its details as the token's user reads them."""
    answer = api.get("/transactions?type=invoice&page_size=10", token=token)
    assert answer.status == 200, answer.raw
    for item in answer.body["items"][:3]:
        details: dict[str, Any] = api.get(f"/transactions/{item['id']}", token=token).body
        if details["call_count"]:
            return details
    raise AssertionError("the Québec account has a recent invoice with billed calls")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_french_reader_exports_in_french(api: Api, french_token: str, fmt: str) -> None:
    invoice = recent_invoice_with_calls(api, french_token)
    account_id = api.get("/account", token=french_token).body["account_id"]
    zone = _user_zone(api, french_token)

    view = export(api, french_token, invoice["id"], fmt, name="Appels")
    data, disposition = download(view["url"])
    read = READERS[fmt](data, "fr")

    assert "attachment" in disposition and view["filename"] in disposition
    assert read.totals == expected_totals(invoice, "fr"), "the invoice's usage lines, to the cent"
    billed = billed_file(view["url"], account_id, invoice["id"])
    assert read.starts == local_times(billed.starts_utc, zone)
    assert read.charges == billed.charges
    assert zone in read.heading
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][:3] == [f"Début de l'appel ({zone})", "Durée", "Numéro appelant"]
        assert rows[0][7:] == ["Tarif à la minute", "Frais"]
        assert re.fullmatch(r"\d+\.\d{2}", rows[1][8]), "numbers a program reads"
        assert ["Nombre d'appels", str(invoice["call_count"])] in rows
    elif fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            assert 'name="Appels"' in book.read("xl/workbook.xml").decode()
            assert 'formatCode="#,##0.00 &quot;$&quot;"' in book.read("xl/styles.xml").decode()
    else:
        text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert f"Appels facturés — facture {invoice['id']}" in text
        assert "Page 1" in text and "Call start" not in text
