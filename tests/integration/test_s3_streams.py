"""Streaming S3 objects: multipart uploads in 8 MiB parts, completed or aborted, and read back."""

from __future__ import annotations

import os

import boto3
import pytest

from billing_portal.exports.s3_streams import PART_SIZE, S3MultipartWriter, open_object


def _s3():  # type: ignore[no-untyped-def]
    return boto3.client("s3", region_name="ca-central-1")


def test_a_large_file_goes_up_in_parts_and_reads_back(aws: dict[str, str]) -> None:
    bucket = aws["DocumentsBucket"]
    data = os.urandom(20 * 1024 * 1024)
    with S3MultipartWriter(bucket, "exports/a/big.csv", "text/csv") as writer:
        for start in range(0, len(data), 3 * 1024 * 1024 + 17):  # writes that do not line up with parts
            writer.write(data[start : start + 3 * 1024 * 1024 + 17])

    head = _s3().head_object(Bucket=bucket, Key="exports/a/big.csv", PartNumber=1)
    assert head["PartsCount"] == 3
    assert head["ContentLength"] == PART_SIZE
    assert _s3().head_object(Bucket=bucket, Key="exports/a/big.csv")["ContentType"] == "text/csv"
    body = open_object(bucket, "exports/a/big.csv")
    assert body.read() == data


def test_a_small_file_is_completed_too(aws: dict[str, str]) -> None:
    bucket = aws["DocumentsBucket"]
    with S3MultipartWriter(bucket, "exports/a/small.pdf", "application/pdf") as writer:
        writer.write(b"0123456789")
    assert open_object(bucket, "exports/a/small.pdf").read() == b"0123456789"


def test_an_empty_file_is_an_empty_object(aws: dict[str, str]) -> None:
    bucket = aws["DocumentsBucket"]
    with S3MultipartWriter(bucket, "exports/a/empty.csv", "text/csv"):
        pass
    assert open_object(bucket, "exports/a/empty.csv").read() == b""


def test_a_failure_leaves_no_object_and_no_pending_upload(aws: dict[str, str]) -> None:
    bucket = aws["DocumentsBucket"]
    with pytest.raises(RuntimeError), S3MultipartWriter(bucket, "exports/a/broken.xlsx", "x") as writer:
        writer.write(os.urandom(PART_SIZE + 10))
        raise RuntimeError("the export failed half way")

    listed = _s3().list_objects_v2(Bucket=bucket, Prefix="exports/a/")
    assert listed.get("KeyCount", 0) == 0
    assert not _s3().list_multipart_uploads(Bucket=bucket).get("Uploads")
