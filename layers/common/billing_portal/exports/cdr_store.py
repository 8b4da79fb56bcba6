"""S3 adapter for billed CDR files."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from billing_portal.shared import aws


class S3CdrFiles:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return aws.client("s3")

    def exists(self, object_key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True
