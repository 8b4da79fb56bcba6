"""boto3 clients and resources, created on first use and cached for the life of the execution
environment. Lazy, so that moto (tests, local stack) is active before any client exists."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch moto on and off between cases)."""
    client.cache_clear()
