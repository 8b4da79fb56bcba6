"""The billed CDR export read back in every format and in both languages: rows, columns, local times across a
DST change, totals to the cent, Excel's extra worksheets and number formats, PDF pages; and the target is
only ever written to."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from billing_portal.exports.cdr import BilledCall, write_csv_gz
from billing_portal.exports.writers import (
    CONTENT_TYPES,
    ExportFormat,
    ExportHeader,
    export_billed_file,
)

TORONTO = "America/Toronto"
HEADER = ExportHeader(
    account_name="Café Dépanneur",
    account_number="100234",
    invoice_id="INV-2026-03",
    period_start="2026-03-01",
    period_end="2026-03-31",
    time_zone=TORONTO,
)
CALL_COUNT = 130
# 2026-03-08: Toronto springs forward at 07:00 UTC (02:00 EST becomes 03:00 EDT).
BEFORE_DST = "2026-03-08T06:59:59Z"  # 01:59:59 EST
AFTER_DST = "2026-03-08T07:00:00Z"  # 03:00:00 EDT
CATEGORIES = ("Canada long distance", "International", "Toll-free inbound")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def make_calls(count: int = CALL_COUNT) -> list[BilledCall]:
    calls = [
        BilledCall(
            "c-dst-1",
            BEFORE_DST,
            3725,
            "+15145550100",
            "+14165550199",
            "outbound",
            "Montréal, QC",
            "+15145550100",
            CATEGORIES[0],
            "0.0250",
            156,
        ),
        BilledCall(
            "c-dst-2",
            AFTER_DST,
            59,
            "+33155550123",
            "+15145550100",
            "inbound",
            "Paris (France)",
            "ext 204",
            CATEGORIES[2],
            "0.0300",
            3,
        ),
    ]
    for i in range(count - len(calls)):
        calls.append(
            BilledCall(
                f"c{i}",
                f"2026-03-{10 + i % 18:02d}T{i % 24:02d}:{i % 60:02d}:{(7 * i) % 60:02d}Z",
                30 + i * 17,
                "+15145550100",
                f"+1416555{i:04d}",
                "inbound" if i % 3 == 0 else "outbound",
                "Québec, QC" if i % 2 else "Lyon, France",
                "+15145550100",
                CATEGORIES[i % 3],
                "0.0125",
                (i * 37) % 500 + 1,
            )
        )
    return calls


def billed_file(calls: list[BilledCall]) -> bytes:
    buffer = io.BytesIO()
    write_csv_gz(calls, buffer)
    return buffer.getvalue()


class WriteOnly(io.RawIOBase):
    """A target like an S3 upload: it can only be written to."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, b: object) -> int:
        chunk = bytes(memoryview(b))  # type: ignore[arg-type]
        self.data += chunk
        return len(chunk)

    def seek(self, *args: object) -> int:
        raise AssertionError("the export must not seek its target")

    def tell(self) -> int:
        raise AssertionError("the export must not ask its target's position")


class ReadOnce(io.RawIOBase):
    """A source like S3's streaming body: read only, never rewound."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seek(self, *args: object) -> int:
        raise AssertionError("the export must not seek its source")


# The same export for a French reader; the billing engine names one usage line in French too.
FRENCH = replace(HEADER, language="fr", usage_names={CATEGORIES[0]: "Interurbains Canada"})
NBSP = "\u00a0"


def export(
    fmt: ExportFormat, calls: list[BilledCall], header: ExportHeader = HEADER, **options: int
) -> tuple[bytes, object]:
    target = WriteOnly()
    summary = export_billed_file(ReadOnce(billed_file(calls)), fmt, target, header, **options)
    return bytes(target.data), summary


def expected_by_category(calls: list[BilledCall]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for call in calls:
        totals[call.category] = totals.get(call.category, 0) + call.charge_cents
    return totals


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def test_formats_have_a_content_type() -> None:
    for fmt in ExportFormat:
        assert CONTENT_TYPES[fmt]


def test_csv_has_every_call_in_local_time_and_totals_to_the_cent() -> None:
    calls = make_calls()
    data, summary = export(ExportFormat.CSV, calls)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        f"Call start ({TORONTO})",
        "Duration",
        "Calling number",
        "Called number",
        "Direction",
        "Destination",
        "Line",
        "Rate per minute",
        "Charge",
    ]
    body = rows[1 : 1 + len(calls)]
    assert len(body) == len(calls)
    assert all(len(row) == 9 for row in body)
    assert body[0] == [
        "2026-03-08 01:59:59",
        "1:02:05",
        "+15145550100",
        "+14165550199",
        "Outbound",
        "Montréal, QC",
        "+15145550100",
        "0.0250",
        "1.56",
    ]
    assert body[1][:2] == ["2026-03-08 03:00:00", "0:00:59"]
    assert body[1][4:7] == ["Inbound", "Paris (France)", "ext 204"]
    # Every other row: UTC minus 4 hours (daylight time) from March 10 on.
    for call, row in zip(calls[2:], body[2:], strict=True):
        utc = datetime.fromisoformat(call.start_utc.replace("Z", ""))
        assert row[0] == (utc - timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S")
        assert row[8] == dollars(call.charge_cents)

    assert rows[1 + len(calls)] == []
    totals = {row[0]: row[1] for row in rows[2 + len(calls) :]}
    by_category = expected_by_category(calls)
    assert totals["Number of calls"] == str(len(calls))
    assert totals["Total charge"] == dollars(sum(c.charge_cents for c in calls))
    for category, cents in by_category.items():
        assert totals[f"Total {category}"] == dollars(cents)
    assert summary.row_count == len(calls)  # type: ignore[attr-defined]
    assert summary.total_cents == sum(c.charge_cents for c in calls)  # type: ignore[attr-defined]
    assert summary.cents_by_category == by_category  # type: ignore[attr-defined]


def _parse(xml: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(xml)  # noqa: S314 - the file the test itself just exported


def xlsx_sheets(data: bytes) -> dict[str, list[list[str]]]:
    """Each worksheet's rows as cell texts (inline or shared strings, or the numbers as written)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = _parse(archive.read("xl/workbook.xml"))
        names = [sheet.get("name", "") for sheet in workbook.iterfind("m:sheets/m:sheet", NS)]
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            strings = _parse(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in strings]
        sheets = {}
        for number, name in enumerate(names, start=1):
            root = _parse(archive.read(f"xl/worksheets/sheet{number}.xml"))
            rows = []
            for row in root.iterfind("m:sheetData/m:row", NS):
                cells = []
                for cell in row.iterfind("m:c", NS):
                    kind = cell.get("t")
                    if kind == "inlineStr":
                        cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t")))
                    elif kind == "s":
                        cells.append(shared[int(cell.findtext("m:v", "", NS))])
                    else:
                        cells.append(cell.findtext("m:v", "", NS))
                rows.append(cells)
            sheets[name] = rows
        return sheets


def excel_time(serial: str) -> str:
    moment = datetime(1899, 12, 30) + timedelta(days=float(serial))
    return (moment + timedelta(milliseconds=500)).strftime("%Y-%m-%d %H:%M:%S")


def test_xlsx_holds_numbers_as_numbers_and_a_totals_sheet() -> None:
    calls = make_calls()
    data, summary = export(ExportFormat.XLSX, calls)

    sheets = xlsx_sheets(data)
    assert list(sheets) == ["Calls", "Totals"]
    rows = sheets["Calls"]
    assert rows[0][0] == f"Call start ({TORONTO})"
    assert len(rows) == 1 + len(calls)
    first, second = rows[1], rows[2]
    assert excel_time(first[0]) == "2026-03-08 01:59:59"
    assert excel_time(second[0]) == "2026-03-08 03:00:00"
    assert round(float(first[1]) * 86400) == 3725
    assert first[2:7] == ["+15145550100", "+14165550199", "Outbound", "Montréal, QC", "+15145550100"]
    assert float(first[7]) == 0.025
    assert float(first[8]) == 1.56
    assert second[4:7] == ["Inbound", "Paris (France)", "ext 204"]
    assert round(sum(float(row[8]) for row in rows[1:]) * 100) == sum(c.charge_cents for c in calls)

    totals = {row[0]: row[1] for row in sheets["Totals"] if len(row) == 2}
    assert totals["Account"] == "Café Dépanneur (100234)"
    assert totals["Number of calls"] == str(len(calls))
    for category, cents in expected_by_category(calls).items():
        assert round(float(totals[f"Total {category}"]) * 100) == cents
    assert summary.row_count == len(calls)  # type: ignore[attr-defined]


def test_xlsx_starts_a_new_worksheet_when_one_is_full() -> None:
    calls = make_calls()
    data, _ = export(ExportFormat.XLSX, calls, rows_per_sheet=100)

    sheets = xlsx_sheets(data)
    assert list(sheets) == ["Calls", "Calls 2", "Totals"]
    assert len(sheets["Calls"]) == 100
    assert len(sheets["Calls 2"]) == 1 + len(calls) - 99
    assert sheets["Calls 2"][0][0] == f"Call start ({TORONTO})"
    last = calls[-1]
    assert sheets["Calls 2"][-1][3] == last.called_number


def test_pdf_has_pages_with_headings_and_the_totals() -> None:
    calls = make_calls()
    data, summary = export(ExportFormat.PDF, calls)

    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) >= 3
    texts = [page.extract_text() for page in pages]
    assert "INV-2026-03" in texts[0]
    assert "Café Dépanneur" in texts[0]
    assert "Montréal, QC" in texts[0]
    assert "2026-03-08 01:59:59" in texts[0]
    assert "2026-03-08 03:00:00" in texts[0]
    for number, text in enumerate(texts, start=1):
        assert "Call start" in text
        assert TORONTO in text
        assert "Rate per minute" in text
        assert f"Page {number}" in text
    everything = "\n".join(texts)
    assert everything.count("+1416555") == len(calls) - 1  # each call's called number once (+ the DST pair)
    assert "+14165550199 Outbound Montréal, QC +15145550100 0.0250 $1.56" in texts[0]
    assert f"Number of calls {len(calls)}" in texts[-1]
    assert f"Total charge ${dollars(sum(c.charge_cents for c in calls))}" in texts[-1]
    for category, cents in expected_by_category(calls).items():
        assert f"Total {category} ${dollars(cents)}" in texts[-1]
    assert summary.row_count == len(calls)  # type: ignore[attr-defined]


def test_an_export_of_no_calls_still_has_its_headings_and_zero_totals() -> None:
    for fmt in ExportFormat:
        data, summary = export(fmt, [])
        assert summary.row_count == 0  # type: ignore[attr-defined]
        assert data
    pdf, _ = export(ExportFormat.PDF, [])
    assert "Number of calls" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_file_with_other_columns_is_refused() -> None:
    wrong = io.BytesIO()
    with gzip.GzipFile(fileobj=wrong, mode="wb") as raw:
        raw.write(b"call_id,start,charge\nc1,2026-03-01T00:00:00Z,5\n")
    for fmt in ExportFormat:
        with pytest.raises(ValueError, match="unexpected CDR columns"):
            export_billed_file(io.BytesIO(wrong.getvalue()), fmt, WriteOnly(), HEADER)


# -- in French ---------------------------------------------------------------------------------------------


def french_amount(cents: int) -> str:
    """What a French reader sees: "1 234,56 $", its spaces no-break."""
    whole, fraction = divmod(cents, 100)
    return f"{whole:,}".replace(",", NBSP) + f",{fraction:02d}{NBSP}$"


def test_a_french_csv_has_french_headings_and_labels_and_machine_readable_numbers() -> None:
    calls = make_calls()
    data, _ = export(ExportFormat.CSV, calls, FRENCH)

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        f"Début de l'appel ({TORONTO})",
        "Durée",
        "Numéro appelant",
        "Numéro appelé",
        "Sens",
        "Destination",
        "Ligne",
        "Tarif à la minute",
        "Frais",
    ]
    # The numbers stay as a program reads them: dot decimals, no grouping, no currency sign.
    assert rows[1] == [
        "2026-03-08 01:59:59",
        "1:02:05",
        "+15145550100",
        "+14165550199",
        "Sortant",
        "Montréal, QC",
        "+15145550100",
        "0.0250",
        "1.56",
    ]
    assert rows[2][4] == "Entrant"
    totals = {row[0]: row[1] for row in rows[2 + len(calls) :]}
    by_category = expected_by_category(calls)
    assert totals == {
        "Nombre d'appels": str(len(calls)),
        "Total des frais": dollars(sum(by_category.values())),
        "Total Interurbains Canada": dollars(by_category[CATEGORIES[0]]),
        f"Total {CATEGORIES[1]}": dollars(by_category[CATEGORIES[1]]),
        f"Total {CATEGORIES[2]}": dollars(by_category[CATEGORIES[2]]),
    }


def cell_formats(data: bytes, sheet: int) -> dict[str, str]:
    """Each cell of a worksheet (by reference, "I2") and the number format of its style."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = _parse(archive.read("xl/styles.xml"))
        codes = {
            int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
            for fmt in styles.iterfind("m:numFmts/m:numFmt", NS)
        }
        xfs = [int(xf.get("numFmtId", "0")) for xf in styles.iterfind("m:cellXfs/m:xf", NS)]
        root = _parse(archive.read(f"xl/worksheets/sheet{sheet}.xml"))
        return {
            cell.get("r", ""): codes.get(xfs[int(cell.get("s", "0"))], "General")
            for cell in root.iter(f"{{{NS['m']}}}c")
        }


def test_a_french_workbook_has_french_words_and_numeric_cells_with_the_dollar_sign_after() -> None:
    calls = make_calls()
    data, _ = export(ExportFormat.XLSX, calls, FRENCH)

    sheets = xlsx_sheets(data)
    assert list(sheets) == ["Appels", "Totaux"]
    rows = sheets["Appels"]
    assert rows[0] == [
        f"Début de l'appel ({TORONTO})",
        "Durée",
        "Numéro appelant",
        "Numéro appelé",
        "Sens",
        "Destination",
        "Ligne",
        "Tarif à la minute",
        "Frais",
    ]
    assert rows[1][4] == "Sortant" and rows[2][4] == "Entrant"
    # Numbers, not text: Excel writes them with the reader's own separators.
    assert (float(rows[1][7]), float(rows[1][8])) == (0.025, 1.56)
    formats = cell_formats(data, 1)
    assert (formats["A2"], formats["B2"]) == ("yyyy-mm-dd hh:mm:ss", "[h]:mm:ss")
    assert (formats["H2"], formats["I2"]) == ('0.0000 "$"', '#,##0.00 "$"')

    totals = {row[0]: row[1] for row in sheets["Totaux"] if len(row) == 2}
    assert totals["Compte"] == "Café Dépanneur (100234)"
    assert totals["Facture"] == "INV-2026-03"
    assert totals["Période de facturation"] == "Du 1er mars 2026 au 31 mars 2026"
    assert totals["Nombre d'appels"] == str(len(calls))
    by_category = expected_by_category(calls)
    assert round(float(totals["Total des frais"]) * 100) == sum(by_category.values())
    assert round(float(totals["Total Interurbains Canada"]) * 100) == by_category[CATEGORIES[0]]
    totals_formats = cell_formats(data, 2)
    assert {totals_formats[f"B{row}"] for row in range(7, 11)} == {'#,##0.00 "$"'}


def test_an_english_workbook_puts_the_dollar_sign_first() -> None:
    data, _ = export(ExportFormat.XLSX, make_calls(3))
    formats = cell_formats(data, 1)
    assert (formats["H2"], formats["I2"]) == ('"$"0.0000', '"$"#,##0.00')
    assert xlsx_sheets(data)["Totals"][2] == ["Billing period", "March 1, 2026 to March 31, 2026"]


def test_a_french_pdf_is_in_french_with_french_amounts() -> None:
    calls = make_calls()
    data, _ = export(ExportFormat.PDF, calls, FRENCH)

    reader = PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    assert reader.metadata is not None and reader.metadata.title == "Appels facturés INV-2026-03"
    first = texts[0]
    for expected in (
        "Appels facturés — facture INV-2026-03",
        "Café Dépanneur — compte 100234",
        "Période de facturation du 1er mars 2026 au 31 mars 2026",
        f"Heures de début des appels selon le fuseau {TORONTO}",
        # The times 24-hour, the rate and the charge written the French way.
        f"2026-03-08 01:59:59 1:02:05 +15145550100 +14165550199 Sortant Montréal, QC +15145550100 0,0250 "
        f"1,56{NBSP}$",
        f"Paris (France) ext 204 0,0300 0,03{NBSP}$",
    ):
        assert expected in first, expected
    for number, text in enumerate(texts, start=1):
        assert "Début de l'appel Durée Numéro appelant Numéro appelé Sens Destination Ligne" in text
        assert "Tarif à la minute Frais" in text and f"({TORONTO})" in text
        assert f"Page {number}" in text
    by_category = expected_by_category(calls)
    assert f"Nombre d'appels {len(calls)}" in texts[-1]
    assert f"Total des frais {french_amount(sum(by_category.values()))}" in texts[-1]
    assert f"Total Interurbains Canada {french_amount(by_category[CATEGORIES[0]])}" in texts[-1]
    assert f"Total {CATEGORIES[2]} {french_amount(by_category[CATEGORIES[2]])}" in texts[-1]
    everything = "\n".join(texts)
    for english in ("Call start", "Outbound", "Inbound", "Number of calls", "Total charge", "invoice"):
        assert english not in everything, english


def test_a_large_french_total_keeps_its_digit_groups_together() -> None:
    calls = [replace(call, charge_cents=123_456) for call in make_calls(3)]
    data, _ = export(ExportFormat.PDF, calls, FRENCH)
    last = PdfReader(io.BytesIO(data)).pages[-1].extract_text()
    assert f"Total des frais 3{NBSP}703,68{NBSP}$" in last
