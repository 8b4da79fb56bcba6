"""Auto Pay as the account keeps it: on with one saved card, or off. It lives on the account item (the
dashboard reads it with the balance); the payments adapter writes it, the ledger adapter reads it back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from billing_portal.payments.cards import Card


@dataclass(frozen=True)
class AutopayMethod:
    """The saved card Auto Pay charges: its id, and the card as the dashboard's tile shows it."""

    id: str
    card: Card


@dataclass(frozen=True)
class AutopaySetting:
    method: AutopayMethod | None = None  # None: Auto Pay is off

    @property
    def enabled(self) -> bool:
        return self.method is not None

    @property
    def method_id(self) -> str | None:
        return self.method.id if self.method else None

    def stored(self) -> dict[str, Any]:
        """The map kept on the account item: `{enabled, payment_method: {id, brand, last4, exp_month,
        exp_year}}`, or `{enabled: false}`."""
        if self.method is None:
            return {"enabled": False}
        return {"enabled": True, "payment_method": {"id": self.method.id, **asdict(self.method.card)}}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> AutopaySetting:
        """The setting from that map; off when the account has none, or it is off."""
        method = (data or {}).get("payment_method") if (data or {}).get("enabled") else None
        if not method:
            return AUTOPAY_OFF
        card = Card(method["brand"], method["last4"], int(method["exp_month"]), int(method["exp_year"]))
        return cls(AutopayMethod(str(method["id"]), card))


AUTOPAY_OFF = AutopaySetting()
