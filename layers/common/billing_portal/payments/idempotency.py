"""Requests made safe to repeat with an `Idempotency-Key` header, on Powertools' idempotency utility.

A request's key is scoped to the account, and its payload is checked: the same key with another body is
refused. While the first request with a key is still running, a second one waits for its answer rather than
failing, so that every submission of one key gets the same response (a double click, a retry on a flaky
network). Only a request that completed is remembered; one that raised is forgotten and may be repeated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from billing_portal.i18n import _
from billing_portal.shared.errors import BadRequest, Conflict, ValidationFailed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

HEADER = "Idempotency-Key"
REMEMBERED_SECONDS = 24 * 60 * 60
WAIT_SECONDS = 20.0
# Printable ASCII without spaces, as the IETF draft and the processors we know accept (a UUID fits).
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class IdempotencyKeyMissing(BadRequest):
    code = "idempotency_key_required"


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class RequestInProgress(Conflict):
    code = "request_in_progress"


def idempotency_key(headers: Mapping[str, str]) -> str:
    """The request's key, from headers looked up without regard to case."""
    key = headers.get(HEADER)
    if key is None or key.strip() == "":
        raise IdempotencyKeyMissing(
            _(
                "Send an {header} header (a UUID, for example) so that a repeated request is not charged "
                "twice.",
                header=HEADER,
            )
        )
    if not _KEY.fullmatch(key):
        raise IdempotencyKeyMissing(
            _("The {header} header must be 1 to 255 printable characters without spaces.", header=HEADER)
        )
    return key


class IdempotentOperation:
    """`operation(request)` run at most once per account and key; its JSON-ready answer is replayed."""

    def __init__(
        self,
        *,
        persistence: BasePersistenceLayer,
        name: str,
        operation: Callable[[str, str, dict[str, Any]], Any],
    ) -> None:
        """`persistence`: where the answers are kept (wiring builds Powertools' DynamoDB layer)."""
        # Imported here: Powertools' idempotency package imports boto3 with it, a tenth of a cold start
        # that the payments function otherwise pays only when it first builds a client.
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        self._in_progress, self._reused = IdempotencyAlreadyInProgressError, IdempotencyValidationError
        self._config = IdempotencyConfig(
            event_key_jmespath="[account_id, key]",
            payload_validation_jmespath="request",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=REMEMBERED_SECONDS,
        )

        def run(call: dict[str, Any]) -> Any:
            return operation(call["account_id"], call["key"], call["request"])

        self._run = idempotent_function(
            run,
            data_keyword_argument="call",
            persistence_store=persistence,
            config=self._config,
            key_prefix=name,
        )

    def __call__(self, account_id: str, key: str, request: dict[str, Any], lambda_context: Any) -> Any:
        if lambda_context is not None:
            # A request cut short by the Lambda timeout does not hold its key until the record expires.
            self._config.register_lambda_context(lambda_context)
        call = {"account_id": account_id, "key": key, "request": request}
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                return self._run(call=call)
            except self._reused:
                raise IdempotencyKeyReused(
                    _(
                        "This {header} was used with a different request. Use a new key for a new payment.",
                        header=HEADER,
                    )
                ) from None
            except self._in_progress:
                if time.monotonic() > deadline:
                    raise RequestInProgress(
                        _(
                            "A request with this {header} is still being processed. Try again in a moment.",
                            header=HEADER,
                        )
                    ) from None
                time.sleep(0.05)
