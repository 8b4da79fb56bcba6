"""Billed CDR export throughput and memory (CSV >= 150,000 rows/s, XLSX >= 20,000 rows/s, peak memory under
256 MB for 1,000,000 calls; PDF memory bounded whatever the invoice size)."""

from __future__ import annotations

from bench.report import Report


def run(report: Report) -> None:
    report.line(
        "The CDR export throughput benchmark arrives with the export feature (not built yet): targets CSV "
        ">= 150,000 rows/s, XLSX >= 20,000 rows/s, peak memory < 256 MB for 1,000,000 calls, PDF memory "
        "bounded."
    )
