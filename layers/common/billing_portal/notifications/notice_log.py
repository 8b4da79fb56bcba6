"""Ports of the notifier's records: what was sent to whom, and the addresses never to email."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol


class Claim(StrEnum):
    TAKEN = "taken"  # this delivery sends the email
    SENT = "sent"  # an earlier delivery sent it: nothing to do
    BUSY = "busy"  # another delivery is sending it right now (or died doing so, until its claim lapses)


class SentLog(Protocol):
    def claim(self, notice_key: str, recipient: str, now: int, lease_seconds: int) -> Claim:
        """Claim the one email of this event to this recipient; `now` in epoch seconds."""

    def mark_sent(self, notice_key: str, recipient: str, message_id: str, sent_at: str) -> None: ...

    def release(self, notice_key: str, recipient: str) -> None:
        """Give up a claim whose email was not sent."""


class SuppressionList(Protocol):
    def suppressed(self, addresses: Iterable[str]) -> set[str]:
        """Those of the addresses on the list (compared without case), as given."""

    def suppress(self, address: str, reason: str, detail: str, at: str) -> None: ...
