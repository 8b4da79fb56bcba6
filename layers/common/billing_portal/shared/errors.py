"""Typed errors of the portal. Each carries its HTTP status, and its message as a catalogue `Text`, put into
the reader's words where the answer is made (`billing_portal.http.errors`); they are mapped to responses in
one place (`billing_portal.http.resolver`), never by matching message text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from billing_portal.i18n.text import Text


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: Text


@dataclass
class PortalError(Exception):
    message: Text
    details: list[FieldProblem] = field(default_factory=list)

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __str__(self) -> str:
        return str(self.message)  # in English, for logs


class BadRequest(PortalError):
    status, code = 400, "bad_request"


class UnsupportedMediaType(PortalError):
    status, code = 415, "unsupported_media_type"


class NotSignedIn(PortalError):
    status, code = 401, "not_signed_in"


class Forbidden(PortalError):
    status, code = 403, "forbidden"


class NotFound(PortalError):
    status, code = 404, "not_found"


class Conflict(PortalError):
    status, code = 409, "conflict"


class Gone(PortalError):
    status, code = 410, "gone"


class PayloadTooLarge(PortalError):
    status, code = 413, "payload_too_large"


class ValidationFailed(PortalError):
    status, code = 422, "validation_failed"


class Throttled(PortalError):
    status, code = 429, "throttled"


class ConcurrentUpdate(Exception):
    """Another posting changed the account first; the caller re-reads and tries again."""
