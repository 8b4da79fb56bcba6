"""The notifier's sent log and suppression list keep the same promises in memory (the unit tests' fakes) and
in DynamoDB (the adapters, against moto): an email is claimed once until sent, released or lapsed, and an
address is suppressed whatever its case."""

from __future__ import annotations

import pytest
from unit.fakes import FakeSentLog, FakeSuppressionList

from billing_portal.notifications.dynamo import DynamoSentLog, DynamoSuppressionList
from billing_portal.notifications.notice_log import Claim, SentLog, SuppressionList

NOTICE = "transaction_posted#acct-contract#INV-202611"
NOW = 1_793_631_845


@pytest.fixture(params=["fake", "dynamodb"])
def sent_log(request: pytest.FixtureRequest) -> SentLog:
    if request.param == "fake":
        return FakeSentLog()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoSentLog(physical["NotificationsTable"])


@pytest.fixture(params=["fake", "dynamodb"])
def suppressions(request: pytest.FixtureRequest) -> SuppressionList:
    if request.param == "fake":
        return FakeSuppressionList()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoSuppressionList(physical["NotificationsTable"])


def test_an_email_is_claimed_once_then_busy_then_sent(sent_log: SentLog) -> None:
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW, 150) is Claim.TAKEN
    assert sent_log.claim(NOTICE, "ANA@erable.example", NOW + 10, 150) is Claim.BUSY
    assert sent_log.claim(NOTICE, "bob@erable.example", NOW, 150) is Claim.TAKEN  # another recipient
    sent_log.mark_sent(NOTICE, "ana@erable.example", "message-1", "2026-11-02T15:04:05+00:00")
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW + 1000, 150) is Claim.SENT


def test_a_released_claim_is_taken_again_and_a_sent_one_is_not_released(sent_log: SentLog) -> None:
    sent_log.claim(NOTICE, "ana@erable.example", NOW, 150)
    sent_log.release(NOTICE, "ana@erable.example")
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW, 150) is Claim.TAKEN
    sent_log.mark_sent(NOTICE, "ana@erable.example", "message-1", "2026-11-02T15:04:05+00:00")
    sent_log.release(NOTICE, "ana@erable.example")
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW, 150) is Claim.SENT


def test_a_claim_left_behind_is_taken_over_once_it_lapses(sent_log: SentLog) -> None:
    sent_log.claim(NOTICE, "ana@erable.example", NOW, 150)
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW + 150, 150) is Claim.BUSY
    assert sent_log.claim(NOTICE, "ana@erable.example", NOW + 151, 150) is Claim.TAKEN


def test_an_address_is_suppressed_whatever_its_case_and_answered_as_asked(
    suppressions: SuppressionList,
) -> None:
    assert suppressions.suppressed(["ana@erable.example"]) == set()
    suppressions.suppress("Ana@Erable.example", "bounce", "General", "2026-11-01T00:00:00+00:00")
    asked = ["ANA@erable.example", "bob@erable.example"]
    assert suppressions.suppressed(asked) == {"ANA@erable.example"}
    assert suppressions.suppressed([]) == set()
