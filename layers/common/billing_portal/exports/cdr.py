"""Billed call detail records (CDRs): the file the billing engine delivers with each invoice.

A gzip-compressed CSV with a header row, one billed call a row, in the columns below. Times are UTC;
the charge is already rounded to the cent, and the charges of each usage category add up to the invoice's
usage line of that category.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import IO

COLUMNS = (
    "call_id",
    "start_utc",
    "duration_seconds",
    "calling_number",
    "called_number",
    "direction",
    "destination",
    "line",
    "category",
    "rate_per_minute",
    "charge_cents",
)


@dataclass(frozen=True)
class BilledCall:
    call_id: str
    start_utc: str  # ISO 8601, e.g. 2026-10-03T14:05:09Z
    duration_seconds: int
    calling_number: str
    called_number: str
    direction: str  # inbound | outbound
    destination: str
    line: str  # the DID or extension the call belongs to
    category: str  # the invoice usage line it is billed under
    rate_per_minute: str  # dollars, four decimals
    charge_cents: int


def object_key(account_id: str, invoice_id: str) -> str:
    return f"billed/{account_id}/{invoice_id}.csv.gz"


def write_csv_gz(calls: Iterable[BilledCall], target: IO[bytes]) -> int:
    """Stream calls into `target` as a gzip CSV; returns the number of rows."""
    count = 0
    with gzip.GzipFile(fileobj=target, mode="wb", compresslevel=6, mtime=0) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS)
        for call in calls:
            writer.writerow(astuple(call))
            count += 1
        text.flush()
        text.detach()
    return count
