"""S3 objects as streams: read one without loading it whole, and write one as a multipart upload so that
an export of any size needs only one part in memory."""

from __future__ import annotations

import io
from types import TracebackType
from typing import IO, Any, cast

from billing_portal.shared import aws

PART_SIZE = 8 * 1024 * 1024  # S3 wants at least 5 MiB a part, except the last


def open_object(bucket: str, key: str) -> IO[bytes]:
    """The object's body as a readable stream (botocore's StreamingBody)."""
    response = aws.client("s3").get_object(Bucket=bucket, Key=key)
    return cast(IO[bytes], response["Body"])


class S3MultipartWriter(io.RawIOBase):
    """A writable stream onto a new S3 object. Use it as a context manager: a clean exit completes the
    upload (an empty or small file too), an exception aborts it so that nothing half-written remains."""

    def __init__(self, bucket: str, key: str, content_type: str, *, part_size: int = PART_SIZE) -> None:
        super().__init__()
        self.bucket = bucket
        self.key = key
        self.content_type = content_type
        self.part_size = part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self.bytes_written = 0

    @property
    def _s3(self) -> Any:
        return aws.client("s3")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed S3MultipartWriter")
        if self._upload_id is None:
            created = self._s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type
            )
            self._upload_id = created["UploadId"]
        view = memoryview(data).cast("B")
        self._buffer += view
        self.bytes_written += len(view)
        while len(self._buffer) >= self.part_size:
            self._upload_part(bytes(self._buffer[: self.part_size]))
            del self._buffer[: self.part_size]
        return len(view)

    def _upload_part(self, body: bytes) -> None:
        number = len(self._parts) + 1
        uploaded = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"PartNumber": number, "ETag": uploaded["ETag"]})

    def complete(self) -> None:
        """Upload what is left as the last part and complete the object."""
        if self._upload_id is None:
            # Nothing was written: an empty object needs no multipart upload.
            self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=b"", ContentType=self.content_type)
        else:
            if self._buffer or not self._parts:
                self._upload_part(bytes(self._buffer))
                self._buffer.clear()
            self._s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        super().close()

    def abort(self) -> None:
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            self._upload_id = None
        self._buffer.clear()
        super().close()

    def __enter__(self) -> S3MultipartWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.closed:
            return
        if exc_type is None:
            self.complete()
        else:
            self.abort()
