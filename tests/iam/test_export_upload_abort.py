"""A CDR export whose billed file stops reading halfway (the connection to S3 reset) is tried again, with
the template's IAM policies enforced as on AWS: the half-made upload is aborted, which needs
s3:AbortMultipartUpload on the exports; without it the abort's AccessDenied would turn a passing fault
into a permanent "could not be saved"."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import IO, Any

import boto3
import pytest
from botocore.exceptions import ResponseStreamingError
from integration.support import Caller, account_doc, call, invoice_doc, portal_user, posted

from billing_portal.exports import cdr, s3_streams
from billing_portal.exports import service as exports
from billing_portal.exports.cdr import BilledCall
from billing_portal.shared.clock import utc_today
from localrun import functions
from localrun.queues import sqs_event

REGION = "ca-central-1"
ANA = Caller("acct-abort", "ana@erable.example")
INVOICE = "INV-100482731-202610"
CALLS = 400


class ResetHalfway(io.RawIOBase):
    """The billed file's body, whose connection resets once half of it has been read."""

    def __init__(self, body: IO[bytes]) -> None:
        super().__init__()
        self._data = body.read()
        self._sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        half = len(self._data) // 2
        if self._sent >= half:
            raise ResponseStreamingError(error=ConnectionResetError("connection reset by peer"))
        chunk = self._data[self._sent : min(half, self._sent + len(buffer))]
        buffer[: len(chunk)] = chunk
        self._sent += len(chunk)
        return len(chunk)


@pytest.fixture
def invoice(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ana's invoice with its billed calls; reading them is cut off halfway."""
    posted(account_doc(ANA.account_id))
    portal_user(ANA)
    calls = [
        BilledCall(
            call_id=f"c{index:05d}",
            start_utc=f"2026-10-{1 + index % 28:02d}T12:{index % 60:02d}:00Z",
            duration_seconds=60 + index,
            calling_number="+14165550100",
            called_number=f"+1514555{index:04d}",
            direction="outbound",
            destination="Montréal, QC",
            line="+14165550100",
            category="Long distance, Canada and US",
            rate_per_minute="0.0200",
            charge_cents=2,
        )
        for index in range(CALLS)
    ]
    body = io.BytesIO()
    cdr.write_csv_gz(calls, body)
    key = cdr.object_key(ANA.account_id, INVOICE)
    boto3.client("s3", region_name=REGION).put_object(Bucket=aws["CdrBucket"], Key=key, Body=body.getvalue())
    usage = f"{2 * CALLS // 100}.{2 * CALLS % 100:02d}"
    posted(
        invoice_doc(
            ANA.account_id,
            INVOICE,
            utc_today() - timedelta(days=20),
            [
                ("Hosted seats", "service", 4, "100.00"),
                ("Long distance, Canada and US", "usage", CALLS, usage),
            ],
            cdr_file={"object_key": key, "call_count": CALLS, "usage_total": usage},
        )
    )
    real_open = s3_streams.open_object
    monkeypatch.setattr(s3_streams, "open_object", lambda bucket, key: ResetHalfway(real_open(bucket, key)))


def incomplete_uploads(aws: dict[str, str]) -> list[Any]:
    listed = boto3.client("s3", region_name=REGION).list_multipart_uploads(Bucket=aws["DocumentsBucket"])
    return list(listed.get("Uploads", []))


@pytest.mark.usefixtures("invoice", "template_iam")
def test_an_export_cut_off_in_the_request_goes_to_the_worker(aws: dict[str, str]) -> None:
    reply = call("POST", f"/invoices/{INVOICE}/cdr-exports", ANA, body={"format": "csv"})

    assert (reply.status, reply.body["status"]) == (202, "pending"), reply.body
    assert call("GET", f"/cdr-exports/{reply.body['id']}", ANA).body["status"] == "pending"
    assert incomplete_uploads(aws) == [], "the half-made file is not left behind"


@pytest.mark.usefixtures("invoice", "template_iam")
def test_an_export_cut_off_in_the_worker_is_delivered_again(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(exports.INLINE_CALLS, "csv", 0)
    reply = call("POST", f"/invoices/{INVOICE}/cdr-exports", ANA, body={"format": "csv"})
    assert reply.status == 202, reply.body
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=aws["CdrExportQueue"], MessageSystemAttributeNames=["All"])
    event = sqs_event(messages["Messages"], aws["CdrExportQueue.Arn"], REGION)

    answer = functions.handler("CdrExportWorkerFunction")(
        event, functions.LambdaContext("CdrExportWorkerFunction", "req-abort")
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert call("GET", f"/cdr-exports/{reply.body['id']}", ANA).body["status"] == "pending"
    assert incomplete_uploads(aws) == []
