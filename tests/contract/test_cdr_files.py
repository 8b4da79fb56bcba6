"""The CDR bucket as ingest sees it keeps the same promise in memory (the unit tests' fake) and in S3 (the
adapter, against moto): a billed file exists once delivered, and no other key does."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest
from unit.fakes import FakeCdrFiles

from billing_portal.exports import cdr
from billing_portal.exports.cdr_store import S3CdrFiles

Deliver = Callable[[str], None]


@pytest.fixture(params=["fake", "s3"])
def cdr_files(request: pytest.FixtureRequest) -> tuple[FakeCdrFiles | S3CdrFiles, Deliver]:
    """The files, and how the billing engine delivers one to them."""
    if request.param == "fake":
        fake = FakeCdrFiles()
        return fake, fake.keys.add
    physical: dict[str, str] = request.getfixturevalue("aws")
    bucket = physical["CdrBucket"]

    def deliver(key: str) -> None:
        boto3.client("s3", region_name="ca-central-1").put_object(Bucket=bucket, Key=key, Body=b"calls")

    return S3CdrFiles(bucket), deliver


def test_a_delivered_billed_file_exists_and_no_other(
    cdr_files: tuple[FakeCdrFiles | S3CdrFiles, Deliver],
) -> None:
    files, deliver = cdr_files
    key = cdr.object_key("acct-contract", "INV-100482731-202610")
    assert not files.exists(key)
    deliver(key)
    assert files.exists(key)
    assert not files.exists(cdr.object_key("acct-contract", "INV-100482731-202609"))
    assert not files.exists(cdr.object_key("acct-other", "INV-100482731-202610"))
