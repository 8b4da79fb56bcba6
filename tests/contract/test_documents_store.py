"""The documents bucket keeps the same promises in memory (the unit tests' fake) and in S3 (the adapter,
against moto): a stored file exists, and a download link is a presigned GET of that object, answered as an
attachment under a safe name, with the type and for the lifetime it was asked for."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from unit.fakes import FakeDocuments

from billing_portal.invoices.links import LINK_LIFETIME, safe_filename
from billing_portal.invoices.s3 import S3Documents

KEY = "invoices/acct-contract/INV-100482731/paid-0.pdf"


@pytest.fixture(params=["fake", "s3"])
def bucket(request: pytest.FixtureRequest) -> FakeDocuments | S3Documents:
    if request.param == "fake":
        return FakeDocuments()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return S3Documents(physical["DocumentsBucket"])


def signed_for(url: str) -> tuple[str, str, dict[str, str]]:
    """The bucket and key a presigned URL names (virtual-host or path style), and its query."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path).lstrip("/")
    if host.startswith("s3.") or host == "s3.amazonaws.com":
        bucket, _, key = path.partition("/")
    else:
        bucket, key = host.split(".s3", 1)[0], path
    return bucket, key, {name: values[0] for name, values in parse_qs(parts.query).items()}


def test_a_stored_file_exists_and_no_other(bucket: FakeDocuments | S3Documents) -> None:
    assert not bucket.exists(KEY)
    bucket.put_bytes(KEY, b"%PDF-1.4", "application/pdf")
    assert bucket.exists(KEY)
    assert not bucket.exists(KEY.replace("paid-0", "paid-1000"))
    assert not bucket.exists(KEY.rsplit("/", 1)[0])


@pytest.mark.parametrize(
    ("key", "filename", "content_type"),
    [
        (KEY, "Invoice-INV-100482731-202610.pdf", "application/pdf"),
        ("exports/acct contract/exp_1.csv", 'CDR "été" 2026.csv', "text/csv; charset=utf-8"),
    ],
)
@pytest.mark.parametrize("lifetime", [LINK_LIFETIME, timedelta(seconds=1)])
def test_a_link_is_a_presigned_get_of_the_object_as_a_named_attachment(
    bucket: FakeDocuments | S3Documents, key: str, filename: str, content_type: str, lifetime: timedelta
) -> None:
    bucket.put_bytes(key, b"data", content_type)
    url = bucket.download_link(key, filename, content_type, lifetime)

    named_bucket, named_key, query = signed_for(url)
    assert (named_bucket, named_key) == (bucket.bucket, key)
    assert query["response-content-disposition"] == f'attachment; filename="{safe_filename(filename)}"'
    assert query["response-content-type"] == content_type
    assert query["X-Amz-Expires"] == str(int(lifetime.total_seconds()))
