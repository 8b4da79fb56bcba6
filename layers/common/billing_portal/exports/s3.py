"""S3 adapter of the export engine (billing_portal.exports.writers): reads an invoice's billed CDR file from
the CDR bucket and writes its export to the documents bucket, streamed both ways."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from billing_portal.exports import s3_streams
from billing_portal.exports.service import BilledCallsMissing, ExportNotSaved, ExportWriter
from billing_portal.invoices.s3 import MISSING, error_code

if TYPE_CHECKING:
    from billing_portal.exports.writers import ExportHeader, ExportSummary

# Errors S3 answers for a fault of its own or a burst of requests: worth a retry (by the queue).
_PASSING = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError"})


def _refused(error: ClientError) -> bool:
    """S3 said no for good (access denied, no such bucket, ...), not for now."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
    return status < 500 and error_code(error) not in _PASSING


def s3_export_writer(*, cdr_bucket: str, documents_bucket: str) -> ExportWriter:
    def write(cdr_key: str, export_key: str, fmt: str, header: ExportHeader) -> ExportSummary:
        from billing_portal.exports.writers import CONTENT_TYPES, ExportFormat, export_billed_file

        chosen = ExportFormat(fmt)
        try:
            source = s3_streams.open_object(cdr_bucket, cdr_key)
        except ClientError as error:
            if error_code(error) in MISSING:
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
