"""AWS adapters of CDR exports besides their records (billing_portal.exports.dynamo): the export engine
between the CDR bucket and the documents bucket, streamed both ways, and the queue to the worker."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from billing_portal.exports import s3_streams
from billing_portal.exports.service import BilledCallsMissing, ExportNotSaved, ExportWriter
from billing_portal.shared import aws

if TYPE_CHECKING:
    from billing_portal.exports.writers import ExportHeader, ExportSummary

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
# Errors S3 answers for a fault of its own or a burst of requests: worth a retry (by the queue).
_PASSING = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError"})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _refused(error: ClientError) -> bool:
    """S3 said no for good (access denied, no such bucket, ...), not for now."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
    return status < 500 and _code(error) not in _PASSING


def s3_export_writer(cdr_bucket: str, documents_bucket: str) -> ExportWriter:
    def write(cdr_key: str, export_key: str, fmt: str, header: ExportHeader) -> ExportSummary:
        from billing_portal.exports.writers import CONTENT_TYPES, ExportFormat, export_billed_file

        chosen = ExportFormat(fmt)
        try:
            source = s3_streams.open_object(cdr_bucket, cdr_key)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise BilledCallsMissing(cdr_key) from error
            raise
        try:
            with (
                contextlib.closing(source),
                s3_streams.S3MultipartWriter(documents_bucket, export_key, CONTENT_TYPES[chosen]) as target,
            ):
                return export_billed_file(source, chosen, target, header)
        except ClientError as error:
            # Reading the body streams without S3 errors of its own: this one is the upload's.
            if _refused(error):
                raise ExportNotSaved(export_key) from error
            raise

    return write


class SqsExportQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, account_id: str, export_id: str) -> None:
        body = json.dumps({"account_id": account_id, "export_id": export_id})
        aws.client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)
