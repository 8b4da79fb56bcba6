"""How far back the portal shows an account (help centre): 24 months of transaction history, of their
details and of invoice PDFs; the call records of the last 6 months' invoices. Older ones are the billing
team's to give. Every window is counted back from the customer's today."""

from __future__ import annotations

import calendar
from datetime import date

HISTORY_MONTHS = 24
CDR_EXPORT_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when that month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def history_since(today: date) -> date:
    """The first day of the transaction history and of the transactions' details."""
    return months_before(today, HISTORY_MONTHS)


def invoice_pdfs_since(today: date) -> date:
    """The first issue date whose invoice PDF can be downloaded: the history's window, so that every
    invoice the history lists has its PDF."""
    return history_since(today)


def cdr_exports_since(today: date) -> date:
    """The first issue date whose invoice's call records can be exported."""
    return months_before(today, CDR_EXPORT_MONTHS)
