"""Sales taxes on telecommunication services by the province of the billing address."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing_portal.ledger.taxes import PROVINCES, compute_taxes

from . import documents
from .documents import send
from .fakes import FakeLedgerStore

AFTER_NS_CUT = date(2025, 6, 1)

# Published rates (GST, HST, and the provincial sales taxes that apply to telecom services), with each
# tax on a $123.45 subtotal rounded half up to the cent.
SUBTOTAL = 12345
RATES = {
    "AB": [("GST", "0.05", 617)],
    "BC": [("GST", "0.05", 617), ("PST", "0.07", 864)],
    "MB": [("GST", "0.05", 617), ("RST", "0.07", 864)],
    "NB": [("HST", "0.15", 1852)],
    "NL": [("HST", "0.15", 1852)],
    "NS": [("HST", "0.14", 1728)],
    "NT": [("GST", "0.05", 617)],
    "NU": [("GST", "0.05", 617)],
    "ON": [("HST", "0.13", 1605)],
    "PE": [("HST", "0.15", 1852)],
    "QC": [("GST", "0.05", 617), ("QST", "0.09975", 1231)],
    "SK": [("GST", "0.05", 617), ("PST", "0.06", 741)],
    "YT": [("GST", "0.05", 617)],
}


def test_every_province_and_territory_is_known() -> None:
    assert set(RATES) == PROVINCES


@pytest.mark.parametrize("province", sorted(RATES))
def test_rates_by_province(province: str) -> None:
    taxes = compute_taxes(province, AFTER_NS_CUT, SUBTOTAL)
    assert [(t.name, t.rate, t.amount_cents) for t in taxes] == [
        (name, Decimal(rate), cents) for name, rate, cents in RATES[province]
    ]


@pytest.mark.parametrize(
    ("issued", "rate", "tax_on_100"),
    [
        (date(2025, 3, 31), "0.15", 1500),
        (date(2025, 4, 1), "0.14", 1400),
        (date(2024, 12, 1), "0.15", 1500),
        (date(2026, 1, 1), "0.14", 1400),
    ],
)
def test_nova_scotia_hst_went_from_15_to_14_percent_on_2025_04_01(
    issued: date, rate: str, tax_on_100: int
) -> None:
    [hst] = compute_taxes("NS", issued, 10000)
    assert (hst.name, hst.rate, hst.amount_cents) == ("HST", Decimal(rate), tax_on_100)


@pytest.mark.parametrize("province", sorted(set(RATES) - {"NS"}))
def test_other_provinces_did_not_change_on_2025_04_01(province: str) -> None:
    assert compute_taxes(province, date(2025, 3, 31), 10000) == compute_taxes(
        province, date(2025, 4, 1), 10000
    )


def test_qst_is_on_the_subtotal_not_on_the_subtotal_plus_gst() -> None:
    gst, qst = compute_taxes("QC", AFTER_NS_CUT, 10000)
    assert gst.amount_cents == 500
    assert qst.amount_cents == 998  # 9.975 % of 100.00; compounded on 105.00 it would be 10.47
    assert qst.amount_cents != round(10500 * 0.09975)


def test_labels_show_the_rate_as_a_percentage() -> None:
    assert [t.label for t in compute_taxes("QC", AFTER_NS_CUT, 100)] == ["GST 5%", "QST 9.975%"]
    assert [t.label for t in compute_taxes("NS", date(2025, 1, 1), 100)] == ["HST 15%"]
    assert [t.label for t in compute_taxes("ON", AFTER_NS_CUT, 100)] == ["HST 13%"]


def test_a_quebec_invoice_adds_up() -> None:
    store = FakeLedgerStore()
    send(store, documents.account("acct-qc", province="QC", postal_code="H2X 1Y4"))
    send(store, documents.invoice("acct-qc", "INV-QC1", date(2026, 10, 1), service="87.35", usage="12.99"))

    invoice = store.get_document("acct-qc", "INV-QC1")
    assert invoice is not None
    assert invoice["subtotal_cents"] == 8735 + 1299
    assert [(t["name"], t["amount_cents"]) for t in invoice["taxes"]] == [
        ("GST 5%", 502),  # 5 % of 100.34 = 5.017
        ("QST 9.975%", 1001),  # 9.975 % of 100.34 = 10.0089...
    ]
    assert invoice["total_cents"] == invoice["subtotal_cents"] + sum(
        t["amount_cents"] for t in invoice["taxes"]
    )
    assert invoice["total_cents"] == 11537
    [row] = store.all_rows("acct-qc")
    assert row.debit_cents == invoice["total_cents"]
    assert store.get_account("acct-qc").ledger.balance_cents == 11537  # type: ignore[union-attr]
