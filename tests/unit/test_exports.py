"""The CDR export service's rules, with the engine, the buckets and the queue faked: which invoices can be
exported, made in the request or queued by size, the requesting user's time zone and language, links, how
an export fails and says why, expiry, and an export never handed to a reader of the other language."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from billing_portal.exports import service as exports
from billing_portal.exports.service import (
    BilledCallsMissing,
    ExportNotSaved,
    ExportRecord,
    ExportRequest,
    ExportService,
    ExportStatus,
    ExportView,
    NoCallsToExport,
)
from billing_portal.exports.writers import ExportHeader, ExportSummary
from billing_portal.i18n.words import Words, words_in
from billing_portal.invoices.links import LINK_LIFETIME
from billing_portal.ledger.ports import PortalUser
from billing_portal.ledger.retention import months_before
from billing_portal.shared.errors import Gone, NotFound

from . import documents
from .fakes import (
    Clock,
    FakeCdrFiles,
    FakeDocuments,
    FakeExportQueue,
    FakeExports,
    FakeLedgerStore,
    FakeUserRecords,
)

EN, FR = words_in("en"), words_in("fr")
ACCOUNT, OTHER = "acct-exports", "acct-other"
USER = "ana@erable.example"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
RETENTION_DAYS = 7
# documents.invoice: one usage line "Long distance" of 120 calls.
CALLS, USAGE_CENTS = 120, 2345


@dataclass
class FakeEngine:
    """The export engine between the buckets: writes the file and sums the calls it was given."""

    files: FakeDocuments
    rows: int = CALLS
    cents_by_category: dict[str, int] = field(default_factory=lambda: {"Long distance": USAGE_CENTS})
    failure: BaseException | None = None
    calls: list[tuple[str, str, str, ExportHeader]] = field(default_factory=list)

    def __call__(self, cdr_key: str, export_key: str, fmt: str, header: ExportHeader) -> ExportSummary:
        self.calls.append((cdr_key, export_key, fmt, header))
        if self.failure is not None:
            raise self.failure
        self.files.put_bytes(export_key, b"the export", fmt)
        cents = dict(self.cents_by_category)
        return ExportSummary(self.rows, sum(cents.values()), cents)


class World:
    def __init__(self) -> None:
        self.ledger = FakeLedgerStore()
        self.records = FakeExports()
        self.users = FakeUserRecords()
        self.files = FakeDocuments()
        self.queue = FakeExportQueue()
        self.engine = FakeEngine(self.files)
        self.clock = Clock(NOW)
        self.service = ExportService(
            ledger=self.ledger,
            records=self.records,
            users=self.users,
            files=self.files,
            write=self.engine,
            retention_days=RETENTION_DAYS,
            queue=self.queue,
            clock=self.clock,
        )
        for account_id in (ACCOUNT, OTHER):
            assert documents.send(self.ledger, documents.account(account_id)) == "created"
        self.users.users[(ACCOUNT, USER)] = PortalUser(
            ACCOUNT, USER, "Ana", "Roy", "America/Vancouver", True, "2026-01-01T00:00:00Z"
        )

    def invoice(self, invoice_id: str, issued: date, account_id: str = ACCOUNT, calls: bool = True) -> None:
        key = f"billed/{account_id}/{invoice_id}.csv.gz"
        document = documents.invoice(
            account_id, invoice_id, issued, usage="23.45", cdr_key=key if calls else None
        )
        assert documents.send(self.ledger, document, FakeCdrFiles({key})) == "posted"

    def request(
        self,
        invoice_id: str,
        fmt: str = "csv",
        account_id: str = ACCOUNT,
        username: str = USER,
        words: Words = EN,
    ) -> tuple[int, ExportView]:
        return self.service.request(account_id, username, invoice_id, fmt, words)

    def status(self, account_id: str, export_id: str, words: Words = EN) -> ExportView:
        return self.service.status(account_id, export_id, words)

    def record(self, export_id: str, account_id: str = ACCOUNT) -> ExportRecord:
        found = self.records.get_export(account_id, export_id)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    return World()


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def signed_for(url: str | None) -> dict[str, str]:
    """What a download link was signed for: the object's key, and its query (type, lifetime, name)."""
    assert url is not None
    parts = urlsplit(url)
    return {"key": parts.path.lstrip("/"), **{name: v[0] for name, v in parse_qs(parts.query).items()}}


# -- made in the request ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
    ],
)
def test_a_small_export_is_made_in_the_request_in_the_users_time_zone(
    world: World, fmt: str, content_type: str
) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    status, view = world.request("INV-202610", fmt)

    assert (status, view.status, view.row_count) == (201, ExportStatus.READY, CALLS)
    assert view.filename == f"CDR-INV-202610.{fmt}"
    link = signed_for(view.url)
    assert link["response-content-type"].startswith(content_type)
    assert link["X-Amz-Expires"] == str(int(LINK_LIFETIME.total_seconds())) == "300"
    assert view.expires_at == "2026-11-22T15:05:00+00:00"
    [(cdr_key, export_key, written_as, header)] = world.engine.calls
    assert (cdr_key, written_as) == (f"billed/{ACCOUNT}/INV-202610.csv.gz", fmt)
    assert export_key == f"exports/{ACCOUNT}/{view.id}.{fmt}"
    assert header.time_zone == "America/Vancouver", "the requesting user's zone, not the account's"
    assert (header.invoice_id, header.period_start, header.period_end) == (
        "INV-202610",
        "2026-09-01",
        "2026-09-30",
    )
    assert (header.account_name, header.account_number) == ("Érable Télécom Inc.", "100200300")
    assert world.queue.sent == []
    record = world.record(view.id)
    assert (record.status, record.username, record.time_zone) == (
        ExportStatus.READY,
        USER,
        "America/Vancouver",
    )
    # The record outlives its file (deleted after the retention days, at the next midnight) a little.
    assert record.expires_at == epoch(NOW + timedelta(days=RETENTION_DAYS + 2))


def test_without_a_user_record_the_accounts_time_zone_is_used(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.request("INV-202610", username="gone@erable.example")
    [(_, _, _, header)] = world.engine.calls
    assert header.time_zone == "America/Toronto"


def test_each_export_has_an_id_of_its_own(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    ids = {world.request("INV-202610")[1].id for _ in range(3)}
    assert len(ids) == 3
    assert all(exports.EXPORT_ID.fullmatch(export_id) for export_id in ids)


# -- queued for the worker -------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "expected"), [(CALLS, 201), (CALLS - 1, 202)])
def test_the_call_count_decides_between_the_request_and_the_worker(
    world: World, monkeypatch: pytest.MonkeyPatch, limit: int, expected: int
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "pdf", limit)
    world.invoice("INV-202610", date(2026, 10, 1))
    status, _ = world.request("INV-202610", "pdf")
    assert status == expected
    assert len(world.queue.sent) == (expected == 202)


def test_a_large_export_is_queued_then_made_by_the_worker(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "xlsx", 100)
    world.invoice("INV-202610", date(2026, 10, 1))
    status, view = world.request("INV-202610", "xlsx")
    assert (status, view.body()) == (202, {"id": view.id, "status": "pending"})
    assert world.queue.sent == [(ACCOUNT, view.id)]
    assert world.engine.calls == []
    assert world.status(ACCOUNT, view.id).body() == {"id": view.id, "status": "pending"}

    world.clock.at = NOW + timedelta(minutes=3)
    made = world.service.run(ACCOUNT, view.id)

    assert made is not None and made.status is ExportStatus.READY
    assert made.expires_at == epoch(world.clock.at + timedelta(days=RETENTION_DAYS + 2))
    ready = world.status(ACCOUNT, view.id)
    assert (ready.status, ready.row_count, ready.filename) == (
        ExportStatus.READY,
        CALLS,
        "CDR-INV-202610.xlsx",
    )
    assert ready.url is not None and view.id in ready.url
    assert ready.expires_at == "2026-11-22T15:08:00+00:00"


def test_a_message_delivered_twice_makes_the_export_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.service.run(ACCOUNT, view.id)
    again = world.service.run(ACCOUNT, view.id)
    assert again is not None and again.status is ExportStatus.READY
    assert len(world.engine.calls) == 1


def test_a_message_for_an_export_that_is_not_there_does_nothing(world: World) -> None:
    assert world.service.run(ACCOUNT, "exp_" + "0" * 20) is None
    assert world.records.writes == 0


def test_each_poll_of_a_ready_export_gets_a_fresh_link(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.clock.at = NOW + timedelta(minutes=30)
    later = world.status(ACCOUNT, view.id)
    assert later.expires_at == "2026-11-22T15:35:00+00:00"


# -- which invoices ----------------------------------------------------------------------------------------


def test_six_months_back_is_the_limit(world: World) -> None:
    oldest = months_before(TODAY, 6)
    world.invoice("INV-TOO-OLD", oldest - timedelta(days=1))  # posted in date order
    world.invoice("INV-OLDEST", oldest)
    assert world.request("INV-OLDEST")[0] == 201
    with pytest.raises(Gone) as gone:
        world.request("INV-TOO-OLD")
    message = str(gone.value.message)
    assert "6 months" in message
    assert "billing@net2phone.ca" in message and "1-877-498-3772" in message
    assert world.engine.calls[1:] == [], "nothing is read for a refused invoice"


def test_what_is_not_the_callers_invoice_is_not_found_alike(world: World) -> None:
    world.invoice("INV-THEIRS", date(2026, 10, 1), account_id=OTHER)
    assert (
        documents.send(world.ledger, documents.payment(ACCOUNT, "PAY-1", date(2026, 10, 5), "10.00"))
        == "posted"
    )
    messages = set()
    for invoice_id in ("INV-THEIRS", "INV-NONE", "PAY-1", "inv-lower", "../etc", "INV-" + "9" * 60):
        with pytest.raises(NotFound) as missing:
            world.request(invoice_id)
        messages.add(missing.value.message)
    assert messages == {exports.INVOICE_NOT_FOUND}
    assert world.records.stored == {}


def test_another_accounts_export_is_not_found(world: World) -> None:
    world.invoice("INV-THEIRS", date(2026, 10, 1), account_id=OTHER)
    _, theirs = world.request("INV-THEIRS", account_id=OTHER)
    for export_id in (theirs.id, "exp_" + "0" * 20, "exp_nope", theirs.id.upper()):
        with pytest.raises(NotFound) as missing:
            world.status(ACCOUNT, export_id)
        assert missing.value.message == exports.EXPORT_NOT_FOUND
    assert world.status(OTHER, theirs.id).status is ExportStatus.READY


def test_an_invoice_without_billed_calls_has_nothing_to_export(world: World) -> None:
    world.invoice("INV-SEATS-ONLY", date(2026, 10, 1), calls=False)
    with pytest.raises(NoCallsToExport) as conflict:
        world.request("INV-SEATS-ONLY")
    assert (conflict.value.status, conflict.value.message) == (409, exports.NO_CALLS)


# -- failures say why --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (BilledCallsMissing("billed/x.csv.gz"), "could not be found"),
        (gzip.BadGzipFile("Not a gzipped file"), "could not be read"),
        (EOFError("Compressed file ended before the end-of-stream marker was reached"), "could not be read"),
        (ValueError("unexpected CDR columns: ['when']"), "could not be read"),
        (ExportNotSaved("exports/x.csv"), "could not be saved"),
    ],
)
def test_a_file_that_cannot_be_read_or_written_fails_the_export_with_the_reason(
    world: World, failure: BaseException, reason: str
) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.engine.failure = failure
    status, view = world.request("INV-202610")
    assert (status, view.status, view.url) == (201, ExportStatus.FAILED, None)
    assert view.message is not None and reason in view.message
    assert "billing@net2phone.ca" in view.message
    assert world.status(ACCOUNT, view.id) == view, "polling says the same"
    assert world.queue.sent == [], "retrying would not help"


def test_the_worker_fails_an_unreadable_file_instead_of_retrying_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.engine.failure = gzip.BadGzipFile("Not a gzipped file")
    made = world.service.run(ACCOUNT, view.id)
    assert made is not None and made.status is ExportStatus.FAILED
    assert made.message is not None and "could not be read" in made.message


@pytest.mark.parametrize(
    ("rows", "cents", "why"),
    [
        (CALLS - 1, {"Long distance": USAGE_CENTS}, "a call missing"),
        (CALLS, {"Long distance": USAGE_CENTS - 1}, "a cent short"),
        (CALLS, {"Long distance": USAGE_CENTS - 100, "International": 100}, "another usage line"),
    ],
)
def test_calls_that_do_not_add_up_to_the_invoice_are_not_handed_out(
    world: World, rows: int, cents: dict[str, int], why: str
) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.engine.rows, world.engine.cents_by_category = rows, cents
    _, view = world.request("INV-202610")
    assert (view.status, view.url) == (ExportStatus.FAILED, None), why
    assert view.message is not None and "do not add up" in view.message


def test_an_unexpected_fault_in_the_request_hands_the_export_to_the_worker(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.engine.failure = TimeoutError("S3 did not answer")
    status, view = world.request("INV-202610")
    assert (status, view.status) == (202, ExportStatus.PENDING)
    assert world.queue.sent == [(ACCOUNT, view.id)]


def test_an_unexpected_fault_in_the_worker_is_raised_for_a_retry_then_given_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.engine.failure = TimeoutError("S3 did not answer")
    with pytest.raises(TimeoutError):
        world.service.run(ACCOUNT, view.id)
    assert world.status(ACCOUNT, view.id).status is ExportStatus.PENDING

    world.service.give_up(ACCOUNT, view.id)

    failed = world.status(ACCOUNT, view.id)
    assert (failed.status, failed.message) == (ExportStatus.FAILED, EN(exports.NOT_MADE))


def test_giving_up_leaves_an_export_that_was_made_alone(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.service.give_up(ACCOUNT, view.id)
    assert world.status(ACCOUNT, view.id).status is ExportStatus.READY


def test_an_export_that_cannot_be_queued_is_not_left_pending(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    world.queue.broken = True
    with pytest.raises(ConnectionError):
        world.request("INV-202610")
    [record] = world.records.stored.values()
    assert (record.status, record.message) == (ExportStatus.FAILED, EN(exports.NOT_MADE))


def test_a_pending_export_whose_worker_never_finished_shows_as_failed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    world.clock.at = NOW + exports.PENDING_LIMIT
    assert world.status(ACCOUNT, view.id).status is ExportStatus.PENDING
    world.clock.at += timedelta(seconds=1)
    stale = world.status(ACCOUNT, view.id)
    assert (stale.status, stale.message) == (ExportStatus.FAILED, EN(exports.NOT_MADE))


# -- expiry ------------------------------------------------------------------------------------------------


def test_an_expired_file_says_so_and_a_new_request_makes_a_new_export(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, first = world.request("INV-202610")
    world.files.objects.clear()  # the lifecycle rule removed the file
    expired = world.status(ACCOUNT, first.id)
    assert (expired.status, expired.url) == (ExportStatus.FAILED, None)
    assert expired.message is not None and f"{RETENTION_DAYS} days" in expired.message
    assert "Request the export again" in expired.message
    status, again = world.request("INV-202610")
    assert (status, again.status) == (201, ExportStatus.READY)
    assert again.id != first.id


def test_past_its_records_time_to_live_an_export_is_expired_whatever_the_bucket_says(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610")
    # DynamoDB deletes expired items within days, not at once: the record can still be read.
    world.clock.at = datetime.fromtimestamp(world.record(view.id).expires_at, UTC)
    assert world.status(ACCOUNT, view.id).status is ExportStatus.FAILED


# -- the request and the answer ----------------------------------------------------------------------------


def test_the_request_takes_one_of_three_formats_and_nothing_else() -> None:
    assert ExportRequest.model_validate({"format": "xlsx"}).format == "xlsx"
    for body in ({"format": "xls"}, {"format": "CSV"}, {}, {"format": "csv", "invoice_id": "INV-1"}):
        with pytest.raises(ValidationError):
            ExportRequest.model_validate(body)


def test_the_answer_leaves_out_what_does_not_apply() -> None:
    assert ExportView(id="exp_1", status=ExportStatus.PENDING).body() == {"id": "exp_1", "status": "pending"}
    failed = ExportView(id="exp_1", status=ExportStatus.FAILED, message="Why.")
    assert failed.body() == {"id": "exp_1", "status": "failed", "message": "Why."}


# -- in the requesting user's language ---------------------------------------------------------------------


def test_an_export_is_made_in_the_requesting_users_language(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))

    status, view = world.request("INV-202610", "xlsx", words=FR)

    assert (status, view.status, view.filename) == (201, ExportStatus.READY, "Appels-INV-202610.xlsx")
    [(_, _, _, header)] = world.engine.calls
    assert (header.language, header.time_zone) == ("fr", "America/Vancouver")
    assert world.record(view.id).language == "fr"
    assert (
        signed_for(view.url)["response-content-disposition"]
        == 'attachment; filename="Appels-INV-202610.xlsx"'
    )
    assert world.status(ACCOUNT, view.id, FR).status is ExportStatus.READY


def test_the_worker_makes_a_queued_export_in_the_language_it_was_asked_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "pdf", 0)
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610", "pdf", words=FR)
    assert world.queue.sent == [(ACCOUNT, view.id)]

    made = world.service.run(ACCOUNT, view.id)

    assert made is not None and made.status is ExportStatus.READY
    [(_, _, _, header)] = world.engine.calls
    assert header.language == "fr"
    assert world.status(ACCOUNT, view.id, FR).filename == "Appels-INV-202610.pdf"


def test_an_export_is_never_handed_to_a_reader_of_the_other_language(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, french = world.request("INV-202610", "csv", words=FR)
    _, english = world.request("INV-202610", "csv", words=EN)

    for export_id, other in ((french.id, EN), (english.id, FR)):
        refused = world.status(ACCOUNT, export_id, other)
        assert (refused.status, refused.url, refused.filename) == (ExportStatus.FAILED, None, None)
        assert refused.message == other(exports.OTHER_LANGUAGE)
    assert world.status(ACCOUNT, french.id, EN).message == (
        "This export was requested in another language. Request the export again for a file in yours."
    )
    assert world.status(ACCOUNT, english.id, FR).message == (
        "Cette exportation a été demandée dans une autre langue. Demandez l'exportation de nouveau pour "
        "obtenir un fichier dans la vôtre."
    )
    # Each reader's own export is theirs to download.
    assert world.status(ACCOUNT, french.id, FR).url is not None
    assert world.status(ACCOUNT, english.id, EN).url is not None


def test_a_french_export_says_why_it_failed_in_french(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    world.engine.failure = BilledCallsMissing("billed/x.csv.gz")

    _, view = world.request("INV-202610", words=FR)

    assert view.status is ExportStatus.FAILED
    assert view.message == (
        "Les relevés des appels facturés de la facture INV-202610 sont introuvables. Communiquez avec "
        "l'équipe de facturation au billing@net2phone.ca ou au 1-877-498-3772 (option 4)."
    )
    assert world.record(view.id).message == view.message
    assert world.status(ACCOUNT, view.id, FR) == view


def test_an_expired_french_export_says_so_in_french(world: World) -> None:
    world.invoice("INV-202610", date(2026, 10, 1))
    _, view = world.request("INV-202610", words=FR)
    world.files.objects.clear()

    expired = world.status(ACCOUNT, view.id, FR)

    assert expired.message == (
        "Le fichier de cette exportation a été supprimé 7 jours après sa production, comme celui de toute "
        "exportation. Demandez l'exportation de nouveau pour obtenir un nouveau fichier."
    )


def test_the_refusals_read_in_french(world: World) -> None:
    oldest = months_before(TODAY, 6)
    world.invoice("INV-TOO-OLD", oldest - timedelta(days=1))
    world.invoice("INV-SEATS-ONLY", date(2026, 10, 1), calls=False)

    with pytest.raises(Gone) as gone:
        world.request("INV-TOO-OLD", words=FR)
    with pytest.raises(NotFound) as missing:
        world.request("INV-NONE", words=FR)
    with pytest.raises(NoCallsToExport) as no_calls:
        world.request("INV-SEATS-ONLY", words=FR)

    assert FR(gone.value.message) == (
        "Les relevés d'appels peuvent être exportés pour les factures des 6 derniers mois, et la facture "
        "INV-TOO-OLD est plus ancienne. Pour obtenir ses relevés d'appels, communiquez avec l'équipe de "
        "facturation au billing@net2phone.ca ou au 1-877-498-3772 (option 4)."
    )
    assert FR(missing.value.message) == "Aucune facture ne porte cet identifiant dans votre compte."
    assert FR(no_calls.value.message) == "Cette facture n'a aucun appel facturé à exporter."


def test_the_totals_name_the_usage_lines_as_the_invoice_does_in_french() -> None:
    invoice = {
        "lines": [
            {"description": "Seats", "description_fr": "Postes", "category": "service"},
            {"description": "Long distance", "description_fr": "Interurbains", "category": "usage"},
            {"description": "International", "category": "usage"},
        ]
    }
    assert exports.usage_names(invoice, "fr") == {"Long distance": "Interurbains"}
    assert exports.usage_names(invoice, "en") == {}
