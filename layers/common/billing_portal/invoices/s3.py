"""S3 adapter of the documents bucket, the files customers download (invoice PDFs, CDR exports): store
them, and presign GETs that make the browser save the file under the name given
(billing_portal.invoices.links says for how long and under which names)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.invoices.links import safe_filename
from billing_portal.shared import aws

# What S3 answers for an object (or the body of one) that is not there.
MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def object_exists(bucket: str, key: str) -> bool:
    try:
        aws.client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in MISSING:
            return False
        raise
    return True


class S3Documents:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return aws.client("s3")

    def exists(self, key: str) -> bool:
        return object_exists(self.bucket, key)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def download_link(self, key: str, filename: str, content_type: str, lifetime: timedelta) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                # Made safe here too: the header must hold whatever name it is given.
                "ResponseContentDisposition": f'attachment; filename="{safe_filename(filename)}"',
                "ResponseContentType": content_type,
            },
            ExpiresIn=int(lifetime.total_seconds()),
        )
        return url
