"""The local stack's DynamoDB stream event source mapping, over moto's stream of the portal table: what the
template's notifier mapping delivers, in which event, and what becomes of the records a function fails on.
Small recording functions stand in for the notifier."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from localrun import template
from localrun.streams import StreamFeeder, UnsupportedFilter

REGION = "ca-central-1"
WAIT_SECONDS = 20


def notifier_mapping(**changes: Any) -> template.StreamSource:
    """The template's mapping of the portal table's stream to the notifier, with some settings changed."""
    [source] = [found for found in template.stream_sources() if found.function == "NotifierFunction"]
    return dataclasses.replace(source, **changes)


class Recorder:
    """A function that records every event it gets; `behaviour(records, call)` answers for it (or raises)."""

    def __init__(self, behaviour: Callable[[list[dict[str, Any]], int], Any] | None = None) -> None:
        self.behaviour = behaviour
        self.events: list[dict[str, Any]] = []
        self.succeeded: list[str] = []  # the sort keys of the records done, in the order they were done
        self._lock = threading.Lock()

    def __call__(self, logical_id: str, event: Any) -> Any:
        with self._lock:
            self.events.append(event)
            records = event["Records"]
            answer = self.behaviour(records, len(self.events)) if self.behaviour else None
            failed = {item["itemIdentifier"] for item in (answer or {}).get("batchItemFailures", [])}
            if failed:
                first = min(
                    index
                    for index, record in enumerate(records)
                    if record["dynamodb"]["SequenceNumber"] in failed
                )
                records = records[:first]
            self.succeeded.extend(sort_key(record) for record in records)
            return answer

    def batches(self) -> list[list[str]]:
        return [[sort_key(record) for record in event["Records"]] for event in self.events]


def sort_key(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["SK"]["S"])


def sequence_of(recorder: Recorder, key: str) -> str:
    return next(
        str(record["dynamodb"]["SequenceNumber"])
        for event in recorder.events
        for record in event["Records"]
        if sort_key(record) == key
    )


def put(physical: dict[str, str], sort: str, **attributes: Any) -> None:
    item = {"PK": {"S": "ACCOUNT#acct-1"}, "SK": {"S": sort}, **attributes}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=physical["PortalTable"], Item=item)


def delete(physical: dict[str, str], sort: str) -> None:
    boto3.client("dynamodb", region_name=REGION).delete_item(
        TableName=physical["PortalTable"], Key={"PK": {"S": "ACCOUNT#acct-1"}, "SK": {"S": sort}}
    )


def dead_letters(physical: dict[str, str]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(
        QueueUrl=physical["NotifierDeadLetterQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def raise_on(*poisoned: str) -> Callable[[list[dict[str, Any]], int], Any]:
    def behaviour(records: list[dict[str, Any]], call: int) -> Any:
        if any(sort_key(record) in poisoned for record in records):
            raise RuntimeError("cannot handle this record")
        return {"batchItemFailures": []}

    return behaviour


def report(*poisoned: str) -> Callable[[list[dict[str, Any]], int], Any]:
    def behaviour(records: list[dict[str, Any]], call: int) -> Any:
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
                for record in records
                if sort_key(record) in poisoned
            ]
        }

    return behaviour


def test_only_the_changes_the_filters_match_arrive_in_order_in_lambdas_event(aws: dict[str, str]) -> None:
    recorder = Recorder()
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping()])
    written_from = int(time.time())

    put(aws, "TXN#2026-11-01#inv-1", amount={"N": "1250"})  # INSERT of a transaction: wanted
    put(aws, "PROFILE")  # not a change the notifier cares about
    put(aws, "USER#ana", name={"S": "Ana"})  # a user's INSERT: not wanted
    put(aws, "USER#ana", name={"S": "Ana B."})  # a user's MODIFY: wanted
    put(aws, "PAYMENT#pay-1", status={"S": "pending"}, receipt={"B": b"\x00\xffreceipt"})
    delete(aws, "TXN#2026-11-01#inv-1")  # REMOVE: not wanted
    put(aws, "USERNAME")
    put(aws, "USERNAME", enabled={"BOOL": False})  # MODIFY of exactly USERNAME: wanted
    put(aws, "USERNAMES")  # INSERT and then MODIFY of a key that only starts like it: not wanted
    put(aws, "USERNAMES", enabled={"BOOL": True})

    assert feeder.drain() == 4

    assert recorder.batches() == [["TXN#2026-11-01#inv-1", "USER#ana", "PAYMENT#pay-1", "USERNAME"]]
    event = DynamoDBStreamEvent(recorder.events[0])
    records = list(event.records)
    assert [record.event_name.name if record.event_name else None for record in records] == [
        "INSERT",
        "MODIFY",
        "INSERT",
        "MODIFY",
    ]
    for record in records:
        assert record.event_source_arn == aws["PortalTable.StreamArn"]
        assert record.aws_region == REGION
        assert record.event_source == "aws:dynamodb"
        assert record.dynamodb is not None
        created = record.dynamodb.raw_event["ApproximateCreationDateTime"]
        assert isinstance(created, int) and written_from - 1 <= created <= time.time()
    numbers = [int(record.dynamodb.sequence_number or 0) for record in records if record.dynamodb]
    assert numbers == sorted(numbers)
    user, payment = records[1].dynamodb, records[2].dynamodb
    assert user is not None and payment is not None
    assert user.old_image["name"] == "Ana" and user.new_image["name"] == "Ana B."
    assert base64.b64decode(payment.new_image["receipt"]) == b"\x00\xffreceipt"  # base64, as Lambda sends it
    # Delivered once: nothing comes again.
    assert feeder.drain() == 0
    assert len(recorder.events) == 1
    delete(aws, "PAYMENT#pay-1")  # the fixture's final check of the stored items reads them as JSON text


def test_latest_passes_over_what_was_written_before_the_mapping_and_trim_horizon_does_not(
    aws: dict[str, str],
) -> None:
    put(aws, "TXN#before")
    from_latest, from_start = Recorder(), Recorder()
    latest = StreamFeeder(aws, from_latest, REGION, [notifier_mapping()])
    trim_horizon = StreamFeeder(
        aws, from_start, REGION, [notifier_mapping()], starting_position="TRIM_HORIZON"
    )
    put(aws, "TXN#after")

    latest.drain()
    trim_horizon.drain()

    assert from_latest.succeeded == ["TXN#after"]
    assert from_start.succeeded == ["TXN#before", "TXN#after"]


def test_records_go_in_batches_of_the_batch_size_in_stream_order(aws: dict[str, str]) -> None:
    recorder = Recorder()
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping(batch_size=2)])
    keys = [f"TXN#{number}" for number in range(5)]
    for key in keys:
        put(aws, key)
        put(aws, f"USER#{key}")  # passed over between them

    assert feeder.drain() == 5

    assert recorder.batches() == [keys[0:2], keys[2:4], keys[4:5]]


def test_a_partial_failure_is_retried_from_the_failed_record_and_the_earlier_ones_are_not_redelivered(
    aws: dict[str, str],
) -> None:
    def fail_first_call(records: list[dict[str, Any]], call: int) -> Any:
        return report("TXN#3", "TXN#2")(records, call) if call == 1 else None

    recorder = Recorder(fail_first_call)
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping(bisect_batch_on_function_error=False)])
    for number in range(1, 5):
        put(aws, f"TXN#{number}")

    assert feeder.drain() == 4

    assert recorder.batches() == [["TXN#1", "TXN#2", "TXN#3", "TXN#4"], ["TXN#2", "TXN#3", "TXN#4"]]
    assert recorder.succeeded == ["TXN#1", "TXN#2", "TXN#3", "TXN#4"]
    assert dead_letters(aws) == []


@pytest.mark.parametrize("fails", [raise_on, report], ids=["raises", "reports-it-failed"])
def test_a_record_that_always_fails_goes_to_the_dead_letter_queue_alone_and_the_stream_goes_on(
    aws: dict[str, str], fails: Callable[[str], Callable[[list[dict[str, Any]], int], Any]]
) -> None:
    mapping = notifier_mapping()  # as deployed: bisecting, a bounded number of retries, a dead-letter queue
    recorder = Recorder(fails("TXN#4"))
    feeder = StreamFeeder(aws, recorder, REGION, [mapping])
    keys = [f"TXN#{number}" for number in range(1, 8)]
    for key in keys:
        put(aws, key)

    assert feeder.drain() == 6

    assert recorder.succeeded == [key for key in keys if key != "TXN#4"]
    [dead] = dead_letters(aws)
    poison = sequence_of(recorder, "TXN#4")
    assert dead["DDBStreamBatchInfo"]["startSequenceNumber"] == poison
    assert dead["DDBStreamBatchInfo"]["endSequenceNumber"] == poison
    assert dead["DDBStreamBatchInfo"]["batchSize"] == 1
    assert dead["DDBStreamBatchInfo"]["streamArn"] == aws["PortalTable.StreamArn"]
    assert dead["requestContext"]["condition"] == "RetryAttemptsExhausted"
    alone = [batch for batch in recorder.batches() if batch == ["TXN#4"]]
    assert (
        dead["requestContext"]["approximateInvokeCount"] == len(alone) == mapping.maximum_retry_attempts + 1
    )
    assert ("functionError" in dead["responseContext"]) == (fails is raise_on)

    put(aws, "TXN#8")
    assert feeder.drain() == 1
    assert recorder.succeeded[-1] == "TXN#8"
    assert dead_letters(aws) == []


def test_without_bisecting_the_records_from_the_failed_one_go_to_the_dead_letter_queue_together(
    aws: dict[str, str],
) -> None:
    recorder = Recorder(report("TXN#2"))
    mapping = notifier_mapping(bisect_batch_on_function_error=False, maximum_retry_attempts=2)
    feeder = StreamFeeder(aws, recorder, REGION, [mapping])
    for number in range(1, 5):
        put(aws, f"TXN#{number}")

    assert feeder.drain() == 1

    assert recorder.batches() == [["TXN#1", "TXN#2", "TXN#3", "TXN#4"]] + [["TXN#2", "TXN#3", "TXN#4"]] * 2
    [dead] = dead_letters(aws)
    assert dead["DDBStreamBatchInfo"]["startSequenceNumber"] == sequence_of(recorder, "TXN#2")
    assert dead["DDBStreamBatchInfo"]["endSequenceNumber"] == sequence_of(recorder, "TXN#4")
    assert dead["DDBStreamBatchInfo"]["batchSize"] == 3
    assert dead["requestContext"]["approximateInvokeCount"] == 3


def test_a_function_that_fails_once_then_succeeds_gets_every_record_and_nothing_is_dead_lettered(
    aws: dict[str, str],
) -> None:
    def fail_once(records: list[dict[str, Any]], call: int) -> Any:
        if call == 1:
            raise TimeoutError("the first try timed out")
        return {"batchItemFailures": []}

    recorder = Recorder(fail_once)
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping()])
    keys = [f"TXN#{number}" for number in range(1, 6)]
    for key in keys:
        put(aws, key)

    assert feeder.drain() == 5

    assert recorder.succeeded == keys
    assert dead_letters(aws) == []


def test_records_older_than_the_maximum_age_go_to_the_dead_letter_queue_without_being_delivered(
    aws: dict[str, str],
) -> None:
    mapping = notifier_mapping()
    later = datetime.now(UTC) + timedelta(seconds=mapping.maximum_record_age_seconds + 60)
    recorder = Recorder()
    feeder = StreamFeeder(aws, recorder, REGION, [mapping], clock=lambda: later)
    put(aws, "TXN#1")
    put(aws, "TXN#2")

    assert feeder.drain() == 0

    assert recorder.events == []
    [dead] = dead_letters(aws)
    assert dead["requestContext"]["condition"] == "RecordAgeExceeded"
    assert dead["requestContext"]["approximateInvokeCount"] == 0
    assert dead["DDBStreamBatchInfo"]["batchSize"] == 2


def test_the_polling_thread_and_drain_deliver_each_record_once(aws: dict[str, str]) -> None:
    recorder = Recorder()
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping(batch_size=3)])
    feeder.start()
    try:
        keys = [f"TXN#{number:02}" for number in range(12)]
        for key in keys:
            put(aws, key)
            feeder.drain()  # at the same time as the thread
        deadline = time.monotonic() + WAIT_SECONDS
        while len(recorder.succeeded) < len(keys) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        feeder.stop()

    assert recorder.succeeded == keys


def test_the_thread_delivers_what_is_written_after_the_start(aws: dict[str, str]) -> None:
    recorder = Recorder()
    feeder = StreamFeeder(aws, recorder, REGION, [notifier_mapping()])
    feeder.start()
    try:
        put(aws, "TXN#1")
        deadline = time.monotonic() + WAIT_SECONDS
        while not recorder.succeeded and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        feeder.stop()

    assert recorder.succeeded == ["TXN#1"]
    assert feeder.describe() == ["NotifierFunction <- PortalTable"]


@pytest.mark.parametrize(
    ("construct", "pattern"),
    [
        ("anything-but", {"eventName": [{"anything-but": ["REMOVE"]}]}),
        ("numeric", {"dynamodb": {"NewImage": {"amount": {"N": [{"numeric": [">", 0]}]}}}}),
        ("$or", {"$or": [{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}]}),
    ],
)
def test_a_filter_the_local_mapping_does_not_implement_is_refused_when_the_feeder_is_made(
    aws: dict[str, str], construct: str, pattern: dict[str, Any]
) -> None:
    with pytest.raises(UnsupportedFilter, match="not implemented") as refused:
        StreamFeeder(aws, Recorder(), REGION, [notifier_mapping(filter_patterns=(pattern,))])
    assert construct in str(refused.value)
