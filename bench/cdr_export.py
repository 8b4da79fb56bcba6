"""Billed CDR export throughput and memory (CSV >= 150,000 rows/s, XLSX >= 20,000 rows/s, peak memory under
256 MB for 1,000,000 calls; PDF memory bounded whatever the invoice size).

A deterministic billed file is generated once; each format then runs in a fresh interpreter that reads
it and writes the export to a file, so that the child's peak resident memory is the export's alone."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.report import INFO, Report
from billing_portal.exports.cdr import BilledCall, write_csv_gz

CALLS_VARIABLE = "BENCH_CDR_CALLS"
DEFAULT_CALLS = 1_000_000
CSV_ROWS_PER_SECOND = 150_000
XLSX_ROWS_PER_SECOND = 20_000
MEMORY_LIMIT_MB = 256
# PDF memory is bounded when ten times the calls take about the same peak: at most this much more.
PDF_GROWTH_LIMIT_MB = 16
SEED = 20260301

# Runs in the child: the export alone is timed, then its peak RSS (ru_maxrss is KiB on Linux).
_CHILD = """\
import json, resource, sys, time
from billing_portal.exports.writers import ExportFormat, ExportHeader, export_billed_file

header = ExportHeader(account_name="Bench Telecom Inc.", account_number="100001", invoice_id="INV-BENCH",
                      period_start="2026-03-01", period_end="2026-03-31", time_zone="America/Toronto")
with open(sys.argv[1], "rb") as source, open(sys.argv[3], "wb") as target:
    started = time.perf_counter()
    summary = export_billed_file(source, ExportFormat(sys.argv[2]), target, header)
    seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": summary.row_count, "seconds": seconds, "peak_mb": peak_mb}))
"""

_DESTINATIONS = (
    ("Toronto, ON", "Canada long distance", "0.0150"),
    ("Montréal, QC", "Canada long distance", "0.0150"),
    ("Vancouver, BC", "Canada long distance", "0.0150"),
    ("New York, NY", "United States", "0.0200"),
    ("Paris, France", "International", "0.0450"),
    ("Ciudad de México, Mexico", "International", "0.0600"),
)


def calls(count: int) -> Iterator[BilledCall]:
    """A month of calls on a few lines, the same for a given count."""
    picker = random.Random(SEED)  # nosec B311 # made-up calls, the same every run
    month_seconds = 31 * 86400
    for number in range(count):
        offset = number * month_seconds // max(count, 1)
        day, rest = divmod(offset, 86400)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        duration = picker.randint(5, 1800)
        destination, category, rate = _DESTINATIONS[picker.randrange(len(_DESTINATIONS))]
        outbound = picker.random() < 0.7
        line = f"+1514555{picker.randrange(20):04d}"
        other = f"+1416{picker.randrange(10_000_000):07d}"
        minutes = -(-duration // 60)
        cents = round(minutes * float(rate) * 100) if outbound else 0
        yield BilledCall(
            f"call-{number:08d}",
            f"2026-03-{day + 1:02d}T{hour:02d}:{minute:02d}:{second:02d}Z",
            duration,
            line if outbound else other,
            other if outbound else line,
            "outbound" if outbound else "inbound",
            destination if outbound else "Incoming",
            line,
            category if outbound else "Inbound calls",
            rate if outbound else "0.0000",
            cents,
        )


@dataclass(frozen=True)
class Measured:
    rows: int
    seconds: float
    peak_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


def _brand_environment() -> dict[str, str]:
    """The provider's names the export writes, as the template's defaults give every function."""
    from billing_portal.i18n.brand import BrandSettings
    from localrun import template

    defaults = {
        name: str(spec["Default"])
        for name, spec in template.load()["Parameters"].items()
        if "Default" in spec
    }
    worker = template.functions()["CdrExportWorkerFunction"]
    names = BrandSettings.env_names()
    return {
        name: defaults[value["Ref"]]
        for name, value in worker.environment.items()
        if name in names and isinstance(value, dict) and value.get("Ref") in defaults
    }


def measure(billed: Path, fmt: str, out_dir: Path) -> Measured:
    target = out_dir / f"export.{fmt}"
    done = subprocess.run(  # nosec B603 # this interpreter running the bench's own child script
        [sys.executable, "-c", _CHILD, str(billed), fmt, str(target)],
        env={**os.environ, **_brand_environment()},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{fmt} export failed: {done.stderr.strip().splitlines()[-1:]}")
    target.unlink()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(int(result["rows"]), float(result["seconds"]), float(result["peak_mb"]))


def call_count() -> int:
    raw = os.environ.get(CALLS_VARIABLE, "")
    count = int(raw) if raw else DEFAULT_CALLS
    if count < 10:
        raise ValueError(f"{CALLS_VARIABLE} must be 10 or more")
    return count


def _billed_file(directory: Path, count: int) -> Path:
    path = directory / f"billed-{count}.csv.gz"
    with path.open("wb") as target:
        write_csv_gz(calls(count), target)
    return path


def run(report: Report) -> None:
    count = call_count()
    with tempfile.TemporaryDirectory(prefix="bench-cdr-") as tmp:
        directory = Path(tmp)
        billed = _billed_file(directory, count)
        report.line(
            f"{count:,} calls ({billed.stat().st_size / 1e6:.1f} MB gzip CSV), one fresh process each"
        )
        rows: list[list[str]] = []

        def row(name: str, measured: Measured, throughput: str, memory: str) -> None:
            rows.append(
                [
                    name,
                    f"{measured.rows:,}",
                    f"{measured.seconds:.1f}",
                    f"{measured.rows_per_second:,.0f}",
                    throughput,
                    f"{measured.peak_mb:.0f}",
                    memory,
                ]
            )

        for fmt, minimum in (("csv", CSV_ROWS_PER_SECOND), ("xlsx", XLSX_ROWS_PER_SECOND)):
            measured = measure(billed, fmt, directory)
            fast = report.target(f"{fmt.upper()} >= {minimum:,} rows/s", measured.rows_per_second >= minimum)
            small = report.target(f"{fmt.upper()} < {MEMORY_LIMIT_MB} MB", measured.peak_mb < MEMORY_LIMIT_MB)
            row(fmt.upper(), measured, f"{fast} (>= {minimum:,})", f"{small} (< {MEMORY_LIMIT_MB})")

        tenth = _billed_file(directory, max(count // 10, 1))
        small_pdf = measure(tenth, "pdf", directory)
        row("PDF (a tenth)", small_pdf, INFO, INFO)
        full_pdf = measure(billed, "pdf", directory)
        bounded = report.target(
            f"PDF memory bounded (peak at most {PDF_GROWTH_LIMIT_MB} MB above a tenth of the calls)",
            full_pdf.peak_mb <= small_pdf.peak_mb + PDF_GROWTH_LIMIT_MB,
        )
        row("PDF", full_pdf, INFO, f"{bounded} (<= {small_pdf.peak_mb + PDF_GROWTH_LIMIT_MB:.0f})")

        report.table(
            ["Format", "Rows", "Seconds", "Rows/s", "Throughput", "Peak MB", "Memory"],
            rows,
            right=(1, 2, 3, 5),
        )
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report.line(f"(largest child peak of the whole run so far: {children:.0f} MB)")
