"""Billed CDR exports: an invoice's billed call file turned into the CSV, Excel or PDF a customer downloads.

The source is read as a stream (the gzip CSV of exports/cdr.py, straight from S3) and the export is written
as a stream, in memory bounded whatever the number of calls. Call start times are shown in the
requesting user's time zone, 24-hour; the totals add up the billed charges, so they match the invoice's
usage lines to the cent.

The words are the requesting user's language: headings, directions, labels, the PDF's text. The CSV's
numbers stay machine-readable in both (dot decimals, no grouping, no currency sign), the Excel cells stay
numbers with a currency format (Excel writes them with the reader's own separators), and the PDF, read by
people only, writes amounts as the language does ("$1,234.56", "1 234,56 $").

The per-call work is kept lean because an invoice can have millions of calls: raw CSV row lists rather
than objects, UTC offsets worked out once per hour of calls, and money formatted from integer cents.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import islice
from typing import IO, Any
from zoneinfo import ZoneInfo

from billing_portal.exports import cdr
from billing_portal.exports.streaming_pdf import BOLD, PageContent, StreamingPdfWriter, WritableTarget, escape
from billing_portal.i18n import Language, Text, _
from billing_portal.i18n.formats import decimal
from billing_portal.i18n.words import Words, words_in
from billing_portal.shared.money import format_cents


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PDF: "application/pdf",
}

EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel worksheet, the heading row included
COPY_CHUNK = 1024 * 1024
_CSV_FLUSH_ROWS = 2048

_DIRECTIONS = {"inbound": _("Inbound"), "outbound": _("Outbound")}
# Excel's number formats name the currency sign's place; Excel shows the separators of the reader's locale.
_MONEY_FORMATS: dict[Language, str] = {"en": '"$"#,##0.00', "fr": '#,##0.00 "$"'}
_RATE_FORMATS: dict[Language, str] = {"en": '"$"0.0000', "fr": '0.0000 "$"'}


@dataclass(frozen=True, kw_only=True)
class ExportHeader:
    account_name: str
    account_number: str
    invoice_id: str
    period_start: str
    period_end: str
    time_zone: str  # IANA name, the requesting user's
    language: Language = "en"  # the requesting user's
    # What the totals call each usage line, by the name the billed calls give it (the invoice line's
    # description), where the reader's language names it otherwise.
    usage_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def words(self) -> Words:
        return words_in(self.language)


@dataclass(frozen=True)
class ExportSummary:
    row_count: int
    total_cents: int
    cents_by_category: dict[str, int]


def headings(time_zone: str, words: Words) -> list[str]:
    return [
        words(text)
        for text in (
            _("Call start ({time_zone})", time_zone=time_zone),
            _("Duration"),
            _("Calling number"),
            _("Called number"),
            _("Direction"),
            _("Destination"),
            _("Line"),
            _("Rate per minute"),
            _("Charge"),
        )
    ]


def directions(words: Words) -> dict[str, str]:
    """How a call's direction is shown, by how the billed file writes it."""
    return {raw: words(shown) for raw, shown in _DIRECTIONS.items()}


def _period(header: ExportHeader) -> Text:
    return _(
        "{start} to {end}",
        start=date.fromisoformat(header.period_start),
        end=date.fromisoformat(header.period_end),
    )


def format_duration(seconds: int) -> str:
    """3725 -> "1:02:05"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class _Totals:
    def __init__(self) -> None:
        self.row_count = 0
        self.total_cents = 0
        self.cents_by_category: dict[str, int] = {}

    def add(self, category: str, cents: int) -> None:
        self.row_count += 1
        self.total_cents += cents
        self.cents_by_category[category] = self.cents_by_category.get(category, 0) + cents

    def summary(self) -> ExportSummary:
        return ExportSummary(self.row_count, self.total_cents, dict(sorted(self.cents_by_category.items())))

    def rows(self, header: ExportHeader) -> list[tuple[str, int]]:
        """The money lines of the totals block: label and cents."""
        words = header.words
        lines = [(words(_("Total charge")), self.total_cents)]
        lines.extend(
            (words(_("Total {category}", category=header.usage_names.get(category, category))), cents)
            for category, cents in sorted(self.cents_by_category.items())
        )
        return lines


class _LocalTimes:
    """UTC "YYYY-MM-DDTHH:MM:SSZ" -> local "YYYY-MM-DD HH:MM:SS". Offsets change on the hour at most, so
    each hour of calls is converted once and its minutes and seconds are copied over."""

    _EPOCH = datetime(1899, 12, 30)  # Excel's day zero

    def __init__(self, time_zone: str) -> None:
        self._zone = ZoneInfo(time_zone)
        self._hours: dict[str, tuple[str | None, timedelta, float]] = {}
        # hour prefix -> local "YYYY-MM-DD HH", for the hours whose offset is whole hours; the hot loops
        # look here first and call `text` only for an hour not seen yet.
        self.known_prefixes: dict[str, str] = {}

    def _hour(self, start_utc: str) -> tuple[str | None, timedelta, float]:
        prefix = start_utc[:13]
        known = self._hours.get(prefix)
        if known is None:
            if len(self._hours) > 100_000:  # bounded, whatever span of time the calls cover
                self._hours.clear()
                self.known_prefixes.clear()
            hour_utc = datetime.fromisoformat(prefix + ":00:00").replace(tzinfo=UTC)
            local = hour_utc.astimezone(self._zone)
            offset = local.utcoffset() or timedelta(0)
            whole_hours = offset.total_seconds() % 3600 == 0
            local_prefix = local.strftime("%Y-%m-%d %H") if whole_hours else None
            serial = (local.replace(tzinfo=None) - self._EPOCH).total_seconds() / 86400
            known = (local_prefix, offset, serial)
            self._hours[prefix] = known
            if local_prefix is not None:
                self.known_prefixes[prefix] = local_prefix
        return known

    def text(self, start_utc: str) -> str:
        local_prefix, offset, _ = self._hour(start_utc)
        if local_prefix is not None:
            return local_prefix + start_utc[13:19]
        # Zones a half or quarter hour off UTC (Newfoundland): full arithmetic.
        return (datetime.fromisoformat(start_utc[:19]) + offset).strftime("%Y-%m-%d %H:%M:%S")

    def excel_serial(self, start_utc: str) -> float:
        """Days since Excel's day zero, local time (what an Excel date-time cell holds)."""
        _, _, hour_serial = self._hour(start_utc)
        return hour_serial + (int(start_utc[14:16]) * 60 + int(start_utc[17:19])) / 86400


@contextmanager
def _opened(source: IO[bytes]) -> Iterator[Iterator[list[str]]]:
    """The billed calls as raw row lists, in cdr.COLUMNS order, after checking the header row."""
    with gzip.GzipFile(fileobj=source, mode="rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if tuple(header or ()) != cdr.COLUMNS:
            raise ValueError(f"unexpected CDR columns: {header}")
        yield reader


def export_billed_file(
    source: IO[bytes],
    fmt: ExportFormat,
    target: WritableTarget,
    header: ExportHeader,
    *,
    rows_per_sheet: int = EXCEL_MAX_ROWS,
) -> ExportSummary:
    """Read the billed gzip CSV from `source` and write the export in `fmt` to `target` (only ever
    written to: no seek, no tell). `rows_per_sheet` is the Excel worksheet size, heading row included."""
    fmt = ExportFormat(fmt)
    with _opened(source) as rows:
        if fmt is ExportFormat.CSV:
            totals = _write_csv(rows, target, header)
        elif fmt is ExportFormat.XLSX:
            totals = _write_xlsx(rows, target, header, rows_per_sheet)
        else:
            totals = _write_pdf(rows, target, header)
    return totals.summary()


# --- CSV -----------------------------------------------------------------------------------------------


def _csv_field(text: str) -> str:
    """A field as CSV writes it: quoted when it holds a comma, a quote or a line break."""
    if any(special in text for special in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


_CSV_SPECIAL = (",", '"', "\r", "\n")


class _CsvLines:
    """Call rows as CSV lines. Lines are built as text rather than through csv.writer, which costs more
    than all the rest of the work together: the free-text fields (destination, line) repeat a lot, so their
    quoted form is looked up, and a batch whose other fields hold a character that needs quoting (never,
    from the billing engine) goes through csv.writer instead."""

    def __init__(self, time_zone: str, totals: _Totals, shown_directions: dict[str, str]) -> None:
        self.times = _LocalTimes(time_zone)
        self.totals = totals
        self.durations: dict[str, str] = {}
        self.charges: dict[str, tuple[int, str]] = {}
        self.quoted: dict[str, str] = {}
        self.shown_directions = shown_directions
        self.directions = {raw: _csv_field(shown) for raw, shown in shown_directions.items()}
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def written(self, rows: Iterable[Iterable[object]]) -> str:
        """`rows` as csv.writer writes them."""
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(rows)
        return self.buffer.getvalue()

    def batch(self, batch: list[list[str]]) -> str:
        """The batch's lines, its calls added to the totals."""
        hours, times, durations, charges, quoted = (
            self.times.known_prefixes,
            self.times,
            self.durations,
            self.charges,
            self.quoted,
        )
        by_category, directions = self.totals.cents_by_category, self.directions
        total = 0
        lines: list[str] = []
        plain = []
        for row in batch:
            _, start, seconds, calling, called, direction, destination, line, category, rate, charged = row
            local_prefix = hours.get(start[:13])
            local = local_prefix + start[13:19] if local_prefix else times.text(start)
            duration = durations.get(seconds)
            if duration is None:
                duration = durations[seconds] = format_duration(int(seconds))
            charge = charges.get(charged)
            if charge is None:
                charge = charges[charged] = (int(charged), format_cents(int(charged)))
            cents = charge[0]
            total += cents
            by_category[category] = by_category.get(category, 0) + cents
            shown_destination = quoted.get(destination)
            if shown_destination is None:
                shown_destination = quoted[destination] = _csv_field(destination)
            shown_line = quoted.get(line)
            if shown_line is None:
                shown_line = quoted[line] = _csv_field(line)
            shown_direction = directions.get(direction) or _csv_field(direction)
            lines.append(
                f"{local},{duration},{calling},{called},{shown_direction},{shown_destination},{shown_line},"
                f"{rate},{charge[1]}\r\n"
            )
            plain.append(calling + called + rate)
        self.totals.row_count += len(batch)
        self.totals.total_cents += total
        if any(special in "".join(plain) for special in _CSV_SPECIAL):
            return self.written(_csv_rows(batch, times, directions_shown=self.shown_directions))
        return "".join(lines)


def _write_csv(rows: Iterator[list[str]], target: WritableTarget, header: ExportHeader) -> _Totals:
    totals = _Totals()
    words = header.words
    lines = _CsvLines(header.time_zone, totals, directions(words))
    target.write(b"\xef\xbb\xbf")  # the BOM makes Excel read the file as UTF-8 (accents)
    target.write(lines.written([headings(header.time_zone, words)]).encode("utf-8"))
    while batch := list(islice(rows, _CSV_FLUSH_ROWS)):
        target.write(lines.batch(batch).encode("utf-8"))
    # Machine-readable numbers whatever the language: a plain count, dot decimals.
    trailer: list[tuple[object, ...]] = [(), (words(_("Number of calls")), totals.row_count)]
    trailer.extend((label, format_cents(cents)) for label, cents in totals.rows(header))
    target.write(lines.written(trailer).encode("utf-8"))
    return totals


def _csv_rows(
    batch: list[list[str]], times: _LocalTimes, directions_shown: dict[str, str]
) -> Iterator[tuple[str, ...]]:
    """A batch as csv.writer rows, for the rare batch with a field that needs quoting."""
    for row in batch:
        yield (
            times.text(row[1]),
            format_duration(int(row[2])),
            row[3],
            row[4],
            directions_shown.get(row[5], row[5]),
            row[6],
            row[7],
            row[9],
            format_cents(int(row[10])),
        )


# --- XLSX ----------------------------------------------------------------------------------------------

_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _inline_string(cell: str, text: str) -> str:
    """An inline-string cell, escaped as XlsxWriter would (control characters dropped)."""
    text = _CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{cell}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _calls_sheet_class() -> type[Any]:
    from xlsxwriter.worksheet import Worksheet

    class CallsSheet(Worksheet):  # type: ignore[misc]
        """A worksheet with one fast path for the call rows.

        XlsxWriter's cell API costs several microseconds a cell, too slow for a million calls; in
        constant_memory mode a worksheet's rows go straight to its row file, so a whole call row is written
        there at once as the same XML. This leans on XlsxWriter 3.3's constant_memory internals
        (`previous_row`, `_write_single_row`, `fh`, `dim_rowmax`), which the pinned version has and the
        tests read back."""

        def write_xml_row(self, row: int, cells_xml: str) -> None:
            if row > self.previous_row:  # type: ignore[has-type]
                self._write_single_row(row)  # flushes a row written through the ordinary API
            self.fh.write(f'<row r="{row + 1}">{cells_xml}</row>')
            self.previous_row = row + 1
            if self.dim_rowmax is None or row > self.dim_rowmax:  # type: ignore[has-type]
                self.dim_rowmax = row

    return CallsSheet


class _CallsWorkbook:
    """The Excel workbook being written to a file on disk: its cell formats, its call worksheets
    ("Calls", "Calls 2", ...) and the totals worksheet. constant_memory: each row goes to disk as soon as the
    next one starts."""

    _WIDTHS = (20, 10, 16, 16, 10, 28, 16, 15, 12)

    def __init__(self, path: str, header: ExportHeader) -> None:
        import xlsxwriter  # only the export worker and small exports need it

        self.words = header.words
        self.book = xlsxwriter.Workbook(path, {"constant_memory": True})
        self.bold = self.book.add_format({"bold": True})
        # The call rows are written as XML: their cells name formats by index.
        self.when = self._format_index("yyyy-mm-dd hh:mm:ss")
        self.elapsed = self._format_index("[h]:mm:ss")
        self.rate = self._format_index(_RATE_FORMATS[header.language])
        self.money = self.book.add_format({"num_format": _MONEY_FORMATS[header.language]})
        self.money_index = self.money._get_xf_index()
        self.titles = headings(header.time_zone, self.words)
        self.directions = directions(self.words)
        self._sheet_class = _calls_sheet_class()
        self.calls_sheets = 0

    def _format_index(self, num_format: str) -> int:
        return int(self.book.add_format({"num_format": num_format})._get_xf_index())

    def new_calls_sheet(self) -> Any:
        self.calls_sheets += 1
        number = self.calls_sheets
        name = _("Calls") if number == 1 else _("Calls {number}", number=number)
        sheet = self.book.add_worksheet(self.words(name), worksheet_class=self._sheet_class)
        for column, width in enumerate(self._WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        for column, title in enumerate(self.titles):
            sheet.write_string(0, column, title, self.bold)
        return sheet

    def add_totals_sheet(self, header: ExportHeader, totals: _Totals) -> None:
        words = self.words
        summary = self.book.add_worksheet(words(_("Totals")))
        summary.set_column(0, 0, 40)
        summary.set_column(1, 1, 16)
        account = _(
            "{account_name} ({account_number})",
            account_name=header.account_name,
            account_number=header.account_number,
        )
        about = (
            (_("Account"), words(account)),
            (_("Invoice"), header.invoice_id),
            (_("Billing period"), words(_period(header))),
            (_("Times shown in"), header.time_zone),
        )
        for line, (label, value) in enumerate(about):
            summary.write_string(line, 0, words(label), self.bold)
            summary.write_string(line, 1, value)
        summary.write_string(5, 0, words(_("Number of calls")), self.bold)
        summary.write_number(5, 1, totals.row_count)
        for line, (total_label, cents) in enumerate(totals.rows(header), start=6):
            summary.write_string(line, 0, total_label, self.bold)
            summary.write_number(line, 1, cents / 100, self.money)


def _text_cells(n: int, texts: tuple[str, str, str, str, str]) -> str:
    """Columns C to G of row `n`: calling and called number, direction, destination, line."""
    if _XML_SPECIAL.search("\t".join(texts)):
        return "".join(
            _inline_string(f"{column}{n}", text) for column, text in zip("CDEFG", texts, strict=True)
        )
    return (
        f'<c r="C{n}" t="inlineStr"><is><t>{texts[0]}</t></is></c>'
        f'<c r="D{n}" t="inlineStr"><is><t>{texts[1]}</t></is></c>'
        f'<c r="E{n}" t="inlineStr"><is><t>{texts[2]}</t></is></c>'
        f'<c r="F{n}" t="inlineStr"><is><t>{texts[3]}</t></is></c>'
        f'<c r="G{n}" t="inlineStr"><is><t>{texts[4]}</t></is></c>'
    )


def _write_xlsx_calls(
    rows: Iterator[list[str]], workbook: _CallsWorkbook, times: _LocalTimes, rows_per_sheet: int
) -> _Totals:
    """One XML row a call, a new worksheet each `rows_per_sheet` rows (heading row included)."""
    totals = _Totals()
    by_category = totals.cents_by_category
    when, elapsed, rate, money = workbook.when, workbook.elapsed, workbook.rate, workbook.money_index
    write_xml_row = workbook.new_calls_sheet().write_xml_row
    shown_directions = workbook.directions
    durations: dict[str, float] = {}
    charges: dict[str, int] = {}
    count = total = line = 0
    for row in rows:
        cents = charges.get(row[10])
        if cents is None:
            cents = charges[row[10]] = int(row[10])
        count += 1
        total += cents
        by_category[row[8]] = by_category.get(row[8], 0) + cents
        line += 1
        if line == rows_per_sheet:
            write_xml_row = workbook.new_calls_sheet().write_xml_row
            line = 1
        days = durations.get(row[2])
        if days is None:
            days = durations[row[2]] = int(row[2]) / 86400
        n = line + 1
        texts = (row[3], row[4], shown_directions.get(row[5], row[5]), row[6], row[7])
        write_xml_row(
            line,
            f'<c r="A{n}" s="{when}"><v>{times.excel_serial(row[1])!r}</v></c>'
            f'<c r="B{n}" s="{elapsed}"><v>{days!r}</v></c>'
            f"{_text_cells(n, texts)}"
            f'<c r="H{n}" s="{rate}"><v>{float(row[9])!r}</v></c>'
            f'<c r="I{n}" s="{money}"><v>{format_cents(cents)}</v></c>',
        )
    totals.row_count, totals.total_cents = count, total
    return totals


def _write_xlsx(
    rows: Iterator[list[str]], target: WritableTarget, header: ExportHeader, rows_per_sheet: int
) -> _Totals:
    """XlsxWriter writes a workbook to a file (a zip needs its directory at the end): the file is made on
    local disk, then copied to `target` in chunks."""
    if rows_per_sheet < 2:
        raise ValueError("a worksheet needs room for its heading row and at least one call")
    descriptor, tmp_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        workbook = _CallsWorkbook(tmp_path, header)
        totals = _write_xlsx_calls(rows, workbook, _LocalTimes(header.time_zone), rows_per_sheet)
        workbook.add_totals_sheet(header, totals)
        workbook.book.close()
        with open(tmp_path, "rb") as finished:
            shutil.copyfileobj(finished, target, COPY_CHUNK)
    finally:
        os.unlink(tmp_path)
    return totals


# --- PDF -----------------------------------------------------------------------------------------------

_PAGE_WIDTH, _PAGE_HEIGHT = 792.0, 612.0  # US Letter, landscape: nine columns fit
_MARGIN = 36.0
_SIZE = 8.0
_LEADING = 11.0
_TITLE_HEIGHT = 78.0
_FOOTER_Y = 22.0
_LAST_ROW_Y = _MARGIN + 4


@dataclass(frozen=True)
class _Column:
    x: float  # the left edge, or the right edge of a right-aligned column
    right_aligned: bool
    max_chars: int


_COLUMNS = (
    _Column(36, False, 19),  # call start
    _Column(160, True, 10),  # duration
    _Column(172, False, 18),  # calling number
    _Column(262, False, 18),  # called number
    _Column(352, False, 9),  # direction
    _Column(400, False, 34),  # destination
    _Column(560, False, 18),  # line
    _Column(700, True, 10),  # rate per minute
    _Column(756, True, 14),  # charge
)


def _clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


class _PdfPages:
    def __init__(self, writer: StreamingPdfWriter, header: ExportHeader) -> None:
        self.writer = writer
        self.header = header
        self.words = words = header.words
        self.titles = [escape(title) for title in headings(header.time_zone, words)]
        self.titles[0] = escape(words(_("Call start")))  # the time zone goes on a line of its own
        self.page: PageContent | None = None
        self.y = 0.0

    def start(self) -> PageContent:
        page = PageContent()
        number = self.writer.page_count + 1
        top = _PAGE_HEIGHT - _MARGIN
        words = self.words
        if number == 1:
            head = self.header
            heading = _("Billed calls — invoice {invoice_id}", invoice_id=head.invoice_id)
            account = _(
                "{account_name} — account {account_number}",
                account_name=head.account_name,
                account_number=head.account_number,
            )
            period = _(
                "Billing period {start} to {end}",
                start=date.fromisoformat(head.period_start),
                end=date.fromisoformat(head.period_end),
            )
            zone = _("Call start times in {time_zone}", time_zone=head.time_zone)
            page.text(_MARGIN, top - 10, escape(words(heading)), 14, BOLD)
            page.text(_MARGIN, top - 28, escape(words(account)), 10)
            page.text(_MARGIN, top - 42, escape(words(period)), 10)
            page.text(_MARGIN, top - 56, escape(words(zone)), 10)
            top -= _TITLE_HEIGHT
        for column, title in zip(_COLUMNS, self.titles, strict=True):
            if column.right_aligned:
                page.text_right(column.x, top - 10, title, _SIZE, BOLD)
            else:
                page.text(column.x, top - 10, title, _SIZE, BOLD)
        page.text(_COLUMNS[0].x, top - 20, escape(f"({self.header.time_zone})"), _SIZE, BOLD)
        page_number = escape(words(_("Page {number}", number=number)))
        page.text_right(_PAGE_WIDTH - _MARGIN, _FOOTER_Y, page_number, _SIZE)
        self.page = page
        self.y = top - 20 - _LEADING - 2
        return page

    def room(self, lines: int) -> PageContent:
        """The current page if `lines` more lines fit on it, else a fresh one."""
        if self.page is None:
            return self.start()
        if self.y - (lines - 1) * _LEADING < _LAST_ROW_Y:
            self.writer.add_page(self.page)
            return self.start()
        return self.page

    def finish(self) -> None:
        if self.page is not None:
            self.writer.add_page(self.page)
            self.page = None


def _write_pdf(rows: Iterator[list[str]], target: WritableTarget, header: ExportHeader) -> _Totals:
    totals = _Totals()
    times = _LocalTimes(header.time_zone)
    words = header.words
    title = words(_("Billed calls {invoice_id}", invoice_id=header.invoice_id))
    writer = StreamingPdfWriter(target, _PAGE_WIDTH, _PAGE_HEIGHT, title)
    pages = _PdfPages(writer, header)
    shown_directions = directions(words)
    # Each distinct duration, rate and charge is written out once: calls repeat them a lot.
    durations: dict[str, str] = {}
    rates: dict[str, str] = {}
    charges: dict[str, tuple[int, str]] = {}
    columns = _COLUMNS
    for row in rows:
        charge = charges.get(row[10])
        if charge is None:
            cents = int(row[10])
            charge = charges[row[10]] = (cents, words.money(cents))
        totals.add(row[8], charge[0])
        duration = durations.get(row[2])
        if duration is None:
            duration = durations[row[2]] = format_duration(int(row[2]))
        rate = rates.get(row[9])
        if rate is None:
            try:
                rate = rates[row[9]] = decimal(row[9], words.language)
            except ArithmeticError:  # what decimal.Decimal raises for text that is not a number
                raise ValueError(f"not a rate: {row[9]!r}") from None
        page = pages.room(1)
        cells = (
            times.text(row[1]),
            duration,
            row[3],
            row[4],
            shown_directions.get(row[5], row[5]),
            row[6],
            row[7],
            rate,
            charge[1],
        )
        y = pages.y
        for column, cell in zip(columns, cells, strict=True):
            text = escape(_clip(cell, column.max_chars))
            if column.right_aligned:
                page.text_right(column.x, y, text, _SIZE)
            else:
                page.text(column.x, y, text, _SIZE)
        pages.y -= _LEADING
    lines = [(words(_("Number of calls")), words.number(totals.row_count))]
    lines.extend((label, words.money(cents)) for label, cents in totals.rows(header))
    page = pages.room(len(lines) + 1)
    pages.y -= _LEADING / 2
    for label, value in lines:
        page.text(_COLUMNS[5].x, pages.y, escape(label), _SIZE, BOLD)
        page.text_right(_COLUMNS[8].x, pages.y, value, _SIZE, BOLD)
        pages.y -= _LEADING
    pages.finish()
    writer.close()
    return totals
