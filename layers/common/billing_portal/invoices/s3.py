"""S3 adapter of the files customers download (invoice PDFs, CDR exports): store them, and hand them out as
short-lived presigned GET URLs that make the browser save the file under a name a person would keep."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from billing_portal.shared import aws

MAX_LINK_SECONDS = 300  # a download link is good for five minutes at most
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """ASCII letters, digits, dots, dashes and underscores only: safe in any header and on any disk."""
    cleaned = _UNSAFE_FILENAME.sub("-", name).strip("-.")
    return cleaned or "download"


class S3Documents:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return aws.client("s3")

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def download_link(
        self, key: str, filename: str, content_type: str, seconds: int = MAX_LINK_SECONDS
    ) -> str:
        """A presigned GET of the object, valid `seconds` (at most five minutes), answered as an attachment
        named `filename`."""
        if not 0 < seconds <= MAX_LINK_SECONDS:
            raise ValueError(f"a download link lasts 1 to {MAX_LINK_SECONDS} seconds")
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{safe_filename(filename)}"',
                "ResponseContentType": content_type,
            },
            ExpiresIn=seconds,
        )
        return url
