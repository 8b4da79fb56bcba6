"""Download links to the files customers keep (invoice PDFs, CDR exports): how long one works, what name
the browser saves it under, and the port of the bucket that signs them (billing_portal.invoices.s3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from billing_portal.shared.clock import Clock

LINK_LIFETIME = timedelta(minutes=5)  # a download link is good for five minutes
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """ASCII letters, digits, dots, dashes and underscores only: safe in any header and on any disk."""
    cleaned = _UNSAFE_FILENAME.sub("-", name).strip("-.")
    return cleaned or "download"


class DocumentFiles(Protocol):
    """The documents bucket, where customers' downloads are kept."""

    def exists(self, key: str) -> bool: ...

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def download_link(self, key: str, filename: str, content_type: str, lifetime: timedelta) -> str:
        """A presigned GET of the object, good for `lifetime`, answered as an attachment named
        `filename`."""
        ...


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime  # aware UTC, whole seconds: when the link stops working


def sign_link(
    files: DocumentFiles, key: str, *, filename: str, content_type: str, clock: Clock
) -> SignedLink:
    """A fresh link to the object. The clock is read before signing, in whole seconds as the signature's
    date, so the link works at least until `expires_at`."""
    signed_at = clock().astimezone(UTC).replace(microsecond=0)
    url = files.download_link(key, filename, content_type, LINK_LIFETIME)
    return SignedLink(url=url, expires_at=signed_at + LINK_LIFETIME)
