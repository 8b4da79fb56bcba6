"""Canadian sales taxes on telecommunication services, by the province of the billing address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing_portal.i18n import Percent, Text, _
from billing_portal.shared.money import percent_of

# Each tax's name as customers read it: in French, TPS and TVQ in Québec, TVH, TVP and TVD elsewhere.
TAX_NAMES = {
    "GST": _("GST"),
    "HST": _("HST"),
    "PST": _("PST"),
    "QST": _("QST"),
    "RST": _("RST"),
}


def tax_label(stored_name: str, rate: str) -> Text:
    """A tax line's label in the reader's words ("QST 9.975%", "TVQ 9,975 %"), from the name an invoice
    stored ("QST 9.975%", or "QST") and its rate."""
    code = stored_name.split()[0] if stored_name else stored_name
    return _("{tax} {rate}", tax=TAX_NAMES.get(code, code), rate=Percent(rate))


@dataclass(frozen=True)
class Tax:
    name: str
    rate: Decimal


GST = Tax("GST", Decimal("0.05"))
_HST_13 = Tax("HST", Decimal("0.13"))
_HST_15 = Tax("HST", Decimal("0.15"))
_HST_14 = Tax("HST", Decimal("0.14"))
NS_HST_CUT = date(2025, 4, 1)  # Nova Scotia's HST went from 15 % to 14 % on this day.

_BY_PROVINCE: dict[str, tuple[Tax, ...]] = {
    "AB": (GST,),
    "BC": (GST, Tax("PST", Decimal("0.07"))),
    "MB": (GST, Tax("RST", Decimal("0.07"))),
    "NB": (_HST_15,),
    "NL": (_HST_15,),
    "NS": (_HST_14,),
    "NT": (GST,),
    "NU": (GST,),
    "ON": (_HST_13,),
    "PE": (_HST_15,),
    "QC": (GST, Tax("QST", Decimal("0.09975"))),
    "SK": (GST, Tax("PST", Decimal("0.06"))),
    "YT": (GST,),
}
PROVINCES = frozenset(_BY_PROVINCE)


def taxes_for(province: str, on: date) -> tuple[Tax, ...]:
    if province == "NS" and on < NS_HST_CUT:
        return (_HST_15,)
    return _BY_PROVINCE[province]


@dataclass(frozen=True)
class TaxLine:
    name: str
    rate: Decimal
    amount_cents: int

    @property
    def label(self) -> str:
        percent = (self.rate * 100).normalize()
        return f"{self.name} {percent:f}%"


def compute_taxes(province: str, on: date, taxable_cents: int) -> list[TaxLine]:
    """Each tax on the subtotal, rounded half up to the cent (QST is not compounded on GST since 2013)."""
    return [TaxLine(t.name, t.rate, percent_of(taxable_cents, t.rate)) for t in taxes_for(province, on)]
