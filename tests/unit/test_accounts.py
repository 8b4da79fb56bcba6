"""What a signed-in customer reads: the dashboard, 24 months of history page by page, and the details of one
transaction, against the in-memory store."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from builders import noon
from pydantic import ValidationError

from billing_portal.i18n.words import words_in
from billing_portal.ledger import views, views_details, views_history
from billing_portal.ledger.model import INVOICE_TOTAL_MONTHS, EntryType, HistoryRow, invoiced_in
from billing_portal.ledger.ports import LedgerStore, PortalUser
from billing_portal.ledger.profile import ProfileUpdate
from billing_portal.ledger.reading import AccountReader, HistoryQuery
from billing_portal.ledger.retention import months_before
from billing_portal.shared.errors import Gone, NotFound, ValidationFailed
from billing_portal.shared.money import format_cents

from . import documents
from .documents import send
from .fakes import FakeLedgerStore

TODAY = date(2026, 11, 15)
EARLIEST = date(2024, 11, 15)  # 24 months before TODAY: the oldest day the history shows
ACCOUNT = "acct-hist"
OTHER = "acct-other"
ENGLISH = words_in("en")


@dataclass(frozen=True)
class Posted:
    id: str
    type: str
    date: date


def first_of_months(start: date, count: int) -> Iterator[date]:
    year, month = start.year, start.month
    for _ in range(count):
        yield date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def build_history(store: LedgerStore) -> list[Posted]:
    """31 months of an Ontario account: a 113.00 invoice a month; two 40.00 payments and a third that pays
    the rest and 7.00 more (credit that pays part of the next invoice); a 10.00 credit every fourth month, a
    5.00 refund every fifth, one pending credit. Answers what was posted, in posting order."""
    send(store, documents.account(ACCOUNT))
    posted: list[Posted] = []
    pending: list[str] = []
    for number, first in enumerate(first_of_months(date(2024, 5, 1), 31)):
        tag = f"{first:%Y%m}"
        send(store, documents.invoice(ACCOUNT, f"INV-{tag}", first, service="100.00"))
        posted.append(Posted(f"INV-{tag}", "invoice", first))
        posted.extend(Posted(credit_id, "credit", first) for credit_id in pending)
        pending.clear()
        for day in (5, 12, 20):
            payment_id = f"PAY-{tag}-{day}"
            account = store.get_account(ACCOUNT)
            assert account is not None
            owed = account.ledger.balance_cents
            amount = "40.00" if day < 20 else format_cents(owed + 700)
            send(store, documents.payment(ACCOUNT, payment_id, first.replace(day=day), amount))
            posted.append(Posted(payment_id, "payment", first.replace(day=day)))
        if number % 5 == 4:
            send(store, documents.refund(ACCOUNT, f"RF-{tag}", first.replace(day=21), "5.00"))
            posted.append(Posted(f"RF-{tag}", "refund", first.replace(day=21)))
        if number % 4 == 3:
            send(store, documents.credit(ACCOUNT, f"CR-{tag}", first.replace(day=25), "10.00"))
            posted.append(Posted(f"CR-{tag}", "credit", first.replace(day=25)))
        if number == 20:
            send(store, documents.pending_credit(ACCOUNT, f"CR-{tag}-P", first.replace(day=26), "15.00"))
            pending.append(f"CR-{tag}-P")
    return posted


@pytest.fixture(scope="module")
def history() -> tuple[FakeLedgerStore, list[Posted]]:
    store = FakeLedgerStore()
    posted = build_history(store)
    send(store, documents.account(OTHER))
    send(store, documents.invoice(OTHER, "INV-OTHER1", date(2026, 10, 1)))
    return store, posted


@pytest.fixture
def reader(history: tuple[FakeLedgerStore, list[Posted]]) -> AccountReader:
    return AccountReader(history[0], users=history[0], clock=noon(TODAY))


def query(**params: str) -> HistoryQuery:
    """As the query string delivers them: text."""
    return HistoryQuery.model_validate({k.rstrip("_"): v for k, v in params.items()})


def walk(reader: AccountReader, account_id: str, **params: str) -> list[list[views_history.HistoryItem]]:
    pages, cursor = [], None
    while True:
        page = reader.history(account_id, query(**params, **({"cursor": cursor} if cursor else {})), ENGLISH)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        assert len(pages) < 100, "the cursor does not move"
        cursor = page.next_cursor


# -- the window ----------------------------------------------------------------------------------------


def test_the_window_starts_24_months_back() -> None:
    assert months_before(TODAY, 24) == EARLIEST
    assert months_before(date(2026, 2, 28), 24) == date(2024, 2, 28)
    assert months_before(date(2028, 2, 29), 24) == date(2026, 2, 28)


def test_from_earlier_than_24_months_is_refused_with_whom_to_contact(reader: AccountReader) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reader.history(ACCOUNT, query(from_=(EARLIEST - timedelta(days=1)).isoformat()), ENGLISH)
    assert refused.value.status == 422
    assert "24 months" in str(refused.value.message)
    assert "billing team" in str(refused.value.message)
    assert "billing@net2phone.ca" in str(refused.value.message)


def test_to_earlier_than_24_months_is_refused_too(reader: AccountReader) -> None:
    with pytest.raises(ValidationFailed, match="billing team"):
        reader.history(ACCOUNT, query(to=date(2024, 6, 1).isoformat()), ENGLISH)


def test_from_the_first_day_of_the_window_is_fine(reader: AccountReader) -> None:
    page = reader.history(ACCOUNT, query(from_=EARLIEST.isoformat(), page_size="100"), ENGLISH)
    assert page.items
    assert min(item.date for item in page.items) >= EARLIEST


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, None),
        ({"type": "invoice,bogus"}, "type"),
        ({"type": ""}, "type"),
        ({"type": "INVOICE"}, "type"),
        ({"page_size": "20"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"sort": "asc"}, "sort"),
        ({"cursor": "x" * 201}, "cursor"),
    ],
)
def test_bad_history_queries_are_refused(params: dict[str, str], field: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        HistoryQuery.model_validate(params)
    if field is not None:
        assert field in {str(error["loc"][0]) for error in refused.value.errors() if error["loc"]}


def encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "%%%",
        "e30",  # {} in base64
        encoded(b"not json"),
        encoded(b"\xff\xfe\x00"),
        encoded(b"[1, 2]"),
        encoded(b'"TXN#2026-01-01#00000001"'),
        encoded(b"null"),
        encoded(json.dumps({"key": "TXN#2026-01-01#00000001"}).encode()),
        encoded(json.dumps({"k": 12}).encode()),
        encoded(json.dumps({"k": None}).encode()),
        encoded(json.dumps({"k": ["TXN#2026-01-01#00000001"]}).encode()),
        encoded(json.dumps({"k": "ACCOUNT"}).encode()),
        encoded(json.dumps({"k": "DOC#INV-1"}).encode()),
        encoded(json.dumps({"k": "USER#a@b.ca"}).encode()),
        encoded(json.dumps({"k": "TXN#2026-01-01#1"}).encode()),
        encoded(json.dumps({"k": "TXN#2026-01-01"}).encode()),
        encoded(json.dumps({"k": "TXN#2026-01-01#00000001#x"}).encode()),
    ],
)
def test_forged_cursors_are_refused(reader: AccountReader, cursor: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reader.history(ACCOUNT, query(cursor=cursor), ENGLISH)
    assert refused.value.status == 422
    assert "cursor" in str(refused.value.message)


# -- paging --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [10, 50, 100])
def test_paging_walks_every_row_once_newest_first(
    reader: AccountReader, history: tuple[FakeLedgerStore, list[Posted]], page_size: int
) -> None:
    _, posted = history
    expected = [p.id for p in reversed(posted) if p.date >= EARLIEST]
    assert len(expected) > 100  # enough for more than one page of every size

    pages = walk(reader, ACCOUNT, page_size=str(page_size))

    assert [item.id for page in pages for item in page] == expected
    assert all(len(page) == page_size for page in pages[:-1])
    assert 0 < len(pages[-1]) <= page_size


def test_the_default_page_is_ten_rows(
    reader: AccountReader, history: tuple[FakeLedgerStore, list[Posted]]
) -> None:
    page = reader.history(ACCOUNT, query(), ENGLISH)
    assert [item.id for item in page.items] == [p.id for p in reversed(history[1])][:10]
    assert page.next_cursor is not None


@pytest.mark.parametrize(
    "types", ["payment,credit", "refund,invoice", "credit", "invoice,payment,credit,refund"]
)
@pytest.mark.parametrize("page_size", [10, 50])
def test_type_filters_merge_types_newest_first(
    reader: AccountReader, history: tuple[FakeLedgerStore, list[Posted]], types: str, page_size: int
) -> None:
    wanted = set(types.split(","))
    expected = [p.id for p in reversed(history[1]) if p.date >= EARLIEST and p.type in wanted]

    pages = walk(reader, ACCOUNT, type=types, page_size=str(page_size))

    items = [item for page in pages for item in page]
    assert [item.id for item in items] == expected
    assert {item.type for item in items} == wanted


def test_type_names_may_have_spaces_after_the_commas() -> None:
    assert query(type="credit, refund").type == frozenset({EntryType.CREDIT, EntryType.REFUND})


def test_a_date_range_with_paging(
    reader: AccountReader, history: tuple[FakeLedgerStore, list[Posted]]
) -> None:
    start, end = date(2025, 3, 5), date(2025, 9, 20)
    expected = [p.id for p in reversed(history[1]) if start <= p.date <= end]

    pages = walk(reader, ACCOUNT, from_=start.isoformat(), to=end.isoformat(), page_size="10")

    assert [item.id for page in pages for item in page] == expected
    assert expected[0] == "PAY-202509-20" and expected[-1] == "PAY-202503-5"


def test_a_page_exactly_full_is_the_last_page() -> None:
    store = FakeLedgerStore()
    send(store, documents.account("acct-ten"))
    for day in range(1, 11):
        send(store, documents.payment("acct-ten", f"PAY-{day}", date(2026, 10, day), "1.00"))
    page = AccountReader(store, users=store, clock=noon(TODAY)).history("acct-ten", query(), ENGLISH)
    assert len(page.items) == 10
    assert page.next_cursor is None


def test_no_rows_is_an_empty_page() -> None:
    store = FakeLedgerStore()
    send(store, documents.account("acct-new"))
    page = AccountReader(store, users=store, clock=noon(TODAY)).history("acct-new", query(), ENGLISH)
    assert page.items == []
    assert page.next_cursor is None


def test_rows_carry_amounts_and_running_balances(reader: AccountReader) -> None:
    page = reader.history(ACCOUNT, query(from_="2026-11-01", page_size="100"), ENGLISH)
    by_id = {item.id: item for item in page.items}
    # October ended 7.00 in credit, less a 5.00 refund: 2.00. November's 113.00 makes 111.00 owed.
    assert (by_id["INV-202611"].debit, by_id["INV-202611"].credit, by_id["INV-202611"].balance) == (
        "113.00",
        None,
        "111.00",
    )
    assert [
        (by_id[p].credit, by_id[p].debit, by_id[p].balance) for p in ("PAY-202611-5", "PAY-202611-20")
    ] == [
        ("40.00", None, "71.00"),
        ("38.00", None, "-7.00"),
    ]
    assert by_id["PAY-202611-5"].description == "Credit Card"
    older = reader.history(ACCOUNT, query(from_="2025-06-01", to="2025-06-30"), ENGLISH).items
    assert {item.description for item in older if item.type == "payment"} == {"Historical Credit Card"}


def test_a_pending_credit_shows_in_the_history_with_the_next_invoice(reader: AccountReader) -> None:
    page = reader.history(ACCOUNT, query(from_="2026-02-01", to="2026-02-01"), ENGLISH)
    assert [(item.id, item.type) for item in page.items] == [
        ("CR-202601-P", "credit"),
        ("INV-202602", "invoice"),
    ]


def test_the_history_never_shows_rows_older_than_24_months(reader: AccountReader) -> None:
    pages = walk(reader, ACCOUNT, page_size="100")
    assert min(item.date for page in pages for item in page) >= EARLIEST


def test_invoice_pdfs_are_offered_for_invoices_only(reader: AccountReader) -> None:
    for page in walk(reader, ACCOUNT, page_size="100"):
        for item in page:
            assert item.invoice_pdf_available == (item.type == "invoice")


def test_an_invoice_exactly_24_months_old_is_listed_with_its_pdf_and_a_day_older_is_not() -> None:
    store = FakeLedgerStore()
    send(store, documents.account("acct-edge"))
    send(store, documents.invoice("acct-edge", "INV-OLD", EARLIEST - timedelta(days=1)))
    send(store, documents.invoice("acct-edge", "INV-EDGE", EARLIEST))
    reader = AccountReader(store, users=store, clock=noon(TODAY))

    page = reader.history("acct-edge", query(), ENGLISH)

    assert [(item.id, item.invoice_pdf_available) for item in page.items] == [("INV-EDGE", True)]
    with pytest.raises(Gone):
        reader.details("acct-edge", "INV-OLD", ENGLISH)
    assert reader.details("acct-edge", "INV-EDGE", ENGLISH).root.invoice_pdf_available is True  # type: ignore[union-attr]


def test_invoice_pdf_is_not_available_past_24_months() -> None:
    row = HistoryRow(1, "INV-OLD", EntryType.INVOICE, EARLIEST - timedelta(days=1), "Invoice", None, 100, 100)
    assert views_history.history_item(row, EARLIEST, ENGLISH).invoice_pdf_available is False
    day_before = EARLIEST - timedelta(days=1)
    assert views_history.history_item(row, day_before, ENGLISH).invoice_pdf_available is True


def test_another_accounts_rows_never_show(reader: AccountReader) -> None:
    ids = {item.id for page in walk(reader, ACCOUNT, page_size="100") for item in page}
    assert "INV-OTHER1" not in ids
    assert [item.id for item in reader.history(OTHER, query(), ENGLISH).items] == ["INV-OTHER1"]


# -- details -------------------------------------------------------------------------------------------


def test_invoice_details(reader: AccountReader) -> None:
    details = reader.details(ACCOUNT, "INV-202611", ENGLISH).root
    assert isinstance(details, views_details.InvoiceDetails)
    assert (details.subtotal, details.total, details.status) == ("100.00", "113.00", "paid")
    assert [(t.name, t.amount) for t in details.taxes] == [("HST 13%", "13.00")]
    assert details.amount_paid == "113.00" and details.balance_due == "0.00"
    # What was left of October's overpayment first, then November's payments, oldest first.
    assert [(a.source_id, a.amount) for a in details.payments_applied] == [
        ("account_credit", "2.00"),
        ("PAY-202611-5", "40.00"),
        ("PAY-202611-12", "40.00"),
        ("PAY-202611-20", "31.00"),
    ]
    assert details.due_date == date(2026, 12, 1)


def test_payment_credit_and_refund_details(reader: AccountReader) -> None:
    paid = reader.details(ACCOUNT, "PAY-202611-20", ENGLISH).root
    assert isinstance(paid, views_details.PaymentDetails)
    assert (paid.amount, paid.method, paid.status) == ("38.00", "credit_card", "approved")
    assert [(i.invoice_id, i.amount) for i in paid.invoices_paid] == [("INV-202611", "31.00")]

    pending = reader.details(ACCOUNT, "CR-202601-P", ENGLISH).root
    assert isinstance(pending, views_details.CreditDetails)
    assert (pending.status, pending.applied_on_invoice, pending.amount) == ("applied", "INV-202602", "15.00")

    refund = reader.details(ACCOUNT, "RF-202605", ENGLISH).root
    assert isinstance(refund, views_details.RefundDetails)
    assert (refund.amount, refund.reason) == ("5.00", "Credit balance returned")


@pytest.mark.parametrize("transaction_id", ["INV-NOPE", "PAY-999", "CR-1", "RF-1"])
def test_an_unknown_transaction_is_not_found(reader: AccountReader, transaction_id: str) -> None:
    with pytest.raises(NotFound) as missing:
        reader.details(ACCOUNT, transaction_id, ENGLISH)
    assert missing.value.status == 404


@pytest.mark.parametrize(
    "transaction_id",
    [
        "inv-202611",
        "INV-",
        "INV_202611",
        "../INV-202611",
        "INV-202611/../x",
        "ACCOUNT",
        "TXN#2026-11-01#1",
        "",
        "INV-" + "1" * 60,
    ],
)
def test_a_malformed_transaction_id_is_not_found(reader: AccountReader, transaction_id: str) -> None:
    with pytest.raises(NotFound):
        reader.details(ACCOUNT, transaction_id, ENGLISH)


def test_another_accounts_transaction_is_not_found(reader: AccountReader) -> None:
    with pytest.raises(NotFound):
        reader.details(ACCOUNT, "INV-OTHER1", ENGLISH)


def test_a_transaction_older_than_24_months_is_gone(reader: AccountReader) -> None:
    with pytest.raises(Gone) as gone:
        reader.details(ACCOUNT, "INV-202410", ENGLISH)
    assert gone.value.status == 410
    assert "billing team" in str(gone.value.message)


# -- dashboard, profile, me ----------------------------------------------------------------------------


def dashboard_after(*sent: dict[str, Any]) -> views.Dashboard:
    store = FakeLedgerStore()
    send(store, documents.account("acct-dash"))
    for document in sent:
        send(store, document)
    return AccountReader(store, users=store, clock=noon(TODAY)).dashboard("acct-dash", ENGLISH)


def test_the_dashboard_shows_what_is_owed_and_when() -> None:
    board = dashboard_after(
        documents.invoice("acct-dash", "INV-1", date(2026, 10, 1)),
        documents.invoice("acct-dash", "INV-2", date(2026, 11, 1)),
    )
    assert board.current_balance.amount == "226.00"
    assert board.current_balance.due_date == date(2026, 10, 31)  # the oldest unpaid invoice's
    assert board.last_payment is None
    assert board.autopay.enabled is False


def test_the_due_date_moves_on_once_the_oldest_invoice_is_paid() -> None:
    board = dashboard_after(
        documents.invoice("acct-dash", "INV-1", date(2026, 10, 1)),
        documents.invoice("acct-dash", "INV-2", date(2026, 11, 1)),
        documents.payment("acct-dash", "PAY-1", date(2026, 11, 2), "113.00", method="bank_upload"),
    )
    assert board.current_balance.amount == "113.00"
    assert board.current_balance.due_date == date(2026, 12, 1)
    assert board.last_payment is not None
    assert (board.last_payment.date, board.last_payment.amount, board.last_payment.method) == (
        date(2026, 11, 2),
        "113.00",
        "Bank Upload",
    )


def test_the_current_balance_counts_pending_credits() -> None:
    board = dashboard_after(
        documents.invoice("acct-dash", "INV-1", date(2026, 10, 1)),
        documents.pending_credit("acct-dash", "CR-9", date(2026, 10, 2), "20.00"),
    )
    assert board.current_balance.amount == "93.00"
    assert board.current_balance.due_date == date(2026, 10, 31)


def test_a_credit_balance_is_negative_with_nothing_due() -> None:
    board = dashboard_after(
        documents.invoice("acct-dash", "INV-1", date(2026, 10, 1)),
        documents.payment("acct-dash", "PAY-1", date(2026, 10, 2), "120.00"),
    )
    assert board.current_balance.amount == "-7.00"
    assert board.current_balance.due_date is None


def test_the_dashboard_charts_what_was_invoiced_in_each_of_the_last_24_months() -> None:
    board = dashboard_after(
        documents.invoice("acct-dash", "INV-1", date(2026, 10, 1)),
        documents.invoice("acct-dash", "INV-2", date(2026, 11, 1)),
        documents.invoice("acct-dash", "INV-3", date(2026, 11, 3)),
    )
    months = [(point.month, point.total) for point in board.invoice_totals]
    assert (
        len(months) == 24 and months[0][0] == "2024-12" and months[-1][0] == "2026-11"
    )  # TODAY's month last
    assert dict(months)["2026-10"] == "113.00" and dict(months)["2026-11"] == "226.00"
    assert all(total == "0.00" for month, total in months if month < "2026-10")


def test_monthly_invoice_totals_keep_the_recent_months_only() -> None:
    totals: dict[str, int] = {}
    for number in range(40):
        totals = invoiced_in(totals, date(2023 + number // 12, number % 12 + 1, 1), 100 + number)
    assert len(totals) == INVOICE_TOTAL_MONTHS
    assert min(totals) == "2024-04" and totals["2026-04"] == 139


def test_the_dashboard_of_an_unknown_account_is_not_found() -> None:
    with pytest.raises(NotFound):
        reader = AccountReader(FakeLedgerStore(), users=FakeLedgerStore(), clock=noon(TODAY))
        reader.dashboard("acct-none", ENGLISH)


def test_a_profile_change_shows_on_the_dashboard() -> None:
    store = FakeLedgerStore()
    send(store, documents.account("acct-prof"))
    reader = AccountReader(store, users=store, clock=noon(TODAY))
    change = ProfileUpdate.model_validate(
        {
            "billing_address": {
                "line1": "1 rue Sainte-Catherine",
                "city": "Montréal",
                "province": "qc",
                "postal_code": "h2x1y4",
            },
            "billing_contacts": ["Ap@Erable.example"],
        }
    )

    board = reader.update_profile("acct-prof", change, ENGLISH)

    assert board.billing_address.province == "QC"
    assert board.billing_address.postal_code == "H2X 1Y4"
    assert board.billing_contacts == ["ap@erable.example"]
    assert board.time_zone == "America/Toronto"  # untouched
    assert reader.dashboard("acct-prof", ENGLISH) == board
    with pytest.raises(NotFound):
        reader.update_profile("acct-none", change, ENGLISH)


def test_me_is_the_signed_in_user() -> None:
    store = FakeLedgerStore()
    user = PortalUser(
        "acct-me",
        "dana@erable.example",
        "Dana",
        "Tremblay",
        "America/Toronto",
        True,
        "2026-01-01T00:00:00+00:00",
    )
    store.seed_user(user)
    reader = AccountReader(store, users=store, clock=noon(TODAY))
    me = reader.me("acct-me", "dana@erable.example")
    assert (me.username, me.first_name, me.account_id) == ("dana@erable.example", "Dana", "acct-me")
    with pytest.raises(NotFound):
        reader.me("acct-other", "dana@erable.example")


def test_money_in_the_history_is_two_decimal_text(reader: AccountReader) -> None:
    for item in reader.history(ACCOUNT, query(page_size="100"), ENGLISH).items:
        for amount in (item.credit, item.debit, item.balance):
            assert amount is None or amount == format_cents(int(amount.replace(".", "")))
