"""Reading a billed CDR file back, for the tests that check what was delivered (the portal itself only
streams it through the export engine, billing_portal.exports.writers)."""

from __future__ import annotations

import csv
import gzip
import io
from typing import IO

from billing_portal.exports.cdr import COLUMNS, BilledCall


def read_billed_calls(source: IO[bytes]) -> list[BilledCall]:
    with gzip.GzipFile(fileobj=source, mode="rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader, None)
        assert tuple(header or ()) == COLUMNS, f"unexpected CDR columns: {header}"
        return [
            BilledCall(
                call_id=row[0],
                start_utc=row[1],
                duration_seconds=int(row[2]),
                calling_number=row[3],
                called_number=row[4],
                direction=row[5],
                destination=row[6],
                line=row[7],
                category=row[8],
                rate_per_minute=row[9],
                charge_cents=int(row[10]),
            )
            for row in reader
        ]
