"""What the local stack stores (GET /_local/snapshot: every table item and bucket object), to show that a
refused request changed nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import Api

SETTLE_SECONDS = 120  # for work set off earlier (an email, an export) to finish: generous


def stored(api: Api) -> dict[str, Any]:
    answer = api.get("/_local/snapshot")
    assert answer.status == 200, answer.raw
    snapshot: dict[str, Any] = answer.body
    return snapshot


def settled(api: Api) -> dict[str, Any]:
    """What the stack stores once work set off earlier has finished (a notification the table's stream
    brings, an export the queue's worker makes): two reads in a row that agree, a read taking longer than
    those consumers take to poll."""
    previous = stored(api)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        current = stored(api)
        if current == previous:
            return current
        previous = current
    pytest.fail(f"the stored data was still changing after {SETTLE_SECONDS} s")


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two snapshots, readably: table items added (+) or removed (-), bucket objects
    added, changed or removed."""
    found = []
    for name in sorted(before["tables"].keys() | after["tables"].keys()):
        old = {json.dumps(item, sort_keys=True) for item in before["tables"].get(name, [])}
        new = {json.dumps(item, sort_keys=True) for item in after["tables"].get(name, [])}
        found += [f"{name} + {item}" for item in sorted(new - old)]
        found += [f"{name} - {item}" for item in sorted(old - new)]
    for name in sorted(before["buckets"].keys() | after["buckets"].keys()):
        old_objects, new_objects = before["buckets"].get(name, {}), after["buckets"].get(name, {})
        for key in sorted(old_objects.keys() | new_objects.keys()):
            if old_objects.get(key) != new_objects.get(key):
                found.append(f"{name} {key}: {old_objects.get(key)} -> {new_objects.get(key)}")
    return found


def assert_unchanged(api: Api, before: dict[str, Any]) -> None:
    after = stored(api)
    assert after == before, "stored data changed:\n" + "\n".join(
        line[:400] for line in changes(before, after)[:20]
    )
