"""The export records' store keeps the same promises in memory (the unit tests' fake) and in DynamoDB (the
adapter, against moto): a record reads back as it was put, a put replaces the record of the same id, and
an export is found only on its own account."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit.fakes import FakeExports

from billing_portal.exports.dynamo import DynamoExports
from billing_portal.exports.service import ExportRecord, ExportStatus, ExportStore

PENDING = ExportRecord(
    id="exp_4f1c2a9b7d3e6f8a0b1c",
    account_id="acct-contract",
    invoice_id="INV-100482731-202610",
    format="xlsx",
    status=ExportStatus.PENDING,
    username="ana@erable.example",
    time_zone="America/St_Johns",
    created_at="2026-11-02T15:04:05+00:00",
    object_key="exports/acct-contract/exp_4f1c2a9b7d3e6f8a0b1c.xlsx",
    filename="CDR-INV-100482731-202610.xlsx",
    expires_at=1_794_000_000,
)


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> ExportStore:
    if request.param == "fake":
        return FakeExports()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoExports(physical["PortalTable"])


def test_a_pending_export_reads_back_as_it_was_put(store: ExportStore) -> None:
    store.put_export(PENDING)
    found = store.get_export(PENDING.account_id, PENDING.id)
    assert found == PENDING
    assert found is not None and found.status is ExportStatus.PENDING
    assert (found.row_count, found.message, found.finished_at) == (None, None, None)


def test_a_put_replaces_the_record_of_the_same_id(store: ExportStore) -> None:
    store.put_export(PENDING)
    ready = replace(
        PENDING,
        status=ExportStatus.READY,
        row_count=1_048_575,
        finished_at="2026-11-02T15:09:05+00:00",
        expires_at=PENDING.expires_at + 300,
    )
    store.put_export(ready)
    assert store.get_export(PENDING.account_id, PENDING.id) == ready

    failed = replace(ready, status=ExportStatus.FAILED, message="Les appels facturés — introuvables.")
    store.put_export(failed)
    assert store.get_export(PENDING.account_id, PENDING.id) == failed


def test_an_export_is_found_only_on_its_own_account_and_by_its_own_id(store: ExportStore) -> None:
    store.put_export(PENDING)
    other = replace(PENDING, account_id="acct-other", invoice_id="INV-OTHER")
    store.put_export(other)
    assert store.get_export("acct-other", PENDING.id) == other
    assert store.get_export(PENDING.account_id, PENDING.id) == PENDING
    assert store.get_export("acct-nobody", PENDING.id) is None
    assert store.get_export(PENDING.account_id, "exp_" + "0" * 20) is None
