"""S3 adapter for billed CDR files."""

from __future__ import annotations

from billing_portal.invoices.s3 import object_exists


class S3CdrFiles:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def exists(self, object_key: str) -> bool:
        return object_exists(self.bucket, object_key)
