"""The one clock convention: a service takes a `Clock`, a callable answering the current time as an aware
UTC datetime, so tests can hold time still; dates a customer sees are in their own time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(at: datetime) -> str:
    """How the portal's records stamp a time: UTC ISO 8601 to the millisecond."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def utc_today() -> date:
    """Today's date in UTC, as the billing engine dates its documents."""
    return utc_now().date()


def local_date(at: datetime, time_zone: str) -> date:
    """The calendar date at `at` where the account or user is."""
    return at.astimezone(ZoneInfo(time_zone)).date()
