"""CDR exports through the real handlers, against moto: small exports made in the request and read back in
every format and both languages (row count, totals to the cent against the invoice's usage lines, call start
times in the requesting user's time zone, words in their language); a large one queued and made by the
worker from its SQS event, in the language it was asked in; how exports fail and say why; the 6-month
window; another account's invoices and exports; an export never handed to a reader of the other language."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import boto3
import pypdf
import pytest

from billing_portal.exports import cdr
from billing_portal.exports import service as exports
from billing_portal.exports.cdr import BilledCall
from billing_portal.exports.dynamo import DynamoExports, export_key
from billing_portal.i18n import Language
from billing_portal.i18n.words import words_in
from billing_portal.ledger.ports import PortalUser
from billing_portal.ledger.retention import months_before
from billing_portal.shared.clock import utc_today
from billing_portal.shared.money import format_cents, parse_amount
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import functions, template
from localrun.queues import QueuePollers, sqs_event

from .support import Caller, account_doc, assert_error, call, invoice_doc, posted

ANA = Caller("acct-cdr", "ana@erable.example")  # in Vancouver; her account is in Toronto
LEA = Caller("acct-cdr", "lea@erable.example")  # Ana's colleague in Vancouver, who reads French
BOB = Caller("acct-cdr-other", "bob@other.example")
ANA_ZONE = "America/Vancouver"
LONG_DISTANCE, INTERNATIONAL = "Long distance, Canada and US", "International"
# The billing engine's French name of one usage line (the other has none: French readers read it as is).
FRENCH_NAMES = {LONG_DISTANCE: "Interurbains, Canada et États-Unis"}
NBSP = "\u00a0"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
EXCEL_DAY_ZERO = datetime(1899, 12, 30)
REGION = "ca-central-1"


def s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def billed_calls(count: int) -> list[BilledCall]:
    """Calls an hour and a quarter apart from 2026-10-31 on: across the end of daylight time (Nov 1)."""
    first = datetime(2026, 10, 31, 0, 15, 7, tzinfo=UTC)
    calls = []
    for index in range(count):
        international = index % 5 == 0
        calls.append(
            BilledCall(
                call_id=f"c{index:06d}",
                start_utc=(first + timedelta(minutes=75 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                duration_seconds=30 + index * 7 % 600,
                calling_number="+14165550100",
                called_number="+33142685300" if international else f"+1514555{index % 10000:04d}",
                direction="outbound" if index % 3 else "inbound",
                destination="France" if international else "Montréal, QC",
                line="+14165550100" if index % 2 else "ext. 204",
                category=INTERNATIONAL if international else LONG_DISTANCE,
                rate_per_minute="0.0900" if international else "0.0200",
                charge_cents=9 + index % 13 if international else 2 + index % 7,
            )
        )
    return calls


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    calls: list[BilledCall]
    usage_cents: dict[str, int]  # by usage line

    @property
    def local_starts(self) -> list[str]:
        """Each call's start in Ana's time zone, computed here independently of the export engine."""
        zone = ZoneInfo(ANA_ZONE)
        return [
            datetime.fromisoformat(c.start_utc.replace("Z", "+00:00"))
            .astimezone(zone)
            .strftime("%Y-%m-%d %H:%M:%S")
            for c in self.calls
        ]


def accounts(aws: dict[str, str]) -> None:
    posted(account_doc(ANA.account_id, account_number="100482731", time_zone="America/Toronto"))
    posted(account_doc(BOB.account_id, account_number="200300400"))
    users = DynamoUserRecords(aws["PortalTable"])
    users.claim(
        PortalUser(ANA.account_id, ANA.username, "Ana", "Roy", ANA_ZONE, True, "2026-01-01T00:00:00Z")
    )
    users.claim(
        PortalUser(BOB.account_id, BOB.username, "Bob", "Li", "America/Halifax", True, "2026-01-01T00:00:00Z")
    )
    users.claim(
        PortalUser(
            LEA.account_id, LEA.username, "Léa", "Bouchard", ANA_ZONE, True, "2026-01-01T00:00:00Z", "fr"
        )
    )


def invoice(
    aws: dict[str, str], invoice_id: str, calls: int, issued: date | None = None, *, billed_file: bool = True
) -> Invoice:
    """Ana's invoice, its usage lines the exact sums of its billed calls; the billed file in the CDR bucket
    (or taken away after posting: the billing engine posts an invoice only with its file in place)."""
    rows = billed_calls(calls)
    usage = {
        category: sum(c.charge_cents for c in rows if c.category == category)
        for category in (LONG_DISTANCE, INTERNATIONAL)
    }
    body = io.BytesIO()
    cdr.write_csv_gz(rows, body)
    key = cdr.object_key(ANA.account_id, invoice_id)
    s3().put_object(Bucket=aws["CdrBucket"], Key=key, Body=body.getvalue())
    lines = [("Hosted seats", "service", 4, "100.00")]
    lines += [
        (category, "usage", sum(c.category == category for c in rows), format_cents(cents))
        for category, cents in usage.items()
    ]
    total = format_cents(sum(usage.values()))
    issued = issued or utc_today() - timedelta(days=20)
    document = invoice_doc(
        ANA.account_id,
        invoice_id,
        issued,
        lines,
        cdr_file={"object_key": key, "call_count": calls, "usage_total": total},
    )
    for line in document["lines"]:
        if line["description"] in FRENCH_NAMES:
            line["description_fr"] = FRENCH_NAMES[line["description"]]
    posted(document)
    if not billed_file:
        s3().delete_object(Bucket=aws["CdrBucket"], Key=key)
    return Invoice(invoice_id, rows, usage)


def downloaded(aws: dict[str, str], view: dict[str, Any]) -> bytes:
    """The object the presigned URL names (moto does not check signatures, so it is fetched with boto3),
    after checking what the URL asks S3 for."""
    url = urlsplit(view["url"])
    bucket = aws["DocumentsBucket"]
    if url.hostname and url.hostname.startswith(f"{bucket}."):
        key = unquote(url.path).lstrip("/")
    else:
        key = unquote(url.path).removeprefix(f"/{bucket}/")
    assert key == f"exports/{ANA.account_id}/{view['id']}.{view['filename'].rsplit('.', 1)[1]}"
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == [f'attachment; filename="{view["filename"]}"']
    return bytes(s3().get_object(Bucket=bucket, Key=key)["Body"].read())


# -- reading the files back --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadBack:
    starts: list[str]  # each call's start as the file shows it, in order
    charges: list[int]  # each call's charge, in cents
    totals: dict[str, int]  # "Total charge" and "Total <usage line>" (in French too), in cents
    heading: str  # the first column's heading


def read_csv(data: bytes, language: Language = "en") -> ReadBack:
    """The CSV's numbers are machine-readable in both languages: read alike."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blank = rows.index([])
    calls = rows[1:blank]
    totals = {row[0]: parse_amount(row[1]) for row in rows[blank + 1 :] if row[0].startswith("Total")}
    return ReadBack([row[0] for row in calls], [parse_amount(row[8]) for row in calls], totals, rows[0][0])


def _cells(row: ElementTree.Element) -> dict[str, str]:
    values = {}
    for cell in row.iter(f"{SHEET}c"):
        column = re.sub(r"[0-9]", "", cell.get("r", ""))
        value = cell.find(f"{SHEET}v")
        text = cell.find(f"{SHEET}is/{SHEET}t")
        values[column] = (value.text if value is not None else text.text if text is not None else "") or ""
    return values


def _sheet(book: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    root = ElementTree.fromstring(book.read(name))  # noqa: S314 - the file the test just made
    return [_cells(row) for row in root.iter(f"{SHEET}row")]


def read_xlsx(data: bytes, language: Language = "en") -> ReadBack:
    """The workbook's worksheet XML, read with the standard library: the call sheets then the totals; its
    cells are numbers in both languages."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = [name for name in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        names.sort(key=lambda name: int(re.sub(r"\D", "", name)))
        sheets = [_sheet(book, name) for name in names]
    *call_sheets, totals_sheet = sheets
    starts, charges, heading = [], [], call_sheets[0][0]["A"]
    for sheet in call_sheets:
        assert sheet[0]["A"] == heading, "every call sheet starts with the headings"
        for cells in sheet[1:]:
            local = EXCEL_DAY_ZERO + timedelta(days=float(cells["A"]))
            starts.append(
                (local + timedelta(microseconds=500_000)).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
            )
            charges.append(parse_amount(cells["I"]) if "." in cells["I"] else int(cells["I"]) * 100)
    totals = {
        cells["A"]: round(float(cells["B"]) * 100)
        for cells in totals_sheet
        if cells.get("A", "").startswith("Total")
    }
    return ReadBack(starts, charges, totals, heading)


# An amount as the PDF writes it for its reader: "$1,234.56", "1 234,56 $" (no-break spaces).
_PDF_AMOUNTS = {"en": r"-?\$[\d,]+\.\d{2}", "fr": rf"-?[\d{NBSP}]+,\d{{2}}{NBSP}\$"}
_PDF_ZONE_LINES = {"en": "Call start times in ", "fr": "Heures de début des appels selon le fuseau "}


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


def assert_matches_invoice(read: ReadBack, billed: Invoice, language: Language = "en") -> None:
    assert len(read.starts) == len(billed.calls)
    assert read.starts == billed.local_starts, "call starts in the requesting user's time zone"
    assert read.charges == [c.charge_cents for c in billed.calls]
    names = FRENCH_NAMES if language == "fr" else {}
    expected = {f"Total {names.get(line, line)}": cents for line, cents in billed.usage_cents.items()}
    expected["Total des frais" if language == "fr" else "Total charge"] = sum(billed.usage_cents.values())
    assert read.totals == expected, "totals equal the invoice's usage lines to the cent"
    assert ANA_ZONE in read.heading


# -- made in the request -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_small_export_is_made_in_the_request_and_reads_back(aws: dict[str, str], fmt: str) -> None:
    accounts(aws)
    billed = invoice(aws, "INV-100482731-202610", 60)

    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": fmt})

    assert reply.status == 201, reply.body
    assert set(reply.body) == {"id", "status", "url", "expires_at", "filename", "row_count"}
    assert (reply.body["status"], reply.body["row_count"]) == ("ready", 60)
    assert reply.body["filename"] == f"CDR-INV-100482731-202610.{fmt}"
    assert re.fullmatch(r"exp_[0-9a-f]{20}", reply.body["id"])
    link_expiry = datetime.fromisoformat(reply.body["expires_at"]) - datetime.now(UTC)
    assert timedelta(seconds=270) < link_expiry <= timedelta(seconds=300)
    assert_matches_invoice(READERS[fmt](downloaded(aws, reply.body)), billed)

    again = call("GET", f"/cdr-exports/{reply.body['id']}", ANA)
    assert again.status == 200 and again.body["status"] == "ready"
    assert downloaded(aws, again.body) == downloaded(aws, reply.body)


def money_format(data: bytes) -> str:
    """The number format of the first call's charge cell (I2), from the workbook's styles."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        styles = ElementTree.fromstring(book.read("xl/styles.xml"))  # noqa: S314 - the file the test made
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    codes = {fmt.get("numFmtId"): fmt.get("formatCode") for fmt in styles.iter(f"{SHEET}numFmt")}
    styles_used = [xf.get("numFmtId") for xf in styles.iterfind(f"{SHEET}cellXfs/{SHEET}xf")]
    charge = next(cell for cell in sheet.iter(f"{SHEET}c") if cell.get("r") == "I2")
    return str(codes[styles_used[int(charge.get("s", "0"))]])


_FRENCH_HEADINGS = [
    f"Début de l'appel ({ANA_ZONE})",
    "Durée",
    "Numéro appelant",
    "Numéro appelé",
    "Sens",
    "Destination",
    "Ligne",
    "Tarif à la minute",
    "Frais",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_french_reader_gets_the_export_in_french(aws: dict[str, str], fmt: str) -> None:
    accounts(aws)
    billed = invoice(aws, "INV-100482731-202610", 60)

    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", LEA, body={"format": fmt})

    assert reply.status == 201, reply.body
    assert reply.body["filename"] == f"Appels-INV-100482731-202610.{fmt}"
    data = downloaded(aws, reply.body)
    assert_matches_invoice(READERS[fmt](data, "fr"), billed, "fr")
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == _FRENCH_HEADINGS
        assert {row[4] for row in rows[1:61]} == {"Entrant", "Sortant"}
        # Numbers a program reads: dot decimals, no currency sign.
        assert re.fullmatch(r"\d+\.\d{2}", rows[1][8]) and re.fullmatch(r"0\.0[29]00", rows[1][7])
        assert ["Nombre d'appels", "60"] in rows
    elif fmt == "xlsx":
        assert money_format(data) == '#,##0.00 "$"'
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            workbook = book.read("xl/workbook.xml").decode()
        assert 'name="Appels"' in workbook and 'name="Totaux"' in workbook
    else:
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        assert "Appels facturés — facture INV-100482731-202610" in text
        assert "Nombre d'appels 60" in text and "Page 1" in text
        assert "Call start" not in text and "Total charge" not in text

    english = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": fmt})
    assert english.body["filename"] == f"CDR-INV-100482731-202610.{fmt}"
    assert_matches_invoice(READERS[fmt](downloaded(aws, english.body)), billed)
    if fmt == "xlsx":
        assert money_format(downloaded(aws, english.body)) == '"$"#,##0.00'


def test_an_export_in_one_language_is_never_handed_to_a_reader_of_the_other(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5)
    french = call("POST", "/invoices/INV-100482731-202610/cdr-exports", LEA, body={"format": "csv"}).body

    polled_in_english = call("GET", f"/cdr-exports/{french['id']}", ANA)

    assert polled_in_english.status == 200
    assert polled_in_english.body == {
        "id": french["id"],
        "status": "failed",
        "message": "This export was requested in another language. Request the export again for a file "
        "in yours.",
    }
    assert call("GET", f"/cdr-exports/{french['id']}", LEA).body["status"] == "ready"


def test_a_record_from_before_languages_reads_as_english(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5)
    made = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"}).body
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=aws["PortalTable"],
        Key=export_key(ANA.account_id, made["id"]),
        UpdateExpression="REMOVE #language",
        ExpressionAttributeNames={"#language": "language"},
    )

    record = DynamoExports(aws["PortalTable"]).get_export(ANA.account_id, made["id"])

    assert record is not None and record.language == "en"
    assert call("GET", f"/cdr-exports/{made['id']}", ANA).body["status"] == "ready"


# -- made by the worker ------------------------------------------------------------------------------------


def queued_event(aws: dict[str, str], receive_count: int | None = None) -> dict[str, Any]:
    """The message on the export queue, as Lambda's event source mapping delivers it."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=aws["CdrExportQueue"], MessageSystemAttributeNames=["All"])[
        "Messages"
    ]
    event = sqs_event(messages, aws["CdrExportQueue.Arn"], REGION)
    if receive_count is not None:
        for record in event["Records"]:
            record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def worker(event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = functions.handler("CdrExportWorkerFunction")(
        event, functions.LambdaContext("CdrExportWorkerFunction", "req-worker")
    )
    return answer


def test_a_large_export_is_queued_and_made_by_the_worker(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "xlsx", 10)
    accounts(aws)
    billed = invoice(aws, "INV-100482731-202610", 25)

    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "xlsx"})

    assert reply.status == 202, reply.body
    assert reply.body == {"id": reply.body["id"], "status": "pending"}
    path = f"/cdr-exports/{reply.body['id']}"
    assert call("GET", path, ANA).body == {"id": reply.body["id"], "status": "pending"}

    event = queued_event(aws)
    assert len(event["Records"]) == 1
    assert worker(event) == {"batchItemFailures": []}

    ready = call("GET", path, ANA)
    assert (ready.status, ready.body["status"], ready.body["row_count"]) == (200, "ready", 25)
    assert_matches_invoice(read_xlsx(downloaded(aws, ready.body)), billed)
    assert_error(call("GET", path, BOB), 404, "not_found")


def test_the_worker_makes_a_french_export_in_french(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "pdf", 10)
    accounts(aws)
    billed = invoice(aws, "INV-100482731-202610", 25)

    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", LEA, body={"format": "pdf"})
    assert reply.status == 202, reply.body
    assert worker(queued_event(aws)) == {"batchItemFailures": []}

    ready = call("GET", f"/cdr-exports/{reply.body['id']}", LEA).body
    assert (ready["status"], ready["filename"]) == ("ready", "Appels-INV-100482731-202610.pdf")
    data = downloaded(aws, ready)
    assert_matches_invoice(read_pdf(data, "fr"), billed, "fr")
    assert "Appels facturés" in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_worker_retries_an_unexpected_fault_and_gives_up_on_the_last_delivery(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "pdf", 0)
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5)
    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "pdf"})
    path = f"/cdr-exports/{reply.body['id']}"
    event = queued_event(aws)
    message_id = event["Records"][0]["messageId"]

    def broken(*_: Any, **__: Any) -> Any:
        raise ConnectionResetError("the connection to S3 was reset")

    monkeypatch.setattr("billing_portal.exports.writers.export_billed_file", broken)
    assert worker(event) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    assert call("GET", path, ANA).body["status"] == "pending", "SQS delivers it again"

    last = template.functions()["CdrExportWorkerFunction"].environment["EXPORT_MAX_RECEIVES"]
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = str(last)
    assert worker(event) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    failed = call("GET", path, ANA).body
    assert (failed["status"], failed["message"]) == ("failed", words_in("en")(exports.NOT_MADE))


def test_the_worker_gives_up_on_the_delivery_the_queue_sends_to_the_dead_letter_queue() -> None:
    resources = template.resources()
    queue = resources["CdrExportQueue"]["Properties"]
    worker_function = resources["CdrExportWorkerFunction"]["Properties"]
    [source] = [source for source in template.queue_sources() if source.function == "CdrExportWorkerFunction"]
    assert source.queue == "CdrExportQueue"
    assert (
        worker_function["Environment"]["Variables"]["EXPORT_MAX_RECEIVES"]
        == queue["RedrivePolicy"]["maxReceiveCount"]
    )
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["CdrExportDeadLetterQueue", "Arn"]
    }
    # A message is not delivered again while the worker may still be making its export.
    assert queue["VisibilityTimeout"] >= 6 * worker_function["Timeout"]


# -- failures say why --------------------------------------------------------------------------------------


def test_a_missing_billed_file_fails_with_a_reason(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5, billed_file=False)
    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"})
    assert reply.status == 201, reply.body
    assert set(reply.body) == {"id", "status", "message"}
    assert reply.body["status"] == "failed"
    assert "could not be found" in reply.body["message"] and "billing@net2phone.ca" in reply.body["message"]
    assert call("GET", f"/cdr-exports/{reply.body['id']}", ANA).body == reply.body


def test_an_unreadable_billed_file_fails_in_the_worker_without_retries(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5)
    s3().put_object(
        Bucket=aws["CdrBucket"],
        Key=cdr.object_key(ANA.account_id, "INV-100482731-202610"),
        Body=b"call_id,start_utc\n",
    )
    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"})
    assert reply.status == 202

    assert worker(queued_event(aws)) == {"batchItemFailures": []}

    failed = call("GET", f"/cdr-exports/{reply.body['id']}", ANA).body
    assert failed["status"] == "failed" and "could not be read" in failed["message"]
    listed = s3().list_objects_v2(Bucket=aws["DocumentsBucket"], Prefix="exports/")
    assert listed["KeyCount"] == 0, "nothing half-written is left"


def test_an_expired_file_says_so_and_a_new_request_makes_a_new_export(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 5)
    first = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"}).body
    s3().delete_object(Bucket=aws["DocumentsBucket"], Key=f"exports/{ANA.account_id}/{first['id']}.csv")

    expired = call("GET", f"/cdr-exports/{first['id']}", ANA)

    assert expired.status == 200
    assert set(expired.body) == {"id", "status", "message"} and expired.body["status"] == "failed"
    assert "Request the export again" in expired.body["message"]
    again = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"})
    assert (again.status, again.body["status"]) == (201, "ready")
    assert again.body["id"] != first["id"]


def test_an_invoice_without_billed_calls_has_nothing_to_export(aws: dict[str, str]) -> None:
    accounts(aws)
    posted(invoice_doc(ANA.account_id, "INV-SEATS-ONLY", utc_today() - timedelta(days=3)))
    reply = call("POST", "/invoices/INV-SEATS-ONLY/cdr-exports", ANA, body={"format": "csv"})
    assert_error(reply, 409, "no_billed_calls")


# -- which invoices, whose ---------------------------------------------------------------------------------


def test_six_months_back_is_the_limit(aws: dict[str, str]) -> None:
    accounts(aws)
    oldest = months_before(utc_today(), 6)
    invoice(aws, "INV-TOO-OLD", 3, oldest - timedelta(days=1))
    invoice(aws, "INV-OLDEST", 3, oldest)

    too_old = call("POST", "/invoices/INV-TOO-OLD/cdr-exports", ANA, body={"format": "csv"})
    assert_error(too_old, 410, "gone")
    assert "billing@net2phone.ca" in too_old.body["message"] and "1-877-498-3772" in too_old.body["message"]
    assert call("POST", "/invoices/INV-OLDEST/cdr-exports", ANA, body={"format": "csv"}).status == 201


def test_another_accounts_invoice_and_export_are_not_found(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 3)
    mine = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"}).body

    theirs = call("POST", "/invoices/INV-100482731-202610/cdr-exports", BOB, body={"format": "csv"})
    nothing = call("POST", "/invoices/INV-NOTHING/cdr-exports", BOB, body={"format": "csv"})
    assert_error(theirs, 404, "not_found")
    assert theirs.body == nothing.body, "another account's invoice is answered as one that does not exist"
    assert_error(call("GET", f"/cdr-exports/{mine['id']}", BOB), 404, "not_found")
    assert (
        call("GET", f"/cdr-exports/{mine['id']}", BOB).body == call("GET", "/cdr-exports/exp_nope", BOB).body
    )


def test_the_request_body_is_checked(aws: dict[str, str]) -> None:
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 3)
    path = "/invoices/INV-100482731-202610/cdr-exports"
    assert_error(call("POST", path, ANA, body={"format": "doc"}), 422, "validation_failed")
    assert_error(call("POST", path, ANA, body={"format": "csv", "account_id": BOB.account_id}), 422)
    assert_error(call("POST", path, ANA, body="not json"), 400)
    assert_error(call("POST", path, None, body={"format": "csv"}), 401)


# -- the local stack's stand-in for the event source mapping -----------------------------------------------


def test_the_local_poller_hands_queued_exports_to_the_worker(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    accounts(aws)
    invoice(aws, "INV-100482731-202610", 7)
    reply = call("POST", "/invoices/INV-100482731-202610/cdr-exports", ANA, body={"format": "csv"})
    delivered: list[dict[str, Any]] = []

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        delivered.append(event)
        return functions.handler(logical_id)(event, functions.LambdaContext(logical_id, "req-poller"))

    pollers = QueuePollers(aws, invoke, REGION)
    [source] = pollers.sources
    assert pollers.poll_once(source, wait_seconds=0) == 1

    [record] = delivered[0]["Records"]
    assert (record["eventSource"], record["eventSourceARN"]) == ("aws:sqs", aws["CdrExportQueue.Arn"])
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert call("GET", f"/cdr-exports/{reply.body['id']}", ANA).body["row_count"] == 7
    assert queue_depth(aws) == (0, 0), "the message the worker handled is deleted"


def test_the_local_poller_leaves_failed_messages_for_a_retry(aws: dict[str, str]) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    for name in ("kept", "done"):
        sqs.send_message(QueueUrl=aws["CdrExportQueue"], MessageBody=name)

    def invoke(_: str, event: dict[str, Any]) -> Any:
        kept = [r["messageId"] for r in event["Records"] if r["body"] == "kept"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in kept]}

    source = template.QueueSource("CdrExportWorkerFunction", "CdrExportQueue", batch_size=10)
    pollers = QueuePollers(aws, invoke, REGION, [source])
    received = sum(pollers.poll_once(source, wait_seconds=0) for _ in range(3))

    assert received == 2
    assert queue_depth(aws) == (0, 1), "the failed one waits out its visibility timeout; the other is gone"


def queue_depth(aws: dict[str, str]) -> tuple[int, int]:
    """(visible, in flight) messages of the export queue."""
    attributes = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=aws["CdrExportQueue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
