"""Lambda's DynamoDB stream event source mapping, for the local stack and the tests: for each `DynamoDB` event
of a function in the template, a thread reads the table's stream and invokes the function with the records,
in the event Lambda delivers ({"Records": [...]}, each record with its `eventSourceARN` and its creation time
in epoch seconds), as the mapping's settings say. Stopped with the stack.

The model, per mapping:
- A checkpoint per shard: the last record done with. Done means delivered to a function that succeeded on
  it, passed over by the filters, or described to the on-failure destination. It starts at the mapping's
  `StartingPosition` when the feeder is made (LATEST: only the changes made from then on; TRIM_HORIZON:
  everything in the stream), and is kept in memory only.
- Records no `FilterCriteria` pattern matches are passed over, never delivered. The patterns are matched
  against the record as delivered; the constructs implemented are values (strings, numbers, booleans,
  null), `prefix`, `suffix`, `equals-ignore-case` and `exists`; anything else is refused when the feeder is
  made (UnsupportedFilter) rather than matched wrongly.
- Batches of up to `BatchSize` matching records, in stream order. `MaximumBatchingWindowInSeconds` is not
  waited for: each poll delivers what is there.
- The answer: with `ReportBatchItemFailures`, `{"batchItemFailures": [{"itemIdentifier": <sequence number>},
  ...]}` means the records before the lowest one named are done and the rest failed; an empty or missing
  list means success. Naming no record of the batch, or raising, fails the whole batch.
- What failed is retried at once (after `retry_delay_seconds`, zero unless the stack sets a pause), up to
  `MaximumRetryAttempts` times for that batch. With `BisectBatchOnFunctionError`, failed records that are
  more than one are instead split in two halves, each delivered on its own with its own retries (splitting
  is not a retry), so a record that always fails ends up alone while the others of its batch are delivered.
  When the retries are spent, ONE message describing the failed records (shard, first and last sequence
  numbers, never the records themselves), as Lambda sends it, goes to the `OnFailure` SQS queue, and the
  stream goes on past them.
- Records older than `MaximumRecordAgeInSeconds` (or than the stream's 24-hour retention, when it is -1) go
  to the destination the same way ("RecordAgeExceeded") without being delivered; this also ends the
  retries of a mapping whose `MaximumRetryAttempts` is -1, as in AWS.
`drain()` delivers, synchronously, everything the streams hold now. A lock per mapping keeps the thread and
`drain()` from delivering the same records at the same time.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from billing_portal.shared import aws
from localrun import functions, template

logger = logging.getLogger("localrun.streams")

Invoke = Callable[[str, Any], Any]
Clock = Callable[[], datetime]
POLL_SECONDS = 0.2  # Lambda polls a stream's shards four times a second
STOP_TIMEOUT_SECONDS = 10.0
PAGE_LIMIT = 1000  # the most records one GetRecords returns
STREAM_RETENTION_SECONDS = 24 * 60 * 60
ACCOUNT_ID = "123456789012"  # moto's, which the local stack runs in
STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")
_TEXT_OPERATORS = ("prefix", "suffix", "equals-ignore-case")


class UnsupportedFilter(ValueError):
    """A filter pattern uses what the local mapping does not implement, or is not a valid pattern."""


class UnsupportedMapping(ValueError):
    """A stream mapping's setting the local mapping cannot honour."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- filter patterns ----------------------------------------------------------------------------------------


def check_pattern(pattern: Any, where: str = "") -> None:
    """Raise UnsupportedFilter unless `pattern` is an event filter pattern made only of what `matches`
    implements: nested objects whose leaves are non-empty lists of values and operators."""
    if not isinstance(pattern, Mapping) or not pattern:
        raise UnsupportedFilter(f"{where or 'a filter pattern'}: must be a non-empty object, not {pattern!r}")
    for key, expected in pattern.items():
        here = f"{where}.{key}" if where else str(key)
        if str(key).startswith("$"):
            raise UnsupportedFilter(f"{here}: {key} is not implemented by the local stream mapping")
        if isinstance(expected, Mapping):
            check_pattern(expected, here)
        elif isinstance(expected, list) and expected:
            for rule in expected:
                _check_rule(rule, here)
        else:
            raise UnsupportedFilter(
                f"{here}: must be an object or a non-empty list of rules, not {expected!r}"
            )


def _check_rule(rule: Any, where: str) -> None:
    if rule is None or isinstance(rule, str | int | float | bool):
        return
    if isinstance(rule, Mapping) and len(rule) == 1:
        [(operator, operand)] = rule.items()
        if operator in _TEXT_OPERATORS and isinstance(operand, str):
            return
        if operator == "exists" and isinstance(operand, bool):
            return
    raise UnsupportedFilter(
        f"{where}: the rule {json.dumps(rule)} is not implemented by the local stream mapping (it implements "
        "values, prefix, suffix, equals-ignore-case and exists)"
    )


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether a record matches an event filter pattern (checked by `check_pattern`): every key of the
    pattern must match (a key the record lacks matches only `{"exists": false}`), a nested object matches
    the record's object, and a list of rules matches when any of them does (on a list value: on any of its
    elements)."""
    for key, expected in pattern.items():
        present = isinstance(record, Mapping) and key in record
        value = record[key] if present else None
        if isinstance(expected, Mapping):
            if not (present and isinstance(value, Mapping) and matches(expected, value)):
                return False
        elif not any(_rule_matches(rule, present, value) for rule in expected):
            return False
    return True


def _rule_matches(rule: Any, present: bool, value: Any) -> bool:
    if isinstance(rule, Mapping) and "exists" in rule:
        # As in EventBridge, only a leaf exists: a key whose value is an object does not.
        return bool(rule["exists"]) == (present and not isinstance(value, Mapping))
    if not present:
        return False
    if isinstance(value, list):
        return any(_value_matches(rule, element) for element in value)
    return _value_matches(rule, value)


def _value_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        [(operator, operand)] = rule.items()
        if not isinstance(value, str):
            return False
        if operator == "prefix":
            return value.startswith(operand)
        if operator == "suffix":
            return value.endswith(operand)
        return value.casefold() == str(operand).casefold()  # equals-ignore-case
    if isinstance(rule, bool) or isinstance(value, bool):
        return rule is value
    if isinstance(rule, int | float):
        return isinstance(value, int | float) and value == rule
    return type(rule) is type(value) and bool(rule == value)  # strings, null


# -- records and answers ------------------------------------------------------------------------------------


def lambda_record(record: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record as GetRecords returns it (through boto3), as Lambda delivers it: JSON only (binary
    attributes in base64, the creation time in epoch seconds), with the stream's ARN and region."""
    change = {name: _json_ready(value) for name, value in record["dynamodb"].items()}
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    delivered = {name: _json_ready(value) for name, value in record.items() if name != "dynamodb"}
    delivered.update({"awsRegion": region, "dynamodb": change, "eventSourceARN": stream_arn})
    return delivered


def _json_ready(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {name: _json_ready(inner) for name, inner in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_ready(inner) for inner in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


@dataclass(frozen=True)
class Failure:
    """Where a batch failed: the records before `index` are done."""

    index: int
    function_error: bool  # the function raised (rather than reporting records as failed)


def batch_failure(answer: Any, sequence_numbers: list[str], report_item_failures: bool) -> Failure | None:
    """What a function's answer says of its batch, as Lambda reads it: None when it succeeded. Without
    ReportBatchItemFailures the answer is not read. An answer naming a record not in the batch, or naming
    none, fails the whole batch."""
    if not report_item_failures or not isinstance(answer, Mapping):
        return None
    failures = answer.get("batchItemFailures")
    if failures is None or failures == []:
        return None
    if not isinstance(failures, list):
        return Failure(0, function_error=False)
    named = [failure.get("itemIdentifier") if isinstance(failure, Mapping) else None for failure in failures]
    if not all(isinstance(name, str) and name in sequence_numbers for name in named):
        return Failure(0, function_error=False)
    return Failure(min(sequence_numbers.index(str(name)) for name in named), function_error=False)


def _sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the mapping -------------------------------------------------------------------------------------------


@dataclass
class _Position:
    """Where a shard is read from next: `iterator` when one is known to point just past `after` (or at the
    starting position), else just after `after`, else the shard's start."""

    after: str | None = None
    iterator: str | None = None


@dataclass
class _Mapping:
    source: template.StreamSource
    stream_arn: str
    patterns: tuple[dict[str, Any], ...]
    positions: dict[str, _Position] = field(default_factory=dict)  # by shard id
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wants(self, record: Mapping[str, Any]) -> bool:
        return not self.patterns or any(matches(pattern, record) for pattern in self.patterns)

    def checkpoint(self, shard_id: str, record: Mapping[str, Any]) -> None:
        self.positions[shard_id] = _Position(after=_sequence_number(record))


class _Stopping(Exception):
    """The feeder is stopping: leave the records after the checkpoint for the next start."""


class StreamFeeder:
    def __init__(
        self,
        physical: Mapping[str, str],
        invoke: Invoke,
        region: str,
        sources: list[template.StreamSource] | None = None,
        *,
        starting_position: str | None = None,
        retry_delay_seconds: float = 0.0,
        clock: Clock = _utc_now,
    ) -> None:
        """The mappings are created now: with LATEST, what the streams hold already is never delivered.
        `physical`: the resources' physical ids (a table's stream ARN under `<logical id>.StreamArn`, a
        queue's URL under its logical id). `starting_position` overrides the template's for every mapping;
        `retry_delay_seconds` is the pause before each retry; `clock` says what time it is (records' age)."""
        self.physical = physical
        self.invoke = invoke
        self.region = region
        self.retry_delay_seconds = retry_delay_seconds
        self.clock = clock
        # Account-scoped endpoints (botocore's default) are not served by moto in-process; AWS_ENDPOINT_URL,
        # when set (the local stack), still applies.
        self._streams = boto3.client(
            "dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled")
        )
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        defined = template.stream_sources() if sources is None else sources
        self._mappings = [self._create(source, starting_position) for source in defined if source.enabled]

    @property
    def sources(self) -> list[template.StreamSource]:
        return [mapping.source for mapping in self._mappings]

    def _create(self, source: template.StreamSource, starting_position: str | None) -> _Mapping:
        where = f"{source.function} <- {source.table}"
        for index, pattern in enumerate(source.filter_patterns):
            check_pattern(pattern, f"{where}: filter pattern {index + 1}")
        if source.on_failure is not None and source.on_failure_type != "SQS":
            raise UnsupportedMapping(f"{where}: only an SQS queue can be the on-failure destination locally")
        start = starting_position or source.starting_position
        if start not in STARTING_POSITIONS:
            raise UnsupportedMapping(
                f"{where}: the starting position {start!r} is not one of {STARTING_POSITIONS}"
            )
        mapping = _Mapping(source, self.physical[f"{source.table}.StreamArn"], source.filter_patterns)
        if start == "LATEST":
            for shard_id in self._shard_ids(mapping):
                iterator = self._streams.get_shard_iterator(
                    StreamArn=mapping.stream_arn, ShardId=shard_id, ShardIteratorType="LATEST"
                )["ShardIterator"]
                mapping.positions[shard_id] = _Position(iterator=iterator)
        return mapping

    def describe(self) -> list[str]:
        return [f"{mapping.source.function} <- {mapping.source.table}" for mapping in self._mappings]

    def start(self) -> None:
        for mapping in self._mappings:
            # A function that cannot load fails the start, not a poll.
            functions.handler(mapping.source.function)
            thread = threading.Thread(
                target=self._poll,
                args=(mapping,),
                name=f"ddb-stream-{mapping.source.table}-{mapping.source.function}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop reading; a batch being delivered is given until `timeout` to finish (retries are not)."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def drain(self) -> int:
        """Deliver everything the streams hold now; answers how many records the functions succeeded on."""
        return sum(self._feed(mapping) for mapping in self._mappings)

    def _poll(self, mapping: _Mapping) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            try:
                self._feed(mapping)
            except Exception:
                if self._stopping.is_set():
                    return  # the local AWS is going away with the stack
                logger.exception("reading the stream of %s failed; trying again", mapping.source.table)

    def _feed(self, mapping: _Mapping) -> int:
        delivered = 0
        with mapping.lock:
            try:
                for shard_id in self._shard_ids(mapping):
                    while True:
                        records, following = self._next_records(mapping, shard_id)
                        if not records:
                            break
                        delivered += self._process(mapping, shard_id, records)
                        # The page is done: the iterator after it reads on from the checkpoint.
                        mapping.positions[shard_id].iterator = following
            except _Stopping:
                pass
        return delivered

    def _shard_ids(self, mapping: _Mapping) -> list[str]:
        described = self._streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"]
        return [str(shard["ShardId"]) for shard in described["Shards"]]

    def _next_records(self, mapping: _Mapping, shard_id: str) -> tuple[list[dict[str, Any]], str | None]:
        """The shard's records after the checkpoint (a page of them), as Lambda delivers them, and the
        iterator that reads on after them."""
        position = mapping.positions.setdefault(shard_id, _Position())
        iterator = position.iterator
        if iterator is None:
            where: dict[str, str] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position.after}
                if position.after is not None
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self._streams.get_shard_iterator(
                StreamArn=mapping.stream_arn, ShardId=shard_id, **where
            )["ShardIterator"]
        page = self._streams.get_records(ShardIterator=iterator, Limit=PAGE_LIMIT)
        records = [lambda_record(record, mapping.stream_arn, self.region) for record in page["Records"]]
        following = page.get("NextShardIterator")
        if not records:
            position.iterator = following  # the same place: saves asking for another
        return records, following

    def _process(self, mapping: _Mapping, shard_id: str, records: list[dict[str, Any]]) -> int:
        """Deliver a page's matching records in batches; the checkpoint passes every record of the page."""
        delivered = 0
        batch: list[dict[str, Any]] = []
        for index, record in enumerate(records):
            if mapping.wants(record):
                batch.append(record)
            if len(batch) == mapping.source.batch_size or index == len(records) - 1:
                delivered += self._deliver(mapping, shard_id, batch) if batch else 0
                mapping.checkpoint(shard_id, record)  # the filtered-out records up to here are done too
                batch = []
        return delivered

    def _deliver(self, mapping: _Mapping, shard_id: str, batch: list[dict[str, Any]]) -> int:
        """Deliver a batch until every record of it is done; answers how many the function succeeded on."""
        source = mapping.source
        delivered = 0
        retries = 0
        batch = self._expire(mapping, shard_id, batch)
        while batch:
            numbers = [_sequence_number(record) for record in batch]
            try:
                # A copy through JSON, as Lambda serialises the event: a function cannot change a retry's.
                answer = self.invoke(source.function, json.loads(json.dumps({"Records": batch})))
                failure = batch_failure(answer, numbers, source.report_batch_item_failures)
            except Exception:
                logger.exception("%s failed on a batch of %d stream records", source.function, len(batch))
                failure = Failure(0, function_error=True)
            if failure is None:
                mapping.checkpoint(shard_id, batch[-1])
                return delivered + len(batch)
            if failure.index > 0:
                mapping.checkpoint(shard_id, batch[failure.index - 1])
                delivered += failure.index
            failed = batch[failure.index :]
            logger.warning("%s failed on %d of %d stream records", source.function, len(failed), len(batch))
            if source.bisect_batch_on_function_error and len(failed) > 1:
                half = len(failed) // 2
                return delivered + sum(
                    self._deliver(mapping, shard_id, part) for part in (failed[:half], failed[half:])
                )
            if source.maximum_retry_attempts != -1 and retries >= source.maximum_retry_attempts:
                self._give_up(mapping, shard_id, failed, "RetryAttemptsExhausted", retries + 1, failure)
                return delivered
            retries += 1
            if self._stopping.wait(self.retry_delay_seconds):
                raise _Stopping
            batch = self._expire(mapping, shard_id, failed)
        return delivered

    def _expire(self, mapping: _Mapping, shard_id: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send the records too old to be delivered to the destination; answers the others."""
        age = mapping.source.maximum_record_age_seconds
        oldest = self.clock().timestamp() - (STREAM_RETENTION_SECONDS if age == -1 else age)
        expired = 0
        while expired < len(batch) and batch[expired]["dynamodb"]["ApproximateCreationDateTime"] < oldest:
            expired += 1
        if expired:
            self._give_up(mapping, shard_id, batch[:expired], "RecordAgeExceeded", 0, None)
        return batch[expired:]

    def _give_up(
        self,
        mapping: _Mapping,
        shard_id: str,
        records: list[dict[str, Any]],
        condition: str,
        invocations: int,
        failure: Failure | None,
    ) -> None:
        """Describe skipped records to the on-failure destination, as Lambda does for a stream; they are
        done."""
        source = mapping.source
        first, last = records[0], records[-1]
        logger.warning(
            "%s skips stream records %s to %s (%s)",
            source.function,
            _sequence_number(first),
            _sequence_number(last),
            condition,
        )
        if source.on_failure is not None:
            message: dict[str, Any] = {
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{source.function}",
                    "condition": condition,
                    "approximateInvokeCount": invocations,
                },
                "version": "1.0",
                "timestamp": self.clock()
                .astimezone(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "DDBStreamBatchInfo": {
                    "shardId": shard_id,
                    "startSequenceNumber": _sequence_number(first),
                    "endSequenceNumber": _sequence_number(last),
                    "approximateArrivalOfFirstRecord": _iso(first["dynamodb"]["ApproximateCreationDateTime"]),
                    "approximateArrivalOfLastRecord": _iso(last["dynamodb"]["ApproximateCreationDateTime"]),
                    "batchSize": len(records),
                    "streamArn": mapping.stream_arn,
                },
            }
            if failure is not None:
                response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
                if failure.function_error:
                    response["functionError"] = "Unhandled"
                message["responseContext"] = response
            aws.client("sqs").send_message(
                QueueUrl=self.physical[source.on_failure], MessageBody=json.dumps(message)
            )
        mapping.checkpoint(shard_id, last)
